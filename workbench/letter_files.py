"""Notice letters as an input: text, HTML, PDF and DOCX files read into one table of letter texts.

The ``letters`` input of case.yaml is a folder of letter files (or one file). Each file is one
letter: a template, or one rendered letter. Its **template id is the file's stem**
(``EXCB-2017-US-MAIL-1.docx`` is template ``EXCB-2017-US-MAIL-1``); notices point at it by
their ``template_id``, and a notice without one by its ``notice_id`` (a rendered letter named
after its notice). Two files of one stem are an error.

Readers are registered by suffix (:data:`LETTER_READERS`): ``.txt`` (UTF-8), ``.html``/``.htm``
(the standard library's HTML parser), ``.pdf`` (pypdf), ``.docx`` (python-docx). Each gives
the letter's text as lines (one per paragraph, heading or table cell), and the type sizes the
file states where its format records them (DOCX run and style sizes, HTML ``font-size`` in
CSS, PDF text sizes); a plain-text file records none. A file that cannot be read raises
:class:`~workbench.errors.InputError` naming it.

The intake (:mod:`workbench.sources`, reader kind ``letters``) types these rows like any
input and keeps them in the store; the content check reads the store, never these files.
"""

from __future__ import annotations

import html.parser
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from workbench.errors import InputError
from workbench.registry import Registry

#: Largest letter file read (a letter is a few pages; anything larger is not a letter).
MAX_LETTER_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Letter:
    """One letter file read: its lines of text, and the smallest and largest type size stated."""

    template_id: str
    file: str
    format: str
    lines: tuple[str, ...]
    min_points: float | None = None
    max_points: float | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def row(self) -> dict:
        sizes = ("not recorded by the file" if self.min_points is None else
                 f"{self.min_points:g}-{self.max_points:g} pt")
        return {"template_id": self.template_id, "file": self.file, "format": self.format, "text": self.text,
                "min_type_pt": None if self.min_points is None else f"{self.min_points:g}", "type_sizes": sizes}


#: (lines, type sizes in points) of one file's bytes.
LetterReader = Callable[[bytes, str], tuple[list[str], list[float]]]
LETTER_READERS: Registry[LetterReader] = Registry("letter format")
#: File suffix -> format name.
LETTER_SUFFIXES: dict[str, str] = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html",
                                   ".pdf": "pdf", ".docx": "docx"}

_SPACE = re.compile(r"[ \t\u00a0\u2000-\u200b]+")


def _clean(lines) -> list[str]:
    out = []
    for line in lines:
        line = _SPACE.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


@LETTER_READERS.register("txt")
def read_txt(data: bytes, name: str) -> tuple[list[str], list[float]]:
    """A plain-text letter: UTF-8 (a BOM is fine); one line per line. Records no type size."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(name, f"not UTF-8 text (byte {err.start}); save the letter as UTF-8") from None
    return _clean(text.splitlines()), []


_BLOCK = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "title", "section",
          "article", "header", "footer", "table", "ul", "ol", "dt", "dd", "blockquote", "address", "hr"}
_SIZE = re.compile(r"font-size\s*:\s*([\d.]+)\s*(pt|px)", re.I)


class _HtmlText(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.sizes: list[float] = []
        self._skip = 0

    def _sizes(self, css: str) -> None:
        for value, unit in _SIZE.findall(css):
            self.sizes.append(float(value) * (0.75 if unit.lower() == "px" else 1.0))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "head"):
            self._skip += 1
        for k, v in attrs:
            if k == "style" and v:
                self._sizes(v)
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "head"):
            self._skip = max(0, self._skip - 1)
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self.lasttag == "style":
            self._sizes(data)
            return
        if not self._skip:
            self.parts.append(data.replace("\n", " "))


@LETTER_READERS.register("html")
def read_html(data: bytes, name: str) -> tuple[list[str], list[float]]:
    """An HTML letter: text of the body, one line per block element; sizes from CSS ``font-size``
    (``pt``, or ``px`` at 0.75 pt each) in ``style`` attributes and ``<style>`` blocks."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(name, f"not UTF-8 HTML (byte {err.start})") from None
    p = _HtmlText()
    p.feed(text)
    p.close()
    return _clean("".join(p.parts).split("\n")), p.sizes


