"""Not modelled is "not assessed"; pre-GDPR national duties; EEA states; conditions beyond a
number (harm_ruled_out); Massachusetts CRA notice; provincial overlays in ``law deadlines``.

Every expected value is read from the statute's own numbers (dates, counts, periods).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from workbench.cli import main
from workbench.errors import LawDataError
from workbench.law import BASES, jurisdiction_for, load_rulebook, supervisory_authority
from workbench.law.deadlines import count_residents, obligations_for
from workbench.law.jurisdictions import laws_for
from workbench.paths import LAW_DATA_DIR
from workbench.timelines.per_jurisdiction import obligation_status

BOOK = load_rulebook()
AMS = ZoneInfo("Europe/Amsterdam")
BER = ZoneInfo("Europe/Berlin")
OSLO = ZoneInfo("Europe/Oslo")
SGT = ZoneInfo("Asia/Singapore")
TOKYO = ZoneInfo("Asia/Tokyo")
SEOUL = ZoneInfo("Asia/Seoul")
NY = ZoneInfo("America/New_York")
QUEBEC_CASE = Path(__file__).resolve().parents[1] / "fixtures" / "law" / "case_quebec_2023" / "case.yaml"


def at(y, m, d, tz):
    return dt.datetime(y, m, d, tzinfo=tz)


def due(code, obligation, start, **kw):
    kw.setdefault("assessment_days", 30)
    return BOOK.due(code, obligation, start, **kw)


# ------------------------------------------------------------ not modelled -> not_assessed

def test_not_assessed_is_a_basis():
    assert "not_assessed" in BASES


def test_netherlands_duty_starts_2016_01_01():
    # Wbp art. 34a (meldplicht datalekken) from 2016-01-01; before it no general duty.
    before = due("EU-NL", "regulator", at(2015, 12, 31, AMS))
    assert (before.applies, before.basis, before.rule_version) == (False, "no_regime", "EU-NL@origin")
    on = due("EU-NL", "regulator", at(2016, 1, 1, AMS))
    assert on.applies and on.basis == "assessment"  # "onverwijld": no number in the statute
    assert "34a" in on.citation and "Autoriteit Persoonsgegevens" in on.reason
    assert "no assessment ruling that out" in on.reason
    ruled_out = due("EU-NL", "regulator", at(2016, 1, 1, AMS), harm_ruled_out=True)
    assert (ruled_out.applies, ruled_out.basis) == (False, "not_required")
    assert "34a(1)" in ruled_out.reason


def test_germany_42a_from_2009_09_01_and_not_assessed_before():
    before = due("EU-DE", "individual", at(2009, 8, 31, BER))
    assert (before.applies, before.basis) == (False, "not_assessed")
    assert "Germany" in before.reason and "not modelled" in before.reason
    for ob in ("individual", "regulator"):
        on = due("EU-DE", ob, at(2009, 9, 1, BER))
        assert on.applies and on.basis == "assessment", ob  # "unverzüglich"
        assert "42a" in on.citation and "bank or credit card" in on.reason
    # The GDPR takes over on 2018-05-25.
    assert BOOK.rule_in_force("EU-DE", dt.date(2018, 5, 24)).version == "EU-DE@2009-09-01"
    assert BOOK.rule_in_force("EU-DE", dt.date(2018, 5, 25)).citation.startswith("Regulation (EU) 2016/679")


@pytest.mark.parametrize("obligation", ["individual", "regulator", "cra"])
def test_member_state_without_national_record_in_2017_is_not_assessed(obligation):
    d = due("EU-FR", obligation, at(2017, 6, 1, ZoneInfo("Europe/Paris")), residents=10_000)
    assert (d.applies, d.due_at, d.basis) == (False, None, "not_assessed")
    assert "France" in d.reason and "not modelled" in d.reason
    # ... while the EU itself had no general duty (a sourced fact): no_regime.
    assert due("EU", obligation, at(2017, 6, 1, ZoneInfo("Europe/Paris"))).basis == "no_regime"


def test_before_a_codes_first_version_is_not_assessed():
    d = due("CA-QC", "individual", at(2022, 9, 21, ZoneInfo("America/Toronto")))
    assert (d.applies, d.basis) == (False, "not_assessed")
    assert "2022-09-22" in d.reason


def test_norway_gdpr_from_its_eea_date():
    assert jurisdiction_for("NO") == "NO" and jurisdiction_for("is") == "IS" and jurisdiction_for("LI") == "LI"
    before = due("NO", "regulator", at(2018, 7, 19, OSLO))
    assert (before.applies, before.basis) == (False, "not_assessed")
    on = due("NO", "regulator", at(2018, 7, 20, OSLO))
    assert on.applies and on.basis == "statutory"
    assert on.due_at == at(2018, 7, 23, OSLO)  # 72 hours from local midnight
    assert "Datatilsynet" in on.reason and "EEA" in on.citation
    assert "Persónuvernd" in supervisory_authority("IS") and "Datenschutzstelle" in supervisory_authority("LI")


def test_not_assessed_flows_out_of_the_timelines_status():
    d = due("EU-FR", "regulator", at(2017, 6, 1, ZoneInfo("Europe/Paris")))
    audit = dt.datetime(2018, 1, 1, tzinfo=dt.timezone.utc)
    assert obligation_status(d, None, audit) == ("not_assessed", None)
    assert obligation_status(d, pd.Timestamp("2017-06-05", tz="UTC"), audit) == ("not_assessed", None)


# ------------------------------------------------------------ conditions beyond a number

def test_singapore_three_people_no_assessment_is_required():
    start = at(2023, 3, 1, SGT)  # the day the breach was assessed notifiable (s. 26D(1))
    pdpc = due("SG", "regulator", start, residents=3)
    assert pdpc.applies and pdpc.basis == "statutory" and pdpc.due_at == dt.datetime(2023, 3, 4, 23, 59, 59, tzinfo=SGT)
    assert "significant harm" in pdpc.reason and "no assessment ruling that out" in pdpc.reason
    assert due("SG", "individual", start, residents=3).applies


def test_singapore_three_people_harm_ruled_out_is_not_required():
    start = at(2023, 3, 1, SGT)
    for ob in ("regulator", "individual"):
        d = due("SG", ob, start, residents=3, harm_ruled_out=True)
        assert (d.applies, d.basis) == (False, "not_required"), ob
        assert "harm assessment rules out" in d.reason and "26B(1)(a)" in d.reason


def test_singapore_500_people_pdpc_required_even_when_harm_ruled_out():
    start = at(2023, 3, 1, SGT)
    pdpc = due("SG", "regulator", start, residents=500, harm_ruled_out=True)
    assert pdpc.applies and pdpc.basis == "statutory" and "500 or more" in pdpc.reason
    assert not due("SG", "regulator", start, residents=499, harm_ruled_out=True).applies
    ind = due("SG", "individual", start, residents=500, harm_ruled_out=True)
    assert (ind.applies, ind.basis) == (False, "not_required")


def test_japan_any_number_on_a_condition_more_than_1000_regardless():
    start = at(2023, 5, 1, TOKYO)
    assert due("JP", "regulator", start, residents=10).applies
    assert not due("JP", "regulator", start, residents=10, harm_ruled_out=True).applies
    assert not due("JP", "regulator", start, residents=1000, harm_ruled_out=True).applies
    assert due("JP", "regulator", start, residents=1001, harm_ruled_out=True).applies  # "more than 1,000"
    assert due("JP", "individual", start, residents=1001, harm_ruled_out=True).applies  # art. 26(2)


def test_korea_2023_report_triggers_and_individual_notice_without_condition():
    start = at(2023, 10, 2, SEOUL)
    assert due("KR", "regulator", start, residents=10).applies
    assert not due("KR", "regulator", start, residents=999, harm_ruled_out=True).applies
    assert due("KR", "regulator", start, residents=1000, harm_ruled_out=True).applies  # "1,000 or more"
    ind = due("KR", "individual", start, residents=10, harm_ruled_out=True)
    assert ind.applies and ind.due_at == at(2023, 10, 5, SEOUL)  # 72 hours


def test_us_risk_of_harm_state_with_and_without_harm_ruled_out():
    start = at(2023, 6, 1, NY)  # Florida: 30 days from determination; risk-of-harm exception
    d = due("US-FL", "individual", start, residents=600)
    assert d.applies and d.basis == "statutory"
    assert "risk-of-harm exception" in d.reason and "no assessment ruling the risk out" in d.reason
    for ob in ("individual", "regulator", "cra"):
        r = due("US-FL", ob, start, residents=2000, harm_ruled_out=True)
        assert (r.applies, r.basis) == (False, "not_required"), ob
        assert "harm assessment rules out" in r.reason and "501.171" in r.reason
    # California has no risk-of-harm exception: the keyword changes nothing.
    ca = due("US-CA", "individual", start, harm_ruled_out=True)
    assert ca.applies and ca == due("US-CA", "individual", start)


# ------------------------------------------------------------ Massachusetts CRA notice

@pytest.mark.parametrize("day", [dt.date(2015, 6, 1), dt.date(2023, 6, 1)])
def test_massachusetts_cra_notice(day):
    start = dt.datetime.combine(day, dt.time(0), tzinfo=NY)
    cra = due("US-MA", "cra", start, residents=1)
    assert cra.applies and cra.basis == "assessment"  # no number: after the director names the agencies
    assert "§ 3(b)" in cra.citation
    reg = BOOK.rule_in_force("US-MA", day)
    assert "Attorney General" in reg.regulator_name and "Consumer Affairs and Business Regulation" in reg.regulator_name


# ------------------------------------------------------------ overlays

def test_laws_for_primary_and_overlays():
    assert laws_for("CA-QC") == ("CA", "CA-QC")
    assert laws_for("IN") == ("IN", "IN-CERTIN")
    assert laws_for("CN") == ("CN", "CN-CAC-IR")
    assert laws_for("CA") == ("CA",)
    assert laws_for("US-WA") == ("US-WA",)


def test_quebec_resident_counts_for_ca_and_ca_qc():
    people = pd.DataFrame({"country": ["CA", "CA", "CA"], "region": ["QC", "qc", "ON"]})
    assert count_residents(people) == {"CA": 3, "CA-QC": 2}


def test_law_deadlines_lists_quebec_obligations(capsys):
    assert main(["law", "deadlines", str(QUEBEC_CASE), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["obligations"]
    got = {(r["jurisdiction"], r["obligation"]): r for r in rows}
    assert {("CA", "individual"), ("CA", "regulator"), ("CA-QC", "individual"), ("CA-QC", "regulator")} <= set(got)
    assert got[("CA-QC", "regulator")]["residents"] == 2 and got[("CA", "regulator")]["residents"] == 3
    assert "Commission d'accès" in got[("CA-QC", "regulator")]["recipient"]


def test_overlays_do_not_double_count_included_regimes():
    from workbench.case import load_case

    case = load_case(QUEBEC_CASE)
    obs = obligations_for(BOOK, case, {"CA": 3, "CA-QC": 2}, include=["US-HIPAA"])
    assert {o.residents for o in obs if o.code == "US-HIPAA"} == {3}


def test_law_deadlines_lists_not_assessed_obligations():
    from workbench.case import load_case

    case = load_case(QUEBEC_CASE)
    obs = obligations_for(BOOK, case, {"CA": 3, "EU-FR": 2, "NO": 1})
    assert {o.due.basis for o in obs if o.code in ("EU-FR",)} == {"statutory", "assessment"}  # 2023: GDPR
    old = obligations_for(BOOK, _moved(case, dt.date(2017, 3, 1)), {"EU-FR": 2})
    assert old and {(o.due.basis, o.due.due_at) for o in old} == {("not_assessed", None)}


def _moved(case, day):
    inc = case.incident.model_copy(update={"discovered": day, "determined": day,
                                           "breach_start": day - dt.timedelta(days=5)})
    return case.model_copy(update={"incident": inc})


# ------------------------------------------------------------ loader validation

def _copy_with(tmp_path, name, text):
    folder = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, folder)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


RECORD = """family: test
rules:
  - code: {code}
    name: "{name}"
    title: "t"
    effective_from: {start}
    superseded_on: {end}
    citation: "c"
    source: "s"
    confidence: "low"
{extra}
"""


def test_modelled_false_may_not_claim_a_regime(tmp_path):
    extra = "    modelled: false\n    regime: false\n    individual_standard: 'x'"
    folder = _copy_with(tmp_path, "zz.yaml", RECORD.format(code="XX", name="X", start="null", end="null", extra=extra))
    with pytest.raises(LawDataError, match="leave regime out"):
        load_rulebook(folder)


def test_unknown_condition_kind_is_refused(tmp_path):
    extra = ("    regime: true\n    individual_standard: 'x'\n    clock_starts: awareness\n"
             "    regulator_name: R\n    regulator_threshold: 1\n    regulator_conditions: [{luck: 'bad'}]\n"
             "    holiday_calendar: US")
    folder = _copy_with(tmp_path, "zz.yaml", RECORD.format(code="XX", name="X", start="2020-01-01", end="null", extra=extra))
    with pytest.raises(LawDataError, match="exactly one of count, harm, data, cause"):
        load_rulebook(folder)


def test_national_record_may_not_overlap_the_gdpr(tmp_path):
    extra = "    regime: true\n    individual_standard: 'x'\n    clock_starts: awareness"
    folder = _copy_with(tmp_path, "zz.yaml", RECORD.format(code="EU-FR", name="France (EU)", start="2017-01-01",
                                                           end="2019-01-01", extra=extra))
    with pytest.raises(LawDataError, match="overlaps EU@2018-05-25"):
        load_rulebook(folder)


# ------------------------------------------------------------ property: ruling harm out only removes duties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.sampled_from(BOOK.codes()), st.sampled_from(["individual", "regulator", "cra"]),
       st.datetimes(min_value=dt.datetime(2008, 1, 1), max_value=dt.datetime(2030, 12, 31)),
       st.one_of(st.none(), st.integers(1, 5000)))
@settings(max_examples=300, deadline=None)
def test_harm_ruled_out_never_adds_a_duty_nor_changes_a_due_moment(code, obligation, start, residents):
    start = start.replace(tzinfo=dt.timezone.utc)
    plain = due(code, obligation, start, residents=residents)
    ruled = due(code, obligation, start, residents=residents, harm_ruled_out=True)
    assert not ruled.applies or (plain.applies and ruled.due_at == plain.due_at)
    if plain.basis in ("not_assessed", "no_regime"):
        assert ruled.basis == plain.basis
