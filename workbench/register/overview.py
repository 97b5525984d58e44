"""One or more registers audited and seen whole: what the regulator notebook and report show.

:func:`overview` is pure (audits in, tables out); :func:`audit_registers` reads and audits
each register (``workbench.register.audit``), writes its outputs and the tables' CSVs, and
returns the overview. With one register the outputs go into ``out``; with several, each
register's into ``out/<CODE>/`` and the cross-register table into ``out``.
Every table is saved beside its figure (``register_tables/<name>.csv``). Not legal advice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import pandas as pd

from workbench.law.rulebook import RuleBook, load_rulebook
from workbench.register import analysis as an
from workbench.register.audit import RegisterAudit, audit_register

TABLES_DIR = "register_tables"
ACROSS_FILE = "across_registers.csv"


@dataclass
class RegisterView:
    """One audited register and its tables (:mod:`workbench.register.analysis`)."""

    code: str
    audit: RegisterAudit
    period: tuple | None
    late_per_year: pd.DataFrame
    changes: pd.DataFrame
    repeat_late_filers: pd.DataFrame
    late_by_sector: pd.DataFrame
    delay_per_year: pd.DataFrame
    delays: pd.DataFrame
    filed_more_than_once: pd.DataFrame
    not_determinable: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by file name (what :func:`write_tables` writes)."""
        return {"late_per_year": self.late_per_year, "statutory_changes": self.changes,
                "repeat_late_filers": self.repeat_late_filers, "late_by_sector": self.late_by_sector,
                "delay_per_year": self.delay_per_year, "filed_more_than_once": self.filed_more_than_once,
                "not_determinable": self.not_determinable}


@dataclass
class Overview:
    """Every register of a regulator run, and the incidents found in more than one of them."""

    views: list[RegisterView]
    across: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(an.ACROSS_COLUMNS)))

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` (a key of :meth:`RegisterView.tables`) of every register, a ``jurisdiction`` column first."""
        parts = [v.tables()[name].assign(jurisdiction=v.code) for v in self.views]
        t = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
        return t[["jurisdiction", *[c for c in t.columns if c != "jurisdiction"]]]

    def key_figures(self) -> dict[str, dict]:
        """Per register, the figures that must be the same in summary.json, the report and the
        notebook: late filings per year, rows not determinable (and not assessed, rejected)."""
        return {v.code: key_figures(v) for v in self.views}


def key_figures(v: RegisterView) -> dict:
    """The figures of one register that every output repeats (:meth:`Overview.key_figures`)."""
    t = v.late_per_year
    return {"late_by_year": {str(y): int(n) for y, n in zip(t["year"], t["late"])},
            "not_determinable": int(t["not_determinable"].sum()), "not_assessed": int(t["not_assessed"].sum()),
            "rejected": int(t["rejected"].sum()), "late_notice_findings": int(t["late_first_filings"].sum())}


def view(audit: RegisterAudit, book: RuleBook) -> RegisterView:
    """The tables of one audited register (pure)."""
    j = audit.judged
    code = audit.summary["jurisdiction"]
    period = an.register_period(j)
    return RegisterView(code=code, audit=audit, period=period, late_per_year=an.late_per_year(j),
                        changes=an.statutory_changes(book, code, period), repeat_late_filers=an.repeat_late_filers(j),
                        late_by_sector=an.late_by_sector(j), delay_per_year=an.delay_per_year(j), delays=an.delays(j),
                        filed_more_than_once=an.filed_more_than_once(j), not_determinable=an.not_determinable(j))


def overview(audits: Sequence[RegisterAudit], book: RuleBook) -> Overview:
    """The views of ``audits`` and, with two or more, the same incidents across them (pure)."""
    views = [view(a, book) for a in audits]
    across = an.across_registers({v.code: v.audit.judged for v in views}) if len(views) > 1 else \
        pd.DataFrame(columns=list(an.ACROSS_COLUMNS))
    return Overview(views, across)


def split_list(value: str | Sequence[str]) -> list[str]:
    """``"a; b"`` or ``["a", "b"]`` -> ``["a", "b"]``."""
    if isinstance(value, str):
        return [p.strip() for p in value.split(";") if p.strip()]
    return [str(p) for p in value]


def write_tables(v: RegisterView, folder: Path) -> None:
    """Each table of ``v`` as ``folder/register_tables/<name>.csv`` (through workbench.safecsv)."""
    from workbench.artifacts import atomic_write_text
    from workbench.safecsv import frame_csv_text

    (folder / TABLES_DIR).mkdir(parents=True, exist_ok=True)
    for name, t in v.tables().items():
        atomic_write_text(folder / TABLES_DIR / f"{name}.csv", frame_csv_text(t))


def folder_of(ov: Overview, v: RegisterView, root: str | Path) -> Path:
    """Where register ``v``'s outputs go: ``root`` for a single register, else ``root/<CODE>``."""
    from workbench.report import safe_dirname

    return Path(root) if len(ov.views) == 1 else Path(root) / safe_dirname(v.code)


def audit_registers(paths: str | Sequence[str], codes: str | Sequence[str], mappings: str | Sequence[str] = "generic",
                    *, out: str | Path | None = None, assessment_days: int = 30,
                    book: RuleBook | None = None) -> Overview:
    """Audit each register (``paths``; text separated by ``;`` or a list) for its code, through
    its mapping (one mapping for all, or one per register); write each audit's files and
    tables under ``out`` (:func:`folder_of`). The notebook's one call, with the report and the
    manifest, is :func:`workbench.register.run.run_registers`."""
    paths, codes, maps = split_list(paths), split_list(codes), split_list(mappings)
    if len(maps) == 1:
        maps = maps * len(paths)
    if not paths or len(codes) != len(paths) or len(maps) != len(paths):
        from workbench.errors import WorkbenchError
        raise WorkbenchError(f"{len(paths)} register(s), {len(codes)} jurisdiction code(s) and {len(maps)} mapping(s): "
                             "give one code (and one mapping, or one for all) per register")
    book = book or load_rulebook()
    audits = [audit_register(p, c, mapping=m, book=book, assessment_days=assessment_days)
              for p, c, m in zip(paths, codes, maps)]
    ov = overview(audits, book)
    if out:
        from workbench.artifacts import atomic_write_text
        from workbench.register.audit import write_audit
        from workbench.safecsv import frame_csv_text

        root = Path(out)
        for v in ov.views:
            folder = folder_of(ov, v, root)
            write_audit(v.audit, folder)
            write_tables(v, folder)
        if len(ov.views) > 1:
            atomic_write_text(root / ACROSS_FILE, frame_csv_text(ov.across))
    return ov

