"""The suites in expectations/ are reviewed data: they load, name only contract columns,
carry severity and rationale, take case values as parameters, and bad files fail clearly."""

from __future__ import annotations

import json

import pytest

from workbench import quality
from workbench.case import INPUT_NAMES
from workbench.findings import SEVERITIES
from workbench.sources import SCHEMAS

from .conftest import FIXTURES


@pytest.mark.parametrize("name", INPUT_NAMES)
def test_suite_loads_and_names_only_contract_columns(name):
    spec = quality.load_suite_spec(name)
    allowed = set(SCHEMAS[name].names)
    assert spec.expectations, f"{name}: empty suite"
    unknown = spec.columns - allowed
    assert not unknown, f"{name}.json refers to columns outside the data contract: {sorted(unknown)}"
    for e in spec.expectations:
        assert e.severity in SEVERITIES and e.rationale.strip()


@pytest.mark.parametrize("name", INPUT_NAMES)
def test_gx_accepts_every_suite_and_every_parameter_is_supplied(name, planted_case):
    spec = quality.load_suite_spec(name)
    suite = quality.build_gx_suite(spec)
    assert len(suite.expectations) == len(spec.expectations)
    assert [e.meta["check"] for e in suite.expectations] == [e.check for e in spec.expectations]
    params = quality.suite_parameters(planted_case)
    for e in spec.expectations:
        assert set(e.parameters) <= set(params), f"{name}.{e.check}: parameter not supplied"


def test_case_values_reach_suites_as_parameters_not_literals():
    """No suite hard-codes the incident's dates or data elements."""
    text = " ".join(p.read_text() for p in quality.expectations_dir().glob("*.json"))
    for literal in ("2017-07-29", "2018-03-01", "ssn|"):
        assert literal not in text
    people = json.loads((quality.expectations_dir() / "affected_people.json").read_text())
    kwargs = {e["meta"]["check"]: e["kwargs"] for e in people["expectations"]}
    assert kwargs["us_region_valid"]["value_set"] == {"$PARAMETER": "us_region_codes"}
    assert kwargs["data_elements_subset"]["regex"] == {"$PARAMETER": "data_elements_regex"}


def test_suite_parameters_follow_the_case_and_its_timezone(planted_case):
    p = quality.suite_parameters(planted_case)
    # 29 July 2017 starts at 04:00 UTC in New York (EDT); the audit day 1 March 2018 ends at 05:00 UTC (EST)
    assert p["discovered_start_utc"] == "2017-07-29T04:00:00+00:00"
    assert p["as_of_end_utc"] == "2018-03-02T05:00:00+00:00"
    assert p["data_elements"] == ["address", "email", "name", "ssn"]
    assert len(p["us_region_codes"]) == 54 and "PR" in p["us_region_codes"]
    import re
    rx = re.compile(p["data_elements_regex"])
    assert rx.match("name|ssn") and rx.match("email") and not rx.match("name|passport") and not rx.match("name|")


def test_only_quality_gx_imports_great_expectations():
    from workbench.paths import PACKAGE_DIR

    importers = [p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("*.py")
                 if "import great_expectations" in p.read_text() or "from great_expectations" in p.read_text()]
    assert importers == ["quality/gx.py"]


@pytest.mark.parametrize("scenario, needle", [
    ("not_json", "not valid JSON"),
    ("missing_severity", "meta.severity"),
    ("unknown_type", "not a row-level expectation"),
    ("bad_kwargs", "Great Expectations rejects the suite"),
])
def test_malformed_suite_fails_with_its_file_name(scenario, needle):
    folder = FIXTURES / "malformed_suites" / scenario
    with pytest.raises(quality.SuiteError) as err:
        spec = quality.load_suite_spec("share_prices", folder)
        quality.build_gx_suite(spec)
    assert str(folder / "share_prices.json") in str(err.value)
    assert needle in str(err.value)


