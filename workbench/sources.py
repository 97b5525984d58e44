"""Reading a case's inputs: typed by the data contracts, chunked, hashed, nothing dropped.

Every input is read as text first (or as its native Parquet types) and then typed column
by column by :mod:`workbench.values`, the one parser of every kind. A row that cannot be
read (a broken record, a bad date, a non-numeric amount...) is never dropped silently: it
goes to the rejects table with file, row number and reason, and
``rows_read == rows_accepted + rows_rejected`` always holds.

Row numbers (``row`` in rejects, ``source_row`` in frames) count data rows from 1, header
excluded: row 3 is the third record after the header (line 4 of the file when no field
holds a line break). Blank lines are not rows.

How a CSV file is read, byte by byte
-------------------------------------
A *physical line* ends at LF or CRLF (the two may be mixed in one file). A *record* is one
line, or several when a quoted field holds line breaks. The file is first scanned once:
it must be UTF-8 (else one error names the first bad line), and a carriage return that
does not end a line (a *lone CR*) sends the whole file to the exact path; a file whose
only line endings are lone CRs (classic Mac OS) is refused with an error.

- A record with the right number of fields is a row. A value may hold a line break only
  in the free-text columns that the schema marks (``address_line``, ``recipient_address``,
  ``text``): a line break inside any other contract column means a stray quote swallowed
  the following lines, and the record is broken.
- A *broken* record is rejected. When it spans several physical lines (a quoted field
  opened and its record is then malformed, the quote never closes, or it swallowed lines
  as above), every non-blank physical line it covers is rejected as a row of its own,
  with its line number and a reason naming the line where the quote opened: a record
  swallowed by an unclosed quote therefore counts in ``rows_read`` and cannot hide.
  Broken records are: a wrong number of fields; a quote still open at the end of the
  file; a lone CR inside an unquoted field; a record longer than
  :data:`MAX_RECORD_CHARS` characters (memory stays bounded; reading resumes at the next
  physical line, so a quote left open over more than that is cut there).
- A NUL byte is kept as read and makes the value bad, so its row is rejected when the
  value is in a contract column (see :mod:`workbench.values`); text after a closing quote
  (``"ab"cd``) is kept (``abcd``), as both CSV readers do.

Two paths read CSV with these rules. The fast path is pyarrow's streaming reader; a file
end marker is appended to the stream so that a quote still open at the end of the file is
seen (the marker is swallowed). From the first batch holding a malformed row, a line break
in a contract column that holds none, an unreadable block (a record longer than the
block), or a quote open at the end, the exact path (the csv module, line by line, at
about a quarter of the speed) takes over and reads the rest, so every reject gets its true
row number. Both paths give the same rows, values and rejects (a test holds them to it).

Readers are registered by kind (``csv``, ``parquet``, ``form4``, ``sql``); the kind of a
file input follows from its suffix, a folder is a folder of SEC Form 4 XML files. The
Form 4 parser (:mod:`workbench.form4`) and the database reader (:mod:`workbench.sql`) live
in modules of their own below this one; the schemas and the typing every reader shares
are :mod:`workbench.schemas`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench import sql as _sql  # the database reader (imports SQLAlchemy lazily)
from workbench.case import Case, SqlInput
from workbench.errors import InputError
from workbench.form4 import form4_table
from workbench.registry import Registry
from workbench.schemas import (  # noqa: F401  (the contract's names, part of this module's API)
    CONVERTERS, RAW_CHARS, REJECT_COLUMNS, REJECT_DTYPES, SCHEMAS, SHOWN_CHARS, Column, InputSchema, InputStats,
    empty_rejects, type_frame,
)

log = logging.getLogger("workbench.sources")

DEFAULT_CHUNK_ROWS = 500_000


# --------------------------------------------------------------------------- results

@dataclass
class ReadResult:
    name: str
    frame: pd.DataFrame
    rejects: pd.DataFrame
    stats: InputStats


# --------------------------------------------------------------------------- hashing

def file_sha256(path: str | Path) -> str:
    """sha256 of a file, or of a folder as the hash of its sorted (relative path, sha256) list.

    In a folder, a symbolic link leading out of it (or to nothing) is never followed: the
    link's own text is hashed in place of content (see :mod:`workbench.folders`).
    """
    from workbench.folders import EntryKind, walk

    path = Path(path)
    if path.is_dir():
        h = hashlib.sha256()
        for entry in walk(path):
            if entry.kind == EntryKind.FILE:
                h.update(f"{entry.rel}\0{file_sha256(entry.path)}\n".encode())
            else:
                log.warning("hashing %s: %s", path, entry.describe())
                h.update(f"{entry.rel}\0{entry.kind}:{entry.target}\n".encode())
        return h.hexdigest()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- readers

Reader = Callable[[Path, InputSchema, int, InputStats], Iterator[tuple[pd.DataFrame, int | pd.Series]]]
READERS: Registry[Reader] = Registry("input reader")


def _check_header(path: Path, header: list[str], schema: InputSchema, stats: InputStats) -> None:
    header = [h.strip() for h in header]
    missing = [c for c in schema.required if c not in header]
    if missing:
        raise InputError(path, f"missing required column(s) {', '.join(missing)}",
                         field=missing[0], expected=f"columns {', '.join(schema.names)}")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(path, f"column(s) named twice: {', '.join(dupes)}")
    stats.ignored_columns = [h for h in header if h not in schema.names]
    if stats.ignored_columns:
        log.warning("%s: ignoring column(s) not in the data contract: %s", path, ", ".join(stats.ignored_columns))


_SCAN_BLOCK = 1 << 22


@dataclass
class _ByteFacts:
    """What one pass over a text file's bytes found (:func:`_scan_bytes`)."""

    encoding: str
    lone_cr: int = 0                # carriage returns that do not end a line (CRLF)
    first_lone_cr: int | None = None  # byte offset of the first one
    has_lf: bool = False


