"""Which laws judge whom: every person under the law of where they live, its overlays, and
the sector regimes of the organisation's declared roles.

A Quebec resident is owed notice under PIPEDA (``CA``) and Quebec's own law (``CA-QC``); an
Indian resident under the DPDP Act and CERT-In's six hours; every patient of a HIPAA covered
entity under HIPAA as well as under their state's law. :func:`law_plan` lists, for each
(home jurisdiction, element set) of the people, the laws that judge them, with the scope
that brought each law in:

``residence``  the law of the person's own jurisdiction (``CA-QC`` for a Quebec resident), so
               each person counts once there, as in every other stage
``overlay``    the other laws that judge a person of that jurisdiction (:func:`workbench.law.laws_for`:
               PIPEDA ``CA`` for a Quebec resident, CERT-In ``IN-CERTIN`` for an Indian one)
``sector``     a regime of a declared role that owes each person a notice (HIPAA, GLBA...)

Filing-only regimes (SEC Item 1.05, NYDFS, the banking 36 hours, FTC Safeguards) owe no
person a notice: :func:`filing_laws` lists them, judged once on the number of people.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from workbench.law.codes import UNKNOWN_JURISDICTION
from workbench.law.jurisdictions import laws_for
from workbench.law.roles import ROLES

#: Columns of the plan: who (home jurisdiction and element set) is judged under which law.
PLAN_COLUMNS = ["home", "elements", "jurisdiction", "scope"]
SCOPES: tuple[str, ...] = ("residence", "overlay", "sector")


def roles_of(case) -> list[str]:
    """The roles the case's organisation declares (``organization.roles``)."""
    return list(getattr(case.organization, "roles", None) or [])


def sector_laws(case, *, people: str) -> list[str]:
    """The law codes of the declared roles that judge ``people`` ``all`` (each person) or
    ``none`` (a filing only), in role order, each once."""
    out: list[str] = []
    for role in roles_of(case):
        r = ROLES.get(role)
        if r.people == people:
            out += [c for c in r.codes if c not in out]
    return out


def filing_laws(case) -> list[str]:
    """Regimes of the declared roles that ask for a filing, not a notice to each person."""
    return sector_laws(case, people="none")


def law_plan(case, groups: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """For each (home jurisdiction, element key) of the people, every law that judges them.

    Pure. The first row of each group is its ``residence`` law; a person of an unknown
    jurisdiction has only that row (``UNKNOWN``, not assessed) and the sector laws.
    """
    sector = sector_laws(case, people="all")
    rows = []
    for home, elements in sorted(set(groups)):
        laws = laws_for(home) if home != UNKNOWN_JURISDICTION else (UNKNOWN_JURISDICTION,)
        own = home if home in laws else laws[0]
        rows.append((home, elements, own, "residence"))
        rows += [(home, elements, code, "overlay") for code in laws if code != own]
        rows += [(home, elements, code, "sector") for code in sector if code not in laws]
    return pd.DataFrame(rows, columns=PLAN_COLUMNS).astype("str")


def not_modelled_roles(case) -> dict[str, str]:
    """Declared roles, or duties of them, that the law data does not model: key -> the reason
    (``hipaa_business_associate``; a duty of a role listed in its ``gaps``: ``role:duty``)."""
    out = {role: ROLES.get(role).not_modelled for role in roles_of(case)
           if not ROLES.get(role).codes and not ROLES.get(role).scope_only}
    for role in roles_of(case):
        out |= {f"{role}:{duty}": why for duty, why in ROLES.get(role).gaps}
    return out
