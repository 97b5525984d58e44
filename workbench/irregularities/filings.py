"""Form 4 filings as filings: amendments merged transaction by transaction, and late reports.

- :func:`merge_amendments` applies each Form 4/A to the filing it amends: an amended
  transaction replaces the original's same transaction, the original's other transactions
  stay, and a transaction the original missed is added. Several amendments apply in filing
  order. What could not be matched is said in the notes, never dropped.
- :func:`late_form4_filings` (and :func:`form4_timeliness`, which also gives the table and
  the notes) flags transactions reported after the Form 4 deadline: before the end of the
  second business day after the trade (Exchange Act s.16(a)(2)(C); Rule 16a-3(g)(1)), or
  after the deemed execution date of a Rule 10b5-1(c) or discretionary-plan trade (Rule
  16a-3(g)(2)/(3)).

Order of filing: Form 4 rows by (filing_date, document_id, transaction_index); rows of a
CSV by ``source_row``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.findings import Finding, Unit
from workbench.severity import Exposure, severity

#: The columns that say which transaction of a filing a row is (with its ordinal).
TRANSACTION_KEY = ("transaction_date", "transaction_code", "security_title", "is_derivative")

CITATION = ("Securities Exchange Act of 1934 s.16(a)(2)(C) (15 U.S.C. 78p(a)(2)(C)); "
            "Rule 16a-3(g)(1)-(3) (17 CFR 240.16a-3(g))")
#: Calendar of business days: US federal holidays (SEC business days exclude them).
CALENDAR = "US"
#: The deemed execution date is never later than this many business days after the trade
#: (Rule 16a-3(g)(2) and (3)). confidence: medium (secondary sources; the rule's text not at hand).
DEEMED_CAP_BUSINESS_DAYS = 3
#: Business days after the (deemed) execution date by whose end a Form 4 is due.
DUE_BUSINESS_DAYS = 2


@dataclass(frozen=True)
class DeferredCode:
    """A transaction code whose report may lawfully wait for Form 5 (or is voluntary), so a
    Form 4 filed after two business days is not judged late."""

    code: str
    why: str
    citation: str
    until: dt.date | None = None  # reports of trades from this date on are due on Form 4
    confidence: str = "medium"


#: Reviewed data: codes not judged (each counted in the notes). confidence: medium for all.
DEFERRED_CODES: dict[str, DeferredCode] = {c.code: c for c in (
    DeferredCode("G", "bona fide gift: reportable on Form 5 until the 2022 amendments required a Form 4 "
                      "within two business days", "Rule 16a-3(f) before and after Release 34-96492 (Dec. 14, 2022), "
                      "effective 2023-02-27", until=dt.date(2023, 2, 27)),
    DeferredCode("L", "small acquisition: reportable on Form 5", "Rule 16a-6 (17 CFR 240.16a-6)"),
    DeferredCode("W", "acquisition or disposition by will or the laws of descent: exempt, reportable on Form 5",
                 "Rule 16b-5 (17 CFR 240.16b-5); Rule 16a-3(f)"),
    DeferredCode("J", "other acquisition or disposition: may be exempt from reporting or reportable on Form 5",
                 "Form 4 General Instruction 8 (code J)"),
)}


# --------------------------------------------------------------------------- amendments


def _norm(text: Any) -> str:
    return "" if text is None or (not isinstance(text, str) and pd.isna(text)) else " ".join(str(text).split()).casefold()


def _col(t: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
    return t[name] if name in t else pd.Series(default, index=t.index, dtype="object")


def _filing_order(t: pd.DataFrame) -> list[str]:
    """Columns giving the filing order of rows (see the module docstring)."""
    if "document_id" in t and t["document_id"].notna().any():
        return [c for c in ("filing_date", "document_id", "transaction_index") if c in t]
    return ["source_row"] if "source_row" in t else []


@dataclass
class _Filing:
    doc: str
    filed: pd.Timestamp | None
    amendment: bool
    original_date: pd.Timestamp | None
    rows: list[int] = field(default_factory=list)  # positions in filing order


def _ts(v: Any) -> pd.Timestamp | None:
    return None if v is None or pd.isna(v) else pd.Timestamp(v).normalize()


def merge_amendments(trades: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Apply every Form 4/A to the filing it amends, transaction by transaction.

    Parameters
    ----------
    trades
        insider_trades rows (a Form 4 folder's, or a CSV's with the optional columns
        ``is_amendment``, ``date_of_original_submission``, ``document_id``...).

    Returns
    -------
    (frame, notes)
        ``frame``: the rows of the original filings, each amended transaction replaced by its
        latest restatement, plus the transactions amendments added; two columns are added:
        ``amended_by`` (the amendment's ``document_id`` that gave the row, missing for rows as
        first filed) and ``first_filed`` (when the transaction was first reported: the
        original's filing date, kept through restatements). A joint filing's rows stay one per
        owner (``document_id`` and ``transaction_index`` say which are one transaction).
        ``notes``: what was applied, and every amendment or transaction that matched nothing.

    An amendment belongs to the same insider (``insider_cik``, else the name) and issuer; its
    original is the filing whose ``filing_date`` is the amendment's
    ``date_of_original_submission`` (an earlier amendment of that date points to its own
    original), else the latest earlier original filing of that insider with a transaction on
    one of the amendment's dates. Within it, a transaction is the one with the same
    (transaction_date, transaction_code, security_title, is_derivative) and the same ordinal
    among the rows with that key in filing order.
    """
    t = trades.copy().reset_index(drop=True)
    order = _filing_order(t)
    t = t.sort_values(order, kind="stable", na_position="last").reset_index(drop=True) if order else t
    filed = pd.to_datetime(_col(t, "filing_date")).dt.normalize() if "filing_date" in t else pd.Series(pd.NaT, index=t.index)
    amend = _col(t, "is_amendment", False).fillna(False).astype(bool)
    out = t.assign(amended_by=pd.Series(pd.NA, index=t.index, dtype="str"), first_filed=filed)
    if not amend.any():
        return out, []

    insider = [(_norm(c) if _norm(c) else "name:" + _norm(n)) for c, n in
               zip(_col(t, "insider_cik"), _col(t, "insider_name"))]
    issuer = [_norm(c) for c in _col(t, "issuer_cik")]
    docs = _col(t, "document_id")
    dos = pd.to_datetime(_col(t, "date_of_original_submission")).dt.normalize() \
        if "date_of_original_submission" in t else pd.Series(pd.NaT, index=t.index)
    keys = list(zip(pd.to_datetime(t["transaction_date"]).dt.normalize(),
                    _col(t, "transaction_code").map(_norm), _col(t, "security_title").map(_norm),
                    _col(t, "is_derivative", False).fillna(False).astype(bool)))

    groups: dict[tuple[str, str], dict[str, _Filing]] = {}
    for i in range(len(t)):
        doc = (str(docs.iloc[i]) if pd.notna(docs.iloc[i])
               else f"{insider[i]}|{filed.iloc[i]}|{'4/A' if amend.iloc[i] else '4'}")
        filings = groups.setdefault((insider[i], issuer[i]), {})
        f = filings.setdefault(doc, _Filing(doc, _ts(filed.iloc[i]), bool(amend.iloc[i]), _ts(dos.iloc[i])))
        f.rows.append(i)

    notes: list[str] = []
    rows_out = out.to_dict("records")
    # (insider, issuer, original doc) -> positions of its current rows: a joint filing is one
    # document of several insiders, each with its own rows
    slots: dict[tuple[str, str, str], list[int]] = {}
    final: list[tuple[int, int]] = []     # (sort position, row position in rows_out)
    restated = added = applied = 0
    for gkey, filings in groups.items():
        originals = [f for f in filings.values() if not f.amendment]
        for f in originals:
            slots[(*gkey, f.doc)] = list(f.rows)
        target_of: dict[str, str] = {}
        amendments = sorted((f for f in filings.values() if f.amendment),
                            key=lambda f: (f.filed or pd.Timestamp.max, f.doc))
        for a in amendments:
            dates = {keys[i][0] for i in a.rows}
            target = _original(a, originals, amendments, target_of, dates, keys, notes)
            if target is None:
                notes.append(f"Form 4/A {a.doc}: no original filing found; its {len(a.rows)} row(s) kept as reported")
                slots[(*gkey, a.doc)] = list(a.rows)
                continue
            target_of[a.doc] = target
            applied += 1
            seen: dict[tuple, int] = {}
            for i in a.rows:
                n = seen.get(keys[i], 0)
                seen[keys[i]] = n + 1
                slot = slots[(*gkey, target)]
                same = [j for j in slot if keys[j] == keys[i]]
                rows_out[i]["amended_by"] = a.doc
                if n < len(same):
                    j = same[n]
                    rows_out[i]["first_filed"] = rows_out[j]["first_filed"]
                    slot[slot.index(j)] = i
                    restated += 1
                else:
                    slot.append(i)
                    added += 1
                    notes.append(f"Form 4/A {a.doc}: a transaction of {keys[i][0].date()} (code "
                                 f"{keys[i][1].upper() or '?'}) not in {target}: added")
    for positions in slots.values():
        first = min(positions) if positions else 0
        final += [(first, k, p) for k, p in enumerate(positions)]
    final.sort()
    merged = pd.DataFrame([rows_out[p] for _, _, p in final], columns=out.columns).astype(out.dtypes.to_dict())
    notes.insert(0, f"{applied} Form 4/A amendment(s) applied: {restated} transaction row(s) restated, {added} added")
    return merged.reset_index(drop=True), notes


