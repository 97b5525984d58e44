"""The Case model: one case.yaml, validated, with its inputs resolved.

``load_case(path)`` returns a :class:`Case` or raises :class:`~workbench.errors.CaseError`
listing every problem, one line each, naming the field (``incident.discovered: ...``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from workbench import sqlguard
from workbench.errors import CaseError

#: The vocabulary of exposed data elements a case may name.
DATA_ELEMENTS: tuple[str, ...] = (
    "name", "ssn", "date_of_birth", "address", "drivers_license", "state_id", "passport",
    "payment_card", "account_number", "email", "phone", "username_password",
    "medical", "health_insurance", "biometric", "tax_id", "dispute_documents",
)

#: The inputs a case may declare (DATA_CONTRACTS.md); all optional except affected_people.
INPUT_NAMES: tuple[str, ...] = (
    "affected_people", "notices", "regulator_notices", "insider_trades",
    "communications", "compensation", "share_prices",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organization(_Strict):
    name: str = Field(min_length=1)
    ticker: str | None = None
    cik: str | None = None


class Incident(_Strict):
    breach_start: dt.date
    breach_end: dt.date | None = None
    discovered: dt.date
    determined: dt.date | None = None
    public_disclosure: dt.date | None = None
    #: Exact moment of discovery, where known (hour-based deadlines such as GDPR's 72 hours).
    discovered_at: dt.datetime | None = None
    data_elements: list[str] = Field(min_length=1)
    encrypted: bool = False

    @field_validator("data_elements")
    @classmethod
    def _known_elements(cls, v: list[str]) -> list[str]:
        unknown = [e for e in v if e not in DATA_ELEMENTS]
        if unknown:
            raise ValueError(f"incident.data_elements: unknown element(s) {', '.join(unknown)}; known: {', '.join(DATA_ELEMENTS)}")
        return v

    def clock_start(self, event: str) -> dt.date:
        """The date of a named clock-start event (``discovery``, ``determination``...)."""
        mapping = {"discovery": self.discovered,
                   "determination": self.determined or self.discovered,
                   "breach": self.breach_start,
                   "disclosure": self.public_disclosure or self.discovered}
        return mapping[event]


class SqlInput(_Strict):
    """An input read from a database: a SQLAlchemy URL (no password) plus a table or query.

    ``query`` must be one read-only SELECT and ``url`` must carry no credentials
    (:mod:`workbench.sqlguard`); :func:`load_case` reports any other as a problem.
    """

    url: str
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "SqlInput":
        if bool(self.table) == bool(self.query):
            raise ValueError("give exactly one of 'table' or 'query'")
        return self


InputSpec = str | SqlInput


class Inputs(_Strict):
    affected_people: InputSpec
    notices: InputSpec | None = None
    regulator_notices: InputSpec | None = None
    insider_trades: InputSpec | None = None
    communications: InputSpec | None = None
    compensation: InputSpec | None = None
    share_prices: InputSpec | None = None


class TradingWindow(_Strict):
    before_discovery_days: int = Field(default=0, ge=0)
    after_disclosure_days: int = Field(default=0, ge=0)


class Parameters(_Strict):
    as_of: dt.date
    assessment_days: int = Field(default=30, ge=1, le=3650)
    trading_window: TradingWindow = TradingWindow()
    #: Days after disclosure that still count as the crisis window for awards.
    crisis_window_days: int = Field(default=365, ge=0)
    mask_personal_data: bool = True
    #: Timezone that decides what a legal "day" is for date-only deadlines.
    timezone: str = "UTC"


class Case(_Strict):
    case_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    organization: Organization
    incident: Incident
    official_domains: list[str] = Field(default_factory=list)
    inputs: Inputs
    parameters: Parameters

    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path:
        """The case.yaml this case was loaded from."""
        if self._path is None:
            raise ValueError("case was not loaded from a file")
        return self._path

    @property
    def folder(self) -> Path:
        return self.path.parent

    def input_spec(self, name: str) -> InputSpec | None:
        return getattr(self.inputs, name)

    def input_path(self, name: str) -> Path | None:
        """Absolute path of a file input, or None when absent or read from SQL."""
        spec = self.input_spec(name)
        if spec is None or isinstance(spec, SqlInput):
            return None
        return (self.folder / spec).resolve()

    def declared_inputs(self) -> list[str]:
        return [n for n in INPUT_NAMES if self.input_spec(n) is not None]



def _consistency_problems(inc: Incident, params: Parameters | None) -> list[str]:
    """Cross-field rules of the incident timeline (each problem one line)."""
    problems = []
    if inc.breach_end and inc.breach_end < inc.breach_start:
        problems.append(f"incident.breach_end: {inc.breach_end} is before incident.breach_start {inc.breach_start}")
    if inc.discovered < inc.breach_start:
        problems.append(f"incident.discovered: {inc.discovered} is before incident.breach_start {inc.breach_start}")
    if inc.determined and inc.determined < inc.discovered:
        problems.append(f"incident.determined: {inc.determined} is before incident.discovered {inc.discovered}")
    if inc.public_disclosure and inc.public_disclosure < inc.discovered:
        problems.append(f"incident.public_disclosure: {inc.public_disclosure} is before incident.discovered {inc.discovered}")
    if inc.discovered_at and inc.discovered_at.date() != inc.discovered:
        problems.append("incident.discovered_at: its date differs from incident.discovered")
    if params is not None:
        if params.as_of < inc.discovered:
            problems.append(f"parameters.as_of: {params.as_of} is before incident.discovered {inc.discovered}")
        try:
            zoneinfo.ZoneInfo(params.timezone)
        except Exception:
            problems.append(f"parameters.timezone: unknown timezone {params.timezone!r} (expected an IANA name such as America/New_York)")
    return problems


def _format_pydantic(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("function-", "str", "SqlInput")))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against DATA_CONTRACTS.md)"
        elif e["type"] == "missing":
            msg = "required but missing"
        elif e["type"].startswith(("date_", "datetime_")):
            msg = f"not a valid date: {e.get('input')!r} (expected YYYY-MM-DD)"
        elif e["type"] == "string_type" and isinstance(e.get("input"), dict) and loc.startswith("inputs."):
            continue  # a mapping is a SQL input: its own errors say what is wrong, not "not a string"
        elif e["type"] == "value_error":
            for line in str(e["ctx"]["error"]).splitlines():
                lines.append(line if not loc or line.startswith(loc) else f"{loc}: {line}")
            continue
        lines.append(f"{loc}: {msg}" if loc else msg)
    return list(dict.fromkeys(lines))


def parse_case(data: dict[str, Any], path: Path) -> Case:
    """Validate a parsed case.yaml mapping; every problem is reported at once."""
    problems: list[str] = []
    case = None
    try:
        case = Case.model_validate(data)
    except ValidationError as err:
        problems += _format_pydantic(err)
    inc = _try(Incident, data.get("incident"))
    params = _try(Parameters, data.get("parameters"))
    if inc is not None:
        problems += _consistency_problems(inc, params)
    if isinstance(data.get("inputs"), dict):
        problems += _check_inputs(data["inputs"], Path(path).resolve().parent)
    if problems:
        raise CaseError(str(path), list(dict.fromkeys(problems)))
    assert case is not None
    case._path = Path(path).resolve()
    return case


def _try(model: type[BaseModel], raw: Any) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def _check_inputs(inputs: dict[str, Any], root: Path) -> list[str]:
    """Each input on its own (one bad input does not hide another's problems): files exist
    inside the case folder; SQL inputs read safely (:mod:`workbench.sqlguard`)."""
    problems = []
    for name in INPUT_NAMES:
        raw = inputs.get(name)
        spec = _try(SqlInput, raw) if isinstance(raw, dict) else raw if isinstance(raw, str) else None
        if spec is None:
            continue  # absent, or malformed (pydantic reported it)
        if isinstance(spec, SqlInput):
            problems += [f"inputs.{name}.url: {p}" for p in sqlguard.url_problems(spec.url)]
            if spec.query is not None:
                problems += [f"inputs.{name}.query: {p}" for p in sqlguard.query_problems(spec.query)]
            continue
        p = (root / spec).resolve()
        if not p.is_relative_to(root):
            problems.append(f"inputs.{name}: path {spec!r} escapes the case folder {root}")
        elif not p.exists():
            problems.append(f"inputs.{name}: file not found: {spec!r} (relative to {root})")
    return problems


class _CaseLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so pydantic reports a bad date by field."""


_CaseLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_case(path: str | Path) -> Case:
    """Load and validate a case.yaml. Raises CaseError listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise CaseError(str(path), [f"case file not found: {path}"])
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CaseLoader)  # noqa: S506 (safe loader subclass)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise CaseError(str(path), [f"{where}not valid YAML ({getattr(err, 'problem', err)})"]) from None
    except UnicodeDecodeError as err:
        raise CaseError(str(path), [f"not UTF-8 text ({err.reason} at byte {err.start})"]) from None
    if not isinstance(data, dict):
        raise CaseError(str(path), ["expected a mapping of keys (case_id, organization, incident, inputs, parameters)"])
    return parse_case(data, path)


def summary(case: Case) -> str:
    """A short human summary, printed by ``workbench case check``."""
    inc = case.incident
    lines = [
        f"case {case.case_id}: {case.organization.name}",
        f"  breach {inc.breach_start} .. {inc.breach_end or '?'}; discovered {inc.discovered}; "
        f"determined {inc.determined or '-'}; disclosed {inc.public_disclosure or '-'}",
        f"  data elements: {', '.join(inc.data_elements)}; encrypted: {inc.encrypted}",
        f"  audit date (as_of): {case.parameters.as_of}; assessment_days: {case.parameters.assessment_days}",
        "  inputs:",
    ]
    for name in INPUT_NAMES:
        spec = case.input_spec(name)
        shown = "(absent: checks that need it say 'not assessed')" if spec is None else (
            f"SQL {sqlguard.redact_url(spec.url)} {spec.table or spec.query}" if isinstance(spec, SqlInput) else spec)
        lines.append(f"    {name:18} {shown}")
    return "\n".join(lines)
