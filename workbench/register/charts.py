"""Charts of a judged register (matplotlib, no pyplot: safe headless and in a notebook).

Each chart takes the tables of :mod:`workbench.register.analysis` (never the raw register), so
the figure shows the numbers of the table beside it. :func:`png` and :func:`data_uri` turn a
figure into PNG bytes (a notebook displays them) or a ``data:`` URI (the report embeds it).
"""

from __future__ import annotations

import base64
import datetime as dt
import io

import pandas as pd

from workbench.register.analysis import UNKNOWN_YEAR

_BASIS_COLOURS = {"statutory": "#d62728", "assessment": "#ff7f0e", "other": "#7f7f7f"}


def _plain(text) -> str:
    return str(text).replace("$", r"\$")


def _x(day: dt.date) -> float:
    """A date on the year axis: year + fraction of the year (bars are centred on year + 0.5)."""
    start = dt.date(day.year, 1, 1)
    length = (dt.date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


def late_chart(late_per_year: pd.DataFrame, changes: pd.DataFrame, *, code: str = ""):
    """Late notices per year, split by the basis of the deadline, with each statutory change
    (``changes``: :func:`~workbench.register.analysis.statutory_changes`) as a vertical line.
    None when no year is known."""
    from matplotlib.figure import Figure

    t = late_per_year[late_per_year["year"] != UNKNOWN_YEAR]
    if t.empty:
        return None
    years = t["year"].astype(int).to_numpy()
    stat, assess = t["late_statutory"].to_numpy(), t["late_assessment"].to_numpy()
    other = t["late"].to_numpy() - stat - assess
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    x = years + 0.5
    ax.bar(x, stat, width=0.8, color=_BASIS_COLOURS["statutory"], label="late: statutory deadline")
    ax.bar(x, assess, width=0.8, bottom=stat, color=_BASIS_COLOURS["assessment"], label="late: assessment yardstick")
    if other.any():
        ax.bar(x, other, width=0.8, bottom=stat + assess, color=_BASIS_COLOURS["other"], label="late: other basis")
    top = max(int(t["late"].max()), 1)
    for r in changes.itertuples(index=False):
        ax.axvline(_x(r.effective_from), color="#1f3a93", linestyle="--", linewidth=1.2)
        ax.text(_x(r.effective_from), top * 1.02, _plain(r.version), fontsize=7, color="#1f3a93", ha="center", va="bottom")
    ax.set_xticks(x, [str(y) for y in years])
    ax.set_ylim(0, top * 1.18)
    ax.set_ylabel("late notices (filings)")
    ax.set_title(_plain(f"Late notices per year of notification{' - ' + code if code else ''} (dashed: the law changed)"),
                 fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def delay_chart(delays: pd.DataFrame, *, code: str = ""):
    """Days from discovery to notice per year (first filings): boxes from the 25th to the 75th
    percentile with the median, whiskers to the 10th and 90th. None when nothing is measured."""
    from matplotlib.figure import Figure

    d = delays[delays["year"] != UNKNOWN_YEAR]
    if d.empty:
        return None
    years = sorted(d["year"].unique())
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    ax.boxplot([d.loc[d["year"] == y, "days"].to_numpy() for y in years], whis=(10, 90), showfliers=False,
               medianprops={"color": "#d62728"})
    ax.set_xticks(range(1, len(years) + 1), years)
    ax.set_ylabel("days, discovery to notice")
    ax.set_title(_plain(f"Delay from discovery to notice{' - ' + code if code else ''} "
                        "(box: p25-p75, line: median, whiskers: p10-p90)"), fontsize=9)
    fig.tight_layout()
    return fig


def png(fig) -> bytes:
    """The figure as PNG bytes (no software tag: the same figure gives the same bytes)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return buf.getvalue()


def data_uri(fig) -> str | None:
    """The figure as a ``data:image/png;base64`` URI (None for no figure)."""
    return None if fig is None else "data:image/png;base64," + base64.b64encode(png(fig)).decode("ascii")



class Shown:
    """A chart as a notebook shows it (IPython reads ``_repr_png_``, no IPython import needed
    here), or the words saying why there is none."""

    def __init__(self, fig, missing: str):
        self._png = None if fig is None else png(fig)
        self.missing = missing

    def _repr_png_(self):
        return self._png

    def _repr_markdown_(self):
        return self.missing if self._png is None else None

    def __repr__(self) -> str:
        return self.missing if self._png is None else f"<chart: {len(self._png)} bytes of PNG>"


def show(fig, missing: str = "No dated rows to chart.") -> Shown:
    """For a notebook: ``display(show(fig))`` shows the figure, or the words ``missing`` when there is none."""
    return Shown(fig, missing)
