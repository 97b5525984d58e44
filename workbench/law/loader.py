"""Reading and validating the law data files (``workbench/law/data/*.yaml``).

Every problem raises :class:`~workbench.errors.LawDataError` naming the file and line.
Checks made on load: known keys only; required keys present; dates, thresholds, units,
clock-start events, relations and confidence values known; every record cited with a
source; versions of one code ordered, neither overlapping nor leaving gaps; only a first
version may be open at the start and only a last version open at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import LawDataError
from workbench.law.codes import US_REGION_CODES
from workbench.law.model import (
    CONDITION_KINDS, CONFIDENCE_LEVELS, LAW_ENFORCEMENT_EFFECTS, LAW_ENFORCEMENT_SCOPES, RELATIONS, SAFE_HARBOR_SCOPES,
    Condition, Deadline, LawEnforcementDelay, RelativeTiming, Rule, TimeRule,
)
from workbench.law.substitute import parse_substitute
from workbench.law.units import CLOCK_EVENTS, DEADLINE_UNITS, ROLLOVERS, known_calendar

CODE_RE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{2,8}){0,2}$")
PERIOD_RE = re.compile(r"^\s*(\d+)\s+([a-z_]+)\s*$")

#: Keys of one rule record: name -> required?
RULE_KEYS: dict[str, bool] = {
    "code": True, "name": True, "title": True, "effective_from": True, "superseded_on": True,
    "citation": True, "source": True, "confidence": True, "regime": True,
    "individual_required": False, "individual_deadline": False, "individual_standard": True,
    "clock_starts": False, "clock_text": False,
    "regulator_name": False, "regulator_threshold": False, "regulator_deadline": False,
    "regulator_relative": False, "regulator_annual_log_below": False, "regulator_annual_log_period": False,
    "regulator_condition": False,
    "regulator_timing": False, "cra_threshold": False, "cra_relative": False,
    "risk_of_harm_exception": False, "encryption_safe_harbor": False, "safe_harbor_scope": False,
    "substitute_notice": False, "holiday_calendar": False, "notes": False,
    "modelled": False, "individual_conditions": False, "regulator_conditions": False,
    "law_enforcement_delay": False, "law_enforcement_delay_text": False, "law_enforcement_delay_after": False,
    "law_enforcement_delay_scope": False, "law_enforcement_delay_source": False,
    "law_enforcement_delay_confidence": False, "applies_to_roles": False,
    "media_threshold": False, "media_deadline": False, "media_standard": False,
}
#: Keys of one computation-of-time record (time_computation.yaml).
TIME_KEYS: dict[str, bool] = {"code": True, "rollover": True, "citation": True, "source": True,
                              "confidence": True, "notes": False}
MEMBER_KEYS: dict[str, bool] = {"country": True, "name": True, "authority": True, "source": True, "notes": False,
                                "gdpr_from": False}


class LineMap(dict):
    """A mapping from YAML that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: ~10x faster
    """SafeLoader whose mappings are :class:`LineMap` (for file:line in errors)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    out = LineMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise LawDataError(loader.name, f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse one data file; syntax errors become LawDataError with the line."""
    text = path.read_text(encoding="utf-8")
    loader = _LineLoader(text)
    loader.name = str(path)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise LawDataError(str(path), f"not valid YAML ({getattr(err, 'problem', err)})",
                           line=mark.line + 1 if mark else None) from None
    finally:
        loader.dispose()


def data_files(data_dir: Path) -> list[Path]:
    """The data files of a law-data folder, in a fixed order."""
    return sorted(p for p in Path(data_dir).glob("*.yaml") if p.is_file())


def data_hash(files: list[Path]) -> str:
    """sha256 over the names and bytes of the data files (the law-data version)."""
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------- field parsers

class _Ctx:
    """Where we are: the file and the record, to name the line of a bad field."""

    def __init__(self, file: str, rec: LineMap):
        self.file, self.rec = file, rec

    def fail(self, key: str | None, msg: str) -> LawDataError:
        line = self.rec.key_lines.get(key, self.rec.line) if key else self.rec.line
        code = self.rec.get("code") or self.rec.get("country")
        prefix = f"{code}: " if code else ""
        return LawDataError(self.file, f"{prefix}{key + ': ' if key else ''}{msg}", line=line)


