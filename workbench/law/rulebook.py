"""The rule book: effective-dated rules by code, and the deadline engine.

``load_rulebook()`` reads and validates the data files once per process (cached) and
returns a :class:`RuleBook`. ``book.due(...)`` answers one obligation for one clock start;
it is pure and cheap (microseconds), so callers group people by jurisdiction and call it
once per group, never once per person.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

from workbench.errors import UnknownNameError
from workbench.law.codes import UNKNOWN_JURISDICTION
from workbench.law.definitions import Coverage, Definition, as_elements, definition_on, evaluate, no_definition
from workbench.law.loader import data_hash, load_all
from workbench.law.model import OBLIGATIONS, Condition, Deadline, Due, RelativeTiming, Rule, TimeRule
from workbench.law.units import CLOCK_EVENTS, ROLLOVER_UNITS, add_period, closed_day, end_of_day, roll_over
from workbench.paths import LAW_DATA_DIR
from workbench.registry import Registry

log = logging.getLogger("workbench.law")


@dataclass(frozen=True)
class _Limit:
    """One candidate due moment; the earliest candidate wins."""

    at: dt.datetime
    basis: str
    text: str


class RuleBook:
    """All rule versions, indexed by code, plus the deadline engine."""

    def __init__(self, rules: list[Rule], member_states: list[dict], version_hash: str, files: list[Path],
                 definitions: dict[str, tuple[Definition, ...]] | None = None, time_rules: list[TimeRule] = (),
                 *, content: list = (), remediation: list = ()):
        self._by_code: dict[str, list[Rule]] = {}
        for r in rules:
            self._by_code.setdefault(r.code, []).append(r)
        for versions in self._by_code.values():
            versions.sort(key=lambda r: r.effective_from or dt.date.min)
        self._starts = {c: [r.effective_from or dt.date.min for r in v] for c, v in self._by_code.items()}
        self.member_states: dict[str, dict] = {m["country"]: m for m in member_states}
        self.version_hash = version_hash
        self.files = tuple(files)
        self._definitions: dict[str, tuple[Definition, ...]] = dict(definitions or {})
        self.time_rules: dict[str, TimeRule] = {t.code: t for t in time_rules}
        self._content = tuple(content)
        self._remediation = tuple(remediation)

    # ------------------------------------------------------------ lookup
    def codes(self) -> list[str]:
        """Every jurisdiction code, sorted."""
        return sorted(self._by_code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def history(self, code: str) -> list[Rule]:
        """Every version of ``code``, oldest first. Unknown code -> UnknownNameError."""
        return list(self._versions(code))

    def _versions(self, code: str) -> list[Rule]:
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownNameError("jurisdiction code", code, list(self._by_code)) from None

    def rule_in_force(self, code: str, on: dt.date) -> Rule | None:
        """The version of ``code`` in force on ``on``; None when no version covers the date."""
        if isinstance(on, dt.datetime):
            on = on.date()
        versions = self._versions(code)
        i = bisect.bisect_right(self._starts[code], on) - 1
        if i < 0:
            return None
        rule = versions[i]
        return rule if rule.covers(on) else None

    def current(self, code: str) -> Rule | None:
        """The version with no ``superseded_on`` (the law as it stands), or None."""
        last = self._versions(code)[-1]
        return last if last.superseded_on is None else None

    def name(self, code: str) -> str:
        return self._versions(code)[0].name

    # ------------------------------------------------------------ definitions of personal information
    def definition(self, code: str, on: dt.date | None = None) -> Definition | None:
        """The definition of personal information of ``code`` (``pi_definitions.yaml``) in force on ``on``, or None.

        A record dated for a period (a member state's own pre-GDPR law) wins on its dates; otherwise
        the code's record without a period applies (for ``EU-XX``: the copy of ``EU``). Without
        ``on``, that general record.
        """
        if isinstance(on, dt.datetime):
            on = on.date()
        return definition_on(self._definitions.get(code, ()), on)

    def coverage(self, code: str, elements: Iterable[str], on: dt.date, *, encrypted: bool = False,
                 redacted: bool = False, key_compromised: bool = False) -> Coverage:
        """Whether exposing ``elements`` on ``on`` makes a resident of ``code`` owed notice.

        Pure and cached per (code, element set, date, flags): call it once per group of people,
        never per person. A code without a definition answers covered (basis ``no_definition``);
        a date before the code's first rule version answers "cannot tell".
        """
        if isinstance(on, dt.datetime):
            on = on.date()
        d = self.definition(code, on)
        if d is None:
            if code != UNKNOWN_JURISDICTION:
                self._versions(code)  # an unknown code is an error, as for due()
            return no_definition(code)
        first = self._versions(code)[0].effective_from
        if first is not None and on < first:
            return Coverage(None, "definition", f"no version of {code} in the law data covers {on} (data start {first})",
                            None, False, d.citation, d.confidence, code)
        return evaluate(d, as_elements(elements), on, encrypted=encrypted, redacted=redacted,
                        key_compromised=key_compromised)

    # ------------------------------------------------------------ notice-letter content and remediation
    def content_requirements(self, code: str, on: dt.date | None = None) -> list:
        """The letter-content requirements of ``code`` (``letter_content.yaml``): those in force on
        ``on``, or every version when ``on`` is None."""
        return [r for r in self._content if r.code == code and (on is None or r.in_force(on))]

    def remediation_minimums(self, code: str, on: dt.date | None = None) -> list:
        """The remediation minimums of ``code`` in force on ``on`` (every version when None)."""
        return [r for r in self._remediation if r.code == code and (on is None or r.in_force(on))]

    def content_codes(self) -> list[str]:
        """Codes with any letter-content requirement or remediation minimum."""
        return sorted({r.code for r in self._content + self._remediation})

    # ------------------------------------------------------------ computation of time
    def time_rule(self, code: str) -> TimeRule | None:
        """The computation-of-time rule of ``code`` (time_computation.yaml), None when not in the data."""
        return self.time_rules.get(code)

    def roll(self, rule: Rule, at: dt.datetime) -> tuple[dt.datetime, str]:
        """Move a day-counted due moment whose last day is a weekend or holiday, where the law says so.

        Returns the due moment and the note for the reason ("" when the last day is a working day).
        """
        day = at.date()
        if not closed_day(day, rule.holiday_calendar):
            return at, ""
        tr = self.time_rules.get(rule.code)
        if tr is None:
            return at, (f"; last day {_day(day)} is a weekend day or holiday, not moved: no rollover rule for "
                        f"{rule.code} is in the law data")
        moved = roll_over(day, tr.rollover, rule.holiday_calendar)
        if moved == day:
            return at, f"; last day {_day(day)} not moved under {tr.citation} (rollover: {tr.rollover})"
        return end_of_day(moved, at.tzinfo), f"; moved from {_day(day)} to {_day(moved)} under {tr.citation}"

    # ------------------------------------------------------------ engine
    def due(self, code_or_rule: str | Rule, obligation: str, clock_start: dt.datetime, *,
            residents: int | None = None, assessment_days: int,
            individual_sent_at: dt.datetime | None = None, encrypted: bool = False,
            harm_ruled_out: bool = False,
            law_enforcement_delay: tuple[dt.datetime, dt.datetime] | None = None,
            roles: Iterable[str] | None = None) -> Due:
        """When ``obligation`` is due for a breach whose clock started at ``clock_start``.

        Parameters
        ----------
        code_or_rule
            A jurisdiction code (the version in force on the clock start's local date is
            used) or a :class:`Rule` to apply as is.
        obligation
            ``individual``, ``regulator`` or ``cra``.
        clock_start
            Timezone-aware moment of the event the statute names (discovery, determination);
            for date-only facts pass local midnight in the case timezone.
        residents
            Affected residents of the jurisdiction; None when unknown (a threshold above 1
            is then assumed met, and the reason says so).
        assessment_days
            Applied where the law sets no number; the result is labelled ``assessment``.
        individual_sent_at
            When the individual notice went out, for notices timed relative to it; without
            it the individual due moment stands in.
        encrypted
            The data was encrypted (and the key not taken): rules with a safe harbour
            then require nothing (GDPR-style rules: only the individual notice is waived).
        harm_ruled_out
            The case's harm assessment rules out every condition of the duty other than a
            count (harm/risk tests, sensitive data, cause): a duty that depends on such a
            condition (the rule's ``*_conditions``, or a US rule with a risk-of-harm
            exception) is then not required; a count alternative that is met still applies.
            False (the default) means the case records no such assessment, and the duty
            is required.
        law_enforcement_delay
            (requested, ended): law enforcement asked for a delay at ``requested`` and lifted
            it at ``ended`` (aware moments). Where the rule's data allows a delay, the
            individual deadline (and, where the statute says so, the regulator deadline) is
            extended by its length, or runs for the statute's period after ``ended`` if
            later; elsewhere nothing moves and the reason says why (README "Law-enforcement delay").

        roles
            The holder's declared roles (``organization.roles``). A statute that binds only
            some holders (``applies_to_roles``, e.g. Georgia's information brokers) is
            ``not_assessed`` when the holder declares none of them: whether it binds is then
            unknown, never "not required". None (the default): not asked.

        A date the law data does not model (before a code's first version, or a version
        with ``modelled: false``) is answered ``not_assessed``, never ``not_required``.
        """
        if obligation not in OBLIGATIONS:
            raise UnknownNameError("obligation", obligation, list(OBLIGATIONS))
        if clock_start.tzinfo is None or clock_start.utcoffset() is None:
            raise ValueError("clock_start must be timezone-aware (use the case timezone)")
        if individual_sent_at is not None and (individual_sent_at.tzinfo is None or individual_sent_at.utcoffset() is None):
            raise ValueError("individual_sent_at must be timezone-aware")
        if law_enforcement_delay is not None:
            requested, ended = law_enforcement_delay
            if any(t is None or t.tzinfo is None or t.utcoffset() is None for t in (requested, ended)):
                raise ValueError("law_enforcement_delay must be two timezone-aware moments (requested, ended)")
            if ended < requested:
                raise ValueError("law_enforcement_delay ends before it was requested")
        if assessment_days is None or assessment_days < 0:
            raise ValueError("assessment_days must be a number of days >= 0")
        if isinstance(code_or_rule, Rule):
            rule, code = code_or_rule, code_or_rule.code
        else:
            code = code_or_rule
            if code == UNKNOWN_JURISDICTION:
                return Due(False, None, "no_regime", "jurisdiction unknown: no law data applies",
                           None, None, None, code, obligation)
            rule = self.rule_in_force(code, clock_start.date())
            if rule is None:
                first = self._versions(code)[0].effective_from
                return Due(False, None, "not_assessed",
                           f"not assessed: no version of {code} in the law data covers {clock_start.date()} "
                           f"(the data starts {first}); earlier law is not modelled",
                           None, None, None, code, obligation)
        if not rule.modelled:
            return self._answer(rule, obligation, False, None, "not_assessed",
                                f"not assessed: on {clock_start.date()} ({rule.title}) {rule.individual_standard}")
        if not rule.regime:
            return self._answer(rule, obligation, False, None, "no_regime",
                                f"no breach-notice law in force: {rule.individual_standard}")
        if rule.applies_to_roles and roles is not None and not set(rule.applies_to_roles) & set(roles):
            return self._answer(rule, obligation, False, None, "not_assessed",
                                f"not assessed: {rule.citation} binds only holders that are "
                                f"{' or '.join(rule.applies_to_roles)}; the case declares neither "
                                "(organization.roles or the data owner's roles)")
        ctx = _DueContext(self, rule, obligation, clock_start, residents, assessment_days,
                          individual_sent_at, encrypted, harm_ruled_out, law_enforcement_delay)
        return OBLIGATION_RULES.get(obligation)(ctx)

    @staticmethod
    def _answer(rule: Rule, obligation: str, applies: bool, due_at: dt.datetime | None,
                basis: str, reason: str) -> Due:
        return Due(applies, due_at, basis, reason, rule.citation, rule.version, rule.confidence,
                   rule.code, obligation)


@dataclass(frozen=True)
class _DueContext:
    book: RuleBook
    rule: Rule
    obligation: str
    clock_start: dt.datetime
    residents: int | None
    assessment_days: int
    individual_sent_at: dt.datetime | None
    encrypted: bool
    harm_ruled_out: bool = False
    law_enforcement_delay: tuple[dt.datetime, dt.datetime] | None = None

    def answer(self, applies: bool, due_at: dt.datetime | None, basis: str, reason: str) -> Due:
        return RuleBook._answer(self.rule, self.obligation, applies, due_at, basis, reason)

    def period(self, start: dt.datetime, d: Deadline, delay_for: str | None = None) -> tuple[dt.datetime, str]:
        """Due moment of ``d`` from ``start`` and its note: law-enforcement delay (for the
        obligation ``delay_for``), then the jurisdiction's weekend/holiday rollover (day units only)."""
        at, note = add_period(start, d.amount, d.unit, self.rule.holiday_calendar), ""
        if delay_for:
            at, note = self.delayed(at, delay_for, d.unit)
        if d.unit in ROLLOVER_UNITS:
            at, rolled = self.book.roll(self.rule, at)
            note += rolled
        return at, note

    def delayed(self, at: dt.datetime, who: str, unit: str = "hours") -> tuple[dt.datetime, str]:
        """``at`` extended by the case's law-enforcement delay where the rule allows it, and the note."""
        if self.law_enforcement_delay is None:
            return at, ""
        requested, ended = self.law_enforcement_delay
        led = self.rule.law_enforcement_delay
        if led is None:
            return at, ("; law-enforcement delay not applied: the law data does not record whether "
                        f"{self.rule.version} allows one")
        if led.effect == "none":
            return at, f"; law-enforcement delay not applied: the rule makes no provision for one ({led.text})"
        if who != "individual" and led.scope != "all":
            return at, f"; law-enforcement delay not applied: it covers the notice to individuals only ({led.text})"
        if requested > at:
            return at, "; law-enforcement delay not applied: requested after the deadline had passed"
        if led.after is not None:
            # The statute's own period after the delay replaces the tolling; a delay never
            # shortens the time the rule otherwise gives.
            after = add_period(ended.astimezone(at.tzinfo), led.after.amount, led.after.unit, self.rule.holiday_calendar)
            if after <= at:
                return at, (f"; law-enforcement delay ended {ended.isoformat()}: {led.after} after it is not later "
                            f"than the deadline, which stands, under {led.text}")
            return after, f"; due within {led.after} after the law-enforcement delay ended {ended.isoformat()} under {led.text}"
        length = ended - requested
        new = at + length
        if unit in ROLLOVER_UNITS:
            new = end_of_day(new.astimezone(at.tzinfo).date(), at.tzinfo)
        return new, (f"; extended by the law-enforcement delay ({length}, requested {requested.isoformat()}, "
                     f"ended {ended.isoformat()}) under {led.text}")

    def assessment(self) -> _Limit:
        # An audit yardstick, not a statutory period: no weekend/holiday rollover.
        at = add_period(self.clock_start, self.assessment_days, "calendar_days", self.rule.holiday_calendar)
        return _Limit(at, "assessment", f"the law sets no number; assessment_days={self.assessment_days} "
                                        "applied from the clock start (an audit yardstick, not law)")

    def clock_words(self) -> str:
        r = self.rule
        return r.clock_text or (CLOCK_EVENTS.get(r.clock_starts).description if r.clock_starts else "the clock start")

    def safe_harbour(self, scope_needed: str) -> Due | None:
        r = self.rule
        if self.encrypted and r.encryption_safe_harbor and (r.safe_harbor_scope == "all" or scope_needed == "individual"):
            return self.answer(False, None, "not_required",
                               "encrypted data: the rule's encryption safe harbour applies (unless the key was also compromised)")
        return None

    def gate(self, threshold: int | None, who: str) -> tuple[Due | None, str]:
        """What every notice to others than individuals asks first: the safe harbour, then the
        threshold. The early answer (or None) and the note on how the threshold was met."""
        harbour = self.safe_harbour("all")
        if harbour:
            return harbour, ""
        return self.threshold(threshold, who)

    def threshold(self, threshold: int | None, who: str) -> tuple[Due | None, str]:
        """Not-required answer when below threshold; else the note on how it was met."""
        if threshold is None:
            return self.answer(False, None, "not_required", f"this version imposes no {who} notice"), ""
        if self.residents is None:
            note = ("" if threshold <= 1 else
                    f"; resident count not given, threshold of {threshold} assumed met")
            return None, note
        if self.residents < threshold:
            return self.answer(False, None, "not_required",
                               f"{self.residents} affected residents is below the {who} threshold "
                               f"(duty starts at {threshold})"), ""
        return None, f"; {self.residents} residents meets the threshold ({threshold})"

    def relative_limit(self, rel: RelativeTiming) -> _Limit | None:
        """The limit set by a notice timed against the individual notice."""
        if self.individual_sent_at is not None:
            anchor = self.individual_sent_at.astimezone(self.clock_start.tzinfo)
            basis, where = "statutory", f"the individual notice sent {anchor.isoformat()}"
        else:
            ind = self.book.due(self.rule, "individual", self.clock_start, residents=self.residents,
                                assessment_days=self.assessment_days, encrypted=self.encrypted,
                                harm_ruled_out=self.harm_ruled_out,
                                law_enforcement_delay=self.law_enforcement_delay)
            if not ind.applies or ind.due_at is None:
                return None
            anchor, basis = ind.due_at, ind.basis
            where = f"the individual notice's due moment ({ind.basis}), as it was not given"
        at, note = (anchor, "") if rel.offset is None else self.period(anchor, rel.offset)
        return _Limit(at, basis, f"{rel} (anchored on {where}){note}")


    def conditions(self, conditions: tuple[Condition, ...], who: str) -> tuple[Due | None, str]:
        """Not-required answer when the duty's conditions are not met; else the note on how they are.

        Any one alternative suffices. A count alternative is met by the resident count (an
        unknown count is assumed to meet it); the other kinds (harm, data, cause) are taken as
        met unless ``harm_ruled_out``. A US rule with a risk-of-harm exception and no listed
        conditions depends on its harm test in the same way.
        """
        r = self.rule
        if not conditions:
            if not (r.code.startswith("US-") and r.risk_of_harm_exception):
                return None, ""
            if self.harm_ruled_out:
                return self.answer(False, None, "not_required",
                                   f"the case's harm assessment rules out the risk of harm, so no {who} notice is "
                                   f"required (risk-of-harm exception of {r.citation})"), ""
            return None, (f"; the duty is subject to the risk-of-harm exception of {r.citation}, and the case "
                          "records no assessment ruling the risk out")
        counts = [c for c in conditions if c.kind == "count"]
        others = [c for c in conditions if c.kind != "count"]
        for c in counts:
            if self.residents is None:
                return None, f"; resident count not given, so the alternative '{c}' is assumed met"
            if self.residents >= c.count:
                return None, f"; {self.residents} affected meets the alternative '{c}'"
        size = "" if not counts or self.residents is None else (
            f"{self.residents} affected is below the count alternative ({counts[0].count}), and ")
        if not others:
            return self.answer(False, None, "not_required", f"{size.removesuffix(', and ')}: no {who} notice"), ""
        listed = "; or ".join(str(c) for c in others)
        if self.harm_ruled_out:
            return self.answer(False, None, "not_required",
                               f"{size}the case's harm assessment rules out the other conditions of the {who} "
                               f"duty ({listed})"), ""
        return None, (f"; {size}the duty applies where {listed}: the case records no assessment ruling that out")


def _earliest(limits: list[_Limit]) -> _Limit:
    # On a tie the statutory limit wins, so a number in the law is never labelled assessment.
    return min(limits, key=lambda lim: (lim.at, lim.basis != "statutory"))


_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _day(day: dt.date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"


OBLIGATION_RULES: Registry[Callable[[_DueContext], Due]] = Registry("obligation")


@OBLIGATION_RULES.register("individual")
def _individual(ctx: _DueContext) -> Due:
    r = ctx.rule
    if not r.individual_required:
        return ctx.answer(False, None, "not_required", f"the regime requires no notice to individuals: {r.individual_standard}")
    harbour = ctx.safe_harbour("individual")
    if harbour:
        return harbour
    unmet, cond = ctx.conditions(r.individual_conditions, "individual")
    if unmet:
        return unmet
    if r.individual_deadline is not None:
        at, note = ctx.period(ctx.clock_start, r.individual_deadline, "individual")
        return ctx.answer(True, at, "statutory",
                          f"within {r.individual_deadline} of {ctx.clock_words()} (\"{r.individual_standard}\"){note}{cond}")
    lim = ctx.assessment()
    at, note = ctx.delayed(lim.at, "individual", "calendar_days")
    return ctx.answer(True, at, "assessment", f"\"{r.individual_standard}\": {lim.text}{note}{cond}")


def _answer_earliest(ctx: _DueContext, limits: list[_Limit], who: str, suffix: str) -> Due:
    """The earliest of the statutory limits (the case's assessment when there are none)."""
    limits = limits or [ctx.assessment()]
    best = _earliest(limits)
    extra = "" if len(limits) == 1 else " (earliest of: " + "; ".join(lim.text for lim in limits) + ")"
    return ctx.answer(True, best.at, best.basis, f"{who}: {best.text}{extra}{suffix}")


@OBLIGATION_RULES.register("regulator")
def _regulator(ctx: _DueContext) -> Due:
    r = ctx.rule
    early, note = ctx.gate(r.regulator_threshold, "regulator")
    if early:
        return early
    unmet, cond_note = ctx.conditions(r.regulator_conditions, "regulator")
    if unmet:
        return unmet
    note += cond_note
    who = f"notice to {r.regulator_name}"
    cond = f"; only where {r.regulator_condition}" if r.regulator_condition else ""
    if (r.regulator_annual_log_below is not None and ctx.residents is not None
            and ctx.residents < r.regulator_annual_log_below):
        year_end = end_of_day(dt.date(ctx.clock_start.year, 12, 31), ctx.clock_start.tzinfo)
        at, rolled = ctx.period(year_end, r.regulator_annual_log_period)
        return ctx.answer(True, at, "statutory",
                          f"{who}: fewer than {r.regulator_annual_log_below} affected, so logged and reported within "
                          f"{r.regulator_annual_log_period} after the end of the calendar year{rolled}{note}{cond}")
    limits: list[_Limit] = []
    if r.regulator_deadline is not None:
        at, rolled = ctx.period(ctx.clock_start, r.regulator_deadline, "regulator")
        limits.append(_Limit(at, "statutory", f"within {r.regulator_deadline} of {ctx.clock_words()}{rolled}"))
    if r.regulator_relative is not None:
        lim = ctx.relative_limit(r.regulator_relative)
        if lim:
            limits.append(lim)
    return _answer_earliest(ctx, limits, who, f"{note}{cond}")


@OBLIGATION_RULES.register("cra")
def _cra(ctx: _DueContext) -> Due:
    r = ctx.rule
    early, note = ctx.gate(r.cra_threshold, "consumer-reporting-agency")
    if early:
        return early
    unmet, cond_note = ctx.conditions((), "consumer-reporting-agency")
    if unmet:
        return unmet
    note += cond_note
    limits = []
    if r.cra_relative is not None:
        lim = ctx.relative_limit(r.cra_relative)
        if lim:
            limits.append(lim)
    return _answer_earliest(ctx, limits, "notice to the nationwide consumer reporting agencies", note)


@OBLIGATION_RULES.register("media")
def _media(ctx: _DueContext) -> Due:
    # Judged per State: ``residents`` are the residents of the one State asked about.
    r = ctx.rule
    early, note = ctx.gate(r.media_threshold, "media")
    if early:
        return early
    at, rolled = ctx.period(ctx.clock_start, r.media_deadline, "media")
    return ctx.answer(True, at, "statutory",
                      f"notice to prominent media outlets serving the State: within {r.media_deadline} of "
                      f"{ctx.clock_words()} (\"{r.media_standard}\"){rolled}{note}")


@lru_cache(maxsize=8)
def _load(data_dir: str, stamp: tuple) -> RuleBook:
    data = load_all(Path(data_dir))
    rules, files = data.rules, data.files
    book = RuleBook(rules, data.members, data_hash(files), files, data.definitions, data.time_rules,
                    content=data.content, remediation=data.remediation)
    log.debug("law data loaded: %d rules, %d codes, version %s", len(rules), len(book.codes()), book.version_hash[:12])
    return book


def load_rulebook(data_dir: str | Path | None = None) -> RuleBook:
    """The validated rule book (cached per folder and file modification times).

    Raises :class:`~workbench.errors.LawDataError` (file, line) when a data file is broken.
    """
    folder = Path(data_dir) if data_dir else LAW_DATA_DIR
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.yaml")))
    return _load(str(folder.resolve()), stamp)
