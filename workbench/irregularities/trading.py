"""Insider trading: sales in the breach window.

The filings are read into the insider_trades table by :mod:`workbench.form4`
(:func:`workbench.form4.read_form4`), a reader below this check.

- :func:`insider_sales` flags open-market sales (code ``S``) by insiders between discovery
  minus the look-back and public disclosure plus the window, one finding per insider and
  plan status, with value, share of holdings sold, prior-12-month sales and, when share
  prices are given, the loss avoided. :func:`price_chart` draws the period.

Why sales only: a purchase before bad news is not a way to profit from it, and a grant or
tax withholding (codes A, F) is not the insider's decision. An option exercise (code M)
matters when shares are then sold; the sale carries an ``exercise_and_sale`` mark.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd

from workbench.findings import Finding
from workbench.form4 import FALSE_TEXTS, TRUE_TEXTS

log = logging.getLogger("workbench.irregularities.trading")

CITATION = ("Securities Exchange Act of 1934 s.10(b) and Rule 10b-5 (17 CFR 240.10b-5); "
            "Rule 10b5-1(c) trading-plan defence; Form 4 under s.16(a)")


# --------------------------------------------------------------------------- the check


def trading_window(discovered: dt.date, disclosed: dt.date | None, *,
                   before_days: int = 0, after_days: int = 0) -> tuple[dt.date, dt.date | None]:
    """The window in which an insider sale is suspect: (discovery - before, disclosure + after)."""
    start = discovered - dt.timedelta(days=before_days)
    end = disclosed + dt.timedelta(days=after_days) if disclosed else None
    return start, end


def _plan_status(value: Any) -> str:
    """'plan', 'no_plan' or 'unknown' from a bool, a pandas boolean or contract text."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "unknown"
    if isinstance(value, str):
        v = value.strip().lower()
        return "plan" if v in TRUE_TEXTS else "no_plan" if v in FALSE_TEXTS else "unknown"
    return "plan" if bool(value) else "no_plan"


def _dedupe_amendments(trades: pd.DataFrame) -> pd.DataFrame:
    """Where a 4/A restates an insider's transactions of a day, keep only the latest amendment.

    An amendment replaces what the original reported for the same insider, date, code and
    table; without this, a corrected sale would be counted twice.
    """
    if "is_amendment" not in trades or not trades["is_amendment"].fillna(False).any():
        return trades
    key = ["insider_name", "transaction_date", "transaction_code", "is_derivative"]
    t = trades.copy()
    t["_amend"] = t["is_amendment"].fillna(False).astype(bool)
    t["_filed"] = t["filing_date"].fillna(pd.Timestamp.min)
    latest = (t[t["_amend"]].groupby(key, dropna=False)["_filed"].max()
              .rename("_latest").reset_index())
    t = t.merge(latest, on=key, how="left")
    keep = t["_latest"].isna() | (t["_amend"] & (t["_filed"] == t["_latest"]))
    return t.loc[keep, list(trades.columns)].reset_index(drop=True)


def daily_closes(prices: pd.DataFrame | None) -> tuple[pd.Series, list[dt.date]]:
    """One close per trading day, and the days whose closes conflict.

    The data-quality stage flags a date given twice; here a repeated date with the same
    close counts once, and a date with different closes is left out (which close is true
    cannot be told) and returned in the second value, so every user can say so.
    """
    if prices is None or len(prices) == 0:
        return pd.Series(dtype="float64", index=pd.DatetimeIndex([])), []
    p = prices.dropna(subset=["date", "close"])
    p = pd.DataFrame({"day": pd.to_datetime(p["date"]).dt.normalize(), "close": p["close"].astype("float64")})
    per_day = p.groupby("day")["close"].agg(["min", "max"])
    conflict = per_day["min"] != per_day["max"]
    closes = per_day.loc[~conflict, "min"].sort_index()
    return closes, [d.date() for d in per_day.index[conflict]]


def close_after(prices: pd.DataFrame | None, day: dt.date) -> tuple[dt.date | None, float | None, str | None]:
    """Close on the first trading day strictly after ``day`` (the market's first reaction),
    or why there is none (no later price, or that day's closes conflict)."""
    if prices is None or len(prices) == 0:
        return None, None, "no share prices"
    closes, conflicting = daily_closes(prices)
    first_conflict = min((d for d in conflicting if d > day), default=None)
    later = closes[closes.index > pd.Timestamp(day)]
    if later.empty and first_conflict is None:
        return None, None, f"no share price after {day}"
    if first_conflict is not None and (later.empty or first_conflict < later.index[0].date()):
        return None, None, f"share_prices gives different closes for {first_conflict}"
    return later.index[0].date(), float(later.iloc[0]), None


