"""The run manifest: what ran, on what inputs, with which code, and what it produced.

``manifest.json`` is written when a run starts (status ``running``), and rewritten when it
ends (``completed`` or ``failed``). A run killed part-way keeps ``running`` and no
``finished_at``: it is recognisable as incomplete.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.artifacts import atomic_write_text
from workbench.paths import CHECKOUT, MANIFEST_NAME

MANIFEST_SCHEMA_VERSION = "1.0"
#: Packages whose versions decide results; recorded in every manifest.
TRACKED_PACKAGES = ("breach-audit-workbench", "pandas", "numpy", "pyarrow", "great-expectations",
                    "papermill", "nbconvert", "nbclient", "ipykernel", "matplotlib", "duckdb",
                    "holidays", "pydantic", "weasyprint", "jinja2", "defusedxml", "rapidfuzz")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_state(root: Path | None = CHECKOUT) -> dict[str, Any]:
    """The commit of the workbench code, and whether the tree had uncommitted changes; both
    None for an installed package (its version is under ``packages``)."""
    if root is None:
        return {"commit": None, "dirty": None}

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def law_version() -> str | None:
    """The law data's version hash, when the law package is present."""
    try:
        from workbench.law import load_rulebook
    except ImportError:
        return None
    return load_rulebook().version_hash


def output_files(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Every file of the run folder except the manifest, with sha256 and size."""
    from workbench.sources import file_sha256

    out = {}
    for p in sorted(q for q in run_dir.rglob("*") if q.is_file()):
        rel = p.relative_to(run_dir).as_posix()
        if rel == MANIFEST_NAME or "/.ipynb_checkpoints/" in f"/{rel}" or p.name.startswith(".manifest"):
            continue
        out[rel] = {"sha256": file_sha256(p), "bytes": p.stat().st_size}
    return out


def write_manifest(run_dir: Path, doc: dict[str, Any]) -> Path:
    path = Path(run_dir) / MANIFEST_NAME
    atomic_write_text(path, json.dumps(doc, indent=2, default=str) + "\n")
    return path


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    return json.loads((Path(run_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))


def command_line() -> list[str]:
    return list(sys.argv)