def _text(ctx: _Ctx, key: str, *, required: bool = False) -> str | None:
    v = ctx.rec.get(key)
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            raise ctx.fail(key, "required text is missing or empty")
        return None
    if not isinstance(v, str):
        raise ctx.fail(key, f"expected text, got {v!r}")
    return " ".join(v.split())


def _date(ctx: _Ctx, key: str) -> dt.date | None:
    v = ctx.rec.get(key)
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        raise ctx.fail(key, f"expected a date (YYYY-MM-DD), got a timestamp {v!r}")
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise ctx.fail(key, f"expected a date (YYYY-MM-DD), got {v!r}") from None


def _bool(ctx: _Ctx, key: str, default: bool | None = None) -> bool | None:
    v = ctx.rec.get(key, default)
    if v is not None and not isinstance(v, bool):
        raise ctx.fail(key, f"expected true, false or null, got {v!r}")
    return v


def _count(ctx: _Ctx, key: str) -> int | None:
    v = ctx.rec.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ctx.fail(key, f"expected a whole number of residents >= 1 (the minimum that triggers the duty), got {v!r}")
    return v


def parse_period(text: str) -> Deadline:
    """``"45 calendar_days"`` -> Deadline(45, 'calendar_days'); ValueError when malformed."""
    m = PERIOD_RE.match(str(text))
    if not m:
        raise ValueError(f"expected '<number> <unit>' such as '45 calendar_days', got {text!r}")
    amount, unit = int(m.group(1)), m.group(2)
    if unit not in DEADLINE_UNITS:
        raise ValueError(f"unknown deadline unit {unit!r}; known: {', '.join(DEADLINE_UNITS.names())}")
    if amount < 0:
        raise ValueError("a deadline cannot be negative")
    return Deadline(amount, unit)


def _period(ctx: _Ctx, key: str) -> Deadline | None:
    v = ctx.rec.get(key)
    if v is None:
        return None
    try:
        return parse_period(v)
    except ValueError as err:
        raise ctx.fail(key, str(err)) from None


def _relative(ctx: _Ctx, key: str) -> RelativeTiming | None:
    v = ctx.rec.get(key)
    if v is None:
        return None
    relation, _, rest = str(v).strip().partition(" ")
    if relation not in RELATIONS:
        raise ctx.fail(key, f"unknown relation {relation!r}; known: {', '.join(RELATIONS)}")
    if relation == "after_individual":
        if not rest:
            raise ctx.fail(key, "after_individual needs a period, e.g. 'after_individual 15 calendar_days'")
        try:
            return RelativeTiming(relation, parse_period(rest))
        except ValueError as err:
            raise ctx.fail(key, str(err)) from None
    if rest:
        raise ctx.fail(key, f"{relation} takes no period (got {rest!r})")
    return RelativeTiming(relation)


def _conditions(ctx: _Ctx, key: str) -> tuple[Condition, ...]:
    """A list of alternative conditions, each ``{<kind>: <count or text>, citation: ...}``."""
    v = ctx.rec.get(key)
    if v is None:
        return ()
    if not isinstance(v, list) or not v:
        raise ctx.fail(key, "expected a list of alternative conditions, e.g. [{count: 500}, {harm: '...'}]")
    out = []
    for item in v:
        kinds = [k for k in CONDITION_KINDS if isinstance(item, dict) and k in item]
        extra = [k for k in item if k not in CONDITION_KINDS + ("citation", "text")] if isinstance(item, dict) else []
        if len(kinds) != 1 or extra:
            raise ctx.fail(key, f"each condition needs exactly one of {', '.join(CONDITION_KINDS)} "
                                f"(plus optional citation, text), got {item!r}")
        kind, value = kinds[0], item[kinds[0]]
        if kind == "count":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ctx.fail(key, f"count must be a whole number >= 1 (the minimum that triggers the duty), got {value!r}")
            text = item.get("text") or f"{value} or more people are affected"
        else:
            if not isinstance(value, str) or not value.strip() or "text" in item:
                raise ctx.fail(key, f"a {kind} condition is its text, got {value!r}")
            text = value
        citation = item.get("citation") or ""
        if not isinstance(citation, str) or not isinstance(text, str):
            raise ctx.fail(key, f"citation and text must be text, got {item!r}")
        out.append(Condition(kind, " ".join(text.split()), value if kind == "count" else None,
                             " ".join(citation.split())))
    return tuple(out)


