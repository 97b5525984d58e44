"""Shared test helpers: paths to fixtures and a builder for small case folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# Property tests draw the same examples on every run (a CI run must not fail by chance);
# `pytest --hypothesis-profile=explore` draws fresh ones when hunting for new edge cases.
from hypothesis import settings as _hyp_settings  # noqa: E402

_hyp_settings.register_profile("default", derandomize=True, print_blob=True)
_hyp_settings.register_profile("explore", derandomize=False, max_examples=2000)
_hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
os.environ.setdefault("MPLBACKEND", "Agg")

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL_CASE = FIXTURES / "cases" / "minimal"


@pytest.fixture
def minimal_case(tmp_path: Path) -> Path:
    """A private copy of the minimal case folder; returns its case.yaml."""
    dst = tmp_path / "minimal"
    shutil.copytree(MINIMAL_CASE, dst)
    return dst / "case.yaml"


def edit_case(case_yaml: Path, **changes) -> Path:
    """Rewrite case.yaml with dotted-key changes, e.g. edit_case(p, **{"incident.discovered": "2017-01-01"})."""
    data = yaml.safe_load(case_yaml.read_text())
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        if value is _DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    case_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    return case_yaml


def make_notebook(folder: Path, name: str, body: str) -> Path:
    """A minimal parameterized notebook (markdown title, tagged parameters cell, one code cell)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('case_path: str = ""\nrun_dir: str = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}"), params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def start_sleeping_run(case_yaml: Path, out: Path, folder: Path, *, after: tuple[str, ...] = ()):
    """``workbench run`` in a subprocess (its own session, stderr piped) on a notebook set
    whose first notebook writes ``started.flag`` into its run folder and sleeps; returns the
    process once that flag exists. ``after`` names more numbered notebooks (never reached)."""
    import os
    import subprocess
    import sys
    import time

    from workbench.paths import PROJECT_ROOT

    make_notebook(folder, "10_sleeps.ipynb", "import time\nfrom pathlib import Path\n"
                                             "Path(run_dir, 'started.flag').write_text('x')\ntime.sleep(120)")
    for name in after:
        make_notebook(folder, name, "x = 1")
    proc = subprocess.Popen([sys.executable, "-m", "workbench.cli", "run", str(case_yaml), "--out", str(out),
                             "--notebooks", str(folder)], cwd=PROJECT_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 90
    while not list(out.glob("*/*/started.flag")):
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
            raise AssertionError(f"the sleeping notebook never started: {proc.stderr.read().decode()}")
        time.sleep(0.2)
    return proc


_DELETE = object()
DELETE = _DELETE


@pytest.fixture(scope="session")
def demo_case_yaml(tmp_path_factory) -> Path:
    """The demo case exactly as `make demo` generates it (50,000 people, seed 2017), in a
    private folder: tests never depend on, or write into, the checkout's cases/demo."""
    from workbench.synth import generate_case

    result = generate_case(tmp_path_factory.mktemp("demo") / "demo", 50_000, seed=2017)
    return result.case_yaml


@pytest.fixture(scope="session")
def audited_synthetic_case(tmp_path_factory):
    """One whole `workbench run` (every notebook, the report and its default packages) of a
    400-person synthetic case (seed 7), shared by the slow end-to-end tests so the suite runs
    the notebooks once for all of them: ``(exit code, run folder, SynthResult)``. Read it, never
    change it (a test that tampers copies the run folder first)."""
    from workbench.cli import main
    from workbench.synth import generate_case

    root = tmp_path_factory.mktemp("e2e")
    case = generate_case(root / "case", 400, seed=7)
    out = root / "reports"
    code = main(["run", str(case.case_yaml), "--out", str(out)])
    return code, (out / "EXCB-2017-SYNTH" / "latest").resolve(), case
