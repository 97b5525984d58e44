"""Expectation suites as reviewed data: read and checked without Great Expectations.

One suite per input in ``expectations/<input>.json``, each expectation's ``meta`` holding a
stable ``check`` name, a ``severity`` (our five-level scale; GX's own ``severity`` field is
set from it, :data:`GX_SEVERITY`) and a one-line ``rationale``.
Case-dependent values (discovery date, audit date, the incident's data elements, valid US
region codes) reach the suites as suite parameters (``{"$PARAMETER": "as_of_date"}``), see
:func:`suite_parameters`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterable

from workbench.errors import WorkbenchError
from workbench.findings import SEVERITIES


#: Expectation types that need the whole population and how many columns they span.
POPULATION_TYPES: frozenset[str] = frozenset({"expect_column_values_to_be_unique"})

#: Expectation types whose counts add up over chunks (row-level "map" expectations).
ROW_LEVEL_TYPES: frozenset[str] = frozenset({
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex", "expect_column_value_lengths_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal",
})

#: Expectation types that aggregate a whole input into one observed value (a row count, a
#: column's mean...), judged once per input: never per chunk, no failing rows to count.
#: Their scope is ``aggregate`` (the default for these types).
AGGREGATE_TYPES: frozenset[str] = frozenset({
    "expect_table_row_count_to_be_between", "expect_table_row_count_to_equal",
    "expect_column_mean_to_be_between", "expect_column_min_to_be_between", "expect_column_max_to_be_between",
    "expect_column_sum_to_be_between",
})

#: The scopes an expectation can have and the types each allows.
SCOPES: dict[str, frozenset[str]] = {"row": ROW_LEVEL_TYPES, "population": POPULATION_TYPES,
                                     "aggregate": AGGREGATE_TYPES}

_COLUMN_KWARGS = ("column", "column_A", "column_B")

#: GX 1.x's own ``severity`` field of an expectation (``critical``, ``warning``, ``info``;
#: GX's default is ``critical``), set from the workbench's finer ``meta.severity``, which
#: stays the one the findings carry. GX's ``critical`` is what stops a pipeline; in an audit
#: that is only a row that cannot be cited at all (``critical``). A ``high`` or ``medium``
#: failure changes what the audit can conclude but does not stop it (``warning``); ``low``
#: and ``info`` are for the reader (``info``).
#:
#: =================  ============
#: ``meta.severity``  GX severity
#: =================  ============
#: critical           critical
#: high               warning
#: medium             warning
#: low                info
#: info               info
#: =================  ============
GX_SEVERITY: dict[str, str] = {"critical": "critical", "high": "warning", "medium": "warning",
                               "low": "info", "info": "info"}


class SuiteError(WorkbenchError):
    """An expectation suite file is malformed; the message names the file."""

    def __init__(self, file: str | Path, message: str):
        self.file = str(file)
        super().__init__(f"{self.file}: {message}")


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation as reviewed in the suite file."""

    type: str
    kwargs: dict[str, Any]
    check: str
    severity: str
    rationale: str
    #: "row": valid per chunk; "population": needs every row at once; "aggregate": one
    #: value of the whole input (row count, mean...), judged once
    scope: str = "row"

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A")

    @property
    def columns(self) -> list[str]:
        """Every column the expectation reads, including its row condition's."""
        cols = [self.kwargs[k] for k in _COLUMN_KWARGS if k in self.kwargs]
        cols += list(self.kwargs.get("column_list") or [])
        cond = self.kwargs.get("row_condition")
        if isinstance(cond, dict):
            cols += _condition_columns(cond)
        return cols

    @property
    def parameters(self) -> list[str]:
        """Names of the suite parameters it uses (``{"$PARAMETER": name}``)."""
        return [v["$PARAMETER"] for v in self.kwargs.values() if isinstance(v, dict) and "$PARAMETER" in v]


