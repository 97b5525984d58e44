"""Every path the workbench knows, in one place.

Where the notebooks and expectation suites are read from:

1. ``WORKBENCH_HOME`` when set: its ``notebooks/`` and ``expectations/`` (and ``reports/``,
   ``cases/``), whatever the install;
2. else the source checkout holding this package: the top-level ``notebooks/`` and
   ``expectations/`` (also an editable install);
3. else, installed from a wheel: the copies shipped inside the package,
   ``workbench/bundled/`` (setup.py's build hook puts them there); run folders then go
   to ``reports/`` of the current folder.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The package folder (installed or in the source tree).
PACKAGE_DIR = Path(__file__).resolve().parent
#: notebooks/ and expectations/ as shipped inside an installed package (see setup.py).
BUNDLED_DIR = PACKAGE_DIR / "bundled"


def find_checkout(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The source checkout holding ``package_dir`` (pyproject.toml and notebooks/ beside
    it), or None for an installed package."""
    root = package_dir.parent
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


#: The checkout this code runs from, or None when installed (no git commit to record then).
CHECKOUT = find_checkout()
_HOME = os.environ.get("WORKBENCH_HOME")
#: The project folder: WORKBENCH_HOME, else the checkout, else the current folder.
PROJECT_ROOT = Path(_HOME or CHECKOUT or Path.cwd()).resolve()
#: Where notebooks/ and expectations/ are read: the project's own, else the package's copies.
RESOURCES_DIR = PROJECT_ROOT if (_HOME or CHECKOUT) else BUNDLED_DIR

NOTEBOOKS_DIR = RESOURCES_DIR / "notebooks"
EXPECTATIONS_DIR = RESOURCES_DIR / "expectations"
REPORTS_DIR = PROJECT_ROOT / "reports"
CASES_DIR = PROJECT_ROOT / "cases"
DEMO_CASE = CASES_DIR / "demo" / "case.yaml"
LAW_DATA_DIR = PACKAGE_DIR / "law" / "data"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

#: Inside a run folder.
ARTIFACTS_SUBDIR = "artifacts"
MANIFEST_NAME = "manifest.json"


def notebook_paths(case_path: str | os.PathLike | None, run_dir: str | os.PathLike | None) -> tuple[Path, Path]:
    """A notebook's ``case_path`` and ``run_dir`` parameters, with the documented defaults.

    ``workbench run`` always passes both. A notebook opened by hand (in JupyterLab, copied
    anywhere) may leave them empty: the case is then the demo case of the project folder
    (:data:`DEMO_CASE`: ``WORKBENCH_HOME/cases/demo/case.yaml``, else the checkout's, else the
    current folder's), and the run folder ``reports/scratch`` of the project. A relative path
    is taken from the current folder (the notebook's own, in Jupyter).
    """
    case = Path(case_path).expanduser() if case_path else DEMO_CASE
    if not case_path and not case.is_file():
        raise FileNotFoundError(
            f"no case_path given and no demo case at {case}: write one with `workbench synth --out "
            f"{case.parent}`, set WORKBENCH_HOME to the project folder, or set case_path")
    return case, Path(run_dir).expanduser() if run_dir else REPORTS_DIR / "scratch"
