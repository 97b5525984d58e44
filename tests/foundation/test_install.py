"""Installed, not only checked out: the notebooks and suites ship in the wheel, the paths
find them there, a minimal install (no [spark], no [postgres]) audits the demo, and a run
that would execute no notebook fails loudly."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_notebook
from workbench.cli import main
from workbench.errors import RunError, WorkbenchError
from workbench.paths import (BUNDLED_DIR, CHECKOUT, EXPECTATIONS_DIR, NOTEBOOKS_DIR, PACKAGE_DIR, PROJECT_ROOT,
                             find_checkout)
from workbench.runner import notebook_set


# --------------------------------------------------------------------------- no notebooks, no run

def test_a_missing_notebook_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(RunError, match=str(tmp_path / "nowhere")):
        notebook_set(tmp_path / "nowhere")


def test_a_folder_without_numbered_notebooks_is_an_error_naming_it(tmp_path):
    (tmp_path / "notes.ipynb").write_text("{}")      # not numbered
    (tmp_path / "10_dir.ipynb").mkdir()              # not a file
    with pytest.raises(WorkbenchError, match=f"{tmp_path}.*no numbered notebook"):
        notebook_set(tmp_path)


def test_numbered_notebooks_come_in_order(tmp_path):
    for name in ("90_b.ipynb", "00_a.ipynb"):
        make_notebook(tmp_path, name, "pass")
    assert [p.name for p in notebook_set(tmp_path)] == ["00_a.ipynb", "90_b.ipynb"]


def test_run_with_a_missing_notebooks_folder_exits_2_and_runs_nothing(minimal_case, tmp_path, capsys):
    out = tmp_path / "reports"
    code = main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(tmp_path / "missing")])
    assert code == 2
    assert str(tmp_path / "missing") in capsys.readouterr().err
    assert not out.exists(), "no run folder, no manifest saying completed"


# --------------------------------------------------------------------------- where things are found

def test_a_checkout_reads_the_top_level_folders():
    if os.environ.get("WORKBENCH_HOME"):
        pytest.skip("WORKBENCH_HOME overrides the checkout")
    assert CHECKOUT == PACKAGE_DIR.parent == PROJECT_ROOT
    assert NOTEBOOKS_DIR == CHECKOUT / "notebooks" and EXPECTATIONS_DIR == CHECKOUT / "expectations"
    assert not BUNDLED_DIR.exists(), "the bundled copies exist only in a build, never in the source tree"


def test_a_package_without_a_checkout_around_it_is_installed(tmp_path):
    site_packages = tmp_path / "site-packages"
    (site_packages / "workbench").mkdir(parents=True)
    (site_packages / "notebooks").mkdir()     # no pyproject.toml beside it: not a checkout
    assert find_checkout(site_packages / "workbench") is None
    (site_packages / "pyproject.toml").write_text("")
    assert find_checkout(site_packages / "workbench") == site_packages


@pytest.mark.parametrize("home", [False, True])
def test_workbench_home_overrides_and_an_install_reads_its_bundled_copies(tmp_path, home):
    """paths.py imported as an installed package would see it: no checkout around it."""
    pkg = tmp_path / "site" / "workbench"
    pkg.mkdir(parents=True)
    shutil.copy(PACKAGE_DIR / "paths.py", pkg / "paths.py")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WORKBENCH_HOME")}
    if home:
        env["WORKBENCH_HOME"] = str(tmp_path / "home")
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import paths as p; "
            "print(json.dumps({k: str(getattr(p, k)) for k in ('CHECKOUT', 'NOTEBOOKS_DIR', 'EXPECTATIONS_DIR', "
            "'REPORTS_DIR')}))")
    out = subprocess.run([sys.executable, "-c", code, str(pkg)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, check=True).stdout
    got = json.loads(out)
    assert got["CHECKOUT"] == "None"
    base = tmp_path / "home" if home else pkg / "bundled"
    assert got["NOTEBOOKS_DIR"] == str(base / "notebooks") and got["EXPECTATIONS_DIR"] == str(base / "expectations")
    assert got["REPORTS_DIR"] == str((tmp_path / "home" if home else tmp_path) / "reports")


# --------------------------------------------------------------------------- the wheel, for real

#: Not part of what a build reads (and some are large).
_NOT_BUILT = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".hypothesis", "reports", "cases", "benchmarks", "tests", ".tmp", ".pgdata",
                                    ".ipynb_checkpoints")


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd[:4]} exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r


def _build_offline_args() -> list[str]:
    """Build with this environment's setuptools and wheel (the dev extras) when it has them,
    offline; else let pip fetch pyproject's build requirements."""
    import importlib.util

    import setuptools
    from packaging.version import Version

    version = Version(setuptools.__version__)
    bdist_wheel = importlib.util.find_spec("wheel") is not None or version >= Version("70.1")
    return ["--no-build-isolation", "--no-index"] if version >= Version("68") and bdist_wheel else []