def _scan_bytes(path: Path) -> _ByteFacts:
    """One pass over the file: encoding ('utf-8' or 'utf-8-sig') and lone CRs.

    Raises a clear error for an empty, UTF-16, non-UTF-8 or CR-only file (the first bad
    line named).
    """
    import codecs

    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise InputError(path, "the file is empty", expected="a header line and data rows")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "the file is UTF-16 encoded", expected="UTF-8 text")
    facts = _ByteFacts("utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8")
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, prev_cr = 0, False
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_SCAN_BLOCK), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as err:
                _not_utf8(path, offset + max(err.start, 0))
            lone = prev_cr and not block.startswith(b"\n")  # the CR that ended the last block
            if lone and facts.first_lone_cr is None:
                facts.first_lone_cr = offset - 1
            crs = block.count(b"\r")
            if crs:
                ends_cr = block.endswith(b"\r")  # decided by the next block
                in_block = crs - block.count(b"\r\n") - ends_cr
                if in_block and facts.first_lone_cr is None:
                    facts.first_lone_cr = offset + _first_lone_cr(block)
                lone += in_block
            facts.lone_cr += lone
            prev_cr = block.endswith(b"\r")
            facts.has_lf = facts.has_lf or b"\n" in block
            offset += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        _not_utf8(path, offset)
    # a CR as the very last byte ends the last line (a truncated CRLF), it is not lone
    if not facts.has_lf and facts.lone_cr:
        raise InputError(path, "its lines end with lone carriage returns (CR, classic Mac OS)",
                         expected="LF or CRLF line endings: re-save the file, e.g. with dos2unix -c mac")
    return facts


def _first_lone_cr(block: bytes) -> int:
    """Offset in ``block`` of its first CR not followed by LF."""
    i = block.find(b"\r")
    while i >= 0 and block[i + 1:i + 2] == b"\n":
        i = block.find(b"\r", i + 1)
    return max(i, 0)


def _line_of(path: Path, offset: int) -> int:
    """The line (1-based) holding byte ``offset`` of a file (for messages only)."""
    line, done = 1, 0
    with open(path, "rb") as f:
        while done < offset:
            block = f.read(min(1 << 22, offset - done))
            if not block:
                break
            line += block.count(b"\n")
            done += len(block)
    return line


