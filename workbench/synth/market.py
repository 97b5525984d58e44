"""The organisation's side of the story: share prices, insider trades (Form 4 XML and CSV),
compensation awards and official public messages. Small tables, built row by row."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import holidays
import numpy as np

from workbench.synth import scenario as sc

D = dt.date


def trading_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """NYSE trading days (weekdays that are not NYSE holidays) from start to end inclusive."""
    closed = holidays.financial_holidays("NYSE", years=range(start.year, end.year + 1))
    days, d = [], start
    while d <= end:
        if d.weekday() < 5 and d not in closed:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def add_business_days(day: dt.date, n: int) -> dt.date:
    days = trading_days(day + dt.timedelta(days=1), day + dt.timedelta(days=3 * n + 10))
    return days[n - 1]


# Anchor closes (date, price): a steady rise before disclosure, a sharp drop after it
# (disclosure after the close on 2017-09-07), a partial recovery.
_ANCHORS = ((D(2017, 1, 3), 118.0), (D(2017, 5, 12), 136.0), (D(2017, 7, 28), 144.5),
            (D(2017, 8, 1), 146.2), (D(2017, 9, 7), 142.7), (D(2017, 9, 8), 123.2),
            (D(2017, 9, 15), 92.9), (D(2017, 11, 15), 111.0), (D(2018, 1, 31), 118.5),
            (D(2018, 4, 30), 116.0))


def share_prices(seed: int) -> list[dict]:
    """Daily closes from 2017-01-03 to 2018-04-30 (after the audit date)."""
    rng = np.random.default_rng([seed, 5])
    days = trading_days(_ANCHORS[0][0], _ANCHORS[-1][0])
    x = np.array([d.toordinal() for d in days], float)
    ax = np.array([a.toordinal() for a, _ in _ANCHORS], float)
    ay = np.log([p for _, p in _ANCHORS])
    noise = rng.normal(0.0, 0.006, len(days))
    anchored = np.isin(x, ax)
    noise[anchored] = 0.0  # anchors are exact, so the drop after disclosure is certain
    close = np.exp(np.interp(x, ax, ay) + noise)
    return [{"date": d.isoformat(), "close": f"{c:.2f}"} for d, c in zip(days, close)]


@dataclass(frozen=True)
class Insider:
    name: str              # as in the CSV (natural order)
    edgar_name: str        # rptOwnerName as EDGAR writes it (LAST FIRST MIDDLE)
    cik: str
    title: str | None
    is_officer: bool
    is_director: bool
    holding: int           # shares owned on 2017-01-01


INSIDERS = (
    Insider("Casey M. Harrington", "Harrington Casey M", "0001700001", "Chairman and Chief Executive Officer", True, True, 210_000),
    Insider("Jordan A. Whitfield", "Whitfield Jordan A", "0001700002", "Chief Financial Officer", True, False, 42_000),
    Insider("Morgan L. Castellano", "Castellano Morgan L", "0001700003", "President, U.S. Information Services", True, False, 31_000),
    Insider("Riley T. Okafor", "Okafor Riley T", "0001700004", "President, Workforce Services", True, False, 19_500),
    Insider("Avery K. Lindqvist", "Lindqvist Avery K", "0001700005", "Chief Information Officer", True, False, 15_200),
    Insider("Dana P. Whitaker", "Whitaker Dana P", "0001700006", None, False, True, 8_400),
)
_BY_NAME = {i.name: i for i in INSIDERS}

#: (insider, date, code, shares, plan_10b5_1, truth kind or None). Kinds name the planted
#: facts; routine grants (code A) are clean rows outside every window.
TRADES = (
    ("Casey M. Harrington", D(2017, 2, 15), "A", 24_000, False, None),
    ("Jordan A. Whitfield", D(2017, 2, 15), "A", 6_000, False, None),
    ("Morgan L. Castellano", D(2017, 2, 15), "A", 4_500, False, None),
    ("Riley T. Okafor", D(2017, 2, 15), "A", 3_000, False, None),
    ("Avery K. Lindqvist", D(2017, 2, 15), "A", 2_500, False, None),
    ("Casey M. Harrington", D(2017, 3, 10), "S", 10_000, False, "control_sale_outside_window"),
    ("Jordan A. Whitfield", D(2017, 8, 1), "S", 6_500, False, "insider_sale_in_window"),
    ("Morgan L. Castellano", D(2017, 8, 1), "S", 4_000, False, "insider_sale_in_window"),
    ("Riley T. Okafor", D(2017, 8, 2), "S", 1_700, False, "insider_sale_in_window"),
    ("Avery K. Lindqvist", D(2017, 8, 14), "S", 2_000, True, "insider_sale_in_window_10b5_1"),
    ("Dana P. Whitaker", D(2017, 8, 22), "P", 1_000, False, "control_purchase_in_window"),
    ("Dana P. Whitaker", D(2017, 11, 15), "S", 500, False, "control_sale_outside_window"),
)
PLAN_ADOPTED = D(2017, 3, 6)


def trade_rows(prices: list[dict]) -> list[dict]:
    """The trades with prices, holdings after each, filing dates and accession numbers."""
    close = {r["date"]: float(r["close"]) for r in prices}
    held = {i.name: i.holding for i in INSIDERS}
    rows = []
    for seq, (name, day, code, shares, plan, kind) in enumerate(sorted(TRADES, key=lambda t: (t[1], t[0]))):
        ins = _BY_NAME[name]
        acquired = code in ("A", "P", "M")
        held[name] += shares if acquired else -shares
        price = 0.0 if code == "A" else close[day.isoformat()]
        rows.append({
            "insider": ins, "kind": kind, "insider_name": name, "insider_title": ins.title or "Director",
            "is_officer": ins.is_officer, "is_director": ins.is_director,
            "transaction_date": day, "transaction_code": code, "shares": shares, "price": price,
            "acquired_disposed": "A" if acquired else "D", "shares_owned_after": held[name],
            "plan_10b5_1": plan, "filing_date": add_business_days(day, 2),
            "accession": f"0000950103-17-{1201 + seq:06d}",
        })
    return rows


def trades_csv_rows(rows: list[dict]) -> list[dict]:
    return [{"insider_name": r["insider_name"], "insider_title": r["insider_title"],
             "is_officer": str(r["is_officer"]).lower(), "is_director": str(r["is_director"]).lower(),
             "transaction_date": r["transaction_date"].isoformat(), "transaction_code": r["transaction_code"],
             "shares": r["shares"], "price": f"{r['price']:.2f}", "acquired_disposed": r["acquired_disposed"],
             "shares_owned_after": r["shares_owned_after"], "plan_10b5_1": str(r["plan_10b5_1"]).lower(),
             "filing_date": r["filing_date"].isoformat()} for r in rows]


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    e = ET.SubElement(parent, tag, attrs)
    if text is not None:
        e.text = text
    return e


def _value(parent: ET.Element, tag: str, text: str, footnote: str | None = None) -> ET.Element:
    e = _el(parent, tag)
    _el(e, "value", text)
    if footnote:
        _el(e, "footnoteId", id=footnote)
    return e


def form4_xml(row: dict) -> bytes:
    """One Form 4 ownership document (EDGAR schema X0508) for one transaction."""
    ins: Insider = row["insider"]
    day = row["transaction_date"].isoformat()
    doc = ET.Element("ownershipDocument")
    _el(doc, "schemaVersion", "X0508")
    _el(doc, "documentType", "4")
    _el(doc, "periodOfReport", day)
    _el(doc, "notSubjectToSection16", "0")
    issuer = _el(doc, "issuer")
    _el(issuer, "issuerCik", sc.ISSUER_CIK)
    _el(issuer, "issuerName", sc.ORG_NAME)
    _el(issuer, "issuerTradingSymbol", sc.TICKER)
    owner = _el(doc, "reportingOwner")
    oid = _el(owner, "reportingOwnerId")
    _el(oid, "rptOwnerCik", ins.cik)
    _el(oid, "rptOwnerName", ins.edgar_name)
    addr = _el(owner, "reportingOwnerAddress")
    _el(addr, "rptOwnerStreet1", "1550 Example Plaza NW")
    _el(addr, "rptOwnerStreet2", "")
    _el(addr, "rptOwnerCity", "ATLANTA")
    _el(addr, "rptOwnerState", "GA")
    _el(addr, "rptOwnerZipCode", "30309")
    _el(addr, "rptOwnerStateDescription", "")
    rel = _el(owner, "reportingOwnerRelationship")
    _el(rel, "isDirector", "1" if ins.is_director else "0")
    _el(rel, "isOfficer", "1" if ins.is_officer else "0")
    _el(rel, "isTenPercentOwner", "0")
    _el(rel, "isOther", "0")
    if ins.is_officer and ins.title:
        _el(rel, "officerTitle", ins.title)
    _el(doc, "aff10b5One", "1" if row["plan_10b5_1"] else "0")

    footnotes: list[tuple[str, str]] = []
    plan_note = price_note = None
    if row["plan_10b5_1"]:
        plan_note = f"F{len(footnotes) + 1}"
        footnotes.append((plan_note, "The sales reported on this Form 4 were effected pursuant to a Rule 10b5-1 "
                                     f"trading plan adopted by the reporting person on {PLAN_ADOPTED:%B} {PLAN_ADOPTED.day}, {PLAN_ADOPTED.year}."))
    if row["transaction_code"] in ("S", "P"):
        price_note = f"F{len(footnotes) + 1}"
        low, high = row["price"] - 0.35, row["price"] + 0.41
        footnotes.append((price_note, "The price reported is a weighted average price. The shares were traded in "
                                      f"multiple transactions at prices ranging from ${low:.2f} to ${high:.2f}, inclusive."))
    if row["transaction_code"] == "A":
        price_note = f"F{len(footnotes) + 1}"
        footnotes.append((price_note, "Restricted stock units granted under the issuer's 2017 Omnibus Incentive Plan; "
                                      "each unit represents the right to receive one share of common stock."))

    table = _el(doc, "nonDerivativeTable")
    tx = _el(table, "nonDerivativeTransaction")
    _value(tx, "securityTitle", "Common Stock")
    _value(tx, "transactionDate", day)
    coding = _el(tx, "transactionCoding")
    _el(coding, "transactionFormType", "4")
    _el(coding, "transactionCode", row["transaction_code"])
    _el(coding, "equitySwapInvolved", "0")
    if plan_note:
        _el(coding, "footnoteId", id=plan_note)
    amounts = _el(tx, "transactionAmounts")
    _value(amounts, "transactionShares", str(row["shares"]))
    _value(amounts, "transactionPricePerShare", f"{row['price']:.2f}", price_note)
    _value(amounts, "transactionAcquiredDisposedCode", row["acquired_disposed"])
    post = _el(tx, "postTransactionAmounts")
    _value(post, "sharesOwnedFollowingTransaction", str(row["shares_owned_after"]))
    nature = _el(tx, "ownershipNature")
    _value(nature, "directOrIndirectOwnership", "D")
    if footnotes:
        notes = _el(doc, "footnotes")
        for fid, text in footnotes:
            _el(notes, "footnote", text, id=fid)
    _el(doc, "remarks", "")
    sig = _el(doc, "ownerSignature")
    _el(sig, "signatureName", f"/s/ Pat Q. Example, Attorney-in-Fact for {ins.name}")
    _el(sig, "signatureDate", row["filing_date"].isoformat())
    ET.indent(doc, space="  ")
    return b'<?xml version="1.0"?>\n' + ET.tostring(doc, encoding="utf-8", xml_declaration=False) + b"\n"


# Compensation: (person, title, date, kind, amount, truth kind).
AWARDS = (
    ("Casey M. Harrington", "Chairman and Chief Executive Officer", D(2016, 2, 17), "bonus", 1_280_000, "control_award_outside_window"),
    ("Casey M. Harrington", "Chairman and Chief Executive Officer", D(2017, 2, 15), "bonus", 1_350_000, "control_award_outside_window"),
    ("Casey M. Harrington", "Chairman and Chief Executive Officer", D(2017, 2, 15), "equity", 6_200_000, "control_award_outside_window"),
    ("Jordan A. Whitfield", "Chief Financial Officer", D(2017, 2, 15), "bonus", 640_000, "control_award_outside_window"),
    ("Jordan A. Whitfield", "Chief Financial Officer", D(2017, 2, 15), "equity", 1_800_000, "control_award_outside_window"),
    ("Morgan L. Castellano", "President, U.S. Information Services", D(2017, 2, 15), "bonus", 520_000, "control_award_outside_window"),
    ("Riley T. Okafor", "President, Workforce Services", D(2017, 2, 15), "bonus", 410_000, "control_award_outside_window"),
    ("Casey M. Harrington", "Chairman and Chief Executive Officer", D(2017, 9, 26), "retirement", 18_400_000, "award_in_crisis_window"),
)


def compensation_rows() -> list[dict]:
    return [{"person": p, "title": t, "award_date": d.isoformat(), "kind": k, "amount_usd": a}
            for p, t, d, k, a, _ in AWARDS]


# Official messages: (id, channel, published_at, account, text, truth kind).
_SITE = "https://www.example-breach-2017.com"
MESSAGES = (
    ("M0001", "press_release", "2017-09-07T21:10:00Z", "Example Credit Bureau Inc.",
     f"Example Credit Bureau Inc. announces a cybersecurity incident involving consumer information. "
     f"Consumers can check whether they are affected at {_SITE} and find identity-theft guidance at "
     f"https://www.identitytheft.gov", "control_government_link"),
    ("M0002", "website", "2017-09-07T21:15:00Z", "example.com",
     f"Cybersecurity incident and important consumer information: {_SITE}/faq", None),
    ("M0003", "twitter", "2017-09-07T21:30:00Z", "@ExampleCB",
     f"We have set up a dedicated website to help consumers: {_SITE}", None),
    ("M0004", "twitter", "2017-09-08T14:02:00Z", "@ExampleCB",
     "Find out how to place a security freeze: https://help.example.com/security-freeze",
     "control_official_subdomain_link"),
    ("M0005", "email", "2017-09-09T16:00:00Z", "notices@example.com",
     f"Enroll in free credit monitoring: {_SITE}/enroll . The FTC explains your options at https://www.ftc.gov",
     "control_government_link"),
    ("M0006", "twitter", "2017-09-19T18:45:00Z", "@ExampleCB",
     "Sorry for the confusion. Please visit https://www.securityexample-breach2017.com to check your status.",
     "lookalike_link"),
    ("M0007", "twitter", "2017-09-20T13:20:00Z", "@ExampleCB",
     f"Our call centre hours are extended. Details: {_SITE}/support", None),
    ("M0008", "press_release", "2017-09-26T12:00:00Z", "Example Credit Bureau Inc.",
     "Example Credit Bureau Inc. announces the retirement of its Chairman and Chief Executive Officer. "
     "https://www.example.com/newsroom", None),
)
LOOKALIKE_TWEET_DOMAIN = "securityexample-breach2017.com"


def message_rows() -> list[dict]:
    return [{"message_id": m, "channel": c, "published_at": p, "account": a, "text": t}
            for m, c, p, a, t, _ in MESSAGES]
