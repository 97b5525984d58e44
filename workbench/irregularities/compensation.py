"""Executive awards in the crisis window: bonuses, equity, severance, retirement.

After Equifax disclosed its breach, the departing chief executive retired with pension and
equity worth tens of millions. An award between discovery and a year after disclosure is
not unlawful by itself, but a board rewarding the people in charge while the harm unfolds
is something an auditor reports, with amount and timing.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from workbench.findings import Finding

#: Award kinds the check looks at (the compensation contract's vocabulary).
AWARD_KINDS: tuple[str, ...] = ("bonus", "equity", "severance", "retirement")
#: Awards at or above this amount are ``high`` severity; severance and retirement always are.
LARGE_AWARD_USD = 1_000_000


def awards_in_window(comp: pd.DataFrame, *, discovered: dt.date, disclosed: dt.date | None,
                     window_days: int = 365) -> list[Finding]:
    """Awards to executives between discovery and ``window_days`` after public disclosure.

    Parameters
    ----------
    comp
        compensation frame: ``person``, ``title``, ``award_date``, ``kind``, ``amount_usd``.
    discovered, disclosed
        Incident dates; without a disclosure date the window runs ``window_days`` from discovery.
    window_days
        The case's ``crisis_window_days`` (default 365).

    Returns
    -------
    list[Finding]
        One ``compensation`` finding (code ``award_in_crisis_window``) per person, listing
        each award with its kind, amount and days after discovery and disclosure; ``high``
        for severance, retirement or a total of $1M or more, else ``medium``.
    """
    if comp is None or len(comp) == 0:
        return []
    start = pd.Timestamp(discovered)
    anchor = disclosed or discovered
    end = pd.Timestamp(anchor) + pd.Timedelta(days=window_days)
    c = comp.assign(_day=pd.to_datetime(comp["award_date"]).dt.normalize(),
                    _kind=comp["kind"].astype("str").str.strip().str.lower(),
                    _amount=pd.to_numeric(comp["amount_usd"], errors="coerce"))
    hits = c[c["_kind"].isin(AWARD_KINDS) & (c["_day"] >= start) & (c["_day"] <= end)]
    findings = []
    for person, group in hits.groupby("person", sort=True):
        group = group.sort_values(["_day", "_kind"])
        total = float(group["_amount"].sum(min_count=1)) if group["_amount"].notna().any() else None
        kinds = list(dict.fromkeys(group["_kind"]))
        title = group["title"].dropna().iloc[0] if "title" in group and group["title"].notna().any() else None
        awards = [{"date": r["_day"].date().isoformat(), "kind": r["_kind"],
                   "amount_usd": None if pd.isna(r["_amount"]) else round(float(r["_amount"]), 2),
                   "days_after_discovery": int((r["_day"] - start).days),
                   "days_after_disclosure": int((r["_day"] - pd.Timestamp(disclosed)).days) if disclosed else None}
                  for _, r in group.iterrows()]
        severe = bool({"severance", "retirement"} & set(kinds)) or (total or 0) >= LARGE_AWARD_USD
        amount = f"${total:,.0f}" if total is not None else "an unknown amount"
        detail = (f"{person}{f' ({title})' if title else ''} was awarded {amount} "
                  f"({', '.join(kinds)}) in {len(awards)} award(s) between {awards[0]['date']} and "
                  f"{awards[-1]['date']}, inside the crisis window from discovery ({discovered}) to "
                  f"{window_days} days after {'disclosure' if disclosed else 'discovery'} ({end.date()}).")
        findings.append(Finding(
            category="compensation", code="award_in_crisis_window", severity="high" if severe else "medium",
            title="Executive award in the crisis window", detail=detail, subject=str(person),
            count=len(awards),
            evidence={"title": title, "awards": awards, "total_usd": total, "kinds": kinds,
                      "window": [start.date().isoformat(), end.date().isoformat()]}))
    return findings
