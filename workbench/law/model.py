"""The records of the law data: a deadline, a rule version, and the answer of the engine.

These are plain frozen dataclasses so they hash, compare and cache cheaply; the data
files (``workbench/law/data/*.yaml``) are parsed into them by :mod:`workbench.law.loader`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from workbench.registry import Registry

#: Confidence a record may carry (see the README beside the data files).
CONFIDENCE_LEVELS: tuple[str, ...] = ("high", "medium", "low")
#: The obligations the engine answers for.
OBLIGATIONS: tuple[str, ...] = ("individual", "regulator", "cra", "media")
#: Obligations judged per State on that State's residents, not once per law (HIPAA's media
#: notice: more than 500 residents of a State; 45 CFR § 164.406).
PER_STATE_OBLIGATIONS: frozenset[str] = frozenset({"media"})
#: How a due moment was arrived at.
#:  statutory    - the number comes from the rule (or from a fact such as the individual notice date)
#:  assessment   - the law sets no number; the case's assessment_days was applied (never law)
#:  not_required - the rule in force imposes no such duty here (threshold, safe harbour, regime)
#:  no_regime    - no breach-notice law of this jurisdiction covers the date
#:  not_assessed - the law data does not model this jurisdiction on this date (never "not required")
BASES: tuple[str, ...] = ("statutory", "assessment", "not_required", "no_regime", "not_assessed")
#: How a regulator / CRA notice is timed relative to the notice to individuals.
RELATIONS: tuple[str, ...] = ("before_individual", "with_individual", "after_individual")
#: Which obligations an encryption safe harbour removes.
SAFE_HARBOR_SCOPES: tuple[str, ...] = ("all", "individual")
#: Kinds of an alternative condition of a duty: a count of affected people, a harm/risk test,
#: sensitive data elements, or the cause of the breach (e.g. an attack).
CONDITION_KINDS: tuple[str, ...] = ("count", "harm", "data", "cause")
#: What a law-enforcement request does to the deadline (README "Law-enforcement delay").
LAW_ENFORCEMENT_EFFECTS: tuple[str, ...] = ("tolls", "none")
#: Which notices a law-enforcement delay covers.
LAW_ENFORCEMENT_SCOPES: tuple[str, ...] = ("individual", "all")


@dataclass(frozen=True)
class Deadline:
    """A fixed period: ``amount`` of ``unit`` (``calendar_days``, ``business_days``, ``hours``)."""

    amount: int
    unit: str

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        if self.amount == 1:
            unit = unit.rstrip("s")
        return f"{self.amount} {unit}"


@dataclass(frozen=True)
class RelativeTiming:
    """A notice timed against the notice to individuals.

    ``relation`` is one of :data:`RELATIONS`; ``offset`` is the period after the individual
    notice for ``after_individual`` (None otherwise). ``before_individual`` can only be
    checked as "no later than" the individual notice: the engine's due moment is then the
    individual notice itself, and the reason says that the statute wants it earlier.
    """

    relation: str
    offset: Deadline | None = None

    def __str__(self) -> str:
        if self.relation == "after_individual":
            return f"within {self.offset} after the individual notice"
        if self.relation == "before_individual":
            return "before the individual notice"
        return "no later than the individual notice"


#: Methods a statute may require for a substitute notice.
SUBSTITUTE_METHODS: tuple[str, ...] = ("email", "website", "statewide_media", "local_media")

#: comparison name -> test(value, threshold); "over" is the statute's "exceeds", "at_least" its "or more"
COMPARISONS: Registry[Callable[[float, float], bool]] = Registry("threshold comparison")
COMPARISONS.register("over", lambda value, limit: value > limit)
COMPARISONS.register("at_least", lambda value, limit: value >= limit)


@dataclass(frozen=True)
class Threshold:
    """A statutory limit: ``comparison`` (``over`` / ``at_least``) and its ``value``."""

    comparison: str
    value: int

    def met(self, amount: float) -> bool:
        return COMPARISONS.get(self.comparison)(amount, self.value)

    def __str__(self) -> str:
        return f"{'over' if self.comparison == 'over' else 'at least'} {self.value:,}"


@dataclass(frozen=True)
class SubstituteNotice:
    """The substitute-notice provision of one rule version (its presence means one is allowed)."""

    cost_usd: Threshold | None
    people: Threshold | None
    lacks_contact: bool
    methods: tuple[str, ...]
    citation: str
    source: tuple[str, ...]
    confidence: str
    notes: str = ""
    methods_needed: int | None = None  # None: all of ``methods``; 2: "any two of the following"

    @property
    def methods_text(self) -> str:
        names = ", ".join(m.replace("_", " ") for m in self.methods)
        return names if self.methods_needed is None else f"any {self.methods_needed} of: {names}"

    def __str__(self) -> str:
        conds = [f"cost {self.cost_usd} USD" if self.cost_usd else "",
                 f"{self.people} people to notify" if self.people else "",
                 "insufficient contact information" if self.lacks_contact else ""]
        return (f"when {' or '.join(c for c in conds if c) or 'no condition recorded'}; by "
                f"{self.methods_text} ({self.citation}; confidence {self.confidence})")

    def to_dict(self) -> dict:
        th = lambda t: None if t is None else {"comparison": t.comparison, "value": t.value}  # noqa: E731
        return {"cost_usd": th(self.cost_usd), "people": th(self.people), "lacks_contact": self.lacks_contact,
                "methods": list(self.methods), "methods_needed": self.methods_needed, "citation": self.citation,
                "source": list(self.source), "confidence": self.confidence, "notes": self.notes}


@dataclass(frozen=True)
class LawEnforcementDelay:
    """The statute's law-enforcement delay provision, with its own citation text and source.

    ``effect`` ``tolls``: the deadline is extended by the delay's length, or, with ``after``,
    the notice is due within that period after the delay ends (never earlier than without
    the delay); ``none``: the statute has no such provision. ``scope`` ``all`` when the
    statute delays the regulator notice too.
    """

    effect: str
    text: str
    after: Deadline | None = None
    scope: str = "individual"
    source: tuple[str, ...] = ()
    confidence: str = "medium"

    def to_dict(self) -> dict:
        return {"effect": self.effect, "text": self.text, "after": _deadline_dict(self.after),
                "scope": self.scope, "source": list(self.source), "confidence": self.confidence}


@dataclass(frozen=True)
class TimeRule:
    """A jurisdiction's general computation-of-time rule for a last day on a weekend or holiday.

    ``rollover`` names an entry of :data:`workbench.law.units.ROLLOVERS` (``none``,
    ``next_business_day``, ``next_day_not_sunday_or_holiday``).
    """

    code: str
    rollover: str
    citation: str
    source: tuple[str, ...]
    confidence: str
    notes: str = ""
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Condition:
    """One alternative condition that makes a duty apply (any one suffices).

    ``kind`` is one of :data:`CONDITION_KINDS`; ``count`` is the minimum number of affected
    people for kind ``count`` (None otherwise); ``text`` the condition in words;
    ``citation`` the provision that sets it.
    """

    kind: str
    text: str
    count: int | None = None
    citation: str = ""

    def __str__(self) -> str:
        return self.text + (f" ({self.citation})" if self.citation else "")


@dataclass(frozen=True)
class Rule:
    """One version of one jurisdiction's breach-notice rule, in force on ``[effective_from, superseded_on)``.

    ``effective_from`` is None only for a first version that describes the time before a
    law existed (``regime`` False); ``superseded_on`` is None for the version in force now.
    Thresholds are the minimum number of affected residents that triggers the duty
    ("more than 500" is 501, "500 or more" is 500); None means there is no such duty.
    """

    code: str
    name: str
    title: str
    citation: str
    source: tuple[str, ...]
    confidence: str
    effective_from: dt.date | None
    superseded_on: dt.date | None
    regime: bool
    individual_required: bool
    individual_deadline: Deadline | None
    individual_standard: str
    clock_starts: str | None
    clock_text: str
    regulator_name: str | None
    regulator_threshold: int | None
    regulator_deadline: Deadline | None
    regulator_relative: RelativeTiming | None
    regulator_annual_log_below: int | None
    regulator_annual_log_period: Deadline | None
    regulator_condition: str | None
    regulator_timing: str
    cra_threshold: int | None
    cra_relative: RelativeTiming | None
    risk_of_harm_exception: bool | None
    encryption_safe_harbor: bool | None
    safe_harbor_scope: str
    substitute_notice: SubstituteNotice | None  # truthy: the rule allows a substitute notice
    notes: str
    holiday_calendar: str
    #: False for a period the law data does not model (the engine answers ``not_assessed``).
    modelled: bool = True
    #: Alternative conditions of the duty (any one suffices); empty when the count alone decides.
    individual_conditions: tuple[Condition, ...] = ()
    regulator_conditions: tuple[Condition, ...] = ()
    law_enforcement_delay: LawEnforcementDelay | None = None  # None: not recorded
    #: The statute binds only holders of these roles (workbench.law.roles); empty: every holder.
    applies_to_roles: tuple[str, ...] = ()
    #: Notice to prominent media outlets serving a State, judged per State on its residents
    #: (``media_threshold`` residents of that State, within ``media_deadline`` of the clock start).
    media_threshold: int | None = None
    media_deadline: Deadline | None = None
    media_standard: str = ""
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def version(self) -> str:
        """Version label such as ``US-WA@2020-03-01`` (``@origin`` before the first law)."""
        return f"{self.code}@{self.effective_from.isoformat() if self.effective_from else 'origin'}"

    @property
    def regulator_timing_structured(self) -> dict:
        """The regulator timing as data (for JSON output and reports)."""
        rel = self.regulator_relative
        return {
            "deadline_from_clock_start": _deadline_dict(self.regulator_deadline),
            "relative_to_individual": None if rel is None else {
                "relation": rel.relation, "offset": _deadline_dict(rel.offset)},
            "annual_log": None if self.regulator_annual_log_below is None else {
                "below": self.regulator_annual_log_below,
                "after_calendar_year_end": _deadline_dict(self.regulator_annual_log_period)},
            "combine": "earliest",
            "text": self.regulator_timing,
        }

    def covers(self, on: dt.date) -> bool:
        """True when this version is in force on ``on``."""
        return (self.effective_from is None or self.effective_from <= on) and (
            self.superseded_on is None or on < self.superseded_on)

    def to_dict(self) -> dict:
        """A JSON-ready view of the record (dates as ISO text)."""
        return {
            "code": self.code, "name": self.name, "title": self.title, "version": self.version,
            "effective_from": _iso(self.effective_from), "superseded_on": _iso(self.superseded_on),
            "citation": self.citation, "source": list(self.source), "confidence": self.confidence,
            "regime": self.regime, "individual_required": self.individual_required,
            "individual_deadline": _deadline_dict(self.individual_deadline),
            "individual_standard": self.individual_standard,
            "clock_starts": {"event": self.clock_starts, "text": self.clock_text},
            "regulator_name": self.regulator_name, "regulator_threshold": self.regulator_threshold,
            "regulator_deadline": _deadline_dict(self.regulator_deadline),
            "regulator_timing": self.regulator_timing_structured,
            "regulator_condition": self.regulator_condition,
            "cra_threshold": self.cra_threshold,
            "cra_relative": None if self.cra_relative is None else {
                "relation": self.cra_relative.relation, "offset": _deadline_dict(self.cra_relative.offset)},
            "risk_of_harm_exception": self.risk_of_harm_exception,
            "encryption_safe_harbor": self.encryption_safe_harbor,
            "safe_harbor_scope": self.safe_harbor_scope,
            "media_notice": None if self.media_threshold is None else {
                "threshold_per_state": self.media_threshold, "deadline": _deadline_dict(self.media_deadline),
                "standard": self.media_standard},
            "substitute_notice": self.substitute_notice.to_dict() if self.substitute_notice else None,
            "law_enforcement_delay": self.law_enforcement_delay.to_dict() if self.law_enforcement_delay else None,
            "holiday_calendar": self.holiday_calendar,
            "modelled": self.modelled,
            "individual_conditions": [_condition_dict(c) for c in self.individual_conditions],
            "regulator_conditions": [_condition_dict(c) for c in self.regulator_conditions],
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Due:
    """The engine's answer for one obligation.

    ``due_at`` is timezone-aware (in the clock start's timezone) or None when nothing is
    due. ``basis`` is one of :data:`BASES`; ``assessment`` means the law sets no number and
    the case's ``assessment_days`` was applied: it is an audit yardstick, not law.
    """

    applies: bool
    due_at: dt.datetime | None
    basis: str
    reason: str
    citation: str | None
    rule_version: str | None
    confidence: str | None
    code: str = ""
    obligation: str = ""

    def to_dict(self) -> dict:
        return {"code": self.code, "obligation": self.obligation, "applies": self.applies,
                "due_at": self.due_at.isoformat() if self.due_at else None, "basis": self.basis,
                "reason": self.reason, "citation": self.citation, "rule_version": self.rule_version,
                "confidence": self.confidence}


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _condition_dict(c: Condition) -> dict:
    return {"kind": c.kind, "text": c.text, "count": c.count, "citation": c.citation}


def _deadline_dict(d: Deadline | None) -> dict | None:
    return None if d is None else {"amount": d.amount, "unit": d.unit}
