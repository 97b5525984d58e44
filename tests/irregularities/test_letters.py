import datetime as dt

import pandas as pd
import pytest

from workbench.irregularities.letters import letter_problems
from tests.irregularities.conftest import FIXTURES

LETTERS = FIXTURES / "letters"
ELEMENTS = ["name", "ssn", "date_of_birth", "address", "drivers_license", "payment_card"]
OFFICIAL = ["example-breach-2017.com", "example.com"]
DETERMINED = dt.date(2017, 8, 2)


def people():
    """The people as the intake stores them: with the jurisdiction mapped once."""
    from workbench.law import jurisdiction_codes

    frame = pd.read_csv(LETTERS / "affected_people.csv", dtype="str")
    return frame.assign(jurisdiction=jurisdiction_codes(frame["country"], frame["region"]))


def notices(name):
    f = pd.read_csv(LETTERS / name, dtype="str")
    return f.assign(sent_at=pd.to_datetime(f["sent_at"], utc=True))


def problems(name, **kw):
    found = letter_problems(people(), notices(name), data_elements=ELEMENTS, official_domains=OFFICIAL,
                            determined=DETERMINED, **kw)
    return [f for f in found if f.severity != "info"], [f for f in found if f.severity == "info"]


def test_clean_letters_have_no_problems():
    real, info = problems("notices_clean.csv")
    assert real == []
    # two well-known sites legitimately linked: reported as info, one per domain
    assert sorted(f.subject for f in info) == ["annualcreditreport.com", "identitytheft.gov"]
    assert {f.code for f in info} == {"letter_third_party_link"}


@pytest.mark.parametrize("fixture,code,count,examples_key,examples", [
    ("notices_to_unaffected_person.csv", "notice_to_unaffected", 1, "example_notice_ids", ["N6"]),
    ("notices_missing_for_one_person.csv", "missing_notice", 1, "example_person_ids", ["P5"]),
    ("notices_duplicate.csv", "duplicate_notice", 1, "example_person_ids", ["P2"]),
    ("notices_misspelled_name.csv", "misspelled_name", 1, "example_notice_ids", ["N4"]),
    ("notices_wrong_recipient_name.csv", "wrong_recipient_name", 1, "example_notice_ids", ["N4"]),
    ("notices_fewer_data_elements.csv", "fewer_data_elements", 1, "example_notice_ids", ["N1"]),
    ("notices_sent_before_determination.csv", "notice_before_determination", 1, "example_notice_ids", ["N2"]),
    ("notices_lookalike_link.csv", "letter_lookalike_link", 1, "example_notice_ids", ["N3"]),
    ("notices_unofficial_link.csv", "letter_unofficial_link", 1, "example_notice_ids", ["N3"]),
])
def test_each_problem_is_found_once(fixture, code, count, examples_key, examples):
    real, _ = problems(fixture)
    assert [f.code for f in real] == [code]
    (f,) = real
    assert f.category == "notice_letter" and f.count == count
    assert f.evidence[examples_key] == examples


def test_details_of_problems():
    (fewer,) = problems("notices_fewer_data_elements.csv")[0]
    assert fewer.evidence["missing_elements"] == {"ssn": 1} and fewer.evidence["by_jurisdiction"] == {"US-CA": 1}
    (look,) = problems("notices_lookalike_link.csv")[0]
    assert look.severity == "critical" and look.subject == "breach-example-2017.com"
    assert "reordered_words" in look.evidence["reasons"]
    (early,) = problems("notices_sent_before_determination.csv")[0]
    assert early.evidence["earliest_sent_at"].startswith("2017-07-30")


def test_letter_date_uses_the_case_timezone():
    # 2017-08-02T02:00Z is still 1 August in New York: before determination there, not in UTC
    n = notices("notices_clean.csv")
    n.loc[0, "sent_at"] = pd.Timestamp("2017-08-02T02:00Z")
    kw = dict(data_elements=ELEMENTS, official_domains=OFFICIAL, determined=DETERMINED)
    codes = lambda tz: {f.code for f in letter_problems(people(), n, timezone=tz, **kw)}
    assert "notice_before_determination" not in codes("UTC")
    assert "notice_before_determination" in codes("America/New_York")


def test_reads_typed_chunks_for_scale(tmp_path):
    ppl, nts = people(), notices("notices_duplicate.csv")
    chunks = lambda f: (f.iloc[i:i + 2] for i in range(0, len(f), 2))  # noqa: E731
    found = letter_problems(chunks(ppl), chunks(nts), data_elements=ELEMENTS,
                            official_domains=OFFICIAL, determined=DETERMINED)
    assert [f.code for f in found if f.severity != "info"] == ["duplicate_notice"]


def test_raw_files_are_not_read(tmp_path):
    people().to_parquet(tmp_path / "people.parquet")
    with pytest.raises(TypeError, match="file path"):
        letter_problems(tmp_path / "people.parquet", notices("notices_duplicate.csv"), data_elements=ELEMENTS,
                        official_domains=OFFICIAL, determined=DETERMINED)


def test_grouped_not_per_person_and_examples_capped():
    n = 500
    ppl = pd.DataFrame({"person_id": [f"Q{i:04d}" for i in range(n)], "full_name": "Ann Lee",
                        "country": "US", "region": "CA", "data_elements": "name|ssn"})
    nts = pd.DataFrame({"notice_id": [f"M{i:04d}" for i in range(n)], "person_id": ppl["person_id"],
                        "channel": "mail", "sent_at": pd.Timestamp("2017-09-20", tz="UTC"),
                        "recipient_name": "Ann Lee", "data_elements_described": "name", "links": None,
                        "status": "sent"})
    before = nts.copy()
    (f,) = letter_problems(ppl, nts, data_elements=["name", "ssn"], official_domains=OFFICIAL, determined=DETERMINED)
    assert f.code == "fewer_data_elements" and f.count == n and len(f.evidence["example_notice_ids"]) == 20
    pd.testing.assert_frame_equal(nts, before)
