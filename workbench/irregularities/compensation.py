"""Executive awards in the crisis window: bonuses, equity, severance, retirement.

After Equifax disclosed its breach, the departing chief executive retired with pension and
equity worth tens of millions. An award between discovery and a year after disclosure is
not unlawful by itself, but a board rewarding the people in charge while the harm unfolds
is something an auditor reports, with amount and timing, as an enforcement lawyer reads it:

- Only payments are awards. A forfeiture or a clawback takes pay away, salary is contractual
  pay (:data:`KINDS`); a row of an award kind with no amount, or an amount of zero or less,
  pays nothing (a departing general counsel left with nothing has no award). None of these
  is dropped silently: :func:`row_counts` counts them and :func:`counts_note` says so.
- Severity scales with the amount against the executive's prior annual pay where the case
  gives it, else with the amount itself, continuously (:func:`workbench.severity.award_points`:
  a year's pay is high, a quarter's medium; $1 million high, $100,000 medium without prior
  pay), at most high; the kind alone (severance, retirement) does not decide it.
- The wording says what was awarded, when, and how long after discovery and disclosure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from workbench.findings import Finding, Unit
from workbench.severity import Exposure, award_points, severity


@dataclass(frozen=True)
class Kind:
    """One kind of compensation row, as the contract's vocabulary reads it."""

    award: bool
    why: str


#: Every kind a compensation row may give (docs/data_contracts.md): whether it is an award,
#: and why. A kind not listed here is counted and said, never read as an award or dropped.
KINDS: dict[str, Kind] = {
    "bonus": Kind(True, "a discretionary cash payment"),
    "equity": Kind(True, "shares or options granted"),
    "severance": Kind(True, "a payment on leaving"),
    "retirement": Kind(True, "a pension or retirement benefit granted on leaving"),
    "forfeiture": Kind(False, "pay the executive gives up: a loss to them, not a reward"),
    "clawback": Kind(False, "pay recovered from the executive: a loss to them, not a reward"),
    "salary": Kind(False, "contractual base pay, owed whatever happens, not a discretionary award"),
}
#: The kinds that are awards (what the check looks at).
AWARD_KINDS: tuple[str, ...] = tuple(k for k, v in KINDS.items() if v.award)

def severity_for(total: float, prior_pay: float | None) -> tuple[str, str]:
    """Severity of a total awarded (the one model: audit-standard exposure, the award's size
    as :func:`~workbench.severity.award_points`), and the reason, for the wording."""
    level = severity(Exposure.STANDARD, gravity=award_points(total, prior_pay))
    if prior_pay:
        return level, f"{total / prior_pay:.6g} x prior annual pay"
    return level, f"no prior annual pay given; total ${total:,.0f}"


def _typed(comp: pd.DataFrame) -> pd.DataFrame:
    prior = comp["prior_annual_pay_usd"] if "prior_annual_pay_usd" in comp else pd.Series(float("nan"), comp.index)
    kind = comp["kind"].astype("str").str.strip().str.lower().where(comp["kind"].notna(), None)
    return comp.assign(_day=pd.to_datetime(comp["award_date"]).dt.normalize(), _kind=kind,
                       _amount=pd.to_numeric(comp["amount_usd"], errors="coerce"),
                       _prior=pd.to_numeric(prior, errors="coerce"))


def _classify(c: pd.DataFrame) -> pd.Series:
    """Per row: ``award``, a non-award kind's name, ``no_payment``, ``unknown_kind``, ``no_date``
    or ``no_person``."""
    known = c["_kind"].isin(list(KINDS))
    is_award = c["_kind"].isin(list(AWARD_KINDS))
    paid = (c["_amount"] > 0).fillna(False).astype(bool)
    out = pd.Series("award", index=c.index, dtype="object")
    out[~known] = "unknown_kind"
    out[known & ~is_award] = c.loc[known & ~is_award, "_kind"]
    out[is_award & ~paid] = "no_payment"
    out[is_award & paid & c["_day"].isna()] = "no_date"
    out[is_award & paid & c["_day"].notna() & c["person"].isna()] = "no_person"
    return out


def row_counts(comp: pd.DataFrame | None) -> dict[str, int]:
    """Rows that are not awards (or cannot be placed), by cause: ``no_payment`` (an award
    kind with no amount or an amount <= 0), each non-award kind (``forfeiture``,
    ``clawback``, ``salary``), ``unknown_kind``, ``no_date`` and ``no_person``; causes of
    no row left out."""
    if comp is None or len(comp) == 0:
        return {}
    counts = _classify(_typed(comp)).value_counts()
    return {k: int(n) for k, n in counts.items() if k != "award"}


def unknown_kinds(comp: pd.DataFrame | None) -> list[str]:
    """The kinds given that :data:`KINDS` does not know (as written, trimmed, lower case)."""
    if comp is None or len(comp) == 0:
        return []
    c = _typed(comp)
    return sorted({"(missing)" if pd.isna(k) else k for k in c.loc[~c["_kind"].isin(list(KINDS)), "_kind"]})


