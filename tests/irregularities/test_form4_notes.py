"""Each phrasing of the footnote tables (workbench.form4_notes) with a case of its own; a
footnote that names no price, or no whole day, gives nothing (never a guess)."""

from __future__ import annotations

import datetime as dt

import pytest

from workbench import form4_notes as notes

D = dt.date

PRICES = {
    "weighted_average_price_of": ("The price reported is a weighted average price of $141.23 per share.", 141.23),
    "weighted_average_price_was": ("The weighted-average sale price for these shares was $1,141.2350.", 1141.235),
    "at_a_weighted_average_of": ("The shares were sold at a weighted average of $12.50.", 12.5),
}
RANGES = {
    "ranging_from_to": ("Sold in multiple transactions at prices ranging from $144.74 to $145.50, inclusive.", (144.74, 145.50)),
    "between_and": ("Sold at prices between $10.01 and $10.25.", (10.01, 10.25)),
    "range_of": ("The sale prices were within a range of $7 to $7.40.", (7.0, 7.40)),
}
ADOPTIONS = {
    "adopted_on": [("a Rule 10b5-1 trading plan adopted by the reporting person on March 6, 2017.", D(2017, 3, 6)),
                   ("Rule 10b5-1 plan adopted on 3/6/2017.", D(2017, 3, 6)),
                   ("Rule 10b5-1 plan adopted on Mar. 6, 2017.", D(2017, 3, 6)),
                   ("Rule 10b5-1 plan adopted on 6 March 2017.", D(2017, 3, 6))],
    "adopted_in": [("Rule 10b5-1 trading plan adopted in May 2023.", None)],
    "entered_into_on": [("a Rule 10b5-1 trading plan entered into on 2023-05-01.", D(2023, 5, 1))],
    "plan_dated": [("effected pursuant to a Rule 10b5-1 trading plan dated September 12, 2016.", D(2016, 9, 12))],
    "on_date_adopted": [("On November 2, 2022, the reporting person adopted a Rule 10b5-1 trading plan.", D(2022, 11, 2))],
}
MODIFICATIONS = {
    "modified_or_amended_on": [("Rule 10b5-1 plan adopted on 3/6/2017 and modified on June 1, 2017.", D(2017, 6, 1)),
                               ("Rule 10b5-1 plan adopted on 3/6/2017, as amended on 2017-08-01.", D(2017, 8, 1))],
    "modified_in": [("Rule 10b5-1 plan adopted on 3/6/2017 and modified in July 2017.", None)],
}


def test_every_phrasing_has_a_case():
    assert set(PRICES) == set(notes.PRICE_PATTERNS) and set(RANGES) == set(notes.RANGE_PATTERNS)
    assert set(ADOPTIONS) == set(notes.ADOPTION_PATTERNS) and set(MODIFICATIONS) == set(notes.MODIFICATION_PATTERNS)


@pytest.mark.parametrize("name", sorted(PRICES))
def test_weighted_average_price_phrasings(name):
    text, price = PRICES[name]
    assert notes.PRICE_PATTERNS[name].search(text)
    assert notes.footnote_price([text]) == pytest.approx(price)


@pytest.mark.parametrize("name", sorted(RANGES))
def test_price_range_phrasings(name):
    text, (low, high) = RANGES[name]
    assert notes.RANGE_PATTERNS[name].search(text)
    assert notes.footnote_range([text]) == pytest.approx((low, high))


@pytest.mark.parametrize("text", [
    "The price reported is a weighted average price.",             # names no price
    "Weighted average price of $10.00 and weighted average price of $11.00 for the two sales.",  # two prices
    "The reporting person undertakes to provide full information on each separate price.",
])
def test_no_single_stated_price_gives_none(text):
    assert notes.footnote_price([text]) is None


def test_a_range_with_low_above_high_or_two_ranges_gives_none():
    assert notes.footnote_range(["prices ranging from $12.00 to $11.00"]) == (None, None)
    assert notes.footnote_range(["prices ranging from $1 to $2", "prices ranging from $3 to $4"]) == (None, None)


@pytest.mark.parametrize("name,text,day", [(n, t, d) for n, cases in ADOPTIONS.items() for t, d in cases])
def test_adoption_phrasings(name, text, day):
    assert notes.ADOPTION_PATTERNS[name].search(text)
    got = notes.plan_dates([text])
    assert got.adopted == day and got.adopted_text   # the words are kept either way


@pytest.mark.parametrize("name,text,day", [(n, t, d) for n, cases in MODIFICATIONS.items() for t, d in cases])
def test_modification_phrasings(name, text, day):
    assert notes.MODIFICATION_PATTERNS[name].search(text)
    got = notes.plan_dates([text])
    assert got.modified == day and got.modified_text and got.adopted == D(2017, 3, 6)


def test_the_latest_modification_is_kept():
    text = "Rule 10b5-1 plan adopted on 3/6/2017, modified on 2017-05-01 and amended on 2017-04-01."
    assert notes.plan_dates([text]).modified == D(2017, 5, 1)


@pytest.mark.parametrize("text", [
    "Rule 10b5-1 plan adopted on February 30, 2017.",     # no such day
    "Rule 10b5-1 plan adopted on 13/45/2017.",
])
def test_an_unreadable_date_is_missing_never_wrong(text):
    got = notes.plan_dates([text])
    assert got.adopted is None and got.adopted_text


def test_two_different_adoption_days_give_none():
    got = notes.plan_dates(["Rule 10b5-1 plans adopted on March 6, 2017 and adopted on April 2, 2017."])
    assert got.adopted is None and "April 2, 2017" in got.adopted_text


@pytest.mark.parametrize("text", [
    "Granted under the 2017 Omnibus Incentive Plan adopted on May 4, 2017.",    # not a trading plan
    "The sale was not made pursuant to a Rule 10b5-1 plan adopted on 3/6/2017.",  # a denial
])
def test_dates_are_read_only_from_texts_about_a_trading_plan(text):
    assert notes.plan_dates([text]) == notes.PlanDates()


@pytest.mark.parametrize("words,day", [("March 6, 2017", D(2017, 3, 6)), ("3/6/17", D(2017, 3, 6)),
                                       ("2023-05-01", D(2023, 5, 1)), ("May 2023", None), ("someday", None)])
def test_read_day(words, day):
    assert notes.read_day(words) == day
