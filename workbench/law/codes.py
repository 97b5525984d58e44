"""The codes of the law data that other modules name without looking anything up.

A leaf module (it imports nothing of the workbench): the loader, the rule book and the
jurisdiction mapping all read these sets, and :mod:`workbench.law.jurisdictions`, which
maps a person to a code, builds on the rule book.
"""

from __future__ import annotations

#: The 54 US jurisdictions with a breach-notice statute in the law data: 50 states, DC,
#: Puerto Rico, Guam and the US Virgin Islands.
US_REGION_CODES: frozenset[str] = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "GU", "VI",
})
#: Territories that people sometimes give as their own country.
US_TERRITORY_COUNTRIES: frozenset[str] = frozenset({"PR", "GU", "VI"})
#: The value for a place the law data does not cover (or an unusable country/region).
UNKNOWN_JURISDICTION = "UNKNOWN"
