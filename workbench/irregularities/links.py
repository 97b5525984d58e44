"""Look-alike links: URLs in official messages and letters scored against the official domains.

In September 2017 Equifax's own account sent customers to ``securityequifax2017.com``
instead of its breach site ``equifaxsecurity2017.com``: the same words reordered, a site
anyone could have registered. This module finds every domain an official message or a
notice letter links that is not one of the case's official domains, and scores how much
it resembles one, offline (no DNS, no web):

- words reordered (``securityequifax2017`` / ``equifaxsecurity2017``),
- small edit distance (typos, transposed letters),
- inserted or removed hyphens, inserted or removed words,
- homoglyphs and punycode (``xn--`` labels are decoded with the ``idna`` codec; Cyrillic
  and Greek letters, ``0``/``o``, ``1``/``l``, ``rn``/``m`` are folded to one skeleton),
- the same name under another top-level domain (``.com`` / ``.net``),
- the official name used as a subdomain of someone else's domain.

The registrable domain ("example.co.uk" of "www.example.co.uk") is split with a small
curated list of multi-label public suffixes (:data:`MULTI_LABEL_SUFFIXES`), not the full
Public Suffix List: it needs no download and covers the suffixes breach notices use; an
unlisted multi-label suffix is treated as a single label (conservative: the score still
compares names).

Severity: a close look-alike (score >= 0.8) is ``critical``; a well-known unrelated
domain that notices legitimately link (the FTC's identitytheft.gov, annualcreditreport.com,
any ``.gov``) is ``info``; other unofficial domains are ``high``, ``medium`` or ``low`` by
score.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from workbench.findings import Finding

#: Multi-label public suffixes recognised offline (a curated subset of the Public Suffix List).
MULTI_LABEL_SUFFIXES: frozenset[str] = frozenset({
    "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk", "net.uk", "nhs.uk",
    "com.au", "net.au", "org.au", "gov.au", "edu.au", "co.nz", "org.nz", "govt.nz",
    "co.jp", "ne.jp", "or.jp", "go.jp", "co.kr", "or.kr", "com.br", "gov.br", "com.mx", "gob.mx",
    "com.cn", "gov.cn", "com.hk", "com.sg", "gov.sg", "co.in", "gov.in", "com.ar", "co.za",
    "gov.za", "com.tr", "gc.ca", "gouv.fr", "gv.at", "co.il", "gov.il", "com.pl", "edu.pl",
    "ca.gov", "ny.gov", "tx.gov", "state.ny.us", "state.ca.us",
})

#: Well-known legitimate domains that breach notices link on purpose (registrable domains).
WELL_KNOWN_DOMAINS: frozenset[str] = frozenset({
    "ftc.gov", "identitytheft.gov", "consumerfinance.gov", "usa.gov", "irs.gov", "ssa.gov",
    "fbi.gov", "ic3.gov", "annualcreditreport.com", "equifax.com", "experian.com",
    "transunion.com", "optoutprescreen.com", "ico.org.uk", "europa.eu", "edpb.europa.eu",
})
#: Top-level suffixes that only governments can register.
GOVERNMENT_SUFFIXES: tuple[str, ...] = ("gov", "mil", "gov.uk", "gc.ca", "gouv.fr", "gov.au", "govt.nz")

#: Letters that look alike, folded to one ASCII skeleton (Unicode TR39 in miniature).
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "к": "k", "ѵ": "v", "ɡ": "g",
    "α": "a", "ο": "o", "ν": "v", "ρ": "p", "ι": "i", "κ": "k", "υ": "u", "χ": "x", "ε": "e",
    "τ": "t", "ı": "i", "ɑ": "a", "ʏ": "y", "ℓ": "l", "0": "o", "1": "l", "|": "l",
})
_MULTI_CONFUSABLES = (("rn", "m"), ("vv", "w"), ("cl", "d"))

_BARE_TLDS = ("com|net|org|gov|edu|mil|info|biz|io|co|us|uk|ca|au|de|fr|eu|ie|in|me|app|online|"
              "site|xyz|top|ru|cn|support|help|security|services|news|link|click|xn--[a-z0-9-]+")
_SCHEMED = re.compile(r"""(?i)\b(?:https?|hxxps?)://[^\s<>"'(){}\[\]]+""")
_BARE = re.compile(r"""(?i)(?<![\w@./:-])(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:""" + _BARE_TLDS
                   + r""")(?![\w-])(?:/[^\s<>"']*)?""")
_TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True)
class DomainScore:
    """How one linked domain compares with the official domains."""

    domain: str                      # host, ASCII (punycode) form
    unicode: str                     # host as a reader sees it
    registrable: str                 # registrable domain (ASCII)
    is_official: bool
    closest_official: str | None
    score: float                     # 0 (unrelated) .. 1 (indistinguishable)
    reasons: tuple[str, ...]
    severity: str                    # "none" for official domains, else a Finding severity
    well_known: bool = False

    def to_dict(self) -> dict:
        return {"domain": self.domain, "unicode": self.unicode, "registrable": self.registrable,
                "official": self.is_official, "closest_official": self.closest_official,
                "score": self.score, "reasons": list(self.reasons), "severity": self.severity,
                "well_known": self.well_known}


# --------------------------------------------------------------------------- URLs and hosts


def extract_urls(text: str | None) -> list[str]:
    """URLs in free text: schemed ones and bare domains with a common top-level domain."""
    if not text or not isinstance(text, str):
        return []
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _SCHEMED.finditer(text):
        found.append(m.group(0).rstrip(_TRAILING))
        spans.append(m.span())
    for m in _BARE.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        found.append(m.group(0).rstrip(_TRAILING))
    return found


def host_of(url: str) -> str | None:
    """The lower-case host of a URL or bare domain, in ASCII (punycode) form."""
    url = url.strip()
    if not url:
        return None
    if not re.match(r"(?i)^[a-z][a-z0-9+.-]*://", url):
        url = "http://" + url
    url = re.sub(r"(?i)^hxxp", "http", url)
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return to_ascii(host.rstrip("."))


def to_ascii(host: str) -> str:
    """Punycode form of a host (``xn--...``); unchanged when already ASCII or not encodable."""
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def to_unicode(host: str) -> str:
    """Display form of a host: ``xn--`` labels decoded; unchanged when not decodable."""
    if "xn--" not in host:
        return host
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


def split_domain(host: str) -> tuple[str, str, str]:
    """(subdomain, name label, public suffix) of a host, using :data:`MULTI_LABEL_SUFFIXES`."""
    labels = host.lower().strip(".").split(".")
    if len(labels) == 1:
        return "", labels[0], ""
    n = 2 if len(labels) >= 3 and ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES else 1
    if len(labels) >= 4 and ".".join(labels[-3:]) in MULTI_LABEL_SUFFIXES:
        n = 3
    suffix = ".".join(labels[-n:])
    name = labels[-n - 1]
    sub = ".".join(labels[:-n - 1])
    return sub, name, suffix


def registrable_domain(host: str) -> str:
    """The registrable domain (name + public suffix) of a host, offline."""
    _, name, suffix = split_domain(host)
    return f"{name}.{suffix}" if suffix else name


def is_official(host: str, official_domains: Iterable[str]) -> bool:
    """True when ``host`` is an official domain or a subdomain of one."""
    h = to_ascii(host)
    return any(h == d or h.endswith("." + d) for d in _normalise_official(official_domains))


def _normalise_official(official_domains: Iterable[str]) -> tuple[str, ...]:
    out = []
    for d in official_domains:
        h = host_of(d) if "/" in d else to_ascii(d.strip().rstrip("."))
        if h:
            out.append(h)
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------- resemblance