def _sources(ctx: _Ctx, key: str = "source") -> tuple[str, ...]:
    v = ctx.rec.get(key)
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not items or not all(isinstance(s, str) and s.strip() for s in items):
        raise ctx.fail(key, "every record needs at least one source (text or a list of texts)")
    return tuple(" ".join(s.split()) for s in items)


def default_calendar(code: str) -> str:
    """The holiday calendar of a code when the record names none.

    ``US-XX`` with a state/territory code -> that US subdivision; other ``US-`` codes
    (federal regimes) -> US federal; ``EU-XX`` -> member state XX; ``EU`` -> weekends only;
    ``CA-QC`` -> Canada, Quebec; ``IN-CERTIN`` -> India; otherwise the country code itself.
    """
    head, _, tail = code.partition("-")
    if head == "US":
        return f"US-{tail}" if tail in US_REGION_CODES else "US"
    if head == "EU":
        return tail or "NONE"
    if head == "CA" and tail in {"QC", "AB"}:
        return f"CA-{tail}"
    return head


def _open_record(file: str, rec: Any, keys: dict[str, bool], what: str) -> "_Ctx":
    """A record must be a mapping holding only known keys; returns its error context."""
    if not isinstance(rec, LineMap):
        raise LawDataError(file, f"each {what} must be a mapping of keys, got {rec!r}")
    ctx = _Ctx(file, rec)
    unknown = [k for k in rec if k not in keys]
    if unknown:
        raise ctx.fail(unknown[0], f"unknown key; known keys: {', '.join(keys)}")
    return ctx


def _roles(ctx: _Ctx, key: str = "applies_to_roles") -> tuple[str, ...]:
    """The roles a statute binds (workbench.law.roles), or () for every holder."""
    from workbench.law.roles import ROLES

    v = ctx.rec.get(key)
    if v is None:
        return ()
    if not isinstance(v, list) or not v or not all(isinstance(r, str) for r in v):
        raise ctx.fail(key, f"expected a list of role names, got {v!r}")
    unknown = [r for r in v if r not in ROLES]
    if unknown:
        raise ctx.fail(key, f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES.names())}")
    return tuple(v)


