"""Done when: a synthetic case with letters -> the audit reports exactly the planted letter
defects, per template and jurisdiction, with their citations and the letter text that shows each."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbench.case import load_case
from workbench.irregularities.letter_content import CODES, FAILURES
from workbench.irregularities.stage import run_stage
from workbench.law import load_rulebook
from workbench.synth import generate_case, load_truth


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth_letters") / "case"
    generate_case(out, 3000, seed=2017)
    return out, run_stage(load_case(out / "case.yaml")), load_truth(out)


def test_every_letter_format_is_written_and_read(synth):
    out, result, _ = synth
    assert {p.suffix for p in (out / "data" / "letters").iterdir()} == {".txt", ".html", ".docx", ".pdf"}
    judged = set(result.tables["letter_content"].letter_file.dropna())
    assert {p.rsplit(".", 1)[-1] for p in judged} == {"txt", "html", "docx", "pdf"}


def test_exactly_the_planted_letter_defects_are_reported(synth):
    _, result, truth = synth
    planted = truth["letter_defects"]
    assert {(d["template"], d["jurisdiction"]) for d in planted} >= {
        ("EXCB-2017-US-MAIL-1", "US-CA"), ("EXCB-2017-US-MA-1", "US-MA"), ("EXCB-2017-US-EMAIL-1", "US-CA")}
    want = {}
    for d in planted:
        want.setdefault((d["template"], d["jurisdiction"], d["code"]), set()).add(d["requirement_id"])
    found = [f for f in result.by_check["letter_content"]]
    got = {(f.subject, f.jurisdiction, f.code): {r["id"] for r in f.evidence["requirements"]} for f in found}
    assert got == want
    assert len(found) == len(got)  # one finding per (template, jurisdiction, code)
    # and the judgement table holds no failure that is not a finding
    table = result.tables["letter_content"]
    fails = table[table.judgement.isin(FAILURES)]
    assert {(r.template, r.jurisdiction, r.requirement_id) for r in fails.itertuples()} == {
        (t, j, i) for (t, j, _), ids in want.items() for i in ids}


def test_each_finding_cites_the_law_and_quotes_the_letter(synth):
    _, result, truth = synth
    book = load_rulebook()
    by_key = {(d["template"], d["jurisdiction"], d["requirement_id"]): d for d in truth["letter_defects"]}
    for f in result.by_check["letter_content"]:
        assert f.category == "notice_letter" and f.severity == CODES[f.code][0]
        for r in f.evidence["requirements"]:
            d = by_key[(f.subject, f.jurisdiction, r["id"])]
            assert r["judgement"] == d["judgement"]
            assert d["text"] in r["evidence"], (r["evidence"], d["text"])
            rules = [*book.content_requirements(f.jurisdiction), *book.remediation_minimums(f.jurisdiction)]
            cited = {x.citation for x in rules if x.id == r["id"]}
            assert r["citation"] in cited and r["citation"] in f.citation


def test_finding_counts_are_the_residents_who_got_the_letter(synth):
    out, result, _ = synth
    people = pd.read_parquet(out / "data" / "affected_people.parquet").drop_duplicates("person_id")
    notices = pd.read_csv(out / "data" / "notices.csv", dtype=str)
    got = notices.merge(people, on="person_id")
    got = got[got.country == "US"].assign(jurisdiction=lambda x: "US-" + x.region)
    for f in result.by_check["letter_content"]:
        rows = got[(got.template_id == f.subject) & (got.jurisdiction == f.jurisdiction)]
        if f.code == "remediation_offer":  # only residents whose exposure triggers the minimum
            (rule,) = [m for m in load_rulebook().remediation_minimums(f.jurisdiction, dt.date(2017, 9, 8))]
            incident = "|".join(load_case(out / "case.yaml").incident.data_elements)
            exposed = rows.data_elements.fillna("").replace("", incident).str.split("|")
            rows = rows[[bool(rule.when_exposed & set(e)) for e in exposed]]
        assert f.count == rows.person_id.nunique(), (f.subject, f.jurisdiction)


def test_a_letter_is_named_as_the_case_names_it_not_by_this_machines_path(synth):
    _, result, _ = synth
    files = {f.evidence["letter_file"] for f in result.by_check["letter_content"]}
    assert files and all(not f.startswith("/") and f.startswith("letters/") for f in files), files