def _condition_columns(cond: dict) -> list[str]:
    out = []
    col = cond.get("column")
    if isinstance(col, dict) and "name" in col:
        out.append(col["name"])
    for sub in cond.get("conditions") or []:
        if isinstance(sub, dict):
            out += _condition_columns(sub)
    return out


@dataclass(frozen=True)
class SuiteSpec:
    """A suite file read and checked (without Great Expectations)."""

    input: str
    path: Path
    evidence_keys: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    document: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def row_level(self) -> list[ExpectationSpec]:
        return [e for e in self.expectations if e.scope == "row"]

    def population_level(self) -> list[ExpectationSpec]:
        return [e for e in self.expectations if e.scope == "population"]

    def aggregate_level(self) -> list[ExpectationSpec]:
        return [e for e in self.expectations if e.scope == "aggregate"]

    @property
    def columns(self) -> set[str]:
        cols = set(self.evidence_keys)
        for e in self.expectations:
            cols.update(e.columns)
        return cols

    def gx_document(self, scope: str | tuple[str, ...] | None = None, *,
                    checks: Iterable[str] | None = None) -> dict[str, Any]:
        """The suite as GX reads it, optionally only the expectations of one scope (or of
        several, a tuple), and only the named ``checks``."""
        scopes = (scope,) if isinstance(scope, str) else scope
        wanted = None if checks is None else set(checks)
        exps = [x | {"severity": GX_SEVERITY[spec.severity], "notes": x.get("notes") or _notes(spec)}
                for x, spec in zip(self.document["expectations"], self.expectations)
                if (scopes is None or spec.scope in scopes) and (wanted is None or spec.check in wanted)]
        return {"name": self.document["name"], "meta": dict(self.document.get("meta") or {}),
                "expectations": json.loads(json.dumps(exps))}


def _notes(spec: ExpectationSpec) -> str:
    """What GX's Data Docs show under an expectation: the workbench's severity and rationale."""
    return f"Workbench severity: {spec.severity} (GX: {GX_SEVERITY[spec.severity]}). {spec.rationale}"


def _evidence_keys(spec: SuiteSpec) -> list[str]:
    return list(spec.evidence_keys) + ["source_row"]


def expectations_dir() -> Path:
    from workbench.paths import EXPECTATIONS_DIR

    return EXPECTATIONS_DIR