def counts_note(comp: pd.DataFrame | None) -> str | None:
    """What the stage's assessment says about the rows that are not awards (None: none)."""
    counts = row_counts(comp)
    parts = []
    if counts.get("no_payment"):
        parts.append(f"{counts['no_payment']} row(s) with no payment are not awards")
    for kind in (k for k, v in KINDS.items() if not v.award):
        if counts.get(kind):
            parts.append(f"{counts[kind]} {kind} row(s) are not awards")
    if counts.get("unknown_kind"):
        parts.append(f"{counts['unknown_kind']} row(s) of unknown kind ({', '.join(unknown_kinds(comp))}) "
                     f"not assessed; known kinds: {', '.join(KINDS)}")
    if counts.get("no_date"):
        parts.append(f"{counts['no_date']} award row(s) without an award date not assessed")
    if counts.get("no_person"):
        parts.append(f"{counts['no_person']} award row(s) naming no person not assessed")
    return "; ".join(parts) or None


def _days(n: int, what: str, day: dt.date) -> str:
    return f"{abs(n)} day{'' if abs(n) == 1 else 's'} {'after' if n >= 0 else 'before'} {what} ({day})"


def awards_in_window(comp: pd.DataFrame, *, discovered: dt.date, disclosed: dt.date | None,
                     window_days: int = 365) -> list[Finding]:
    """Awards to executives between discovery and ``window_days`` after public disclosure.

    Parameters
    ----------
    comp
        compensation frame: ``person``, ``title``, ``award_date``, ``kind``, ``amount_usd``,
        optional ``prior_annual_pay_usd``.
    discovered, disclosed
        Incident dates; without a disclosure date the window runs ``window_days`` from discovery.
    window_days
        The case's ``crisis_window_days`` (default 365).

    Returns
    -------
    list[Finding]
        One ``compensation`` finding (code ``award_in_crisis_window``) per person awarded a
        payment of an award kind in the window, listing each award with its kind, amount and
        days after discovery and disclosure; severity by :func:`severity_for`. Rows that are
        not awards give no finding (:func:`row_counts` counts them).
    """
    if comp is None or len(comp) == 0:
        return []
    start = pd.Timestamp(discovered)
    end = pd.Timestamp(disclosed or discovered) + pd.Timedelta(days=window_days)
    c = _typed(comp)
    prior_by_person = c.groupby("person")["_prior"].max()
    c = c[_classify(c) == "award"]
    hits = c[(c["_day"] >= start) & (c["_day"] <= end)]
    findings = []
    for person, group in hits.groupby("person", sort=True):
        group = group.sort_values(["_day", "_kind"])
        total = round(float(group["_amount"].sum()), 2)
        kinds = list(dict.fromkeys(group["_kind"]))
        title = group["title"].dropna().iloc[0] if "title" in group and group["title"].notna().any() else None
        prior = prior_by_person.get(person)
        prior = float(prior) if prior is not None and pd.notna(prior) and prior > 0 else None
        ratio = total / prior if prior else None
        awards = [{"date": r["_day"].date().isoformat(), "kind": r["_kind"], "amount_usd": round(float(r["_amount"]), 2),
                   "days_after_discovery": int((r["_day"] - start).days),
                   "days_after_disclosure": int((r["_day"] - pd.Timestamp(disclosed)).days) if disclosed else None}
                  for _, r in group.iterrows()]
        severity, rule = severity_for(total, prior)
        clauses = [f"{a['kind']} of ${a['amount_usd']:,.0f} on {a['date']}, "
                   f"{_days(a['days_after_discovery'], 'discovery', discovered)} and "
                   + (_days(a["days_after_disclosure"], "public disclosure", disclosed) if disclosed
                      else "with no public disclosure date in the case")
                   for a in awards]
        detail = (f"{person}{f' ({title})' if title else ''} was awarded " + "; ".join(clauses)
                  + f". Total ${total:,.0f} in {len(awards)} award(s) inside the crisis window from discovery "
                    f"({discovered}) to {window_days} days after {'disclosure' if disclosed else 'discovery'} "
                    f"({end.date()})"
                  + (f", {ratio:.6g} times the prior annual pay of ${prior:,.0f}" if prior else "")
                  + f"; severity {severity} ({rule}).")
        findings.append(Finding(
            category="compensation", code="award_in_crisis_window", severity=severity,
            title="Executive award in the crisis window", detail=detail, subject=str(person),
            count=len(awards), unit=Unit.AWARDS,
            evidence={"title": title, "awards": awards, "total_usd": total, "kinds": kinds,
                      "window": [start.date().isoformat(), end.date().isoformat()],
                      "prior_annual_pay_usd": prior, "ratio_to_prior_pay": ratio, "severity_rule": rule}))
    return findings
