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

from workbench import extras, sqlguard
from workbench.casefacts import (
    Clock, HarmAssessment, LawEnforcementDelay, SubstituteNoticeGiven, conflicts, declared_problems, fact_date_problems,
)
from workbench.errors import CaseError
from workbench.owners import DataOwner, owner_problems
from workbench.law.elements import DATA_ELEMENTS  # the one vocabulary of exposed data elements

#: The inputs a case may declare (docs/data_contracts.md); every one is optional: a check whose
#: input is absent is "not assessed" (an incident that exposed no personal data may have
#: only insider_trades and share_prices).
INPUT_NAMES: tuple[str, ...] = (
    "affected_people", "notices", "regulator_notices", "insider_trades",
    "communications", "compensation", "share_prices", "market_index", "letters",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organization(_Strict):
    name: str = Field(min_length=1)
    ticker: str | None = None
    cik: str | None = None
    #: What the organisation is, for the sector regimes it brings (:mod:`workbench.law.roles`):
    #: hipaa_covered_entity, sec_registrant, nydfs_covered_entity, glba_financial_institution...
    roles: list[str] = Field(default_factory=list)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, v: list[str]) -> list[str]:
        from workbench.law.roles import check_roles

        return check_roles(v, "organization.roles")

    #: Dates the issuer filed a Form 10-Q or 10-K: the alternative end of a Rule 10b5-1 plan's
    #: cooling-off period (two business days after the results of the adoption quarter).
    #: Absent: a trade after day 90 and up to day 120 is "cooling-off not determinable".
    financial_results_filed: list[dt.date] | None = None


class Incident(_Strict):
    breach_start: dt.date
    breach_end: dt.date | None = None
    discovered: dt.date
    determined: dt.date | None = None
    public_disclosure: dt.date | None = None
    #: Exact moment of discovery, where known (hour-based deadlines such as GDPR's 72 hours).
    discovered_at: dt.datetime | None = None
    #: What the breach exposed; may be empty only for a case without affected people
    #: (an incident that exposed no personal data: insider trades, messages...).
    data_elements: list[str] = Field(default_factory=list)
    encrypted: bool = False
    #: The encryption key or credential was taken too: an encryption safe harbour then
    #: does not hold where the statute says so.
    encryption_key_compromised: bool = False
    #: The exposed elements were redacted or truncated (a safe harbour in many US statutes).
    redacted: bool = False

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
    affected_people: InputSpec | None = None
    notices: InputSpec | None = None
    regulator_notices: InputSpec | None = None
    insider_trades: InputSpec | None = None
    communications: InputSpec | None = None
    compensation: InputSpec | None = None
    share_prices: InputSpec | None = None
    #: A market index's daily closes (e.g. the S&P 500), for the event study of the disclosure.
    market_index: InputSpec | None = None
    #: Notice letters: a folder (or one file) of .txt, .html, .pdf, .docx letters, one per
    #: template id (the file's stem); read by workbench.letter_files.
    letters: str | None = None


#: The longest window or period a case may set, in days (ten years): beyond it a number is
#: a typo, and date arithmetic on it would overflow.
MAX_WINDOW_DAYS = 3650
#: Every date of a case lies in this range (the law data and public-holiday calendars cover it).
EARLIEST_DATE, LATEST_DATE = dt.date(1970, 1, 1), dt.date(2099, 12, 31)


class TradingWindow(_Strict):
    before_discovery_days: int = Field(default=0, ge=0, le=MAX_WINDOW_DAYS)
    after_disclosure_days: int = Field(default=0, ge=0, le=MAX_WINDOW_DAYS)
    #: Days before the window whose sales are reported on their own, at low severity
    #: ("before the stated discovery date": was the company aware earlier?); 0 turns it off.
    look_back_days: int = Field(default=30, ge=0, le=MAX_WINDOW_DAYS)
    #: Trading days after disclosure whose lowest close is the second loss-avoided reference.
    lowest_close_trading_days: int = Field(default=10, ge=1, le=MAX_WINDOW_DAYS)