def _original(a: _Filing, originals: list[_Filing], amendments: list[_Filing], target_of: dict[str, str],
              dates: set, keys: list[tuple], notes: list[str]) -> str | None:
    """The document an amendment amends (see :func:`merge_amendments`), or None."""
    def covering(fs):
        return [f for f in fs if dates & {keys[i][0] for i in f.rows}]

    def latest(fs):
        return max(fs, key=lambda f: (f.filed or pd.Timestamp.min, f.doc)).doc if fs else None

    if a.original_date is not None:
        same_day = [f for f in originals if f.filed == a.original_date]
        if same_day:
            return latest(covering(same_day) or same_day)
        earlier = [f for f in amendments if f.filed == a.original_date and f.doc in target_of]
        if earlier:
            return target_of[latest(earlier)]
        notes.append(f"Form 4/A {a.doc}: no filing of {a.original_date.date()} (its date of original "
                     "submission); matched by its transaction dates")
    before = [f for f in originals if f.filed is None or a.filed is None or f.filed <= a.filed]
    return latest(covering(before))


# --------------------------------------------------------------------------- late Form 4


def _business_days_after(start: dt.date, end: dt.date, calendar: str) -> int:
    """Business days d with start < d <= end."""
    from workbench.law.units import closed_day

    n, d = 0, start
    while d < end:
        d += dt.timedelta(days=1)
        if not closed_day(d, calendar):
            n += 1
    return n