def parse_rule(file: str, rec: Any) -> Rule:
    """One rule record -> :class:`Rule`, raising LawDataError(file, line) on any problem."""
    ctx = _open_record(file, rec, RULE_KEYS, "rule")
    modelled = _bool(ctx, "modelled", True)
    if modelled is None:
        raise ctx.fail("modelled", "must be true (the default) or false (the law data does not model this period)")
    for k, req in RULE_KEYS.items():
        if req and k not in rec and not (k == "regime" and not modelled):
            raise ctx.fail(None, f"required key {k!r} is missing")
    code = _text(ctx, "code", required=True)
    if not CODE_RE.match(code):
        raise ctx.fail("code", f"malformed jurisdiction code {code!r} (expected e.g. US-WA, EU, CA-QC, US-HIPAA)")
    confidence = _text(ctx, "confidence", required=True)
    if confidence not in CONFIDENCE_LEVELS:
        raise ctx.fail("confidence", f"unknown confidence {confidence!r}; known: {', '.join(CONFIDENCE_LEVELS)}")
    regime = _bool(ctx, "regime")
    if not modelled:
        if regime is not None:
            raise ctx.fail("regime", "a period the law data does not model cannot say whether a law was in force; "
                                     "leave regime out (modelled: false)")
        regime = False
    if regime is None:
        raise ctx.fail("regime", "must be true (a notice law is in force) or false (none yet)")
    effective_from, superseded_on = _date(ctx, "effective_from"), _date(ctx, "superseded_on")
    if effective_from and superseded_on and superseded_on <= effective_from:
        raise ctx.fail("superseded_on", f"{superseded_on} is not after effective_from {effective_from}")
    clock = _text(ctx, "clock_starts")
    if clock is not None and clock not in CLOCK_EVENTS:
        raise ctx.fail("clock_starts", f"unknown clock-start event {clock!r}; known: {', '.join(CLOCK_EVENTS.names())}")
    if regime and clock is None:
        raise ctx.fail("clock_starts", "a record with regime: true must name the event that starts the clock")
    scope = _text(ctx, "safe_harbor_scope") or "all"
    if scope not in SAFE_HARBOR_SCOPES:
        raise ctx.fail("safe_harbor_scope", f"unknown scope {scope!r}; known: {', '.join(SAFE_HARBOR_SCOPES)}")
    calendar = _text(ctx, "holiday_calendar") or default_calendar(code)
    if not known_calendar(calendar):
        raise ctx.fail("holiday_calendar", f"no public-holiday calendar {calendar!r} in the holidays package")
    rule = Rule(
        code=code, name=_text(ctx, "name", required=True), title=_text(ctx, "title", required=True),
        citation=_text(ctx, "citation", required=True), source=_sources(ctx), confidence=confidence,
        effective_from=effective_from, superseded_on=superseded_on, regime=regime,
        individual_required=bool(_bool(ctx, "individual_required", regime)),
        individual_deadline=_period(ctx, "individual_deadline"),
        individual_standard=_text(ctx, "individual_standard", required=True),
        clock_starts=clock, clock_text=_text(ctx, "clock_text") or "",
        regulator_name=_text(ctx, "regulator_name"), regulator_threshold=_count(ctx, "regulator_threshold"),
        regulator_deadline=_period(ctx, "regulator_deadline"),
        regulator_relative=_relative(ctx, "regulator_relative"),
        regulator_annual_log_below=_count(ctx, "regulator_annual_log_below"),
        regulator_annual_log_period=_period(ctx, "regulator_annual_log_period"),
        regulator_condition=_text(ctx, "regulator_condition"),
        regulator_timing=_text(ctx, "regulator_timing") or "",
        cra_threshold=_count(ctx, "cra_threshold"), cra_relative=_relative(ctx, "cra_relative"),
        risk_of_harm_exception=_bool(ctx, "risk_of_harm_exception"),
        encryption_safe_harbor=_bool(ctx, "encryption_safe_harbor"), safe_harbor_scope=scope,
        substitute_notice=_substitute(ctx), notes=_text(ctx, "notes") or "",
        holiday_calendar=calendar, modelled=modelled,
        individual_conditions=_conditions(ctx, "individual_conditions"),
        regulator_conditions=_conditions(ctx, "regulator_conditions"),
        law_enforcement_delay=_law_enforcement_delay(ctx), applies_to_roles=_roles(ctx),
        media_threshold=_count(ctx, "media_threshold"), media_deadline=_period(ctx, "media_deadline"),
        media_standard=_text(ctx, "media_standard") or "",
        file=file, line=rec.line,
    )
    _check_consistency(ctx, rule)
    return rule


def _substitute(ctx: _Ctx):
    try:
        return parse_substitute(ctx.rec.get("substitute_notice"))
    except ValueError as err:
        raise ctx.fail("substitute_notice", str(err)) from None


