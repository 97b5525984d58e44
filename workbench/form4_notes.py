"""What a Form 4 footnote states, read by small named patterns: prices and plan dates.

EDGAR ownership documents often leave a value out of the table and give it in a footnote
(a weighted-average sale price, the range of prices it averages) and state the date a
Rule 10b5-1 trading plan was adopted or modified only in words. :func:`footnote_price`,
:func:`footnote_range` and :func:`plan_dates` read those statements. Each phrasing is one
entry of a named table (:data:`PRICE_PATTERNS`, :data:`RANGE_PATTERNS`,
:data:`ADOPTION_PATTERNS`, :data:`MODIFICATION_PATTERNS`) with a test of its own.

Never a guess: a footnote that names no price gives no price, a footnote that states two
different prices (or ranges, or adoption dates) gives none of them, and a date that is not
a whole calendar day ("adopted in May 2023") or cannot be read is missing, its words kept
so the reader can say what was stated. Regexes isolate the words; :mod:`dateutil` reads the
date they hold.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

#: A dollar amount as footnotes write it: ``$141.23``, ``$ 1,141.2350``.
_MONEY = r"\$\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"

#: Phrasings stating a weighted-average price (name -> regex; group 1 is the amount).
PRICE_PATTERNS: dict[str, re.Pattern[str]] = {
    # "a weighted average price of $141.23", "weighted-average sale prices of $141.23"
    "weighted_average_price_of": re.compile(
        r"weighted[\s-]+average\s+(?:sales?\s+|purchase\s+)?prices?\s+(?:per\s+share\s+)?(?:of|was|is|equal\s+to)\s+" + _MONEY,
        re.IGNORECASE),
    # "the weighted-average sale price was $141.23"
    "weighted_average_price_was": re.compile(
        r"weighted[\s-]+average\s+(?:sales?\s+|purchase\s+)?price\s+(?:\w+\s+){0,4}?(?:was|is|of)\s+" + _MONEY,
        re.IGNORECASE),
    # "sold at a weighted average of $141.23 per share"
    "at_a_weighted_average_of": re.compile(r"weighted[\s-]+average\s+of\s+" + _MONEY, re.IGNORECASE),
}

#: Phrasings stating the range of prices (name -> regex; groups 1 and 2: low, high).
RANGE_PATTERNS: dict[str, re.Pattern[str]] = {
    # "at prices ranging from $144.74 to $145.50", "prices that ranged from $1 to $2"
    "ranging_from_to": re.compile(r"rang(?:ing|ed|e)\s+from\s+" + _MONEY + r"\s+(?:to|and|-|through)\s+" + _MONEY,
                                  re.IGNORECASE),
    # "at prices between $144.74 and $145.50"
    "between_and": re.compile(r"prices?\s+(?:\w+\s+){0,2}?between\s+" + _MONEY + r"\s+and\s+" + _MONEY, re.IGNORECASE),
    # "in a range of $144.74 to $145.50"
    "range_of": re.compile(r"range\s+of\s+" + _MONEY + r"\s+(?:to|and|-)\s+" + _MONEY, re.IGNORECASE),
}

#: The words of a date: ``March 6, 2017``, ``Mar. 6, 2017``, ``6 March 2017``, ``3/6/2017``,
#: ``2023-05-01`` or a month and year only (``May 2023``: not a day, so never a date).
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
DATE_WORDS = (rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|"
              r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|" rf"{_MONTH},?\s+\d{{4}})")
#: What may stand between the verb and "on" ("adopted by the reporting person on").
_FILLER = r"(?:[^.;]{0,80}?\s)?"

#: Phrasings stating when a Rule 10b5-1 plan was adopted (group ``when`` holds the date words).
ADOPTION_PATTERNS: dict[str, re.Pattern[str]] = {
    # "trading plan adopted by the reporting person on March 6, 2017", "adopted on 3/6/2017"
    "adopted_on": re.compile(rf"\badopted\b{_FILLER}(?:on|as\s+of)\s+(?P<when>{DATE_WORDS})", re.IGNORECASE),
    # "adopted in May 2023" (a month: kept as text, never a day)
    "adopted_in": re.compile(rf"\badopted\b{_FILLER}in\s+(?P<when>{DATE_WORDS})", re.IGNORECASE),
    # "a Rule 10b5-1 trading plan entered into on 2023-05-01"
    "entered_into_on": re.compile(rf"\bentered\s+into\b{_FILLER}(?:on|as\s+of)\s+(?P<when>{DATE_WORDS})",
                                  re.IGNORECASE),
    # "a Rule 10b5-1 trading plan dated March 6, 2017"
    "plan_dated": re.compile(rf"\bplan\s+dated\s+(?P<when>{DATE_WORDS})", re.IGNORECASE),
    # "On March 6, 2017, the reporting person adopted a Rule 10b5-1 plan"
    "on_date_adopted": re.compile(rf"\bon\s+(?P<when>{DATE_WORDS}),?\s+[^.;]{{0,80}}?\b(?:adopted|entered\s+into)\b",
                                  re.IGNORECASE),
}

#: Phrasings stating when the plan was modified (the latest one stated is kept).
MODIFICATION_PATTERNS: dict[str, re.Pattern[str]] = {
    # "modified on June 1, 2017", "as amended on 2017-06-01", "modified by the reporting person on ..."
    "modified_or_amended_on": re.compile(rf"\b(?:modified|amended)\b{_FILLER}(?:on|as\s+of)\s+(?P<when>{DATE_WORDS})",
                                         re.IGNORECASE),
    "modified_in": re.compile(rf"\b(?:modified|amended)\b{_FILLER}in\s+(?P<when>{DATE_WORDS})", re.IGNORECASE),
}

#: A text about a trading plan (the only footnotes plan dates are read from).
_PLAN_TEXT = re.compile(r"10b5-1(?!\d)|trading\s+(?:plan|arrangement)", re.IGNORECASE)
_DENIAL = re.compile(r"\bnot\b[^.;]{0,60}(?:10b5-1(?!\d)|trading\s+plan)", re.IGNORECASE)


def _amount(text: str) -> float:
    return float(text.replace(",", ""))


def footnote_price(notes: list[str]) -> float | None:
    """The weighted-average price the footnotes state, or None (none, or two different ones)."""
    found = {_amount(m.group(1)) for n in notes for p in PRICE_PATTERNS.values() for m in p.finditer(n)}
    return found.pop() if len(found) == 1 else None


def footnote_range(notes: list[str]) -> tuple[float | None, float | None]:
    """(low, high) of the price range the footnotes state, or (None, None) (none, or two
    different ranges, or a range whose low is above its high)."""
    found = {(_amount(m.group(1)), _amount(m.group(2)))
             for n in notes for p in RANGE_PATTERNS.values() for m in p.finditer(n)}
    if len(found) != 1:
        return None, None
    low, high = found.pop()
    return (low, high) if low <= high else (None, None)


_SENTINELS = (dt.datetime(2000, 1, 1), dt.datetime(2001, 2, 2))


def read_day(words: str) -> dt.date | None:
    """The calendar day ``words`` state (month first in ``3/6/2017``, US usage), or None when
    they state no whole day (a month and year) or cannot be read."""
    from dateutil import parser

    text = words.strip().rstrip(".,")
    try:
        # parsed against two different defaults: a part missing from the words differs
        a, b = (parser.parse(text, default=d, dayfirst=False) for d in _SENTINELS)
    except (ValueError, OverflowError):
        return None
    if a != b or not 1900 <= a.year <= 2100:
        return None
    return a.date()


@dataclass(frozen=True)
class PlanDates:
    """The plan dates a filing's words state: days where whole days are stated, else None
    with the words kept (``adopted_text``, ``modified_text``)."""

    adopted: dt.date | None = None
    adopted_text: str | None = None
    modified: dt.date | None = None
    modified_text: str | None = None


def _statements(texts: list[str], patterns: dict[str, re.Pattern[str]]) -> list[tuple[str, dt.date | None]]:
    return [(m.group(0), read_day(m.group("when"))) for t in texts for p in patterns.values() for m in p.finditer(t)]


def plan_dates(texts: list[str]) -> PlanDates:
    """Adoption and latest modification of a Rule 10b5-1 plan, from the texts (footnotes,
    remarks) that speak of a trading plan and do not deny one.

    The adoption date is kept only when the texts state one day (two different days: None,
    the words kept); the modification is the latest day stated. Words stating no whole day
    leave the date missing and are kept in ``*_text``.
    """
    about = [t for t in texts if t and _PLAN_TEXT.search(t) and not _DENIAL.search(t)]
    if not about:
        return PlanDates()
    adopted = _statements(about, ADOPTION_PATTERNS)
    modified = _statements(about, MODIFICATION_PATTERNS)
    days = {d for _, d in adopted if d is not None}
    mod_days = [d for _, d in modified if d is not None]
    return PlanDates(
        adopted=days.pop() if len(days) == 1 else None,
        adopted_text="; ".join(dict.fromkeys(w for w, _ in adopted)) or None,
        modified=max(mod_days) if mod_days else None,
        modified_text="; ".join(dict.fromkeys(w for w, _ in modified)) or None,
    )
