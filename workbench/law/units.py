"""Deadline units, holiday calendars and clock-start events: the registries of the engine.

Counting convention (documented in the README beside the data):

* **calendar_days / business_days**: day 0 is the local date of the clock start (in the
  timezone of the clock-start timestamp, which callers set to the case timezone); the
  deadline is the end of day N (23:59:59 local time). Business days skip Saturdays,
  Sundays and the public holidays of the rule's holiday calendar (the ``holidays``
  package; a US state's subdivision calendar for state rules, US federal holidays for
  federal regimes). A last day on a weekend or holiday is moved only where the
  jurisdiction's own computation-of-time rule says so (:data:`ROLLOVERS`, applied by the
  engine from ``time_computation.yaml``); elsewhere it is not moved.
* **hours**: elapsed time, counted in UTC and shown back in the clock start's timezone,
  so a 72-hour period across a daylight-saving change is still 72 real hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import holidays

from workbench.registry import Registry

UTC = dt.timezone.utc
END_OF_DAY = dt.time(23, 59, 59)

#: unit name -> function(start, amount, calendar_key) -> due moment
DEADLINE_UNITS: Registry[Callable[[dt.datetime, int, str], dt.datetime]] = Registry("deadline unit")


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The last second of ``day`` in ``tz`` (the due moment of a day-counted deadline)."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=tz)


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of an aware moment in its own timezone."""
    return moment.date()


@DEADLINE_UNITS.register("calendar_days")
def _calendar_days(start: dt.datetime, amount: int, calendar: str) -> dt.datetime:
    return end_of_day(local_date(start) + dt.timedelta(days=amount), start.tzinfo)


@DEADLINE_UNITS.register("business_days")
def _business_days(start: dt.datetime, amount: int, calendar: str) -> dt.datetime:
    return end_of_day(add_business_days(local_date(start), amount, calendar), start.tzinfo)


@DEADLINE_UNITS.register("hours")
def _hours(start: dt.datetime, amount: int, calendar: str) -> dt.datetime:
    return (start.astimezone(UTC) + dt.timedelta(hours=amount)).astimezone(start.tzinfo)


def add_period(start: dt.datetime, amount: int, unit: str, calendar: str) -> dt.datetime:
    """Due moment of ``amount`` ``unit`` counted from the aware moment ``start``."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("clock start must be timezone-aware")
    # A day count ends at the end of its last day, shown to the second; a clock that starts
    # in that day's last second (or a zero-day period) is never due before it starts.
    return max(DEADLINE_UNITS.get(unit)(start, amount, calendar), start)


#: Day units whose last day a computation-of-time rule may move (never hours).
ROLLOVER_UNITS: frozenset[str] = frozenset({"calendar_days", "business_days"})

#: rollover name -> function(last day, calendar key) -> the day the period really ends
ROLLOVERS: Registry[Callable[[dt.date, str], dt.date]] = Registry("rollover rule")


def closed_day(day: dt.date, calendar: str) -> bool:
    """True for a Saturday, Sunday or public holiday of ``calendar``."""
    return day.weekday() >= 5 or day in holiday_calendar(calendar)


@ROLLOVERS.register("none")
def _no_rollover(day: dt.date, calendar: str) -> dt.date:
    return day


@ROLLOVERS.register("next_business_day")
def _next_business_day(day: dt.date, calendar: str) -> dt.date:
    while closed_day(day, calendar):
        day += dt.timedelta(days=1)
    return day


@ROLLOVERS.register("next_day_not_sunday_or_holiday")
def _next_day_not_sunday_or_holiday(day: dt.date, calendar: str) -> dt.date:
    # Statutes that name only "Sunday or a legal holiday": a Saturday is an ordinary day.
    cal = holiday_calendar(calendar)
    while day.weekday() == 6 or day in cal:
        day += dt.timedelta(days=1)
    return day


@ROLLOVERS.register("sunday_or_holiday_to_next_business_day")
def _sunday_or_holiday_to_next_business_day(day: dt.date, calendar: str) -> dt.date:
    # "falls on Sunday or a legal holiday ... next succeeding business day" (e.g. M.G.L. c. 4, s. 9):
    # a Saturday does not move, but a moved day lands on a business day.
    if day.weekday() == 6 or day in holiday_calendar(calendar):
        return _next_business_day(day, calendar)
    return day


@ROLLOVERS.register("weekend_to_monday_holiday_to_next_day")
def _weekend_to_monday_holiday_to_next_day(day: dt.date, calendar: str) -> dt.date:
    # O.C.G.A. § 1-3-1(d)(3): a Saturday or Sunday runs "through the following Monday"; a
    # holiday "through the following day", or the following Monday when that day is a Saturday
    # or Sunday. One step only: the statute does not move the new day again if it is a holiday.
    if day.weekday() >= 5:
        return day + dt.timedelta(days=7 - day.weekday())
    if day in holiday_calendar(calendar):
        nxt = day + dt.timedelta(days=1)
        return nxt + dt.timedelta(days=7 - nxt.weekday()) if nxt.weekday() >= 5 else nxt
    return day


def roll_over(day: dt.date, rollover: str, calendar: str) -> dt.date:
    """The day a period whose last day is ``day`` really ends under the named rollover rule."""
    return ROLLOVERS.get(rollover)(day, calendar)


def add_business_days(day: dt.date, amount: int, calendar: str) -> dt.date:
    """The ``amount``-th business day after ``day`` (``day`` itself is day 0)."""
    cal = holiday_calendar(calendar)
    current, counted = day, 0
    while counted < amount:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in cal:
            counted += 1
    return current


@lru_cache(maxsize=None)
def holiday_calendar(key: str) -> holidays.HolidayBase:
    """Public holidays for a calendar key: ``US`` (federal), ``US-IA`` (state), ``BR``, ``DE``...

    A key of the form ``CC-SUB`` is country CC, subdivision SUB; ``NONE`` is weekends only.
    """
    if key == "NONE":
        return holidays.HolidayBase()
    country, _, subdiv = key.partition("-")
    try:
        return holidays.country_holidays(country, subdiv=subdiv or None)
    except NotImplementedError as err:
        raise ValueError(f"no public-holiday calendar for {key!r}: {err}") from None


def known_calendar(key: str) -> bool:
    """True when :func:`holiday_calendar` can build ``key``."""
    try:
        holiday_calendar(key)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ClockEvent:
    """A named event that starts a statutory clock, and the case date it is read from."""

    key: str
    case_event: str
    description: str


#: Known clock-start events; ``case_event`` names the date in case.yaml
#: (``Incident.clock_start``: discovery -> incident.discovered, determination -> incident.determined).
CLOCK_EVENTS: Registry[ClockEvent] = Registry("clock-start event")
for _ev in (
    ClockEvent("discovery", "discovery", "discovery of the breach, or notice of it from a vendor that holds the data"),
    ClockEvent("awareness", "discovery", "the controller becomes aware of the breach"),
    ClockEvent("determination", "determination", "determination (after investigation) that a breach occurred"),
    ClockEvent("investigation_complete", "determination", "completion of the investigation or confirmation of the breach and its scope"),
    ClockEvent("notifiable_assessment", "determination", "assessment that the breach is notifiable"),
    ClockEvent("materiality_determination", "determination", "determination that the incident is material"),
):
    CLOCK_EVENTS.register(_ev.key, _ev)