class EventStudyParameters(_Strict):
    """The market-model event study of the disclosure (needs the market_index input)."""

    #: Returns the market model is estimated on, ending ``gap_trading_days`` before the window.
    estimation_trading_days: int = Field(default=120, ge=30, le=MAX_WINDOW_DAYS)
    gap_trading_days: int = Field(default=10, ge=0, le=MAX_WINDOW_DAYS)
    #: The event window in trading days relative to day 0 (the first trading day on or after disclosure).
    window: tuple[int, int] = (0, 1)

    @model_validator(mode="after")
    def _ordered(self):
        if self.window[0] > self.window[1]:
            raise ValueError(f"event_study.window {list(self.window)}: the first day must not be after the last")
        return self


class Parameters(_Strict):
    as_of: dt.date
    assessment_days: int = Field(default=30, ge=1, le=MAX_WINDOW_DAYS)
    trading_window: TradingWindow = TradingWindow()
    event_study: EventStudyParameters = EventStudyParameters()
    #: Days after disclosure that still count as the crisis window for awards.
    crisis_window_days: int = Field(default=365, ge=0, le=MAX_WINDOW_DAYS)
    mask_personal_data: bool = True
    #: Timezone that decides what a legal "day" is for date-only deadlines.
    timezone: str = "UTC"
    #: Also write each person's notice status (``artifacts/20_notice_timelines.person_status.
    #: parquet``, one row per person): evidence of who was late, asked for by case, since it
    #: is a fifth of the timelines' time at population scale.
    person_status_export: bool = False
    #: Which regulator packages the report renders (:mod:`workbench.regulator_packages`):
    #: ``with-findings`` (the default when absent), ``all``, ``none`` or a list of codes. So
    #: that a scheduled run can say it in the case; ``workbench run --packages`` overrides it.
    report_packages: str | None = None

    @field_validator("report_packages", mode="before")
    @classmethod
    def _package_selection(cls, v: Any) -> str | None:
        from workbench.regulator_packages import PackageSelection, PackageSelectionError

        if v is None:
            return None
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            v = ",".join(v)
        if not isinstance(v, str):
            raise ValueError("parameters.report_packages: expected with-findings, all, none or a list of "
                             "jurisdiction codes such as [US-CA, US-TX]")
        try:
            return str(PackageSelection.parse(v))
        except PackageSelectionError as err:
            raise ValueError(f"parameters.report_packages: {str(err).removeprefix('--packages ')}") from None


class Audit(_Strict):
    """Who ran the audit, for the cover page of each regulator package (absent: "not recorded")."""

    auditor: str | None = Field(default=None, min_length=1)
    firm: str | None = Field(default=None, min_length=1)


class Case(_Strict):
    case_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    organization: Organization
    incident: Incident
    #: Who ran the audit (optional; printed on the regulator packages' cover pages).
    audit: Audit = Field(default_factory=Audit)
    official_domains: list[str] = Field(default_factory=list)

    @field_validator("official_domains")
    @classmethod
    def _hostnames(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if not _is_hostname(d)]
        if bad:
            raise ValueError("official_domains: not a domain name: " + ", ".join(_short(d, 40) for d in bad[:5])
                             + " (expected names such as example.com: no scheme, path, port or spaces)")
        return [d.strip().lower().rstrip(".") for d in v]
    inputs: Inputs
    parameters: Parameters
    #: Per-law clock-start facts (:mod:`workbench.casefacts`): GDPR awareness, SEC materiality...
    clocks: list[Clock] = Field(default_factory=list)
    #: Documented harm / risk-of-harm assessments, per law.
    harm_assessments: list[HarmAssessment] = Field(default_factory=list)
    #: Residents per jurisdiction as the organisation counted them (a people table that
    #: is a sample still triggers the duties of the full count).
    declared_residents: dict[str, int] = Field(default_factory=dict)
    #: Law-enforcement requests to delay the notice, per law (the law decides whether they move a deadline).
    law_enforcement_delays: list[LawEnforcementDelay] = Field(default_factory=list)
    #: Substitute notices given (website, media...), with the facts the statute's conditions need.
    substitute_notices: list[SubstituteNoticeGiven] = Field(default_factory=list)
    #: The client companies whose people a vendor's breach exposed (:mod:`workbench.owners`).
    data_owners: list[DataOwner] = Field(default_factory=list)

    @field_validator("declared_residents")
    @classmethod
    def _counts(cls, v: dict[str, int]) -> dict[str, int]:
        bad = [k for k, n in v.items() if isinstance(n, bool) or not isinstance(n, int) or n < 0]
        if bad:
            raise ValueError(f"declared_residents: {', '.join(bad[:5])}: expected a whole number of residents >= 0")
        return v

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