@LETTER_READERS.register("pdf")
def read_pdf(data: bytes, name: str) -> tuple[list[str], list[float]]:
    """A PDF letter (pypdf): the text of every page by lines; sizes from the text's font size
    scaled by the text matrix."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    sizes: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip() and size:
            scale = (abs(tm[3]) or 1.0) * (abs(cm[3]) or 1.0)
            sizes.append(round(float(size) * scale, 1))

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(name, "an encrypted PDF; give the letter unencrypted")
        lines: list[str] = []
        for page in reader.pages:
            lines += (page.extract_text(visitor_text=visit) or "").splitlines()
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as err:
        raise InputError(name, f"not a readable PDF ({type(err).__name__}: {err})") from None
    return _unwrap(_clean(lines)), sizes


def _unwrap(lines: list[str]) -> list[str]:
    """A PDF's wrapped lines joined back into paragraphs: a line that ends without sentence
    punctuation continues on a next line that starts in lower case or with a digit."""
    out: list[str] = []
    for line in lines:
        if out and not out[-1].endswith((".", "?", "!", ":", ";")) and (line[:1].islower() or line[:1].isdigit()):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


@LETTER_READERS.register("docx")
def read_docx(data: bytes, name: str) -> tuple[list[str], list[float]]:
    """A DOCX letter (python-docx): paragraphs and table cells; sizes of runs, paragraph
    styles and the document's default style where set."""
    import zipfile

    import docx

    try:
        doc = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise InputError(name, f"not a readable DOCX file ({type(err).__name__}: {err})") from None
    lines: list[str] = []
    sizes: list[float] = []

    def para(p):
        if not p.text.strip():
            return
        lines.append(p.text)
        style_size = p.style.font.size if p.style is not None else None
        for run in p.runs:
            if run.text.strip():
                size = run.font.size or style_size or default
                if size is not None:
                    sizes.append(round(size.pt, 1))

    default = doc.styles["Normal"].font.size if "Normal" in [s.name for s in doc.styles] else None
    for p in doc.paragraphs:
        para(p)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    para(p)
    return _clean(lines), sizes


def letter_format(path: Path) -> str | None:
    return LETTER_SUFFIXES.get(path.suffix.lower())


def letter_paths(path: str | Path) -> list[Path]:
    """The letter files of the input: the file itself, or every file below the folder of a
    known suffix (others are named by :func:`unknown_files`)."""
    from workbench.folders import EntryKind, walk

    path = Path(path)
    if path.is_file():
        return [path]
    out = []
    for entry in walk(path):
        if entry.kind != EntryKind.FILE:
            raise InputError(str(entry.path), entry.describe())
        if letter_format(entry.path):
            out.append(entry.path)
    return out


def unknown_files(path: str | Path) -> list[Path]:
    """Files of a letters folder that are of no letter format (hidden files left out)."""
    from workbench.folders import EntryKind, walk

    path = Path(path)
    if path.is_file():
        return [] if letter_format(path) else [path]
    return [e.path for e in walk(path) if e.kind == EntryKind.FILE and not letter_format(e.path)
            and not e.path.name.startswith(".")]


def read_letter(path: str | Path) -> Letter:
    """One letter file read by the reader of its suffix (InputError naming the file if it cannot be)."""
    path = Path(path)
    fmt = letter_format(path)
    if fmt is None:
        raise InputError(str(path), f"unknown letter format {path.suffix or '(no suffix)'!r}; expected one of "
                         f"{', '.join(sorted(LETTER_SUFFIXES))}")
    size = path.stat().st_size
    if size > MAX_LETTER_BYTES:
        raise InputError(str(path), f"{size:,} bytes; a letter file is at most {MAX_LETTER_BYTES:,}")
    if size == 0:
        raise InputError(str(path), "an empty file (0 bytes); a letter needs its text")
    lines, sizes = LETTER_READERS.get(fmt)(path.read_bytes(), str(path))
    if not lines:
        raise InputError(str(path), f"no text could be read from this {fmt} file (a scanned image?); "
                         "give the letter's text")
    return Letter(path.stem, str(path), fmt, tuple(lines), min(sizes) if sizes else None,
                  max(sizes) if sizes else None)


def read_letters(path: str | Path) -> list[Letter]:
    """Every letter of the input, one per template id (InputError on a file that cannot be
    read, a file of no letter format, or two files of one template id)."""
    unknown = unknown_files(path)
    if unknown:
        raise InputError(str(unknown[0]), f"not a letter file (expected one of {', '.join(sorted(LETTER_SUFFIXES))})"
                         + (f"; and {len(unknown) - 1} more" if len(unknown) > 1 else ""))
    letters: dict[str, Letter] = {}
    for p in letter_paths(path):
        letter = read_letter(p)
        if letter.template_id in letters:
            raise InputError(str(p), f"template id {letter.template_id!r} is also given by "
                             f"{letters[letter.template_id].file}; one file per template")
        letters[letter.template_id] = letter
    return list(letters.values())