def _money(x: float | None) -> str:
    return "unknown" if x is None or pd.isna(x) else f"${x:,.0f}"


def insider_sales(trades: pd.DataFrame, *, discovered: dt.date, disclosed: dt.date | None,
                  before_days: int = 0, after_days: int = 0,
                  prices: pd.DataFrame | None = None) -> list[Finding]:
    """Open-market sales by insiders in the window between discovery and disclosure.

    Parameters
    ----------
    trades
        insider_trades frame (contract columns; :func:`read_form4` output also accepted).
    discovered, disclosed
        Incident dates. Without a disclosure date the window stays open.
    before_days, after_days
        The case's trading window: look-back before discovery and days after disclosure.
    prices
        Optional share_prices frame (``date``, ``close``) for the loss-avoided estimate:
        shares x (sale price - close on the first trading day after disclosure).

    Returns
    -------
    list[Finding]
        One ``insider_trading`` finding per insider and plan status: code
        ``insider_sale_in_window`` (high) or ``insider_sale_in_window_10b5_1`` (medium,
        made under a declared Rule 10b5-1 plan), with each sale, the total value, the share
        of holdings sold, the insider's sales in the 12 months before the window and the
        loss avoided. Purchases, grants, withholdings and trades outside the window are not
        flagged.
    """
    if trades is None or len(trades) == 0:
        return []
    start, end = trading_window(discovered, disclosed, before_days=before_days, after_days=after_days)
    t = _dedupe_amendments(trades)
    deriv = t["is_derivative"].fillna(False).astype(bool) if "is_derivative" in t else pd.Series(False, index=t.index)
    t = t.assign(_day=pd.to_datetime(t["transaction_date"]).dt.normalize(),
                 _code=t["transaction_code"].astype("str").str.strip().str.upper(),
                 _ad=t["acquired_disposed"].astype("str").str.strip().str.upper(),
                 _deriv=deriv)
    # a sale of no or negative shares is not a sale (the data-quality stage flags it)
    sales = t[(t["_code"] == "S") & ~t["_deriv"] & (t["_ad"] != "A") & (t["shares"] > 0).fillna(False)]
    lo = pd.Timestamp(start)
    hi = pd.Timestamp(end) if end else pd.Timestamp.max
    in_window = sales[(sales["_day"] >= lo) & (sales["_day"] <= hi)]
    if in_window.empty:
        return []
    exercises = t[t["_code"].isin(["M", "X", "C"])]
    close_day, close, _ = close_after(prices, disclosed) if disclosed else (None, None, None)

    findings = []
    in_window = in_window.assign(_plan=in_window["plan_10b5_1"].map(_plan_status))
    for (name, planned), group in in_window.groupby(
            [in_window["insider_name"], in_window["_plan"] == "plan"], sort=True):
        group = group.sort_values(["_day", "shares"])
        statuses = set(group["_plan"])
        plan = "plan" if planned else "no_plan" if statuses == {"no_plan"} else "unknown" if statuses == {"unknown"} else "mixed"
        # A joint filing gives each owner the row; count a document's transaction once.
        if "transaction_index" in group and "document_id" in group:
            group = group.drop_duplicates(["document_id", "transaction_index"])
        shares = float(group["shares"].sum())
        value = float((group["shares"] * group["price"]).sum(min_count=1)) if group["price"].notna().any() else None
        after_last = group["shares_owned_after"].iloc[-1]
        holdings_before = shares + float(after_last) if pd.notna(after_last) else None
        ex = exercises[exercises["insider_name"] == name]
        sale_rows = []
        for _, r in group.iterrows():
            near = ex[(ex["_day"] <= r["_day"]) & (ex["_day"] >= r["_day"] - pd.Timedelta(days=3))]
            loss = (float(r["shares"]) * (float(r["price"]) - close)
                    if close is not None and pd.notna(r["price"]) and pd.notna(r["shares"]) else None)
            sale_rows.append({
                "date": r["_day"].date().isoformat(), "shares": _num(r["shares"]), "price": _num(r["price"]),
                "value": _num(r["shares"] * r["price"]) if pd.notna(r["price"]) else None,
                "shares_owned_after": _num(r["shares_owned_after"]),
                "exercise_and_sale": not near.empty,
                "loss_avoided": round(loss, 2) if loss is not None else None,
                "plan_10b5_1": r["_plan"],
                "document": r.get("document_id") if pd.notna(r.get("document_id", None)) else None,
            })
        prior = sales[(sales["insider_name"] == name) & (sales["_day"] < lo)
                      & (sales["_day"] >= lo - pd.Timedelta(days=365))]
        prior_value = float((prior["shares"] * prior["price"]).sum()) if len(prior) else 0.0
        losses = [s["loss_avoided"] for s in sale_rows if s["loss_avoided"] is not None]
        loss_total = round(sum(losses), 2) if losses else None
        title = group["insider_title"].dropna().iloc[0] if group["insider_title"].notna().any() else None
        role = title or ("director" if bool(group.get("is_director", pd.Series([False])).fillna(False).any()) else "insider")
        code = "insider_sale_in_window_10b5_1" if planned else "insider_sale_in_window"
        fraction = round(shares / holdings_before, 4) if holdings_before else None
        exercised = any(s["exercise_and_sale"] for s in sale_rows)
        detail = (f"{name} ({role}) sold {shares:,.0f} shares for {_money(value)} between "
                  f"{group['_day'].min().date()} and {group['_day'].max().date()}, inside the window "
                  f"{start} .. {end or 'open (no disclosure date)'} between discovery and public disclosure"
                  + (f"; {fraction:.1%} of holdings" if fraction is not None else "")
                  + ("; options exercised before the sale" if exercised else "")
                  + ("; declared under a Rule 10b5-1 plan" if planned else
                     "; no Rule 10b5-1 plan declared" if plan == "no_plan" else
                     "; plan status not reported" if plan == "unknown" else
                     "; no plan declared for some sales, not reported for others")
                  + (f"; estimated loss avoided {_money(loss_total)} against the close of {close_day}"
                     if loss_total is not None else "")
                  + f". Sales in the prior 12 months: {len(prior)} ({_money(prior_value)}).")
        findings.append(Finding(
            category="insider_trading", code=code, severity="medium" if planned else "high",
            title=("Insider sale under a 10b5-1 plan in the breach window" if planned
                   else "Insider sale between discovery and disclosure"),
            detail=detail, subject=str(name), count=len(sale_rows), citation=CITATION,
            evidence={
                "insider_title": title, "window": [start.isoformat(), end.isoformat() if end else None],
                "sales": sale_rows, "shares_sold": _num(shares),
                "value_usd": round(value, 2) if value is not None else None,
                "share_of_holdings_sold": fraction, "plan_10b5_1": plan,
                "exercise_and_sale": exercised,
                "prior_12m_sales": {"count": int(len(prior)), "shares": _num(prior["shares"].sum()),
                                    "value_usd": round(prior_value, 2)},
                "loss_avoided_usd": loss_total,
                "reference_close": {"date": close_day.isoformat(), "close": close} if close_day else None,
            }))
    return findings