def _law_enforcement_delay(ctx: _Ctx) -> LawEnforcementDelay | None:
    """The flat ``law_enforcement_delay*`` keys -> one record (None when not recorded)."""
    effect = _text(ctx, "law_enforcement_delay")
    if effect is None:
        extra = [k for k in ctx.rec if k.startswith("law_enforcement_delay_")]
        if extra:
            raise ctx.fail(extra[0], "given without law_enforcement_delay (tolls or none)")
        return None
    if effect not in LAW_ENFORCEMENT_EFFECTS:
        raise ctx.fail("law_enforcement_delay", f"unknown effect {effect!r}; known: {', '.join(LAW_ENFORCEMENT_EFFECTS)}")
    scope = _text(ctx, "law_enforcement_delay_scope") or "individual"
    if scope not in LAW_ENFORCEMENT_SCOPES:
        raise ctx.fail("law_enforcement_delay_scope", f"unknown scope {scope!r}; known: {', '.join(LAW_ENFORCEMENT_SCOPES)}")
    confidence = _text(ctx, "law_enforcement_delay_confidence") or ctx.rec.get("confidence")
    if confidence not in CONFIDENCE_LEVELS:
        raise ctx.fail("law_enforcement_delay_confidence", f"unknown confidence {confidence!r}")
    after = _period(ctx, "law_enforcement_delay_after")
    if after is not None and effect != "tolls":
        raise ctx.fail("law_enforcement_delay_after", "a period after the delay needs law_enforcement_delay: tolls")
    return LawEnforcementDelay(
        effect=effect, text=_text(ctx, "law_enforcement_delay_text", required=True), after=after, scope=scope,
        source=_sources(ctx, "law_enforcement_delay_source"),
        confidence=confidence)


def parse_time_rule(file: str, rec: Any) -> TimeRule:
    """One computation-of-time record (``time_computation.yaml``) -> :class:`TimeRule`."""
    ctx = _open_record(file, rec, TIME_KEYS, "computation-of-time record")
    for k, req in TIME_KEYS.items():
        if req and k not in rec:
            raise ctx.fail(None, f"required key {k!r} is missing")
    code = _text(ctx, "code", required=True)
    if not CODE_RE.match(code):
        raise ctx.fail("code", f"malformed jurisdiction code {code!r}")
    rollover = _text(ctx, "rollover", required=True)
    if rollover not in ROLLOVERS:
        raise ctx.fail("rollover", f"unknown rollover rule {rollover!r}; known: {', '.join(ROLLOVERS.names())}")
    confidence = _text(ctx, "confidence", required=True)
    if confidence not in CONFIDENCE_LEVELS:
        raise ctx.fail("confidence", f"unknown confidence {confidence!r}; known: {', '.join(CONFIDENCE_LEVELS)}")
    return TimeRule(code=code, rollover=rollover, citation=_text(ctx, "citation", required=True),
                    source=_sources(ctx), confidence=confidence, notes=_text(ctx, "notes") or "",
                    file=file, line=rec.line)


def _check_consistency(ctx: _Ctx, r: Rule) -> None:
    if not r.regime:
        for key in ("individual_deadline", "regulator_threshold", "regulator_deadline", "regulator_relative", "cra_threshold",
                    "individual_conditions", "regulator_conditions", "media_threshold"):
            if ctx.rec.get(key) is not None:
                raise ctx.fail(key, "a record with regime: false (no law in force) cannot impose a duty")
    if r.individual_deadline and not r.individual_required:
        raise ctx.fail("individual_deadline", "set, but individual_required is false")
    reg_detail = (r.regulator_deadline or r.regulator_relative or r.regulator_annual_log_below)
    if reg_detail and r.regulator_threshold is None:
        raise ctx.fail("regulator_threshold", "regulator timing is given but no threshold (use 1 for any breach)")
    if r.regulator_threshold is not None and not r.regulator_name:
        raise ctx.fail("regulator_name", "a regulator duty needs the regulator's name")
    if r.regulator_relative and not r.individual_required:
        raise ctx.fail("regulator_relative", "timed against an individual notice the regime does not require")
    if (r.regulator_annual_log_below is None) != (r.regulator_annual_log_period is None):
        raise ctx.fail("regulator_annual_log_period", "give both regulator_annual_log_below and regulator_annual_log_period, or neither")
    if (r.media_threshold is None) != (r.media_deadline is None):
        raise ctx.fail("media_deadline", "give both media_threshold and media_deadline, or neither")
    if r.cra_relative and r.cra_threshold is None:
        raise ctx.fail("cra_threshold", "CRA timing given but no CRA threshold")
    if r.regulator_conditions and r.regulator_threshold is None:
        raise ctx.fail("regulator_conditions", "conditions of a regulator duty need a regulator_threshold (1 for any number)")
    if r.individual_conditions and not r.individual_required:
        raise ctx.fail("individual_conditions", "conditions of an individual notice the regime does not require")