def _not_utf8(path: Path, offset: int):
    """Raise the error naming the first line that is not UTF-8 (Latin-1 and Windows-1252
    exports are common)."""
    with open(path, "rb") as f:
        f.seek(offset)
        byte = f.read(1).hex() or "end of file inside a multi-byte character"
    raise InputError(path, f"not valid UTF-8 at line {_line_of(path, offset)} (byte 0x{byte} at offset {offset}); "
                           "the file looks Latin-1 or Windows-1252 encoded",
                     row=None, expected="UTF-8 text: re-save or convert it, e.g. iconv -f latin1 -t utf-8") from None


#: Bytes pyarrow's CSV reader parses at a time; a record longer than this makes the exact
#: path take over.
FAST_BLOCK_BYTES = 32 << 20
#: Longest record the exact path reads (twice the fast path's block, so both paths read
#: the same records); a longer one is rejected line by line, which bounds memory when a
#: quote is never closed.
MAX_RECORD_CHARS = 2 * FAST_BLOCK_BYTES
#: The record appended to the fast path's stream: a quote still open at the end of the
#: file swallows it, and its absence says so.
_END_MARKER = "\x00workbench:end-of-file:4f1c6d3e\x00"


class _TooLong(Exception):
    """A record grew beyond :data:`MAX_RECORD_CHARS` characters."""


class _Lines:
    """The physical lines of a text file (LF-terminated, CR kept), fed to ``csv.reader``
    and recorded so each record knows the lines it took (``taken``: (number, text))."""

    def __init__(self, f, limit: int | None = None):
        self.f, self.limit = f, limit or MAX_RECORD_CHARS
        self.number = 0          # physical lines read so far
        self.taken: list[tuple[int, str]] = []
        self.size = 0
        self.hit_end = False     # the end of the file was reached while reading a record

    def begin(self) -> None:
        self.taken, self.size, self.hit_end = [], 0, False

    def __iter__(self):
        return self

    def __next__(self) -> str:
        room = self.limit - self.size
        if room <= 0:
            raise _TooLong
        line = self.f.readline(room + 1)
        if not line:
            self.hit_end = True
            raise StopIteration
        self.number += 1
        size = len(line)
        if size > room and line[-1] != "\n":  # longer than the room left: the rest of the line is dropped
            while True:
                rest = self.f.readline(1 << 20)
                if not rest or rest[-1] == "\n":
                    break
            self.taken.append((self.number, line[:RAW_CHARS]))
            raise _TooLong
        self.taken.append((self.number, line))
        self.size += size
        return line


def _read_header(path: Path, encoding: str) -> list[str]:
    """The header record (its names as written): one physical line."""
    with open(path, encoding=encoding, newline="\n") as f:
        lines = _Lines(f)
        try:
            header = next(csv.reader(lines))
        except (csv.Error, _TooLong, StopIteration) as err:
            why = _csv_problem(err) if isinstance(err, csv.Error) else "it is too long"
            raise InputError(path, f"the header line cannot be read ({why})",
                             row=None, expected="a header line of column names") from None
    if lines.number > 1 or lines.hit_end:
        raise InputError(path, "the header runs over several lines (a quote in it is not closed?)",
                         expected="a header line of column names")
    return header


@dataclass
class _CsvPlan:
    """What a CSV read needs to know of the header: which columns to read and check."""

    header: list[str]            # as written (names may carry spaces)
    wanted: list[int]            # positions of the columns handed on
    single_line: list[int]       # positions of contract columns that hold no line break

    @classmethod
    def make(cls, header: list[str], schema: InputSchema, columns: list[str] | None) -> "_CsvPlan":
        names = [h.strip() for h in header]
        contract = [i for i, h in enumerate(names) if h in schema.names]
        wanted = [i for i in contract if columns is None or names[i] in columns]
        single = [i for i in contract if names[i] in schema.single_line]
        return cls(header, wanted, single)

    @property
    def names(self) -> list[str]:
        return [self.header[i].strip() for i in self.wanted]


