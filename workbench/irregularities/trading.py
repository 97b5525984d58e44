"""Insider trading: sales in the breach window, and just before the stated discovery date.

The filings are read into the insider_trades table by :mod:`workbench.form4`
(:func:`workbench.form4.read_form4`), a reader below this check.

- :func:`insider_sales` flags sales by insiders (officers, directors, 10% owners) between
  discovery minus ``before_days`` and public disclosure plus ``after_days``, one finding per
  insider and plan outcome, and the sales of the ``look_back_days`` before that window as one
  low finding. A declared Rule 10b5-1 plan lowers the severity only when it is a defence
  (:mod:`workbench.irregularities.plans`: adopted before discovery, trade after the
  cooling-off). Each sale carries the numbers to recompute the finding: holdings before the
  first sale in filing order, share of holdings sold, loss avoided (never negative) against
  the first close after disclosure and the lowest close of the next N trading days.
  :func:`price_chart` draws the period.

Why sales only: a purchase before bad news is not a way to profit from it, and a grant or
tax withholding (codes A, F) is not the insider's decision. Buying a put or selling a call
sells the downside, so both count as sales. An option exercise (code M) matters when shares
are then sold; the sale carries an ``exercise_and_sale`` mark.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd

from workbench.findings import Finding, Unit
from workbench.irregularities.filings import merge_amendments
from workbench.form4 import FALSE_TEXTS, TRUE_TEXTS
from workbench.severity import Exposure, loss_avoided_points, reviewed_severity

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


def lowest_close_after(prices: pd.DataFrame | None, day: dt.date,
                       trading_days: int) -> tuple[dt.date | None, float | None, str | None]:
    """Lowest close of the first ``trading_days`` trading days strictly after ``day`` (the
    first such day when several share the lowest), or why there is none: fewer closes than
    that in share_prices, or a date among them whose closes conflict."""
    if prices is None or len(prices) == 0:
        return None, None, "no share prices"
    closes, conflicting = daily_closes(prices)
    later = closes[closes.index > pd.Timestamp(day)].iloc[:trading_days]
    conflict = min((d for d in conflicting if d > day
                    and (len(later) < trading_days or pd.Timestamp(d) <= later.index[-1])), default=None)
    if conflict is not None:
        return None, None, f"share_prices gives different closes for {conflict}"
    if len(later) < trading_days:
        return None, None, (f"share_prices has {len(later)} close(s) after {day}; the lowest of "
                            f"{trading_days} trading days needs {trading_days}")
    low = later.idxmin()
    return low.date(), float(later[low]), None


def _money(x: float | None) -> str:
    return "unknown" if x is None or pd.isna(x) else f"${x:,.0f}"


def _flag(value: Any) -> bool | None:
    """True, False or None (not reported) from a bool, a pandas boolean or contract text."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str):
        v = value.strip().lower()
        return True if v in TRUE_TEXTS else False if v in FALSE_TEXTS else None
    return bool(value)


def _date_or_none(value: Any) -> dt.date | None:
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _column(t: pd.DataFrame, name: str) -> pd.Series:
    """A column of the frame, or an all-missing one when the input does not give it."""
    return t[name] if name in t else pd.Series([None] * len(t), index=t.index, dtype="object")


#: Role flags of a reporting person (Form 4 reportingOwnerRelationship; optional CSV columns).
ROLE_FLAGS = ("is_officer", "is_director", "is_ten_percent_owner")
#: What counts as a sale: a common-stock sale, and the two derivative trades that sell the
#: stock's downside (buying a put, selling or writing a call).
SALE_KINDS = ("sale", "put_purchase", "call_sale")


def filing_order(trades: pd.DataFrame) -> pd.Series:
    """1-based position of each row in filing order: Form 4 rows by (filing_date,
    document_id, transaction_index), CSV rows by source_row, else the input's own order."""
    keys = []
    if "document_id" in trades and trades["document_id"].notna().any():
        keys = [k for k in ("filing_date", "document_id", "transaction_index") if k in trades]
    if "source_row" in trades:
        keys.append("source_row")
    tmp = trades[keys].copy() if keys else pd.DataFrame(index=trades.index)
    tmp["_pos"] = range(len(trades))
    ordered = tmp.sort_values(keys + ["_pos"], na_position="last", kind="stable").index
    return pd.Series(range(1, len(trades) + 1), index=ordered).reindex(trades.index)