#: The dated fields of a case, by section: checked one by one so that every cross-field
#: rule runs even when another field of the same section is invalid.
DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "incident": ("breach_start", "breach_end", "discovered", "determined", "public_disclosure"),
    "parameters": ("as_of",),
}


def _field_values(data: dict[str, Any]) -> dict[str, Any]:
    """Each dated field (and ``incident.discovered_at``, ``parameters.timezone``) that is
    valid on its own, as ``section.field`` -> value; invalid ones are left out (pydantic
    reports them)."""
    from pydantic import TypeAdapter

    out: dict[str, Any] = {}
    for section, names in DATE_FIELDS.items():
        raw = data.get(section)
        if not isinstance(raw, dict):
            continue
        for name in names:
            if raw.get(name) is None:
                continue
            try:
                out[f"{section}.{name}"] = TypeAdapter(dt.date).validate_python(raw[name])
            except ValidationError:
                pass
    inc = data.get("incident")
    if isinstance(inc, dict) and inc.get("discovered_at") is not None:
        try:
            out["incident.discovered_at"] = TypeAdapter(dt.datetime).validate_python(inc["discovered_at"])
        except ValidationError:
            pass
    params = data.get("parameters")
    if isinstance(params, dict) and isinstance(params.get("timezone"), str):
        out["parameters.timezone"] = params["timezone"]
    return out


#: Date order a case must respect: (earlier field, later field).
DATE_ORDER: tuple[tuple[str, str], ...] = (
    ("incident.breach_start", "incident.breach_end"),
    ("incident.breach_start", "incident.discovered"),
    ("incident.discovered", "incident.determined"),
    ("incident.discovered", "incident.public_disclosure"),
    ("incident.discovered", "parameters.as_of"),
)


def _is_hostname(value: Any) -> bool:
    """A domain name (Unicode labels allowed): dot-separated labels of letters, digits and
    hyphens, at least two labels, none empty or over 63 characters."""
    import re

    if not isinstance(value, str):
        return False
    name = value.strip().rstrip(".")
    labels = name.split(".")
    return (0 < len(name) <= 253 and len(labels) >= 2
            and all(re.fullmatch(r"(?!-)[\w-]{1,63}(?<!-)", label) and "_" not in label for label in labels))


def _consistency_problems(values: dict[str, Any]) -> list[str]:
    """Cross-field rules of the incident timeline and parameters (each problem one line)."""
    problems = []
    for key, value in values.items():
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime) and \
                not EARLIEST_DATE <= value <= LATEST_DATE:
            problems.append(f"{key}: {value} is outside the supported range {EARLIEST_DATE} .. {LATEST_DATE}")
    for early, late in DATE_ORDER:
        a, b = values.get(early), values.get(late)
        if a is not None and b is not None and b < a:
            problems.append(f"{late}: {b} is before {early} {a}")
    at, day = values.get("incident.discovered_at"), values.get("incident.discovered")
    if at is not None and day is not None and at.date() != day:
        problems.append("incident.discovered_at: its date differs from incident.discovered")
    tz = values.get("parameters.timezone")
    if tz is not None:
        try:
            zoneinfo.ZoneInfo(tz)
        except Exception:
            problems.append(f"parameters.timezone: unknown timezone {_short(tz)} (expected an IANA name such as America/New_York)")
    return problems


