"""truth.json agrees with the data: every planted id is where it should be, every other row
is clean, counts add up and no person carries two defects."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import urlparse

import pandas as pd
from rapidfuzz.distance import Levenshtein

from workbench.synth.reference import US_CODES, US_PLACES

from .conftest import PEOPLE, defects, ids, read_csv

EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
ZIP = re.compile(r"^\d{5}(-\d{4})?$")
DISCOVERED, DETERMINED, DISCLOSED = dt.date(2017, 7, 29), dt.date(2017, 8, 2), dt.date(2017, 9, 7)
OFFICIAL = ("example-breach-2017.com", "example.com")
PERSON_KINDS = ("invalid_email", "invalid_zip", "unknown_region", "duplicate_person_id", "late_notice",
                "missing_notice", "duplicate_notice", "fewer_data_elements", "misspelled_name",
                "notice_before_determination", "letter_lookalike_link", "control_name_case_accent")


def _norm(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def test_person_level_defects_never_overlap(truth):
    seen: dict[str, str] = {}
    for kind in PERSON_KINDS:
        for pid in ids(truth, kind):
            assert pid not in seen, f"{pid} is both {seen[pid]} and {kind}"
            seen[pid] = kind


def test_every_kind_is_planted(truth):
    kinds = {d["kind"] for d in truth["defects"]}
    assert kinds >= set(PERSON_KINDS) | {
        "notice_to_unaffected", "regulator_notice_missing", "regulator_notice_late", "residents_reported_mismatch",
        "insider_sale_in_window", "insider_sale_in_window_10b5_1", "control_sale_outside_window",
        "control_purchase_in_window", "lookalike_link", "award_in_crisis_window", "control_award_outside_window"}
    assert [d["jurisdiction"] for d in defects(truth, "late_notice")] == ["US-FL", "US-NY", "US-TX"]
    assert len(defects(truth, "missing_notice")) == 2


def test_people_rows_and_duplicate_ids(people, truth):
    dup = ids(truth, "duplicate_person_id")
    assert len(people) == PEOPLE + len(dup) == truth["rows"]["affected_people"]
    assert people.person_id.nunique() == PEOPLE
    counts = people.person_id.value_counts()
    assert set(counts[counts > 1].index) == dup
    for pid in dup:
        rows = people[people.person_id == pid]
        first, second = rows.row.tolist()
        assert first < PEOPLE // 2 + PEOPLE // 10 and second >= PEOPLE  # far apart
        cols = [c for c in people.columns if c != "row"]
        assert rows[cols].iloc[0].equals(rows[cols].iloc[1])  # an exact copy


def test_invalid_emails_are_exactly_the_planted_ones(people, truth):
    bad = people[people.email.notna() & ~people.email.fillna("").str.match(EMAIL)]
    assert set(bad.person_id) == ids(truth, "invalid_email")


def test_invalid_zips_and_regions_are_exactly_the_planted_ones(people, truth):
    us = people[people.country == "US"]
    assert set(us[~us.postal_code.str.match(ZIP)].person_id) == ids(truth, "invalid_zip")
    assert set(us[~us.region.isin(US_CODES)].person_id) == ids(truth, "unknown_region")
    # clean ZIPs start with a prefix of their own state
    prefixes = {code: {z for _, z in cities} for code, _, _, cities in US_PLACES}
    clean = us[us.region.isin(US_CODES) & us.postal_code.str.match(ZIP)]
    assert all(z[:3] in prefixes[r] for z, r in zip(clean.postal_code, clean.region))
    assert people.full_name.notna().all() and people.country.notna().all()


def test_data_elements_are_subsets_with_name(people):
    allowed = {"name", "ssn", "date_of_birth", "address", "drivers_license", "payment_card"}
    parts = people.data_elements.str.split("|")
    assert all("name" in p and set(p) <= allowed and len(p) >= 2 for p in parts)


def test_residents_match_people(people, truth):
    us = people[(people.country == "US") & people.region.isin(US_CODES)].drop_duplicates("person_id")
    counted = {f"US-{k}": int(v) for k, v in us.region.value_counts().items()}
    assert counted == truth["residents"]


def test_notice_counts_add_up(people, notices, truth):
    missing = ids(truth, "missing_notice") | ids(truth, "not_owed_notice")  # no notice row for either
    dup = ids(truth, "duplicate_notice")
    unaffected = ids(truth, "notice_to_unaffected")
    assert len(notices) == PEOPLE - len(missing) + len(dup) + len(unaffected) == truth["rows"]["notices"]
    assert notices.notice_id.is_unique
    per_person = notices.person_id.value_counts()
    assert set(per_person[per_person > 1].index) == dup and per_person.max() == 2
    affected = set(people.person_id)
    assert set(notices.person_id) - affected == unaffected
    assert affected - set(notices.person_id) == missing
    d = defects(truth, "duplicate_notice")[0]
    assert set(notices[notices.person_id.isin(dup)].notice_id) == set(d["notice_ids"])


def test_notice_timing(people, notices, truth):
    region = people.drop_duplicates("person_id").set_index("person_id").region
    day = notices.sent.dt.date
    for d in defects(truth, "late_notice"):
        rows = notices[notices.person_id.isin(d["ids"])]
        assert len(rows) == len(d["ids"]) and set(rows.notice_id) == set(d["notice_ids"])
        assert all(100 <= (x - DISCOVERED).days <= 140 for x in day[rows.index])
        assert set(region[d["ids"]]) == {d["jurisdiction"].removeprefix("US-")}
    for d in defects(truth, "missing_notice"):
        assert set(region[d["ids"]]) == {d["jurisdiction"].removeprefix("US-")}
    early = notices.person_id.isin(ids(truth, "notice_before_determination"))
    assert early.sum() == len(ids(truth, "notice_before_determination"))
    assert all(DISCOVERED < x < DETERMINED for x in day[early])
    late = notices.person_id.isin(ids(truth, "late_notice"))
    on_time = day[~early & ~late]
    assert on_time.min() == DETERMINED + dt.timedelta(days=1)
    assert on_time.max() <= DETERMINED + dt.timedelta(days=7)
    assert (notices.status == "sent").all() and notices.sent_at.str.endswith("Z").all()


def test_letter_content_defects(people, notices, truth):
    person = people.drop_duplicates("person_id").set_index("person_id")
    own = notices[notices.person_id.isin(person.index)]
    have = own.person_id.map(person.data_elements).str.split("|").map(set)
    said = own.data_elements_described.str.split("|").map(set)
    fewer = own.person_id.isin(ids(truth, "fewer_data_elements"))
    assert all(s < h for s, h in zip(said[fewer], have[fewer]))
    assert all(s == h for s, h in zip(said[~fewer], have[~fewer]))

    full = own.person_id.map(person.full_name)
    typo = own.person_id.isin(ids(truth, "misspelled_name"))
    control = own.person_id.isin(ids(truth, "control_name_case_accent"))
    for printed, real in zip(own.recipient_name[typo], full[typo]):
        assert Levenshtein.distance(_norm(printed), _norm(real)) == 1
    for printed, real in zip(own.recipient_name[control], full[control]):
        assert printed != real and _norm(printed) == _norm(real)
    assert (own.recipient_name[~typo & ~control] == full[~typo & ~control]).all()

    hosts = notices.links.map(lambda s: {urlparse(u).hostname for u in s.split()})
    bad = notices[hosts.map(lambda h: not all(x.endswith(OFFICIAL) for x in h))]
    assert set(bad.person_id) == ids(truth, "letter_lookalike_link")
    assert bad.template_id.nunique() == 1
    assert not notices[~notices.index.isin(bad.index)].template_id.isin(bad.template_id).any()


def test_people_owed_no_notice_are_planted_with_elements_no_law_covers(people, notices, truth):
    not_owed = defects(truth, "not_owed_notice")
    assert not_owed, "the generator plants people whose exposed elements are no personal information"
    person = people.drop_duplicates("person_id").set_index("person_id")
    for d in not_owed:
        assert set(person.loc[d["ids"], "data_elements"]) == {"address|name"}
        assert set(person.loc[d["ids"], "region"]) == {d["jurisdiction"].removeprefix("US-")}
        assert not notices.person_id.isin(d["ids"]).any()
        owed = truth["residents_owed_notice"][d["jurisdiction"]]
        assert owed == truth["residents"][d["jurisdiction"]] - len(d["ids"])


def test_regulator_notices(truth, synth_case):
    reg = read_csv(synth_case, "regulator_notices.csv")
    reg["day"] = pd.to_datetime(reg.sent_at, utc=True).dt.date
    eu = reg[reg.jurisdiction.str.startswith("EU-")]  # member states with a 2017 national duty (BDSG, Wbp)
    assert set(eu.jurisdiction) <= {"EU-DE", "EU-NL"} and (eu.recipient_type == "supervisory_authority").all()
    assert (pd.to_datetime(eu.sent_at, utc=True).dt.date == DETERMINED).all()
    ag = reg[(reg.recipient_type != "consumer_reporting_agency") & ~reg.jurisdiction.str.startswith("EU-")]
    assert ag.jurisdiction.is_unique
    missing = ids(truth, "regulator_notice_missing")
    late = ids(truth, "regulator_notice_late")
    mismatch = ids(truth, "residents_reported_mismatch")
    assert len(missing | late | mismatch) == 3
    assert set(ag.jurisdiction) == set(truth["residents"]) - missing
    for _, r in ag.iterrows():
        if r.jurisdiction in late:
            assert (r.day - DISCOVERED).days >= 60
        else:
            assert r.day == DETERMINED  # before the first letter: on time under every 2017 rule
        same = int(r.residents_reported) == truth["residents_owed_notice"][r.jurisdiction]
        assert same != (r.jurisdiction in mismatch)
    cra = reg[reg.recipient_type == "consumer_reporting_agency"]
    assert len(cra) == 3 and set(cra.jurisdiction) == {"US"}
    assert set(cra.residents_reported.astype(int)) == {sum(truth["residents_owed_notice"].values())}


def test_trades_csv_matches_truth(truth, synth_case):
    t = read_csv(synth_case, "insider_trades.csv")
    t["date"] = pd.to_datetime(t.transaction_date).dt.date
    in_window = t[(t.date >= DISCOVERED) & (t.date <= DISCLOSED)]
    sales = in_window[in_window.transaction_code == "S"]
    key = sales.insider_name + "|" + sales.transaction_date
    planned = sales.plan_10b5_1 == "true"
    assert set(key[~planned]) == ids(truth, "insider_sale_in_window")
    assert set(key[planned]) == ids(truth, "insider_sale_in_window_10b5_1")
    assert sales[~planned].insider_name.nunique() == 3
    buys = in_window[in_window.transaction_code == "P"]
    assert set(buys.insider_name + "|" + buys.transaction_date) == ids(truth, "control_purchase_in_window")
    outside = t[(t.transaction_code == "S") & ((t.date < DISCOVERED) | (t.date > DISCLOSED))]
    assert set(outside.insider_name + "|" + outside.transaction_date) == ids(truth, "control_sale_outside_window")
    assert set(in_window.transaction_code) == {"S", "P"}


def test_messages_and_awards_match_truth(truth, synth_case):
    msgs = read_csv(synth_case, "communications.csv")
    gov = ("identitytheft.gov", "ftc.gov")

    def hosts(text):
        return {urlparse(u).hostname.removeprefix("www.") for u in re.findall(r"https?://\S+", text)}
    unofficial = msgs[msgs.text.map(lambda s: any(not (h in OFFICIAL or h.endswith(tuple("." + d for d in OFFICIAL))
                                                      or h in gov) for h in hosts(s)))]
    assert set(unofficial.message_id) == ids(truth, "lookalike_link")
    assert all(hosts(s) for s in msgs.text)

    comp = read_csv(synth_case, "compensation.csv")
    key = comp.person + "|" + comp.award_date + "|" + comp.kind
    day = pd.to_datetime(comp.award_date).dt.date
    crisis = (day >= DISCOVERED) & (day <= DISCLOSED + dt.timedelta(days=365))
    assert set(key[crisis]) == ids(truth, "award_in_crisis_window")
    assert set(key[~crisis]) == ids(truth, "control_award_outside_window")


def test_share_prices_drop_after_disclosure(synth_case):
    p = read_csv(synth_case, "share_prices.csv")
    p["date"] = pd.to_datetime(p.date).dt.date
    p["close"] = p.close.astype(float)
    assert all(d.weekday() < 5 for d in p.date)
    assert p.date.min() <= dt.date(2017, 1, 3) and p.date.max() > dt.date(2018, 3, 1)
    before = p[p.date <= DISCLOSED].close.iloc[-1]
    after = p[p.date > DISCLOSED].close.iloc[0]
    assert after < 0.9 * before
