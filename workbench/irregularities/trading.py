"""Insider trading: SEC Form 4 filings read into one table, and sales in the breach window.

Two halves:

- :func:`read_form4` parses EDGAR ownership XML (Form 4 and 4/A, schemas X0306 to X0508)
  into a frame with the insider_trades columns of docs/data_contracts.md plus provenance.
  Files are parsed with :mod:`defusedxml`: a hostile (entity expansion, external entity)
  or malformed file yields a :class:`Form4Error` naming it, and the other files are read.
  Dates and numbers are kept as the filing writes them and typed by the one parser of
  :mod:`workbench.values` (through :func:`workbench.sources.type_frame`): a transaction
  with an invalid date or amount is a reject with its reason (a :class:`Form4Error`
  naming the file, row and field), never a silently dropped sale. Two EDGAR forms are
  translated first, documented where they are: an XML Schema date may carry a timezone
  (``2017-08-01-05:00``: the calendar date is kept), and the SEC header writes its
  filing date ``YYYYMMDD``.
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
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import InputError
from workbench.findings import Finding

log = logging.getLogger("workbench.irregularities.trading")

#: Columns of the insider_trades data contract (the CSV form).
CONTRACT_COLUMNS: tuple[str, ...] = (
    "insider_name", "insider_title", "is_officer", "is_director", "transaction_date",
    "transaction_code", "shares", "price", "acquired_disposed", "shares_owned_after",
    "plan_10b5_1", "filing_date",
)
#: Provenance and detail columns :func:`read_form4` adds.
FORM4_COLUMNS: tuple[str, ...] = CONTRACT_COLUMNS + (
    "is_ten_percent_owner", "insider_cik", "issuer_cik", "issuer_name", "issuer_ticker",
    "security_title", "is_derivative", "direct_indirect", "aff10b5one",
    "footnote_10b5_1", "footnote_ids", "document_type", "is_amendment",
    "date_of_original_submission", "schema_version", "accession", "document_id",
    "owner_count", "transaction_index", "file",
)

#: Largest ownership document accepted (real ones are a few kB to a few hundred kB).
MAX_FORM4_BYTES = 5_000_000

#: A footnote that mentions Rule 10b5-1 (not 10b5-10...), and one that denies a plan.
_RULE_10B5_1 = re.compile(r"10b5-1(?!\d)", re.IGNORECASE)
_NO_PLAN = re.compile(r"\bnot\b[^.;]{0,60}10b5-1(?!\d)|10b5-1(?!\d)[^.;]{0,20}\bdid not\b", re.IGNORECASE)
_ACCESSION = re.compile(r"\d{10}-\d{2}-\d{6}")
_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n"}

CITATION = ("Securities Exchange Act of 1934 s.10(b) and Rule 10b-5 (17 CFR 240.10b-5); "
            "Rule 10b5-1(c) trading-plan defence; Form 4 under s.16(a)")


class Form4Error(InputError):
    """One Form 4 file could not be read (malformed, hostile or not an ownership document)."""


# --------------------------------------------------------------------------- parsing


def _text(el, path: str) -> str | None:
    """Text of ``path`` below ``el``, trying ``path/value`` first (EDGAR wraps most fields)."""
    if el is None:
        return None
    node = el.find(path + "/value")
    if node is None:
        node = el.find(path)
    if node is None or node.text is None:
        return None
    value = node.text.strip()
    return value or None


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


#: An XML Schema date (``xs:date``) may end with a timezone: ``Z`` or ``+hh:mm``/``-hh:mm``.
_XS_DATE_ZONE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})$")


def _date(value: str | None) -> str | None:
    """An EDGAR date as text for the date parser: the timezone an ``xs:date`` may carry
    (``2017-08-01-05:00``) dropped, the calendar date kept; anything else as written (the
    parser rejects what is not a date)."""
    if not value:
        return None
    m = _XS_DATE_ZONE.match(value.strip())
    return m.group(1) if m else value


def _header_date(value: str) -> str:
    """The SEC header's ``FILED AS OF DATE`` (``YYYYMMDD``) as ``YYYY-MM-DD``."""
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}"