def _short(value: Any, limit: int = 60) -> str:
    """A bounded rendering of a value for a message: never expands a large or nested input."""
    import reprlib

    r = reprlib.Repr()
    r.maxstring, r.maxother, r.maxlist, r.maxdict, r.maxlevel = limit, limit, 4, 4, 2
    text = r.repr(value)
    return text if len(text) <= limit + 8 else text[:limit] + "..."


def _format_pydantic(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("function-", "str", "SqlInput")))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (check its spelling against docs/data_contracts.md)"
        elif e["type"] == "missing":
            msg = "required but missing"
        elif e["type"].startswith(("date_", "datetime_")):
            msg = f"not a valid date: {_short(e.get('input'))} (expected YYYY-MM-DD)"
        elif e["type"] == "value_error":
            for line in str(e["ctx"]["error"]).splitlines():
                lines.append(f"{loc}: {line}" if loc and not line.startswith(loc) else line)
            continue
        elif e["type"] == "string_type" and isinstance(e.get("input"), dict) and loc.startswith("inputs."):
            continue  # a mapping is a SQL input: its own errors say what is wrong, not "not a string"
        else:
            msg = f"{msg} (got {_short(e.get('input'))})" if "input" in e and e["type"] != "missing" else msg
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
    problems += _consistency_problems(_field_values(data))
    inc, inputs = data.get("incident"), data.get("inputs")
    if isinstance(inc, dict) and isinstance(inputs, dict) and inputs.get("affected_people") is not None \
            and not inc.get("data_elements"):
        problems.append("incident.data_elements: required when the case declares affected_people "
                        "(the exposed elements decide who is owed a notice)")
    problems += _check_inputs(_input_specs(data.get("inputs")), Path(path).resolve().parent)
    if case is not None:
        problems += conflicts(case.clocks, case.harm_assessments, case.law_enforcement_delays, case.substitute_notices)
        problems += declared_problems(case.declared_residents) + fact_date_problems(case) + owner_problems(case)
        for o in case.data_owners:
            problems += [f"data_owners ({o.id}): {p}" for p in declared_problems(o.declared_residents or {})]
    if problems:
        raise CaseError(str(path), list(dict.fromkeys(problems)))
    assert case is not None
    case._path = Path(path).resolve()
    return case


def _input_specs(raw: Any) -> dict[str, InputSpec]:
    """Each declared input that is valid on its own (the others pydantic reports)."""
    from pydantic import TypeAdapter

    out: dict[str, InputSpec] = {}
    if not isinstance(raw, dict):
        return out
    for name in INPUT_NAMES:
        if raw.get(name) is None:
            continue
        try:
            out[name] = TypeAdapter(InputSpec).validate_python(raw[name])
        except ValidationError:
            pass
    return out


def _check_inputs(specs: dict[str, InputSpec], root: Path) -> list[str]:
    """Each input on its own (one bad input does not hide another's problems): files exist
    inside the case folder; SQL inputs read safely (:mod:`workbench.sqlguard`)."""
    problems = []
    for name, spec in specs.items():
        if isinstance(spec, SqlInput):
            problems += [f"inputs.{name}.url: {p}" for p in sqlguard.url_problems(spec.url)]
            scheme = spec.url.partition(":")[0] or "postgresql"
            absent = extras.missing("postgres", f"a {scheme}:// source")
            if absent:  # the query cannot be parsed without pglast either
                problems.append(f"inputs.{name}: {absent}")
            elif spec.query is not None:
                problems += [f"inputs.{name}.query: {p}" for p in sqlguard.query_problems(spec.query)]
            continue
        p = (root / spec).resolve()
        if not p.is_relative_to(root):
            problems.append(f"inputs.{name}: path {spec!r} escapes the case folder {root}")
        elif not p.exists():
            problems.append(f"inputs.{name}: file not found: {spec!r} (relative to {root})")
    return problems