@READERS.register("csv")
def _read_csv(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats,
              columns: list[str] | None = None, *, exact: bool = False):
    """Fast path: pyarrow's streaming reader. From the first batch that holds a malformed
    row, an open quote at the end or a line break where none may be (see the module
    docstring), the exact (slower) csv-module path takes over, so every reject gets its
    true row number. ``exact`` reads the whole file on the exact path (tests)."""
    import pyarrow.csv as pc

    facts = _scan_bytes(path)
    stats.encoding = facts.encoding
    header = _read_header(path, facts.encoding)
    _check_header(path, header, schema, stats)
    plan = _CsvPlan.make(header, schema, columns)
    if exact or facts.lone_cr:
        if facts.lone_cr:
            log.info("%s: %d carriage return(s) inside lines (first on line %d); reading exactly",
                     path, facts.lone_cr, _line_of(path, facts.first_lone_cr or 0))
        yield from _read_csv_exact(path, schema, chunk_rows, stats, plan, skip=0)
        return
    state = {"malformed": False, "end_seen": False}

    def on_invalid(row) -> str:
        if row.text == _END_MARKER:
            state["end_seen"] = True
        else:
            state["malformed"] = True
        return "skip"

    checked = sorted(set(plan.wanted) | set(plan.single_line))
    reader = pc.open_csv(
        _MarkedFile(path),
        read_options=pc.ReadOptions(block_size=FAST_BLOCK_BYTES, use_threads=True),
        parse_options=pc.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pc.ConvertOptions(column_types={h: pa.string() for h in header},
                                          include_columns=[header[i] for i in checked],
                                          strings_can_be_null=False, quoted_strings_can_be_null=False,
                                          check_utf8=False),  # the whole file was checked once
    )
    single = [header[i] for i in plan.single_line]
    keep = [header[i] for i in plan.wanted]
    done = 0
    held = None

    def emit(batch):
        nonlocal done
        frame = batch.select(keep).to_pandas()
        frame.columns = plan.names
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start:start + chunk_rows]
            stats.rows_read += len(part)
            yield part, done + 1
            done += len(part)

    try:
        for batch in reader:
            if state["malformed"] or _holds_line_break(batch, single):
                state["malformed"] = True
                break
            if held is not None:
                yield from emit(held)
            held = batch
    except pa.ArrowInvalid as err:  # e.g. a record longer than a block
        log.info("%s: the fast CSV reader stopped (%s)", path, err)
        state["malformed"] = True
    if not state["malformed"] and not state["end_seen"]:
        state["malformed"] = True  # the end marker was swallowed: a quote is open at the end
        held = None
    if held is not None:
        yield from emit(held)
    if state["malformed"]:
        log.info("%s: malformed rows found; reading exactly from data row %d on", path, done + 1)
        yield from _read_csv_exact(path, schema, chunk_rows, stats, plan, skip=done)
    elif done == 0:  # no data rows: one empty chunk, so the stats reach the caller
        yield pd.DataFrame({c: pd.Series(dtype="str") for c in plan.names}), 1


class _MarkedFile(io.RawIOBase):
    """A file's bytes followed by a line break and :data:`_END_MARKER` (for pyarrow)."""

    def __init__(self, path: Path):
        self._f = open(path, "rb")
        self._tail = b"\n" + _END_MARKER.encode() + b"\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._f.readinto(buffer)
        if n:
            return n
        if not self._tail:
            return 0
        k = min(len(buffer), len(self._tail))
        buffer[:k] = self._tail[:k]
        self._tail = self._tail[k:]
        return k

    def close(self) -> None:
        self._f.close()
        super().close()


def _holds_line_break(batch, columns: list[str]) -> bool:
    """Whether any of ``columns`` of an Arrow batch holds an LF (only checked on buffers)."""
    for name in columns:
        data = batch.column(name).buffers()[2]
        if data is not None and data.size and (np.frombuffer(data, dtype=np.uint8) == 10).any():
            return True
    return False


