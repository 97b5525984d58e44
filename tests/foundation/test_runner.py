"""The runner: a new run folder per run, a manifest, and `latest` moved only on success."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tests.conftest import make_notebook
from workbench.cli import main
from workbench.runner import run_case

pytestmark = pytest.mark.slow


def test_completed_run_then_failed_run_keeps_latest(minimal_case, tmp_path, capsys):
    good = tmp_path / "nb_good"
    make_notebook(good, "10_writes.ipynb",
              "from pathlib import Path\nPath(run_dir, 'artifacts').mkdir(exist_ok=True)\n"
              "Path(run_dir, 'artifacts', 'hello.txt').write_text(case_path)\nprint('<b>hello</b>')")
    out = tmp_path / "reports"
    first = run_case(minimal_case, out, notebooks=sorted(good.glob("*.ipynb")))
    assert first.ok
    manifest = json.loads((first.run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["finished_at"]
    assert manifest["inputs"]["case.yaml"]["sha256"] and manifest["inputs"]["notices"]["sha256"]
    assert manifest["packages"]["pandas"] and manifest["parameters"]["as_of"] == "2018-03-01"
    assert "artifacts/hello.txt" in manifest["outputs"]
    assert "notebooks/10_writes.ipynb" in manifest["outputs"] and "html/10_writes.html" in manifest["outputs"]
    html = (first.run_dir / "html" / "10_writes.html").read_text()
    assert "&lt;b&gt;hello&lt;/b&gt;" in html and "<script src=" not in html
    latest = out / "MINI-2017" / "latest"
    assert latest.resolve() == first.run_dir.resolve()

    bad = tmp_path / "nb_bad"
    make_notebook(bad, "10_writes.ipynb", "x = 1")
    make_notebook(bad, "20_raises.ipynb", "raise ValueError('planted failure')")
    code = main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(bad)])
    assert code == 1
    assert "planted failure" in capsys.readouterr().err
    runs = sorted(p for p in (out / "MINI-2017").iterdir() if p.name != "latest")
    failed = runs[-1]
    m = json.loads((failed / "manifest.json").read_text())
    assert m["status"] == "failed"
    assert [n["status"] for n in m["notebooks"]] == ["completed", "failed"]
    assert m["notebooks"][1]["error"]["ename"] == "ValueError"
    executed = nbformat.read(failed / "notebooks" / "20_raises.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in executed.cells for o in c.get("outputs", []))
    assert latest.resolve() == first.run_dir.resolve(), "a failed run never moves latest"


def test_invalid_case_exits_2_without_run_folder(minimal_case, tmp_path):
    minimal_case.write_text(minimal_case.read_text().replace("discovered: 2017-07-29", "discovered: 2017-02-30"))
    out = tmp_path / "reports"
    assert main(["run", str(minimal_case), "--out", str(out)]) == 2
    assert not out.exists() or not any(out.rglob("manifest.json"))


def test_what_the_kernel_logs_reaches_run_log_in_order(minimal_case, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PROGRESS_SECONDS", "0.000001")  # every item of a slow loop logs
    folder = tmp_path / "nb_logs"
    make_notebook(folder, "10_logs.ipynb",
                  "import logging, time\nfrom workbench.progress import track\n"
                  "logging.getLogger('workbench.stages').info('stage info from the kernel')\n"
                  "for _ in track(range(2), 'planted loop', unit='input'):\n    time.sleep(0.01)")
    make_notebook(folder, "20_quiet.ipynb", "x = 1")
    result = run_case(minimal_case, tmp_path / "reports", notebooks=sorted(folder.glob("*.ipynb")))
    assert result.ok
    lines = (result.run_dir / "run.log").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("notebook 10_logs.ipynb ..."))
    info = next(i for i, line in enumerate(lines) if line.endswith("INFO workbench.stages: stage info from the kernel"))
    progress = next(i for i, line in enumerate(lines) if "workbench.progress: planted loop: 1/2 input(s) done" in line)
    end = next(i for i, line in enumerate(lines) if "notebook 10_logs.ipynb done in" in line)
    assert start < info < progress < end < next(i for i, line in enumerate(lines) if "notebook 20_quiet.ipynb ..." in line)


def test_tcp_warning_reaches_neither_stderr_nor_run_log(minimal_case, tmp_path, capfd):
    folder = tmp_path / "nb_one"
    make_notebook(folder, "10_one.ipynb", "x = 1")
    result = run_case(minimal_case, tmp_path / "reports", notebooks=sorted(folder.glob("*.ipynb")))
    assert result.ok
    captured = capfd.readouterr()  # the file descriptors: what the kernel process itself wrote too
    assert "without encryption" not in captured.err + captured.out
    run_log = (result.run_dir / "run.log").read_text()
    assert "notebook 10_one.ipynb done" in run_log and "without encryption" not in run_log


def test_default_kernel_is_this_interpreter_whatever_python3_says(minimal_case, tmp_path, monkeypatch):
    import sys

    from tests.foundation.test_kernels import write_kernel_spec

    jupyter_path = tmp_path / "jupyter"  # a machine-wide python3 spec pointing at another Python
    write_kernel_spec(jupyter_path, "python3", ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    monkeypatch.delenv("WORKBENCH_KERNEL", raising=False)
    folder = tmp_path / "nb_which"
    make_notebook(folder, "10_which.ipynb", "import sys\nfrom pathlib import Path\n"
                                            "Path(run_dir, 'python.txt').write_text(sys.executable)")
    result = run_case(minimal_case, tmp_path / "reports", notebooks=sorted(folder.glob("*.ipynb")))
    assert result.ok, result.error
    assert (result.run_dir / "python.txt").read_text() == sys.executable
    assert result.manifest["kernel"]["name"] == "workbench-python"
    assert result.manifest["kernel"]["argv"][0] == sys.executable


def test_kernel_option_runs_a_named_kernel_spec(minimal_case, tmp_path, monkeypatch):
    import sys

    from tests.foundation.test_kernels import write_kernel_spec

    jupyter_path = tmp_path / "jupyter"  # as a JupyterHub or conda kernel would be installed
    write_kernel_spec(jupyter_path, "conda-audit", [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                      env={"PLANTED_KERNEL_MARK": "conda-audit"})
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))
    folder = tmp_path / "nb_mark"
    make_notebook(folder, "10_mark.ipynb", "import os\nfrom pathlib import Path\n"
                                           "Path(run_dir, 'mark.txt').write_text(os.environ.get('PLANTED_KERNEL_MARK', 'none'))")
    out = tmp_path / "reports"
    assert main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(folder), "--kernel", "conda-audit"]) == 0
    assert (out / "MINI-2017" / "latest" / "mark.txt").read_text() == "conda-audit"


def test_run_json_is_one_document_with_the_outcome_and_the_exit_code(minimal_case, tmp_path, capsys):
    good = tmp_path / "nb_good"
    make_notebook(good, "10_writes.ipynb", "x = 1")
    out = tmp_path / "reports"
    assert main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(good), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["status"], doc["ok"], doc["exit_code"]) == ("completed", True, 0)
    assert doc["notebooks"] == [{"name": "10_writes.ipynb", "status": "completed"}]
    assert (out / "MINI-2017" / "latest").resolve() == Path(doc["run_dir"]).resolve()

    bad = tmp_path / "nb_bad"
    make_notebook(bad, "10_raises.ipynb", "raise ValueError('planted failure')")
    assert main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(bad), "--json"]) == 1
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert (doc["status"], doc["exit_code"], doc["error"]["ename"]) == ("failed", 1, "ValueError")
    assert "planted failure" in captured.err  # the messages still go to stderr
