"""The roles an organisation can declare in case.yaml, and the sector regimes each brings.

A breach-notice duty can follow from what the organisation is, not only from where the
people live: a HIPAA covered entity owes its patients notice within 60 days, an SEC
registrant files Item 1.05 within four business days of the materiality determination.
``organization.roles`` (and each data owner's ``roles``) names them; the timelines stage
judges each role's regimes like the state ones.

``people`` says how a regime is judged:

* ``all``: every affected person of the organisation is owed the regime's individual
  notice (HIPAA, GLBA, FTC Health Breach Rule), so each person is held to it;
* ``none``: the regime asks for a filing only (SEC, NYDFS, banking 36 hours, FTC
  Safeguards), judged once on the number of affected people.

A role whose regime the law data does not model (``codes`` empty) is reported "not
assessed" with its reason, never "not required".
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.registry import Registry


@dataclass(frozen=True)
class Role:
    key: str
    description: str
    codes: tuple[str, ...]
    people: str  # "all" or "none"
    not_modelled: str = ""  # why the law data cannot judge the role (codes empty)
    #: Duties of the role's regimes the law data does not model: name -> why (reported "not assessed").
    gaps: tuple[tuple[str, str], ...] = ()
    #: True for a role that brings no regime of its own but decides whether a state law binds
    #: the holder at all (a law's ``applies_to_roles``, e.g. Georgia's information brokers).
    scope_only: bool = False


def check_roles(roles: list[str] | None, where: str = "roles") -> list[str] | None:
    """``roles`` as given, each once, or ValueError naming the unknown ones and the known ones."""
    if roles is None:
        return None
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"{where}: unknown role(s) {', '.join(map(str, unknown[:5]))}; known: {', '.join(ROLES.names())}")
    return list(dict.fromkeys(roles))


ROLES: Registry[Role] = Registry("organisation role")
for _role in (
    Role("hipaa_covered_entity", "HIPAA covered entity (health plan, clearinghouse, provider)", ("US-HIPAA",), "all"),
    Role("hipaa_business_associate", "HIPAA business associate of a covered entity", (), "none",
         not_modelled="a business associate must notify the covered entity (45 CFR § 164.410, within 60 days of "
                      "discovery); that notice is not in the law data, and the covered entity's own duties are "
                      "judged under the covered entity's role"),
    Role("sec_registrant", "SEC registrant (Form 8-K Item 1.05)", ("US-SEC-8K",), "none"),
    Role("information_broker", "information broker: collects personal information for fees to furnish it to "
         "third parties (e.g. a consumer reporting agency)", (), "none", scope_only=True),
    Role("government_agency", "a state or local government agency", (), "none", scope_only=True),
    Role("consumer_reporting_agency", "consumer reporting agency (credit bureau): some remediation minimums are "
         "longer for it (workbench/law/data/letter_content.yaml)", (), "none", scope_only=True),
    Role("nydfs_covered_entity", "NYDFS-covered entity (23 NYCRR 500)", ("US-NYDFS",), "none"),
    Role("glba_financial_institution", "bank under the GLBA Interagency Guidance", ("US-GLBA-IAG",), "all"),
    Role("bank_36_hour", "banking organisation under the 36-hour incident notification rule", ("US-BANK-36H",),
         "none"),
    Role("ftc_safeguards", "non-bank financial institution under the FTC Safeguards Rule", ("US-FTC-SR",), "none"),
    Role("ftc_health_breach", "vendor of personal health records under the FTC Health Breach Notification Rule",
         ("US-FTC-HBNR",), "all"),
):
    ROLES.register(_role.key, _role)
