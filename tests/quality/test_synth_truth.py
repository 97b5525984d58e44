"""On a small generated case, every planted data defect of truth.json is found and no clean
row is flagged (recall and precision both 100 % on the data-quality kinds)."""

from __future__ import annotations

import pytest

from workbench import quality

#: truth.json kind -> (finding code, business key of the failing rows).
KIND_TO_CHECK = {
    "invalid_email": ("dq.affected_people.email_format", "person_id"),
    "invalid_zip": ("dq.affected_people.us_zip_format", "person_id"),
    "unknown_region": ("dq.affected_people.us_region_valid", "person_id"),
    "duplicate_person_id": ("dq.affected_people.person_id_unique", "person_id"),
    "notice_to_unaffected": ("dq.population.notice_unknown_person", "notice_id"),
    "notice_before_determination": ("dq.notices.sent_at_not_before_determination", "notice_id"),
    "missing_notice": ("dq.population.person_without_notice", "person_id"),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from workbench.case import load_case
    from workbench.synth import generate_case, load_truth

    folder = tmp_path_factory.mktemp("synth") / "case"
    generate_case(folder, 300, seed=11)
    case = load_case(folder / "case.yaml")
    result = quality.run_stage(case, tmp_path_factory.mktemp("run"), engine="chunked",
                               options=quality.EngineOptions(max_examples=10_000))
    return load_truth(folder), result


#: Planted kinds whose people have no notice row: all are people without a notice to the
#: data-quality check (it does not judge who is owed one; the timelines stage does).
WITHOUT_NOTICE = {"missing_notice": ("missing_notice", "not_owed_notice")}


def _planted(truth, kind, key):
    ids = set()
    for d in truth["defects"]:
        if d["kind"] in WITHOUT_NOTICE.get(kind, (kind,)):
            ids |= set(d["notice_ids"] if key == "notice_id" else d["ids"])
    return ids


def test_every_planted_data_defect_is_found_and_no_clean_row_is_flagged(generated):
    truth, result = generated
    by_code = {f.code: f for f in result.findings}
    for kind, (code, key) in KIND_TO_CHECK.items():
        planted = _planted(truth, kind, key)
        assert planted, f"the generator planted no {kind}"
        finding = by_code.get(code)
        assert finding is not None, f"{kind}: not found"
        flagged = {x[key] for x in finding.evidence["examples"]}
        assert not finding.evidence["examples_capped"]
        assert flagged == planted, f"{kind}: missed {planted - flagged}, wrongly flagged {flagged - planted}"
    extra = set(by_code) - {code for code, _ in KIND_TO_CHECK.values()}
    assert not extra, f"findings on rows with no planted data defect: {sorted(extra)}"


def test_reads_reconcile_on_the_generated_case(generated):
    truth, result = generated
    summary = result.summary.set_index("input")
    for name, rows in truth["rows"].items():
        if name in summary.index and name != "insider_trades":  # trades come from Form 4 XML here
            assert summary.loc[name, "rows_read"] == rows, name
    assert summary["reconciles"].all()
