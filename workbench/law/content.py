"""What a notice letter must (and must not) say, and what it must offer: content rules as law data.

``workbench/law/data/letter_content.yaml`` holds two lists beside the deadlines:

- ``letter_content``: one record per requirement of a jurisdiction's notice content, dated
  ``[since, until)``: a title or heading the letter must carry (``title``, ``heading``), a
  statement it must make (``statement``) or must not make (``forbidden``), contact details
  it must give (``contact``), a minimum type size (``type_size``). Each has its citation,
  source, confidence and the key phrases (and regular expressions) a letter is matched by;
  ``when_exposed`` limits it to residents whose exposed elements include one of those listed.
- ``remediation``: the minimum free credit-monitoring / identity-protection offer a statute
  requires (``months``), for residents whose exposed elements include one of ``when_exposed``,
  optionally only for organisations of some roles (``applies_to_roles``).

The loader (:mod:`workbench.law.loader`) calls :func:`parse_requirement` and
:func:`parse_remediation` per record; a bad record raises
:class:`~workbench.errors.LawDataError` naming the file and line. Not legal advice.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from workbench.errors import LawDataError
from workbench.law.elements import ELEMENTS
from workbench.law.model import CONFIDENCE_LEVELS

#: Kinds of a content requirement -> what the check does with it.
REQUIREMENT_KINDS: dict[str, str] = {
    "title": "the letter is titled with this text (its first heading, or a heading)",
    "heading": "the letter carries this heading",
    "statement": "the letter says this (one of the key phrases or patterns, in one sentence)",
    "contact": "the letter gives these contact details (every one of all_of, and a pattern if given)",
    "forbidden": "the letter must NOT say this (any key phrase or pattern found is a violation)",
    "type_size": "no text smaller than min_points (where the format records sizes)",
}

#: Keys of one content requirement: name -> required?
REQUIREMENT_KEYS: dict[str, bool] = {
    "code": True, "id": True, "kind": True, "requirement": True, "citation": True, "source": True,
    "confidence": True, "since": True, "until": False, "text": False, "phrases": False, "patterns": False,
    "all_of": False, "near": False, "min_points": False, "when_exposed": False, "notes": False,
}
#: Keys of one remediation minimum.
REMEDIATION_KEYS: dict[str, bool] = {
    "code": True, "id": True, "service": True, "months": True, "when_exposed": True, "citation": True,
    "source": True, "confidence": True, "since": True, "until": False, "applies_to_roles": False,
    "condition": False, "notes": False,
}


@dataclass(frozen=True)
class ContentRequirement:
    """One thing a notice letter of ``code`` must (or must not) contain on ``[since, until)``."""

    code: str
    id: str
    kind: str
    requirement: str
    citation: str
    source: str
    confidence: str
    since: dt.date
    until: dt.date | None = None
    text: str | None = None
    phrases: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    all_of: tuple[str, ...] = ()
    near: tuple[str, ...] = ()
    min_points: float | None = None
    when_exposed: frozenset[str] = frozenset()
    notes: str | None = None
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def in_force(self, on: dt.date) -> bool:
        return self.since <= on and (self.until is None or on < self.until)

    def applies(self, exposed: Iterable[str]) -> bool:
        """Whether the requirement concerns residents with these exposed elements."""
        return not self.when_exposed or bool(self.when_exposed & set(exposed))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "id": self.id, "kind": self.kind, "requirement": self.requirement,
                "citation": self.citation, "source": self.source, "confidence": self.confidence,
                "since": self.since.isoformat(), "until": self.until and self.until.isoformat(),
                "text": self.text, "phrases": list(self.phrases), "patterns": list(self.patterns),
                "all_of": list(self.all_of), "near": list(self.near), "min_points": self.min_points,
                "when_exposed": sorted(self.when_exposed), "notes": self.notes}


@dataclass(frozen=True)
class RemediationMinimum:
    """A statute's minimum free service (``months``) for residents whose exposed elements
    include one of ``when_exposed``, on ``[since, until)``."""

    code: str
    id: str
    service: str
    months: int
    when_exposed: frozenset[str]
    citation: str
    source: str
    confidence: str
    since: dt.date
    until: dt.date | None = None
    applies_to_roles: tuple[str, ...] = ()
    condition: str | None = None
    notes: str | None = None
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    def in_force(self, on: dt.date) -> bool:
        return self.since <= on and (self.until is None or on < self.until)

    def applies(self, exposed: Iterable[str], roles: Iterable[str] = ()) -> bool:
        if self.applies_to_roles and not set(self.applies_to_roles) & set(roles):
            return False
        return bool(self.when_exposed & set(exposed))

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "id": self.id, "service": self.service, "months": self.months,
                "when_exposed": sorted(self.when_exposed), "citation": self.citation, "source": self.source,
                "confidence": self.confidence, "since": self.since.isoformat(),
                "until": self.until and self.until.isoformat(), "applies_to_roles": list(self.applies_to_roles),
                "condition": self.condition, "notes": self.notes}


def _fail(file: str, rec: Any, key: str | None, msg: str) -> LawDataError:
    lines = getattr(rec, "key_lines", {})
    line = lines.get(key, getattr(rec, "line", None)) if key else getattr(rec, "line", None)
    who = rec.get("code") if isinstance(rec, dict) else None
    ident = rec.get("id") if isinstance(rec, dict) else None
    return LawDataError(file, f"{who or '?'} {ident or ''}: {msg}".replace("  ", " "), line=line)


def _common(file: str, rec: Any, keys: dict[str, bool]) -> dict[str, Any]:
    if not isinstance(rec, dict):
        raise LawDataError(file, "expected a mapping", line=getattr(rec, "line", None))
    unknown = sorted(set(rec) - set(keys))
    if unknown:
        raise _fail(file, rec, unknown[0], f"unknown key {unknown[0]!r}; known: {', '.join(keys)}")
    for k, required in keys.items():
        if required and rec.get(k) in (None, ""):
            raise _fail(file, rec, None, f"{k!r} is required")
    if rec["confidence"] not in CONFIDENCE_LEVELS:
        raise _fail(file, rec, "confidence", f"confidence {rec['confidence']!r}; expected one of "
                    f"{', '.join(CONFIDENCE_LEVELS)}")
    for k in ("since", "until"):
        if rec.get(k) is not None and not isinstance(rec[k], dt.date):
            raise _fail(file, rec, k, f"{k} must be a date (YYYY-MM-DD)")
    if rec.get("until") is not None and rec["until"] <= rec["since"]:
        raise _fail(file, rec, "until", "until must be after since")
    exposed = rec.get("when_exposed") or []
    bad = [e for e in exposed if e not in ELEMENTS]
    if bad:
        raise _fail(file, rec, "when_exposed", f"unknown data element(s) {', '.join(map(str, bad))}")
    return {"when_exposed": frozenset(exposed), "file": file, "line": getattr(rec, "line", 0)}


def _texts(file: str, rec: Any, key: str) -> tuple[str, ...]:
    items = rec.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise _fail(file, rec, key, f"{key} must be a list of non-empty texts")
    return tuple(items)


def parse_requirement(file: str, rec: Any) -> ContentRequirement:
    """One ``letter_content`` record -> :class:`ContentRequirement` (LawDataError when bad)."""
    common = _common(file, rec, REQUIREMENT_KEYS)
    kind = rec["kind"]
    if kind not in REQUIREMENT_KINDS:
        raise _fail(file, rec, "kind", f"kind {kind!r}; expected one of {', '.join(REQUIREMENT_KINDS)}")
    patterns = _texts(file, rec, "patterns")
    for p in patterns:
        try:
            re.compile(p)
        except re.error as err:
            raise _fail(file, rec, "patterns", f"pattern {p!r} is no regular expression ({err})") from None
    req = ContentRequirement(
        code=rec["code"], id=rec["id"], kind=kind, requirement=rec["requirement"], citation=rec["citation"],
        source=rec["source"], confidence=rec["confidence"], since=rec["since"], until=rec.get("until"),
        text=rec.get("text"), phrases=_texts(file, rec, "phrases"), patterns=patterns,
        all_of=_texts(file, rec, "all_of"), near=_texts(file, rec, "near"),
        min_points=float(rec["min_points"]) if rec.get("min_points") is not None else None,
        notes=rec.get("notes"), **common)
    if kind in ("title", "heading") and not req.text:
        raise _fail(file, rec, None, f"a {kind} requirement needs its 'text'")
    if kind in ("statement", "forbidden") and not (req.phrases or req.patterns):
        raise _fail(file, rec, None, f"a {kind} requirement needs 'phrases' or 'patterns' to match by")
    if kind == "contact" and not (req.all_of or req.patterns):
        raise _fail(file, rec, None, "a contact requirement needs 'all_of' or 'patterns'")
    if kind == "type_size" and not req.min_points:
        raise _fail(file, rec, None, "a type_size requirement needs 'min_points'")
    return req


def parse_remediation(file: str, rec: Any) -> RemediationMinimum:
    """One ``remediation`` record -> :class:`RemediationMinimum` (LawDataError when bad)."""
    common = _common(file, rec, REMEDIATION_KEYS)
    if not isinstance(rec["months"], int) or rec["months"] <= 0:
        raise _fail(file, rec, "months", "months must be a whole number above 0")
    if not common["when_exposed"]:
        raise _fail(file, rec, "when_exposed", "when_exposed must name at least one data element")
    from workbench.law.roles import ROLES

    roles = tuple(rec.get("applies_to_roles") or ())
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise _fail(file, rec, "applies_to_roles", f"unknown role(s) {', '.join(unknown)}")
    return RemediationMinimum(
        code=rec["code"], id=rec["id"], service=rec["service"], months=rec["months"], citation=rec["citation"],
        source=rec["source"], confidence=rec["confidence"], since=rec["since"], until=rec.get("until"),
        applies_to_roles=roles, condition=rec.get("condition"), notes=rec.get("notes"), **common)


def check_unique(items: list, what: str) -> None:
    """No two records of one code and id overlap in time."""
    by: dict[tuple[str, str], list] = {}
    for it in items:
        by.setdefault((it.code, it.id), []).append(it)
    for (code, ident), versions in by.items():
        versions.sort(key=lambda v: v.since)
        for a, b in zip(versions, versions[1:]):
            if a.until is None or a.until > b.since:
                raise LawDataError(b.file, f"{code} {what} {ident!r}: versions overlap ({a.since} and {b.since})",
                                   line=b.line)
