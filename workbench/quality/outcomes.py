"""Outcomes: what one expectation found over one input, and how a GX result folds into them.

Counts add exactly over batches (chunks) and examples are capped, so every engine ends
with the same :class:`Outcome` per check; :class:`InputValidation` is one input validated.
Reading a GX validation result needs no import of Great Expectations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.quality.suites import ExpectationSpec, SuiteSpec, _evidence_keys


DEFAULT_MAX_EXAMPLES = 20


@dataclass
class Outcome:
    """The aggregated result of one expectation over one input."""

    input: str
    check: str
    type: str
    column: str | None
    severity: str
    rationale: str
    scope: str
    element_count: int = 0
    unexpected_count: int = 0
    missing_count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    #: An aggregate expectation (scope ``aggregate``): the value GX observed over the whole
    #: input, whether it failed, and the bounds it was held to (suite parameters resolved).
    #: Its row counts stay 0: it has no failing rows.
    observed_value: Any = None
    aggregate_failed: bool = False
    expected: dict[str, Any] | None = None

    @classmethod
    def empty(cls, input_name: str, spec: ExpectationSpec) -> "Outcome":
        return cls(input_name, spec.check, spec.type, spec.column, spec.severity, spec.rationale, spec.scope)

    @property
    def success(self) -> bool:
        return self.error is None and self.unexpected_count == 0 and not self.aggregate_failed

    def add(self, element_count: int, unexpected_count: int, missing_count: int,
            examples: list[dict[str, Any]], cap: int) -> None:
        """Fold one batch's result in: counts add exactly, examples up to ``cap``."""
        self.element_count += int(element_count or 0)
        self.unexpected_count += int(unexpected_count or 0)
        self.missing_count += int(missing_count or 0)
        room = cap - len(self.examples)
        if room > 0:
            self.examples.extend(examples[:room])

    def merge(self, other: "Outcome", cap: int) -> None:
        """Fold in the outcome of the same check over another batch (an error sticks)."""
        if other.error is not None:
            self.error = other.error
        if other.expected is not None:  # an aggregate is judged once per input: take its one result
            self.observed_value, self.aggregate_failed, self.expected = (other.observed_value, other.aggregate_failed,
                                                                         other.expected)
        self.add(other.element_count, other.unexpected_count, other.missing_count, other.examples, cap)

    def counts(self) -> tuple[str, str, int, int, int]:
        return (self.input, self.check, self.element_count, self.unexpected_count, self.missing_count)


@dataclass
class InputValidation:
    """One input validated: read statistics, rejects, outcomes and raw evidence."""

    input: str
    engine: str
    stats: dict[str, Any]
    rejects: pd.DataFrame
    outcomes: list[Outcome]
    raw_results: list[dict[str, Any]] = field(default_factory=list)
    rejects_total: int = 0

    def outcome(self, check: str) -> Outcome:
        return next(o for o in self.outcomes if o.check == check)


def _pct(n: int, d: int) -> float:
    return round(100.0 * n / d, 4) if d else 0.0


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (timestamps as ISO text, NaN/NA as None)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _examples(result: dict, spec: ExpectationSpec, keys: list[str]) -> list[dict[str, Any]]:
    """Failing rows as {key..., source_row, column: value}, in file order (the first ones:
    SUMMARY results list only the first ``partial_unexpected_count``)."""
    rows = []
    for item in result.get("unexpected_index_list") or result.get("partial_unexpected_index_list") or []:
        if isinstance(item, dict):
            rows.append({k: _plain(v) for k, v in item.items()})
    rows.sort(key=lambda r: (r.get("source_row") is None, r.get("source_row") or 0))
    return rows


def _raised(info: Any) -> str | None:
    """The message of an exception GX caught, at the expectation or any metric level."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "expectation raised an exception")[:500]
    for value in info.values():
        msg = _raised(value) if isinstance(value, dict) else None
        if msg:
            return msg
    return None


#: The kwargs of an aggregate expectation that say what value it expects.
_BOUNDS = ("value", "min_value", "max_value", "strict_min", "strict_max")


def _fold_suite_result(result, spec: SuiteSpec, outcomes: dict[str, Outcome], cap: int) -> None:
    by_check = {e.check: e for e in spec.expectations}
    for r in result.results:
        check = (r.expectation_config.meta or {}).get("check")
        if check not in outcomes:
            continue
        out = outcomes[check]
        res = r.result or {}
        error = _raised(r.exception_info)
        if error is None and by_check[check].scope == "aggregate":
            if "observed_value" not in res:
                out.error = "the aggregate expectation returned no observed value"
                continue
            kwargs = dict(r.expectation_config.kwargs or {})
            out.observed_value = _plain(res["observed_value"])
            out.aggregate_failed = not r.success
            out.expected = {k: _plain(kwargs[k]) for k in _BOUNDS if k in kwargs}
            continue
        if error is None and not r.success and res.get("unexpected_count") is None:
            error = "the expectation failed without counts (GX returned no unexpected_count)"
        if error is not None:
            out.error = error
            continue
        out.add(res.get("element_count", 0), res.get("unexpected_count", 0), res.get("missing_count", 0),
                _examples(res, by_check[check], _evidence_keys(spec)), cap)
