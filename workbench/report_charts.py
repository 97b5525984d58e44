"""The notebooks' strongest charts, drawn from a run's artifacts, for the notebooks and the report.

* :func:`tile_map` -- the US tile-grid map: per state, the affected residents and the share
  notified on time (colour), a black edge where a regulator, credit-bureau or media notice
  was late or missing. From the notice-timeline table (``20_notice_timelines.jurisdictions``).
* :func:`cumulative_notices` -- cumulative first valid notices per law family against each
  individual deadline (``20_notice_timelines.notices_per_day`` and the table's ``due_at``).
* :func:`share_price` -- the share price with the insiders' trades: the irregularities
  stage's own chart (:func:`workbench.irregularities.trading.price_chart`) from its
  ``share_price_chart`` and ``insider_sales`` tables.

Each function takes plain tables and an optional matplotlib figure to draw into: notebook 20
passes a pyplot figure (so the inline backend shows it), the report passes none and gets a
:class:`matplotlib.figure.Figure` (no pyplot state, safe in a worker). None means no data.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pandas as pd

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
STATUS_COLUMNS = ("regulator_status", "cra_status", "media_status")


def _figure(fig, size: tuple[float, float]):
    if fig is not None:
        return fig
    from matplotlib.figure import Figure

    return Figure(figsize=size)


def png_data_uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def per_jurisdiction(table: pd.DataFrame) -> pd.DataFrame:
    """One row per jurisdiction over every data owner: counts summed, regulator/CRA/media status
    the worst any owner has (a state is one tile)."""
    cols = [c for c in ("residents", "home_residents", "on_time", "late", "missing") if c in table.columns]
    counts = table.groupby(table["jurisdiction"].astype("str"))[cols].sum()
    worst = {}
    for col in STATUS_COLUMNS:
        if col in table.columns:
            worst[col] = table.groupby(table["jurisdiction"].astype("str"))[col].agg(
                lambda s: "missing" if s.eq("missing").any() else "late" if s.eq("late").any() else None)
    return counts.join(pd.DataFrame(worst)) if worst else counts


def tile_map(table: pd.DataFrame | None, fig=None):
    """The US tile map of affected residents and the share notified on time (None without US rows)."""
    if table is None or not len(table) or not table["jurisdiction"].astype("str").str.startswith("US-").any():
        return None
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    data = per_jurisdiction(table)
    if all(c in data.columns for c in ("on_time", "late", "missing")):
        due = data["on_time"] + data["late"] + data["missing"]
        share = data["on_time"] / due.where(due > 0)
    else:  # a table without notice counts: residents only
        share = pd.Series(float("nan"), index=data.index)
    people = (data["home_residents"] if "home_residents" in data.columns
              else data["residents"] if "residents" in data.columns else None)
    cmap = colormaps["RdYlGn"]
    fig = _figure(fig, (11, 6.5))
    ax = fig.subplots()
    for state, (row, col) in US_TILES.items():
        code = f"US-{state}"
        present = code in data.index
        value = share.get(code) if present else None
        colour = "#eeeeee" if not present else "#bdbdbd" if value is None or pd.isna(value) else cmap(float(value))
        problem = present and any(str(data.loc[code, c]) in ("missing", "late") for c in STATUS_COLUMNS if c in data.columns)
        ax.add_patch(Rectangle((col, -row), 0.92, 0.92, facecolor=colour,
                               edgecolor="black" if problem else "white", linewidth=2.5 if problem else 1))
        text = state
        if present and people is not None and not pd.isna(people[code]):
            text += f"\n{int(people[code]):,}"
            if value is not None and not pd.isna(value):
                text += f"\n{value:.0%}"
        ax.text(col + 0.46, -row + 0.46, text, ha="center", va="center", fontsize=7)
    ax.set_xlim(-0.2, 12.2)
    ax.set_ylim(-8.2, 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.colorbar(ScalarMappable(cmap=cmap, norm=Normalize(0, 1)), ax=ax, fraction=0.025, label="share notified on time")
    ax.set_title("Affected residents per state and share notified on time\n"
                 "(grey: no notice due; black edge: regulator/CRA/media notice late or missing)", fontsize=10)
    return fig


def deadline_rows(table: pd.DataFrame | None) -> pd.DataFrame:
    """``jurisdiction, due_at, basis`` of the individual deadlines of the notice-timeline table."""
    if table is None or "due_at" not in table.columns:
        return pd.DataFrame(columns=["jurisdiction", "due_at", "basis"])
    out = pd.DataFrame({"jurisdiction": table["jurisdiction"].astype("str"),
                        "due_at": pd.to_datetime(table["due_at"].astype("string"), utc=True, errors="coerce"),
                        "basis": table["basis"].astype("string") if "basis" in table.columns else "statutory"})
    return out[out["due_at"].notna()].reset_index(drop=True)


def cumulative_notices(per_day: pd.DataFrame | None, deadlines: pd.DataFrame | None,
                       marks: dict[str, Any] | None = None, fig=None, *, max_marks: int = 12):
    """Cumulative first valid notices (per law family) over time, each distinct individual
    deadline a dashed line (red statutory, orange assessment), key dates in grey."""
    if (per_day is None or not len(per_day)) and (deadlines is None or not len(deadlines)):
        return None
    import matplotlib.dates as mdates

    fig = _figure(fig, (11, 4.5))
    ax = fig.subplots()
    if per_day is not None and len(per_day):
        family = per_day["family"] if "family" in per_day.columns else pd.Series("all", index=per_day.index)
        wide = (per_day.assign(family=family.astype("str"))
                .pivot_table(index="date", columns="family", values="notices", aggfunc="sum").fillna(0))
        wide.index = pd.to_datetime(wide.index)
        cum = wide.sort_index().cumsum()
        for fam in cum.columns:
            ax.step(cum.index, cum[fam], where="post", label=f"{fam} residents notified")
    colours = {"statutory": "#d62728", "assessment": "#ff7f0e"}
    if deadlines is not None and len(deadlines):
        dl = deadlines.assign(day=pd.to_datetime(deadlines["due_at"], utc=True).dt.date)
        for i, (day, group) in enumerate(sorted(dl.groupby("day"), key=lambda kv: kv[0])):
            if i >= max_marks:
                break
            codes = list(group["jurisdiction"])
            basis = "statutory" if (group["basis"] == "statutory").any() else "assessment"
            label = ", ".join(codes[:4]) + (f" +{len(codes) - 4}" if len(codes) > 4 else "")
            ax.axvline(pd.Timestamp(day), color=colours[basis], linestyle="--", linewidth=0.9)
            ax.annotate(f"due {day}: {label}", (pd.Timestamp(day), 1.0), xycoords=("data", "axes fraction"),
                        rotation=90, va="top", ha="right", fontsize=7, color=colours[basis])
    for label, day in (marks or {}).items():
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


def share_price(prices: pd.DataFrame | None, sales: pd.DataFrame | None, *, discovered, disclosed,
                title: str = "Share price and insider sales"):
    """The irregularities stage's share-price chart redrawn from its tables (``date, close``
    and the insider sales), or None without prices. A pyplot figure: close it after saving."""
    if prices is None or not len(prices):
        return None
    from workbench.irregularities.trading import price_chart

    trades = pd.DataFrame(columns=["transaction_date", "transaction_code", "price"])
    if sales is not None and len(sales) and "date" in sales.columns:
        kind = sales["kind"].astype("str") if "kind" in sales.columns else pd.Series("sale", index=sales.index)
        s = sales[kind.eq("sale")]
        trades = pd.DataFrame({"transaction_date": pd.to_datetime(s["date"]), "transaction_code": "S",
                               "price": pd.to_numeric(s.get("price"), errors="coerce")})
    return price_chart(prices, trades, discovered=discovered, disclosed=disclosed, title=title)


def chart_data(run_dir: str | Path) -> dict[str, Any]:
    """The artifacts the report's charts are drawn from (absent ones are None)."""
    from workbench.artifacts import artifacts_dir, read_table

    png = artifacts_dir(run_dir) / "30_irregularities.share_price_chart.png"
    return {"notices_per_day": read_table(run_dir, "20_notice_timelines", "notices_per_day"),
            "share_prices": read_table(run_dir, "30_irregularities", "share_price_chart"),
            "insider_sales": read_table(run_dir, "30_irregularities", "insider_sales"),
            "share_price_png": png.read_bytes() if png.is_file() else None}


def share_price_uri(data: dict[str, Any], incident: dict[str, Any], title: str) -> str | None:
    """The share-price chart for the report: the PNG the stage saved (the same function drew
    it), else redrawn from the stage's tables."""
    if data.get("share_price_png"):
        return "data:image/png;base64," + base64.b64encode(data["share_price_png"]).decode("ascii")
    import datetime as dt

    def day(v):
        return dt.date.fromisoformat(str(v)[:10]) if v else None

    fig = share_price(data.get("share_prices"), data.get("insider_sales"), discovered=day(incident.get("discovered")),
                      disclosed=day(incident.get("public_disclosure")), title=title)
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    try:
        return png_data_uri(fig)
    finally:
        plt.close(fig)