def _line_rows(lines: list[tuple[int, str]], reason: str, follow: str) -> list[tuple[int, str, str]]:
    """Each physical line of a broken record as (line, reason, raw); an empty line is not
    a row (as outside a record)."""
    out = []
    for i, (number, text) in enumerate(lines):
        body = text.rstrip("\r\n")
        if i and not body:
            continue
        out.append((number, reason if not out else follow, body[:RAW_CHARS]))
    return out


def _read_csv_exact(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats,
                    plan: _CsvPlan, skip: int):
    """The csv module over physical lines (see the module docstring); rows ``1..skip``
    were read by the fast path and are only counted here."""
    ncols = len(plan.header)
    want = plan.wanted
    names = plan.names
    single = [(i, plan.header[i].strip()) for i in plan.single_line]
    if csv.field_size_limit() < MAX_RECORD_CHARS + 1:  # our own limit applies first (the
        csv.field_size_limit(MAX_RECORD_CHARS + 1)     # setting is process-wide; only ever raised)
    rows, numbers, pending = [], [], []
    n = 0  # data rows so far

    def reject(reason: str, raw: str) -> None:
        pending.append({"input": schema.name, "file": str(path), "row": n, "field": None,
                        "reason": reason, "raw": raw})

    all_columns = want == list(range(ncols))
    with open(path, encoding=stats.encoding, newline="\n") as f:
        src = _Lines(f)
        reader = csv.reader(src)
        next(reader)  # the header (read and checked already)
        while True:
            src.taken, src.size = [], 0
            problem = None
            try:
                record = next(reader)
            except StopIteration:
                break
            except _TooLong:
                record, problem = None, f"a record longer than {MAX_RECORD_CHARS} characters (a quote never closed?)"
            except csv.Error as err:
                record, problem = None, _csv_problem(err)
            lines = src.taken
            if record is not None and len(record) == ncols and len(lines) == 1 and not src.hit_end:  # common case
                n += 1
                if n > skip:
                    rows.append(record if all_columns else [record[i] for i in want])
                    numbers.append(n)
                    if len(rows) >= chunk_rows:
                        stats.rows_read += len(rows)
                        yield _with_rejects(pd.DataFrame(rows, columns=names, dtype="str"), numbers, pending)
                        rows, numbers, pending = [], [], []
                continue
            if record == [] and len(lines) == 1:
                continue  # a blank line is not a record (pyarrow skips them too)
            first = lines[0][0] if lines else src.number
            if record is not None:
                if src.hit_end:
                    problem = f"a quoted field opened on line {first} is never closed: it runs to the end of the file"
                    src.hit_end = False
                elif len(record) != ncols:
                    problem = f"wrong number of fields: expected {ncols}, got {len(record)}"
                else:
                    broken = next((name for i, name in single if "\n" in record[i]), None)
                    if broken:
                        problem = (f"a line break inside {broken}, which holds none: "
                                   f"a quote opened on line {first} swallowed the following line(s)")
            if problem is None:
                n += 1
                if n > skip:
                    rows.append(record if all_columns else [record[i] for i in want])
                    numbers.append(n)
            else:
                span = f"line {first}" if len(lines) <= 1 else f"lines {first}-{lines[-1][0]}"
                for number, reason, raw in _line_rows(lines or [(first, "")], f"{problem} ({span})",
                                                      f"swallowed by the broken record that starts on line {first}"):
                    n += 1
                    if n > skip:
                        stats.rows_read += 1
                        reject(f"{reason} (line {number})" if reason.startswith("swallowed") else reason, raw)
            if len(rows) >= chunk_rows:
                stats.rows_read += len(rows)
                yield _with_rejects(pd.DataFrame(rows, columns=names, dtype="str"), numbers, pending)
                rows, numbers, pending = [], [], []
        stats.rows_read += len(rows)
        yield _with_rejects(pd.DataFrame(rows, columns=names, dtype="str"), numbers, pending)


