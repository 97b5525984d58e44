"""The facts a case gives per law: its own clocks, harm assessments, declared counts.

One incident can run on several clocks: the controller became "aware" under the GDPR
later than the first alert; the SEC's four business days run from the materiality
determination. A case says so in ``case.yaml``, each entry scoped to the laws it concerns::

    clocks:
      - {laws: [EU], event: awareness, at: 2018-11-20, reference: "DPO log entry 2018-11-20"}
    harm_assessments:
      - {laws: [US-FL, SG], outcome: harm_ruled_out, date: 2018-12-01, reference: "counsel memo"}
    declared_residents: {US-CA: 1200, US-TX: 80211}
    law_enforcement_delays:
      - {laws: [US-CA], requested: 2026-01-10, ended: 2026-02-09, agency: FBI, reference: "FBI letter"}
    substitute_notices:
      - {laws: [US-CA], given: 2026-01-20, methods: [email, website, statewide_media],
         cost_usd: 300000, people: 1200, lacks_contact: false, covers: all, reference: "press release"}

A scope names law-data codes: ``US-CA`` (that code), a family (``EU`` matches ``EU`` and
every ``EU-XX``, ``US`` every ``US-XX``), or ``all``. The most specific entry wins (a code
before its family before ``all``); two entries of the same scope for the same fact are an
error :func:`conflicts` names. :func:`facts_for` resolves them for one code; it is pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workbench.law.codes import UNKNOWN_JURISDICTION
from workbench.law.model import SUBSTITUTE_METHODS

#: The scope that matches every code.
ALL = "all"

#: The outcomes a harm assessment can record.
HARM_OUTCOMES: tuple[str, ...] = ("harm_ruled_out", "harm_likely")

#: Whom a case-level substitute notice reaches: everyone, or the people without contact details.
SUBSTITUTE_COVERS: tuple[str, ...] = ("all", "people_without_contact")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_scope(laws: list[str]) -> list[str]:
    import re

    bad = [s for s in laws if s != ALL and not re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{2,8}){0,2}", str(s))]
    if bad:
        raise ValueError(f"laws: {', '.join(map(str, bad[:5]))} is not a law-data code (e.g. US-CA, EU, EU-IE, SG) "
                         "or 'all'")
    if not laws:
        raise ValueError("laws: name at least one law-data code, or 'all'")
    return list(laws)


class _Scoped(_Strict):
    laws: list[str] = Field(default_factory=lambda: [ALL])

    @field_validator("laws")
    @classmethod
    def _scope(cls, v: list[str]) -> list[str]:
        return _check_scope(v)


def _date_or_moment(v):
    """``2018-11-20`` stays a date, ``2018-11-20T10:00`` is a moment (case.yaml keeps dates as text)."""
    if isinstance(v, str) and len(v.strip()) == 10:
        return dt.date.fromisoformat(v.strip())
    return v


def _face_value(v: dt.date | dt.datetime) -> dt.datetime:
    """A date or moment as a naive moment (a date is its midnight), for ordering two facts."""
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None)
    return dt.datetime.combine(v, dt.time(0, 0))


class Clock(_Scoped):
    """One clock-start fact for some laws: ``event`` (a clock-start event of the law data,
    e.g. ``awareness``, ``materiality_determination``, or ``discovery``/``determination``)
    happened ``at`` (a date, or a moment for hour-based deadlines)."""

    event: str
    at: dt.date | dt.datetime
    reference: str | None = None

    @field_validator("at", mode="before")
    @classmethod
    def _date_stays_date(cls, v):
        """``2018-11-20`` is a date (local midnight), ``2018-11-20T10:00`` a moment."""
        if isinstance(v, str) and len(v.strip()) == 10:
            return dt.date.fromisoformat(v.strip())
        return v

    @field_validator("event")
    @classmethod
    def _known_event(cls, v: str) -> str:
        from workbench.law.units import CLOCK_EVENTS

        if v not in CLOCK_EVENTS and v not in ("discovery", "determination"):
            raise ValueError(f"event: unknown clock-start event {v!r}; known: {', '.join(CLOCK_EVENTS.names())}")
        return v


class HarmAssessment(_Scoped):
    """The organisation's documented assessment of the risk of harm, for some laws.

    ``harm_ruled_out`` lets a rule whose duty depends on a harm or risk test (a US
    risk-of-harm exception, Singapore's "significant harm") require no notice; a
    ``harm_likely`` assessment records that the test was met. ``reference`` names the
    document: an assessment the auditor cannot see is not evidence.
    """

    outcome: Literal["harm_ruled_out", "harm_likely"]
    date: dt.date
    reference: str = Field(min_length=1)


class LawEnforcementDelay(_Scoped):
    """A law-enforcement agency's request to delay the notice, for some laws.

    ``requested`` and ``ended`` are dates (local midnight in the case timezone) or moments;
    ``ended`` left out means the delay is still in force (until the audit moment). Whether
    it moves a deadline is the law's answer (``law_enforcement_delay`` in the law data).
    """

    requested: dt.date | dt.datetime
    ended: dt.date | dt.datetime | None = None
    agency: str = Field(min_length=1)
    reference: str = Field(min_length=1)

    @field_validator("requested", "ended", mode="before")
    @classmethod
    def _date_stays_date(cls, v):
        return _date_or_moment(v)

    @model_validator(mode="after")
    def _in_order(self) -> "LawEnforcementDelay":
        if self.ended is not None and _face_value(self.ended) < _face_value(self.requested):
            raise ValueError(f"ended {self.ended} is before requested {self.requested} (a delay ends on or after its request)")
        return self


class SubstituteNoticeGiven(_Scoped):
    """A substitute notice the organisation gave (website posting, media...), for some laws.

    ``cost_usd`` (estimated cost of direct notice), ``people`` (number to notify) and
    ``lacks_contact`` (insufficient contact details) are the facts the statute's conditions
    are tested on (:func:`workbench.law.substitute_permitted`); a fact left out is unknown.
    ``given`` is a date (then the end of that local day: the strictest reading) or a moment.
    ``covers``: ``all`` the people of the laws named, or ``people_without_contact``.
    """

    given: dt.date | dt.datetime
    methods: list[str] = Field(min_length=1)
    cost_usd: int | float | None = Field(default=None, ge=0)
    people: int | None = Field(default=None, ge=0)
    lacks_contact: bool | None = None
    covers: Literal["all", "people_without_contact"] = "all"
    reference: str = Field(min_length=1)

    @field_validator("given", mode="before")
    @classmethod
    def _date_stays_date(cls, v):
        return _date_or_moment(v)

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, v: list[str]) -> list[str]:
        unknown = [m for m in v if m not in SUBSTITUTE_METHODS]
        if unknown:
            raise ValueError(f"unknown method(s) {', '.join(map(str, unknown[:5]))}; "
                             f"known: {', '.join(SUBSTITUTE_METHODS)}")
        if len(set(v)) != len(v):
            raise ValueError("a method is listed twice")
        return v


@dataclass(frozen=True)
class LawFacts:
    """The case's facts for one law-data code, after scope resolution."""

    code: str
    clocks: dict[str, Clock]
    harm: HarmAssessment | None
    declared_residents: int | None
    delay: LawEnforcementDelay | None = None
    substitute: SubstituteNoticeGiven | None = None

    @property
    def harm_ruled_out(self) -> bool:
        return self.harm is not None and self.harm.outcome == "harm_ruled_out"


def specificity(scope: Iterable[str], code: str) -> int | None:
    """How closely a scope names ``code``: 2 the code itself, 1 its family, 0 ``all``;
    None when it does not match."""
    best = None
    family = code.split("-", 1)[0]
    for s in scope:
        rank = 2 if s == code else 1 if (s == family and s != code) else 0 if s == ALL else None
        if rank is not None and (best is None or rank > best):
            best = rank
    return best


def _most_specific(entries: Iterable, code: str):
    ranked = [(r, i, e) for i, e in enumerate(entries) if (r := specificity(e.laws, code)) is not None]
    return max(ranked, key=lambda t: (t[0], -t[1]))[2] if ranked else None


def facts_for(case, code: str) -> LawFacts:
    """The case's clocks, harm assessment, declared count, law-enforcement delay and
    substitute notice for ``code`` (pure)."""
    if code == UNKNOWN_JURISDICTION:
        return LawFacts(code, {}, None, None)
    clocks: dict[str, Clock] = {}
    events = {c.event for c in case.clocks}
    for event in events:
        hit = _most_specific([c for c in case.clocks if c.event == event], code)
        if hit is not None:
            clocks[event] = hit
    return LawFacts(code, clocks, _most_specific(case.harm_assessments, code),
                    case.declared_residents.get(code),
                    _most_specific(getattr(case, "law_enforcement_delays", ()), code),
                    _most_specific(getattr(case, "substitute_notices", ()), code))


def conflicts(case_data_clocks: list[Clock], harm: list[HarmAssessment],
              delays: Iterable[LawEnforcementDelay] = (), substitutes: Iterable[SubstituteNoticeGiven] = ()) -> list[str]:
    """Two entries of the same scope giving the same fact: which one counts would be a guess."""
    problems = []
    seen: dict[tuple, int] = {}
    for i, c in enumerate(case_data_clocks):
        for s in c.laws:
            first = seen.setdefault(("clock", s, c.event), i)
            if first != i:
                problems.append(f"clocks[{i}]: {c.event} for {s} is already given by clocks[{first}]")
    for i, h in enumerate(harm):
        for s in h.laws:
            first = seen.setdefault(("harm", s), i)
            if first != i:
                problems.append(f"harm_assessments[{i}]: {s} is already assessed by harm_assessments[{first}]")
    for key, entries in (("law_enforcement_delays", delays), ("substitute_notices", substitutes)):
        for i, e in enumerate(entries):
            for s in e.laws:
                first = seen.setdefault((key, s), i)
                if first != i:
                    problems.append(f"{key}[{i}]: {s} is already given by {key}[{first}]")
    return problems


def fact_date_problems(case) -> list[str]:
    """Delays and substitute notices against the incident and the audit date (one line each)."""
    problems = []
    start, as_of = _face_value(case.incident.breach_start), _face_value(case.parameters.as_of)
    for i, d in enumerate(getattr(case, "law_enforcement_delays", ())):
        where = f"law_enforcement_delays[{i}]"
        if _face_value(d.requested) < start:
            problems.append(f"{where}.requested: {d.requested} is before incident.breach_start {case.incident.breach_start}")
        for name in ("requested", "ended"):
            value = getattr(d, name)
            if value is not None and _face_value(value) > as_of:
                problems.append(f"{where}.{name}: {value} is after parameters.as_of {case.parameters.as_of}"
                                + (" (leave ended out while the delay is still in force)" if name == "ended" else ""))
    for i, n in enumerate(getattr(case, "substitute_notices", ())):
        if _face_value(n.given) < start:
            problems.append(f"substitute_notices[{i}].given: {n.given} is before incident.breach_start "
                            f"{case.incident.breach_start}")
        if _face_value(n.given) >= as_of:
            problems.append(f"substitute_notices[{i}].given: {n.given} is not before parameters.as_of "
                            f"{case.parameters.as_of} (the audit date)")
    return problems


def declared_problems(declared: dict[str, int]) -> list[str]:
    """Declared counts must name codes of the law data."""
    from workbench.law import load_rulebook

    book = load_rulebook()
    unknown = [c for c in declared if c not in book]
    return [f"declared_residents: unknown jurisdiction code {c!r} (expected a law-data code such as US-CA)"
            for c in unknown[:10]]
