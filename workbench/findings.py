"""The Finding record shared by every check, its severity scale, categories and units.

Every ``count`` carries its :class:`Unit` (people, notices, rows...). Severities come from
the one model of :mod:`workbench.severity`; :func:`sort_findings` ranks by severity, then by
:func:`impact`. Each finding's published ``basis`` comes from :mod:`workbench.basis`.

Every check returns a list of :class:`Finding`; the report needs no per-check code.
A finding's ``id`` is derived from what identifies it (category, check code,
jurisdiction, subject), not from its counts, so the same finding keeps its id
across runs while its numbers change.
"""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

SCHEMA_VERSION = "1.0"


class Unit(enum.StrEnum):
    """What a finding's ``count`` counts. Counts are only ever added up within one unit."""

    PEOPLE = "people"              # affected people / residents concerned
    NOTICES = "notices"            # notice records (letters, e-mails)
    MESSAGES = "messages"          # official messages (web pages, e-mails, posts)
    TRANSACTIONS = "transactions"  # insider transactions (sales and sale equivalents)
    AWARDS = "awards"              # compensation awards
    FILINGS = "filings"            # filings to a regulator
    ROWS = "rows"                  # input rows (a data-quality failure counts rows, not people)
    VALUES = "values"              # aggregate values of an input (a data-quality bound on a whole column)
    DAYS = "days"                  # days late (a register row's lateness)
    UNSPECIFIED = "unspecified"    # a legacy finding whose check is unknown: never added to anything


