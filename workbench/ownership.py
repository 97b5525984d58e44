"""Who owns each check, and which finding states a fact that several checks see.

Every finding category belongs to one stage (:data:`CATEGORY_OWNERS`). Some facts are seen
by checks of several stages: an affected person with no notice is a data-quality fact (no
row in ``notices``), a legal one (a notice owed by a deadline and not given) and a
letters one (nobody was written to). Each such fact is one entry of :data:`FACTS`, reviewed
here as data: the checks that *own* the finding, in order, and the checks whose findings
*attach* to it.

:func:`fold` applies the registry to the findings of a run (the report and the published
``findings.json`` use it; each stage's own artifacts keep what the stage found):

- an owner finding exists: the attached findings leave the list and are recorded in the
  owner's ``evidence["also_seen_by"]`` (their id, stage, check, severity, total count and
  the count in the owner's jurisdiction), so one fact is one finding with one severity;
- the owner check was assessed and found nothing to report (for example everyone without a
  notice is not yet due one): the attached findings stay, at severity ``info``, with
  ``evidence["owner_found_nothing"]`` saying which check judged the fact;
- the owner check did not run or was not assessed: the first attached check that found
  something owns the fact, and the others attach to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from workbench.assessment import Assessment
from workbench.findings import Finding, Severity, sort_findings
from workbench.registry import Registry
from workbench.stagebase import StageName

#: The stage that owns each finding category (a finding of a category is only ever written
#: by that stage; ``tests/foundation/test_ownership.py`` holds a run to it).
CATEGORY_OWNERS: dict[str, StageName] = {
    "data_quality": StageName.DATA_QUALITY,
    "notice_timeliness": StageName.NOTICE_TIMELINES,
    "regulator_notice": StageName.NOTICE_TIMELINES,
    "cra_notice": StageName.NOTICE_TIMELINES,
    "insider_trading": StageName.IRREGULARITIES,
    "lookalike_link": StageName.IRREGULARITIES,
    "notice_letter": StageName.IRREGULARITIES,
    "compensation": StageName.IRREGULARITIES,
}


@dataclass(frozen=True)
class Check:
    """One check's findings: their category and code, and the key under which its stage
    records whether the check was assessed (``findings.json["assessed"]``)."""

    category: str
    code: str
    assessed_key: str

    @property
    def stage(self) -> StageName:
        return CATEGORY_OWNERS[self.category]

    def matches(self, f: Finding) -> bool:
        return f.category == self.category and f.code == self.code


@dataclass(frozen=True)
class Fact:
    """A fact several checks see: ``owners`` state it (the first that ran, in order),
    ``attached`` add their view of it to the owner's finding."""

    name: str
    description: str
    owners: tuple[Check, ...]
    attached: tuple[Check, ...]

    def checks(self) -> tuple[Check, ...]:
        return self.owners + self.attached


FACTS: Registry[Fact] = Registry("shared fact")

FACTS.register("person_without_notice", Fact(
    name="person_without_notice",
    description=("An affected person has no notice. Whether one was owed, by when and under which law is the "
                 "notice-timeline stage's judgement; the data-quality and letters checks count the same people."),
    owners=(Check("notice_timeliness", "missing_notice", "individual_notice_timeliness"),
            Check("notice_timeliness", "pending_notice", "individual_notice_timeliness")),
    attached=(Check("notice_letter", "missing_notice", "notice_letters"),
              Check("data_quality", "dq.population.person_without_notice", "population:person_without_notice")),
))

FACTS.register("notice_to_unknown_person", Fact(
    name="notice_to_unknown_person",
    description=("A notice names a person who is not among the affected people: a wrong mailing list or an "
                 "incomplete affected-people table. The letters check owns it; data quality counts the notices."),
    owners=(Check("notice_letter", "notice_to_unaffected", "notice_letters"),),
    attached=(Check("data_quality", "dq.population.notice_unknown_person", "population:notice_unknown_person"),),
))

FACTS.register("person_without_jurisdiction", Fact(
    name="person_without_jurisdiction",
    description=("An affected person's country or region places them in no jurisdiction of the law data. The "
                 "data-quality check that the value breaks states it (with the failing rows); the notice-timeline "
                 "stage counts the same people as not placed, and so not judged against any deadline."),
    owners=tuple(Check("data_quality", f"dq.affected_people.{c}", "suite:affected_people")
                 for c in ("us_region_valid", "us_region_present", "country_iso_alpha2", "country_present")),
    attached=(Check("notice_timeliness", "jurisdiction_unknown", "individual_notice_timeliness"),),
))

