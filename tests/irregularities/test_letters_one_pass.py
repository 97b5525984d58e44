"""The one-pass letters screen (one FULL JOIN of notices and people on integer element and
jurisdiction codes) finds exactly what the check it replaced found: the old module is kept,
frozen, in ``tests/irregularities/letters_before.py``, and both run on the same small cases."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.irregularities.letters import letter_problems
from tests.irregularities import letters_before
from tests.irregularities.test_letters import DETERMINED, ELEMENTS, LETTERS, OFFICIAL, notices, people

FIXTURES = sorted(p.name for p in LETTERS.glob("notices_*.csv"))


def _both(ppl, nts, **kw):
    kw = {"data_elements": ELEMENTS, "official_domains": OFFICIAL, "determined": DETERMINED} | kw
    new = [f.to_dict() for f in letter_problems(ppl, nts, **kw)]
    old = [f.to_dict() for f in letters_before.letter_problems(ppl, nts, **kw)]
    return new, old


@pytest.mark.parametrize("fixture", FIXTURES)
def test_each_fixture_gives_the_same_findings_as_before(fixture):
    new, old = _both(people(), notices(fixture))
    assert new == old


def _everything_at_once():
    """Every fixture's notices in one table (ids made unique), and people with a duplicated
    id, a row without an id, one without elements and one in no jurisdiction."""
    nts = pd.concat([notices(f).assign(notice_id=lambda x, f=f: f[:-4] + "-" + x["notice_id"]) for f in FIXTURES],
                    ignore_index=True)
    ppl = people()
    extra = ppl.iloc[[0, 1, 2]].copy()
    extra.iloc[0, extra.columns.get_loc("full_name")] = "Someone Else"            # a duplicated id, another name
    extra.iloc[1, extra.columns.get_loc("person_id")] = None                       # no id
    extra.iloc[2, extra.columns.get_loc("person_id")] = "P-NO-ELEMENTS"
    extra.iloc[2, extra.columns.get_loc("data_elements")] = None                   # the incident's list
    extra.iloc[2, extra.columns.get_loc("jurisdiction")] = None
    return pd.concat([ppl, extra], ignore_index=True), nts


def test_everything_at_once_gives_the_same_findings_as_before():
    ppl, nts = _everything_at_once()
    new, old = _both(ppl, nts)
    assert {f["evidence"]["check"] for f in new} >= {"notice_to_unaffected", "missing_notice", "duplicate_notice",
                                        "misspelled_name", "wrong_recipient_name", "fewer_data_elements",
                                        "notice_before_determination"}
    assert new == old


@pytest.mark.parametrize("drop", [["full_name"], ["jurisdiction"]], ids=lambda d: d[0])  # the old check failed without data_elements
def test_without_optional_people_columns_the_same_as_before(drop):
    ppl, nts = _everything_at_once()
    new, old = _both(ppl.drop(columns=drop), nts)
    assert new == old


@pytest.mark.parametrize("drop", [["recipient_name"], ["data_elements_described"], ["sent_at"], ["status", "channel"]],
                         ids=lambda d: d[0])
def test_without_optional_notice_columns_the_same_as_before(drop):
    ppl, nts = _everything_at_once()
    new, old = _both(ppl, nts.drop(columns=drop))
    assert new == old


def test_without_a_determination_date_the_same_as_before():
    ppl, nts = _everything_at_once()
    new, old = _both(ppl, nts, determined=None)
    assert new == old
