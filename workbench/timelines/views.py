"""What notebook 20 shows: the per-jurisdiction table, the regulator view and three figures."""

from __future__ import annotations

import pandas as pd

from workbench.timelines.check import Timelines


#: Columns of the per-jurisdiction table shown first (the CSV artifact keeps them all).
DISPLAY_COLUMNS = ["data_owner", "jurisdiction", "jurisdiction_name", "scope", "worst_severity", "residents", "on_time", "late", "missing",
                   "pending", "not_required", "basis", "due_at", "delay_median_days", "delay_p95_days",
                   "regulator_status", "regulator_sent_at", "residents_reported", "cra_status", "citation"]

from workbench.report_charts import US_TILES, cumulative_notices, tile_map  # noqa: F401 (US_TILES re-exported)


def display_table(t: Timelines) -> pd.DataFrame:
    """The per-jurisdiction table, most severe first, with the columns a reader needs first
    (the data owner only when the case names data owners)."""
    cols = DISPLAY_COLUMNS if _has_owners(t) else [c for c in DISPLAY_COLUMNS if c != "data_owner"]
    return t.sorted_table()[cols]


def _has_owners(t: Timelines) -> bool:
    return "data_owner" in t.jurisdictions.columns and bool(
        t.jurisdictions["data_owner"].astype("string").fillna("").ne("").any())


def _label(t: Timelines, data: pd.DataFrame) -> pd.Series:
    """Row labels of a figure: the jurisdiction, with its data owner when the case names owners."""
    if not _has_owners(t):
        return data["jurisdiction"]
    return data["jurisdiction"] + data["data_owner"].fillna("").map(lambda o: f" ({o})" if o else "")


def _per_jurisdiction(t: Timelines) -> pd.DataFrame:
    """One row per jurisdiction over every data owner: counts summed, regulator/CRA status
    the worst any owner has (for the map, where a state is one tile)."""
    table = t.jurisdictions
    counts = table.groupby("jurisdiction")[["on_time", "late", "missing"]].sum()
    worst = {}
    for col in ("regulator_status", "cra_status", "media_status"):
        if col in table.columns:
            worst[col] = table.groupby("jurisdiction")[col].agg(
                lambda s: "missing" if s.eq("missing").any() else "late" if s.eq("late").any() else None)
    return counts.join(pd.DataFrame(worst)) if worst else counts


def regulator_view(t: Timelines) -> pd.DataFrame:
    """Regulator and credit-bureau duties of the jurisdictions where one applies or a notice was sent."""
    cols = (["data_owner"] if _has_owners(t) else []) + ["jurisdiction", "residents", "regulator_required", "regulator_threshold", "regulator_due_at",
            "regulator_sent_at", "regulator_status", "regulator_days_late", "residents_reported",
            "residents_reported_matches", "cra_required", "cra_due_at", "cra_sent_at", "cra_status", "cra_recipients"]
    t2 = t.sorted_table()
    keep = (t2["regulator_required"].fillna(False).astype(bool) | t2["cra_required"].fillna(False).astype(bool)
            | t2["regulator_status"].eq("sent_not_required") | t2["cra_status"].eq("sent_not_required"))
    if t2["media_required"].fillna(False).astype(bool).any() or t2["media_status"].eq("sent_not_required").any():
        cols += ["media_required", "media_due_at", "media_sent_at", "media_status", "media_days_late"]
        keep |= t2["media_required"].fillna(False).astype(bool) | t2["media_status"].eq("sent_not_required")
    return t2.loc[keep, cols].reset_index(drop=True)


def _compliance_share(table: pd.DataFrame) -> pd.Series:
    due = table["on_time"] + table["late"] + table["missing"]
    return (table["on_time"] / due.where(due > 0)).rename("on_time_share")


def cumulative_figure(t: Timelines, case=None, *, max_marks: int = 12):
    """Cumulative first valid notices over time, with each distinct individual deadline marked
    (:func:`workbench.report_charts.cumulative_notices`, the report's chart too)."""
    import matplotlib.pyplot as plt

    case = case if case is not None else t.case
    dl = t.deadlines[t.deadlines["applies"] & t.deadlines["due_at"].notna()][["jurisdiction", "due_at", "basis"]]
    marks = ({"discovered": case.incident.discovered, "determined": case.incident.determined,
              "audit date": case.parameters.as_of} if case is not None else {})
    fig = plt.figure(figsize=(11, 4.5))
    out = cumulative_notices(t.notices_per_day, dl, marks, fig, max_marks=max_marks)
    if out is None:
        plt.close(fig)
    return out


def tile_map_figure(t: Timelines):
    """US tile-grid map: affected residents and the share notified on time (where a notice was
    due); a thick black edge marks a regulator or credit-bureau problem
    (:func:`workbench.report_charts.tile_map`, the report's chart too)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 6.5))
    out = tile_map(t.jurisdictions, fig)
    if out is None:
        plt.close(fig)
    return out


def compliance_figure(t: Timelines, top: int = 30):
    """Per-jurisdiction stacked bars: on time, late, missing, pending, not required (largest ``top``)."""
    import matplotlib.pyplot as plt

    data = t.jurisdictions.sort_values("residents", ascending=False).head(top).iloc[::-1]
    parts = [("on_time", "#2ca02c"), ("late", "#ff7f0e"), ("missing", "#d62728"), ("pending", "#9467bd"),
             ("not_required", "#c7c7c7"), ("not_assessed", "#7f7f7f")]
    fig, ax = plt.subplots(figsize=(9, max(3, 0.28 * len(data))))
    left = pd.Series(0, index=data.index, dtype="float64")
    for col, colour in parts:
        ax.barh(_label(t, data), data[col], left=left, color=colour, label=col.replace("_", " "))
        left = left + data[col]
    ax.set_xlabel("affected residents")
    ax.set_title(f"Notice status per jurisdiction (largest {len(data)})")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