def form4_deadline(trade: dt.date, deemed: dt.date | None = None, *,
                   calendar: str = CALENDAR) -> tuple[dt.date, str | None]:
    """The last day a Form 4 for the trade is on time, and a note when the deemed execution
    date was not used as stated (before the trade, or capped at the third business day)."""
    from workbench.law.units import add_business_days

    base, note = trade, None
    if deemed is not None and deemed != trade:
        cap = add_business_days(trade, DEEMED_CAP_BUSINESS_DAYS, calendar)
        if deemed < trade:
            note = f"deemed execution date {deemed} before the trade: not used"
        elif deemed > cap:
            base, note = cap, (f"deemed execution date {deemed} after the third business day ({cap}): "
                               "capped (Rule 16a-3(g)(2)/(3))")
        else:
            base = deemed
    return add_business_days(base, DUE_BUSINESS_DAYS, calendar), note


#: The table of late transactions the irregularities stage shows.
LATE_COLUMNS = ["insider", "date", "deadline", "filing_date", "business_days_late", "document"]


@dataclass
class Form4Timeliness:
    """Every late transaction (``table``), one finding per insider, and what was not judged."""

    findings: list[Finding]
    table: pd.DataFrame
    notes: list[str]


def _deferred(code: str, day: dt.date) -> DeferredCode | None:
    rule = DEFERRED_CODES.get(code)
    return rule if rule is not None and (rule.until is None or day < rule.until) else None


