"""SEC Form 4 filings read into one table: the insider_trades input given as EDGAR ownership XML.

:func:`read_form4` parses EDGAR ownership XML (Form 4 and 4/A, schemas X0306 to X0508)
into a frame with the insider_trades columns of docs/data_contracts.md plus provenance.
Files are parsed with :mod:`defusedxml`: a hostile (entity expansion, external entity)
or malformed file yields a :class:`Form4Error` naming it, and the other files are read.
Dates and numbers are kept as the filing writes them and typed by the one parser of
:mod:`workbench.values` (through :func:`workbench.schemas.type_frame`): a transaction
with an invalid date or amount is a reject with its reason (a :class:`Form4Error`
naming the file, row and field), never a silently dropped sale. Two EDGAR forms are
translated first, documented where they are: an XML Schema date may carry a timezone
(``2017-08-01-05:00``: the calendar date is kept), and the SEC header writes its
filing date ``YYYYMMDD``.

A reader, below the checks: :mod:`workbench.sources` reads a Form 4 folder through
:func:`form4_table`, ``workbench case check`` looks at each filing with :func:`parse_form4`,
and the insider-trading check (:mod:`workbench.irregularities.trading`) reads the table.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.errors import InputError
from workbench.form4_notes import footnote_price, footnote_range, plan_dates
from workbench.schemas import SCHEMAS, Column, InputSchema, type_frame
from workbench.values import DECIMAL_PATTERN

log = logging.getLogger("workbench.form4")

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
    # depth (issue 17): ownership lines, derivative terms, footnoted prices, plan dates
    "nature_of_ownership", "shares_owned_other_lines", "exercise_price", "exercise_date",
    "expiration_date", "underlying_title", "underlying_shares", "deemed_execution_date",
    "price_source", "price_low", "price_high", "plan_adopted", "plan_modified", "plan_date_text",
)

#: Largest ownership document accepted (real ones are a few kB to a few hundred kB).
MAX_FORM4_BYTES = 5_000_000

#: A footnote that mentions Rule 10b5-1 (not 10b5-10...), and one that denies a plan.
_RULE_10B5_1 = re.compile(r"10b5-1(?!\d)", re.IGNORECASE)
_NO_PLAN = re.compile(r"\bnot\b[^.;]{0,60}10b5-1(?!\d)|10b5-1(?!\d)[^.;]{0,20}\bdid not\b", re.IGNORECASE)
_ACCESSION = re.compile(r"\d{10}-\d{2}-\d{6}")
#: How a flag is written as text (a filing's ``<value>``, the contract CSV's ``plan_10b5_1``).
TRUE_TEXTS = frozenset({"1", "true", "t", "yes", "y"})
FALSE_TEXTS = frozenset({"0", "false", "f", "no", "n"})

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
    if v in TRUE_TEXTS:
        return True
    if v in FALSE_TEXTS:
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



def _note_ids(el) -> list[str]:
    """The footnote ids one element (and its children) refers to."""
    if el is None:
        return []
    return sorted({f.get("id") for f in el.iter("footnoteId") if f.get("id")})


_AMOUNT = re.compile(DECIMAL_PATTERN)


def _amount(value: str | None) -> float | None:
    """A holding as a number, or None when it is not given or not a number."""
    if value is None or not _AMOUNT.match(value.strip()):
        return None
    return float(value.strip().replace(",", ""))


def _key(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _line(direct_indirect: str | None, nature: str | None) -> tuple[str, str]:
    """An ownership line: direct or indirect, and the nature of the indirect ownership."""
    return ((direct_indirect or "").strip().upper(), _key(nature))


def _other_lines(root) -> dict[tuple[str, tuple[str, str]], float | None]:
    """Per (security title, ownership line) of the non-derivative table: the holdings of the
    filing's OTHER lines of that security after the reported transactions (0.0 when there
    is no other line; None when one of them states no readable amount).

    A line's holding is its ``nonDerivativeHolding`` amount, else the post-transaction amount
    of its last transaction in document order. Holding rows are not transactions: they only
    feed this sum.
    """
    held: dict[str, dict[tuple[str, str], float | None]] = {}
    from_holding: set[tuple[str, tuple[str, str]]] = set()
    for tag in ("nonDerivativeTransaction", "nonDerivativeHolding"):  # holdings win over transactions
        for el in root.findall(f"nonDerivativeTable/{tag}"):
            title = _key(_text(el, "securityTitle"))
            line = _line(_text(el, "ownershipNature/directOrIndirectOwnership"),
                         _text(el, "ownershipNature/natureOfOwnership"))
            amount = _amount(_text(el, "postTransactionAmounts/sharesOwnedFollowingTransaction"))
            if tag == "nonDerivativeHolding":
                if (title, line) in from_holding and held[title][line] is not None and amount is not None:
                    amount += held[title][line]  # the same line given twice: both rows count
                from_holding.add((title, line))
            held.setdefault(title, {})[line] = amount
    out: dict[tuple[str, tuple[str, str]], float | None] = {}
    for title, lines in held.items():
        for line in lines:
            others = [v for k, v in lines.items() if k != line]
            out[(title, line)] = None if any(v is None for v in others) else float(sum(others))
    return out


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

    remarks = " ".join("".join(root.find("remarks").itertext()).split()) if root.find("remarks") is not None else ""
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
            price_el = txn.find("transactionAmounts/transactionPricePerShare")
            price_notes = [footnotes.get(i, "") for i in _note_ids(price_el)]
            price = _text(txn, "transactionAmounts/transactionPricePerShare")
            source = "table" if price is not None else None
            if price is None:  # a weighted-average price given only in a footnote
                stated = footnote_price(price_notes) if price_notes else None
                stated = stated if stated is not None else footnote_price(notes)
                if stated is not None:
                    price, source = repr(stated), "footnote"
            low, high = footnote_range(price_notes)
            if low is None:
                low, high = footnote_range(notes)
            # plan dates: the transaction's footnotes, else the remarks when they speak of 10b5-1
            dates = plan_dates(notes)
            if dates.adopted is None and dates.adopted_text is None and _RULE_10B5_1.search(remarks):
                dates = plan_dates([remarks])
            transactions.append({
                "is_derivative": derivative,
                "security_title": _text(txn, "securityTitle"),
                "transaction_date": _date(_text(txn, "transactionDate")),
                "deemed_execution_date": _date(_text(txn, "deemedExecutionDate")),
                "transaction_code": _text(txn, "transactionCoding/transactionCode"),
                "shares": shares,
                "price": price,
                "price_source": source,
                "price_low": low,
                "price_high": high,
                "acquired_disposed": _text(txn, "transactionAmounts/transactionAcquiredDisposedCode"),
                "shares_owned_after": _text(txn, "postTransactionAmounts/sharesOwnedFollowingTransaction"),
                "direct_indirect": _text(txn, "ownershipNature/directOrIndirectOwnership"),
                "nature_of_ownership": _text(txn, "ownershipNature/natureOfOwnership"),
                "exercise_price": _text(txn, "conversionOrExercisePrice") if derivative else None,
                "exercise_date": _date(_text(txn, "exerciseDate")) if derivative else None,
                "expiration_date": _date(_text(txn, "expirationDate")) if derivative else None,
                "underlying_title": _text(txn, "underlyingSecurity/underlyingSecurityTitle") if derivative else None,
                "underlying_shares": _text(txn, "underlyingSecurity/underlyingSecurityShares") if derivative else None,
                "footnote_10b5_1": mention,
                "footnote_ids": " ".join(ids),
                "plan_10b5_1": plan,
                "plan_adopted": dates.adopted.isoformat() if dates.adopted else None,
                "plan_modified": dates.modified.isoformat() if dates.modified else None,
                "plan_date_text": "; ".join(t for t in (dates.adopted_text, dates.modified_text) if t) or None,
            })
    other_lines = _other_lines(root)
    for txn in transactions:
        if not txn["is_derivative"]:
            txn["shares_owned_other_lines"] = other_lines.get(
                (_key(txn["security_title"]), _line(txn["direct_indirect"], txn["nature_of_ownership"])))
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
    base = SCHEMAS["insider_trades"]
    cols = tuple(c for c in base.columns if c.name != "plan_10b5_1")
    extra = tuple(Column(c, k) for c, k in _EXTRA_KINDS.items() if c not in base.names)
    return InputSchema(base.name, cols + extra, base.key)


def _typed(frame: pd.DataFrame, file: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type parsed rows: dates and numbers by the one parser (:func:`workbench.schemas.type_frame`),
    the provenance flags and counts here. Returns (accepted rows with ``source_row``, rejects)."""
    raw = frame.reindex(columns=list(FORM4_COLUMNS))
    for c in ("is_officer", "is_director", "is_ten_percent_owner", "is_derivative",
              "is_amendment", "footnote_10b5_1", "plan_10b5_1", "aff10b5one"):
        raw[c] = raw[c].astype("boolean")
    for c in ("owner_count", "transaction_index"):
        raw[c] = raw[c].astype("Int64")
    for c in ("insider_cik", "issuer_cik", "issuer_name", "issuer_ticker", "security_title", "direct_indirect",
              "footnote_ids", "document_type", "schema_version", "accession", "document_id", "file",
              "plan_date_text"):
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
        Depth (docs/data_contracts.md): ``nature_of_ownership`` and
        ``shares_owned_other_lines`` (the same security's holdings on the filing's other
        ownership lines, from holding rows and the other lines' last transactions; holding
        rows are never rows of the frame); a derivative's ``exercise_price``,
        ``exercise_date``, ``expiration_date``, ``underlying_title``, ``underlying_shares``;
        ``deemed_execution_date``; a price missing from the table but stated as a weighted
        average in its footnote (``price_source`` "footnote"), and the footnote's range
        (``price_low``, ``price_high``); the Rule 10b5-1 plan's ``plan_adopted`` and
        ``plan_modified`` from the footnotes (or remarks) in words
        (:mod:`workbench.form4_notes`), ``plan_date_text`` keeping the words.
        ``errors`` holds one :class:`Form4Error` per file that could not be read (the
        other files are still read) and one per transaction rejected for an invalid
        date or number (``row``, ``field`` and the reason set; the row is not in ``frame``).
    """
    frame, rejects, errors = form4_table(paths)
    for r in rejects.itertuples(index=False):
        errors.append(Form4Error(r.file, f"transaction row {r.row} rejected: {r.reason}", row=int(r.row),
                                 field=r.field))
    return frame[list(FORM4_COLUMNS)], errors
