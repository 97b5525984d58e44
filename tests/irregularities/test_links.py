import csv

import pandas as pd
import pytest

from workbench.irregularities import links
from workbench.irregularities.links import (BANDS, check_urls, extract_urls, host_of, link_finding, lookalike_links,
                                            registrable_domain, score_domain, to_ascii, to_unicode,
                                            word_boundaries)
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
                                      ("oag.ca.gov", "ca.gov"), ("example.com", "example.com"),
                                      ("www.equifax.com.vn", "equifax.com.vn"), ("a.b.c.kawasaki.jp", "b.c.kawasaki.jp"),
                                      ("equifax.github.io", "equifax.github.io"), ("db-breach.example", "db-breach.example"),
                                      ("10.0.0.1", "10.0.0.1")])
def test_registrable_domain_by_the_public_suffix_list(host, reg):
    """The bundled Public Suffix List decides, private suffixes included (github.io); a
    suffix it does not know is the last label."""
    assert registrable_domain(host) == reg


def test_extract_urls_schemed_bare_unicode_not_emails():
    text = ("Visit https://www.securityequifax2017.com/faq, or securityequifax2017.com. "
            "Write to help@example.com; see e.g. report.pdf and identitytheft.gov or еquifax.com")
    assert extract_urls(text) == ["https://www.securityequifax2017.com/faq", "securityequifax2017.com",
                                  "identitytheft.gov", "еquifax.com"]
    assert host_of("еquifax.com") == "xn--quifax-2of.com" == "еquifax.com".encode("idna").decode()
    assert extract_urls(None) == []


def test_extract_urls_finds_bare_domains_on_every_top_level_domain():
    text = ("Deals at deals.shop, short bit.ly/x1 and corriere.it (or пример.рф); "
            "defanged hxxps://evil.top/a; write to a@b.shop")
    assert extract_urls(text) == ["deals.shop", "bit.ly/x1", "corriere.it", "пример.рф", "hxxps://evil.top/a"]
    assert host_of("hxxps://evil.top/a") == "evil.top"


def test_idna_2008_keeps_sharp_s_and_decodes_what_it_encodes():
    assert to_ascii("meße.de") == "xn--mee-6ka.de" != to_ascii("messe.de") == "messe.de"
    assert to_unicode("xn--mee-6ka.de") == "meße.de"
    assert to_ascii("EXAMPLE.com") == "example.com" and to_ascii("under_score.com") == "under_score.com"
    assert to_ascii("bad_☃.com").endswith(".com")


def test_no_network_when_the_libraries_are_built_and_used(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network touched: {args!r}")

    for name in ("socket", "create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse)
    links._suffixes.cache_clear()
    links._linkifier.cache_clear()
    links._resemblance.cache_clear()
    assert registrable_domain("www.equifax.com.vn") == "equifax.com.vn"
    assert extract_urls("see equifax.shop") == ["equifax.shop"]
    assert score_domain("equifax.shop", ["equifax.com"]).maybe_brand_owned


def test_words_are_cut_only_at_word_boundaries():
    assert word_boundaries("equifax-security2017") == {0, 7, 15, 19}
    assert "removed_word" in score_domain("equifax2017.com", ["equifaxsecurity2017.com"]).reasons
    assert "removed_word" not in score_domain("efax.com", ["equifax.com"]).reasons


def test_every_band_is_reachable():
    seen = {score_domain(d, [o]).severity for d, o in [
        ("securityequifax2017.com", "equifaxsecurity2017.com"), ("paypal-login.com", "paypal.com"),
        ("paykapal.com", "paypal.com"), ("weather.com", "paypal.com")]}
    assert seen == {band for _, band in BANDS}


def test_same_name_on_another_suffix_may_be_brand_owned():
    ds = score_domain("www.equifax.com.vn", ["equifax.com", "equifaxsecurity2017.com"])
    assert (ds.is_official, ds.maybe_brand_owned, ds.closest_official, ds.registrable) == (
        False, True, "equifax.com", "equifax.com.vn")
    finding = link_finding(ds, code_prefix="", where="official messages", count=1, evidence={})
    assert finding.code == "lookalike_link"
    assert "may be brand-owned, missing from official_domains" in finding.detail
    for shared in ("equifax.github.io", "www.equifax.blogspot.com"):  # private suffixes: anyone may take the name
        s = score_domain(shared, ["equifax.com"])
        assert not s.maybe_brand_owned and s.severity == "critical", s
    typo = link_finding(score_domain("equifacs.com", ["equifax.com"]), code_prefix="", where="official messages",
                        count=1, evidence={})
    assert "brand-owned" not in typo.detail and not typo.evidence["maybe_brand_owned"]


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
