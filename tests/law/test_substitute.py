"""Substitute-notice conditions at their edges, from the statutes' own numbers.

California: cost of notice exceeding $250,000, more than 500,000 people to notify, or
insufficient contact information ("exceeds" is stored as ``over``).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace

import pytest

from workbench.errors import LawDataError
from workbench.law import load_rulebook
from workbench.law.substitute import parse_substitute, substitute_permitted
from workbench.paths import LAW_DATA_DIR

BOOK = load_rulebook()
CA = BOOK.current("US-CA")


@pytest.mark.parametrize("cost,people,lacks,expected", [
    (250_000, 10, False, False),          # cost exactly at the threshold: not over it
    (250_001, 10, False, True),
    (1_000, 500_000, False, False),       # people exactly at the threshold
    (1_000, 500_001, False, True),        # people one over
    (1_000, 10, True, True),              # insufficient contact information
    (None, 10, False, None),              # cost unknown: not shown
    (250_000, 500_000, None, None),       # contact information unknown
])
def test_california_edges(cost, people, lacks, expected):
    permitted, reason = substitute_permitted(CA, cost_usd=cost, people=people, lacks_contact=lacks)
    assert permitted is expected, reason
    assert "Cal. Civ. Code § 1798.82" in reason


def test_permitted_reason_names_the_condition_and_the_methods():
    permitted, reason = substitute_permitted(CA, cost_usd=1_000, people=500_001, lacks_contact=False)
    assert permitted and "people to notify 500,001 is over 500,000" in reason
    assert "required methods: email, website, statewide media" in reason


def test_statute_with_or_more_wording_includes_the_threshold():
    sub = parse_substitute({"cost_at_least_usd": 5000, "lacks_contact": False, "methods": ["website"],
                            "citation": "fixture", "source": "fixture", "confidence": "low"})
    rule = replace(CA, substitute_notice=sub)
    assert substitute_permitted(rule, cost_usd=5000)[0] is True
    assert substitute_permitted(rule, cost_usd=4999)[0] is False


def test_indiana_has_no_contact_condition():
    ind = BOOK.current("US-IN")
    assert substitute_permitted(ind, cost_usd=1, people=1, lacks_contact=True)[0] is False


def test_any_two_methods_are_reported():
    _, reason = substitute_permitted(BOOK.current("US-GU"), people=5_001)
    assert "any 2 of: email, website, statewide media" in reason


def test_no_provision_recorded_is_unknown_and_no_law_is_false():
    assert BOOK.current("US-AZ").substitute_notice is None
    assert substitute_permitted(BOOK.current("US-AZ"), cost_usd=10**9)[0] is None
    before = BOOK.rule_in_force("US-AL", dt.date(2017, 1, 1))
    assert substitute_permitted(before, cost_usd=10**9)[0] is False


def test_substitute_notice_keeps_meaning_the_rule_allows_one():
    assert CA.substitute_notice and not BOOK.current("US-AZ").substitute_notice
    assert CA.to_dict()["substitute_notice"]["cost_usd"] == {"comparison": "over", "value": 250_000}
    for code in BOOK.codes():
        for r in BOOK.history(code):
            if r.substitute_notice:
                assert r.substitute_notice.citation and r.substitute_notice.source, r.version


def test_malformed_substitute_notice_is_refused_with_file_and_line(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, folder)
    path = folder / "us_states.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      people_over: 300000\n", "      people_above: 300000\n", 1), encoding="utf-8")
    with pytest.raises(LawDataError, match="substitute_notice: unknown key 'people_above'") as err:
        load_rulebook(folder)
    assert err.value.line
