"""What notebook 20 shows: the per-jurisdiction table, the regulator view and three figures."""

from __future__ import annotations

import pandas as pd

from workbench.timelines.check import Timelines


#: Columns of the per-jurisdiction table shown first (the CSV artifact keeps them all).
DISPLAY_COLUMNS = ["data_owner", "jurisdiction", "jurisdiction_name", "scope", "worst_severity", "residents", "on_time", "late", "missing",
                   "pending", "not_required", "basis", "due_at", "delay_median_days", "delay_p95_days",
                   "regulator_status", "regulator_sent_at", "residents_reported", "cra_status", "citation"]

#: US tile-grid map: code -> (row, column). 50 states and DC, territories on the last row.
US_TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 11), "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5), "IL": (2, 6), "WI": (2, 7),
    "MI": (2, 8), "NY": (2, 9), "RI": (2, 10), "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5), "IN": (3, 6), "OH": (3, 7),
    "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5), "KY": (4, 6), "WV": (4, 7),
    "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6), "NC": (5, 7), "SC": (5, 8), "DC": (5, 9),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9), "GU": (8, 0), "PR": (8, 10), "VI": (8, 11),
}


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
    """Cumulative first valid notices over time, with each distinct individual deadline marked."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    case = case if case is not None else t.case
    fig, ax = plt.subplots(figsize=(11, 4.5))
    per_day = t.notices_per_day
    if len(per_day):
        wide = per_day.pivot_table(index="date", columns="family", values="notices", aggfunc="sum").fillna(0)
        wide.index = pd.to_datetime(wide.index)
        cum = wide.sort_index().cumsum()
        for family in cum.columns:
            ax.step(cum.index, cum[family], where="post", label=f"{family} residents notified")
    dl = t.deadlines[t.deadlines["applies"] & t.deadlines["due_at"].notna()]
    marks = dl.groupby(dl["due_at"].dt.date)["jurisdiction"].apply(list).sort_index()
    colours = {"statutory": "#d62728", "assessment": "#ff7f0e"}
    basis = dl.groupby(dl["due_at"].dt.date)["basis"].agg(lambda b: "statutory" if (b == "statutory").any() else "assessment")
    for i, (day, codes) in enumerate(marks.items()):
        if i >= max_marks:
            break
        label = ", ".join(codes[:4]) + (f" +{len(codes) - 4}" if len(codes) > 4 else "")
        ax.axvline(pd.Timestamp(day), color=colours.get(basis[day], "#7f7f7f"), linestyle="--", linewidth=0.9)
        ax.annotate(f"due {day}: {label}", (pd.Timestamp(day), 1.0), xycoords=("data", "axes fraction"),
                    rotation=90, va="top", ha="right", fontsize=7, color=colours.get(basis[day], "#7f7f7f"))
    if case is not None:
        for label, day in (("discovered", case.incident.discovered), ("determined", case.incident.determined),
                           ("audit date", case.parameters.as_of)):
            if day:
                ax.axvline(pd.Timestamp(day), color="#555555", linewidth=1.2)
                ax.annotate(label, (pd.Timestamp(day), 0.02), xycoords=("data", "axes fraction"), rotation=90,
                            fontsize=7, ha="right", va="bottom", color="#555555")
    ax.set_ylabel("people with a valid notice (cumulative)")
    ax.set_title("Notices over time; dashed lines: individual deadlines (red statutory, orange assessment)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="center right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def tile_map_figure(t: Timelines):
    """US tile-grid map: share of residents notified on time (where a notice was due);
    a thick black edge marks a regulator or credit-bureau problem."""
    import matplotlib.pyplot as plt
    from matplotlib import colormaps

    table = _per_jurisdiction(t)
    share = _compliance_share(table)
    cmap = colormaps["RdYlGn"]
    fig, ax = plt.subplots(figsize=(11, 6.5))
    for state, (row, col) in US_TILES.items():
        code = f"US-{state}"
        value = share.get(code)
        present = code in table.index
        colour = "#eeeeee" if not present else "#bdbdbd" if value is None or pd.isna(value) else cmap(float(value))
        problem = present and any(table.loc[code, c] in ("missing", "late")
                                  for c in ("regulator_status", "cra_status", "media_status") if c in table.columns)
        ax.add_patch(plt.Rectangle((col, -row), 0.92, 0.92, facecolor=colour,
                                   edgecolor="black" if problem else "white", linewidth=2.5 if problem else 1))
        text = state if value is None or pd.isna(value) else f"{state}\n{value:.0%}"
        ax.text(col + 0.46, -row + 0.46, text, ha="center", va="center", fontsize=8)
    ax.set_xlim(-0.2, 12.2)
    ax.set_ylim(-8.2, 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, fraction=0.025, label="share notified on time")
    ax.set_title("Residents notified on time, by state (grey: no notice due; black edge: regulator/CRA problem)")
    fig.tight_layout()
    return fig


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
