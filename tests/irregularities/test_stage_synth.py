"""100 % recall and precision of the irregularities stage on a generated case's planted defects."""

import re

import pytest
import yaml

from workbench.case import load_case
from workbench.irregularities.letter_content import CODES as CONTENT_CODES
from workbench.irregularities.stage import CHECKS, run_stage
from workbench.synth import generate_case, load_truth

#: truth.json kinds this stage must find (positives) or must not flag (negative controls).
POSITIVE = {"insider_sale_in_window", "insider_sale_in_window_10b5_1", "lookalike_link", "duplicate_notice",
            "notice_to_unaffected", "fewer_data_elements", "misspelled_name", "notice_before_determination",
            "letter_lookalike_link", "missing_notice", "award_in_crisis_window"}
CONTROLS = {"control_sale_outside_window", "control_purchase_in_window", "control_award_outside_window",
            "control_name_case_accent", "control_official_subdomain_link", "control_government_link"}


def _name(s: str) -> str:
    """'Castellano Morgan L' and 'Morgan L. Castellano' compare equal."""
    return " ".join(sorted(re.sub(r"[^a-z ]", "", s.lower()).split()))


def flagged_ids(findings) -> dict[str, set[str]]:
    """The ids each finding code flags, in truth.json's id forms (non-info findings only)."""
    out: dict[str, set[str]] = {}
    for f in findings:
        if f.severity == "info" or f.code in CONTENT_CODES:  # judged per letter: test_letter_content_done_when.py
            continue
        ids = out.setdefault(f.code, set())
        ev = f.evidence
        if f.category == "insider_trading":
            ids |= {f"{_name(f.subject)}|{s['date']}" for s in ev["sales"]}
        elif f.category == "compensation":
            ids |= {f"{_name(f.subject)}|{a['date']}|{a['kind']}" for a in ev["awards"]}
        elif f.category == "lookalike_link":
            ids |= set(ev["message_ids"])
        elif f.code in ("missing_notice", "duplicate_notice"):
            ids |= set(ev["example_person_ids"])
        else:
            ids |= set(ev["example_notice_ids"])
        assert len(ids) <= 20 or f.count > 20, "examples are capped"
    return out


def planted_ids(defect) -> set[str]:
    if defect["input"] in ("insider_trades", "compensation"):
        return {"|".join([_name(i.split("|")[0]), *i.split("|")[1:]]) for i in defect["ids"]}
    if defect["input"] == "notices" and defect["kind"] not in ("missing_notice", "duplicate_notice"):
        return set(defect["notice_ids"])
    return set(defect["ids"])


@pytest.fixture(scope="module")
def synth_case(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "case"
    generate_case(out, 300, seed=2017)
    return out


@pytest.mark.parametrize("trades_input", ["data/form4/", "data/insider_trades.csv"])
def test_recall_and_precision_on_planted_irregularities(synth_case, trades_input):
    case_yaml = synth_case / "case.yaml"
    data = yaml.safe_load(case_yaml.read_text())
    data["inputs"]["insider_trades"] = trades_input
    variant = synth_case / f"case_{'xml' if trades_input.endswith('/') else 'csv'}.yaml"
    variant.write_text(yaml.safe_dump(data))
    result = run_stage(load_case(variant))
    assert set(result.assessed) == set(CHECKS) and all(v.is_assessed for v in result.assessed.values())

    truth = load_truth(synth_case)["defects"]
    expected: dict[str, set[str]] = {}
    controls: set[str] = set()
    for d in truth:
        if d["kind"] in POSITIVE:
            expected.setdefault(d["kind"], set()).update(planted_ids(d))
        elif d["kind"] == "not_owed_notice":  # no notice row: the letters check sees a person without one
            expected.setdefault("missing_notice", set()).update(d["ids"])
        elif d["kind"] in CONTROLS:
            controls |= planted_ids(d) if d["input"] != "notices" else set(d["notice_ids"])
    assert set(expected) == POSITIVE, "the generator plants every kind this stage checks"

    got = flagged_ids(result.findings)
    assert got == expected                                     # recall and precision, per kind
    assert not controls & set().union(*got.values())           # no negative control flagged
    # grouped: one finding per letter problem kind, never one per person
    letter_codes = [f.code for f in result.by_check["notice_letters"]]
    assert len(letter_codes) == len(set(letter_codes))


def test_demo_case_reports_exactly_its_planted_irregularities(demo_case_yaml):
    result = run_stage(load_case(demo_case_yaml))
    truth = load_truth(demo_case_yaml.parent)["defects"]
    planted: dict[str, set[str]] = {}
    for d in truth:
        if d["kind"] in POSITIVE:
            planted.setdefault(d["kind"], set()).update(planted_ids(d))
        elif d["kind"] == "not_owed_notice":  # no notice row: the letters check sees a person without one
            planted.setdefault("missing_notice", set()).update(d["ids"])
    reported = {f.code: f for f in result.findings if f.severity != "info" and f.code not in CONTENT_CODES}
    assert set(reported) == set(planted)
    got = flagged_ids(result.findings)
    for code, ids in planted.items():
        f = reported[code]
        people_or_items = f.count if f.category == "notice_letter" else len(got[code])
        assert people_or_items == len(ids), code
        if len(ids) <= 20:                      # examples are capped at 20: compare ids where all are listed
            assert got[code] == ids, code
