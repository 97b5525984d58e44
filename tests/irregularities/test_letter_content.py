"""Letters judged by their content and their offer: each rule at its edge, each format read,
not assessed without the input."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import MINIMAL_CASE, edit_case
from workbench.errors import CaseError, InputError
from workbench.irregularities.letter_content import (
    judge, judge_offer, letter_content, normalise, parse_offer, sentences,
)
from workbench.law import load_rulebook
from workbench.letter_files import read_letter, read_letters

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "irregularities" / "letter_content"
SENT_2017 = dt.date(2017, 9, 8)


@pytest.fixture(scope="module")
def book():
    return load_rulebook()


def _letter(name: str) -> dict:
    return read_letter(FIXTURES / name).row()


def _requirement(book, code: str, ident: str, on: dt.date = SENT_2017):
    (req,) = [r for r in book.content_requirements(code, on) if r.id == ident]
    return req


def _minimum(book, code: str, on: dt.date, ident: str | None = None):
    mins = [m for m in book.remediation_minimums(code, on) if ident is None or m.id == ident]
    assert len(mins) == 1, mins
    return mins[0]


# ---------------------------------------------------------------- the law data

def test_the_briefs_rules_are_in_the_law_data_with_citations(book):
    ca = {r.id: r for r in book.content_requirements("US-CA", SENT_2017)}
    assert {"title", "heading_what_happened", "heading_what_information", "heading_what_we_are_doing",
            "heading_what_you_can_do", "heading_for_more_information", "type_size", "bureau_contacts"} <= set(ca)
    assert ca["type_size"].min_points == 10 and ca["bureau_contacts"].when_exposed == {"ssn", "drivers_license", "state_id"}
    ma = {r.id: r.kind for r in book.content_requirements("US-MA", dt.date(2020, 1, 1))}
    assert ma == {"police_report": "statement", "security_freeze": "statement", "freeze_no_charge": "statement",
                  "no_nature_of_breach": "forbidden", "no_number_of_residents": "forbidden"}
    months = {(m.code, m.id): m.months for c in ("US-CT", "US-MA", "US-DE", "US-PA")
              for m in book.remediation_minimums(c, dt.date(2025, 1, 1))}
    assert months == {("US-CT", "identity_theft_prevention"): 24, ("US-MA", "credit_monitoring"): 18,
                      ("US-MA", "credit_monitoring_cra"): 42, ("US-DE", "credit_monitoring"): 12,
                      ("US-PA", "credit_monitoring"): 12}
    for r in [*book.content_requirements("US-CA"), *book.content_requirements("US-MA"),
              *(m for c in ("US-CA", "US-CT", "US-MA", "US-DE", "US-PA") for m in book.remediation_minimums(c))]:
        assert r.citation and r.source and r.confidence in ("high", "medium", "low")


def test_california_headings_start_in_2016(book):
    assert not [r for r in book.content_requirements("US-CA", dt.date(2015, 12, 31)) if r.kind == "heading"]
    assert len([r for r in book.content_requirements("US-CA", dt.date(2016, 1, 1)) if r.kind == "heading"]) == 5


def test_a_requirement_without_citation_is_refused_with_its_line(tmp_path):
    from workbench.law.loader import load_all

    src = Path(__file__).resolve().parents[2] / "workbench" / "law" / "data"
    for f in src.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "letter_content.yaml").write_text(
        "letter_content:\n  - code: US-CA\n    id: x\n    kind: heading\n    requirement: r\n    text: T\n"
        "    source: s\n    confidence: high\n    since: 2016-01-01\n", encoding="utf-8")
    with pytest.raises(Exception) as err:
        load_all(tmp_path)
    assert "letter_content.yaml" in str(err.value) and "'citation' is required" in str(err.value)


def test_law_show_prints_content_and_remediation(capsys):
    from workbench.cli import main

    assert main(["law", "show", "US-CT", "--on", "2019-01-01"]) == 0
    out = capsys.readouterr().out
    assert "24 months of identity theft prevention" in out and "Conn. Gen. Stat. § 36a-701b" in out
    assert main(["law", "show", "US-CA", "--on", "2017-01-01"]) == 0
    out = capsys.readouterr().out
    assert 'heading "What We Are Doing."' in out and "§ 1798.82(d)(1)" in out


# ---------------------------------------------------------------- matching

def test_normalise_folds_case_punctuation_and_accents():
    assert normalise("  WHAT we Are  doing. ") == normalise("What We Are Doing.") == "what we are doing"
    assert normalise("Résumé—Fees") == "resume fees"


def test_sentences_do_not_split_after_po_box():
    assert sentences(["Equifax, P.O. Box 1, Atlanta. Experian, Allen."]) == ["Equifax, P.O. Box 1, Atlanta.",
                                                                              "Experian, Allen."]


@pytest.mark.parametrize("fixture, ident, judgement", [
    ("ca_letter_complete.txt", "heading_what_we_are_doing", "met"),
    ("ca_letter_without_what_we_are_doing.txt", "heading_what_we_are_doing", "missing"),
    ("ca_letter_heading_typo_in_capitals.txt", "heading_what_happened", "met"),  # fuzzy, case folded
    ("ca_letter_complete.txt", "title", "met"),
    ("ma_letter_complete.txt", "title", "missing"),
    ("ca_letter_complete.txt", "bureau_contacts", "met"),
    ("ca_letter_without_experian.txt", "bureau_contacts", "missing"),
    ("ca_letter_complete.txt", "type_size", "not_determinable"),  # plain text records no size
    ("ca_letter_small_type.html", "type_size", "violated"),
])
def test_california_content_rules_at_their_edge(book, fixture, ident, judgement):
    j = judge(_requirement(book, "US-CA", ident), _letter(fixture))
    assert j.judgement == judgement, j.evidence


def test_a_missing_heading_names_what_was_looked_for(book):
    j = judge(_requirement(book, "US-CA", "heading_what_we_are_doing"), _letter("ca_letter_without_what_we_are_doing.txt"))
    assert "'What We Are Doing.'" in j.evidence


@pytest.mark.parametrize("fixture, ident, judgement, quoted", [
    ("ma_letter_complete.txt", "police_report", "met", "right to obtain a police report"),
    ("ma_letter_without_police_report.txt", "police_report", "missing", None),
    ("ma_letter_complete.txt", "freeze_no_charge", "met", "security freeze on your credit file at no charge"),
    ("ma_letter_freeze_not_free.txt", "freeze_no_charge", "missing", None),
    ("ma_letter_complete.txt", "no_number_of_residents", "met", None),
    ("ma_letter_states_number_of_residents.txt", "no_number_of_residents", "violated", "1,200 Massachusetts residents"),
    ("ma_letter_complete.txt", "no_nature_of_breach", "met", None),
    ("ma_letter_states_nature_of_breach.txt", "no_nature_of_breach", "violated", "Hackers gained unauthorized access"),
])
def test_massachusetts_content_rules_at_their_edge(book, fixture, ident, judgement, quoted):
    j = judge(_requirement(book, "US-MA", ident, dt.date(2020, 1, 1)), _letter(fixture))
    assert j.judgement == judgement, j.evidence
    if quoted:
        assert quoted in j.evidence


# ---------------------------------------------------------------- the offer

@pytest.mark.parametrize("text, months, free", [
    ("We offer 24 months of free credit monitoring.", 24, True),
    ("Enroll in twenty-four (24) months of identity theft protection at no cost to you.", 24, True),
    ("We are offering two years of complimentary credit monitoring.", 24, True),
    ("Credit monitoring is available for 12 months for $9.95 a month.", 12, False),
    ("Please review your statements.", None, False),
])
def test_parse_offer(text, months, free):
    offer = parse_offer(text)
    assert offer.months == months
    assert (offer.free and not offer.paid) == free


def test_offer_enrolment_date_is_read():
    assert parse_offer(_letter("ca_letter_complete.txt")["text"]).enrol_by == "December 31, 2017"


@pytest.mark.parametrize("code, on, offered, judgement", [
    ("US-CT", dt.date(2019, 1, 1), 23, "short"), ("US-CT", dt.date(2019, 1, 1), 24, "met"),
    ("US-CT", dt.date(2017, 1, 1), 12, "met"), ("US-CT", dt.date(2017, 1, 1), 11, "short"),
    ("US-MA", dt.date(2020, 1, 1), 17, "short"), ("US-MA", dt.date(2020, 1, 1), 18, "met"),
    ("US-DE", dt.date(2019, 1, 1), 11, "short"), ("US-DE", dt.date(2019, 1, 1), 12, "met"),
    ("US-PA", dt.date(2024, 9, 26), 11, "short"), ("US-PA", dt.date(2024, 9, 26), 12, "met"),
    ("US-CA", dt.date(2017, 1, 1), 11, "short"), ("US-CA", dt.date(2017, 1, 1), 12, "met"),
])
def test_remediation_minimums_at_their_edge(book, code, on, offered, judgement):
    minimum = _minimum(book, code, on, "credit_monitoring" if code in ("US-MA",) else None)
    j = judge_offer(minimum, parse_offer(f"We offer {offered} months of free credit monitoring."))
    assert j.judgement == judgement, j.evidence


def test_remediation_minimums_start_on_their_effective_date(book):
    assert not book.remediation_minimums("US-PA", dt.date(2024, 9, 25))
    assert not book.remediation_minimums("US-DE", dt.date(2018, 4, 13))
    assert not book.remediation_minimums("US-MA", dt.date(2019, 4, 10))


def test_a_paid_offer_is_not_free(book):
    j = judge_offer(_minimum(book, "US-CT", dt.date(2019, 1, 1)),
                    parse_offer("Credit monitoring for 24 months is available for $9.95 a month."))
    assert j.judgement == "not_free"


# ---------------------------------------------------------------- the check on tables

def _recipients(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["template_id", "jurisdiction", "sent_on", "data_elements", "people"])


def test_one_finding_per_template_and_jurisdiction_with_failures(book):
    letters = pd.DataFrame([{**_letter("ca_letter_without_what_we_are_doing.txt"), "template_id": "T-US"},
                            {**_letter("ma_letter_states_number_of_residents.txt"), "template_id": "T-MA"}])
    found, table = letter_content(letters, _recipients(
        ("T-US", "US-CA", SENT_2017, "name|ssn", 3), ("T-US", "US-TX", SENT_2017, "name|ssn", 2),
        ("T-MA", "US-MA", SENT_2017, "name|ssn", 4)), book)
    got = {(f.subject, f.jurisdiction, f.code, f.count) for f in found}
    assert got == {("T-US", "US-CA", "letter_content", 3), ("T-MA", "US-MA", "letter_content", 4)}
    ca = next(f for f in found if f.jurisdiction == "US-CA")
    assert [r["id"] for r in ca.evidence["requirements"]] == ["heading_what_we_are_doing"]
    assert ca.citation == "Cal. Civ. Code § 1798.82(d)(1)" and ca.category == "notice_letter"
    tx = table[table.jurisdiction == "US-TX"]
    assert tx.judgement.tolist() == ["not_assessed"] and "records no letter-content" in tx.evidence.iloc[0]
    assert set(table.columns) >= {"template", "jurisdiction", "requirement", "citation", "judgement", "evidence"}


def test_a_rule_on_exposed_elements_is_skipped_when_they_were_not_exposed(book):
    letters = pd.DataFrame([{**_letter("ca_letter_without_experian.txt"), "template_id": "T"}])
    _, table = letter_content(letters, _recipients(("T", "US-CA", SENT_2017, "name|email", 1)), book)
    assert "bureau_contacts" not in set(table.requirement_id)
    _, table = letter_content(letters, _recipients(("T", "US-CA", SENT_2017, "name|drivers_license", 1)), book)
    assert table.set_index("requirement_id").loc["bureau_contacts", "judgement"] == "missing"


def test_template_without_a_letter_and_letter_without_notices_are_not_assessed(book):
    letters = pd.DataFrame([{**_letter("ca_letter_complete.txt"), "template_id": "UNUSED"}])
    found, table = letter_content(letters, _recipients(("T-NONE", "US-CA", SENT_2017, "", 1)), book,
                                  incident_elements=["name", "ssn"])
    assert not found
    assert dict(zip(table.template, table.evidence)) == {
        "UNUSED": "no notice uses this letter", "T-NONE": "no letter file for this template in the letters input"}


# ---------------------------------------------------------------- formats

def test_each_format_is_read(tmp_path):
    import docx
    from weasyprint import HTML

    d = docx.Document()
    d.add_heading("Notice of Data Breach", level=0)
    d.add_paragraph("What Happened?")
    d.add_paragraph("We offer 24 months of free credit monitoring.")
    d.save(str(tmp_path / "T-DOCX.docx"))
    html = (FIXTURES / "ca_letter_small_type.html").read_text(encoding="utf-8")
    HTML(string=html).write_pdf(str(tmp_path / "T-PDF.pdf"))
    shutil.copy(FIXTURES / "ca_letter_small_type.html", tmp_path / "T-HTML.html")
    shutil.copy(FIXTURES / "ca_letter_complete.txt", tmp_path / "T-TXT.txt")
    letters = {x.template_id: x for x in read_letters(tmp_path)}
    assert {k: v.format for k, v in letters.items()} == {"T-DOCX": "docx", "T-PDF": "pdf", "T-HTML": "html", "T-TXT": "txt"}
    for x in letters.values():
        assert "Notice of Data Breach" in x.lines
    assert "What Happened?" in letters["T-DOCX"].lines and letters["T-TXT"].min_points is None
    assert letters["T-HTML"].min_points == 8 and letters["T-PDF"].min_points == pytest.approx(8, abs=0.5)


@pytest.mark.parametrize("fixture, says", [
    ("broken_letter.pdf", "not a readable PDF"), ("broken_letter.docx", "not a readable DOCX"),
    ("letter_in_latin1.txt", "not UTF-8"),
])
def test_an_unreadable_letter_names_the_file(fixture, says):
    with pytest.raises(InputError) as err:
        read_letter(FIXTURES / fixture)
    assert fixture in str(err.value) and says in str(err.value)


def test_two_files_of_one_template_are_refused(tmp_path):
    shutil.copy(FIXTURES / "ca_letter_complete.txt", tmp_path / "T.txt")
    shutil.copy(FIXTURES / "ca_letter_small_type.html", tmp_path / "T.html")
    with pytest.raises(InputError, match="one file per template"):
        read_letters(tmp_path)


# ---------------------------------------------------------------- as an input of a case

def _case_with_letters(tmp_path, *files: str) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, folder)
    (folder / "data" / "letters").mkdir()
    for name in files:
        shutil.copy(FIXTURES / name, folder / "data" / "letters" / name.replace("ca_letter_without_what_we_are_doing", "T1"))
    return edit_case(folder / "case.yaml", **{"inputs.letters": "data/letters/"})


def test_not_assessed_without_the_letters_input():
    from workbench.case import load_case
    from workbench.irregularities.stage import run_stage

    result = run_stage(load_case(MINIMAL_CASE / "case.yaml"))
    state = result.assessed["letter_content"]
    assert not state.is_assessed and "letters" in state.reason
    assert result.view("letter_content").columns.tolist() == ["not assessed"]


def test_letters_read_at_intake_and_judged_from_the_store(tmp_path):
    from workbench.irregularities.stage import run_stage
    from workbench.preflight import check_case

    case = check_case(_case_with_letters(tmp_path, "ca_letter_without_what_we_are_doing.txt"))
    result = run_stage(case)
    assert result.assessed["letter_content"].is_assessed
    (f,) = result.by_check["letter_content"]
    assert (f.subject, f.jurisdiction, f.code, f.count) == ("T1", "US-CA", "letter_content", 1)  # P1 in Sacramento


def test_case_check_names_an_unreadable_letter(tmp_path):
    from workbench.preflight import check_case

    with pytest.raises(CaseError) as err:
        check_case(_case_with_letters(tmp_path, "broken_letter.pdf"))
    assert "broken_letter.pdf" in str(err.value) and "not a readable PDF" in str(err.value)
