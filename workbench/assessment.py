"""Whether a check was assessed, as a typed value (never free text read by its prefix).

Every stage says, per check, either :func:`assessed` (optionally with a qualifier such as
"no share_prices: loss avoided not estimated") or :func:`not_assessed` with the reason
(an absent input, an input of zero rows, a period the law data does not model...).
"Not assessed" never means passed: the report lists every one of them.

In ``artifacts/<stage>.findings.json`` an assessment is ``{"state": "assessed" |
"not_assessed", "reason": str | null}``; :meth:`Assessment.from_json` also reads the plain
strings that runs before this module wrote.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Mapping


class State(str, enum.Enum):
    ASSESSED = "assessed"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True)
class Assessment:
    """A check's state and, for ``not_assessed``, why (for ``assessed``, an optional note)."""

    state: State
    reason: str | None = None

    @property
    def is_assessed(self) -> bool:
        return self.state is State.ASSESSED

    def __str__(self) -> str:
        if self.is_assessed:
            return "assessed" + (f" ({self.reason})" if self.reason else "")
        return f"not assessed: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state.value, "reason": self.reason}

    @classmethod
    def from_json(cls, value: Any) -> "Assessment":
        """Read the JSON form, or the text form of older runs (``"not assessed: ..."``)."""
        if isinstance(value, Assessment):
            return value
        if isinstance(value, Mapping):
            return cls(State(value["state"]), value.get("reason"))
        text = str(value).strip()
        if text.lower().startswith("not assessed"):
            return cls(State.NOT_ASSESSED, text.split(":", 1)[1].strip() if ":" in text else "no reason given")
        note = text[len("assessed"):].strip().strip("()").strip() if text.lower().startswith("assessed") else text
        return cls(State.ASSESSED, note or None)


def assessed(note: str | None = None) -> Assessment:
    """The check ran (``note``: a limit of what it covered, shown beside it)."""
    return Assessment(State.ASSESSED, note)


def not_assessed(reason: str) -> Assessment:
    """The check did not run; ``reason`` says why, in words an auditor can act on."""
    if not reason:
        raise ValueError("a not-assessed check needs its reason")
    return Assessment(State.NOT_ASSESSED, reason)


def input_absent(*names: str) -> Assessment:
    """Not assessed because the case declares none of these inputs."""
    return not_assessed(f"input {', '.join(names)} absent from case.yaml")


def input_empty(name: str, rows_read: int = 0) -> Assessment:
    """Not assessed because the input has no accepted rows (none at all, or all rejected)."""
    if rows_read:
        return not_assessed(f"every row of input {name} was rejected ({rows_read} read; see rejects/{name}.csv)")
    return not_assessed(f"input {name} has no rows")


def zero_rows(name: str, meaning: str) -> Assessment:
    """Assessed on an input of zero rows, which is itself the answer (``meaning``: what
    zero rows says, such as "no awards were made")."""
    return assessed(f"input {name} has zero rows: {meaning}")


def to_json(assessments: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A stage's ``{check: Assessment}`` as JSON (text values are read first)."""
    return {k: Assessment.from_json(v).to_json() for k, v in assessments.items()}


def status_frame(assessments: Mapping[str, Any]):
    """Per check, its state and reason, as a table for display (notebooks show it first)."""
    import pandas as pd

    rows = []
    for check, value in assessments.items():
        a = Assessment.from_json(value)
        rows.append({"check": check, "state": a.state.value, "reason": a.reason or ""})
    return pd.DataFrame(rows, columns=["check", "state", "reason"])
