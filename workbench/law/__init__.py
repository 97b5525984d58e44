"""Breach-notice law: effective-dated, cited rules per jurisdiction and the deadline engine.

Public API::

    from workbench.law import load_rulebook, Rule, Deadline, Due, jurisdiction_for
    book = load_rulebook()                       # cached; LawDataError(file, line) when broken
    book.codes(); book.rule_in_force("US-WA", date(2020, 3, 1)); book.history("US-WA")
    book.due("US-WA", "individual", clock_start, residents=600, assessment_days=30)
    book.version_hash                            # sha256 over the data files
    book.coverage("US-CA", ["name", "ssn"], date(2020, 1, 1))   # which exposed data is owed a notice
    book.due(..., law_enforcement_delay=(requested, ended)); substitute_permitted(rule, cost_usd=..., people=...)

The data files and how they were compiled: ``workbench/law/data/README.md``. Not legal advice.
"""

from workbench.errors import LawDataError
from workbench.law.definitions import COVERAGE_BASES, Coverage, Definition, SafeHarbor, Trigger
from workbench.law.elements import DATA_ELEMENTS, ELEMENTS
from workbench.law.jurisdictions import (
    UNKNOWN_JURISDICTION, US_REGION_CODES, family_of, jurisdiction_codes, jurisdiction_for, jurisdictions_for,
    laws_for, supervisory_authority,
)
from workbench.law.model import BASES, CONFIDENCE_LEVELS, OBLIGATIONS, Deadline, Due, RelativeTiming, Rule
from workbench.law.rulebook import RuleBook, load_rulebook
from workbench.law.substitute import substitute_permitted
from workbench.law.units import CLOCK_EVENTS, DEADLINE_UNITS, add_period, holiday_calendar

__all__ = [
    "BASES", "CLOCK_EVENTS", "CONFIDENCE_LEVELS", "COVERAGE_BASES", "Coverage", "DATA_ELEMENTS", "DEADLINE_UNITS",
    "Deadline", "Definition", "Due", "ELEMENTS", "LawDataError", "SafeHarbor", "Trigger",
    "OBLIGATIONS", "RelativeTiming", "Rule", "RuleBook", "UNKNOWN_JURISDICTION", "US_REGION_CODES",
    "add_period", "family_of", "holiday_calendar", "jurisdiction_codes", "jurisdiction_for", "jurisdictions_for",
    "laws_for", "load_rulebook", "substitute_permitted", "supervisory_authority",
]
