"""Problems a case's inputs have that can be found before anything runs.

``workbench case check`` and ``workbench run`` call :func:`check_case`: case.yaml is
validated (:func:`workbench.case.load_case`), then every declared file input is looked at
quickly (its kind, encoding, header or schema, and a sample; never the whole file), and
every problem is reported at once, one line each, naming the input, the file and the
column or line. A case with problems exits 2 before a run folder exists, so a run never
stops half-way on something a look at the files could have told.

What is looked at, by reader kind (:data:`CHECKS`, a registry):

- every file: a regular file (not a folder, FIFO or device), inside the case folder, of a
  known kind (``.csv``/``.txt``, ``.parquet``/``.pq``; a folder or ``.xml`` file of Form 4
  filings for ``insider_trades``);
- ``csv``: not empty, UTF-8 (a BOM is fine; UTF-16 is not) in the first MiB, a header
  line with every required column, no column named twice or left unnamed, no NUL byte in it;
- ``parquet``: readable metadata, every required column, no column named twice, contract
  columns of scalar types (a list, struct or map column cannot be typed);
- ``form4``: every filing is well-formed, harmless XML holding an ownership document
  (each is small: they are parsed in full), and none leads out of the case folder.

Database inputs are checked statically by :mod:`workbench.case` (URL and statement); their
columns are checked when the run reads them. Row-level defects (a bad date, a malformed
row) are not problems here: the readers reject those rows one by one, with their row
numbers, and the counts reconcile.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
from pathlib import Path
from typing import Callable

from workbench.case import Case, SqlInput, load_case
from workbench.errors import CaseError
from workbench.registry import Registry
from workbench.sources import FILE_KINDS, FOLDER_KIND, FORM4_INPUTS, LETTER_INPUTS, LETTERS_KIND, SCHEMAS, InputSchema

#: Bytes of a text input looked at (encoding and header).
SAMPLE_BYTES = 1 << 20

Check = Callable[[str, Path, InputSchema, Path], list[str]]
#: Reader kind -> the quick look at one input of that kind (input name, path, schema, case folder).
CHECKS: Registry[Check] = Registry("input check")


def _where(name: str, path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = str(path)
    return f"inputs.{name} ({rel})"


def _header_problems(where: str, header: list[str], schema: InputSchema) -> list[str]:
    """Missing required, duplicated and unnamed columns of a header."""
    names = [h.strip() for h in header]
    problems = []
    missing = [c for c in schema.required if c not in names]
    if missing:
        problems.append(f"{where}: missing required column(s) {', '.join(missing)} "
                        f"(the header has {', '.join(repr(n[:40]) for n in names[:12]) or 'no column'})")
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        problems.append(f"{where}: column(s) named twice: {', '.join(dupes)}")
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank and len(names) > 1:
        problems.append(f"{where}: column(s) {', '.join(map(str, blank[:5]))} of the header have no name")
    return problems


@CHECKS.register("csv")
def _check_csv(name: str, path: Path, schema: InputSchema, root: Path) -> list[str]:
    where = _where(name, path, root)
    with open(path, "rb") as f:
        head = f.read(SAMPLE_BYTES)
    if not head:
        return [f"{where}: the file is empty (0 bytes); expected a header line (a header alone is an input of zero rows)"]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return [f"{where}: the file is UTF-16 encoded; expected UTF-8 (re-save it as UTF-8)"]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SAMPLE_BYTES)
    except UnicodeDecodeError as err:
        line = head.count(b"\n", 0, err.start) + 1
        return [f"{where}: line {line}: not valid UTF-8 (byte 0x{head[err.start]:02x}); expected UTF-8 text "
                "(a Latin-1 or Windows-1252 export: convert it, e.g. iconv -f latin1 -t utf-8)"]
    if not text.strip(" \t\r\n"):
        return [f"{where}: the file holds no header line; expected the columns {', '.join(schema.names)}"]
    first = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    if "\x00" in first:
        return [f"{where}: line 1: the header holds a NUL byte; expected a text header line"]
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\r\n"), newline="")))
    except (csv.Error, StopIteration) as err:
        return [f"{where}: line 1: the header cannot be read as CSV ({err})"]
    separator = next((sep for sep in (";", "\t", "|") if len(header) == 1 and sep in header[0]), None)
    if separator is not None:
        return [f"{where}: line 1: the header looks separated by {separator!r}; expected comma-separated "
                f"columns {', '.join(schema.names)}"]
    return _header_problems(where, header, schema)


#: Arrow type predicates for columns the workbench cannot type (nested values).
def _nested(t) -> bool:
    import pyarrow as pa

    return pa.types.is_nested(t) or pa.types.is_dictionary(t) and pa.types.is_nested(t.value_type)


@CHECKS.register("parquet")
def _check_parquet(name: str, path: Path, schema: InputSchema, root: Path) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    where = _where(name, path, root)
    try:
        arrow = pq.ParquetFile(path).schema_arrow
    except (pa.ArrowException, OSError, ValueError) as err:
        return [f"{where}: not a readable Parquet file ({str(err)[:200]})"]
    problems = _header_problems(where, list(arrow.names), schema)
    for field in arrow:
        if field.name in schema.names and _nested(field.type):
            problems.append(f"{where}: column {field.name} holds {field.type} values; expected a scalar "
                            "(text, number, date or timestamp)")
    return problems


@CHECKS.register(FOLDER_KIND)
def _check_form4(name: str, path: Path, schema: InputSchema, root: Path) -> list[str]:
    from workbench.form4 import Form4Error, MAX_FORM4_BYTES, parse_form4

    where = _where(name, path, root)
    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.suffix.lower() in (".xml", ".txt") and not p.is_dir())
    problems = []
    for f in files:
        label = f"{where}: {f.relative_to(root).as_posix() if f.is_relative_to(root) else f}"
        resolved = f.resolve()
        if not resolved.is_relative_to(root):
            problems.append(f"{label}: a link that leads out of the case folder (to {resolved})")
            continue
        if not stat.S_ISREG(os.stat(resolved).st_mode):
            problems.append(f"{label}: not a regular file")
            continue
        if resolved.stat().st_size > MAX_FORM4_BYTES:
            problems.append(f"{label}: {resolved.stat().st_size:,} bytes; a Form 4 filing is at most {MAX_FORM4_BYTES:,}")
            continue
        try:
            parse_form4(resolved.read_bytes(), str(f))
        except Form4Error as err:
            problems.append(f"{label}: {str(err).split(': ', 1)[-1]}")
    return problems


@CHECKS.register(LETTERS_KIND)
def _check_letters(name: str, path: Path, schema: InputSchema, root: Path) -> list[str]:
    """Every letter file readable by its format's reader, inside the case folder, of a known
    format, one file per template id (read in full: letters are small)."""
    from workbench.errors import InputError
    from workbench.letter_files import LETTER_SUFFIXES, letter_paths, read_letter, unknown_files

    where = _where(name, path, root)
    problems = [f"{where}: {f}: not a letter file (expected one of {', '.join(sorted(LETTER_SUFFIXES))})"
                for f in unknown_files(path)]
    try:
        files = letter_paths(path)
    except InputError as err:
        return problems + [f"{where}: {err}"]
    seen: dict[str, Path] = {}
    for f in files:
        resolved = f.resolve()
        if not resolved.is_relative_to(root):
            problems.append(f"{where}: {f}: a link that leads out of the case folder (to {resolved})")
            continue
        try:
            letter = read_letter(f)
        except InputError as err:
            problems.append(f"{where}: {err}")
            continue
        if letter.template_id in seen:
            problems.append(f"{where}: {f}: template id {letter.template_id!r} is also given by {seen[letter.template_id]}")
        seen.setdefault(letter.template_id, f)
    return problems  # an empty folder is an input of zero letters (the check says it was not assessed)


def _kind_problem(name: str, path: Path, root: Path) -> str | None:
    """Why this path cannot be read as input ``name``, or None (the kind is then known)."""
    where = _where(name, path, root)
    mode = os.stat(path).st_mode
    if name in LETTER_INPUTS:
        from workbench.letter_files import LETTER_SUFFIXES

        if stat.S_ISDIR(mode) or (stat.S_ISREG(mode) and path.suffix.lower() in LETTER_SUFFIXES):
            return None
        return (f"{where}: expected a folder of letters or one letter file "
                f"({', '.join(sorted(LETTER_SUFFIXES))})")
    if stat.S_ISDIR(mode):
        return None if name in FORM4_INPUTS else (
            f"{where}: is a folder; expected a file (.csv or .parquet); only insider_trades may be a folder of Form 4 filings")
    if not stat.S_ISREG(mode):
        return f"{where}: not a regular file (a FIFO, socket or device); expected a .csv or .parquet file"
    kind = FILE_KINDS.get(path.suffix.lower())
    if kind is None or (kind == FOLDER_KIND and name not in FORM4_INPUTS):
        known = sorted(s for s, k in FILE_KINDS.items() if k != FOLDER_KIND or name in FORM4_INPUTS)
        return f"{where}: unknown file kind {path.suffix or '(no suffix)'!r}; expected one of {', '.join(known)}"
    return None


def input_problems(case: Case) -> list[str]:
    """Every problem of the case's declared file inputs (one line each; empty when fine)."""
    root = case.folder
    problems: list[str] = []
    for name in case.declared_inputs():
        spec = case.input_spec(name)
        if isinstance(spec, SqlInput):
            continue
        path = case.input_path(name)
        assert path is not None
        if not path.exists():  # load_case reports it; a file removed since is reported again
            problems.append(f"inputs.{name}: file not found: {spec!r}")
            continue
        kind_problem = _kind_problem(name, path, root)
        if kind_problem:
            problems.append(kind_problem)
            continue
        kind = (LETTERS_KIND if name in LETTER_INPUTS else
                FOLDER_KIND if path.is_dir() else FILE_KINDS[path.suffix.lower()])
        problems += CHECKS.get(kind)(name, path, SCHEMAS[name], root)
    return problems


def check_case(path: str | Path) -> Case:
    """Load case.yaml and look at its inputs; raise :class:`CaseError` listing every problem."""
    case = load_case(path)
    problems = input_problems(case)
    if problems:
        raise CaseError(str(case.path), problems)
    return case
