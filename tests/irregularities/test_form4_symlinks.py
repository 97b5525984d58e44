"""A Form 4 folder never follows a symbolic link out of itself: reading gives a named
reject, hashing records the link, and what the link points at is never read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import MINIMAL_CASE
from workbench.case import load_case
from workbench.folders import EntryKind, walk
from workbench.form4 import read_form4
from workbench.sources import file_sha256, input_hashes, read_input

FORM4 = Path(__file__).resolve().parents[1] / "fixtures" / "irregularities" / "form4"


@pytest.fixture
def case_with_links_out(tmp_path) -> Path:
    """The minimal case with a Form 4 folder holding one filing, a link to a filing outside
    the case folder, a link to a folder of filings outside it, and a dangling link."""
    outside = tmp_path / "outside"
    (outside / "more").mkdir(parents=True)
    shutil.copy(FORM4 / "form4_exercise_and_sale.xml", outside / "secret.xml")
    shutil.copy(FORM4 / "form4_purchase_in_window.xml", outside / "more" / "another.xml")
    case = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, case)
    folder = case / "data" / "form4"
    folder.mkdir()
    shutil.copy(FORM4 / "form4_plain_sale.xml", folder / "form4_plain_sale.xml")
    os.symlink(outside / "secret.xml", folder / "evil.xml")
    os.symlink(outside / "more", folder / "more")
    os.symlink(folder / "gone.xml", folder / "dangling.xml")
    os.symlink("form4_plain_sale.xml", folder / "same_inside.xml")  # inside: allowed
    doc = yaml.safe_load((case / "case.yaml").read_text())
    doc["inputs"]["insider_trades"] = "data/form4"
    (case / "case.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return case / "case.yaml"


def test_walk_classifies_links(case_with_links_out):
    folder = case_with_links_out.parent / "data" / "form4"
    kinds = {e.rel: e.kind for e in walk(folder)}
    assert kinds == {"dangling.xml": EntryKind.LINK_BROKEN, "evil.xml": EntryKind.LINK_OUTSIDE,
                     "form4_plain_sale.xml": EntryKind.FILE, "more": EntryKind.LINK_OUTSIDE,
                     "same_inside.xml": EntryKind.FILE}


def test_read_form4_rejects_links_out_of_the_folder_and_names_them(case_with_links_out):
    folder = case_with_links_out.parent / "data" / "form4"
    frame, errors = read_form4(folder)
    assert set(frame["file"].map(lambda f: Path(f).name)) == {"form4_plain_sale.xml", "same_inside.xml"}
    assert not (frame["transaction_code"] == "M").any(), "the filing outside the folder was read"
    assert not (frame["transaction_code"] == "P").any(), "the folder outside was descended"
    by_name = {Path(e.file).name: str(e) for e in errors}
    assert set(by_name) == {"evil.xml", "more", "dangling.xml"}
    assert "outside the folder" in by_name["evil.xml"] and str(Path(case_with_links_out).parent.parent / "outside") in by_name["evil.xml"]
    assert "outside the folder" in by_name["more"]
    assert "does not exist" in by_name["dangling.xml"]


def test_a_case_reading_the_folder_gets_the_links_as_rejects(case_with_links_out):
    result = read_input(load_case(case_with_links_out), "insider_trades")
    rejected = {Path(f).name for f in result.rejects["file"]}
    assert {"evil.xml", "more", "dangling.xml"} <= rejected
    assert result.stats.reconciles


def test_folder_hash_never_reads_through_a_link_out(case_with_links_out, tmp_path):
    folder = case_with_links_out.parent / "data" / "form4"
    before = file_sha256(folder)
    (tmp_path / "outside" / "secret.xml").write_text("changed outside the case")
    (tmp_path / "outside" / "more" / "another.xml").unlink()
    assert file_sha256(folder) == before, "content outside the folder is not part of its hash"
    os.unlink(folder / "evil.xml")
    os.symlink(tmp_path / "outside" / "more" / "another.xml", folder / "evil.xml")
    assert file_sha256(folder) != before, "where a link points is part of the hash"
    hashes = input_hashes(load_case(case_with_links_out))
    assert hashes["insider_trades"]["sha256"] == file_sha256(folder)