def _environment_without_the_checkout(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WORKBENCH_HOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["GX_ANALYTICS_ENABLED"] = "false"
    # the dependencies' data files (nbconvert's templates, the kernelspec) as if installed in the venv
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return env


@pytest.mark.slow
def test_a_wheel_installed_outside_the_checkout_audits_a_case(tmp_path):
    root = PACKAGE_DIR.parent
    if find_checkout() is None:
        pytest.skip("needs the source checkout to build from")
    # build as `python -m build` does: an sdist from a copy of the source, then the wheel from the sdist
    src = tmp_path / "src"
    shutil.copytree(root, src, ignore=_NOT_BUILT)
    _run([sys.executable, "-c", "import sys; from setuptools import build_meta as b; b.build_sdist(sys.argv[1])",
          tmp_path / "sdist"], cwd=src)
    (sdist,) = (tmp_path / "sdist").glob("*.tar.gz")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", *_build_offline_args(), "-q",
          "-w", tmp_path / "wheels", sdist], cwd=tmp_path)
    (wheel,) = (tmp_path / "wheels").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(root).as_posix() for p in (root / "workbench").rglob("*.py")}
    assert modules - names == set(), "modules (of subpackages such as workbench/quality/) missing from the wheel"
    for folder, pattern in (("notebooks", "*.ipynb"), ("expectations", "*.json")):
        shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith(f"workbench/bundled/{folder}/")}
        assert shipped == {p.name for p in (root / folder).glob(pattern)}, folder

    # a fresh venv outside the checkout, its dependencies borrowed from this environment
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    purelib = Path(_run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    here = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *site.getsitepackages()}
    (purelib / "zz_dependencies.pth").write_text("\n".join(sorted(here)) + "\n")
    # a minimal install: the extras' packages ([spark], [postgres]) cannot be imported there,
    # in the command nor in the notebooks' kernels (a .pth line that starts with import runs)
    (purelib / "zz_no_extras.pth").write_text(
        "import sys; sys.modules.update(dict.fromkeys(('pyspark', 'psycopg', 'psycopg_binary', 'pglast')))\n")
    # --ignore-installed: the checkout's own editable install is visible through the .pth; never touch it
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q",
          "--no-deps", "--no-index", "--ignore-installed", wheel])

    env = _environment_without_the_checkout(venv)
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run([venv / "bin" / "python", "-c",
                  "import workbench.paths as p; print(p.PACKAGE_DIR); print(p.CHECKOUT); print(p.NOTEBOOKS_DIR)"],
                 cwd=work, env=env).stdout.split()
    assert where[0] == str(purelib / "workbench") and where[1] == "None"
    assert where[2] == str(purelib / "workbench" / "bundled" / "notebooks")

    blocked = subprocess.run([str(venv / "bin" / "python"), "-c", "import pyspark"], cwd=work, env=env,
                             capture_output=True, text=True)
    assert blocked.returncode != 0 and "pyspark" in blocked.stderr, "the extras are hidden in the minimal install"

    wb = str(venv / "bin" / "workbench")
    _run([wb, "synth", "--people", "300", "--out", "case"], cwd=work, env=env)
    run = _run([wb, "run", "case/case.yaml", "--out", "out"], cwd=work, env=env, timeout=900)
    run_dir = Path(run.stdout.splitlines()[0])
    assert run_dir.is_relative_to(work / "out")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    expected = sorted(p.name for p in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [n["name"] for n in manifest["notebooks"]] == expected
    assert all(n["status"] == "completed" for n in manifest["notebooks"]), manifest["notebooks"]
    for name in expected:
        assert (run_dir / "notebooks" / name).is_file() and (run_dir / "html" / name.replace(".ipynb", ".html")).is_file()
    assert (run_dir / "report.html").is_file() and (run_dir / "findings.json").is_file()
    assert manifest["git"] == {"commit": None, "dirty": None}, "an installed package has no checkout commit"
    assert manifest["packages"]["breach-audit-workbench"]
    verified = _run([wb, "verify", run_dir], cwd=work, env=env).stdout
    assert "INTACT" in verified and "NOT INTACT" not in verified
