"""Every CSV the workbench writes, with spreadsheet formulas neutralised, in one place.

A CSV from a run (findings, rejects, artifact tables, regulator packages, ``law due``
exports) is opened by auditors and regulators in a spreadsheet, and its cells carry text
from the case's data. A cell that starts like a formula (``=cmd|' /C calc'!A0``) would be
evaluated (OWASP "CSV injection"), so every writer here passes every cell, header included,
through :func:`safe_cell`. Nothing else in the package writes CSV (a layout test checks).
Lines end ``\r\n`` (RFC 4180): that also makes the csv module quote a cell holding a bare
carriage return, which a spreadsheet would otherwise read as the start of a new row.

The one rule (:func:`safe_cell`): a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading ``'``, unless the whole cell is a plain decimal number
(``-3``, ``+1.5``, ``-2e-05``): a spreadsheet reads that as the number, never as a formula,
and prefixing it would turn a negative number into text. Values that are not text
(numbers, booleans, None) are written as they are. A DataFrame is neutralised on the text
pandas renders, cell by cell, so the rule does not depend on column types: a negative
number stays a number, a negative duration ``-1 days +02:00:00`` is text and is prefixed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, TextIO

#: A cell starting with one of these is a formula to a spreadsheet (OWASP CSV injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
#: RFC 4180 line ends; with them the csv module quotes a bare CR inside a cell.
LINE_END = "\r\n"
#: A plain decimal number: read as a number by a spreadsheet, never evaluated.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The cell as it may be written: text starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return is prefixed ``'``, except a plain decimal number (``-3``, ``+1.5e3``);
    anything that is not text (numbers, None) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` (``\r\n`` line ends) whose every cell goes through :func:`safe_cell`."""

    def __init__(self, f: TextIO):
        self._w = csv.writer(f, lineterminator=LINE_END)

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """``csv.DictWriter`` (missing keys written empty, unknown keys an error) whose every cell,
    header included, goes through :func:`safe_cell`."""

    def __init__(self, f: TextIO, fieldnames: Iterable[str]):
        self.fieldnames = list(fieldnames)
        self._w = SafeWriter(f)

    def writeheader(self) -> None:
        self._w.writerow(self.fieldnames)

    def writerow(self, row: Mapping[str, Any]) -> None:
        extra = set(row) - set(self.fieldnames)
        if extra:
            raise ValueError(f"dict contains fields not in fieldnames: {', '.join(map(repr, sorted(extra)))}")
        self._w.writerow([row.get(k, "") for k in self.fieldnames])

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def rows_csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document from a header and rows, neutralised."""
    buf = io.StringIO()
    w = SafeWriter(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def frame_csv_text(frame, *, header: bool = True) -> str:
    """``frame.to_csv(index=False)``, neutralised: pandas renders the cells (numbers, dates,
    missing values as it always does), then each rendered cell goes through :func:`safe_cell`."""
    # rendered with CRLF so that pandas quotes a bare CR and the cells parse back exactly
    rendered = frame.to_csv(index=False, header=header, lineterminator=LINE_END)
    buf = io.StringIO()
    w = SafeWriter(buf)
    w.writerows(csv.reader(io.StringIO(rendered, newline="")))
    return buf.getvalue()


def append_frame(path: str | Path, frame) -> Path:
    """Append a frame's rows to a CSV file, with the header when the file is new (rejects are
    written chunk by chunk)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = frame_csv_text(frame, header=not path.exists())
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write(text)
    return path
