"""The headline numbers of a run, from one place.

"Affected people" is the number of **distinct person ids** the intake accepted into the case
store, not the number of rows of ``affected_people``: a duplicated row (the data-quality stage
reports it, ``dq.affected_people.person_id_unique``) is one person. The per-jurisdiction
residents are distinct person ids per jurisdiction the intake mapped (a person's home
jurisdiction). Both come from one query over the store, :data:`PEOPLE_SQL`, which the case
overview also runs to write ``artifacts/00_case_overview.people_by_jurisdiction.csv`` (columns
``jurisdiction, people, rows``) and ``artifacts/00_case_overview.totals.csv``.

:func:`headline_figures` is what the report, the per-jurisdiction table and the regulator
packages read: the overview's artifacts when they carry distinct counts (the ``rows`` column
is there), else the run's case store (a run made before the overview counted distinct
people), else the overview's row counts, labelled as rows (``source``), never as people.

Notice figures (late, missing... per jurisdiction) are the notice-timeline stage's
``artifacts/20_notice_timelines.jurisdictions.csv``, summed over data owners: one row per law
jurisdiction, whose ``residents`` may include the residents of sub-jurisdictions (a national
law covers every province), while ``home_residents`` are the residents whose home it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Distinct affected people and rows per jurisdiction, over the case store (``store.affected_people``).
PEOPLE_SQL = ("SELECT CAST(jurisdiction AS VARCHAR) AS jurisdiction, count(DISTINCT person_id) AS people, "
              "count(*) AS rows FROM store.affected_people GROUP BY ALL ORDER BY people DESC, jurisdiction")
#: Distinct affected people and rows in all (a person listed in two jurisdictions is one person).
TOTALS_SQL = "SELECT count(DISTINCT person_id) AS affected_people, count(*) AS affected_rows FROM store.affected_people"
#: Per-jurisdiction notice counts of the notice-timeline table the headline carries.
NOTICE_COUNTS: tuple[str, ...] = ("residents", "home_residents", "on_time", "late", "missing", "overdue", "pending")

SOURCE_OVERVIEW = "case overview (distinct person ids)"
SOURCE_STORE = "case store (distinct person ids)"
SOURCE_ROWS = "case overview rows (not de-duplicated: a run made before distinct counting)"


def people_counts(con) -> tuple[Any, dict[str, int]]:
    """(people per jurisdiction frame ``jurisdiction, people, rows``, totals) over a connection
    with the store's views (:meth:`workbench.store.CaseStore.connect`)."""
    frame = con.execute(PEOPLE_SQL).df().astype({"people": "int64", "rows": "int64"})
    people, rows = con.execute(TOTALS_SQL).fetchone()
    return frame, {"affected_people": int(people), "affected_rows": int(rows)}


def totals_frame(totals: dict[str, int]):
    """The ``totals`` artifact of the overview: one row per quantity."""
    import pandas as pd

    return pd.DataFrame({"quantity": list(totals), "value": [int(v) for v in totals.values()]})


@dataclass
class Headline:
    """The numbers a report states first. ``None``: not counted (the input or stage is absent)."""

    affected_people: int | None = None
    affected_rows: int | None = None
    residents: dict[str, int] = field(default_factory=dict)    # distinct people per home jurisdiction
    people_source: str | None = None
    notices: dict[str, dict[str, int]] = field(default_factory=dict)  # jurisdiction -> NOTICE_COUNTS

    @property
    def duplicate_rows(self) -> int | None:
        """Rows of affected_people beyond one per person (a data-quality fact)."""
        if self.affected_people is None or self.affected_rows is None:
            return None
        return self.affected_rows - self.affected_people

    def people_frame(self):
        """``jurisdiction, people`` (distinct), largest first: what the report and packages show."""
        import pandas as pd

        items = sorted(self.residents.items(), key=lambda kv: (-kv[1], kv[0]))
        return pd.DataFrame({"jurisdiction": pd.Series([k for k, _ in items], dtype="str"),
                             "people": pd.Series([v for _, v in items], dtype="int64")})

    def to_json(self) -> dict[str, Any]:
        return {"affected_people": self.affected_people, "affected_rows": self.affected_rows,
                "duplicate_rows": self.duplicate_rows, "people_source": self.people_source,
                "residents": dict(sorted(self.residents.items())),
                "notices": {j: dict(v) for j, v in sorted(self.notices.items())}}


def _int(v: Any) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def _from_artifacts(run_dir: Path, h: Headline) -> bool:
    from workbench.artifacts import read_table

    people = read_table(run_dir, "00_case_overview", "people_by_jurisdiction")
    totals = read_table(run_dir, "00_case_overview", "totals")
    if people is None or "rows" not in people.columns or totals is None:
        return False
    t = {str(q): _int(v) for q, v in zip(totals["quantity"], totals["value"])}
    h.residents = {str(j): _int(n) for j, n in zip(people["jurisdiction"], people["people"])}
    h.affected_people, h.affected_rows = t.get("affected_people"), t.get("affected_rows")
    h.people_source = SOURCE_OVERVIEW
    return True


def _from_store(run_dir: Path, h: Headline) -> bool:
    from workbench.store import CaseStore

    if not (run_dir / "store" / "case.json").is_file():
        return False
    try:
        store = CaseStore.open(run_dir)
        if not store.has("affected_people"):
            return False
        con = store.connect()
    except Exception:  # an unreadable store: the overview's rows are the fallback, labelled as rows
        return False
    try:
        frame, totals = people_counts(con)
    finally:
        con.close()
    h.residents = {str(j): int(n) for j, n in zip(frame["jurisdiction"], frame["people"])}
    h.affected_people, h.affected_rows = totals["affected_people"], totals["affected_rows"]
    h.people_source = SOURCE_STORE
    return True


def _from_rows(run_dir: Path, h: Headline) -> None:
    from workbench.artifacts import read_table

    people = read_table(run_dir, "00_case_overview", "people_by_jurisdiction")
    if people is None:
        return
    h.residents = {str(j): _int(n) for j, n in zip(people["jurisdiction"], people["people"])}
    h.affected_rows = sum(h.residents.values())
    h.people_source = SOURCE_ROWS  # affected_people stays None: rows are not people


def notice_counts(table) -> dict[str, dict[str, int]]:
    """Per jurisdiction, the notice-timeline table's counts summed over data owners."""
    out: dict[str, dict[str, int]] = {}
    if table is None or "jurisdiction" not in table.columns:
        return out
    cols = [c for c in NOTICE_COUNTS if c in table.columns]
    for rec in table[["jurisdiction", *cols]].itertuples(index=False, name=None):
        acc = out.setdefault(str(rec[0]), {c: 0 for c in cols})
        for c, v in zip(cols, rec[1:]):
            acc[c] += _int(v)
    return out


def headline_figures(run_dir: str | Path) -> Headline:
    """The headline numbers of a run folder (see the module's docstring for where each comes from)."""
    from workbench.artifacts import read_table

    run_dir = Path(run_dir)
    h = Headline()
    if not _from_artifacts(run_dir, h) and not _from_store(run_dir, h):
        _from_rows(run_dir, h)
    h.notices = notice_counts(read_table(run_dir, "20_notice_timelines", "jurisdictions"))
    return h