FACTS.register("notice_before_determination", Fact(
    name="notice_before_determination",
    description=("A notice is dated before the breach was determined. The letters check owns it (a wrong batch or "
                 "wrong dates, counted in people); the notices expectation counts the same rows."),
    owners=(Check("notice_letter", "notice_before_determination", "notice_letters"),),
    attached=(Check("data_quality", "dq.notices.sent_at_not_before_determination", "suite:notices"),),
))


def facts() -> list[Fact]:
    """Every shared fact, by name."""
    return [FACTS.get(n) for n in FACTS]


def owner_stage(category: str) -> StageName:
    """The stage that owns a finding category."""
    try:
        return CATEGORY_OWNERS[category]
    except KeyError:
        raise KeyError(f"no stage owns finding category {category!r}; known: {', '.join(CATEGORY_OWNERS)}") from None


def fact_of(f: Finding) -> Fact | None:
    """The shared fact a finding states or attaches to, if any."""
    for fact in facts():
        if any(c.matches(f) for c in fact.checks()):
            return fact
    return None


def _was_assessed(check: Check, assessed: Mapping[str, Mapping[str, Assessment]]) -> bool:
    state = (assessed.get(str(check.stage)) or {}).get(check.assessed_key)
    return state is not None and state.is_assessed


def _attachment(a: Finding, jurisdiction: str | None) -> dict:
    by_j = a.evidence.get("by_jurisdiction")
    here = None
    if jurisdiction is not None and isinstance(by_j, Mapping):
        here = int(by_j.get(jurisdiction, 0))
    return {"finding": a.id, "stage": str(owner_stage(a.category)), "check": a.code, "severity": str(a.severity),
            "title": a.title, "count": int(a.count), "unit": str(a.unit), "count_in_jurisdiction": here}


def _concerns(a: Finding, owner: Finding) -> bool:
    """Whether attached finding ``a`` has anything in the owner's scope (its jurisdiction)."""
    by_j = a.evidence.get("by_jurisdiction")
    if owner.jurisdiction is None or not isinstance(by_j, Mapping) or not by_j:
        return True
    return int(by_j.get(owner.jurisdiction, 0)) > 0


def fold(findings: Iterable[Finding], assessed: Mapping[str, Mapping[str, Assessment]]) -> list[Finding]:
    """The findings of a run with every shared fact stated once (see the module docstring)."""
    out = list(findings)
    for fact in facts():
        present = [c for c in fact.checks() if any(c.matches(f) for f in out)]
        owner_checks = [c for c in fact.owners if c in present]
        attached_checks = [c for c in fact.attached if c in present]
        if not attached_checks:
            continue
        if not owner_checks:
            judged = [c for c in fact.owners if _was_assessed(c, assessed)]
            if judged:
                out = [_found_nothing(f, fact, judged[0]) if any(c.matches(f) for c in attached_checks) else f
                       for f in out]
                continue
            owner_checks, attached_checks = attached_checks[:1], attached_checks[1:]
            if not attached_checks:
                continue
        attached = [f for f in out if any(c.matches(f) for c in attached_checks)]
        owners = [f for f in out if any(c.matches(f) for c in owner_checks)]
        keep = {id(f) for f in attached}
        folded: dict[int, Finding] = {}
        for o in owners:
            seen = [_attachment(a, o.jurisdiction) for a in attached if _concerns(a, o)]
            if seen:
                folded[id(o)] = replace(o, evidence={**o.evidence, "fact": fact.name, "also_seen_by": seen})
        out = [folded.get(id(f), f) for f in out if id(f) not in keep]
    return sort_findings(out)


def _found_nothing(f: Finding, fact: Fact, judge: Check) -> Finding:
    note = {"fact": fact.name, "stage": str(judge.stage), "check": judge.code,
            "note": (f"{judge.stage} judged this fact ({judge.category}.{judge.code}) and found nothing to report: "
                     f"shown for information; the original severity was {f.severity}.")}
    return replace(f, severity=str(Severity.INFO), evidence={**f.evidence, "owner_found_nothing": note})
