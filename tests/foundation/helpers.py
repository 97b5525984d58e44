"""Small case folders the foundation tests share (copied, never edited in place)."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent.parent / "fixtures" / "cases"


def trades_only_case(tmp_path: Path) -> Path:
    """A private copy of ``trades_only_with_flagged_rows``; returns its case.yaml."""
    dst = tmp_path / "trades_only"
    shutil.copytree(FIXTURES / "trades_only_with_flagged_rows", dst)
    return dst / "case.yaml"
