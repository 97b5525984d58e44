"""Any subset of inputs, and empty ones: every stage runs and says what it did not assess.

Each stage is run in this process (the notebooks call the same functions; one slow test at
the end runs them through ``workbench run``) on a small synthetic case with one input taken
away, or replaced by its header alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from workbench import overview, quality, timelines
from workbench.artifacts import read_assessed, write_findings, write_table
from workbench.assessment import State
from workbench.case import INPUT_NAMES, load_case
from workbench.irregularities import stage as irregularities
from workbench.report import build_report
from workbench.store import build_store

#: The checks that need each input, by stage (what must say "not assessed" without it).
NEEDS: dict[str, dict[str, list[str]]] = {
    "affected_people": {"10_data_quality": ["suite:affected_people", "population:person_without_notice"],
                        "20_notice_timelines": ["individual_notice_timeliness", "regulator_notice", "cra_notice"],
                        "30_irregularities": ["notice_letters", "letter_content"]},
    "notices": {"10_data_quality": ["suite:notices", "population:notice_unknown_person"],
                "20_notice_timelines": ["individual_notice_timeliness"],
                "30_irregularities": ["notice_letters", "letter_content"]},
    "regulator_notices": {"10_data_quality": ["suite:regulator_notices"],
                          "20_notice_timelines": ["regulator_notice", "cra_notice"]},
    "insider_trades": {"10_data_quality": ["suite:insider_trades"], "30_irregularities": ["insider_trading"]},
    "communications": {"10_data_quality": ["suite:communications"], "30_irregularities": ["lookalike_links"]},
    "compensation": {"10_data_quality": ["suite:compensation"], "30_irregularities": ["compensation"]},
    "share_prices": {"10_data_quality": ["suite:share_prices"]},
    "market_index": {"10_data_quality": ["suite:market_index"]},
    "letters": {"10_data_quality": ["suite:letters"], "30_irregularities": ["letter_content"]},
}


@pytest.fixture(scope="module")
def full_case(tmp_path_factory) -> Path:
    """A 300-person synthetic case with every input, insider trades as CSV (one file each);
    the generator writes no market index, so one is added: the share closes, halved."""
    from workbench.synth import generate_case

    folder = tmp_path_factory.mktemp("partial") / "full"
    result = generate_case(folder, 300, seed=7)
    data = yaml.safe_load(result.case_yaml.read_text())
    data["inputs"]["insider_trades"] = "data/insider_trades.csv"
    prices = pd.read_csv(folder / "data" / "share_prices.csv")
    prices.assign(close=prices["close"] / 2).to_csv(folder / "data" / "market_index.csv", index=False)
    data["inputs"]["market_index"] = "data/market_index.csv"
    result.case_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    return result.case_yaml


def _variant(full_case: Path, tmp_path: Path, *, drop: str | None = None, header_only: str | None = None) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(full_case.parent, folder)
    case_yaml = folder / "case.yaml"
    data = yaml.safe_load(case_yaml.read_text())
    if drop:
        del data["inputs"][drop]
    if header_only:
        src = folder / data["inputs"][header_only]
        if src.is_dir():  # a folder of letters: zero letters is the folder's "header only"
            for f in src.iterdir():
                f.unlink()
        elif src.suffix == ".parquet":
            frame = pd.read_parquet(src)
            target = src.with_suffix(".csv")
            target.write_text(",".join(frame.columns) + "\n")
            data["inputs"][header_only] = str(target.relative_to(folder))
        else:
            header = src.read_text(encoding="utf-8").splitlines()[0]
            src.write_text(header + "\n", encoding="utf-8")
    case_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    return case_yaml


def _run_stages(case_yaml: Path, run_dir: Path, *, report: bool = False) -> dict:
    """Every stage as its notebook runs it; returns ``read_assessed`` of the run."""
    import matplotlib.pyplot as plt

    case = load_case(case_yaml)
    ov = overview.run_stage(case_yaml, run_dir)
    overview.timeline_figure(ov), overview.jurisdiction_figure(ov)
    dq = quality.run_stage(case, run_dir)
    write_findings(run_dir, "10_data_quality", dq.findings, assessed=dq.assessed)
    tl = timelines.run_stage(case_yaml, run_dir)
    for figure in (timelines.cumulative_figure, timelines.tile_map_figure, timelines.compliance_figure):
        figure(tl)
    timelines.display_table(tl), timelines.regulator_view(tl)
    irr = irregularities.run_stage(case)
    write_findings(run_dir, irregularities.STAGE, irr.findings, assessed=irr.assessed)
    for name, table in irr.tables.items():
        write_table(run_dir, irregularities.STAGE, name, table)
        irr.view(name)
    irregularities.save_chart(irr, run_dir)
    quality.failures_figure(dq)
    plt.close("all")
    if report:
        build_report(run_dir, case_yaml, formats=("json", "csv", "html"), regulators=False)
    return read_assessed(run_dir)


@pytest.mark.parametrize("name", INPUT_NAMES)
def test_every_stage_runs_without_each_input(full_case, tmp_path, name):
    case_yaml = _variant(full_case, tmp_path, drop=name)
    assessed = _run_stages(case_yaml, tmp_path / "run")
    for stage, checks in NEEDS[name].items():
        for check in checks:
            a = assessed[stage][check]
            assert a.state is State.NOT_ASSESSED, (stage, check, a)
            assert a.reason


@pytest.mark.parametrize("name", INPUT_NAMES)
def test_every_stage_runs_with_each_input_header_only(full_case, tmp_path, name):
    case_yaml = _variant(full_case, tmp_path, header_only=name)
    run_dir = tmp_path / "run"
    assessed = _run_stages(case_yaml, run_dir)
    inputs = pd.read_csv(run_dir / "artifacts" / "00_case_overview.inputs.csv").set_index("name")
    assert inputs.loc[name, "rows_read"] == 0 and inputs.loc[name, "rows_accepted"] == 0
    suite = assessed["10_data_quality"][f"suite:{name}"]
    assert "zero rows" in (suite.reason or ""), suite  # never a plain pass on nothing
    if name == "affected_people":
        assert not assessed["20_notice_timelines"]["individual_notice_timeliness"].is_assessed
        assert not assessed["30_irregularities"]["notice_letters"].is_assessed


def test_a_case_with_no_people_audits_what_it_has(tmp_path):
    """An incident that exposed no personal data: only insider trades and share prices."""
    from tests.foundation.helpers import trades_only_case

    case_yaml = trades_only_case(tmp_path)
    assessed = _run_stages(case_yaml, tmp_path / "run", report=True)
    assert assessed["30_irregularities"]["insider_trading"].is_assessed
    for check in ("individual_notice_timeliness", "regulator_notice", "cra_notice"):
        assert assessed["20_notice_timelines"][check].reason == "input affected_people absent from case.yaml"
    doc = json.loads((tmp_path / "run" / "findings.json").read_text())
    assert doc["assessed"]["20_notice_timelines"]["individual_notice_timeliness"]["state"] == "not_assessed"
    assert any(f["category"] == "insider_trading" for f in doc["findings"])
    html = (tmp_path / "run" / "report.html").read_text()
    assert "not assessed: input affected_people absent from case.yaml" in html
    assert "Affected people: not counted" in html and "Affected people: 0" not in html


def test_flagged_trading_data_is_used_as_the_stage_says(tmp_path):
    """A duplicated price date, negative shares, an unknown code and a far-future date (all
    flagged by data quality) do not crash the trading check or its chart, and are counted."""
    from tests.foundation.helpers import trades_only_case

    case = load_case(trades_only_case(tmp_path))
    result = irregularities.run_stage(case)
    note = result.assessed["insider_trading"].reason
    assert "1 sale row(s) with no or negative shares left out" in note
    assert "1 date(s) with conflicting closes left out" in note
    sales = result.tables["insider_sales"]
    assert list(sales["insider"]) == ["Jane Roe"]  # the negative and the unknown-code rows are not sales
    chart = result.tables["share_price_chart"]
    assert chart["date"].is_unique and pd.Timestamp("2017-08-01") not in set(pd.to_datetime(chart["date"]))
    assert result.chart() is not None
    assert irregularities.save_chart(result, tmp_path).exists()


def test_loss_avoided_is_not_estimated_when_the_reference_close_conflicts(tmp_path):
    from tests.foundation.helpers import trades_only_case

    case_yaml = trades_only_case(tmp_path)
    prices = case_yaml.parent / "data" / "share_prices.csv"
    prices.write_text(prices.read_text() + "2017-09-08,120.0\n")
    result = irregularities.run_stage(load_case(case_yaml))
    assert "loss avoided not estimated: share_prices gives different closes for 2017-09-08" in \
        result.assessed["insider_trading"].reason
    assert result.tables["insider_sales"]["loss_avoided_first"].isna().all()


@pytest.mark.slow
def test_workbench_run_on_a_case_with_no_people_completes(tmp_path):
    """The notebooks themselves (what a user runs) on the no-people case."""
    from tests.foundation.helpers import trades_only_case
    from workbench.runner import run_case

    result = run_case(trades_only_case(tmp_path), tmp_path / "reports")
    assert result.ok, [n.error for n in result.notebooks if n.error]
    assert all(n.status == "completed" for n in result.notebooks) and len(result.notebooks) == 5
    assert (result.run_dir / "report.pdf").exists()


@pytest.mark.parametrize("name, checks", [
    ("notices", ["individual_notice_timeliness"]),
    ("regulator_notices", ["regulator_notice", "cra_notice"]),
])
def test_an_input_whose_every_row_is_rejected_is_not_assessed(full_case, tmp_path, name, checks):
    """Every sent_at unreadable: the timelines never turn a parse error into 'nobody was told'."""
    case_yaml = _variant(full_case, tmp_path)
    path = case_yaml.parent / yaml.safe_load(case_yaml.read_text())["inputs"][name]
    frame = pd.read_csv(path, dtype="str", keep_default_na=False)
    frame["sent_at"] = "not a date"
    frame.to_csv(path, index=False)
    out = timelines.assess_store(build_store(load_case(case_yaml), tmp_path / "run"))
    categories = {"notices": {"notice_timeliness"}, "regulator_notices": {"regulator_notice", "cra_notice"}}[name]
    for check in checks:
        a = out.assessed[check]
        assert not a.is_assessed and a.reason.startswith(f"every row of input {name} was rejected ({len(frame)} read"), a
    assert not [f for f in out.findings if f.category in categories]