def _num(x: Any) -> float | None:
    if x is None or pd.isna(x):
        return None
    x = float(x)
    return int(x) if x.is_integer() else round(x, 4)


def price_chart(prices: pd.DataFrame | None, trades: pd.DataFrame, *, discovered: dt.date,
                disclosed: dt.date | None, window: tuple[dt.date, dt.date | None] | None = None,
                title: str = "Share price and insider trades"):
    """Share price over the period with discovery, disclosure and the insiders' trades marked.

    Returns a :class:`matplotlib.figure.Figure` made with pyplot, so a notebook's inline
    backend shows it under the cell that draws it; saving (and closing) belongs to the
    caller. Sales are red down-triangles, purchases green up-triangles, at the trade price
    (or the close of that day when no price is given).
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    closes, _ = daily_closes(prices)
    if len(closes):
        ax.plot(closes.index, closes.to_numpy(), color="0.3", lw=1.2, label="close")
    t = trades.copy() if trades is not None else pd.DataFrame(columns=["transaction_date"])
    if len(t):
        if "is_derivative" in t:
            t = t[~t["is_derivative"].fillna(False).astype(bool)]
        t["_day"] = pd.to_datetime(t["transaction_date"])
        code = t["transaction_code"].astype("str").str.upper()
        y = t["price"].astype("float64")
        if len(closes):
            y = y.fillna(t["_day"].dt.normalize().map(closes))
        for mask, marker, color, label in ((code == "S", "v", "tab:red", "insider sale"),
                                           (code == "P", "^", "tab:green", "insider purchase")):
            if mask.any():
                ax.scatter(t.loc[mask, "_day"], y[mask], marker=marker, color=color, s=60, zorder=3, label=label)
    if window:
        ax.axvspan(pd.Timestamp(window[0]), pd.Timestamp(window[1] or disclosed or window[0]),
                   color="tab:orange", alpha=0.12, label="trading window")
    ax.axvline(pd.Timestamp(discovered), color="tab:orange", ls="--", label=f"discovered {discovered}")
    if disclosed:
        ax.axvline(pd.Timestamp(disclosed), color="tab:purple", ls="--", label=f"disclosed {disclosed}")
    ax.set_title(title)
    ax.set_ylabel("USD per share")
    ax.legend(loc="best", fontsize="small")
    fig.autofmt_xdate()
    return fig
