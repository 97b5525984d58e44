"""Evidence: raw validation results kept as JSON in ``<run_dir>/evidence/gx/``, personal values masked.

Lists are capped, personal values masked (one masking module: :mod:`workbench.masking`),
queries that could name every failing row dropped. GX's Data Docs of the same results are
:mod:`workbench.quality.datadocs` (masked the same way).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from workbench.masking import mask_shape
from workbench.quality.outcomes import InputValidation, _plain
from workbench.quality.suites import SuiteSpec


#: Columns whose values are personal data: masked in examples and in evidence files.
PERSONAL_COLUMNS: frozenset[str] = frozenset({
    "full_name", "email", "address_line", "city", "postal_code",
    "recipient_name", "recipient_address",
})

mask_text = mask_shape  # one masking module: workbench.masking


def mask_example(example: dict[str, Any], personal: frozenset[str] = PERSONAL_COLUMNS) -> dict[str, Any]:
    return {k: (mask_text(v) if k in personal else v) for k, v in example.items()}


def _mask_result_dict(d: dict, column: str | None, cap: int, mask: bool) -> dict:
    """A validation result made safe to keep: lists capped, personal values masked."""
    res = dict(d.get("result") or {})
    personal = mask and column in PERSONAL_COLUMNS
    for key in ("partial_unexpected_list", "unexpected_list"):
        if key in res and isinstance(res[key], list):
            res[f"{key}_length"] = len(res[key])
            res[key] = [mask_text(v) if personal else v for v in res[key][:cap]]
    for key in ("partial_unexpected_index_list", "unexpected_index_list"):
        if key in res and isinstance(res[key], list):
            res[f"{key}_length"] = len(res[key])
            res[key] = [mask_example(x) if (mask and isinstance(x, dict)) else x for x in res[key][:cap]]
    if "partial_unexpected_counts" in res and personal:
        res["partial_unexpected_counts"] = [{"value": mask_text(c.get("value")), "count": c.get("count")}
                                            for c in res["partial_unexpected_counts"][:cap]]
    res.pop("unexpected_index_query", None)  # may embed every failing id
    out = dict(d)
    out["result"] = res
    return out


#: Random ids GX gives objects added to its (in-memory, per-process) context: they name
#: nothing outside the process. The run id (input name and time) stays: it names the page.
_CONTEXT_IDS = ("validation_id", "checkpoint_id")


def _evidence_result(result, spec: SuiteSpec, cap: int, mask: bool, batch: dict[str, Any]) -> dict[str, Any]:
    doc = result.to_json_dict()
    by_check = {e.check: e for e in spec.expectations}
    cleaned = []
    for key in _CONTEXT_IDS:
        doc.get("meta", {}).pop(key, None)
    for r in doc.get("results", []):
        (r.get("expectation_config") or {}).pop("id", None)
        check = ((r.get("expectation_config") or {}).get("meta") or {}).get("check")
        col = by_check[check].column if check in by_check else None
        cleaned.append(_mask_result_dict(r, col, cap, mask))
    doc["results"] = cleaned
    return {"batch": batch, "validation_result": json.loads(json.dumps(doc, default=_plain))}


def write_evidence(run_dir: str | Path, validations: Iterable[InputValidation], params: dict[str, Any]) -> list[Path]:
    """Raw validation results, one JSON file per input under ``evidence/gx/``."""
    from workbench.artifacts import atomic_write_text

    folder = Path(run_dir) / "evidence" / "gx"
    paths = []
    for v in validations:
        doc = {"input": v.input, "engine": v.engine, "read": v.stats, "suite_parameters": params,
               "outcomes": [{"check": o.check, "type": o.type, "column": o.column, "severity": o.severity,
                             "scope": o.scope, "element_count": o.element_count,
                             "unexpected_count": o.unexpected_count, "missing_count": o.missing_count,
                             "success": o.success, "error": o.error} for o in v.outcomes],
               "batches": v.raw_results}
        path = folder / f"{v.input}.json"
        atomic_write_text(path, json.dumps(doc, indent=1, default=_plain, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths
