"""Reading a case's inputs: typed by the data contracts, chunked, hashed, nothing dropped.

Every input is read as text first and then typed column by column. A row that cannot be
parsed (wrong number of fields, a bad date, a non-numeric amount...) is never dropped
silently: it goes to the rejects table with file, row number and reason, and
``rows_read == rows_accepted + rows_rejected`` always holds.

Row numbers (``row`` in rejects, ``source_row`` in frames) count data rows from 1, header
excluded: row 3 is the third record after the header (line 4 of the file when no field
holds a line break).

Readers are registered by kind (``csv``, ``parquet``, ``form4``, ``sql``); the kind of a
file input follows from its suffix, a folder is a folder of SEC Form 4 XML files.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from workbench.case import Case, SqlInput
from workbench.errors import InputError
from workbench.registry import Registry

log = logging.getLogger("workbench.sources")

DEFAULT_CHUNK_ROWS = 500_000
REJECT_COLUMNS = ["input", "file", "row", "field", "reason", "raw"]


# --------------------------------------------------------------------------- schemas

@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # str, timestamp, date, int, float, bool
    required: bool = False  # the column must be present in the file


@dataclass(frozen=True)
class InputSchema:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None  # business id used in evidence

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def subset(self, names: list[str] | None) -> "InputSchema":
        """The schema restricted to ``names`` (all columns when None)."""
        if names is None:
            return self
        unknown = [n for n in names if n not in self.names]
        if unknown:
            raise ValueError(f"{self.name}: unknown column(s) {', '.join(unknown)}; known: {', '.join(self.names)}")
        return InputSchema(self.name, tuple(c for c in self.columns if c.name in names), self.key)


def _schema(name: str, key: str | None, spec: str) -> InputSchema:
    """Parse 'col:kind!' tokens ('!' marks a column that must be present)."""
    cols = []
    for token in spec.split():
        col, kind = token.split(":")
        cols.append(Column(col, kind.rstrip("!"), kind.endswith("!")))
    return InputSchema(name, tuple(cols), key)


#: The typed columns of every input, as in DATA_CONTRACTS.md.
SCHEMAS: dict[str, InputSchema] = {s.name: s for s in [
    _schema("affected_people", "person_id",
            "person_id:str! full_name:str! email:str address_line:str city:str region:str! "
            "postal_code:str country:str! data_elements:str!"),
    _schema("notices", "notice_id",
            "notice_id:str! person_id:str! channel:str! sent_at:timestamp! recipient_name:str "
            "recipient_address:str data_elements_described:str template_id:str links:str status:str!"),
    _schema("regulator_notices", None,
            "jurisdiction:str! recipient_type:str! recipient:str sent_at:timestamp! "
            "residents_reported:int"),
    _schema("insider_trades", None,
            "insider_name:str! insider_title:str is_officer:bool is_director:bool "
            "transaction_date:date! transaction_code:str! shares:float! price:float "
            "acquired_disposed:str! shares_owned_after:float plan_10b5_1:str filing_date:date"),
    _schema("communications", "message_id",
            "message_id:str! channel:str! published_at:timestamp! account:str text:str!"),
    _schema("compensation", None,
            "person:str! title:str award_date:date! kind:str! amount_usd:float!"),
    _schema("share_prices", None, "date:date! close:float!"),
]}


# --------------------------------------------------------------------------- results

@dataclass
class InputStats:
    name: str
    path: str
    kind: str
    sha256: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    encoding: str = "utf-8"
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_rejected

    def as_dict(self) -> dict:
        return {"name": self.name, "path": self.path, "kind": self.kind, "sha256": self.sha256,
                "rows_read": self.rows_read, "rows_accepted": self.rows_accepted,
                "rows_rejected": self.rows_rejected, "encoding": self.encoding,
                "ignored_columns": self.ignored_columns}


@dataclass
class ReadResult:
    name: str
    frame: pd.DataFrame
    rejects: pd.DataFrame
    stats: InputStats


def empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "row" else "str") for c in REJECT_COLUMNS})


# --------------------------------------------------------------------------- typing

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _to_str(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    out = s.astype("str").str.strip()
    out = out.where(out != "", None).astype("str")
    return out, pd.Series(False, index=s.index)


def _to_timestamp(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC").astype("datetime64[us, UTC]"), pd.Series(False, index=s.index)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.tz_localize("UTC").astype("datetime64[us, UTC]"), pd.Series(False, index=s.index)
    text, _ = _to_str(s)
    out = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601").astype("datetime64[us, UTC]")
    return out, text.notna() & out.isna()


def _to_date(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_datetime64_any_dtype(s):
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_convert(None)
        return s.dt.normalize().astype("datetime64[us]"), pd.Series(False, index=s.index)
    text, _ = _to_str(s)
    out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_convert(None)
    bad = text.notna() & out.isna()
    bad |= out.notna() & (out != out.dt.normalize())  # a date column holding a time
    return out.astype("datetime64[us]"), bad


def _to_float(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        out = s.astype("Float64")
        return out, pd.Series(False, index=s.index)
    text, _ = _to_str(s)
    out = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("Float64")
    bad = text.notna() & out.isna()
    bad |= out.notna() & ~np.isfinite(out.fillna(0).astype("float64"))
    return out, bad


def _to_int(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    f, bad = _to_float(s)
    frac = f.notna() & (f != f.round())
    out = f.where(~frac).round().astype("Int64")
    return out, bad | frac


def _to_bool(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean"), pd.Series(False, index=s.index)
    text, _ = _to_str(s)
    low = text.str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(_TRUE).fillna(False)] = True
    out[low.isin(_FALSE).fillna(False)] = False
    return out, text.notna() & out.isna()


#: Column kind -> converter returning (typed series, mask of values that failed to parse).
CONVERTERS: Registry[Callable[[pd.Series], tuple[pd.Series, pd.Series]]] = Registry("column kind")
for _k, _f in {"str": _to_str, "timestamp": _to_timestamp, "date": _to_date,
               "float": _to_float, "int": _to_int, "bool": _to_bool}.items():
    CONVERTERS.register(_k, _f)

_EXPECTED = {"timestamp": "an ISO 8601 timestamp such as 2017-09-07T14:00:00Z",
             "date": "an ISO 8601 date such as 2017-09-07", "float": "a number",
             "int": "a whole number", "bool": "true or false", "str": "text"}


def type_frame(raw: pd.DataFrame, schema: InputSchema, *, file: str,
               first_row: int | pd.Series, keep_extra: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type a raw chunk by its schema; return (accepted frame, rejects).

    ``first_row`` is the data-row number of the chunk's first row, or a series of row
    numbers aligned with ``raw``. ``keep_extra`` keeps columns beyond the contract as they
    are (the provenance columns of parsed Form 4 filings).
    """
    raw = raw.reset_index(drop=True)
    rows = (pd.Series(np.arange(len(raw), dtype="int64") + first_row)
            if isinstance(first_row, (int, np.integer)) else pd.Series(first_row).reset_index(drop=True))
    typed, reasons = {}, pd.Series("", index=raw.index, dtype="object")
    first_field = pd.Series(None, index=raw.index, dtype="object")
    for col in schema.columns:
        if col.name not in raw.columns:
            typed[col.name] = CONVERTERS.get(col.kind)(pd.Series([None] * len(raw), dtype="str"))[0]
            continue
        out, bad = CONVERTERS.get(col.kind)(raw[col.name])
        typed[col.name] = out
        if bad.any():
            shown = raw[col.name].astype("str").str.slice(0, 60)
            msg = f"{col.name}: expected {_EXPECTED[col.kind]}, got '" + shown + "'"
            reasons = reasons.where(~bad, reasons + np.where(reasons == "", "", "; ") + msg)
            first_field = first_field.where(~bad | first_field.notna(), col.name)
    frame = pd.DataFrame(typed)
    if keep_extra:
        for col in raw.columns:
            if col not in typed:
                frame[col] = raw[col].to_numpy()
    frame["source_row"] = rows.to_numpy()
    bad_rows = reasons != ""
    if not bad_rows.any():
        return frame, empty_rejects()
    raw_text = raw[bad_rows].astype("str").apply(lambda r: ",".join(r.fillna("")), axis=1) if len(raw.columns) else ""
    rejects = pd.DataFrame({
        "input": schema.name, "file": file, "row": rows[bad_rows].astype("Int64").to_numpy(),
        "field": first_field[bad_rows].astype("str").to_numpy(),
        "reason": reasons[bad_rows].astype("str").to_numpy(),
        "raw": pd.Series(raw_text).astype("str").str.slice(0, 500).to_numpy(),
    })
    return frame[~bad_rows.to_numpy()].reset_index(drop=True), rejects


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


