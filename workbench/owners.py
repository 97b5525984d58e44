"""Data owners: a vendor's breach exposes the people of several client companies, each
with its own clock, its own people and its own filings.

A file-transfer vendor learns of a breach on one day; each client learns of it when the
vendor tells it, and each client's duties run from that day, under the roles it has (a
HIPAA covered entity, a retailer). ``data_owners`` in case.yaml names them; a person's
``data_owner`` (affected_people) and a filing's ``data_owner`` (regulator_notices) say
whose they are; people and filings without one are the organisation's own.

:func:`owner_case` gives the case as one owner sees it (its discovery and determination
dates, its roles, and its per-law facts where it gives them), so every check judges an
owner's obligations on the owner's own clock with the same code as a single-owner case.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, field_validator

from workbench.casefacts import Clock, HarmAssessment, LawEnforcementDelay, SubstituteNoticeGiven

#: The owner id of people and filings with no ``data_owner``: the case's organisation itself.
ORGANISATION = ""

#: Per-law facts an owner may give for itself (they replace the case's for its people).
OWNER_FACTS: tuple[str, ...] = ("clocks", "harm_assessments", "declared_residents", "law_enforcement_delays",
                                "substitute_notices")


class DataOwner(BaseModel):
    """One data owner of a vendor incident (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    name: str = Field(min_length=1)
    roles: list[str] | None = None
    discovered: dt.date | None = None
    determined: dt.date | None = None
    #: The vendor's notice to this owner, or what else dates its discovery.
    reference: str | None = None
    clocks: list[Clock] | None = None
    harm_assessments: list[HarmAssessment] | None = None
    declared_residents: dict[str, int] | None = None
    law_enforcement_delays: list[LawEnforcementDelay] | None = None
    substitute_notices: list[SubstituteNoticeGiven] | None = None

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, v: list[str] | None) -> list[str] | None:
        from workbench.law.roles import ROLES

        unknown = [r for r in v or [] if r not in ROLES]
        if unknown:
            raise ValueError(f"roles: unknown role(s) {', '.join(map(str, unknown[:5]))}; known: {', '.join(ROLES.names())}")
        return v


def owner_problems(case) -> list[str]:
    """Owner ids unique, and each owner's dates in order after the breach began."""
    problems, seen = [], set()
    for i, o in enumerate(case.data_owners):
        where = f"data_owners[{i}] ({o.id})"
        if o.id in seen:
            problems.append(f"{where}: id given twice")
        seen.add(o.id)
        if o.discovered is not None and o.discovered < case.incident.breach_start:
            problems.append(f"{where}.discovered: {o.discovered} is before incident.breach_start {case.incident.breach_start}")
        first = o.discovered or case.incident.discovered
        if o.determined is not None and o.determined < first:
            problems.append(f"{where}.determined: {o.determined} is before its discovery {first}")
        if o.discovered is not None and o.discovered > case.parameters.as_of:
            problems.append(f"{where}.discovered: {o.discovered} is after parameters.as_of {case.parameters.as_of}")
    return problems


def owner_names(case) -> dict[str, str]:
    """Owner id -> name, the organisation itself under :data:`ORGANISATION`."""
    return {ORGANISATION: case.organization.name} | {o.id: o.name for o in case.data_owners}


def owner_case(case, owner: str):
    """The case as data owner ``owner`` sees it, or None when the case declares no such owner.

    Its discovery (and determination) dates, roles and the per-law facts it gives replace
    the case's; everything else (the incident's elements, parameters, inputs) is shared.
    ``ORGANISATION`` is the case itself.
    """
    if owner == ORGANISATION:
        return case
    o = next((x for x in case.data_owners if x.id == owner), None)
    if o is None:
        return None
    inc = case.incident
    dates = {} if o.discovered is None else {"discovered": o.discovered, "discovered_at": None,
                                             "determined": o.determined}
    if o.discovered is None and o.determined is not None:
        dates["determined"] = o.determined
    org = case.organization.model_copy(update={"name": o.name, **({"roles": o.roles} if o.roles is not None else {})})
    facts = {k: getattr(o, k) for k in OWNER_FACTS if getattr(o, k) is not None}
    view = case.model_copy(update={"organization": org, "incident": inc.model_copy(update=dates), **facts})
    return view
