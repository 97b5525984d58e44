"""The one severity model every check uses (documented in ``docs/methods/severity.md``).

A finding's severity is a *score* on a continuous scale, cut into levels at whole numbers:

=========  ==============
score      severity
=========  ==============
< 1        info
1 .. < 2   low
2 .. < 3   medium
3 .. < 4   high
>= 4       critical
=========  ==============

The score is a sum of non-negative terms, each non-decreasing in its input::

    score = exposure + gravity + people_term(people) + days_term(days_late)

- **exposure** (:class:`Exposure`): what the finding puts at stake. A statutory duty with a
  statutory deadline breached is 1.0; a statutory duty held to an *assessed* deadline (the
  law sets no number) or a conditional duty is 0.75; a breach of an audit standard (the data
  contract, a reconciliation rule, the link audit) is 0.5; an informational finding is
  always ``info`` whatever its other terms.
- **gravity**: the check's own measure mapped to points (:func:`gravity_of_level` for a
  reviewed level of a defect kind, :func:`similarity_points`, :func:`loss_avoided_points`,
  :func:`award_points`); 0 when the check has none.
- **people_term** ``0.4 * log10(1 + people)``: two fifths of a level per tenfold more people.
- **days_term** ``0.5 * log10(1 + days)``: half a level per tenfold more days late.

Why this shape: each term is continuous and non-decreasing, so severity never falls when
people or days grow, and one more person or day adds at most ``0.5 * log10(2) ~ 0.15`` to
the score, so it never moves a finding by more than one level (no cliff such as "88 days
late is low, 91 is medium"). The property tests in ``tests/foundation/test_severity.py``
hold the model to this.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from workbench.findings import SEVERITIES, Severity

#: Levels from least to most severe, with the score at which each begins.
LEVEL_FLOORS: tuple[tuple[float, Severity], ...] = (
    (4.0, Severity.CRITICAL), (3.0, Severity.HIGH), (2.0, Severity.MEDIUM), (1.0, Severity.LOW), (0.0, Severity.INFO))
#: Points per tenfold more people concerned, and per tenfold more days late.
PEOPLE_WEIGHT = 0.4
DAYS_WEIGHT = 0.5
#: Scores are compared with this tolerance so 0.5 + 2.5 is exactly 3 (high), not 2.999...
_EPS = 1e-9


class Exposure(enum.StrEnum):
    """What a finding puts at stake (its legal exposure)."""

    STATUTORY = "statutory"      # a statutory duty, with a deadline the law sets, was breached
    ASSESSMENT = "assessment"    # a statutory duty held to an assessed deadline, or a conditional duty
    STANDARD = "audit_standard"  # an audit standard (data contract, reconciliation, link audit) is not met
    INFORMATIONAL = "informational"  # explains a count; nothing is breached


#: Points each exposure adds to the score.
EXPOSURE_POINTS: dict[Exposure, float] = {
    Exposure.STATUTORY: 1.0, Exposure.ASSESSMENT: 0.75, Exposure.STANDARD: 0.5, Exposure.INFORMATIONAL: 0.0}


@dataclass(frozen=True)
class Inputs:
    """The inputs of one finding's severity."""

    exposure: Exposure
    people: int | float = 0
    days_late: int | float = 0
    gravity: float = 0.0

    def __post_init__(self) -> None:
        Exposure(self.exposure)
        for name in ("people", "days_late", "gravity"):
            v = getattr(self, name)
            if v is None or (isinstance(v, float) and math.isnan(v)) or v < 0:
                raise ValueError(f"severity input {name} must be a number >= 0, got {v!r}")


def people_term(people: int | float) -> float:
    """``0.4 * log10(1 + people)``: 1 person 0.12, 10 0.42, 1,000 1.2, 100,000 2.0."""
    return PEOPLE_WEIGHT * math.log10(1 + max(0.0, float(people or 0)))


def days_term(days: int | float | None) -> float:
    """``0.5 * log10(1 + days)``: 1 day 0.15, 30 days 0.75, 90 days 0.98, 365 days 1.28."""
    return DAYS_WEIGHT * math.log10(1 + max(0.0, float(days or 0)))


def score(inputs: Inputs) -> float:
    """The continuous score of :class:`Inputs` (see the module docstring)."""
    if inputs.exposure == Exposure.INFORMATIONAL:
        return 0.0
    return (EXPOSURE_POINTS[Exposure(inputs.exposure)] + inputs.gravity
            + people_term(inputs.people) + days_term(inputs.days_late))


