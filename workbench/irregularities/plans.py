"""Rule 10b5-1 trading plans: does a declared plan defend a sale?

The conditions are reviewed data (``data/trading_plans.yaml``: citation, source, effective
dates and confidence per rule), read and validated by :func:`load_plan_rules`.
:func:`plan_defence` applies them to one sale and returns a :class:`PlanDefence`: one of
the named :data:`OUTCOMES` (a registry: severity, whether the plan still lowers the
severity, and the sentence a finding says), with the rule and dates it rests on.

Why per sale: the rule in force is the one on the plan's adoption (or latest modification)
date, and the cooling-off period is counted from that date to each trade.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from workbench.errors import WorkbenchError

PLANS_FILE = Path(__file__).with_name("data") / "trading_plans.yaml"
#: The kinds of person a cooling-off rule names.
PERSON_KINDS = ("officers_directors", "other")
CONFIDENCE = ("high", "medium", "low")


class PlanRulesError(WorkbenchError):
    """The trading-plan rules file is invalid (names the file and the record)."""

    def __init__(self, file: str, problem: str) -> None:
        self.file, self.problem = file, problem
        super().__init__(f"{file}: {problem}")


@dataclass(frozen=True)
class Requirement:
    requirement: str
    citation: str
    source: str
    effective_from: dt.date
    confidence: str
    notes: str = ""


@dataclass(frozen=True)
class CoolingOffRule:
    id: str
    persons: tuple[str, ...]
    effective_from: dt.date
    effective_to: dt.date | None
    min_days: int
    citation: str
    source: str
    confidence: str
    alternative_business_days_after_results: int | None = None
    max_days: int | None = None
    counting_confidence: str | None = None
    notes: str = ""

    def applies(self, adopted: dt.date, person: str) -> bool:
        return (person in self.persons and self.effective_from <= adopted
                and (self.effective_to is None or adopted <= self.effective_to))


@dataclass(frozen=True)
class PlanRules:
    version: str
    adoption_before_awareness: Requirement
    modification: Requirement
    cooling_off: tuple[CoolingOffRule, ...]

    def cooling_off_for(self, adopted: dt.date, person: str) -> CoolingOffRule | None:
        """The cooling-off rule in force on the adoption date for that kind of person."""
        return next((r for r in self.cooling_off if r.applies(adopted, person)), None)


_REQ_KEYS = {"requirement", "citation", "source", "effective_from", "confidence", "notes"}
_RULE_KEYS = {"id", "persons", "effective_from", "effective_to", "min_days", "citation", "source", "confidence",
              "alternative_business_days_after_results", "max_days", "counting_confidence", "notes"}
_RULE_REQUIRED = {"id", "persons", "effective_from", "min_days", "citation", "source", "confidence"}


def _date(value: Any, where: str, file: str) -> dt.date:
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise PlanRulesError(file, f"{where}: not a date: {value!r} (expected YYYY-MM-DD)") from None


def _keys(record: Any, allowed: set[str], required: set[str], where: str, file: str) -> dict:
    if not isinstance(record, dict):
        raise PlanRulesError(file, f"{where}: expected a mapping")
    unknown, missing = set(record) - allowed, required - set(record)
    if unknown:
        raise PlanRulesError(file, f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if missing:
        raise PlanRulesError(file, f"{where}: missing key(s) {', '.join(sorted(missing))}")
    for key in ("citation", "source"):
        if key in record and not str(record[key]).strip():
            raise PlanRulesError(file, f"{where}.{key}: empty (every rule is cited with its source)")
    for key in ("confidence", "counting_confidence"):
        if record.get(key) is not None and record[key] not in CONFIDENCE:
            raise PlanRulesError(file, f"{where}.{key}: {record[key]!r} (expected one of {', '.join(CONFIDENCE)})")
    return record


def _requirement(raw: Any, where: str, file: str) -> Requirement:
    r = _keys(raw, _REQ_KEYS, _REQ_KEYS - {"notes"}, where, file)
    return Requirement(str(r["requirement"]), str(r["citation"]), str(r["source"]),
                       _date(r["effective_from"], f"{where}.effective_from", file), r["confidence"],
                       str(r.get("notes") or ""))


def _rule(raw: Any, i: int, file: str) -> CoolingOffRule:
    where = f"cooling_off[{i}]"
    r = _keys(raw, _RULE_KEYS, _RULE_REQUIRED, where, file)
    persons = tuple(r["persons"]) if isinstance(r["persons"], list) else ()
    if not persons or any(p not in PERSON_KINDS for p in persons):
        raise PlanRulesError(file, f"{where}.persons: {r['persons']!r} (expected a list of {', '.join(PERSON_KINDS)})")
    ints = {}
    for key in ("min_days", "alternative_business_days_after_results", "max_days"):
        v = r.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise PlanRulesError(file, f"{where}.{key}: {v!r} (expected a whole number of days >= 0)")
        ints[key] = v
    if (ints["alternative_business_days_after_results"] is None) != (ints["max_days"] is None):
        raise PlanRulesError(file, f"{where}: an alternative after the financial results needs max_days, and max_days needs it")
    if ints["max_days"] is not None and ints["max_days"] < ints["min_days"]:
        raise PlanRulesError(file, f"{where}.max_days: {ints['max_days']} is below min_days {ints['min_days']}")
    start = _date(r["effective_from"], f"{where}.effective_from", file)
    end = _date(r["effective_to"], f"{where}.effective_to", file) if r.get("effective_to") is not None else None
    if end is not None and end < start:
        raise PlanRulesError(file, f"{where}.effective_to: {end} is before effective_from {start}")
    return CoolingOffRule(str(r["id"]), persons, start, end, ints["min_days"], str(r["citation"]), str(r["source"]),
                          r["confidence"], ints["alternative_business_days_after_results"], ints["max_days"],
                          r.get("counting_confidence"), str(r.get("notes") or ""))


def parse_plan_rules(data: Any, file: str = "<data>") -> PlanRules:
    """Validate a parsed trading-plans mapping (every problem names the file and record)."""
    top = _keys(data, {"version", "adoption_before_awareness", "modification", "cooling_off"},
                {"version", "adoption_before_awareness", "modification", "cooling_off"}, "file", file)
    if not isinstance(top["cooling_off"], list) or not top["cooling_off"]:
        raise PlanRulesError(file, "cooling_off: expected a non-empty list of rules")
    rules = tuple(_rule(r, i, file) for i, r in enumerate(top["cooling_off"]))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise PlanRulesError(file, f"cooling_off: ids given twice: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    for person in PERSON_KINDS:  # periods of one kind of person may not overlap
        spans = sorted((r.effective_from, r.effective_to or dt.date.max, r.id) for r in rules if person in r.persons)
        for (_, end_a, a), (start_b, _, b) in zip(spans, spans[1:]):
            if start_b <= end_a:
                raise PlanRulesError(file, f"cooling_off: {a} and {b} overlap for {person}")
    return PlanRules(str(top["version"]), _requirement(top["adoption_before_awareness"], "adoption_before_awareness", file),
                     _requirement(top["modification"], "modification", file), rules)


@lru_cache(maxsize=4)
def load_plan_rules(path: str | Path = PLANS_FILE) -> PlanRules:
    """The trading-plan rules (``data/trading_plans.yaml`` unless another file is given)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise PlanRulesError(str(path), f"cannot be read ({err})") from None
    return parse_plan_rules(data, str(path))


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """What a plan is worth for one sale: the severity, whether the sale keeps the plan's
    lower rating, and the sentence the finding says (a template on the defence's facts)."""

    code: str
    severity: str
    defended: bool
    text: str


