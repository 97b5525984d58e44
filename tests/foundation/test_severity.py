"""The one severity model: monotone in every input, no jump of more than one level for one
more person or day, documented levels (workbench.severity, docs/methods/severity.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.findings import SEVERITY_RANK, Severity
from workbench.severity import (Exposure, award_points, gravity_of_level, loss_avoided_points, reviewed_severity,
                                severity, similarity_points)

EXPOSURES = [Exposure.STATUTORY, Exposure.ASSESSMENT, Exposure.STANDARD]
people = st.integers(min_value=0, max_value=200_000_000)
days = st.integers(min_value=0, max_value=20_000)
gravity = st.floats(min_value=0, max_value=4, allow_nan=False)


def rank(s: str) -> int:
    """Higher is more severe."""
    return len(SEVERITY_RANK) - SEVERITY_RANK[s]


@settings(max_examples=400, deadline=None)
@given(e=st.sampled_from(EXPOSURES), n=people, d=days, g=gravity, more=st.integers(min_value=1, max_value=10**6))
def test_severity_never_falls_as_people_or_days_grow(e, n, d, g, more):
    base = rank(severity(e, people=n, days_late=d, gravity=g))
    assert rank(severity(e, people=n + more, days_late=d, gravity=g)) >= base
    assert rank(severity(e, people=n, days_late=d + more, gravity=g)) >= base


@settings(max_examples=400, deadline=None)
@given(e=st.sampled_from(EXPOSURES), n=people, d=days, g=gravity)
def test_one_more_person_or_day_moves_at_most_one_level(e, n, d, g):
    base = rank(severity(e, people=n, days_late=d, gravity=g))
    assert rank(severity(e, people=n + 1, days_late=d, gravity=g)) - base in (0, 1)
    assert rank(severity(e, people=n, days_late=d + 1, gravity=g)) - base in (0, 1)


def test_every_day_from_0_to_400_and_every_person_to_2000_on_a_grid():
    """A grid as well as the property: walking one day (one person) at a time never skips a level."""
    for e in EXPOSURES:
        for n in (0, 1, 10, 5_000, 100_000, 10_000_000):
            levels = [rank(severity(e, people=n, days_late=d)) for d in range(0, 401)]
            assert all(0 <= b - a <= 1 for a, b in zip(levels, levels[1:])), (e, n)
        levels = [rank(severity(e, people=n, days_late=30)) for n in range(0, 2001)]
        assert all(0 <= b - a <= 1 for a, b in zip(levels, levels[1:])), e


def test_no_cliff_between_88_and_91_days():
    """The issue's example: the old step at 90 days made 88 days low and 91 medium."""
    at = {d: severity(Exposure.STATUTORY, people=19, days_late=d) for d in range(85, 95)}
    assert len(set(at.values())) == 1, at


def test_statutory_exposure_is_never_below_assessment_and_informational_is_info():
    for n, d in ((0, 0), (10, 30), (1_000, 90), (200_000, 365)):
        assert rank(severity(Exposure.STATUTORY, people=n, days_late=d)) >= rank(severity(Exposure.ASSESSMENT, people=n,
                                                                                          days_late=d))
        assert severity(Exposure.INFORMATIONAL, people=n, days_late=d, gravity=3) == "info"


@pytest.mark.parametrize("n, d, expected", [
    (1, 1, "low"),              # one person a day late under a statutory deadline
    (62, 45, "medium"),         # tens of people, weeks late
    (1_000, 90, "high"),        # a thousand people three months late
    (100_000, 0, "high"),       # a hundred thousand people, due today
    (145_000_000, 40, "critical"),  # an Equifax-sized notice weeks late
])
def test_documented_anchor_points(n, d, expected):
    """The worked examples of docs/methods/severity.md."""
    assert severity(Exposure.STATUTORY, people=n, days_late=d) == expected


@pytest.mark.parametrize("level", ["info", "low", "medium", "high", "critical"])
def test_a_reviewed_level_is_that_level_for_no_people_and_no_days(level):
    assert reviewed_severity(level) == level
    # a statutory duty breached is at least low: "info" is not a level statutory exposure can have
    assert reviewed_severity(level, Exposure.STATUTORY) == (level if level != "info" else "low")


def test_gravity_of_an_unknown_level_is_an_error():
    with pytest.raises(ValueError, match="unknown severity 'grave'"):
        gravity_of_level("grave")


@pytest.mark.parametrize("bad", [-1, float("nan")])
def test_negative_or_missing_inputs_are_refused(bad):
    with pytest.raises(ValueError, match="must be a number >= 0"):
        severity(Exposure.STATUTORY, people=bad)


@given(a=st.floats(0, 1), b=st.floats(0, 1))
def test_similarity_points_are_monotone(a, b):
    lo, hi = sorted((a, b))
    assert similarity_points(lo) <= similarity_points(hi)


@pytest.mark.parametrize("similarity, expected", [(0.0, "low"), (0.59, "low"), (0.6, "medium"), (0.8, "high"),
                                                  (0.9, "critical"), (1.0, "critical")])
def test_similarity_keeps_the_link_bands(similarity, expected):
    assert severity(Exposure.STANDARD, gravity=similarity_points(similarity)) == expected


@given(a=st.floats(0, 1e10), b=st.floats(0, 1e10), prior=st.one_of(st.none(), st.floats(1, 1e8)))
def test_award_and_loss_points_are_monotone_and_awards_never_critical(a, b, prior):
    lo, hi = sorted((a, b))
    assert award_points(lo, prior) <= award_points(hi, prior)
    assert loss_avoided_points(lo) <= loss_avoided_points(hi)
    assert severity(Exposure.STANDARD, gravity=award_points(hi, prior)) != Severity.CRITICAL
