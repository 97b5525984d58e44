"""The intake stage and the case overview: what was read, what happened when, who is where.

The intake (:func:`workbench.store.build_store`, run by :func:`workbench.stages.run` for this
stage) reads every declared input once into the run folder's case store; the overview then
reads only the store: the read counts of every input (read = accepted + rejected), the
rejects, people per jurisdiction and notices per day, each one DuckDB query over the store.
Tables go to ``artifacts/00_case_overview.*.csv``; a table whose input is absent is not
written, so the report says "not counted", never "0".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from workbench.case import Case
from workbench.headline import people_counts, totals_frame
from workbench.stagebase import Stage, StageName, StageResult, execute, register, save
from workbench.store import CAPPED_FIELD, REJECTS_CAP  # noqa: F401  (CAPPED_FIELD: the marker of a capped file)

STAGE = StageName.INTAKE.value
#: First rejects of each input shown in the notebook (all kept ones are in ``rejects/``).
REJECTS_SHOWN = 20


@dataclass
class Overview:
    case: Case
    inputs: pd.DataFrame            # one row per declared input: rows read/accepted/rejected, hash
    people_by_jurisdiction: pd.DataFrame
    notices_per_day: pd.DataFrame   # date, notices
    rejects_sample: pd.DataFrame    # first rejects of every input (auditor view)
    #: affected_people (distinct person ids) and affected_rows; empty without the input
    totals: dict[str, int] = field(default_factory=dict)


def overview(store) -> Overview:
    """The overview of a case store (pure reading: nothing is written)."""
    case = store.case
    people = pd.DataFrame({"jurisdiction": pd.Series(dtype="str"), "people": pd.Series(dtype="int64"),
                           "rows": pd.Series(dtype="int64")})
    totals: dict[str, int] = {}
    days = pd.DataFrame({"date": pd.Series(dtype="object"), "notices": pd.Series(dtype="int64")})
    con = store.connect()
    try:
        if store.has("affected_people"):
            # distinct person ids (a duplicated row is one person), and the rows: one query for
            # the overview and the report's headline (workbench.headline)
            people, totals = people_counts(con)
        if store.has("notices"):
            days = con.execute("SELECT CAST(timezone(?, sent_at) AS DATE) AS date, count(*) AS notices "
                               "FROM store.notices WHERE sent_at IS NOT NULL GROUP BY ALL ORDER BY date",
                               [case.parameters.timezone]).df()
            days["date"] = pd.to_datetime(days["date"]).dt.date
    finally:
        con.close()
    samples = [store.rejects(n, limit=REJECTS_SHOWN) for n in store.names() if store.record(n).rows_rejected]
    rejects = pd.concat(samples, ignore_index=True) if samples else pd.DataFrame()
    return Overview(case, store.summary(), people.astype({"people": "int64", "rows": "int64"}),
                    days.astype({"notices": "int64"}), rejects, totals)


@register
class IntakeStage(Stage):
    """00: the store is built by :func:`workbench.stages.run`; this reports what it holds."""

    name = StageName.INTAKE
    inputs = ()

    def run(self, store, case) -> StageResult:
        ov = overview(store)
        tables = {"inputs": ov.inputs}
        # an absent input writes no table: the report then says "not counted", never "0 people"
        if store.has("affected_people"):
            tables["people_by_jurisdiction"] = ov.people_by_jurisdiction
            tables["totals"] = totals_frame(ov.totals)
        if store.has("notices"):
            tables["notices_per_day"] = ov.notices_per_day
        # reading is not a check: what was not read is said by the checks that needed it
        return StageResult(self.name, [], {}, tables, view=ov)


def build_overview(case: Case, run_dir: str | Path, *, chunk_rows: int = 500_000,
                   rejects_cap: int = REJECTS_CAP) -> Overview:
    """The intake of an already loaded case into ``run_dir``, and its overview (artifacts written)."""
    from workbench.store import build_store

    result = IntakeStage().run(build_store(case, run_dir, chunk_rows=chunk_rows, rejects_cap=rejects_cap), case)
    save(result, run_dir)
    return result.view


def run_stage(case_path: str | Path, run_dir: str | Path) -> Overview:
    """What the overview notebook calls: build the case store (the intake) and its overview."""
    return execute(IntakeStage(), case_path, run_dir).view


def timeline_figure(ov: Overview):
    """The incident timeline: breach window, key dates, and notices sent per day."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    inc = ov.case.incident
    fig, ax = plt.subplots(figsize=(11, 4))
    if len(ov.notices_per_day):
        days = pd.to_datetime(ov.notices_per_day["date"])
        ax.bar(days, ov.notices_per_day["notices"], width=1.0, color="#4c72b0", label="notices sent per day")
    ax.axvspan(pd.Timestamp(inc.breach_start), pd.Timestamp(inc.breach_end or inc.discovered),
               color="#d62728", alpha=0.12, label="breach window")
    marks = [("discovered", inc.discovered, "#d62728"), ("determined", inc.determined, "#ff7f0e"),
             ("public disclosure", inc.public_disclosure, "#2ca02c"),
             ("audit date", ov.case.parameters.as_of, "#7f7f7f")]
    for label, day, colour in marks:
        if day:
            ax.axvline(pd.Timestamp(day), color=colour, linestyle="--", linewidth=1.2, label=f"{label} {day}")
    ax.set_ylabel("notices per day")
    ax.set_title(f"{ov.case.case_id}: incident timeline")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.legend(loc="upper right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def jurisdiction_figure(ov: Overview, top: int = 25):
    """People per jurisdiction (the largest ``top``)."""
    import matplotlib.pyplot as plt

    data = ov.people_by_jurisdiction.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, max(3, 0.28 * len(data))))
    ax.barh(data["jurisdiction"], data["people"], color="#4c72b0")
    ax.set_xlabel("affected people")
    ax.set_title(f"Affected people per jurisdiction (top {len(data)})")
    fig.tight_layout()
    return fig