def _order_key(r: pd.Series) -> str:
    doc = r.get("document_id")
    if doc is not None and pd.notna(doc):
        filed = r.get("filing_date")
        index = r.get("transaction_index")
        return " ".join([pd.Timestamp(filed).date().isoformat() if filed is not None and pd.notna(filed) else "filed ?",
                         str(doc), f"#{int(index)}" if index is not None and pd.notna(index) else "#?"])
    row = r.get("source_row")
    return f"row {int(row)}" if row is not None and pd.notna(row) else f"input row {int(r['_order'])}"


def classify_trades(trades: pd.DataFrame) -> pd.DataFrame:
    """The trades (4/A amendments applied) with what the check needs to know of each row:
    ``_day``, ``_code``, ``_kind`` (a :data:`SALE_KINDS` name or None), ``_role``
    (``insider``, ``not_insider`` when every role flag is known false, ``unknown``),
    ``_persons`` (the cooling-off kinds of person it may be), ``_order`` (filing order) and
    ``_eq_shares`` (the shares sold, or the underlying shares of a put or call)."""
    t = merge_amendments(trades)[0].reset_index(drop=True)
    deriv = t["is_derivative"].fillna(False).astype(bool) if "is_derivative" in t else pd.Series(False, index=t.index)
    code = t["transaction_code"].astype("str").str.strip().str.upper()
    ad = t["acquired_disposed"].astype("str").str.strip().str.upper()
    titles = (_column(t, "security_title").fillna("").astype(str) + " "
              + _column(t, "underlying_title").fillna("").astype(str)).str.lower()
    put, call = titles.str.contains(r"\bputs?\b"), titles.str.contains(r"\bcalls?\b")
    positive = (pd.to_numeric(t["shares"], errors="coerce") > 0).fillna(False)
    kind = pd.Series(None, index=t.index, dtype="object")
    kind[~deriv & (code == "S") & (ad != "A") & positive] = "sale"
    kind[deriv & put & ~call & (code == "P") & (ad != "D") & positive] = "put_purchase"
    kind[deriv & call & ~put & (code == "S") & (ad != "A") & positive] = "call_sale"
    flags = {f: _column(t, f).map(_flag) for f in ROLE_FLAGS}
    any_true = pd.concat([flags[f] == True for f in ROLE_FLAGS], axis=1).any(axis=1)  # noqa: E712 (None-safe)
    all_false = pd.concat([flags[f] == False for f in ROLE_FLAGS], axis=1).all(axis=1)  # noqa: E712
    role = pd.Series("unknown", index=t.index).mask(any_true, "insider").mask(~any_true & all_false, "not_insider")
    officer_or_director = (flags["is_officer"] == True) | (flags["is_director"] == True)  # noqa: E712
    neither = (flags["is_officer"] == False) & (flags["is_director"] == False)  # noqa: E712
    persons = pd.Series([("officers_directors", "other")] * len(t), index=t.index, dtype="object")
    persons[officer_or_director] = pd.Series([("officers_directors",)] * len(t), index=t.index)
    persons[~officer_or_director & neither] = pd.Series([("other",)] * len(t), index=t.index)
    underlying = pd.to_numeric(_column(t, "underlying_shares"), errors="coerce")
    eq = pd.to_numeric(t["shares"], errors="coerce").where(kind == "sale", underlying.fillna(t["shares"]))
    return t.assign(_day=pd.to_datetime(t["transaction_date"]).dt.normalize(), _code=code, _ad=ad, _deriv=deriv,
                    _kind=kind, _role=role, _persons=persons, _order=filing_order(t), _eq_shares=eq,
                    _plan=_column(t, "plan_10b5_1").map(_plan_status))