def _split_submission(data: bytes) -> tuple[bytes, dict[str, str]]:
    """The XML part of a full EDGAR submission (.txt with SEC header), and header facts."""
    header: dict[str, str] = {}
    start = data.find(b"<XML>")
    if start < 0:
        return data, header
    head = data[:start].decode("latin-1", "replace")
    for key, pattern in (("accession", r"ACCESSION NUMBER:\s*(\S+)"),
                         ("filing_date", r"FILED AS OF DATE:\s*(\d{8})")):
        m = re.search(pattern, head)
        if m:
            header[key] = m.group(1)
    end = data.find(b"</XML>", start)
    body = data[start + len(b"<XML>"): end if end > 0 else len(data)]
    return body.strip(), header


def _parse_document(data: bytes, file: str) -> list[dict[str, Any]]:
    """Rows (one per transaction per reporting owner) of one ownership document."""
    import defusedxml
    import defusedxml.ElementTree as DET
    from xml.etree.ElementTree import ParseError

    body, header = _split_submission(data)
    try:
        root = DET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as err:
        raise Form4Error(file, f"refused hostile XML ({type(err).__name__}: {err})",
                         expected="an EDGAR ownership document without entity declarations") from None
    except ParseError as err:
        raise Form4Error(file, f"malformed XML ({err})", expected="well-formed EDGAR ownership XML") from None
    if root.tag != "ownershipDocument":
        raise Form4Error(file, f"root element is <{root.tag}>", expected="<ownershipDocument>")

    doc_type = _text(root, "documentType") or ""
    footnotes = {fn.get("id"): " ".join("".join(fn.itertext()).split())
                 for fn in root.iter("footnote") if fn.get("id")}
    # Filing date is not in the XML itself: the SEC header has it; else the signature date.
    filing = header.get("filing_date")
    filing_date = _header_date(filing) if filing else _date(_text(root, "ownerSignature/signatureDate"))
    m = _ACCESSION.search(header.get("accession", "") or Path(file).name)
    accession = m.group(0) if m else None
    doc = {
        "document_type": doc_type,
        "is_amendment": doc_type.upper().endswith("/A"),
        "date_of_original_submission": _date(_text(root, "dateOfOriginalSubmission")),
        "schema_version": _text(root, "schemaVersion"),
        "issuer_cik": _text(root, "issuer/issuerCik"),
        "issuer_name": _text(root, "issuer/issuerName"),
        "issuer_ticker": _text(root, "issuer/issuerTradingSymbol"),
        "aff10b5one": _flag(_text(root, "aff10b5One")),
        "filing_date": filing_date,
        "accession": accession,
        "document_id": accession or Path(file).stem,
        "file": file,
    }
    owners = []
    for owner in root.findall("reportingOwner"):
        rel = owner.find("reportingOwnerRelationship")
        owners.append({
            "insider_name": _text(owner, "reportingOwnerId/rptOwnerName"),
            "insider_cik": _text(owner, "reportingOwnerId/rptOwnerCik"),
            "insider_title": _text(rel, "officerTitle") or _text(rel, "otherText"),
            "is_officer": bool(_flag(_text(rel, "isOfficer"))),
            "is_director": bool(_flag(_text(rel, "isDirector"))),
            "is_ten_percent_owner": bool(_flag(_text(rel, "isTenPercentOwner"))),
        })
    if not owners:
        raise Form4Error(file, "no <reportingOwner> element", expected="at least one reporting owner")
    doc["owner_count"] = len(owners)

    transactions = []
    for table, tag, derivative in (("nonDerivativeTable", "nonDerivativeTransaction", False),
                                   ("derivativeTable", "derivativeTransaction", True)):
        for txn in root.findall(f"{table}/{tag}"):
            ids = sorted({f.get("id") for f in txn.iter("footnoteId") if f.get("id")})
            notes = [footnotes.get(i, "") for i in ids]
            mention = any(_RULE_10B5_1.search(n) and not _NO_PLAN.search(n) for n in notes)
            denial = any(_NO_PLAN.search(n) for n in notes)
            if doc["aff10b5one"] is not None:
                plan = doc["aff10b5one"] or mention
            else:
                plan = True if mention else (False if denial else None)
            shares = _text(txn, "transactionAmounts/transactionShares")
            transactions.append({
                "is_derivative": derivative,
                "security_title": _text(txn, "securityTitle"),
                "transaction_date": _date(_text(txn, "transactionDate")),
                "transaction_code": _text(txn, "transactionCoding/transactionCode"),
                "shares": shares,
                "price": _text(txn, "transactionAmounts/transactionPricePerShare"),
                "acquired_disposed": _text(txn, "transactionAmounts/transactionAcquiredDisposedCode"),
                "shares_owned_after": _text(txn, "postTransactionAmounts/sharesOwnedFollowingTransaction"),
                "direct_indirect": _text(txn, "ownershipNature/directOrIndirectOwnership"),
                "footnote_10b5_1": mention,
                "footnote_ids": " ".join(ids),
                "plan_10b5_1": plan,
            })
    rows = []
    for i, txn in enumerate(transactions, start=1):
        for owner in owners:
            rows.append({**doc, **owner, **txn, "transaction_index": i})
    return rows