def test_gx_rejects_an_unknown_expectation_type_with_the_file_name(tmp_path):
    """A type that passes our shape check but that GX does not know (scope population is
    not allowed for it either) still fails naming the file."""
    doc = json.loads((FIXTURES / "malformed_suites" / "unknown_type" / "share_prices.json").read_text())
    doc["expectations"][0]["type"] = "expect_column_values_to_be_null"
    doc["expectations"][0]["kwargs"]["mostly"] = "lots"
    (tmp_path / "share_prices.json").write_text(json.dumps(doc))
    spec = quality.load_suite_spec("share_prices", tmp_path)
    with pytest.raises(quality.SuiteError, match="share_prices.json: Great Expectations rejects"):
        quality.build_gx_suite(spec)


def test_mask_text_keeps_the_shape_not_the_person():
    assert quality.mask_text("dan.duke@@example.com") == "d**.d***@@e******.c**"
    assert quality.mask_text("Chloé Dupont") == "C**** D*****"
    assert quality.mask_text(None) is None
    ex = quality.mask_example({"person_id": "P04", "email": "a@b.co", "region": "CA"})
    assert ex == {"person_id": "P04", "email": "a@b.c*", "region": "CA"}  # ids and regions stay
    assert quality.mask_example({"full_name": "Ann Able"})["full_name"] == "A** A***"


def test_validate_frame_is_a_pure_check_on_a_frame(planted_case):
    import pandas as pd

    spec = quality.load_suite_spec("share_prices")
    frame = pd.DataFrame({"date": pd.to_datetime(["2017-09-07", "2017-09-07", "2017-09-08"]).astype("datetime64[us]"),
                          "close": pd.array([142.7, 123.2, -1.0], dtype="Float64")})
    before = frame.copy()
    outcomes = {o.check: o for o in quality.validate_frame(frame, spec, quality.suite_parameters(planted_case))}
    assert (outcomes["date_unique"].unexpected_count, outcomes["close_positive"].unexpected_count) == (2, 1)
    assert [x["source_row"] for x in outcomes["close_positive"].examples] == [3]
    pd.testing.assert_frame_equal(frame, before)  # input not mutated


def test_gx_severity_is_set_from_meta_severity_by_the_mapping_table(tmp_path):
    """GX 1.x's own field is set for every expectation (GX's default would make each one
    critical); the workbench's finer level stays in meta and on the findings."""
    assert quality.GX_SEVERITY == {"critical": "critical", "high": "warning", "medium": "warning",
                                   "low": "info", "info": "info"}
    exps = [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "price"},
             "meta": {"check": f"price_present_{level}", "severity": level, "rationale": level}}
            for level in SEVERITIES]
    (tmp_path / "share_prices.json").write_text(json.dumps({"name": "share_prices", "meta": {"evidence_keys": ["date"]},
                                                            "expectations": exps}))
    suite = quality.build_gx_suite(quality.load_suite_spec("share_prices", tmp_path))
    assert [(e.meta["severity"], e.severity.value) for e in suite.expectations] == [
        ("critical", "critical"), ("high", "warning"), ("medium", "warning"), ("low", "info"), ("info", "info")]


def test_the_shipped_suites_are_not_all_critical_to_gx():
    levels = {quality.build_gx_suite(quality.load_suite_spec(n)).expectations[i].severity.value
              for n in INPUT_NAMES for i in range(len(quality.load_suite_spec(n).expectations))}
    assert levels == {"critical", "warning", "info"}


def test_a_gx_severity_that_contradicts_meta_fails_naming_the_file(tmp_path):
    doc = {"name": "share_prices", "meta": {"evidence_keys": ["date"]}, "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "price"}, "severity": "critical",
         "meta": {"check": "price_present", "severity": "low", "rationale": "A day without a price."}}]}
    (tmp_path / "share_prices.json").write_text(json.dumps(doc))
    with pytest.raises(quality.SuiteError, match=r"share_prices.json: .*GX severity 'critical' contradicts"):
        quality.load_suite_spec("share_prices", tmp_path)
