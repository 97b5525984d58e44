"""Findings (category ``data_quality``) from validated inputs.

One per failing expectation per input, with exact unexpected counts and up to
``max_examples`` failing rows named by business key and ``source_row``; rows that
``sources`` could not parse become findings too.

Severity: the one model (:mod:`workbench.severity`) with audit-standard exposure and the
expectation's reviewed ``meta.severity`` as its gravity. Failing rows are counted in rows
(not people: a row of ``notices`` is a notice, of ``affected_people`` a person record) and
rank a finding within its level; they do not raise it (4 duplicated person ids are as grave
as 400 for the contract: every later count rests on the key).
"""

from __future__ import annotations

from typing import Iterable

from workbench.findings import Finding, Unit
from workbench.quality.evidence import mask_example
from workbench.quality.outcomes import DEFAULT_MAX_EXAMPLES, InputValidation, _pct
from workbench.severity import reviewed_severity

#: A row that does not parse is excluded from every other check: reviewed as high.
REJECTED_ROWS_LEVEL = "high"


def dq_severity(reviewed: str) -> str:
    """Severity of a data-contract failure whose expectation is reviewed at ``reviewed``."""
    return reviewed_severity(reviewed)


def findings_for(validations: Iterable[InputValidation], *, mask: bool = True) -> list[Finding]:
    """Findings (category ``data_quality``) from validated inputs.

    One per failing expectation per input, one per input with rows that could not be
    parsed, one per expectation that could not be evaluated.
    """
    out = []
    for v in validations:
        if v.rejects_total:
            s = v.stats
            by_field = {f"{r.field}: {r.reason_kind}": int(r.rows) for r in v.rejects.itertuples()}
            out.append(Finding(
                category="data_quality", code=f"dq.{v.input}.rows_rejected",
                severity=dq_severity(REJECTED_ROWS_LEVEL),
                title=f"{v.input}: {v.rejects_total} row(s) could not be parsed",
                detail=(f"{s.get('rows_read')} rows read = {s.get('rows_accepted')} accepted + "
                        f"{s.get('rows_rejected')} rejected; rejected rows are kept in the rejects table and "
                        "are not assessed by any other check."),
                subject=v.input, count=v.rejects_total, unit=Unit.ROWS,
                evidence={"rows_read": s.get("rows_read"), "rows_accepted": s.get("rows_accepted"),
                          "rows_rejected": s.get("rows_rejected"), "by_field": by_field,
                          "first_rows": sorted({int(x) for r in v.rejects.itertuples()
                                                for x in str(r.first_rows).split(",") if x})[:DEFAULT_MAX_EXAMPLES],
                          "file_sha256": s.get("sha256")}))
        for o in v.outcomes:
            if o.error:
                out.append(Finding(
                    category="data_quality", code=f"dq.{v.input}.{o.check}.not_evaluated",
                    severity=dq_severity(o.severity),
                    title=f"{v.input}: check '{o.check}' could not be evaluated",
                    detail=f"{o.rationale} The expectation raised an error: {o.error}",
                    subject=v.input, count=0, unit=Unit.ROWS, evidence={"expectation": o.type, "column": o.column, "engine": v.engine}))
            elif o.aggregate_failed:
                on = f" of {o.column}" if o.column else ""
                out.append(Finding(
                    category="data_quality", code=f"dq.{v.input}.{o.check}", severity=dq_severity(o.severity),
                    title=f"{v.input}: '{o.check}' fails: {o.type}{on} observed {o.observed_value}",
                    detail=(f"{o.rationale} {o.type}{on} over the whole input observed {o.observed_value}; "
                            f"expected {_bounds_text(o.expected)}."),
                    subject=v.input, count=1, unit=Unit.VALUES,  # one aggregate value out of bounds (it has no failing rows)
                    evidence={"expectation": o.type, "column": o.column, "observed_value": o.observed_value,
                              "expected": o.expected, "count_unit": "aggregate value",
                              "engine": v.engine, "evidence_file": f"evidence/gx/{v.input}.json"}))
            elif o.unexpected_count:
                examples = [mask_example(x) if mask else x for x in o.examples]
                out.append(Finding(
                    category="data_quality", code=f"dq.{v.input}.{o.check}", severity=dq_severity(o.severity),
                    title=f"{v.input}: {o.unexpected_count} row(s) fail '{o.check}'",
                    detail=(f"{o.rationale} {o.unexpected_count} of {o.element_count} rows "
                            f"({_pct(o.unexpected_count, o.element_count)}%) fail {o.type} on {o.column}."),
                    subject=v.input, count=o.unexpected_count, unit=Unit.ROWS,
                    evidence={"expectation": o.type, "column": o.column, "element_count": o.element_count,
                              "unexpected_count": o.unexpected_count, "missing_count": o.missing_count,
                              "unexpected_percent": _pct(o.unexpected_count, o.element_count),
                              "examples": examples, "examples_capped": o.unexpected_count > len(examples),
                              "engine": v.engine, "evidence_file": f"evidence/gx/{v.input}.json"}))
    return out


def _bounds_text(expected: dict | None) -> str:
    """``between 10 and 20`` / ``at least 3`` / ``exactly 5``: what an aggregate was held to."""
    e = expected or {}
    if e.get("value") is not None:
        return f"exactly {e['value']}"
    lo, hi = e.get("min_value"), e.get("max_value")
    lo_op, hi_op = ("more than" if e.get("strict_min") else "at least"), ("less than" if e.get("strict_max") else "at most")
    if lo is not None and hi is not None:
        return f"{lo_op} {lo} and {hi_op} {hi}"
    if lo is not None:
        return f"{lo_op} {lo}"
    return f"{hi_op} {hi}" if hi is not None else "no bound"
