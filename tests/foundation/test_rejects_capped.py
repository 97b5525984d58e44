"""A rejects file may be capped; it then says so, and the counts stay exact."""

from __future__ import annotations

import pandas as pd

from tests.conftest import edit_case
from workbench.case import load_case
from workbench.overview import CAPPED_FIELD, build_overview


def _case_with_bad_dates(minimal_case, n_bad: int):
    lines = ["notice_id,person_id,channel,sent_at,recipient_name,recipient_address,data_elements_described,"
             "template_id,links,status"]
    for i in range(1, 11):
        sent = "today" if i <= n_bad else "2017-08-05T10:00:00Z"
        lines.append(f"N{i},P1,mail,{sent},Ann,,name,T1,,sent")
    (minimal_case.parent / "data" / "notices.csv").write_text("\n".join(lines) + "\n")
    edit_case(minimal_case, **{"inputs.notices": "data/notices.csv"})
    return load_case(minimal_case)


def test_capped_rejects_file_ends_with_a_marker_and_counts_stay_exact(minimal_case, tmp_path):
    ov = build_overview(_case_with_bad_dates(minimal_case, 7), tmp_path / "run", chunk_rows=3, rejects_cap=4)
    file = pd.read_csv(tmp_path / "run" / "rejects" / "notices.csv", dtype="str")
    assert file["row"].tolist()[:4] == ["1", "2", "3", "4"] and len(file) == 5
    marker = file.iloc[-1]
    assert marker["field"] == CAPPED_FIELD and pd.isna(marker["row"])
    assert "first 4 of 7 rejected rows" in marker["reason"] and "rows_rejected = 7 is exact" in marker["reason"]
    row = ov.inputs.set_index("name").loc["notices"]
    assert (row.rows_read, row.rows_accepted, row.rows_rejected) == (10, 3, 7)
    assert bool(row.rejects_capped) and row.rejects_written == 4 and bool(row.reconciles)


def test_uncapped_rejects_file_has_no_marker(minimal_case, tmp_path):
    ov = build_overview(_case_with_bad_dates(minimal_case, 3), tmp_path / "run", rejects_cap=4)
    file = pd.read_csv(tmp_path / "run" / "rejects" / "notices.csv", dtype="str")
    assert file["row"].tolist() == ["1", "2", "3"] and CAPPED_FIELD not in set(file["field"].dropna())
    row = ov.inputs.set_index("name").loc["notices"]
    assert not bool(row.rejects_capped) and row.rejects_written == 3
    assert "relative word" in file["reason"].iloc[0]


def test_the_data_quality_finding_counts_every_rejected_row_beyond_the_cap(minimal_case, tmp_path):
    """The finding's count is the intake's exact rows_rejected, not the rows the capped file lists."""
    from workbench import stages
    from workbench.stagebase import StageName

    case = _case_with_bad_dates(minimal_case, 7)
    build_overview(case, tmp_path / "run", chunk_rows=3, rejects_cap=4)
    result = stages.run(StageName.DATA_QUALITY, case.path, tmp_path / "run", engine="duckdb")
    found = [f for f in result.findings if f.code == "dq.notices.rows_rejected"]
    assert [f.count for f in found] == [7]