def parse_member_state(file: str, rec: Any, *, eea: bool = False) -> dict:
    """One EU member-state record (country, name, supervisory authority, source), or with
    ``eea`` one EEA state outside the EU, which also needs ``gdpr_from`` (the date the GDPR
    took effect there). ``code`` is the law-data code: ``EU-XX`` for members, ``XX`` for the EEA."""
    ctx = _open_record(file, rec, MEMBER_KEYS, "EEA state" if eea else "member state")
    country = _text(ctx, "country", required=True)
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ctx.fail("country", f"expected an ISO 3166-1 alpha-2 code, got {country!r}")
    gdpr_from = _date(ctx, "gdpr_from")
    if eea and gdpr_from is None:
        raise ctx.fail("gdpr_from", "an EEA state needs the date the GDPR took effect there")
    if not eea and gdpr_from is not None:
        raise ctx.fail("gdpr_from", "only EEA states outside the EU take gdpr_from (members follow the EU records)")
    name = _text(ctx, "name", required=True)
    return {"country": country, "name": name, "code": country if eea else f"EU-{country}",
            "label": f"{name} ({'EEA' if eea else 'EU'})", "gdpr_from": gdpr_from,
            "authority": _text(ctx, "authority", required=True), "source": _sources(ctx),
            "notes": _text(ctx, "notes") or "", "line": rec.line, "file": file}


def check_versions(rules: list[Rule]) -> None:
    """Versions of one code: ordered, contiguous, only the ends open. Raises LawDataError."""
    by_code: dict[str, list[Rule]] = {}
    for r in rules:
        by_code.setdefault(r.code, []).append(r)
    for code, versions in by_code.items():
        versions.sort(key=lambda r: r.effective_from or dt.date.min)
        names = {r.name for r in versions}
        if len(names) > 1:
            r = versions[-1]
            raise LawDataError(r.file, f"{code}: versions disagree on the jurisdiction name ({' / '.join(sorted(names))})", line=r.line)
        for i, r in enumerate(versions):
            if r.effective_from is None and i > 0:
                raise LawDataError(r.file, f"{code}: only the first version may have no effective_from", line=r.line)
            if r.effective_from is None and r.regime:
                raise LawDataError(r.file, f"{code}: a version open at the start must describe the time before any law (regime: false)", line=r.line)
            if r.superseded_on is None and i < len(versions) - 1:
                nxt = versions[i + 1]
                raise LawDataError(nxt.file, f"{code}: version from {nxt.effective_from} overlaps {r.version}, which has no superseded_on", line=nxt.line)
            if i + 1 < len(versions):
                nxt = versions[i + 1]
                if r.superseded_on != nxt.effective_from:
                    kind = "gap" if r.superseded_on < nxt.effective_from else "overlap"
                    raise LawDataError(nxt.file, f"{code}: {kind} between {r.version} (superseded_on {r.superseded_on}) "
                                       f"and the version from {nxt.effective_from}", line=nxt.line)


