"""What the data-quality notebook shows: the stage's view, its display tables and its figure.

Every figure has its numbers in a table (:meth:`DataQuality.tables`, saved as artifacts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pandas as pd

from workbench import assessment
from workbench.findings import Finding
from workbench.quality.evidence import mask_example
from workbench.quality.outcomes import InputValidation, _pct


def summary_table(validations: Iterable[InputValidation]) -> pd.DataFrame:
    """Per input: rows read / accepted / rejected (reconciled), expectations passed and failed."""
    rows = []
    for v in validations:
        s = v.stats
        rows.append({"input": v.input, "engine": v.engine, "rows_read": s.get("rows_read", 0),
                     "rows_accepted": s.get("rows_accepted", 0), "rows_rejected": s.get("rows_rejected", 0),
                     "reconciles": s.get("rows_read", 0) == s.get("rows_accepted", 0) + s.get("rows_rejected", 0),
                     "expectations": len(v.outcomes), "passed": sum(o.success for o in v.outcomes),
                     "failed": sum(not o.success for o in v.outcomes),
                     "unexpected_rows": sum(o.unexpected_count for o in v.outcomes)})
    return pd.DataFrame(rows)


def outcomes_table(validations: Iterable[InputValidation]) -> pd.DataFrame:
    """One row per expectation per input with its exact counts."""
    rows = [{"input": o.input, "check": o.check, "severity": o.severity, "expectation": o.type,
             "column": o.column, "scope": o.scope, "element_count": o.element_count,
             "unexpected_count": o.unexpected_count, "missing_count": o.missing_count,
             "unexpected_percent": _pct(o.unexpected_count, o.element_count),
             "success": o.success, "error": o.error, "observed_value": o.observed_value}
            for v in validations for o in v.outcomes]
    return pd.DataFrame(rows)


def examples_table(validations: Iterable[InputValidation], *, mask: bool = True, per_check: int = 5) -> pd.DataFrame:
    """Failing rows by business key, personal values masked."""
    rows = []
    for v in validations:
        for o in v.outcomes:
            for ex in o.examples[:per_check]:
                ex = mask_example(ex) if mask else ex
                keys = {k: ex.get(k) for k in ex if k != o.column}
                rows.append({"input": v.input, "check": o.check, "severity": o.severity,
                             "row": json.dumps(keys, default=str, ensure_ascii=False),
                             "value": None if o.column not in ex else str(ex[o.column])})
    return pd.DataFrame(rows, columns=["input", "check", "severity", "row", "value"])


@dataclass
class DataQuality:
    """What the data-quality stage found, as its notebook shows it (the stage's view)."""

    findings: list[Finding]
    assessed: dict[str, assessment.Assessment]
    summary: pd.DataFrame
    outcomes: pd.DataFrame
    examples: pd.DataFrame
    rejects: pd.DataFrame
    jurisdictions: pd.DataFrame
    evidence_files: list[Path]
    validations: list[InputValidation] = field(repr=False, default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables the report shows, by artifact name (every figure has its numbers here)."""
        return {"summary": self.summary, "outcomes": self.outcomes, "examples": self.examples,
                "rejects": self.rejects, "jurisdictions": self.jurisdictions}


def failures_figure(result: DataQuality, top: int = 30):
    """Unexpected rows per failing expectation, most severe first (log scale when counts
    span orders of magnitude)."""
    import matplotlib.pyplot as plt

    from workbench.findings import SEVERITY_RANK

    o = result.outcomes
    failed = o[o["unexpected_count"] > 0].copy() if len(o) else o
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.3 * min(len(failed), top) + 1)))
    if not len(failed):
        ax.text(0.5, 0.5, "every expectation passed", ha="center", va="center")
        ax.set_axis_off()
        return fig
    failed["rank"] = failed["severity"].map(SEVERITY_RANK)
    failed = failed.sort_values(["rank", "unexpected_count"], ascending=[True, False]).head(top).iloc[::-1]
    colours = {"critical": "#8b0000", "high": "#d62728", "medium": "#ff7f0e", "low": "#bcbd22", "info": "#7f7f7f"}
    ax.barh(failed["input"] + " · " + failed["check"], failed["unexpected_count"],
            color=[colours[s] for s in failed["severity"]])
    counts = failed["unexpected_count"]
    if counts.max() > 100 * counts.min():  # counts spanning orders of magnitude
        ax.set_xscale("log")
        ax.set_xlim(left=0.5)
        ax.set_xlabel("rows failing (log scale)")
    else:
        ax.set_xlabel("rows failing")
    from matplotlib.patches import Patch

    shown = [s for s in colours if s in set(failed["severity"])]
    ax.legend(handles=[Patch(color=colours[s], label=s) for s in shown], title="severity", loc="lower right")
    ax.set_title("Failing expectations, coloured by severity")
    fig.tight_layout()
    return fig