OUTCOMES: dict[str, Outcome] = {}


def register(outcome: Outcome) -> Outcome:
    OUTCOMES[outcome.code] = outcome
    return outcome


def get(code: str) -> Outcome:
    try:
        return OUTCOMES[code]
    except KeyError:
        raise KeyError(f"unknown plan outcome {code!r}; known: {', '.join(OUTCOMES)}") from None


for _o in (
    Outcome("no_plan", "high", False, "no Rule 10b5-1 plan declared"),
    Outcome("plan_unknown", "high", False, "plan status not reported"),
    Outcome("adoption_unreported", "medium", True,
            "declared under a Rule 10b5-1 plan; adoption date not reported: whether it preceded discovery "
            "cannot be checked"),
    Outcome("adopted_after_discovery", "high", False,
            "plan adopted after discovery ({start} on or after {discovered}): no defence under {citation}"),
    Outcome("modified_after_discovery", "high", False,
            "plan modified after discovery ({start} on or after {discovered}): a modification is a new "
            "adoption ({modification}), so no defence under {citation}"),
    Outcome("adopted_after_trade", "high", False,
            "plan adopted or modified {start}, after the trade on {trade}: the trade was not made under it"),
    Outcome("inside_cooling_off", "high", False,
            "inside the cooling-off period of {days} days required by {citation} (plan {event} {start}, "
            "trade {trade}: day {day}; the period ends {period_end})"),
    Outcome("cooling_off_undetermined", "medium", True,
            "declared under a Rule 10b5-1 plan adopted {start}; cooling-off not determinable ({why}): the "
            "defence is unconfirmed"),
    Outcome("valid_plan", "medium", True,
            "under a Rule 10b5-1 plan {event} {start}, before discovery {discovered} and outside any "
            "cooling-off period ({basis})"),
):
    register(_o)


