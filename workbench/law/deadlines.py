"""The obligations a case triggers, their deadlines, and their exports (table, CSV, JSON, ICS).

Pure parts take plain values (:func:`count_residents`, :func:`obligations_for`,
:func:`batch_due`, :func:`to_ics`); :func:`case_deadlines` is the one place that reads the
case's affected_people (through :mod:`workbench.sources`, chunk by chunk).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from workbench.exposure import elements_key
from workbench.law.case_due import engine_keywords, individual_due
from workbench.law.codes import US_REGION_CODES
from workbench.law.jurisdictions import OVERLAY_CODES, UNKNOWN_JURISDICTION, jurisdiction_for, jurisdictions_for
from workbench.law.model import OBLIGATIONS, PER_STATE_OBLIGATIONS, Due, Rule
from workbench.law.plan import filing_laws, law_plan, sector_laws
from workbench.law.rulebook import RuleBook, load_rulebook
from workbench.law.units import CLOCK_EVENTS
from workbench.owners import ORGANISATION, owner_case, unknown_owner_reason
from workbench.safecsv import SafeDictWriter

NOT_LEGAL_ADVICE = ("Computed by the Breach Audit Workbench from its reviewed law data; "
                    "not legal advice. 'assessment' deadlines are audit yardsticks, not law.")

RECIPIENT = {"individual": "affected individuals", "cra": "nationwide consumer reporting agencies",
             "media": "prominent media outlets serving the State"}


@dataclass(frozen=True)
class Obligation:
    """One triggered obligation of a case: who must be told, by when, under which rule."""

    code: str
    jurisdiction: str
    obligation: str
    recipient: str
    residents: int | None
    clock_event: str
    clock_start: dt.datetime
    due: Due
    #: The data owner whose obligation it is (``data_owners`` of a vendor case); '' for the organisation's own.
    owner: str = ""

    def to_row(self) -> dict:
        d = self.due
        return {"due_at": d.due_at.isoformat() if d.due_at else "", "owner": self.owner, "jurisdiction": self.code,
                "jurisdiction_name": self.jurisdiction, "obligation": self.obligation,
                "recipient": self.recipient, "residents": "" if self.residents is None else self.residents,
                "basis": d.basis, "clock_event": self.clock_event, "clock_start": self.clock_start.isoformat(),
                "citation": d.citation or "", "rule_version": d.rule_version or "",
                "confidence": d.confidence or "", "reason": d.reason}


# ---------------------------------------------------------------- residents

def count_residents(people: pd.DataFrame) -> dict[str, int]:
    """Affected people per law-data code, from a frame with ``country`` and ``region``.

    Groups first, so :func:`~workbench.law.jurisdictions.jurisdictions_for` runs once per
    distinct (country, region). A person counts for the primary code and for every overlay
    (a Quebec resident for ``CA`` and ``CA-QC``); people who map to no covered jurisdiction
    are counted under ``UNKNOWN``.
    """
    if len(people) == 0:
        return {}
    region = people["region"] if "region" in people.columns else pd.Series([None] * len(people), index=people.index)
    sizes = pd.DataFrame({"country": people["country"], "region": region}).groupby(
        ["country", "region"], dropna=False, sort=False).size()
    out: dict[str, int] = {}
    for (country, reg), n in sizes.items():
        for code in jurisdictions_for(country, reg):
            out[code] = out.get(code, 0) + int(n)
    return out


def residents_from_case(case) -> dict[str, int]:
    """Count the case's affected people per jurisdiction, reading affected_people in chunks."""
    from workbench.sources import iter_input

    totals: dict[str, int] = {}
    for part in iter_input(case, "affected_people", with_hash=False):
        for code, n in count_residents(part.frame).items():
            totals[code] = totals.get(code, 0) + n
    return totals


# ---------------------------------------------------------------- case clock starts

