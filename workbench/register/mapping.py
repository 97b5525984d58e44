"""Which column of a register is which: the mapping model, and the built-in mappings.

A mapping is a YAML file (``data/mappings/<name>.yaml`` for the built-ins; the format is in
docs/register.md). It names the source column of each field (``null``: the register has no
such column), the date patterns its dates use, the timezone its dates are local to, and
which obligation its ``notified`` column evidences (``regulator``: the date the attorney
general was notified; ``individual``: the date the individuals were). Built-in mappings
record the public source their column names were read from and how sure we are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from workbench.errors import InputError, UnknownNameError
from workbench.register.dates import DATE_PATTERNS

MAPPINGS_DIR = Path(__file__).parent / "data" / "mappings"

#: field -> what it means. ``organisation`` and ``notified`` must be mapped; the others may be null.
FIELDS: dict[str, str] = {
    "organisation": "the organisation that filed the notice",
    "breach_start": "first day of the breach (may hold a range or list of dates; then breach_end may be null)",
    "breach_end": "last day of the breach",
    "discovered": "the day the organisation discovered (became aware of) the breach",
    "determined": "the day the organisation determined a breach occurred (for rules whose clock starts then)",
    "notified": "the day the notice this register evidences was given (see notified_obligation)",
    "individual_notified": "the day the individuals were notified (for regulator notices timed after it)",
    "residents_affected": "residents of the jurisdiction affected",
    "residents_elsewhere": "where the other affected people live: law-data codes with counts, 'US-NY=120; US-NJ=40'",
    "data_types": "free-text data types (normalised to workbench data elements)",
    "letter_url": "link to the notice letter",
    "sector": "industry or sector of the organisation",
    "record_id": "the register's own identifier of the row",
}
REQUIRED_FIELDS: tuple[str, ...] = ("organisation", "notified")
DATE_FIELDS: tuple[str, ...] = ("discovered", "determined", "notified", "individual_notified")
NOTIFIED_OBLIGATIONS: tuple[str, ...] = ("regulator", "individual")
CONFIDENCE: tuple[str, ...] = ("high", "medium", "low")
_KEYS = {"name", "description", "source", "confidence", "notes", "timezone", "notified_obligation",
         "notified_means", "columns", "date_formats"}


def header_key(name: str) -> str:
    """How a header is compared: case-insensitive, spaces collapsed (``DateAware`` = ``dateaware``)."""
    return " ".join(str(name).split()).casefold()


@dataclass(frozen=True)
class RegisterMapping:
    """One register layout: field -> source column (None: not in the register)."""

    name: str
    columns: dict[str, str | None]
    notified_obligation: str
    notified_means: str
    timezone: str = "UTC"
    date_formats: tuple[str, ...] = ()  # empty: every pattern of workbench.register.dates
    description: str = ""
    source: tuple[str, ...] = ()
    confidence: str = "low"
    notes: str = ""
    file: str = field(default="", compare=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def patterns(self) -> tuple[str, ...] | None:
        return self.date_formats or None

    def column(self, fld: str) -> str | None:
        return self.columns.get(fld)

    def to_dict(self) -> dict:
        return {"name": self.name, "file": self.file, "notified_obligation": self.notified_obligation,
                "notified_means": self.notified_means, "timezone": self.timezone,
                "date_formats": list(self.date_formats), "columns": dict(self.columns),
                "source": list(self.source), "confidence": self.confidence}


def mapping_from_dict(raw: object, file: str) -> RegisterMapping:
    """Validate a mapping's YAML content; every problem names the file and the key."""
    if not isinstance(raw, dict):
        raise InputError(file, "a mapping is a YAML mapping of keys", expected="name, columns, notified_obligation ...")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise InputError(file, f"unknown key(s) {', '.join(unknown)}", field=unknown[0], expected=", ".join(sorted(_KEYS)))
    cols = raw.get("columns")
    if not isinstance(cols, dict):
        raise InputError(file, "no 'columns' mapping", field="columns", expected="field: source column name")
    bad = sorted(set(cols) - set(FIELDS))
    if bad:
        raise InputError(file, f"unknown field(s) {', '.join(bad)}", field=f"columns.{bad[0]}", expected=", ".join(FIELDS))
    for f in REQUIRED_FIELDS:
        if not cols.get(f):
            raise InputError(file, f"field {f!r} must name a column", field=f"columns.{f}", expected="a column name")
    columns = {f: (None if cols.get(f) in (None, "") else str(cols[f])) for f in FIELDS}
    mapped = [c for c in columns.values() if c]
    dup = sorted({c for c in mapped if [header_key(x) for x in mapped].count(header_key(c)) > 1})
    if dup:
        raise InputError(file, f"column(s) {', '.join(dup)} mapped to more than one field", field="columns")
    obligation = raw.get("notified_obligation")
    if obligation not in NOTIFIED_OBLIGATIONS:
        raise InputError(file, f"notified_obligation {obligation!r}", field="notified_obligation",
                         expected=" or ".join(NOTIFIED_OBLIGATIONS) + " (which notice the 'notified' column dates)")
    formats = tuple(raw.get("date_formats") or ())
    for name in formats:
        if name not in DATE_PATTERNS:
            raise InputError(file, f"unknown date format {name!r}", field="date_formats",
                             expected=", ".join(DATE_PATTERNS.names()))
    tz = str(raw.get("timezone") or "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(file, f"unknown timezone {tz!r}", field="timezone", expected="an IANA name such as America/Los_Angeles") from None
    confidence = str(raw.get("confidence") or "low")
    if confidence not in CONFIDENCE:
        raise InputError(file, f"confidence {confidence!r}", field="confidence", expected=", ".join(CONFIDENCE))
    source = raw.get("source") or ()
    return RegisterMapping(
        name=str(raw.get("name") or Path(file).stem), columns=columns, notified_obligation=obligation,
        notified_means=str(raw.get("notified_means") or ""), timezone=tz, date_formats=formats,
        description=str(raw.get("description") or ""), source=tuple([source] if isinstance(source, str) else source),
        confidence=confidence, notes=str(raw.get("notes") or ""), file=file)


def builtin_mappings() -> list[str]:
    """Names of the built-in mappings (``generic`` and the documented register layouts)."""
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


@lru_cache(maxsize=32)
def _load_file(path: str) -> RegisterMapping:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InputError(path, f"not valid YAML: {err}") from None
    return mapping_from_dict(raw, path)


def load_mapping(name_or_path: str | Path | None = None) -> RegisterMapping:
    """A built-in mapping by name (default ``generic``) or a mapping file by path.

    An unknown name that is not a file raises UnknownNameError listing the built-ins.
    """
    if name_or_path is None:
        name_or_path = "generic"
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.is_file():
        if not p.is_file():
            raise InputError(str(p), "mapping file not found")
        return _load_file(str(p))
    if str(name_or_path) not in builtin_mappings():
        raise UnknownNameError("register mapping", str(name_or_path), builtin_mappings())
    return _load_file(str(MAPPINGS_DIR / f"{name_or_path}.yaml"))