def expand_member_states(rules: list[Rule], members: list[dict]) -> list[Rule]:
    """The versions of every member state (``EU-XX``) and EEA state (``NO``...), built from the ``EU`` versions.

    Each ``EU`` version is copied to the state, naming its supervisory authority, except where
    the law data says nothing about the state:

    * a national record of the state in the data (code ``EU-XX``, e.g. the Dutch Wbp art. 34a
      before the GDPR) takes its period instead;
    * an ``EU`` version without a regime (no duty in EU law, e.g. before the GDPR) says nothing
      about national law, so the state's copy is "not modelled" (``modelled`` False), and so is
      every date before an EEA state's ``gdpr_from``.

    National records may only fill such unmodelled periods: one that overlaps a period in which
    the EU rule applies is refused (LawDataError).
    """
    eu = sorted((r for r in rules if r.code == "EU"), key=lambda r: r.effective_from or dt.date.min)
    out = []
    for m in members:
        national = sorted((r for r in rules if r.code == m["code"]), key=lambda r: r.effective_from or dt.date.min)
        holes = [(r.effective_from or dt.date.min, r.superseded_on or dt.date.max) for r in national]
        pieces: list[tuple[dt.date, dt.date, Rule, bool]] = []  # start, end, EU version, modelled
        for r in eu:
            a, b = r.effective_from or dt.date.min, r.superseded_on or dt.date.max
            cut = m["gdpr_from"]
            parts = [(a, b)] if not cut or not a < cut < b else [(a, cut), (cut, b)]
            for pa, pb in parts:
                modelled = r.regime and (cut is None or pa >= cut)
                for ha, hb in holes:
                    if modelled and ha < pb and pa < hb:
                        n = next(x for x in national if (x.effective_from or dt.date.min) == ha)
                        raise LawDataError(n.file, f"{n.code}: national record {n.version} overlaps {r.version}, in which "
                                           "the EU rule applies; national records only fill periods the EU data does not model",
                                           line=n.line)
                pieces += [(x, y, r, modelled) for x, y in _subtract((pa, pb), holes)]
        merged: list[tuple[dt.date, dt.date, Rule, bool]] = []
        for piece in pieces:  # adjacent unmodelled pieces become one version
            if merged and not piece[3] and not merged[-1][3] and merged[-1][1] == piece[0]:
                merged[-1] = (merged[-1][0], piece[1], merged[-1][2], False)
            else:
                merged.append(piece)
        for a, b, r, modelled in merged:
            copy = _state_copy(r, m, a, b)
            out.append(copy if modelled else _not_modelled(copy, m, a, b))
        out += national
    return out


