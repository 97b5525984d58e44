"""The law data as a whole: coverage, citations, versions, validation errors, properties."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.errors import LawDataError, UnknownNameError
from workbench.law import (
    UNKNOWN_JURISDICTION, US_REGION_CODES, jurisdiction_for, jurisdictions_for, load_rulebook,
    supervisory_authority,
)
from workbench.paths import LAW_DATA_DIR

BOOK = load_rulebook()
US_CODES = sorted(f"US-{r}" for r in US_REGION_CODES)
SECTORAL = ["US-HIPAA", "US-FTC-SR", "US-SEC-8K", "US-NYDFS"]
INTERNATIONAL = ["EU", "GB", "CA", "AU", "SG", "BR", "IN-CERTIN", "KR", "JP", "CH", "NZ"]
EU_MEMBERS = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
              "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]


def test_us_region_codes_are_the_54():
    assert len(US_REGION_CODES) == 54
    assert {"DC", "PR", "GU", "VI"} <= US_REGION_CODES


def test_coverage_of_the_issue():
    codes = set(BOOK.codes())
    assert set(US_CODES) <= codes
    assert set(SECTORAL) <= codes
    assert set(INTERNATIONAL) <= codes
    assert {f"EU-{c}" for c in EU_MEMBERS} <= codes


@pytest.mark.parametrize("code", BOOK.codes())
def test_every_record_is_cited_with_a_source(code):
    for rule in BOOK.history(code):
        assert rule.citation.strip(), rule.version
        assert rule.source and all(s.strip() for s in rule.source), rule.version
        assert rule.confidence in ("high", "medium", "low")


@pytest.mark.parametrize("code", US_CODES)
def test_us_versions_reach_back_to_2015(code):
    assert BOOK.rule_in_force(code, dt.date(2015, 1, 1)) is not None or code in ("US-CT",), code


@given(st.dates(min_value=dt.date(2018, 6, 1), max_value=dt.date(2035, 12, 31)))
@settings(max_examples=200, deadline=None)
def test_every_us_jurisdiction_has_exactly_one_version_in_force(day):
    for code in US_CODES:
        covering = [r for r in BOOK.history(code) if r.covers(day)]
        assert len(covering) == 1, (code, day, covering)
        assert BOOK.rule_in_force(code, day) is covering[0]


ZONES = st.sampled_from(["UTC", "America/New_York", "America/Los_Angeles", "Europe/Dublin", "Australia/Sydney"])
STARTS = st.datetimes(min_value=dt.datetime(2016, 1, 1), max_value=dt.datetime(2030, 12, 31))
CODES = st.sampled_from(BOOK.codes())
OBLIGATIONS = st.sampled_from(["individual", "regulator", "cra"])


@given(CODES, OBLIGATIONS, STARTS, ZONES, st.one_of(st.none(), st.integers(1, 20000)), st.integers(0, 120))
@settings(max_examples=300, deadline=None)
def test_due_is_never_before_the_clock_start(code, obligation, start, zone, residents, days):
    start = start.replace(tzinfo=ZoneInfo(zone))
    due = BOOK.due(code, obligation, start, residents=residents, assessment_days=days)
    if due.due_at is not None:
        assert due.applies
        assert due.due_at.astimezone(dt.timezone.utc) >= start.astimezone(dt.timezone.utc)
        assert due.basis in ("statutory", "assessment")
    else:
        assert not due.applies and due.basis in ("not_required", "no_regime", "not_assessed")


@given(CODES, OBLIGATIONS, STARTS, st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40)), ZONES)
@settings(max_examples=300, deadline=None)
def test_due_is_monotone_in_the_clock_start(code, obligation, start, step, zone):
    tz = ZoneInfo(zone)
    a = start.replace(tzinfo=tz)
    b = (a.astimezone(dt.timezone.utc) + step).astimezone(tz)
    da = BOOK.due(code, obligation, a, residents=1000, assessment_days=30)
    db = BOOK.due(code, obligation, b, residents=1000, assessment_days=30)
    # Only comparable under one rule version (a new law may shorten a deadline).
    if da.due_at and db.due_at and da.rule_version == db.rule_version:
        assert db.due_at.astimezone(dt.timezone.utc) >= da.due_at.astimezone(dt.timezone.utc)


@pytest.mark.parametrize("country,region,expected", [
    ("US", "CA", "US-CA"), ("us", " wa ", "US-WA"), ("US", "DC", "US-DC"), ("US", "PR", "US-PR"),
    ("PR", None, "US-PR"), ("GU", "", "US-GU"), ("VI", None, "US-VI"), ("US", "ZZ", UNKNOWN_JURISDICTION),
    ("US", None, UNKNOWN_JURISDICTION), ("IE", None, "EU-IE"), ("EL", None, "EU-GR"), ("DE", "BY", "EU-DE"),
    ("GB", None, "GB"), ("UK", None, "GB"), ("CA", "QC", "CA-QC"), ("XK", None, UNKNOWN_JURISDICTION),
    (None, None, UNKNOWN_JURISDICTION), (float("nan"), "CA", UNKNOWN_JURISDICTION),
])
def test_jurisdiction_for(country, region, expected):
    assert jurisdiction_for(country, region) == expected


def test_jurisdictions_for_adds_provincial_and_national_codes():
    assert jurisdictions_for("CA", "QC") == ("CA", "CA-QC")
    assert jurisdictions_for("IN", None) == ("IN", "IN-CERTIN")


def test_supervisory_authority():
    assert "Data Protection Commission" in supervisory_authority("IE")
    assert "CNIL" in supervisory_authority("fr")
    assert "ICO" in supervisory_authority("GB")
    assert supervisory_authority("XK") is None
    assert BOOK.rule_in_force("EU-IE", dt.date(2020, 1, 1)).regulator_name == supervisory_authority("IE")


def test_unknown_code_is_an_error_but_unknown_jurisdiction_is_no_regime():
    start = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    with pytest.raises(UnknownNameError, match="US-XX"):
        BOOK.due("US-XX", "individual", start, assessment_days=30)
    due = BOOK.due(UNKNOWN_JURISDICTION, "individual", start, assessment_days=30)
    assert (due.applies, due.basis) == (False, "no_regime")


def test_naive_clock_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        BOOK.due("US-WA", "individual", dt.datetime(2020, 1, 1), assessment_days=30)


def test_version_hash_is_stable_and_tracks_content(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, copy)
    assert load_rulebook(copy).version_hash == BOOK.version_hash
    f = copy / "us_states.yaml"
    f.write_text(f.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    assert load_rulebook(copy).version_hash != BOOK.version_hash


def _broken(tmp_path: Path, old: str, new: str, file: str = "us_states.yaml") -> Path:
    copy = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, copy)
    path = copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def _line_of(folder: Path, file: str, needle: str) -> int:
    for i, line in enumerate((folder / file).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


@pytest.mark.parametrize("old,new,message,needle", [
    ('individual_deadline: "30 calendar_days"', 'individual_deadline: "30 fortnights"', "unknown deadline unit", "30 fortnights"),
    ('confidence: "medium"', 'confidence: "pretty sure"', "unknown confidence", "pretty sure"),
    ('clock_starts: "determination"', 'clock_starts: "moon_phase"', "unknown clock-start event", "moon_phase"),
    ("superseded_on: 2020-03-01", "superseded_on: 2020-02-01", "gap between", "effective_from: 2020-03-01"),
    ("superseded_on: 2020-03-01", "superseded_on: 2020-04-01", "overlap between", "effective_from: 2020-03-01"),
    ('citation: "RCW 19.255.010"', 'citation: ""', "citation: required text", 'citation: ""'),
    ("regulator_threshold: 501", "regulator_threshold: more than 500", "whole number", "regulator_threshold: more than 500"),
    ('    regime: true', '    regimen: true', "unknown key", "regimen:"),
])
def test_broken_data_fails_with_file_and_line(tmp_path, old, new, message, needle):
    folder = _broken(tmp_path, old, new)
    with pytest.raises(LawDataError, match=message) as err:
        load_rulebook(folder)
    assert err.value.file.endswith("us_states.yaml")
    # the reported line is the offending key's line, or the record's first line for order problems
    assert err.value.line is not None and err.value.line <= _line_of(folder, "us_states.yaml", needle)
    assert f"us_states.yaml:{err.value.line}:" in str(err.value)


def test_field_errors_point_at_the_exact_line(tmp_path):
    folder = _broken(tmp_path, 'individual_deadline: "30 calendar_days"', 'individual_deadline: "30 fortnights"')
    with pytest.raises(LawDataError) as err:
        load_rulebook(folder)
    assert err.value.line == _line_of(folder, "us_states.yaml", "30 fortnights")


def test_yaml_syntax_error_names_the_line(tmp_path):
    folder = _broken(tmp_path, "\nrules:\n", "\nrules: [\n", file="us_sectoral.yaml")
    with pytest.raises(LawDataError, match="not valid YAML") as err:
        load_rulebook(folder)
    assert err.value.file.endswith("us_sectoral.yaml") and err.value.line


def test_zero_day_period_starting_in_the_last_second_is_not_due_before_it_starts():
    # found by hypothesis: end of day is 23:59:59, a clock at 23:59:59.000001 must not be due earlier
    start = dt.datetime(2016, 1, 1, 23, 59, 59, 1, tzinfo=dt.timezone.utc)
    due = BOOK.due("US-CA", "individual", start, residents=100, assessment_days=0)
    assert due.due_at >= start