def non_insider_sales(trades: pd.DataFrame | None) -> int:
    """Sale rows of reporting persons known to be neither officer, director nor 10% owner
    (Form 4 "other" relationship): not insider sales, left out by :func:`insider_sales`."""
    if trades is None or len(trades) == 0:
        return 0
    c = classify_trades(trades)
    return int((c["_kind"].notna() & (c["_role"] == "not_insider")).sum())


def _role_text(rows: pd.DataFrame) -> str:
    """Title, else director / 10% owner, else that the role is not reported."""
    title = rows["insider_title"].dropna() if "insider_title" in rows else pd.Series(dtype=object)
    if len(title) and str(title.iloc[0]).strip():
        return str(title.iloc[0])
    for col, text in (("is_director", "director"), ("is_ten_percent_owner", "10% owner"), ("is_officer", "officer")):
        if col in rows and (rows[col].map(_flag) == True).any():  # noqa: E712
            return text
    return "role not reported" if (rows["_role"] == "unknown").all() else "insider"


#: Why a call sale has no loss-avoided estimate.
CALL_SALE_NOT_ESTIMATED = ("a call sale's loss avoided is not estimated: it depends on the premium received "
                           "and on whether the call is exercised")


def _loss(r: pd.Series, close: float | None, why: str | None) -> tuple[float | None, str | None]:
    """Loss avoided by one sale against one reference close (never negative), or why none.

    Sale: max(0, shares x (price - close)). Put purchase: max(0, max(0, underlying x
    (exercise price - close)) - shares x price), the put's value at the close less its premium.
    """
    if close is None:
        return None, why
    kind, price = r["_kind"], r["price"]
    if kind == "call_sale":
        return None, CALL_SALE_NOT_ESTIMATED
    if pd.isna(price):
        return None, "no price reported"
    if kind == "sale":
        return round(max(0.0, float(r["shares"]) * (float(price) - close)), 2), None
    strike = r.get("exercise_price")
    if strike is None or pd.isna(strike):
        return None, "the put's exercise price is not reported"
    value = max(0.0, float(r["_eq_shares"]) * (float(strike) - close))
    return round(max(0.0, value - float(r["shares"]) * float(price)), 2), None


def _opt(r: pd.Series, name: str) -> Any:
    """An optional column's value of a row, JSON-ready (None when absent or missing)."""
    v = r.get(name)
    if v is None or v is pd.NA or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, (pd.Timestamp, dt.date)):
        return pd.Timestamp(v).date().isoformat()
    return v.item() if hasattr(v, "item") else v


def _sale_row(r: pd.Series, exercises: pd.DataFrame, refs: dict[str, tuple]) -> dict[str, Any]:
    """One sale as the evidence and the table show it: every number a reader needs to
    recompute the finding by hand."""
    near = exercises[(exercises["insider_name"] == r["insider_name"]) & (exercises["_day"] <= r["_day"])
                     & (exercises["_day"] >= r["_day"] - pd.Timedelta(days=3))]
    row = {
        "insider": r["insider_name"], "kind": r["_kind"], "date": r["_day"].date().isoformat(),
        "filing_order": _order_key(r), "document": _opt(r, "document_id"),
        "shares": _num(r["shares"]),
        "underlying_shares": _num(r["_eq_shares"]) if r["_kind"] != "sale" else None,
        "exercise_price": _num(r.get("exercise_price")) if r["_kind"] != "sale" else None,
        "price": _num(r["price"]), "price_source": _opt(r, "price_source"),
        "value": _num(r["shares"] * r["price"]) if pd.notna(r["price"]) else None,
        "shares_owned_after": _num(r["shares_owned_after"]),
        "shares_owned_other_lines": _num(r.get("shares_owned_other_lines")),
        "direct_indirect": _opt(r, "direct_indirect"), "nature_of_ownership": _opt(r, "nature_of_ownership"),
        "holdings_before": None,
        "plan_10b5_1": r["_plan"], "plan_adopted": _iso(r.get("plan_adopted")), "plan_modified": _iso(r.get("plan_modified")),
        "plan_defence": r["_defence"].outcome, "plan_defence_reason": r["_defence"].reason,
        "exercise_and_sale": not near.empty,
    }
    notes = []
    for which, (day, close, why) in refs.items():
        loss, reason = _loss(r, close, why)
        row[f"reference_close_{which}"] = close
        row[f"reference_close_{which}_date"] = day.isoformat() if day else None
        row[f"loss_avoided_{which}"] = loss
        if reason and reason not in notes:
            notes.append(reason)
    row["loss_avoided_note"] = "; ".join(notes) or None
    return row


