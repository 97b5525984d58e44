"""Masking personal data for regulator packages: names -> initials, e-mails -> a***@domain, ids kept."""

from __future__ import annotations

import pytest

from workbench.findings import Finding
from workbench.masking import MASK, mask_email, mask_emails_in_text, mask_finding, mask_name, masked_dict


@pytest.mark.parametrize("name, masked", [
    ("Jane Q. Public", "J. Q. P."), ("  nora   york ", "N. Y."), ("Roe, Richard", "R. R."),
    ("<script>alert(1)</script>", MASK), ("", ""), ("Émile Zola", "É. Z."),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("email, masked", [
    ("jane.roe@mail.example", "j***@mail.example"), ("x@y.org", "x***@y.org"),
    ("not an address", MASK), ("", ""),
])
def test_mask_email(email, masked):
    assert mask_email(email) == masked


def test_emails_inside_text_are_masked_and_other_text_kept():
    assert mask_emails_in_text("wrote to nora.york@mail.example and a@b.co on 2017-09-08") == \
        "wrote to n***@mail.example and a***@b.co on 2017-09-08"


def test_mask_finding_keeps_ids_and_masks_names_everywhere():
    f = Finding("compensation", "award_in_crisis_window", "critical", "Richard Roe sold shares",
                "Richard Roe (CFO) sold; contact richard@corp.example", subject="Richard Roe",
                evidence={"insider_name": "Richard Roe", "shares": 6500, "address": "1 Main St",
                          "rows": [{"full_name": "Jane Roe", "person_id": "P-1"}]})
    m = mask_finding(f)
    text = repr(m)
    assert "Richard" not in text and "1 Main St" not in text and "richard@" not in text and "Jane" not in text
    assert m.subject == "R. R." and m.title == "R. R. sold shares"
    assert m.evidence["shares"] == 6500 and m.evidence["rows"][0]["person_id"] == "P-1"
    assert m.evidence["address"] == MASK
    assert masked_dict(f)["id"] == f.id, "a masked finding keeps the id of the original"
    assert f.subject == "Richard Roe", "the original is not modified"


def test_person_id_subjects_are_kept():
    f = Finding("notice_timeliness", "late", "high", "Late notice", "late", jurisdiction="US-CA", subject="P-CA-001")
    assert mask_finding(f).subject == "P-CA-001" and mask_finding(f).id == f.id


def test_insider_findings_are_public_records_and_stay_as_filed():
    # Form 4 filings are public on EDGAR: masking the filer's name while its accession number
    # stays visible protects no one and makes the package harder to check
    f = Finding("insider_trading", "insider_sale_in_window", "high", "Insider sale between discovery and disclosure",
                "Richard Roe (CFO) sold 6,500 shares", subject="Richard Roe",
                evidence={"insider_title": "CFO", "sales": [{"document": "0000950103-17-001201"}]})
    assert mask_finding(f) == f and masked_dict(f) == f.to_dict() | {"id": f.id}