def parse_form4(data: bytes, name: str = "<bytes>") -> list[dict[str, Any]]:
    """Rows of one ownership document given as bytes; raises :class:`Form4Error` naming ``name``."""
    if len(data) > MAX_FORM4_BYTES:
        raise Form4Error(name, f"document is {len(data)} bytes", expected=f"at most {MAX_FORM4_BYTES}")
    return _parse_document(data, name)


def _form4_files(paths: str | Path | Iterable[str | Path]) -> tuple[list[Path], list[Form4Error]]:
    """The filings to read, and one error per symbolic link in a folder that leads out of
    it or to nothing (never followed: a folder's filings are the files it holds)."""
    from workbench.folders import EntryKind, walk

    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    refused: list[Form4Error] = []
    for p in map(Path, paths):
        if not p.is_dir():
            files.append(p)
            continue
        for entry in walk(p):
            if entry.kind == EntryKind.LINK_OUTSIDE:
                refused.append(Form4Error(str(entry.path), f"a symbolic link to {entry.target}, outside the folder {p}; "
                                          "not followed", expected="filings stored inside the Form 4 folder"))
            elif entry.path.suffix.lower() not in (".xml", ".txt"):
                continue
            elif entry.kind == EntryKind.LINK_BROKEN:
                refused.append(Form4Error(str(entry.path), f"a symbolic link to {entry.target}, which does not exist"))
            else:
                files.append(entry.path)
    return files, refused


def empty_form4_frame() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=list(FORM4_COLUMNS)))[0][list(FORM4_COLUMNS)]


#: Provenance columns typed beyond the contract's (dates as filed).
_EXTRA_KINDS = {"date_of_original_submission": "date"}


def _form4_schema():
    """The columns parsed from filed text: the contract's, but ``plan_10b5_1``, which
    :func:`parse_form4` derives as a boolean (a CSV gives it as text), plus provenance dates."""
    from workbench.sources import SCHEMAS, Column, InputSchema

    base = SCHEMAS["insider_trades"]
    cols = tuple(c for c in base.columns if c.name != "plan_10b5_1")
    return InputSchema(base.name, cols + tuple(Column(c, k) for c, k in _EXTRA_KINDS.items()), base.key)


