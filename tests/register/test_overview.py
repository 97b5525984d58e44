"""Several registers audited together (workbench.register.overview) and their charts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.register import charts
from workbench.register.overview import audit_registers

FIXTURES = Path(__file__).parent / "fixtures"
WA = FIXTURES / "wa_register_2019_to_2021_with_sectors.csv"
NY = FIXTURES / "ny_register_with_the_acme_incident.csv"


def test_one_code_per_register_or_a_message_saying_so():
    with pytest.raises(WorkbenchError, match="one code"):
        audit_registers(f"{WA};{NY}", "US-WA")


def test_two_registers_give_one_view_each_and_the_incident_they_share(tmp_path):
    ov = audit_registers([str(WA), str(NY)], ["US-WA", "US-NY"], out=tmp_path)
    assert [v.code for v in ov.views] == ["US-WA", "US-NY"]
    assert ov.across[["organisation_key", "gap_days", "first_jurisdiction"]].values.tolist() == [["acme health", 28, "US-NY"]]
    t = ov.table("late_per_year")
    assert t.columns[0] == "jurisdiction" and set(t["jurisdiction"]) == {"US-WA", "US-NY"}
    assert (tmp_path / "US-WA" / "judged_register.csv").is_file() and (tmp_path / "across_registers.csv").is_file()


def test_a_run_writes_its_manifest_last_listing_every_file(tmp_path):
    from workbench.register.run import MANIFEST_FILE, run_registers

    run_registers(f"{WA};{NY}", "US-WA;US-NY", out=tmp_path, pdf=False)
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert manifest["parameters"]["jurisdictions"] == ["US-WA", "US-NY"] and manifest["inputs"][1]["rows"]["read"] == 2
    assert {"US-NY/register_tables/late_per_year.csv", "US-WA/register_report.html", "across_registers.csv"} <= \
        set(manifest["outputs"])
    assert manifest["started_at"].endswith("Z") and manifest["law_data_version"] and "not legal advice" in manifest["disclaimer"]


def test_the_late_chart_draws_the_change_date_and_no_chart_without_a_year():
    ov = audit_registers(str(WA), "US-WA")
    v = ov.views[0]
    fig = charts.late_chart(v.late_per_year, v.changes)
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
    assert len(lines) == 1 and 2020.16 < lines[0].get_xdata()[0] < 2020.17  # 2020-03-01
    assert charts.data_uri(fig).startswith("data:image/png;base64,")
    empty = pd.DataFrame({"year": ["unknown"], "late": [0], "late_statutory": [0], "late_assessment": [0]})
    assert charts.late_chart(empty, v.changes) is None and charts.data_uri(None) is None
