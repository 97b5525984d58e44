"""Several filings to one regulator: the original is held to the deadline, every filing is
recorded with its own date and count, and the latest count is compared like with like."""

from __future__ import annotations

from workbench.timelines import assess_case

from tests.timelines.helpers import write_case


def _case(tmp_path, filings, declared=None):
    keys = {"declared_residents": {"US-WA": declared}} if declared else {}
    people = [(f"W{i}", "US", "WA") for i in range(3)]
    return write_case(tmp_path, {"discovered": "2023-05-31"}, people, regulator=filings, as_of="2024-03-01",
                      case_keys=keys)


def test_an_original_and_its_update_each_with_its_count(tmp_path):
    # Washington: the AG within 30 days of discovery (2023-06-30) when more than 500 residents.
    filings = [("US-WA", "attorney_general", "WA AG", "2023-06-15T12:00:00Z", 700),
               ("US-WA", "attorney_general", "WA AG", "2023-07-02T12:00:00Z", 900)]
    out = assess_case(_case(tmp_path, filings, declared=900))
    row = out.jurisdictions.set_index("jurisdiction").loc["US-WA"]
    assert row["regulator_status"] == "on_time"  # the original came in time; the update does not make it late
    assert row["regulator_filing_log"] == "2023-06-15 (700, on time); 2023-07-02 (900, update)"
    assert row["residents_reported"] == 900 and bool(row["residents_reported_matches"])
    codes = {f.code for f in out.findings if f.jurisdiction == "US-WA"}
    assert "residents_reported_mismatch" not in codes
    revised = next(f for f in out.findings if f.code == "regulator_count_revised")
    assert revised.severity == "info" and revised.evidence["counts"] == [700, 900]


def test_the_latest_count_is_compared_with_the_declared_count(tmp_path):
    filings = [("US-WA", "attorney_general", "WA AG", "2023-06-15T12:00:00Z", 900),
               ("US-WA", "attorney_general", "WA AG", "2023-07-02T12:00:00Z", 700)]
    out = assess_case(_case(tmp_path, filings, declared=900))
    mismatch = next(f for f in out.findings if f.code == "residents_reported_mismatch")
    assert mismatch.count == 200 and mismatch.evidence["compared_with"] == "declared"
    assert "2023-07-02 (700, update)" in mismatch.detail


def test_a_late_original_is_late_whatever_the_updates_say(tmp_path):
    filings = [("US-WA", "attorney_general", "WA AG", "2023-07-10T12:00:00Z", 900),
               ("US-WA", "attorney_general", "WA AG", "2023-07-20T12:00:00Z", 900)]
    out = assess_case(_case(tmp_path, filings, declared=900))
    row = out.jurisdictions.set_index("jurisdiction").loc["US-WA"]
    assert row["regulator_status"] == "late" and row["regulator_days_late"] == 10
    assert row["regulator_filing_log"].startswith("2023-07-10 (900, late)")
    assert not [f for f in out.findings if f.code == "regulator_count_revised"]
