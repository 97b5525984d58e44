"""Regulator packages only for what is asked (`--packages`), the ones left out said with
why, and `workbench report RUN --packages` adding them later with the manifest kept true."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import edit_case
from workbench.case import load_case
from workbench.cli import main
from workbench.errors import CaseError, RunError
from workbench.manifest import MANIFEST_SCHEMA_VERSION, output_files, read_manifest, write_manifest
from workbench.regulator_packages import (Candidate, PackageSelection, PackageSelectionError, UnknownPackageError,
                                          plan_packages)
from workbench.report import build_report
from workbench.verify import verify_run

HOSTILE = Path(__file__).parent.parent / "fixtures" / "report" / "two_states_hostile_text"
FAST = dict(formats=("json", "html"), regulator_formats=("json", "html"))  # no WeasyPrint: seconds saved

#: Three jurisdictions with residents: CA and NY with findings of their own, TX with none.
CA_NY_WITH_FINDINGS_TX_WITHOUT = [Candidate("US-CA", 3, 2), Candidate("US-NY", 2, 1), Candidate("US-TX", 7, 0)]


def _hostile_run(tmp_path: Path, *, texas_residents: bool = False) -> Path:
    """The two-states scenario; with ``texas_residents`` also 4 Texans no finding concerns."""
    run_dir = tmp_path / "run"
    shutil.copytree(HOSTILE, run_dir)
    if texas_residents:
        people = run_dir / "artifacts" / "00_case_overview.people_by_jurisdiction.csv"
        people.write_text(people.read_text() + "US-TX,4\n")
    return run_dir


# --------------------------------------------------------------------------- the selection

@pytest.mark.parametrize("value, name, codes", [
    (None, "with-findings", ()), ("all", "all", ()), ("none", "none", ()), ("with-findings", "with-findings", ()),
    ("US-CA,US-TX", None, ("US-CA", "US-TX")), (" US-CA , us-ca ", None, ("US-CA",)), (["EU-IE", "GB"], None, ("EU-IE", "GB")),
])
def test_a_selection_is_a_name_or_a_list_of_codes(value, name, codes):
    sel = PackageSelection.parse(value)
    assert (sel.name, sel.codes) == (name, codes)


@pytest.mark.parametrize("value, says", [
    ("", "empty"), ("all,US-CA", "all cannot be combined with codes"), ("US CA", "not a jurisdiction code: 'US CA'"),
    ("US-CA,,US-TX", "not a jurisdiction code: ''"), ("../etc", "not a jurisdiction code"),
])
def test_a_value_that_is_no_selection_says_what_was_expected(value, says):
    with pytest.raises(PackageSelectionError) as err:
        PackageSelection.parse(value)
    assert says in str(err.value) and "all, none, with-findings or a comma list of jurisdiction codes" in str(err.value)


@pytest.mark.parametrize("selection, rendered, left_out", [
    ("with-findings", ("US-CA", "US-NY"), {"US-TX": "no finding concerns its residents (--packages with-findings)"}),
    ("all", ("US-CA", "US-NY", "US-TX"), {}),
    ("none", (), {c: "no package was asked for (--packages none)" for c in ("US-CA", "US-NY", "US-TX")}),
    ("US-TX,US-CA", ("US-TX", "US-CA"), {"US-NY": "not in --packages US-TX,US-CA"}),
])
def test_every_jurisdiction_with_residents_is_rendered_or_said_why_not(selection, rendered, left_out):
    plan = plan_packages(CA_NY_WITH_FINDINGS_TX_WITHOUT, selection)
    assert plan.rendered == rendered
    assert {n.code: n.reason for n in plan.not_rendered} == left_out
    doc = plan.to_json("reports/X/run1")
    assert doc["selection"] == selection and [r["jurisdiction"] for r in doc["rendered"]] == list(rendered)
    assert doc["render_command"] == (f"workbench report reports/X/run1 --packages {','.join(left_out)}" if left_out else None)


def test_an_unknown_code_names_it_and_lists_the_valid_ones():
    with pytest.raises(UnknownPackageError) as err:
        plan_packages(CA_NY_WITH_FINDINGS_TX_WITHOUT, "US-CA,US-ZZ")
    assert str(err.value).startswith("--packages: no jurisdiction US-ZZ with affected residents in this run; "
                                     "valid codes: US-CA, US-NY, US-TX")


# --------------------------------------------------------------------------- build_report

def test_default_renders_only_jurisdictions_with_their_own_findings(tmp_path, minimal_case):
    run_dir = _hostile_run(tmp_path, texas_residents=True)
    result = build_report(run_dir, minimal_case, **FAST)
    assert sorted(result.regulators) == ["US-CA", "US-NY"], "TX has residents but only organisation-wide findings"
    assert not (run_dir / "regulators" / "US-TX").exists()
    index = json.loads((run_dir / "regulators" / "index.json").read_text())
    assert index["selection"] == "with-findings" and index["source"] == "the default"
    assert index["not_rendered"] == [{"jurisdiction": "US-TX", "residents": 4, "findings": 0,
                                      "reason": "no finding concerns its residents (--packages with-findings)"}]
    assert index["render_command"] == f"workbench report {run_dir} --packages US-TX"
    html = (run_dir / "report.html").read_text()
    assert "received no package" in html and "<td>US-TX</td>" in html and f"workbench report {run_dir} --packages US-TX" in html
    frame = result.regulators_frame()
    assert frame.set_index("jurisdiction")["not_rendered"].to_dict()["US-TX"].startswith("no finding concerns")


@pytest.mark.parametrize("workers", [1, 2], ids=["in_process", "process_pool"])
def test_only_the_selected_packages_pdfs_are_rendered_the_full_report_first(tmp_path, minimal_case, monkeypatch, workers):
    from workbench import report

    rendered: list[str] = []

    class Pool:  # stands in for the spawn pool: records what is submitted, renders nothing
        def __init__(self, **kw):
            assert kw["max_workers"] == 2
        def submit(self, fn, html, path):
            from concurrent.futures import Future

            rendered.append(path.relative_to(run_dir).as_posix())
            done = Future()
            done.set_result(path)
            return done
        def shutdown(self, **kw):
            pass

    monkeypatch.setattr(report, "html_to_pdf", lambda html, path: rendered.append(path.relative_to(run_dir).as_posix()))
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", Pool)
    run_dir = _hostile_run(tmp_path, texas_residents=True)
    build_report(run_dir, minimal_case, formats=("html", "pdf"), packages="with-findings", workers=workers)
    # the organisation annex is laid out once, right after the full report, before the packages
    assert rendered == ["report.pdf", "regulators/annex/annex.pdf", "regulators/US-CA/report.pdf",
                        "regulators/US-NY/report.pdf"]


def test_none_renders_no_package_and_says_so(tmp_path, minimal_case):
    run_dir = _hostile_run(tmp_path)
    result = build_report(run_dir, minimal_case, packages="none", **FAST)
    assert result.regulators == {} and sorted(p.name for p in (run_dir / "regulators").iterdir()) == ["index.json"]
    index = json.loads((run_dir / "regulators" / "index.json").read_text())
    assert [n["jurisdiction"] for n in index["not_rendered"]] == ["US-CA", "US-NY"]


def test_an_unknown_code_fails_before_anything_is_written(tmp_path, minimal_case):
    run_dir = _hostile_run(tmp_path)
    with pytest.raises(UnknownPackageError, match="US-ZZ.*valid codes: US-CA, US-NY"):
        build_report(run_dir, minimal_case, packages="US-NY,US-ZZ", **FAST)
    assert not (run_dir / "report.html").exists() and not (run_dir / "findings.json").exists()
    assert not (run_dir / "regulators").exists()


def test_case_yaml_selects_packages_and_the_argument_overrides_it(tmp_path, minimal_case):
    edit_case(minimal_case, **{"parameters.report_packages": ["US-NY"]})
    run_dir = _hostile_run(tmp_path)
    assert sorted(build_report(run_dir, minimal_case, **FAST).regulators) == ["US-NY"]
    index = json.loads((run_dir / "regulators" / "index.json").read_text())
    assert index["source"] == "case.yaml's parameters.report_packages"
    assert sorted(build_report(run_dir, minimal_case, packages="all", **FAST).regulators) == ["US-CA", "US-NY"]


def test_case_yaml_with_a_bad_package_selection_is_rejected(minimal_case):
    edit_case(minimal_case, **{"parameters.report_packages": "everything"})
    with pytest.raises(CaseError, match="parameters.report_packages.*not a jurisdiction code: 'everything'"):
        load_case(minimal_case)


# --------------------------------------------------------------------------- workbench report RUN --packages

def _completed_run_with(tmp_path: Path, case_yaml: Path, packages: str) -> Path:
    """A run folder as the runner leaves it (completed manifest hashing every output)."""
    run_dir = _hostile_run(tmp_path)
    build_report(run_dir, case_yaml, packages=packages, generated_at="2018-03-01T00:00:00Z", **FAST)
    case = load_case(case_yaml)
    write_manifest(run_dir, {"schema_version": MANIFEST_SCHEMA_VERSION, "case_id": case.case_id, "run_id": "run",
                             "status": "completed", "started_at": "2018-03-01T00:00:00Z",
                             "finished_at": "2018-03-01T00:01:00Z", "case_path": str(case_yaml), "inputs": {},
                             "outputs": output_files(run_dir)})
    return run_dir


def test_adding_a_package_to_a_run_renders_only_it_and_the_run_still_verifies(tmp_path, minimal_case):
    from workbench.amend import add_packages_to_run

    run_dir = _completed_run_with(tmp_path, minimal_case, "US-NY")
    before = {p: p.read_bytes() for p in run_dir.rglob("*") if p.is_file() and p.name != "manifest.json"}
    amendment = add_packages_to_run(run_dir, "US-CA", regulator_formats=("json", "html"))
    assert amendment.packages == ["US-CA"]
    # the run's organisation annex is the same document (unchanged): only its copy is new
    assert amendment.added == ["regulators/US-CA/findings.json", "regulators/US-CA/manifest.json",
                               "regulators/US-CA/organisation_annex.html", "regulators/US-CA/report.html"]
    assert amendment.replaced == ["regulators/index.json"]
    changed = {p for p, data in before.items() if p.read_bytes() != data}
    assert changed == {run_dir / "regulators" / "index.json"}, "nothing else is rewritten"
    index = json.loads((run_dir / "regulators" / "index.json").read_text())
    assert [r["jurisdiction"] for r in index["rendered"]] == ["US-NY", "US-CA"] and index["not_rendered"] == []
    assert index["render_command"] is None
    assert index["selection"] == "US-NY" and index["added_later"] == [{"selection": "US-CA", "packages": ["US-CA"]}]
    result = verify_run(run_dir, check_inputs=False)
    assert result.ok, result.report()
    assert any("workbench report --packages US-CA" in n and "4 file(s) added, 1 replaced" in n for n in result.notes)
    m = read_manifest(run_dir)
    assert m["amendments"][0]["replaced"]["regulators/index.json"] and m["status"] == "completed"


def test_a_file_changed_by_anything_else_still_fails_verify_after_a_package_is_added(tmp_path, minimal_case):
    from workbench.amend import add_packages_to_run

    run_dir = _completed_run_with(tmp_path, minimal_case, "US-NY")
    (run_dir / "regulators" / "US-NY" / "findings.json").write_text("{}")
    (run_dir / "regulators" / "US-CA").mkdir(parents=True)
    (run_dir / "regulators" / "US-CA" / "planted.txt").write_text("x")
    add_packages_to_run(run_dir, "US-CA", regulator_formats=("json",))
    kinds = {(d.kind, d.path) for d in verify_run(run_dir, check_inputs=False).differences}
    assert kinds == {("output_changed", "regulators/US-NY/findings.json"), ("output_extra", "regulators/US-CA/planted.txt")}


@pytest.mark.parametrize("status", ["failed", "running"])
def test_packages_are_added_only_to_a_completed_run(tmp_path, minimal_case, status):
    from workbench.amend import add_packages_to_run

    run_dir = _completed_run_with(tmp_path, minimal_case, "none")
    m = read_manifest(run_dir)
    write_manifest(run_dir, {**m, "status": status, "finished_at": None if status == "running" else m["finished_at"]})
    with pytest.raises(RunError, match="the run is (failed|incomplete); packages are added only to a completed run"):
        add_packages_to_run(run_dir, "US-CA", regulator_formats=("json",))
    assert not (run_dir / "regulators" / "US-CA").exists()


def test_workbench_report_cli_adds_packages_or_exits_2_naming_the_unknown_code(tmp_path, minimal_case, capsys):
    run_dir = _completed_run_with(tmp_path, minimal_case, "none")
    assert main(["report", str(run_dir), "--packages", "US-TX"]) == 2
    err = capsys.readouterr().err
    assert "no jurisdiction US-TX with affected residents in this run; valid codes: US-CA, US-NY" in err
    assert main(["report", str(run_dir), "--packages", "US-NY", "--workers", "1"]) == 0
    assert "1 package(s) rendered: US-NY" in capsys.readouterr().out
    index = json.loads((run_dir / "regulators" / "index.json").read_text())
    assert index["not_rendered"] == [{"jurisdiction": "US-CA", "residents": 3, "findings": 2,
                                      "reason": "no package was asked for (--packages none)"}], "the run's reason stays"
    assert index["render_command"] == f"workbench report {run_dir.resolve()} --packages US-CA"
    assert (run_dir / "regulators" / "US-NY" / "report.pdf").is_file()
    assert main(["verify", str(run_dir), "--no-inputs"]) == 0


def test_workbench_report_json_says_what_it_rendered(tmp_path, minimal_case, capsys):
    run_dir = _completed_run_with(tmp_path, minimal_case, "none")
    assert main(["report", str(run_dir), "--packages", "US-CA", "--workers", "1", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["packages"] == ["US-CA"] and doc["index"].endswith("regulators/index.json")
    assert any(f.startswith("regulators/US-CA/") for f in doc["added"])