def case_clock_start(case, event: str, code: str | None = None) -> dt.datetime:
    """The aware moment a clock-start event happened in a case, for the law ``code``.

    A clock the case gives for that law (``clocks`` in case.yaml, :mod:`workbench.casefacts`:
    the event itself, else its case-level event such as ``determination``) comes first;
    otherwise the incident's dates. Date-only facts become local midnight in
    ``case.parameters.timezone`` (for hour-based deadlines this is the earliest, most
    demanding reading); ``incident.discovered_at`` is used for discovery-type events when given.
    """
    tz = ZoneInfo(case.parameters.timezone)
    case_event = CLOCK_EVENTS.get(event).case_event
    if code is not None and getattr(case, "clocks", None):
        from workbench.casefacts import facts_for

        given = facts_for(case, code).clocks
        clock = given.get(event) or given.get(case_event)
        if clock is not None:
            at = clock.at
            if isinstance(at, dt.datetime):
                return at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)
            return dt.datetime.combine(at, dt.time(0, 0), tzinfo=tz)
    if case_event == "discovery" and getattr(case.incident, "discovered_at", None):
        at = case.incident.discovered_at
        return at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)
    day = case.incident.clock_start(case_event)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def rule_for_case(book: RuleBook, code: str, case) -> tuple[Rule | None, dt.datetime]:
    """The version of ``code`` in force at the clock start its own statute names.

    A version applies when it is in force on the date of the event it names itself
    (discovery, determination...). Tried in order: the version in force on discovery; then
    the version in force on the first one's clock date (or on determination, when the
    discovery version is no regime); if neither is in force at its own clock start, the
    discovery version with its own clock. So a law that took effect between discovery and
    determination applies when its clock is determination, and a 2017 breach is judged by
    2017 law.
    """
    discovery = case_clock_start(case, "discovery", code)
    if code == UNKNOWN_JURISDICTION or code not in book:
        return None, discovery

    def own_start(rule: Rule | None) -> dt.datetime:
        return case_clock_start(case, rule.clock_starts, code) if rule is not None and rule.clock_starts else discovery

    first = book.rule_in_force(code, discovery.date())
    if first is not None and first.regime and first.covers(own_start(first).date()):
        return first, own_start(first)
    probe = own_start(first) if first is not None and first.regime else case_clock_start(case, "determination", code)
    second = book.rule_in_force(code, probe.date())
    if second is not None and second.regime and second.covers(own_start(second).date()):
        return second, own_start(second)
    if first is not None and first.regime:
        return first, own_start(first)
    return (second or first), own_start(second or first)


def is_state_code(code: str) -> bool:
    """A US State or jurisdiction in HIPAA's sense (the States, DC, Puerto Rico, the
    territories: 45 CFR § 160.103 "State"): ``US-`` and a region code."""
    return code.startswith("US-") and code[3:] in US_REGION_CODES


def media_dues(book: RuleBook, case, code: str, residents: int) -> list[tuple[Rule, dt.datetime, Due]]:
    """The per-State media notices of the case's sector regimes for State ``code`` (pure).

    A regime whose rule in force has a media duty (HIPAA: more than 500 residents of a
    State, 45 CFR § 164.406) is judged on that State's ``residents``, on the regime's own
    clock and facts; one (rule, clock start, due) per such regime of the organisation's declared roles.
    """
    from workbench.casefacts import facts_for

    if not is_state_code(code):
        return []
    out = []
    for sector in sector_laws(case, people="all"):
        rule, start = rule_for_case(book, sector, case)
        if rule is None or rule.media_threshold is None:
            continue
        due = book.due(rule, "media", start, residents=residents, assessment_days=case.parameters.assessment_days,
                       encrypted=case.incident.encrypted, **engine_keywords(case, facts_for(case, sector)))
        out.append((rule, start, due))
    return out


# ---------------------------------------------------------------- obligations

#: A group of affected people: (data owner, home jurisdiction, element key); '' is the organisation.
PeopleKey = tuple[str, str, str]