def _iso(v: Any) -> str | None:
    d = _date_or_none(v)
    return d.isoformat() if d else None


def _holdings(rows: pd.DataFrame) -> dict[str, Any]:
    """Holdings right before the insider's first common-stock sale in the window, in filing
    order: shares_owned_after + shares of that sale + shares_owned_other_lines."""
    sales = rows[rows["_kind"] == "sale"].sort_values("_order")
    if sales.empty:
        return {"holdings_before": None, "holdings_note": "no common-stock sale in the window: holdings before "
                "are not reported by a derivative row", "first_sale": None}
    first = sales.iloc[0]
    after, other = first["shares_owned_after"], first.get("shares_owned_other_lines")
    if pd.isna(after):
        return {"holdings_before": None, "first_sale": _order_key(first),
                "holdings_note": "shares_owned_after not reported for the first sale in filing order"}
    known = other is not None and pd.notna(other)
    total = float(after) + float(first["shares"]) + (float(other) if known else 0.0)
    return {"holdings_before": _num(total), "first_sale": _order_key(first),
            "holdings_note": None if known else
            "holdings on other ownership lines, such as trusts or family, not reported: "
            "measured against this line only"}


def _loss_summary(rows: list[dict], refs: dict[str, tuple], lowest_days: int) -> dict[str, Any]:
    """Per reference close: total loss avoided (None when no sale could be estimated) and how
    many sales were and were not estimated; room for the market-model estimate."""
    out: dict[str, Any] = {}
    for which, (day, close, why) in refs.items():
        values = [s[f"loss_avoided_{which}"] for s in rows]
        known = [v for v in values if v is not None]
        out[which] = {"date": day.isoformat() if day else None, "close": close,
                      "usd": round(sum(known), 2) if known else None,
                      "sales_estimated": len(known), "sales_not_estimated": len(values) - len(known),
                      "reason": why}
    out["lowest"]["trading_days"] = lowest_days
    out["net_of_market"] = None  # the market-model event study fills this in (workbench.irregularities.event_study)
    out["net_of_market_reason"] = "not computed by this check: a market-adjusted estimate needs the event study"
    return out


def _loss_text(summary: dict[str, Any], lowest_days: int) -> str:
    first, low = summary["first"], summary["lowest"]
    if first["close"] is None and low["close"] is None:
        return f"; loss avoided not estimated ({first['reason']})"
    parts = []
    for s, what in ((first, "first trading day after disclosure"), (low, f"lowest of the {lowest_days} trading days "
                                                                          "after disclosure")):
        if s["close"] is None:
            parts.append(f"not estimated against the {what} ({s['reason']})")
        elif s["usd"] is None:
            parts.append(f"not estimated against the close ${s['close']:,.2f} of {s['date']} ({what})")
        else:
            amount = "no loss avoided" if s["usd"] == 0 else f"loss avoided {_money(s['usd'])}"
            parts.append(f"{amount} against the close ${s['close']:,.2f} of {s['date']} ({what})")
    missing = first["sales_not_estimated"] if first["close"] is not None else 0
    return "; " + " and ".join(parts) + (f" ({missing} sale(s) not estimated)" if missing and first["usd"] is not None else "")


