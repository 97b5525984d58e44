"""Every check code has a basis; every finding a unit; findings are ranked by impact."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workbench import basis
from workbench.findings import Finding, Unit, impact, sort_findings, unit_for
from workbench.irregularities.letters import PROBLEMS
from workbench.irregularities.links import _CODES
from workbench.ownership import facts

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workbench"
TEMPLATE = PACKAGE / "templates" / "report"
DEMO_FINDINGS = next((r / "reports" / "EXCB-2017-SYNTH" / "latest" / "findings.json" for r in (ROOT, Path("/work/main"))
                      if (r / "reports" / "EXCB-2017-SYNTH" / "latest" / "findings.json").exists()), ROOT / "reports")

# A check code written literally where a Finding is made: code="x", or Finding("category", "x", ...).
_KW = re.compile(r'\bcode=("[^\n]*)')
_QUOTED = re.compile(r'"([a-z0-9_.]+)"')
_POSITIONAL = re.compile(r'Finding\(\s*"[a-z_]+",\s*"([a-z0-9_.]+)"')
_KIND = re.compile(r'f"\{kind\}(_notice_[a-z]+)"')


def emitted_codes() -> set[str]:
    """The check codes the package can emit, found in its source and code registries."""
    codes: set[str] = set()
    for py in PACKAGE.rglob("*.py"):
        text = py.read_text(encoding="utf-8")
        if "Finding(" not in text and "link_finding(" not in text:
            continue
        codes |= {q for rest in _KW.findall(text) for q in _QUOTED.findall(rest.split(", severity")[0])}
        codes |= set(_POSITIONAL.findall(text))
        codes |= {k + tail for tail in _KIND.findall(text) for k in ("regulator", "cra", "media")}
    codes |= set(PROBLEMS) | set(_CODES.values()) | {"letter_" + c for c in _CODES.values()}
    codes |= {c.code for fact in facts() for c in fact.checks()}
    codes |= {"dq.affected_people.email_format", "dq.notices.rows_rejected", "dq.notices.sent_at_valid.not_evaluated",
              "register_late_notice", "register_rows_rejected", "not_owed_notice", "elements_not_assessed"}
    return {c for c in codes if c}


def test_the_scan_finds_the_checks_it_should():
    """Guard against a scan that silently finds nothing."""
    found = emitted_codes()
    for code in ("late_notice", "regulator_notice_missing", "media_notice_late", "insider_sale_in_window",
                 "form4_filed_late", "award_in_crisis_window", "lookalike_link", "letter_lookalike_link",
                 "dq.population.person_without_notice", "jurisdiction_unknown"):
        assert code in found


@pytest.mark.parametrize("code", sorted(emitted_codes()))
def test_every_check_code_has_a_basis(code):
    category = next((c for c in ("data_quality",) if code.startswith("dq.") or code == "register_rows_rejected"), None)
    entry = basis.entry_for(category or "", code) if category else _entry_any_category(code)
    assert entry.ref.startswith("basis-") and entry.text


def _entry_any_category(code: str):
    for cat in ("notice_timeliness", "regulator_notice", "insider_trading", "lookalike_link", "notice_letter",
                "compensation"):
        try:
            e = basis.entry_for(cat, code)
        except KeyError:
            continue
        if code in e.codes or e.categories == () or cat in e.categories:
            return e
    raise AssertionError(f"no basis for {code}")


def test_an_unknown_code_of_an_unknown_category_has_no_basis():
    with pytest.raises(KeyError, match="no basis for check 'mystery'"):
        basis.entry_for("nowhere", "mystery")


def test_data_quality_basis_names_the_expectation_and_suite():
    f = Finding("data_quality", "dq.affected_people.email_format", "medium", "t", "d", subject="affected_people",
                count=3, evidence={"expectation": "expect_column_values_to_match_regex"})
    b = f.to_dict()["basis"]
    assert b["kind"] == "audit_standard" and b["ref"] == "basis-data-contract"
    assert "email_format" in b["text"] and "expectations/affected_people.json" in b["text"]
    assert "expect_column_values_to_match_regex" in b["text"]
    rejected = Finding("data_quality", "dq.notices.rows_rejected", "high", "t", "d", count=2).to_dict()["basis"]
    assert rejected["ref"] == "basis-data-contract-parse" and "every row of notices" in rejected["text"]


def test_a_statute_basis_is_the_citation_and_without_one_it_says_so():
    cited = Finding("notice_timeliness", "late_notice", "low", "t", "d", jurisdiction="US-FL", count=2,
                    citation="Fla. Stat. § 501.171").to_dict()["basis"]
    assert cited == {"kind": "statute", "text": "Fla. Stat. § 501.171", "ref": "basis-notice-law"}
    bare = Finding("notice_timeliness", "elements_not_assessed", "info", "t", "d", jurisdiction="CA-QC",
                   count=2).to_dict()["basis"]
    assert bare["kind"] == "rule" and "no citation recorded" in bare["text"]


@pytest.mark.parametrize("code", ["letter_content", "remediation_offer"])
def test_a_letter_content_finding_rests_on_the_statute_it_cites_not_the_reconciliation_rule(code):
    b = Finding("notice_letter", code, "medium", "t", "d", jurisdiction="US-CA", subject="T-1", count=3,
                citation="Cal. Civ. Code § 1798.82(d)(1)").to_dict()["basis"]
    assert b == {"kind": "statute", "text": "Cal. Civ. Code § 1798.82(d)(1)", "ref": "basis-letter-content"}
    other = Finding("notice_letter", "misspelled_name", "medium", "t", "d", count=3).to_dict()["basis"]
    assert other["ref"] == "basis-letters-reconciliation"


def test_compensation_basis_is_an_audit_standard_not_an_invented_rule():
    b = Finding("compensation", "award_in_crisis_window", "high", "t", "d", count=1).to_dict()["basis"]
    assert b["kind"] == "audit_standard" and "not unlawful in itself" in b["text"]


def test_the_method_section_partial_is_the_registry():
    """The template includes the generated list; it must match the registry (regenerate with
    workbench.basis.method_html())."""
    assert (TEMPLATE / "_method_basis.html.j2").read_text(encoding="utf-8") == basis.method_html()
    template = (TEMPLATE / "report.html.j2").read_text(encoding="utf-8")
    method = template[template.index('<section id="method">'):]
    assert '{% include "_method_basis.html.j2" %}' in method[:method.index("</section>")]
    for e in basis.entries():
        assert f'id="{e.ref}"' in basis.method_html()


def test_every_finding_counts_in_a_unit():
    assert Finding("data_quality", "dq.x.y", "low", "t", "d", count=3).unit == "rows"
    assert Finding("lookalike_link", "lookalike_link", "low", "t", "d", count=3).unit == "messages"
    assert Finding("data_quality", "dq.population.notice_unknown_person", "low", "t", "d").unit == "notices"
    assert Finding("notice_letter", "misspelled_name", "low", "t", "d", unit=Unit.PEOPLE).unit == "people"
    with pytest.raises(ValueError, match="unknown unit 'apples'"):
        Finding("notice_letter", "misspelled_name", "low", "t", "d", unit="apples")


def test_an_old_findings_json_without_a_unit_is_read_with_the_unit_its_check_counts():
    old = {"category": "data_quality", "severity": "medium", "title": "t", "detail": "d", "count": 1,
           "evidence": {"check": "dq.notices.n_rows", "count_unit": "aggregate value"}}
    assert Finding.from_dict(old).unit == "values"
    old = {**old, "category": "insider_trading", "evidence": {"check": "insider_sale_in_window"}}
    assert Finding.from_dict(old).unit == "transactions"
    assert unit_for("someone_elses", "x") == Unit.UNSPECIFIED
    new = Finding("compensation", "award_in_crisis_window", "high", "t", "d", count=2, unit=Unit.AWARDS)
    assert Finding.from_dict(new.to_dict()) == new


@pytest.mark.skipif(not DEMO_FINDINGS.exists(), reason="the demo run is not in this checkout")
def test_the_demo_findings_read_back_each_with_a_unit_and_a_basis():
    """The committed demo run predates units: every finding reads back with one, and a basis."""
    for row in json.loads(DEMO_FINDINGS.read_text(encoding="utf-8"))["findings"]:
        f = Finding.from_dict(row)
        assert f.unit != Unit.UNSPECIFIED, row["title"]
        b = f.to_dict()["basis"]
        assert b["text"] and b["ref"].startswith("basis-"), row["title"]


def _f(severity, count, unit=Unit.PEOPLE, **ev):
    return Finding("notice_timeliness", "late_notice", severity, "t", "d", jurisdiction=f"J{count}{len(ev)}",
                   count=count, unit=unit, evidence=ev)


def test_findings_are_ranked_by_severity_then_people_then_days():
    few_late = _f("medium", 10, days_late_median=300)
    many = _f("medium", 500, days_late_median=5)
    many_later = _f("medium", 500, days_late_median=50)
    rows = Finding("data_quality", "dq.a.b", "medium", "t", "d", count=10_000, unit=Unit.ROWS)
    high = _f("high", 1)
    ranked = sort_findings([few_late, rows, many, high, many_later])
    assert ranked == [high, many_later, many, few_late, rows]
    assert impact(many_later) == (500, 50, 0) and impact(rows) == (0, 0, 10_000)