def obligations_for(book: RuleBook, case, residents: Mapping[str, int], *,
                    include: Iterable[str] = (), assessment_days: int | None = None) -> list[Obligation]:
    """Every obligation of the organisation for given resident counts, sorted by due moment (pure).

    For ``--residents``: ``residents`` maps codes to affected residents (``UNKNOWN`` is
    skipped; the case's ``declared_residents`` replace a count), each judged on the
    incident's elements; ``include`` and the regimes of the case's declared
    ``organization.roles`` add organisation-dependent regimes (``US-HIPAA``, ``US-SEC-8K``...)
    with the total number of affected people (overlay codes such as ``CA-QC`` are not
    counted twice in it). With the people themselves use :func:`case_obligations`, which
    judges each person's elements and each data owner as the audit does.
    """
    from workbench.law.roles import ROLES

    view = _with_assessment_days(case, assessment_days)
    counts = {c: n for c, n in residents.items() if c != UNKNOWN_JURISDICTION}
    total = sum(n for c, n in residents.items() if c not in OVERLAY_CODES)
    roles = getattr(case.organization, "roles", None) or []
    for code in [*include, *(c for role in roles for c in ROLES.get(role).codes)]:
        counts.setdefault(code, total)
    for code, n in (getattr(case, "declared_residents", None) or {}).items():
        counts[code] = n  # the organisation's own count: the people table may be a sample
    own = elements_key(None, case.incident.data_elements)
    out = [o for code in sorted(counts)
           for o in _law_obligations(book, view, ORGANISATION, code, {own: counts[code]}, counts[code])]
    return _sorted(out)


def case_obligations(book: RuleBook, case, people: Mapping[PeopleKey, int], *,
                     include: Iterable[str] = ()) -> list[Obligation]:
    """Every obligation the case's people trigger, per data owner, as the audit judges them (pure).

    ``people`` counts affected people per (data owner, home jurisdiction, element key)
    (:func:`count_people`). Each owner is judged on its own clock, roles and per-law facts
    (:func:`workbench.owners.owner_case`); each person under every law of
    :func:`workbench.law.plan.law_plan` (residence, overlays, the declared roles' regimes,
    and ``include``). A person counts toward a law's residents only if their elements are
    personal information there (``RuleBook.coverage``); the case's ``declared_residents``
    replace that count. The individual obligation of a law under which nobody's elements
    count is listed ``not_required`` with the coverage reason; people of an undeclared data
    owner or of no known jurisdiction are listed ``not_assessed``, never dropped.
    """
    by_owner: dict[str, dict[tuple[str, str], int]] = {}
    for (owner, home, key), n in people.items():
        group = by_owner.setdefault(owner, {})
        group[(home, key)] = group.get((home, key), 0) + n
    if not by_owner:
        by_owner[ORGANISATION] = {}
    out: list[Obligation] = []
    for owner, groups in sorted(by_owner.items()):
        view = owner_case(case, owner)
        out += (_undeclared_owner(book, case, owner, groups) if view is None
                else _owner_obligations(book, view, owner, groups, include))
    return _sorted(out)


def _owner_obligations(book: RuleBook, view, owner: str, groups: Mapping[tuple[str, str], int],
                       include: Iterable[str]) -> list[Obligation]:
    """One data owner's obligations: its people's laws, its filings and its declared counts."""
    plan = law_plan(view, groups)
    laws: dict[tuple[str, str], list[str]] = {}
    for home, key, code in zip(plan["home"], plan["elements"], plan["jurisdiction"]):
        laws.setdefault((home, key), []).append(code)
    per_law: dict[str, dict[str, int]] = {}
    for (home, key), n in groups.items():
        for code in dict.fromkeys([*laws.get((home, key), []), *include]):  # include: judges everyone
            per_law.setdefault(code, {})
            per_law[code][key] = per_law[code].get(key, 0) + n
    people = sum(groups.values())
    own = elements_key(None, view.incident.data_elements)
    declared = getattr(view, "declared_residents", None) or {}
    fixed: dict[str, int | None] = {}
    for code in filing_laws(view):  # no person is owed their notice: judged once on the people
        if code not in per_law:
            per_law[code], fixed[code] = {own: 0}, people
    for code, n in declared.items():
        per_law.setdefault(code, {own: 0})
        fixed[code] = n  # the organisation's own count: the people table may be a sample
    return [o for code in sorted(per_law)
            for o in _law_obligations(book, view, owner, code, per_law[code], fixed.get(code))]


