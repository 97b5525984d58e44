"""Every path the workbench knows, in one place."""

from __future__ import annotations

import os
from pathlib import Path

#: The package folder (installed or in the source tree).
PACKAGE_DIR = Path(__file__).resolve().parent
#: The project root when running from a checkout (notebooks/, expectations/ live here).
PROJECT_ROOT = Path(os.environ.get("WORKBENCH_HOME", PACKAGE_DIR.parent)).resolve()

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REPORTS_DIR = PROJECT_ROOT / "reports"
CASES_DIR = PROJECT_ROOT / "cases"
DEMO_CASE = CASES_DIR / "demo" / "case.yaml"
LAW_DATA_DIR = PACKAGE_DIR / "law" / "data"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

#: Inside a run folder.
ARTIFACTS_SUBDIR = "artifacts"
MANIFEST_NAME = "manifest.json"