def form4_timeliness(trades: pd.DataFrame, *, calendar: str = CALENDAR) -> Form4Timeliness:
    """Judge when each transaction was reported against the Form 4 deadline.

    Amendments are merged first (:func:`merge_amendments`): a restated transaction is judged
    by when it was first reported, a transaction an amendment added by the amendment's
    filing date. A row with no filing date, and a code whose report may wait for Form 5
    (:data:`DEFERRED_CODES`), is not judged; the notes count them. A filing dated on a day
    EDGAR is closed counts as filed on the next business day.
    """
    empty = pd.DataFrame(columns=LATE_COLUMNS)
    if trades is None or len(trades) == 0:
        return Form4Timeliness([], empty, [])
    merged, notes = merge_amendments(trades)
    from workbench.law.units import closed_day

    late: dict[str, list[dict]] = {}
    judged: dict[str, int] = {}
    no_date: dict[str, int] = {}
    deferred: dict[str, int] = {}
    deemed_notes = 0
    deemed_col = _col(merged, "deemed_execution_date")
    undated = 0
    for k, r in enumerate(merged.itertuples(index=False)):
        name = str(r.insider_name)
        if _ts(r.transaction_date) is None:
            undated += 1
            continue
        day = _ts(r.transaction_date).date()
        code = _norm(r.transaction_code).upper()
        if _deferred(code, day):
            deferred[code] = deferred.get(code, 0) + 1
            continue
        filed = _ts(r.first_filed)
        if filed is None:
            no_date[name] = no_date.get(name, 0) + 1
            continue
        deemed = _ts(deemed_col.iloc[k])
        deadline, note = form4_deadline(day, deemed.date() if deemed is not None else None, calendar=calendar)
        deemed_notes += note is not None
        judged[name] = judged.get(name, 0) + 1
        on = filed.date()
        days_late = _business_days_after(deadline, on, calendar)
        if closed_day(on, calendar) and on > deadline:
            days_late += 1  # filed on a closed day: deemed filed on the next business day
        if days_late <= 0:
            continue
        doc = getattr(r, "document_id", None)
        late.setdefault(name, []).append({
            "date": day.isoformat(), "deadline": deadline.isoformat(), "filing_date": on.isoformat(),
            "business_days_late": days_late, "document": None if doc is None or pd.isna(doc) else str(doc),
            "transaction_code": code,
            "deemed_execution_date": deemed.date().isoformat() if deemed is not None else None,
            "deemed_date_note": note, "amended_by": None if pd.isna(r.amended_by) else str(r.amended_by),
        })
    findings = []
    for name in sorted(late):
        rows = sorted(late[name], key=lambda x: (x["date"], x["filing_date"]))
        worst = max(x["business_days_late"] for x in rows)
        findings.append(Finding(
            category="insider_trading", code="form4_filed_late",
            severity=severity(Exposure.STATUTORY, days_late=worst),
            title="Form 4 filed after its deadline",
            detail=(f"{name}: {len(rows)} of {judged[name]} transaction(s) judged were reported on Form 4 after "
                    "the end of the second business day following the trade (or its deemed execution date); "
                    f"the latest by {worst} business day(s)"
                    + (f"; {no_date[name]} transaction(s) with no filing date not judged" if no_date.get(name) else "")
                    + "."),
            subject=name, count=len(rows), unit=Unit.TRANSACTIONS, citation=CITATION,
            evidence={"late": rows, "transactions_judged": judged[name],
                      "not_judged_no_filing_date": no_date.get(name, 0), "calendar": calendar}))
    table = pd.DataFrame([{"insider": f.subject, **{c: x[c] for c in LATE_COLUMNS[1:]}}
                          for f in findings for x in f.evidence["late"]], columns=LATE_COLUMNS)
    out_notes = [n for n in notes if not n.startswith("0 Form 4/A")]
    if undated:
        out_notes.append(f"{undated} transaction(s) with no transaction date: Form 4 timeliness not judged")
    if sum(no_date.values()):
        out_notes.append(f"{sum(no_date.values())} transaction(s) with no filing date: Form 4 timeliness not judged")
    for code, n in sorted(deferred.items()):
        out_notes.append(f"{n} transaction(s) of code {code} not judged for Form 4 timeliness "
                         f"({DEFERRED_CODES[code].why}; {DEFERRED_CODES[code].citation}; confidence: medium)")
    if deemed_notes:
        out_notes.append(f"{deemed_notes} deemed execution date(s) not used as stated (see each late row)")
    return Form4Timeliness(findings, table, out_notes)


def late_form4_filings(trades: pd.DataFrame, *, calendar: str = CALENDAR) -> list[Finding]:
    """Form 4s filed late: one ``insider_trading`` finding (code ``form4_filed_late``, low)
    per insider, listing each late transaction with its date, deadline, filing date,
    business days late and document. See :func:`form4_timeliness` for what is not judged."""
    return form4_timeliness(trades, calendar=calendar).findings