def _law_obligations(book: RuleBook, view, owner: str, code: str, element_counts: Mapping[str, int],
                     residents: int | None) -> list[Obligation]:
    """The obligations of one law for one owner: people per element key; ``residents`` is
    the count to judge thresholds on (None: the people whose elements count there)."""
    from workbench.casefacts import facts_for

    rule, start = rule_for_case(book, code, view)
    clock_event = (rule.clock_starts if rule is not None else None) or ""
    if code == UNKNOWN_JURISDICTION:
        n = sum(element_counts.values())
        due = Due(False, None, "not_assessed", f"{n} person(s) map to no jurisdiction of the law data", None, None,
                  None, code, "individual")
        return [Obligation(code, "unknown", "individual", RECIPIENT["individual"], n, clock_event, start, due, owner)]
    inds = [individual_due(book, view, code, key, rule, start) for key in sorted(element_counts)]
    notifiable = sum(element_counts[i.elements] for i in inds if i.covered is not False)
    counted = notifiable if residents is None else residents
    out = []
    first = min(inds, key=lambda i: i.rank())
    if first.applies or first.basis == "not_assessed" or first.due.applies:  # owed, unknown, or not PI
        due = replace(first.due, applies=first.applies, due_at=first.due_at, basis=first.basis, reason=first.reason)
        out.append(Obligation(code, book.name(code), "individual", RECIPIENT["individual"], counted, clock_event,
                              start, due, owner))
    kw = dict(residents=counted, assessment_days=view.parameters.assessment_days, encrypted=view.incident.encrypted,
              **engine_keywords(view, facts_for(view, code)))
    for ob in (o for o in OBLIGATIONS if o != "individual" and o not in PER_STATE_OBLIGATIONS):
        due = book.due(rule if rule is not None else code, ob, start, **kw)
        if not due.applies and due.basis != "not_assessed":
            continue
        recipient = rule.regulator_name if rule is not None and ob == "regulator" else None
        out.append(Obligation(code, book.name(code), ob, recipient or RECIPIENT.get(ob, "regulator"), counted,
                              clock_event, start, due, owner))
    state_residents = residents if residents is not None else sum(element_counts.values())
    for sector_rule, sector_start, due in media_dues(book, view, code, state_residents):
        if due.applies or due.basis == "not_assessed":
            out.append(Obligation(code, book.name(code), "media", f"{RECIPIENT['media']} ({sector_rule.name})",
                                  state_residents, sector_rule.clock_starts or "", sector_start, due, owner))
    return out


def _undeclared_owner(book: RuleBook, case, owner: str, groups: Mapping[tuple[str, str], int]) -> list[Obligation]:
    """People of a data owner the case does not declare: their residence laws, not assessed."""
    counts: dict[str, int] = {}
    for (home, _key), n in groups.items():
        plan_home = law_plan(case.model_copy(update={"organization": case.organization.model_copy(
            update={"roles": []})}), [(home, _key)])
        code = plan_home["jurisdiction"].iloc[0]
        counts[code] = counts.get(code, 0) + n
    out = []
    for code, n in sorted(counts.items()):
        rule, start = rule_for_case(book, code, case)
        due = Due(False, None, "not_assessed", unknown_owner_reason(owner), None, None, None, code, "individual")
        out.append(Obligation(code, book.name(code) if code in book else "unknown", "individual",
                              RECIPIENT["individual"], n, (rule.clock_starts if rule is not None else None) or "",
                              start, due, owner))
    return out


def _with_assessment_days(case, days: int | None):
    if days is None or days == case.parameters.assessment_days:
        return case
    return case.model_copy(update={"parameters": case.parameters.model_copy(update={"assessment_days": days})})


def _sorted(obligations: list[Obligation]) -> list[Obligation]:
    """By due moment (not assessed last), then owner, code and obligation."""
    never = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    return sorted(obligations, key=lambda o: (o.due.due_at.astimezone(dt.timezone.utc) if o.due.due_at else never,
                                              o.owner, o.code, OBLIGATIONS.index(o.obligation)))


# ---------------------------------------------------------------- people

