import csv

import pandas as pd
import pytest

from workbench.irregularities.links import (check_urls, extract_urls, host_of, lookalike_links,
                                            registrable_domain, score_domain)
from tests.irregularities.conftest import FIXTURES

PAIRS = list(csv.DictReader((FIXTURES / "domain_pairs.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("row", PAIRS, ids=[r["domain"] for r in PAIRS])
def test_domain_pairs(row):
    s = score_domain(row["domain"], [row["official"]])
    assert not s.is_official
    assert s.severity == row["expected_severity"], s
    assert row["expected_reason"] in s.reasons, s


def test_official_domains_and_their_subdomains_are_official():
    for d in ("equifaxsecurity2017.com", "www.equifaxsecurity2017.com", "https://trustedid.equifaxsecurity2017.com/x"):
        s = score_domain(d, ["equifaxsecurity2017.com"])
        assert s.is_official and s.severity == "none"
    assert not score_domain("equifaxsecurity2017.com.evil.net", ["equifaxsecurity2017.com"]).is_official


@pytest.mark.parametrize("host,reg", [("www.example.co.uk", "example.co.uk"), ("a.b.example.com", "example.com"),
                                      ("oag.ca.gov", "oag.ca.gov"), ("example.com", "example.com")])
def test_registrable_domain_offline(host, reg):
    assert registrable_domain(host) == reg


def test_extract_urls_schemed_bare_unicode_not_emails():
    text = ("Visit https://www.securityequifax2017.com/faq, or securityequifax2017.com. "
            "Write to help@example.com; see e.g. report.pdf and identitytheft.gov or еquifax.com")
    assert extract_urls(text) == ["https://www.securityequifax2017.com/faq", "securityequifax2017.com",
                                  "identitytheft.gov", "еquifax.com"]
    assert host_of("еquifax.com") == "xn--quifax-2of.com" == "еquifax.com".encode("idna").decode()
    assert extract_urls(None) == []


def test_check_urls_reports_each_url():
    out = check_urls(["https://securityequifax2017.com", "https://www.equifaxsecurity2017.com"],
                     ["equifaxsecurity2017.com"])
    assert [(o["domain"], o["official"], o["severity"]) for o in out] == [
        ("securityequifax2017.com", False, "critical"), ("www.equifaxsecurity2017.com", True, "none")]
    assert out[0]["closest_official"] == "equifaxsecurity2017.com" and out[0]["score"] >= 0.8


def test_lookalike_links_groups_by_domain():
    messages = pd.DataFrame({
        "message_id": ["m1", "m2", "m3", "m4"],
        "channel": ["twitter", "twitter", "press_release", "website"],
        "published_at": pd.to_datetime(["2017-09-09T10:00Z", "2017-09-19T10:00Z", "2017-09-07T20:00Z", "2017-09-08T00:00Z"]),
        "account": ["@EquifaxCare"] * 2 + ["newsroom", "web"],
        "text": ["Please visit https://securityequifax2017.com/ for help", "securityequifax2017.com has answers",
                 "Visit https://www.equifaxsecurity2017.com and identitytheft.gov", "No links here."]})
    findings = lookalike_links(messages, ["equifaxsecurity2017.com"])
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {"lookalike_link", "third_party_link"}
    look = by_code["lookalike_link"]
    assert (look.severity, look.subject, look.count, look.category) == ("critical", "securityequifax2017.com", 2, "lookalike_link")
    assert look.evidence["message_ids"] == ["m1", "m2"] and "reordered_words" in look.evidence["reasons"]
    assert by_code["third_party_link"].severity == "info"
    assert lookalike_links(messages.iloc[[3]], ["equifaxsecurity2017.com"]) == []