def _sniff_encoding(path: Path) -> str:
    """'utf-8' or 'utf-8-sig'; raise a clear error for an empty or non-UTF-8 file."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise InputError(path, "the file is empty", expected="a header line and data rows")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(path, "the file is UTF-16 encoded", expected="UTF-8 text")
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    _check_utf8(path)
    return encoding


def _check_utf8(path: Path) -> None:
    """Name the first line that is not UTF-8 (Latin-1 and Windows-1252 exports are common)."""
    decoder = __import__("codecs").getincrementaldecoder("utf-8")()
    line_no, offset = 1, 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as err:
                bad_at = err.start
                line_no += block.count(b"\n", 0, bad_at)
                byte = block[bad_at:bad_at + 1].hex()
                raise InputError(path, f"not valid UTF-8 at line {line_no} (byte 0x{byte} at offset {offset + bad_at}); "
                                       "the file looks Latin-1 or Windows-1252 encoded",
                                 row=None, expected="UTF-8 text: re-save or convert it, e.g. iconv -f latin1 -t utf-8") from None
            line_no += block.count(b"\n")
            offset += len(block)


@READERS.register("csv")
def _read_csv(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats,
              columns: list[str] | None = None):
    """Fast path: pyarrow's streaming reader. From the first malformed row on, the exact
    (slower) csv-module path takes over, so every reject gets its true row number."""
    import pyarrow.csv as pc

    stats.encoding = _sniff_encoding(path)
    with open(path, newline="", encoding=stats.encoding) as f:
        header = next(csv.reader(f))
    _check_header(path, header, schema, stats)
    malformed = False

    def on_invalid(_row) -> str:
        nonlocal malformed
        malformed = True
        return "skip"

    reader = pc.open_csv(
        path,
        read_options=pc.ReadOptions(block_size=32 << 20, use_threads=True),
        parse_options=pc.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
        convert_options=pc.ConvertOptions(column_types={h: pa.string() for h in header},
                                          include_columns=[h for h in header if h.strip() in columns] if columns else None,
                                          strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    done = 0
    for batch in reader:
        if malformed:
            break
        frame = batch.to_pandas()
        frame.columns = [c.strip() for c in frame.columns]
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start:start + chunk_rows]
            stats.rows_read += len(part)
            yield part, done + 1
            done += len(part)
    if malformed:
        log.info("%s: malformed rows found; reading exactly from data row %d on", path, done + 1)
        yield from _read_csv_exact(path, schema, chunk_rows, stats, header, skip=done)


def _read_csv_exact(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats,
                    header: list[str], skip: int):
    ncols = len(header)
    header = [h.strip() for h in header]
    pending_rejects = []
    with open(path, newline="", encoding=stats.encoding) as f:
        reader = csv.reader(f)
        next(reader)
        rows, numbers, n = [], [], 0
        for record in reader:
            n += 1
            if n <= skip:
                continue
            if not record or (len(record) == 1 and record[0] == "" and ncols > 1):
                n -= 1  # a blank line is not a record (pyarrow skips them too)
                continue
            if len(record) != ncols:
                stats.rows_read += 1
                pending_rejects.append({"input": schema.name, "file": str(path), "row": n, "field": None,
                                        "reason": f"wrong number of fields: expected {ncols}, got {len(record)} (line {reader.line_num})",
                                        "raw": ",".join(record)[:500]})
                continue
            rows.append(record)
            numbers.append(n)
            if len(rows) >= chunk_rows:
                stats.rows_read += len(rows)
                yield _with_rejects(pd.DataFrame(rows, columns=header, dtype="str"), numbers, pending_rejects)
                rows, numbers, pending_rejects = [], [], []
        stats.rows_read += len(rows)
        yield _with_rejects(pd.DataFrame(rows, columns=header, dtype="str"), numbers, pending_rejects)


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
        frame = batch.to_pandas()
        stats.rows_read += len(frame)
        yield frame, done + 1
        done += len(frame)


@READERS.register("form4")
def _read_form4(path: Path, schema: InputSchema, chunk_rows: int, stats: InputStats):
    """A folder of SEC Form 4 XML filings; a file that cannot be parsed is a reject."""
    from workbench.irregularities.trading import read_form4

    frame, errors = read_form4(path)
    stats.rows_read += len(frame)
    frame = frame.reset_index(drop=True)
    rejects = [{"input": schema.name, "file": str(getattr(e, "file", "")), "row": None, "field": None,
                "reason": str(e), "raw": ""} for e in errors]
    stats.rows_read += len(rejects)
    frame.attrs["structural_rejects"] = rejects
    frame.attrs["keep_extra"] = True
    yield frame, 1


#: File suffix -> reader kind; a folder is read as a folder of Form 4 filings.
FILE_KINDS: dict[str, str] = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xml": "form4"}
FOLDER_KIND = "form4"
#: Inputs that may be given as SEC Form 4 filings (a folder, or one XML file).
FORM4_INPUTS = frozenset({"insider_trades"})


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
    kind = reader_kind(spec, path)
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
            rejects = pd.concat([pd.DataFrame(structural, columns=REJECT_COLUMNS).astype({"row": "Int64"}), rejects],
                                ignore_index=True) if len(rejects) else \
                pd.DataFrame(structural, columns=REJECT_COLUMNS).astype({"row": "Int64"})
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


from workbench import sql as _sql  # noqa: E402  registers the "sql" reader (imports SQLAlchemy lazily)