def count_people(people: pd.DataFrame, incident_elements: Iterable[str]) -> dict[PeopleKey, int]:
    """Affected people per (data owner, home jurisdiction, element key), from a frame with
    ``country``, ``region`` and optional ``data_elements`` and ``data_owner``.

    Groups first, so :func:`~workbench.law.jurisdictions.jurisdiction_for` and
    :func:`~workbench.exposure.elements_key` run once per distinct value; a person's home is
    the one jurisdiction they count in (overlays come from the plan).
    """
    if len(people) == 0:
        return {}
    cols = {c: (people[c] if c in people.columns else pd.Series([None] * len(people), index=people.index))
            for c in ("country", "region", "data_elements", "data_owner")}
    sizes = pd.DataFrame(cols).groupby(list(cols), dropna=False, sort=False).size()
    elements = list(incident_elements)
    out: dict[PeopleKey, int] = {}
    for (country, region, raw, owner), n in sizes.items():
        key = (_text(owner), jurisdiction_for(_text(country).upper() or None, _text(region).upper() or None),
               elements_key(_text(raw) or None, elements))
        out[key] = out.get(key, 0) + int(n)
    return out


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def people_from_case(case) -> dict[PeopleKey, int]:
    """Count the case's affected people per (owner, home, elements), reading affected_people in chunks."""
    from workbench.sources import iter_input

    totals: dict[PeopleKey, int] = {}
    for part in iter_input(case, "affected_people", with_hash=False):
        for key, n in count_people(part.frame, case.incident.data_elements).items():
            totals[key] = totals.get(key, 0) + n
    return totals


def case_deadlines(case, *, include: Iterable[str] = (), residents: Mapping[str, int] | None = None,
                   book: RuleBook | None = None) -> list[Obligation]:
    """List the case's obligations: from its people (read here) as the audit judges them,
    or from the given resident counts (``--residents``: the organisation's, on the incident's elements)."""
    book = book or load_rulebook()
    if residents is not None:
        return obligations_for(book, case, dict(residents), include=include)
    return case_obligations(book, case, people_from_case(case), include=include)


# ---------------------------------------------------------------- exports

ROW_FIELDS = ["due_at", "owner", "jurisdiction", "jurisdiction_name", "obligation", "recipient", "residents", "basis",
              "clock_event", "clock_start", "citation", "rule_version", "confidence", "reason"]


def to_csv(obligations: list[Obligation]) -> str:
    """One row per obligation, formulas neutralised (:mod:`workbench.safecsv`)."""
    buf = io.StringIO()
    w = SafeDictWriter(buf, ROW_FIELDS)
    w.writeheader()
    w.writerows(o.to_row() for o in obligations)
    return buf.getvalue()


def to_json(obligations: list[Obligation], *, case_id: str, law_version: str) -> str:
    return json.dumps({"case_id": case_id, "law_data_version": law_version, "disclaimer": NOT_LEGAL_ADVICE,
                       "obligations": [o.to_row() for o in obligations]}, indent=2, ensure_ascii=False)


def to_table(obligations: list[Obligation]) -> str:
    width = max([5, *(len(o.owner) for o in obligations)])
    lines = [f"{'due (local)':25} {'owner':{width}} {'code':10} {'obligation':10} {'basis':12} recipient / citation"]
    for o in obligations:
        d = o.due
        when = d.due_at.strftime('%Y-%m-%d %H:%M %Z') if d.due_at else "no due moment"
        lines.append(f"{when:25} {o.owner or '-':{width}} {o.code:10} {o.obligation:10} {d.basis:12} "
                     f"{o.recipient} | " + (f"{d.citation} [{d.rule_version}, {d.confidence}]" if d.citation else d.reason))
    if not obligations:
        lines.append("(no obligation triggered)")
    lines.append(NOT_LEGAL_ADVICE)
    return "\n".join(lines)