def skeleton(label: str) -> str:
    """Fold look-alike letters (homoglyphs, accents, 0/o, 1/l, rn/m) to one ASCII form."""
    s = unicodedata.normalize("NFKD", label.lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.translate(_CONFUSABLES).replace("i", "l")
    for a, b in _MULTI_CONFUSABLES:
        s = s.replace(a, b)
    return s


def _reordered(cand: str, off: str, max_blocks: int = 4) -> bool:
    """``cand`` is ``off`` cut into 2..max_blocks pieces (of 2+ letters) put in another order."""
    if cand == off or sorted(cand) != sorted(off) or len(off) > 40:
        return False
    n = len(off)
    for k in range(1, max_blocks):
        for cuts in itertools.combinations(range(2, n - 1), k):
            bounds = (0, *cuts, n)
            if any(b - a < 2 for a, b in itertools.pairwise(bounds)):
                continue
            blocks = [off[a:b] for a, b in itertools.pairwise(bounds)]
            if not all(cand.count(b) for b in blocks):
                continue
            for perm in itertools.permutations(blocks):
                if "".join(perm) == cand:
                    return True
    return False


def _one_block_removed(longer: str, shorter: str, min_keep: int = 4) -> bool:
    """``shorter`` is ``longer`` with one contiguous block (a word) taken out."""
    if len(shorter) < min_keep or len(shorter) >= len(longer):
        return False
    if not (longer.startswith(shorter[:1]) or longer.endswith(shorter[-1:])):
        return False
    cut = len(longer) - len(shorter)
    if cut < 2:  # one letter more or less is a typo (edit distance), not a word
        return False
    return any(longer[:i] + longer[i + cut:] == shorter for i in range(len(longer) - cut + 1))


@functools.lru_cache(maxsize=65536)
def _resemblance(host: str, official: str) -> tuple[float, tuple[str, ...]]:
    """Score (0..1) and reasons for how much ``host`` looks like ``official``."""
    sub, name, suffix = split_domain(to_ascii(host))
    _, oname, osuffix = split_domain(official)
    uname, uoname = to_unicode(name), to_unicode(oname)
    signals: dict[str, float] = {}
    if name.startswith("xn--") and uname != name:
        signals["punycode"] = 0.0  # a marker; the resemblance comes from the other signals
    plain, oplain = uname.replace("-", ""), uoname.replace("-", "")
    if uname == uoname and suffix != osuffix:
        signals["swapped_tld"] = 0.95
    if uname != uoname and skeleton(uname) == skeleton(uoname):
        signals["homoglyph"] = 0.97
    if uname != uoname and plain == oplain:
        signals["hyphenation"] = 0.95
    if _reordered(plain, oplain) or (
            "-" in uname + uoname and uname != uoname
            and sorted(uname.split("-")) == sorted(uoname.split("-"))):
        signals["reordered_words"] = 0.93
    if _one_block_removed(plain, oplain):
        signals["added_word"] = 0.88
    elif len(oplain) >= 5 and oplain in plain and plain != oplain:
        signals["contains_official_name"] = 0.85
    if _one_block_removed(oplain, plain):
        signals["removed_word"] = 0.85
    if len(oplain) >= 5 and plain != oplain:
        dist = OSA.distance(skeleton(plain), skeleton(oplain))
        if 0 < dist <= 2:
            signals["edit_distance"] = 0.92 - 0.07 * (dist - 1)
    if sub and len(oplain) >= 4 and any(oplain == s.replace("-", "") for s in sub.split(".")):
        signals["official_name_in_subdomain"] = 0.9
    base = fuzz.ratio(skeleton(plain), skeleton(oplain)) / 100 * 0.75
    score = max([base, *signals.values()])
    if suffix != osuffix and "swapped_tld" not in signals and score >= 0.8:
        signals["other_tld"] = 0.0
    reasons = tuple(k for k in ("swapped_tld", "homoglyph", "punycode", "hyphenation", "reordered_words",
                                "added_word", "contains_official_name", "removed_word", "edit_distance",
                                "official_name_in_subdomain", "other_tld") if k in signals)
    return round(score, 3), reasons or (("similar_spelling",) if score >= 0.5 else ("unrelated",))


def _severity(score: float) -> str:
    if score >= 0.8:
        return "critical"
    if score >= 0.65:
        return "high"
    if score >= 0.5:
        return "medium"
    return "low"


def is_well_known(host: str) -> bool:
    """A well-known unrelated legitimate domain (government, credit bureaus, FTC sites)."""
    h = to_ascii(host)
    reg = registrable_domain(h)
    _, _, suffix = split_domain(h)
    return (reg in WELL_KNOWN_DOMAINS or any(h.endswith("." + d) or h == d for d in WELL_KNOWN_DOMAINS)
            or suffix in GOVERNMENT_SUFFIXES or suffix.split(".")[-1] in ("gov", "mil"))


def score_domain(domain: str, official_domains: Iterable[str]) -> DomainScore:
    """Score one linked domain (host or URL) against the case's official domains.

    Parameters
    ----------
    domain
        A host (``www.securityequifax2017.com``), a URL or a bare domain; Unicode or punycode.
    official_domains
        The case's official domains; their subdomains count as official too.

    Returns
    -------
    DomainScore
        ``score`` is the best resemblance to any official domain (0..1) with its reasons;
        ``severity`` is ``"none"`` for an official domain, ``info`` for a well-known
        unrelated legitimate domain, else ``critical`` / ``high`` / ``medium`` / ``low`` by score.
    """
    host = host_of(domain) or to_ascii(domain)
    officials = _normalise_official(official_domains)
    uni = to_unicode(host)
    reg = registrable_domain(host)
    if is_official(host, officials):
        closest = max((d for d in officials if host == d or host.endswith("." + d)), key=len)
        return DomainScore(host, uni, reg, True, closest, 1.0, ("official",), "none")
    best: tuple[float, tuple[str, ...], str | None] = (0.0, ("unrelated",), None)
    for off in officials:
        score, reasons = _resemblance(host, off)
        if score > best[0]:
            best = (score, reasons, off)
    score, reasons, closest = best
    if is_well_known(host) and score < 0.97:
        return DomainScore(host, uni, reg, False, closest, score, reasons + ("well_known_domain",), "info", True)
    return DomainScore(host, uni, reg, False, closest, score, reasons, _severity(score))


def check_urls(urls: Iterable[str], official_domains: Iterable[str]) -> list[dict]:
    """Per URL: its domain, whether official, closest official domain, score and severity."""
    officials = list(official_domains)
    out = []
    for url in urls:
        host = host_of(url)
        if host is None:
            out.append({"url": url, "domain": None, "official": False, "closest_official": None,
                        "score": None, "reasons": ["no_host"], "severity": "low"})
            continue
        out.append({"url": url, **score_domain(host, officials).to_dict()})
    return out


# --------------------------------------------------------------------------- the check

LINK_CITATION = None
_CODES = {"lookalike": "lookalike_link", "unofficial": "unofficial_link", "known": "third_party_link"}
MAX_EXAMPLES = 20


def link_finding(ds: DomainScore, *, code_prefix: str, where: str, count: int,
                 evidence: dict, category: str = "lookalike_link") -> Finding:
    """One finding for one non-official domain (shared by messages and letters)."""
    kind = "known" if ds.well_known else "lookalike" if ds.severity in ("critical", "high", "medium") else "unofficial"
    code = code_prefix + _CODES[kind]
    shown = ds.unicode if ds.unicode == ds.domain else f"{ds.unicode} ({ds.domain})"
    if kind == "lookalike":
        title = f"{where.capitalize()} link a look-alike of an official domain"
        detail = (f"{count} {where} link {shown}, which resembles the official domain "
                  f"{ds.closest_official} (score {ds.score:.2f}: {', '.join(ds.reasons)}). "
                  "Anyone can register such a domain; readers sent there can be phished.")
    elif kind == "known":
        title = f"{where.capitalize()} link a well-known third-party domain"
        detail = f"{count} {where} link {shown}, a well-known legitimate site, not an official domain of the case."
    else:
        title = f"{where.capitalize()} link an unofficial domain"
        detail = (f"{count} {where} link {shown}, which is not an official domain of the case "
                  f"(closest official {ds.closest_official}, score {ds.score:.2f}).")
    return Finding(category=category, code=code, severity=ds.severity, title=title, detail=detail,
                   subject=ds.registrable, count=int(count), citation=LINK_CITATION,
                   evidence={**ds.to_dict(), **evidence})


def lookalike_links(messages: pd.DataFrame, official_domains: Iterable[str]) -> list[Finding]:
    """Official messages (communications) that link a domain which is not official.

    Parameters
    ----------
    messages
        communications frame: ``message_id``, ``channel``, ``published_at``, ``account``, ``text``.
    official_domains
        The case's official domains.

    Returns
    -------
    list[Finding]
        One ``lookalike_link`` finding per non-official registrable domain, code
        ``lookalike_link`` (resembles an official domain), ``unofficial_link`` (does not)
        or ``third_party_link`` (well-known, info); ``count`` is the number of messages,
        evidence holds the score, reasons, the hosts and up to 20 message ids.
    """
    officials = list(official_domains)
    if messages is None or len(messages) == 0:
        return []
    hits = (messages.assign(_url=messages["text"].map(extract_urls)).explode("_url")
            .dropna(subset=["_url"]))
    if hits.empty:
        return []
    hits = hits.assign(_host=hits["_url"].map(host_of)).dropna(subset=["_host"])
    scores = {h: score_domain(h, officials) for h in hits["_host"].unique()}
    hits = hits[[not scores[h].is_official for h in hits["_host"]]]
    if hits.empty:
        return []
    hits = hits.assign(_reg=hits["_host"].map(lambda h: scores[h].registrable))
    findings = []
    for reg, group in hits.groupby("_reg", sort=True):
        ds = max((scores[h] for h in group["_host"].unique()), key=lambda d: d.score)
        ids = list(dict.fromkeys(group["message_id"].astype("str")))
        published = pd.to_datetime(group["published_at"], utc=True) if "published_at" in group else None
        evidence = {
            "hosts": sorted(group["_host"].unique()),
            "example_urls": list(dict.fromkeys(group["_url"]))[:5],
            "message_ids": ids[:MAX_EXAMPLES], "messages": len(ids),
            "accounts": sorted(group["account"].dropna().astype("str").unique())[:10] if "account" in group else [],
            "channels": sorted(group["channel"].dropna().astype("str").unique()) if "channel" in group else [],
            "first_published": published.min().isoformat() if published is not None and published.notna().any() else None,
            "last_published": published.max().isoformat() if published is not None and published.notna().any() else None,
        }
        findings.append(link_finding(ds, code_prefix="", where="official messages", count=len(ids),
                                     evidence=evidence))
    return findings
