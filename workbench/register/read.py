"""Read a register CSV through a mapping: typed accepted rows, rejects with row and reason.

Every data row ends up in exactly one of the two tables (``read = accepted + rejected``).
``source_row`` is the line of the file the row ends on (the header is line 1; a row without
quoted line breaks is the row a spreadsheet shows). A row is
rejected when its field count differs from the header's, its organisation is blank, a date
cell is text that no date pattern reads, a range ends before it starts, or its resident
count is not a whole number. Blank or "Unknown" dates and counts are *accepted* as missing,
with the reason kept beside them (the judge then says not determinable, never on time).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from workbench.errors import InputError
from workbench.register.dates import MISSING_WORDS, parse_date, parse_span
from workbench.register.datatypes import normalise_data_types
from workbench.register.mapping import DATE_FIELDS, REQUIRED_FIELDS, RegisterMapping, header_key

#: Columns of the accepted table, in order.
ACCEPTED_COLUMNS: tuple[str, ...] = (
    "source_row", "record_id", "organisation", "breach_start", "breach_end", "breach_dates_pattern",
    "breach_dates_reason", "discovered", "discovered_reason", "determined", "determined_reason", "notified",
    "notified_reason", "individual_notified", "individual_notified_reason", "residents_affected",
    "residents_reason", "residents_elsewhere", "data_types", "data_elements", "data_elements_broad", "unmatched_data_types",
    "letter_url", "sector")
#: Columns of the rejects table.
REJECT_COLUMNS: tuple[str, ...] = ("source_row", "field", "value", "reason", "expected", "raw")
_INT = re.compile(r"[+]?\d{1,3}(?:,\d{3})+|[+]?\d+(?:\.0+)?")


@dataclass
class RegisterRead:
    """What reading a register gave: accepted rows, rejects, and the reconciliation."""

    path: str
    sha256: str
    mapping: RegisterMapping
    accepted: pd.DataFrame
    rejects: pd.DataFrame
    read: int
    absent_columns: list[str] = field(default_factory=list)  # optional fields whose mapped column the file lacks

    @property
    def reconciles(self) -> bool:
        return self.read == len(self.accepted) + len(self.rejects)


class _Reject(Exception):
    def __init__(self, fld: str, value: str, reason: str, expected: str = ""):
        super().__init__(reason)
        self.fld, self.value, self.reason, self.expected = fld, value, reason, expected


def _residents(text: str) -> tuple[int | None, str]:
    t = text.strip()
    if not t:
        return None, "blank"
    if t.lower() in MISSING_WORDS:
        return None, f"the register says {t!r}"
    if _INT.fullmatch(t):
        return int(float(t.replace(",", "").lstrip("+"))), ""
    raise _Reject("residents_affected", text, f"{text!r} is not a whole number of residents",
                  "a whole number such as 1200 or 1,200, or blank/Unknown")


_ELSEWHERE_ITEM = re.compile(r"([A-Za-z]{2}(?:-[A-Za-z0-9]{1,12})*)\s*[=:]\s*(\d{1,3}(?:,\d{3})+|\d+)")


def _elsewhere(text: str) -> str:
    """``"US-NY=120; us-nj: 40"`` -> ``"US-NY=120;US-NJ=40"`` (codes upper-cased, counts plain);
    blank or Unknown -> ``""``. Anything else rejects the row."""
    t = text.strip()
    if not t or t.lower() in MISSING_WORDS:
        return ""
    items = []
    for part in (x for x in re.split(r"\s*[;|\n]\s*", t) if x):
        m = _ELSEWHERE_ITEM.fullmatch(part)
        if m is None:
            raise _Reject("residents_elsewhere", text, f"{part!r} is not CODE=COUNT",
                          "law-data codes with counts separated by ';', e.g. US-NY=120; US-NJ=40")
        items.append(f"{m[1].upper()}={int(m[2].replace(',', ''))}")
    return ";".join(items)


def _row(values: dict[str, str], m: RegisterMapping, source_row: int) -> dict:
    out: dict = {"source_row": source_row}
    mapped = {f for f, c in m.columns.items() if c}
    get = lambda f: values.get(f, "")  # noqa: E731
    out["record_id"] = get("record_id").strip()
    org = " ".join(get("organisation").split())
    if not org:
        raise _Reject("organisation", get("organisation"), "the organisation is blank", "the filer's name")
    out["organisation"] = org
    pats = m.patterns
    spans = {}
    for f in ("breach_start", "breach_end"):
        try:
            spans[f] = parse_span(get(f), pats) if f in mapped else None
        except ValueError as err:
            raise _Reject(f, get(f), str(err), _formats(m)) from None
    start, end = spans["breach_start"] or parse_span("", pats), spans["breach_end"]
    out["breach_start"] = start.start
    out["breach_end"] = start.end if end is None or end.end is None else end.end
    out["breach_dates_pattern"] = start.pattern
    out["breach_dates_reason"] = start.reason
    if out["breach_start"] and out["breach_end"] and out["breach_end"] < out["breach_start"]:
        raise _Reject("breach_end", get("breach_end"), f"the breach ends ({out['breach_end']}) before it starts "
                      f"({out['breach_start']})", "an end on or after the start")
    for f in DATE_FIELDS:
        if f not in mapped:
            out[f], out[f"{f}_reason"] = None, "the register has no such column"
            continue
        try:
            d = parse_date(get(f), pats)
        except ValueError as err:
            raise _Reject(f, get(f), str(err), _formats(m)) from None
        out[f], out[f"{f}_reason"] = d.value, d.reason
    if "residents_affected" in mapped:
        out["residents_affected"], out["residents_reason"] = _residents(get("residents_affected"))
    else:
        out["residents_affected"], out["residents_reason"] = None, "the register has no such column"
    out["residents_elsewhere"] = _elsewhere(get("residents_elsewhere"))
    text = get("data_types")
    dt_ = normalise_data_types(text)
    out["data_types"] = text.strip()
    out["data_elements"] = ";".join(dt_.elements)
    out["data_elements_broad"] = dt_.broad
    out["unmatched_data_types"] = ";".join(dt_.unmatched)
    out["letter_url"] = get("letter_url").strip()
    out["sector"] = get("sector").strip()
    return out


def _formats(m: RegisterMapping) -> str:
    from workbench.register.dates import DATE_PATTERNS

    names = m.date_formats or tuple(DATE_PATTERNS)
    return "a date in " + ", ".join(f"{n} ({DATE_PATTERNS.get(n).example})" for n in names) + ", or blank/Unknown"


def read_register(path: str | Path, mapping: RegisterMapping) -> RegisterRead:
    """Read ``path`` (CSV, UTF-8 with or without BOM) through ``mapping``.

    Raises InputError (file, row 1, field) when the file is missing, empty, or lacks a
    column that a required field maps to; every data row is then accepted or rejected.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "register file not found")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not UTF-8 text (byte {err.start})", expected="a UTF-8 CSV file") from None
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(str(path), "the file is empty", row=1, expected="a header row") from None
    keys = [header_key(h) for h in header]
    where: dict[str, int] = {}
    absent: list[str] = []
    for f, col in mapping.columns.items():
        if not col:
            continue
        if header_key(col) in keys:
            where[f] = keys.index(header_key(col))
        elif f in REQUIRED_FIELDS:
            raise InputError(str(path), f"no column {col!r} for the field {f!r} (mapping {mapping.name})", row=1,
                             field=col, expected="the header to hold: " + ", ".join(c for c in mapping.columns.values() if c))
        else:
            absent.append(f)
    if absent:  # mapped, but not in this file: read as "the register has no such column"
        mapping = replace(mapping, columns={f: (None if f in absent else c) for f, c in mapping.columns.items()})
    accepted, rejects = [], []
    n = len(header)
    read = 0
    source_row = 1
    for cells in reader:
        source_row = reader.line_num  # last line of the record: a quoted line break moves it
        if not cells:  # a blank line is not a row
            continue
        read += 1
        raw = ",".join(cells)[:300]
        if len(cells) != n:
            rejects.append({"source_row": source_row, "field": "", "value": "", "raw": raw,
                            "reason": f"{len(cells)} field(s) where the header has {n}",
                            "expected": f"{n} comma-separated fields (quote cells that hold commas)"})
            continue
        values = {f: cells[i] for f, i in where.items()}
        try:
            accepted.append(_row(values, mapping, source_row))
        except _Reject as r:
            rejects.append({"source_row": source_row, "field": mapping.column(r.fld) or r.fld, "value": r.value,
                            "reason": r.reason, "expected": r.expected, "raw": raw})
    acc = pd.DataFrame(accepted, columns=list(ACCEPTED_COLUMNS))
    acc["residents_affected"] = acc["residents_affected"].astype("Int64")
    rej = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS))
    return RegisterRead(str(path), digest, mapping, acc, rej, read, absent)