def _subtract(span: tuple[dt.date, dt.date], holes: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    """The parts of ``span`` outside every hole (half-open date intervals)."""
    parts = [span]
    for ha, hb in holes:
        parts = [p for a, b in parts for p in ((a, min(b, ha)), (max(a, hb), b)) if p[0] < p[1]]
    return parts


def _state_copy(r: Rule, m: dict, a: dt.date, b: dt.date) -> Rule:
    country = m["country"]
    eea = {} if not m["gdpr_from"] or not r.regime else {
        "citation": f"{r.citation}, as incorporated into the EEA Agreement", "title": f"{r.title} (EEA)"}
    return replace(
        r, code=m["code"], name=m["label"], **eea,
        effective_from=None if a == dt.date.min else a, superseded_on=None if b == dt.date.max else b,
        regulator_name=(m["authority"] if r.regulator_name else None),
        source=r.source + tuple(s for s in m["source"] if s not in r.source),
        holiday_calendar=country if known_calendar(country) else "NONE",
        notes=(r.notes + (" " if r.notes else "") + f"Supervisory authority of {m['name']}: {m['authority']}."
               + (f" {m['notes']}" if m["notes"] else "")).strip(),
    )


def _not_modelled(copy: Rule, m: dict, a: dt.date, b: dt.date) -> Rule:
    """The state's copy for a period the law data does not model: no duty, no claim either way."""
    until = "" if b == dt.date.max else f" before {b.isoformat()}"
    since = "" if a == dt.date.min else f" from {a.isoformat()}"
    what = (f"national breach-notice law of {m['name']}{since}{until} (the GDPR took effect there on "
            f"{(m['gdpr_from'] or b).isoformat()})" if m["gdpr_from"] else
            f"national breach-notice law of {m['name']}{since}{until or ' (no EU-wide duty)'}")
    return replace(
        copy, title=f"{m['name']} (not modelled{since}{until})", modelled=False, regime=False,
        citation=f"not modelled: {what}", confidence="low", individual_required=False,
        individual_deadline=None, individual_standard=f"the law data does not model the {what}",
        clock_starts=None, clock_text="", regulator_name=None, regulator_threshold=None, regulator_deadline=None,
        regulator_relative=None, regulator_condition=None, regulator_timing="", cra_threshold=None, cra_relative=None,
        risk_of_harm_exception=None, encryption_safe_harbor=None, individual_conditions=(), regulator_conditions=(),
        notes=(f"Not modelled: the law data holds no record of {m['name']}'s own law for this period (the EU record "
               f"of the time: {copy.citation}); the engine answers not_assessed, never not_required. " + copy.notes).strip(),
    )


@dataclass(frozen=True)
class LawData:
    """Everything the law-data files hold, validated: what :class:`~workbench.law.RuleBook` is built from."""

    rules: list[Rule]
    members: list[dict]
    files: list[Path]
    definitions: dict
    time_rules: list[TimeRule]
    #: Notice-letter content requirements and remediation minimums (``letter_content.yaml``).
    content: list = field(default_factory=list)
    remediation: list = field(default_factory=list)


def load_files(data_dir: Path) -> tuple[list[Rule], list[dict], list[Path]]:
    """Parse and validate every data file of ``data_dir``: (rules, member states, files).

    The definitions of personal information and the computation-of-time rules are validated
    too; :func:`load_all` returns them.
    """
    data = load_all(data_dir)
    return data.rules, data.members, data.files


def load_all(data_dir: Path) -> LawData:
    """Every record of the data files of ``data_dir``, validated (LawDataError with file and line)."""
    from workbench.law.content import check_unique, parse_remediation, parse_requirement
    from workbench.law.definitions import check_definitions, parse_definition  # it imports this module
    files = data_files(data_dir)
    if not files:
        raise LawDataError(str(data_dir), "no law data files (*.yaml) found")
    rules: list[Rule] = []
    members: list[dict] = []
    eea: list[dict] = []
    definitions: list = []
    times: list[TimeRule] = []
    content: list = []
    remediation: list = []
    for path in files:
        doc = read_yaml(path)
        lists = {"rules", "member_states", "definitions", "time_computation", "letter_content", "remediation"}
        if not isinstance(doc, LineMap) or not (lists & set(doc)):
            raise LawDataError(str(path), "expected a mapping with a 'rules', 'member_states', 'definitions' or "
                               "'time_computation' list (or 'letter_content' / 'remediation')", line=1)
        extra = set(doc) - lists - {"eea_states", "family", "description"}
        if extra:
            key = sorted(extra)[0]
            raise LawDataError(str(path), f"unknown top-level key {key!r}", line=doc.key_lines[key])
        for key, parser, sink in (("rules", parse_rule, rules), ("member_states", parse_member_state, members),
                                  ("eea_states", partial(parse_member_state, eea=True), eea),
                                  ("definitions", parse_definition, definitions),
                                  ("time_computation", parse_time_rule, times),
                                  ("letter_content", parse_requirement, content),
                                  ("remediation", parse_remediation, remediation)):
            if key in doc:
                items = doc[key]
                if not isinstance(items, list):
                    raise LawDataError(str(path), f"{key!r} must be a list", line=doc.key_lines[key])
                sink.extend(parser(str(path), rec) for rec in items)
    seen: dict[str, dict] = {}
    for m in members + eea:
        if m["country"] in seen:
            raise LawDataError(m["file"], f"member state {m['country']} listed twice", line=m["line"])
        seen[m["country"]] = m
    states = {m["code"] for m in members + eea}
    for r in rules:
        if r.code.startswith("EU-") and r.code not in states:
            raise LawDataError(r.file, f"{r.code}: national record of a state not listed in member_states", line=r.line)
    codes: dict[str, TimeRule] = {}
    for t in times:
        if t.code in codes:
            raise LawDataError(t.file, f"{t.code}: computation-of-time rule listed twice", line=t.line)
        codes[t.code] = t
    rules = [r for r in rules if r.code not in states] + expand_member_states(rules, members + eea)
    check_versions(rules)
    check_unique(content, "content requirement")
    check_unique(remediation, "remediation minimum")
    return LawData(rules, members, files, check_definitions(definitions, rules, members), times, content, remediation)