class Severity(enum.StrEnum):
    """The severity scale, most severe first (a member equals its text: ``Severity.HIGH == "high"``)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


#: Severity scale, most severe first, as text (for JSON Schema enums and tables).
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

#: Categories of findings, with a one-line description each (shown in reports).
CATEGORIES: dict[str, str] = {
    "data_quality": "Input data fails a data-quality expectation or could not be parsed",
    "notice_timeliness": "Individual notices late, missing or overdue against the legal deadline",
    "regulator_notice": "Notice to an attorney general, regulator or supervisory authority",
    "cra_notice": "Notice to consumer reporting agencies (credit bureaus)",
    "insider_trading": "Insider share sales between discovery and public disclosure",
    "lookalike_link": "Official messages linking to look-alike or unofficial domains",
    "notice_letter": "Notice letters sent to the wrong people or with wrong content",
    "compensation": "Executive awards in the crisis window",
}


@dataclass(frozen=True)
class Finding:
    """One audit finding. ``evidence`` is a small dict, never a full personal record."""

    category: str
    code: str
    severity: str
    title: str
    detail: str
    jurisdiction: str | None = None
    subject: str | None = None
    count: int = 0
    citation: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    unit: str | None = None

    def __post_init__(self) -> None:
        if self.unit is None:  # a check that does not say: the unit its category and code count
            object.__setattr__(self, "unit", str(unit_for(self.category, self.code, self.evidence)))
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}; known: {', '.join(UNITS)}")
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown finding category {self.category!r}; known: {', '.join(CATEGORIES)}")
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}; known: {', '.join(SEVERITIES)}")
        if not self.code:
            raise ValueError("a finding needs a check code")

    @property
    def id(self) -> str:
        key = "|".join([self.category, self.code, self.jurisdiction or "", self.subject or ""])
        return f"{self.category[:3].upper()}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"

    def to_dict(self) -> dict[str, Any]:
        """The published shape (findings.json); ``code`` travels inside ``evidence``."""
        d = asdict(self)
        code = d.pop("code")
        d["evidence"] = {"check": code, **_jsonable(d["evidence"])}
        d["count"] = int(d["count"])
        d["unit"] = str(self.unit)
        from workbench.basis import basis_for  # the basis registry reads findings' codes

        d["basis"] = basis_for(self).to_json()
        return {"id": self.id, **d}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        """A finding from its published shape. An older findings.json has no ``unit``: it is
        inferred from the category and check code (:func:`unit_for`), the table the checks
        themselves follow; ``basis`` is not read back (it is derived from the check code)."""
        evidence = dict(d.get("evidence") or {})
        code = evidence.pop("check", None) or d.get("code")
        return cls(category=d["category"], code=code, severity=d["severity"], title=d["title"],
                   detail=d["detail"], jurisdiction=d.get("jurisdiction"), subject=d.get("subject"),
                   count=int(d.get("count") or 0), citation=d.get("citation"), evidence=evidence,
                   unit=d.get("unit") or None)


def _jsonable(value: Any) -> Any:
    """Make evidence JSON-safe (numpy scalars, timestamps, sets) in a stable form."""
    return json.loads(json.dumps(value, default=_default, sort_keys=True))


def _default(o: Any) -> Any:
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, (set, frozenset, tuple)):
        return sorted(o)
    return str(o)


#: The unit each category counts, and the check codes that count something else. Checks
#: pass ``unit=`` themselves; this table is what an older findings.json is read with.
CATEGORY_UNITS: dict[str, Unit] = {
    "data_quality": Unit.ROWS, "notice_timeliness": Unit.PEOPLE, "regulator_notice": Unit.PEOPLE,
    "cra_notice": Unit.PEOPLE, "insider_trading": Unit.TRANSACTIONS, "lookalike_link": Unit.MESSAGES,
    "notice_letter": Unit.PEOPLE, "compensation": Unit.AWARDS,
}
CODE_UNITS: dict[str, Unit] = {
    "dq.population.notice_unknown_person": Unit.NOTICES,
    "dq.population.person_without_notice": Unit.PEOPLE,
    "regulator_count_revised": Unit.FILINGS,
}
#: Every unit, as text.
UNITS: tuple[str, ...] = tuple(u.value for u in Unit)
#: ``evidence["count_unit"]`` words of older findings, as units.
_COUNT_UNIT_WORDS = {"aggregate value": Unit.VALUES, "days late": Unit.DAYS, "rows": Unit.ROWS}


def unit_for(category: str, code: str, evidence: dict[str, Any] | None = None) -> Unit:
    """The unit a finding of this category and check counts (for findings that do not say:
    older findings.json files). ``evidence["count_unit"]`` wins where an older check wrote one;
    an unknown category is :attr:`Unit.UNSPECIFIED`, never guessed."""
    word = (evidence or {}).get("count_unit")
    if word in _COUNT_UNIT_WORDS:
        return _COUNT_UNIT_WORDS[word]
    return CODE_UNITS.get(code) or CATEGORY_UNITS.get(category, Unit.UNSPECIFIED)


#: Evidence keys that hold days late or overdue, in order of preference (the impact's second key).
DAYS_KEYS: tuple[str, ...] = ("days_late", "days_overdue", "days_late_median", "days_late_max")


def impact(f: Finding) -> tuple[int, int, int]:
    """How much a finding weighs within its severity: (people concerned, days late, count in
    another unit). People are the finding's count when it counts people, else
    ``evidence["people"]`` where a check computed it; days come from the evidence
    (:data:`DAYS_KEYS`); a count in another unit (rows, messages...) is the last key."""
    ev = f.evidence or {}
    people = int(f.count) if f.unit == Unit.PEOPLE else _int(ev.get("people"))
    days = next((_int(ev[k]) for k in DAYS_KEYS if ev.get(k) is not None), 0)
    if f.unit == Unit.DAYS:
        days = max(days, int(f.count))
    other = 0 if f.unit in (Unit.PEOPLE, Unit.DAYS) else int(f.count)
    return people, days, other


def _int(v: Any) -> int:
    try:
        return int(v) if v is not None else 0
    except (TypeError, ValueError):
        return 0


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first; within a severity by :func:`impact` (people concerned, then days
    late, then a count in another unit, all descending); then category, jurisdiction,
    subject and check code, so the order is stable."""
    def key(f: Finding):
        people, days, other = impact(f)
        return (SEVERITY_RANK[f.severity], -people, -days, -other, f.category,
                f.jurisdiction or "", f.subject or "", f.code)

    return sorted(findings, key=key)


def findings_frame(findings: Iterable[Finding]):
    """A pandas table of findings in the published shape (for display)."""
    import pandas as pd

    rows = [f.to_dict() for f in sort_findings(findings)]
    cols = ["id", "category", "severity", "title", "detail", "jurisdiction", "subject",
            "count", "unit", "citation", "basis", "evidence"]
    return pd.DataFrame(rows, columns=cols)