def insider_sales(trades: pd.DataFrame, *, discovered: dt.date, disclosed: dt.date | None,
                  before_days: int = 0, after_days: int = 0, look_back_days: int = 30,
                  lowest_close_days: int = 10, prices: pd.DataFrame | None = None,
                  financial_results: list[dt.date] | None = None, rules=None) -> list[Finding]:
    """Insider sales between discovery and disclosure, and just before the stated discovery.

    Parameters
    ----------
    trades
        insider_trades frame (contract columns; :func:`read_form4` output also accepted; every
        optional column -- role flags, plan dates, other ownership lines, derivative terms --
        is used where given).
    discovered, disclosed
        Incident dates. Without a disclosure date the window stays open.
    before_days, after_days
        Widen the window: days before discovery and after disclosure.
    look_back_days
        Days before the window whose sales are reported on their own, at low severity.
    lowest_close_days
        Trading days after disclosure whose lowest close is the second reference close.
    prices
        Optional share_prices frame (``date``, ``close``) for the loss avoided.
    financial_results
        Dates the issuer filed a 10-Q or 10-K (the alternative cooling-off end), or None.
    rules
        Trading-plan rules (:func:`workbench.irregularities.plans.load_plan_rules` by default).

    Returns
    -------
    list[Finding]
        Per insider, ``insider_sale_in_window`` (high: no plan, or a plan that is no defence,
        said why) and ``insider_sale_in_window_10b5_1`` (medium: a plan that still lowers the
        severity), and one ``insider_sale_before_discovery`` (low) for all insiders who sold
        in the look-back. Each sale's numbers are in ``evidence["sales"]``.
    """
    from workbench.irregularities.plans import plan_defence

    if trades is None or len(trades) == 0:
        return []
    start, end = trading_window(discovered, disclosed, before_days=before_days, after_days=after_days)
    t = classify_trades(trades)
    candidates = t[t["_kind"].notna() & (t["_role"] != "not_insider")]
    lo = pd.Timestamp(start)
    hi = pd.Timestamp(end) if end else pd.Timestamp.max
    look_lo = lo - pd.Timedelta(days=look_back_days)
    in_window = candidates[(candidates["_day"] >= lo) & (candidates["_day"] <= hi)]
    look_back = candidates[(candidates["_day"] >= look_lo) & (candidates["_day"] < lo)] if look_back_days else candidates.iloc[0:0]
    if in_window.empty and look_back.empty:
        return []
    results = None if financial_results is None else list(financial_results)

    def defence(r: pd.Series):
        return plan_defence(plan=r["_plan"], adopted=_date_or_none(r.get("plan_adopted")),
                            modified=_date_or_none(r.get("plan_modified")), trade=r["_day"].date(),
                            discovered=discovered, persons=r["_persons"], financial_results=results, rules=rules)

    if disclosed:
        refs = {"first": close_after(prices, disclosed), "lowest": lowest_close_after(prices, disclosed, lowest_close_days)}
    else:
        refs = {k: (None, None, "no public disclosure date") for k in ("first", "lowest")}
    exercises = t[t["_code"].isin(["M", "X", "C"])]
    sales = t[t["_kind"] == "sale"]
    findings = []
    window_text = f"{start} .. {end or 'open (no disclosure date)'}"
    if not in_window.empty:
        in_window = in_window.assign(_defence=in_window.apply(defence, axis=1))
        in_window = in_window.assign(_defended=in_window["_defence"].map(lambda d: d.defended))
        for name, person in in_window.groupby("insider_name", sort=True):
            held = _holdings(person)
            for defended, group in person.groupby("_defended", sort=True):
                findings.append(_window_finding(name, group.sort_values("_order"), bool(defended), held, sales,
                                                exercises, refs, lo, window_text, start, end, lowest_close_days))
    if not look_back.empty:
        look_back = look_back.assign(_defence=look_back.apply(defence, axis=1))
        undefended = look_back[~look_back["_defence"].map(lambda d: d.defended)]
        if not undefended.empty:
            findings.append(_look_back_finding(undefended.sort_values(["insider_name", "_order"]), exercises, refs,
                                               discovered, start, look_back_days, lowest_close_days))
    return findings