def _csv_problem(err: csv.Error) -> str:
    """A reject reason for what the csv module refused."""
    text = str(err)
    if "new-line character seen in unquoted field" in text:
        return "a carriage return (CR) inside an unquoted field"
    if "field larger than field limit" in text:
        return f"a field longer than {csv.field_size_limit()} characters"
    return f"unreadable CSV ({text})"


def _with_rejects(frame: pd.DataFrame, numbers: list[int], rejects: list[dict]):
    frame.attrs["structural_rejects"] = rejects
    return frame, pd.Series(numbers, dtype="int64")


@READERS.register("parquet")
def _read_parquet(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats,
                  columns: list[str] | None = None):
    import pyarrow.parquet as pq

    try:
        # pre_buffer=False: with pre-buffering, iter_batches keeps the bytes of every row
        # group read so far, so memory grows to the file's size (3 GB at 150M people)
        pf = pq.ParquetFile(path, pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(path, f"not a readable Parquet file ({err})") from None
    header = pf.schema_arrow.names
    _check_header(path, header, schema, stats)
    wanted = [c for c in header if c in schema.names and (columns is None or c in columns)]
    done = 0
    for batch in pf.iter_batches(batch_size=chunk_rows, columns=wanted):
        # Arrow-backed columns: a null stays null and a NaN stays NaN (a bad number)
        frame = batch.to_pandas(types_mapper=pd.ArrowDtype)
        stats.rows_read += len(frame)
        yield frame, done + 1
        done += len(frame)


@READERS.register("form4")
def _read_form4(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats):
    """A folder of SEC Form 4 XML filings: a file that cannot be parsed is a reject, and so
    is a transaction with an invalid date or number (typed by the same parser as any input)."""
    frame, rejects, errors = form4_table(path)
    structural = [{"input": schema.name, "file": str(getattr(e, "file", "")), "row": None, "field": None,
                   "reason": str(e), "raw": ""} for e in errors]
    structural += [{**r, "input": schema.name} for r in rejects.to_dict("records")]
    stats.rows_read += len(frame) + len(rejects) + len(errors)
    rows = frame.pop("source_row")
    frame.attrs["structural_rejects"] = structural
    frame.attrs["keep_extra"] = True
    yield frame, rows


@READERS.register("letters")
def _read_letters(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats):
    """A folder (or one file) of notice letters, one row per file (:mod:`workbench.letter_files`);
    a file that cannot be read stops the intake with an InputError naming it."""
    from workbench.letter_files import read_letters

    # the file as the case names it (relative to the folder holding the input), never this
    # machine's absolute path: it travels into findings and regulator packages
    rows = [{**letter.row(), "file": Path(letter.file).relative_to(path.parent).as_posix()}
            for letter in read_letters(path)]
    frame = pd.DataFrame(rows, columns=schema.names, dtype="object")
    stats.rows_read += len(frame)
    if len(frame):
        yield frame, 1


#: Tables and queries of a database: the reader is :func:`workbench.sql.read_sql`.
READERS.register("sql", _sql.read_sql)

#: File suffix -> reader kind; a folder is read as a folder of Form 4 filings.
FILE_KINDS: dict[str, str] = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xml": "form4"}
FOLDER_KIND = "form4"
#: Inputs that may be given as SEC Form 4 filings (a folder, or one XML file).
FORM4_INPUTS = frozenset({"insider_trades"})
#: Inputs of letter files (a folder, or one .txt/.html/.pdf/.docx file): reader kind ``letters``.
LETTER_INPUTS = frozenset({"letters"})
LETTERS_KIND = "letters"


def reader_kind(spec, path: Path | None) -> str:
    if isinstance(spec, SqlInput):
        return "sql"
    assert path is not None
    if path.is_dir():
        return FOLDER_KIND
    suffix = path.suffix.lower()
    return FILE_KINDS.get(suffix, suffix.lstrip("."))


# --------------------------------------------------------------------------- public API

#: Readers that can skip unwanted columns while reading (the others are trimmed after).
COLUMN_AWARE_READERS = {"csv", "parquet", "sql"}


def iter_input(case: Case, name: str, chunk_rows: int = DEFAULT_CHUNK_ROWS,
               *, with_hash: bool = True, columns: list[str] | None = None) -> Iterator[ReadResult]:
    """Read one input chunk by chunk (bounded memory). The last chunk's stats are final.

    ``columns`` reads and types only those contract columns (much faster on wide files);
    a row is then rejected only for a bad value in one of them. The required-column check
    still covers the whole header.
    """
    schema = SCHEMAS[name]
    typed_schema = schema.subset(columns)
    spec = case.input_spec(name)
    if spec is None:
        raise InputError(f"case {case.case_id}", f"input {name!r} is not declared in case.yaml")
    path = case.input_path(name)
    kind = LETTERS_KIND if name in LETTER_INPUTS else reader_kind(spec, path)
    reader = READERS.get(kind)
    stats = InputStats(name=name, path=str(path) if path else _sql.describe(spec), kind=kind)  # never a password
    if with_hash and path is not None:
        stats.sha256 = file_sha256(path)
    extra = {"columns": columns} if columns is not None and kind in COLUMN_AWARE_READERS else {}
    source = path if path is not None else _sql.bind(spec, case)
    yielded = False
    for raw, first_row in reader(source, schema, chunk_rows, stats, **extra):
        yielded = True
        structural = raw.attrs.pop("structural_rejects", [])
        keep_extra = raw.attrs.pop("keep_extra", False)
        if columns is not None:
            raw = raw[[c for c in raw.columns if c.strip() in columns or (keep_extra and c not in schema.names)]]
        frame, rejects = type_frame(raw, typed_schema, file=str(stats.path), first_row=first_row, keep_extra=keep_extra)
        if structural:
            found = pd.DataFrame(structural, columns=REJECT_COLUMNS).astype(REJECT_DTYPES)
            rejects = pd.concat([found, rejects], ignore_index=True) if len(rejects) else found
            rejects = rejects.sort_values("row", kind="stable", na_position="first", ignore_index=True)
        stats.rows_accepted += len(frame)
        stats.rows_rejected += len(rejects)
        yield ReadResult(name, frame, rejects, stats)
    if not yielded:  # a header-only file or an empty table: a valid input of zero rows
        empty = pd.DataFrame({c: pd.Series(dtype="str") for c in typed_schema.names})
        frame, _ = type_frame(empty, typed_schema, file=str(stats.path), first_row=1)
        yield ReadResult(name, frame, empty_rejects(), stats)


def read_input(case: Case, name: str, *, with_hash: bool = True,
               columns: list[str] | None = None) -> ReadResult:
    """Read a whole input (small and medium cases). Large cases use :func:`iter_input`."""
    frames, rejects, stats = [], [], None
    for part in iter_input(case, name, with_hash=with_hash, columns=columns):
        frames.append(part.frame)
        if len(part.rejects):
            rejects.append(part.rejects)
        stats = part.stats
    assert stats is not None
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    rej = pd.concat(rejects, ignore_index=True) if rejects else empty_rejects()
    if not stats.reconciles:  # a bug, not bad input: never let it pass silently
        raise AssertionError(f"{name}: read {stats.rows_read} != accepted {stats.rows_accepted} + rejected {stats.rows_rejected}")
    return ReadResult(name, frame, rej, stats)


def load_input(case: Case, name: str) -> pd.DataFrame | None:
    """The accepted rows of an input, or None when the case does not declare it."""
    if case.input_spec(name) is None:
        return None
    return read_input(case, name, with_hash=False).frame


def input_hashes(case: Case) -> dict[str, dict]:
    """sha256 of case.yaml and of every declared file input (for the manifest)."""
    out = {"case.yaml": {"path": str(case.path), "sha256": file_sha256(case.path)}}
    for name in case.declared_inputs():
        path = case.input_path(name)
        if path is not None:
            out[name] = {"path": str(path), "sha256": file_sha256(path)}
        else:
            out[name] = _sql.manifest_entry(case, name)  # URL without credentials, rows, ordered content hash
    return out

