"""The Finding record shared by every check, its severity scale and categories.

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

    def __post_init__(self) -> None:
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
        return {"id": self.id, **d}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        evidence = dict(d.get("evidence") or {})
        code = evidence.pop("check", None) or d.get("code")
        return cls(category=d["category"], code=code, severity=d["severity"], title=d["title"],
                   detail=d["detail"], jurisdiction=d.get("jurisdiction"), subject=d.get("subject"),
                   count=int(d.get("count") or 0), citation=d.get("citation"), evidence=evidence)


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


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first, then by category, jurisdiction and subject: a stable order."""
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], f.category,
                                           f.jurisdiction or "", f.subject or "", f.code))


def findings_frame(findings: Iterable[Finding]):
    """A pandas table of findings in the published shape (for display)."""
    import pandas as pd

    rows = [f.to_dict() for f in sort_findings(findings)]
    cols = ["id", "category", "severity", "title", "detail", "jurisdiction", "subject",
            "count", "citation", "evidence"]
    return pd.DataFrame(rows, columns=cols)