def level(value: float) -> Severity:
    """The severity of a score."""
    return next(s for floor, s in LEVEL_FLOORS if value + _EPS >= floor)


def severity(exposure: Exposure | str, *, people: int | float = 0, days_late: int | float | None = 0,
             gravity: float = 0.0) -> str:
    """The severity of a finding: ``level(score(...))`` as text (``"high"``).

    Parameters
    ----------
    exposure
        What is at stake (:class:`Exposure`).
    people
        People concerned (0 when the finding does not count people).
    days_late
        Days past the deadline (business days for Form 4; 0 or None when not late).
    gravity
        The check's own measure in points (>= 0), from one of this module's mappings.
    """
    return str(level(score(Inputs(Exposure(exposure), people or 0, days_late or 0, gravity))))


# --------------------------------------------------------------------------- the checks' own measures

def gravity_of_level(reviewed: str, exposure: Exposure = Exposure.STANDARD) -> float:
    """Points that put a finding with no people and no days at exactly a reviewed level
    (an expectation's ``meta.severity``, a letter problem's level): the level's floor less
    the exposure's points, never below 0."""
    if reviewed not in SEVERITIES:
        raise ValueError(f"unknown severity {reviewed!r}; known: {', '.join(SEVERITIES)}")
    floor = next(f for f, s in LEVEL_FLOORS if s == reviewed)
    return max(0.0, floor - EXPOSURE_POINTS[exposure])


def reviewed_severity(reviewed: str, exposure: Exposure = Exposure.STANDARD, *, people: int | float = 0,
                      days_late: int | float | None = 0, extra: float = 0.0) -> str:
    """Severity of a defect kind reviewed at a level (an expectation's ``meta.severity``, a
    letter problem's, a plan outcome's) for no people and no days, raised by the people
    concerned and days late, and by ``extra`` points of the check's own measure."""
    return severity(exposure, people=people, days_late=days_late,
                    gravity=gravity_of_level(reviewed, exposure) + extra)


#: Link similarity (0..1) -> points, piecewise linear between these knots: with the
#: audit-standard exposure (0.5) a score of 0.6 is medium, 0.8 high, 0.9 critical.
SIMILARITY_KNOTS: tuple[tuple[float, float], ...] = ((0.0, 0.5), (0.6, 1.5), (0.8, 2.5), (0.9, 3.5), (1.0, 4.0))


def similarity_points(similarity: float) -> float:
    """A look-alike's resemblance to an official domain (0..1) in points (non-decreasing)."""
    s = min(1.0, max(0.0, float(similarity)))
    for (x0, y0), (x1, y1) in zip(SIMILARITY_KNOTS, SIMILARITY_KNOTS[1:]):
        if s <= x1:
            return y0 + (y1 - y0) * (s - x0) / (x1 - x0)
    return SIMILARITY_KNOTS[-1][1]


def loss_avoided_points(usd: float | None) -> float:
    """Loss avoided by an insider's sales in points: ``0.5 * log10(1 + usd / 10,000)``
    ($100,000 0.52, $1 million 1.0); 0 when unknown (no prices), and the finding says so."""
    if usd is None or (isinstance(usd, float) and math.isnan(usd)) or usd <= 0:
        return 0.0
    return 0.5 * math.log10(1 + float(usd) / 10_000)


#: Awards are not unlawful in themselves: their points stay below what would make them critical.
AWARD_MAX_POINTS = 2.99


def award_points(total_usd: float, prior_pay_usd: float | None) -> float:
    """Awards in the crisis window in points, capped at :data:`AWARD_MAX_POINTS` (at most high).

    Against prior annual pay: ``2.5 + log10(ratio) / log10(4)`` (a year's pay 2.5 -> high
    with the audit-standard exposure, a quarter's 1.5 -> medium); without it, by the amount:
    ``log10(total) - 3.5`` ($100,000 1.5 -> medium, $1 million 2.5 -> high).
    """
    total = max(0.0, float(total_usd or 0))
    if total <= 0:
        return 0.0
    if prior_pay_usd:
        pts = 2.5 + math.log10(total / float(prior_pay_usd)) / math.log10(4)
    else:
        pts = math.log10(total) - 3.5
    return min(AWARD_MAX_POINTS, max(0.0, pts))