def _window_finding(name, group, defended, held, sales, exercises, refs, lo, window_text, start, end,
                    lowest_days) -> Finding:
    # A joint filing gives each owner the row; count a document's transaction once.
    if "transaction_index" in group and "document_id" in group:
        group = group.drop_duplicates(["document_id", "transaction_index"])
    rows = [_sale_row(r, exercises, refs) for _, r in group.iterrows()]
    for s in rows:
        s["holdings_before"] = held["holdings_before"]
    stock = group[group["_kind"] == "sale"]
    derivs = group[group["_kind"] != "sale"]
    shares = float(stock["shares"].sum())
    value = float((stock["shares"] * stock["price"]).sum(min_count=1)) if stock["price"].notna().any() else None
    statuses = set(group["_plan"])
    plan = ("plan" if statuses == {"plan"} else "no_plan" if statuses == {"no_plan"}
            else "unknown" if statuses == {"unknown"} else "mixed")
    fraction = round(shares / held["holdings_before"], 4) if held["holdings_before"] and len(stock) else None
    prior = sales[(sales["insider_name"] == name) & (sales["_day"] < lo) & (sales["_day"] >= lo - pd.Timedelta(days=365))]
    prior_value = float((prior["shares"] * prior["price"]).sum()) if len(prior) else 0.0
    loss = _loss_summary(rows, refs, lowest_days)
    title = group["insider_title"].dropna().iloc[0] if "insider_title" in group and group["insider_title"].notna().any() else None
    role = _role_text(group)
    exercised = any(s["exercise_and_sale"] for s in rows)
    reasons = list(dict.fromkeys(d.reason for d in group["_defence"]))
    equivalents = ""
    if len(derivs):
        kinds = ", ".join(f"{n} {k.replace('_', ' ')}(s)" for k, n in derivs["_kind"].value_counts().sort_index().items())
        equivalents = f"; {kinds} on {derivs['_eq_shares'].sum():,.0f} underlying shares, counted as sales"
    holdings = (f"; {fraction:.1%} of the {held['holdings_before']:,.0f} shares held before the first sale in "
                f"filing order" if fraction is not None else
                f"; share of holdings sold unknown ({held['holdings_note']})" if len(stock) else "")
    if fraction is not None and held["holdings_note"]:
        holdings += f" ({held['holdings_note']})"
    lead = (f"{name} ({role}) sold {shares:,.0f} shares for {_money(value)}" if len(stock) else
            f"{name} ({role}) made derivative trades that count as sales")
    detail = (f"{lead} between "
              f"{group['_day'].min().date()} and {group['_day'].max().date()}, inside the window "
              f"{window_text} between discovery and public disclosure"
              + equivalents + holdings
              + ("; options exercised before the sale" if exercised else "")
              + "; " + "; ".join(reasons)
              + _loss_text(loss, lowest_days)
              + f". Sales in the prior 12 months: {len(prior)} ({_money(prior_value)}).")
    first = loss["first"]
    return Finding(
        category="insider_trading", code="insider_sale_in_window_10b5_1" if defended else "insider_sale_in_window",
        severity=window_severity(group["_defence"], first["usd"]),
        title=("Insider sale under a 10b5-1 plan in the breach window" if defended
               else "Insider sale between discovery and disclosure"),
        detail=detail, subject=str(name), count=len(rows), unit=Unit.TRANSACTIONS, citation=CITATION,
        evidence={
            "insider_title": title, "role": role, "window": [start.isoformat(), end.isoformat() if end else None],
            "sales": rows, "shares_sold": _num(shares),
            "derivative_sale_equivalents": {"count": int(len(derivs)), "underlying_shares": _num(derivs["_eq_shares"].sum())},
            "value_usd": round(value, 2) if value is not None else None,
            "holdings_before": held["holdings_before"], "holdings_first_sale": held["first_sale"],
            "holdings_note": held["holdings_note"], "share_of_holdings_sold": fraction,
            "plan_10b5_1": plan, "plan_defence": sorted({d.outcome for d in group["_defence"]}),
            "plan_defence_reasons": reasons, "exercise_and_sale": exercised,
            "prior_12m_sales": {"count": int(len(prior)), "shares": _num(prior["shares"].sum()),
                                "value_usd": round(prior_value, 2)},
            "loss_avoided_usd": first["usd"], "loss_avoided": loss,
            "reference_close": {"date": first["date"], "close": first["close"]} if first["date"] else None,
        })