def to_ics(obligations: list[Obligation], *, case_id: str, stamp: dt.datetime) -> bytes:
    """An iCalendar file with one event (and a one-day reminder) per obligation."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Breach Audit Workbench//law deadlines//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Breach notice deadlines - {case_id}")
    for o in obligations:
        d = o.due
        if d.due_at is None:  # not assessed: no deadline to put in a calendar
            continue
        ev = Event()
        mine = f"{o.owner}|" if o.owner else ""  # the organisation's own keep their earlier uid
        uid = hashlib.sha256(f"{case_id}|{mine}{o.code}|{o.obligation}|{d.rule_version}".encode()).hexdigest()[:24]
        ev.add("uid", f"{uid}@breach-audit-workbench")
        ev.add("dtstamp", stamp.astimezone(dt.timezone.utc))
        ev.add("dtstart", d.due_at.astimezone(dt.timezone.utc))
        ev.add("dtend", d.due_at.astimezone(dt.timezone.utc))
        label = " (assessment, not statutory)" if d.basis == "assessment" else ""
        whose = f" for data owner {o.owner}" if o.owner else ""
        ev.add("summary", f"[{o.code}] {o.obligation} notice due{label}{whose}: {o.recipient}")
        ev.add("description", "\n".join([*([f"Data owner: {o.owner}"] if o.owner else []),
            f"Jurisdiction: {o.jurisdiction} ({o.code})", f"Obligation: {o.obligation} -> {o.recipient}",
            f"Due: {d.due_at.isoformat()} ({d.basis})", f"Why: {d.reason}", f"Citation: {d.citation}",
            f"Rule version: {d.rule_version} (confidence {d.confidence})",
            f"Clock start: {o.clock_start.isoformat()} ({o.clock_event})", NOT_LEGAL_ADVICE]))
        ev.add("categories", [o.obligation, d.basis])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{o.code} {o.obligation} notice due in 24 hours{whose}")
        alarm.add("trigger", dt.timedelta(days=-1))
        ev.add_component(alarm)
        cal.add_component(ev)
    return cal.to_ical()


# ---------------------------------------------------------------- batch

BATCH_REQUIRED = ("jurisdiction", "clock_start", "obligation")
BATCH_ADDED = ("applies", "due_at", "basis", "status", "days_late", "citation", "rule_version", "confidence", "reason")


def parse_moment(text: str, tz: dt.tzinfo) -> dt.datetime:
    """ISO date or datetime -> aware datetime; naive values are read in ``tz``, dates at midnight."""
    text = text.strip()
    if not text:
        raise ValueError("empty")
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0, 0), tzinfo=tz)
    at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at.replace(tzinfo=tz) if at.tzinfo is None else at


def batch_due(book: RuleBook, rows: Iterable[Mapping[str, str]], *, timezone: str = "UTC",
              assessment_days: int = 30) -> Iterator[dict]:
    """For each input row (jurisdiction, clock_start, obligation[, residents, sent_at,
    individual_sent_at]) yield the row plus its due moment, basis, status and days late.

    ``status`` is ``on_time``, ``late``, ``not_sent`` (no sent_at), ``not_required``,
    ``no_regime``, ``not_assessed`` (the law data does not model the date) or ``invalid`` (the row cannot be read; ``reason`` says why). Rows are
    never dropped. Identical questions are answered once (cached).
    """
    tz = ZoneInfo(timezone)
    cache: dict[tuple, Due] = {}
    for row in rows:
        out = dict(row)
        try:
            code = (row.get("jurisdiction") or "").strip()
            obligation = (row.get("obligation") or "").strip().lower()
            if obligation not in OBLIGATIONS:
                raise ValueError(f"obligation {obligation!r} is not one of {', '.join(OBLIGATIONS)}")
            if code != UNKNOWN_JURISDICTION and code not in book:
                raise ValueError(f"unknown jurisdiction code {code!r}")
            start = parse_moment(row.get("clock_start") or "", tz)
            res_text = (row.get("residents") or "").strip()
            residents = int(float(res_text)) if res_text else None
            ind_text = (row.get("individual_sent_at") or "").strip()
            ind = parse_moment(ind_text, tz) if ind_text else None
            sent_text = (row.get("sent_at") or "").strip()
            sent = parse_moment(sent_text, tz) if sent_text else None
        except ValueError as err:
            out.update({k: "" for k in BATCH_ADDED})
            out.update(status="invalid", reason=f"cannot read row: {err}")
            yield out
            continue
        key = (code, obligation, start, residents, ind)
        due = cache.get(key)
        if due is None:
            due = cache[key] = book.due(code, obligation, start, residents=residents,
                                        assessment_days=assessment_days, individual_sent_at=ind)
        status, late = _status(due, sent)
        out.update(applies=str(due.applies).lower(), due_at=due.due_at.isoformat() if due.due_at else "",
                   basis=due.basis, status=status, days_late=late, citation=due.citation or "",
                   rule_version=due.rule_version or "", confidence=due.confidence or "", reason=due.reason)
        yield out


def _status(due: Due, sent: dt.datetime | None) -> tuple[str, object]:
    if not due.applies:
        return due.basis, ""
    if sent is None:
        return "not_sent", ""
    if sent <= due.due_at:
        return "on_time", 0
    return "late", math.ceil((sent - due.due_at).total_seconds() / 86400)