def load_suite_spec(name: str, directory: str | Path | None = None) -> SuiteSpec:
    """Read ``<directory>/<name>.json`` and check its shape and meta.

    Raises
    ------
    SuiteError
        naming the file, when it is missing, not JSON, or an expectation lacks a type,
        kwargs, a known severity, a rationale or a unique check name, or uses a type
        whose counts cannot be computed exactly (see :data:`SCOPES`).
    """
    path = Path(directory or expectations_dir()) / f"{name}.json"
    if not path.is_file():
        raise SuiteError(path, "suite file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SuiteError(path, f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except UnicodeDecodeError as err:
        raise SuiteError(path, f"not UTF-8 text ({err.reason})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("expectations"), list):
        raise SuiteError(path, "expected an object with 'name', 'meta' and a list 'expectations'")
    if doc.get("name") != name:
        raise SuiteError(path, f"suite name {doc.get('name')!r} differs from the file name {name!r}")
    meta = doc.get("meta") or {}
    keys = meta.get("evidence_keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise SuiteError(path, "meta.evidence_keys must list the business-key columns that name a failing row")
    specs, seen = [], set()
    for i, exp in enumerate(doc["expectations"]):
        where = f"expectations[{i}]"
        if not isinstance(exp, dict) or not isinstance(exp.get("type"), str) or not isinstance(exp.get("kwargs"), dict):
            raise SuiteError(path, f"{where}: needs 'type' (text) and 'kwargs' (object)")
        m = exp.get("meta") or {}
        check, severity, rationale = m.get("check"), m.get("severity"), m.get("rationale")
        if not isinstance(check, str) or not re.fullmatch(r"[a-z0-9_]+", check):
            raise SuiteError(path, f"{where} ({exp['type']}): meta.check must be a snake_case name, got {check!r}")
        if check in seen:
            raise SuiteError(path, f"{where}: meta.check {check!r} is used twice")
        seen.add(check)
        if severity not in SEVERITIES:
            raise SuiteError(path, f"{where} ({check}): meta.severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        if "severity" in exp and exp["severity"] != GX_SEVERITY[severity]:
            raise SuiteError(path, f"{where} ({check}): GX severity {exp['severity']!r} contradicts meta.severity "
                                   f"{severity!r} (which sets it: {GX_SEVERITY[severity]!r}); drop the field")
        if not isinstance(rationale, str) or not rationale.strip() or "\n" in rationale:
            raise SuiteError(path, f"{where} ({check}): meta.rationale must be one non-empty line")
        scope = m.get("scope", "aggregate" if exp["type"] in AGGREGATE_TYPES else "row")
        if scope not in SCOPES:
            raise SuiteError(path, f"{where} ({check}): meta.scope must be one of {', '.join(SCOPES)}, got {scope!r}")
        if scope == "population" and exp["type"] not in POPULATION_TYPES:
            raise SuiteError(path, f"{where} ({check}): scope 'population' is supported for {', '.join(sorted(POPULATION_TYPES))} only")
        if scope == "aggregate" and exp["type"] not in AGGREGATE_TYPES:
            raise SuiteError(path, f"{where} ({check}): scope 'aggregate' is supported for {', '.join(sorted(AGGREGATE_TYPES))} only")
        if scope == "row" and exp["type"] not in ROW_LEVEL_TYPES:
            raise SuiteError(path, f"{where} ({check}): {exp['type']} is not a row-level expectation whose counts add up "
                                   f"over chunks; use one of {', '.join(sorted(ROW_LEVEL_TYPES))}, scope 'population', "
                                   f"or an aggregate type ({', '.join(sorted(AGGREGATE_TYPES))})")
        specs.append(ExpectationSpec(exp["type"], exp["kwargs"], check, severity, rationale, scope))
    return SuiteSpec(name, path, tuple(keys), tuple(specs), doc)


def load_suites(names: Iterable[str] | None = None, directory: str | Path | None = None) -> dict[str, SuiteSpec]:
    """Every suite (one per input name of the data contracts), checked."""
    from workbench.case import INPUT_NAMES

    return {n: load_suite_spec(n, directory) for n in (names or INPUT_NAMES)}


def _us_region_codes() -> list[str]:
    from workbench.law.jurisdictions import US_REGION_CODES

    return sorted(US_REGION_CODES)


def suite_parameters(case) -> dict[str, Any]:
    """Values the suites take from the case, by parameter name.

    Timestamps are compared at the day boundaries of the case's timezone (the timezone
    that decides a legal "day"), converted to UTC; plain dates as ISO dates.
    """
    import zoneinfo

    tz = zoneinfo.ZoneInfo(case.parameters.timezone)
    inc, as_of = case.incident, case.parameters.as_of

    def day_start_utc(d: date) -> str:
        return datetime.combine(d, time(0), tzinfo=tz).astimezone(zoneinfo.ZoneInfo("UTC")).isoformat()

    elements = sorted(set(inc.data_elements))
    alt = "|".join(re.escape(e) for e in elements)
    return {
        "discovered_start_utc": day_start_utc(inc.discovered),
        "determined_start_utc": day_start_utc(inc.determined or inc.discovered),
        "as_of_end_utc": day_start_utc(as_of + timedelta(days=1)),  # used with strict_max
        # naive datetimes, not dates: GX would parse "2018-03-01" as a date, which pandas
        # cannot compare with a Timestamp
        "discovered_date": datetime.combine(inc.discovered, time(0)).isoformat(),
        "as_of_date": datetime.combine(as_of, time(0)).isoformat(),
        "data_elements": elements,
        "data_elements_regex": rf"^(?:{alt})(?:\|(?:{alt}))*$",
        "us_region_codes": _us_region_codes(),
    }