#: Sales just before the stated discovery date: a question, reviewed as low before the loss avoided.
LOOK_BACK_LEVEL = "low"


def window_severity(defences, loss_avoided_usd: float | None) -> str:
    """Severity of an insider's sales in the window (:mod:`workbench.severity`): statutory
    exposure (s.10(b), Rule 10b-5), the plan outcomes' reviewed level (the most severe of the
    sales, :data:`workbench.irregularities.plans.OUTCOMES`) and the loss avoided as points."""
    from workbench.findings import SEVERITY_RANK

    reviewed = min((d.severity for d in defences), key=SEVERITY_RANK.__getitem__)
    return reviewed_severity(reviewed, Exposure.STATUTORY, extra=loss_avoided_points(loss_avoided_usd))


def _look_back_finding(rows_frame, exercises, refs, discovered, start, look_back_days, lowest_days) -> Finding:
    if "transaction_index" in rows_frame and "document_id" in rows_frame:
        rows_frame = rows_frame.drop_duplicates(["insider_name", "document_id", "transaction_index"])
    rows = [_sale_row(r, exercises, refs) for _, r in rows_frame.iterrows()]
    people = []
    for name, g in rows_frame.groupby("insider_name", sort=True):
        stock = g[g["_kind"] == "sale"]
        value = float((stock["shares"] * stock["price"]).sum(min_count=1)) if stock["price"].notna().any() else None
        people.append({"insider": name, "role": _role_text(g), "sales": int(len(g)),
                       "shares": _num(g.loc[g["_kind"] == "sale", "shares"].sum()),
                       "underlying_shares_of_derivatives": _num(g.loc[g["_kind"] != "sale", "_eq_shares"].sum()),
                       "value_usd": round(value, 2) if value is not None else None,
                       "first": g["_day"].min().date().isoformat(), "last": g["_day"].max().date().isoformat(),
                       "plan_defence": sorted({d.outcome for d in g["_defence"]})})
    n = len(people)
    value = sum(p["value_usd"] or 0.0 for p in people)
    span = f"{(pd.Timestamp(start) - pd.Timedelta(days=look_back_days)).date()} .. {start - dt.timedelta(days=1)}"
    before = (f"the stated discovery date {discovered}" if start == discovered else
              f"the window start {start} (the stated discovery date {discovered} less the case's before_discovery_days)")
    loss = _loss_summary(rows, refs, lowest_days)
    detail = (f"{n} insider(s) sold shares for {_money(value)} in the {look_back_days} days before {before} "
              f"({span}): question whether the company knew earlier. "
              + "; ".join(f"{p['insider']} ({p['role']}): {p['sales']} sale(s) of {p['shares']:,.0f} shares"
                          f" for {_money(p['value_usd'])}, {p['first']}" + (f" .. {p['last']}" if p['last'] != p['first'] else "")
                          for p in people)
              + _loss_text(loss, lowest_days) + ".")
    return Finding(
        category="insider_trading", code="insider_sale_before_discovery",
        severity=reviewed_severity(LOOK_BACK_LEVEL, Exposure.STATUTORY, extra=loss_avoided_points(loss["first"]["usd"])),
        title="Insider sales just before the stated discovery date", detail=detail, subject=None,
        count=len(rows), unit=Unit.TRANSACTIONS, citation=CITATION,
        evidence={"look_back": {"days": look_back_days, "from": span.split(" .. ")[0], "to": span.split(" .. ")[1]},
                  "discovered": discovered.isoformat(), "insiders": people, "sales": rows,
                  "value_usd": round(value, 2), "loss_avoided_usd": loss["first"]["usd"], "loss_avoided": loss})


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