#: Largest case.yaml read (a real one is a few kB).
MAX_CASE_BYTES = 1 << 20


class _CaseLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text (so pydantic reports a bad date by field),
    refuses anchors and aliases (a kilobyte of nested aliases expands to gigabytes: the
    "billion laughs"; a case never needs them) and refuses a key given twice in a mapping
    (YAML would silently keep the last one)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent) or getattr(self.peek_event(), "anchor", None):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (&name, *name) are not allowed "
                                              "in case.yaml", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the base constructor names it
                continue
            if first != key_node.start_mark.line + 1:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {_short(key)} is given twice (first on line {first})", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_CaseLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _CaseLoader.construct_mapping)


_CaseLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_case(path: str | Path) -> Case:
    """Load and validate a case.yaml. Raises CaseError listing every problem."""
    path = Path(path)
    if not path.is_file():
        raise CaseError(str(path), [f"case file not found: {path}"])
    size = path.stat().st_size
    if size > MAX_CASE_BYTES:
        raise CaseError(str(path), [f"case.yaml is {size:,} bytes (at most {MAX_CASE_BYTES:,}): is it the right file?"])
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_CaseLoader)  # noqa: S506 (safe loader subclass)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = str(getattr(err, "problem", None) or err)
        raise CaseError(str(path), [f"{where}not valid YAML ({problem[:200]})"]) from None
    except UnicodeDecodeError as err:
        raise CaseError(str(path), [f"not UTF-8 text ({err.reason} at byte {err.start})"]) from None
    if not isinstance(data, dict):
        raise CaseError(str(path), ["expected a mapping of keys (case_id, organization, incident, inputs, parameters)"])
    return parse_case(data, path)


def summary_record(case: Case) -> dict[str, Any]:
    """The validated case as JSON-ready data (``workbench case check --json``): every field of
    case.yaml with its defaults filled in, database URLs without credentials."""
    data = case.model_dump(mode="json")
    for spec in data["inputs"].values():
        if isinstance(spec, dict) and spec.get("url"):
            spec["url"] = sqlguard.redact_url(spec["url"])
    return {"ok": True, "case_yaml": str(case.path), **data}


def summary(case: Case) -> str:
    """A short human summary, printed by ``workbench case check``."""
    inc = case.incident
    lines = [
        f"case {case.case_id}: {case.organization.name}",
        f"  breach {inc.breach_start} .. {inc.breach_end or '?'}; discovered {inc.discovered}; "
        f"determined {inc.determined or '-'}; disclosed {inc.public_disclosure or '-'}",
        f"  data elements: {', '.join(inc.data_elements)}; encrypted: {inc.encrypted}",
        f"  audit date (as_of): {case.parameters.as_of}; assessment_days: {case.parameters.assessment_days}",
    ]
    if case.organization.roles:
        lines.append(f"  roles: {', '.join(case.organization.roles)}")
    facts = [(k, len(getattr(case, k))) for k in ("clocks", "harm_assessments", "declared_residents",
                                                   "law_enforcement_delays", "substitute_notices")
             if getattr(case, k)]
    if facts:
        lines.append("  per-law facts: " + ", ".join(f"{k} {n}" for k, n in facts))
    for o in case.data_owners:
        lines.append(f"  data owner {o.id}: {o.name}; discovered {o.discovered or inc.discovered}"
                     + (f"; roles {', '.join(o.roles)}" if o.roles else ""))
    lines.append("  inputs:")
    for name in INPUT_NAMES:
        spec = case.input_spec(name)
        shown = "(absent: checks that need it say 'not assessed')" if spec is None else (
            f"SQL {sqlguard.redact_url(spec.url)} {spec.table or spec.query}" if isinstance(spec, SqlInput) else spec)
        lines.append(f"    {name:18} {shown}")
    return "\n".join(lines)