@dataclass(frozen=True)
class PlanDefence:
    outcome: str
    reason: str
    plan_start: dt.date | None = None
    rule: str | None = None
    citation: str | None = None
    cooling_off_end: dt.date | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return get(self.outcome).severity

    @property
    def defended(self) -> bool:
        return get(self.outcome).defended


def _defence(code: str, start: dt.date | None = None, rule: CoolingOffRule | None = None,
             end: dt.date | None = None, citation: str | None = None, **facts: Any) -> PlanDefence:
    citation = citation or (rule.citation if rule else None)
    text = get(code).text.format(start=start, citation=citation, **facts)
    return PlanDefence(code, text, start, rule.id if rule else None, citation, end,
                       {k: v for k, v in facts.items() if k not in ("modification",)})


def _quarter_end(day: dt.date) -> dt.date:
    q_last_month = ((day.month - 1) // 3 + 1) * 3
    first_next = dt.date(day.year + (q_last_month == 12), q_last_month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def cooling_off_end(rule: CoolingOffRule, start: dt.date,
                    financial_results: Iterable[dt.date] | None) -> tuple[dt.date | None, str | None]:
    """The last day inside the cooling-off period of a plan adopted (or modified) on ``start``,
    or None with why it cannot be told (the alternative needs the issuer's 10-Q/10-K dates)."""
    from workbench.law.units import add_business_days

    base = start + dt.timedelta(days=rule.min_days)
    if rule.alternative_business_days_after_results is None:
        return base, None
    cap = start + dt.timedelta(days=rule.max_days)
    if financial_results is None:
        return None, ("no organization.financial_results_filed in case.yaml: the alternative of two business "
                      "days after the 10-Q/10-K for the adoption quarter cannot be counted")
    quarter_end = _quarter_end(start)
    filed = min((d for d in financial_results if d > quarter_end), default=None)
    if filed is None:
        return None, (f"organization.financial_results_filed lists no 10-Q/10-K after {quarter_end}, the end of "
                      "the adoption quarter")
    alternative = add_business_days(filed, rule.alternative_business_days_after_results, "US")
    return min(cap, max(base, alternative)), None


def plan_defence(*, plan: str, adopted: dt.date | None, modified: dt.date | None, trade: dt.date,
                 discovered: dt.date, persons: Iterable[str], financial_results: Iterable[dt.date] | None = None,
                 rules: PlanRules | None = None) -> PlanDefence:
    """What a declared Rule 10b5-1 plan is worth for one trade.

    Parameters
    ----------
    plan
        ``"plan"``, ``"no_plan"`` or ``"unknown"`` (the filing's declaration).
    adopted, modified
        The plan's adoption date and its latest stated modification, where reported.
    trade, discovered
        The trade date and the incident's stated discovery date.
    persons
        The kinds of person the trader may be (:data:`PERSON_KINDS`): one when the role is
        known, both when it is not (the outcome must then hold under each).
    financial_results
        Dates the issuer filed a 10-Q or 10-K (case.yaml ``organization.financial_results_filed``),
        or None when not given.

    Returns
    -------
    PlanDefence
        The outcome code (a key of :data:`OUTCOMES`), its sentence, and the rule and dates used.
    """
    rules = rules or load_plan_rules()
    if plan == "no_plan":
        return _defence("no_plan")
    if plan != "plan":
        return _defence("plan_unknown")
    if adopted is None and modified is None:
        return _defence("adoption_unreported")
    start = max(d for d in (adopted, modified) if d is not None)
    event = "modified" if modified is not None and start == modified and start != adopted else "adopted"
    awareness = rules.adoption_before_awareness.citation
    if start >= discovered:
        code = "modified_after_discovery" if event == "modified" else "adopted_after_discovery"
        return _defence(code, start, citation=awareness, discovered=discovered, modification=rules.modification.citation)
    if trade < start:
        return _defence("adopted_after_trade", start, trade=trade)
    results = None if financial_results is None else sorted(financial_results)
    outcomes = []
    for person in dict.fromkeys(persons):
        rule = rules.cooling_off_for(start, person)
        if rule is None:
            outcomes.append(_defence("cooling_off_undetermined", start,
                                     why=f"the rules data has no cooling-off rule for {person.replace('_', ' ')} "
                                         f"on a plan adopted {start}"))
            continue
        end, why = cooling_off_end(rule, start, results)
        day = (trade - start).days
        if end is None:
            base = start + dt.timedelta(days=rule.min_days)
            cap = start + dt.timedelta(days=rule.max_days or rule.min_days)
            if trade <= base:
                end = base
            elif trade > cap:
                outcomes.append(_defence("valid_plan", start, rule, cap, event=event, discovered=discovered,
                                         basis=f"{rule.citation}: day {day} is after the {rule.max_days}-day maximum"))
                continue
            else:
                outcomes.append(_defence("cooling_off_undetermined", start, rule, why=f"trade on day {day}, after "
                                         f"the {rule.min_days}-day minimum and up to the {rule.max_days}-day maximum "
                                         f"of {rule.citation}; {why}"))
                continue
        if trade <= end and rule.min_days > 0:
            outcomes.append(_defence("inside_cooling_off", start, rule, end, days=(end - start).days, event=event,
                                     trade=trade, day=day, period_end=end))
        else:
            outcomes.append(_defence("valid_plan", start, rule, end, event=event, discovered=discovered,
                                     basis=rule.citation if rule.min_days == 0 else
                                     f"{rule.citation}: the period ended {end}, trade on day {day}"))
    if len({o.outcome for o in outcomes}) == 1:  # the same under every possible role: the longest period speaks
        return max(outcomes, key=lambda o: o.cooling_off_end or dt.date.min)
    worst = next((o for o in outcomes if not o.defended), outcomes[0])
    return _defence("cooling_off_undetermined", start, why=f"the trader's role is not reported, and the rules for "
                    f"officers and directors and for other persons differ here ({worst.reason})")
