"""The case overview: what happened when, who is affected where, and what was read.

Everything is aggregated chunk by chunk, so the overview stays in bounded memory at any
number of affected people. The rejects of every input are kept in the run folder
(``rejects/<input>.csv``) and the read counts in ``artifacts/00_case_overview.inputs.csv``.
A rejects file holds at most ``rejects_cap`` rows; beyond, it ends with one marker row
(``field`` = ``(capped)``, no row number) saying how many rows were rejected in all, and the
inputs table says so too (``rejects_written``, ``rejects_capped``): ``rows_rejected`` is
always the exact count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.artifacts import write_table
from workbench.case import Case, load_case
from workbench.sources import InputStats, iter_input

STAGE = "00_case_overview"


@dataclass
class Overview:
    case: Case
    inputs: pd.DataFrame            # one row per declared input: rows read/accepted/rejected, hash
    people_by_jurisdiction: pd.DataFrame
    notices_per_day: pd.DataFrame   # date, notices
    rejects_sample: pd.DataFrame    # first rejects of every input (auditor view)


def jurisdiction_codes(country: pd.Series, region: pd.Series) -> pd.Series:
    """Vectorised person -> jurisdiction code, via the law package's mapping of each
    distinct (country, region) pair."""
    from workbench.law import jurisdiction_for

    pairs = pd.DataFrame({"country": country.fillna("").astype("str").str.upper().str.strip(),
                          "region": region.fillna("").astype("str").str.upper().str.strip()})
    distinct = pairs.drop_duplicates()
    distinct = distinct.assign(jurisdiction=[jurisdiction_for(c, r or None)
                                             for c, r in zip(distinct["country"], distinct["region"])])
    out = pairs.merge(distinct, on=["country", "region"], how="left", validate="many_to_one")
    return pd.Series(out["jurisdiction"].to_numpy(), index=country.index, dtype="str")


def build_overview(case: Case, run_dir: str | Path | None = None, *,
                   chunk_rows: int = 500_000, rejects_cap: int = 100_000) -> Overview:
    """Read every declared input once, in chunks; count, hash, keep rejects."""
    stats_rows, reject_samples = [], []
    people_counts: pd.Series | None = None
    per_day: pd.Series | None = None
    for name in case.declared_inputs():
        stats: InputStats | None = None
        rej_path = Path(run_dir) / "rejects" / f"{name}.csv" if run_dir else None
        kept = 0
        for part in iter_input(case, name, chunk_rows=chunk_rows):
            stats = part.stats
            if len(part.rejects):
                if kept < 20:
                    reject_samples.append(part.rejects.head(20 - kept))
                if rej_path is not None and kept < rejects_cap:
                    rej_path.parent.mkdir(parents=True, exist_ok=True)
                    part.rejects.head(rejects_cap - kept).to_csv(
                        rej_path, mode="a", header=not rej_path.exists(), index=False)
                kept += len(part.rejects)
            if name == "affected_people":
                codes = jurisdiction_codes(part.frame["country"], part.frame["region"])
                c = codes.value_counts()
                people_counts = c if people_counts is None else people_counts.add(c, fill_value=0)
            elif name == "notices":
                d = part.frame["sent_at"].dt.tz_convert(case.parameters.timezone).dt.date.value_counts()
                per_day = d if per_day is None else per_day.add(d, fill_value=0)
        assert stats is not None
        capped = kept > rejects_cap
        if capped and rej_path is not None:
            _cap_marker(name, stats, rejects_cap, kept).to_csv(rej_path, mode="a", header=False, index=False)
        row = stats.as_dict()
        row["reconciles"] = stats.reconciles
        row["rejects_file"] = f"rejects/{name}.csv" if kept else None
        row["rejects_written"] = min(kept, rejects_cap)
        row["rejects_capped"] = capped
        stats_rows.append(row)
    inputs = pd.DataFrame(stats_rows)
    people = (people_counts if people_counts is not None else pd.Series(dtype="int64"))
    people_df = (people.astype("int64").rename_axis("jurisdiction").reset_index(name="people")
                 .sort_values(["people", "jurisdiction"], ascending=[False, True], ignore_index=True))
    days = per_day if per_day is not None else pd.Series(dtype="int64")
    days_df = days.astype("int64").rename_axis("date").reset_index(name="notices").sort_values("date", ignore_index=True)
    rejects = pd.concat(reject_samples, ignore_index=True) if reject_samples else pd.DataFrame()
    ov = Overview(case, inputs, people_df, days_df, rejects)
    if run_dir is not None:
        write_table(run_dir, STAGE, "inputs", inputs)
        write_table(run_dir, STAGE, "people_by_jurisdiction", people_df)
        write_table(run_dir, STAGE, "notices_per_day", days_df)
    return ov


CAPPED_FIELD = "(capped)"


def _cap_marker(name: str, stats: InputStats, cap: int, total: int) -> pd.DataFrame:
    """The last row of a capped rejects file: how many rows it lists of how many rejected."""
    from workbench.sources import REJECT_COLUMNS

    return pd.DataFrame([{"input": name, "file": stats.path, "row": None, "field": CAPPED_FIELD,
                          "reason": f"rejects capped: this file lists the first {cap} of {total} rejected rows; "
                                    f"rows_rejected = {total} is exact",
                          "raw": ""}], columns=REJECT_COLUMNS)


def run_stage(case_path: str | Path, run_dir: str | Path | None = None) -> Overview:
    """What the overview notebook calls: load the case, build and save the overview."""
    return build_overview(load_case(case_path), run_dir)


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