def _typed(frame: pd.DataFrame, file: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type parsed rows: dates and numbers by the one parser (:func:`workbench.sources.type_frame`),
    the provenance flags and counts here. Returns (accepted rows with ``source_row``, rejects)."""
    from workbench.sources import type_frame

    raw = frame.reindex(columns=list(FORM4_COLUMNS))
    for c in ("is_officer", "is_director", "is_ten_percent_owner", "is_derivative",
              "is_amendment", "footnote_10b5_1", "plan_10b5_1", "aff10b5one"):
        raw[c] = raw[c].astype("boolean")
    for c in ("owner_count", "transaction_index"):
        raw[c] = raw[c].astype("Int64")
    for c in ("insider_cik", "issuer_cik", "issuer_name", "issuer_ticker", "security_title", "direct_indirect",
              "footnote_ids", "document_type", "schema_version", "accession", "document_id", "file"):
        raw[c] = raw[c].astype("str")
    out, rejects = type_frame(raw, _form4_schema(), file=file, first_row=1, keep_extra=True)
    if len(rejects):  # each reject names its own filing
        rejects["file"] = raw["file"].to_numpy()[rejects["row"].to_numpy(dtype="int64") - 1]
    return out, rejects


def form4_table(paths: str | Path | Iterable[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame, list[Form4Error]]:
    """Every transaction of the filings: (accepted rows typed, with ``source_row``;
    rejected rows in the sources reject shape; files that could not be read).

    Rows are numbered 1.. in file order (files sorted by path, transactions as filed, one
    row per reporting owner); rejected rows keep their numbers, so the accepted rows'
    ``source_row`` and the rejects' ``row`` together count every transaction read.
    """
    rows: list[dict[str, Any]] = []
    files, errors = _form4_files(paths)
    for err in errors:
        log.warning("%s", err)
    for f in files:
        name = str(f)
        try:
            if not f.is_file():
                raise Form4Error(name, "file not found")
            if f.stat().st_size > MAX_FORM4_BYTES:
                raise Form4Error(name, f"file is {f.stat().st_size} bytes", expected=f"at most {MAX_FORM4_BYTES}")
            rows += parse_form4(f.read_bytes(), name)
        except Form4Error as err:
            log.debug("%s", err)
            errors.append(err)
    frame, rejects = _typed(pd.DataFrame(rows, columns=list(FORM4_COLUMNS)))
    return frame, rejects, errors


def read_form4(paths: str | Path | Iterable[str | Path]) -> tuple[pd.DataFrame, list[Form4Error]]:
    """Read SEC Form 4 / 4/A ownership XML files into one transactions frame.

    Parameters
    ----------
    paths
        A file, a folder (every ``*.xml`` / ``*.txt`` below it) or a list of either. In a
        folder, a symbolic link leading out of the folder (or to nothing) is never followed:
        it is one of the ``errors``, naming the link and its target.
        A ``.txt`` full EDGAR submission is accepted: its ``<XML>`` part is read and the
        SEC header gives the accession number and filing date.

    Returns
    -------
    (frame, errors)
        ``frame`` has one row per transaction per reporting owner (a joint filing by two
        owners gives each owner the row; ``owner_count`` says so), non-derivative and
        derivative tables alike (``is_derivative``), with the contract columns
        (:data:`CONTRACT_COLUMNS`) and provenance (:data:`FORM4_COLUMNS`).
        ``plan_10b5_1`` is True when the ``aff10b5One`` box is ticked or a footnote of the
        transaction says it was made under a Rule 10b5-1 plan, False when the box is
        present and unticked (or a footnote denies a plan), missing when unknown.
        ``filing_date`` comes from the SEC header when present, else the signature date.
        ``errors`` holds one :class:`Form4Error` per file that could not be read (the
        other files are still read) and one per transaction rejected for an invalid
        date or number (``row``, ``field`` and the reason set; the row is not in ``frame``).
    """
    frame, rejects, errors = form4_table(paths)
    for r in rejects.itertuples(index=False):
        errors.append(Form4Error(r.file, f"transaction row {r.row} rejected: {r.reason}", row=int(r.row),
                                 field=r.field))
    return frame[list(FORM4_COLUMNS)], errors


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
        return "plan" if v in _TRUE else "no_plan" if v in _FALSE else "unknown"
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
