"""Look-alike links: URLs in official messages and letters scored against the official domains.

In September 2017 Equifax's own account sent customers to ``securityequifax2017.com``
instead of its breach site ``equifaxsecurity2017.com``: the same words reordered, a site
anyone could have registered. This module finds every domain an official message or a
notice letter links that is not one of the case's official domains, and scores how much
it resembles one, offline (no DNS, no web):

- words reordered (``securityequifax2017`` / ``equifaxsecurity2017``),
- small edit distance (typos, transposed letters),
- inserted or removed hyphens, words added or removed at a word boundary,
- homoglyphs and punycode (Cyrillic and Greek letters, ``0``/``o``, ``1``/``l``,
  ``rn``/``m`` are folded to one skeleton),
- the name split across a dot (``equi.fax.com``),
- the same name under another public suffix (``.com`` / ``.net`` / ``.com.vn``): such a
  domain *may be brand-owned, missing from official_domains*, and the finding says so,
- the official name used as a subdomain of someone else's domain.

The libraries made for each job do the parsing:

- registrable domains come from ``tldextract`` with the Public Suffix List snapshot it
  bundles, private suffixes included (``user.github.io`` is its own registrable domain),
  never fetched (``suffix_list_urls=()``, no cache directory);
- hosts are converted with the ``idna`` package, IDNA 2008 with UTS 46 mapping
  (non-transitional: ``meße.de`` stays ``meße.de``, ``xn--mee-6ka.de``, not ``messe.de``);
- URLs in free text are found by ``linkify-it-py`` (the markdown-it linkifier, Unicode
  hosts included), fed every top-level domain of that same suffix list, so a bare
  ``deals.shop`` or ``bit.ly/x`` is found as surely as a ``.com``.

Severity bands (:data:`BANDS`): ``critical`` for a near-copy of an official name
(homoglyph, reordering, hyphenation, one typo, another suffix, the name split or used as
a subdomain), ``high`` for an official name with a word added or removed or two typos,
``medium`` for a name that is only similar in spelling, ``low`` for an unrelated domain;
a well-known unrelated domain that notices legitimately link (the FTC's identitytheft.gov,
annualcreditreport.com, any ``.gov``) is ``info``.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import idna
import pandas as pd
import tldextract
from confusable_homoglyphs.confusables import confusables_data
from linkify_it import LinkifyIt
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from workbench.findings import Finding, Unit
from workbench.severity import Exposure, severity, similarity_points

#: Well-known legitimate domains that breach notices link on purpose (registrable domains).
WELL_KNOWN_DOMAINS: frozenset[str] = frozenset({
    "ftc.gov", "identitytheft.gov", "consumerfinance.gov", "usa.gov", "irs.gov", "ssa.gov",
    "fbi.gov", "ic3.gov", "annualcreditreport.com", "equifax.com", "experian.com",
    "transunion.com", "optoutprescreen.com", "ico.org.uk", "europa.eu", "edpb.europa.eu",
})
#: Public suffixes that only governments can register.
GOVERNMENT_SUFFIXES: tuple[str, ...] = ("gov", "mil", "gov.uk", "gc.ca", "gouv.fr", "gov.au", "govt.nz")

#: An official name this long (letters) tolerates two typos; a shorter one only one
#: (``moodle``/``google`` and ``app``/``apple`` are other names, not typos).
LONG_NAME = 7
#: Severity by score, highest first: a domain gets the first band whose floor its score reaches.
BANDS: tuple[tuple[float, str], ...] = ((0.9, "critical"), (0.8, "high"), (0.6, "medium"), (0.0, "low"))

#: Near-glyphs Unicode's confusables data (TR39) leaves out but readers still misread.
_EXTRA_CONFUSABLES = {"к": "k", "κ": "k", "χ": "x", "ε": "e", "τ": "t", "ɢ": "g", "ʏ": "y", "ӏ": "l"}
#: ASCII look-alikes folded after the Unicode ones (``0``/``o``, ``1``/``l``, ``i``/``l``).
_ASCII_CONFUSABLES = str.maketrans({"0": "o", "1": "l", "|": "l", "i": "l"})
_MULTI_CONFUSABLES = (("rn", "m"), ("nn", "m"), ("vv", "w"), ("cl", "d"))

#: Schemes written defanged in security advisories, read as the scheme they stand for.
_DEFANGED = {"hxxp:": "http:", "hxxps:": "https:"}
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
    maybe_brand_owned: bool = False  # same name as an official domain under another suffix

    def to_dict(self) -> dict:
        return {"domain": self.domain, "unicode": self.unicode, "registrable": self.registrable,
                "official": self.is_official, "closest_official": self.closest_official,
                "score": self.score, "reasons": list(self.reasons), "severity": self.severity,
                "well_known": self.well_known, "maybe_brand_owned": self.maybe_brand_owned}


# --------------------------------------------------------------------------- libraries, built once


@functools.cache
def _suffixes() -> tldextract.TLDExtract:
    """The Public Suffix List as bundled in ``tldextract``: no fetch, no cache file."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True,
                                 include_psl_private_domains=True)


@functools.cache
def _linkifier() -> LinkifyIt:
    """A linkifier knowing every top-level domain of the bundled suffix list."""
    tlds = sorted({s.rsplit(".", 1)[-1] for s in _suffixes().tlds})
    linkify = LinkifyIt().tlds(tlds, True)
    for defanged, scheme in _DEFANGED.items():
        linkify.add(defanged, scheme)
    return linkify


# --------------------------------------------------------------------------- URLs and hosts


def extract_urls(text: str | None) -> list[str]:
    """URLs in free text, in order: schemed ones and bare domains on any top-level domain.

    E-mail addresses are not links and are left out; defanged ``hxxp(s)://`` URLs are kept.
    """
    if not text or not isinstance(text, str):
        return []
    matches = _linkifier().match(text) or []
    return [m.raw.rstrip(_TRAILING) for m in matches if m.schema.lower() != "mailto:"]


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
    """ASCII form of a host by IDNA 2008 with UTS 46 mapping (``xn--`` labels).

    A label IDNA 2008 refuses (an underscore, a symbol) is kept as written, lower-cased.
    """
    host = host.lower()
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        return ".".join(_label_to_ascii(label) for label in host.split("."))


def _label_to_ascii(label: str) -> str:
    try:
        return idna.encode(label, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        return label


def to_unicode(host: str) -> str:
    """Display form of a host: ``xn--`` labels decoded by IDNA 2008; undecodable ones kept."""
    if "xn--" not in host:
        return host
    try:
        return idna.decode(host)
    except idna.IDNAError:
        return ".".join(_label_to_unicode(label) for label in host.split("."))


def _label_to_unicode(label: str) -> str:
    try:
        return idna.decode(label)
    except idna.IDNAError:
        return label


def split_domain(host: str) -> tuple[str, str, str]:
    """(subdomain, name label, public suffix) of a host, by the bundled Public Suffix List.

    A host on a suffix the list does not know (``db-breach.example``) is split at its last
    label; an IP address is all name.
    """
    host = host.lower().strip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return "", host, ""
    parts = _suffixes().extract_str(host)
    sub, name, suffix = parts.subdomain, parts.domain, parts.suffix
    if not suffix and sub:  # an unknown suffix: its last label stands for it
        *rest, name, suffix = f"{sub}.{name}".split(".")
        sub = ".".join(rest)
    elif not name and suffix:  # the host is itself a public suffix (or under a wildcard rule)
        name, _, suffix = suffix.partition(".")
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


@functools.cache
def _confusables() -> dict[int, str]:
    """Each non-ASCII letter that Unicode's confusables data (TR39) says looks like an
    ASCII letter or digit, directly or through other look-alikes (``ƿ`` -> ``þ`` -> ``p``),
    mapped to it (``ǥ`` -> ``g``, Cyrillic ``р`` -> ``p``)."""
    def ascii_of(glyph: str) -> str | None:
        folded = _strip_accents(glyph)
        return folded if folded.isascii() and folded.isalnum() else None

    table: dict[int, str] = {}
    for char in confusables_data:
        if len(char) != 1 or char.isascii():
            continue
        seen, frontier = {char}, [char]
        for _ in range(3):  # breadth first: the closest ASCII look-alike wins
            found = [a for g in frontier for a in [ascii_of(x["c"]) for x in confusables_data.get(g, ())] if a]
            if found:
                table[ord(char)] = found[0]
                break
            frontier = [x["c"] for g in frontier for x in confusables_data.get(g, ()) if x["c"] not in seen]
            seen.update(frontier)
    return table | {ord(k): v for k, v in _EXTRA_CONFUSABLES.items()}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def skeleton(label: str, *, multi: bool = True) -> str:
    """Fold look-alike letters (homoglyphs, accents, 0/o, 1/l and, with ``multi``, rn/m)
    to one ASCII form; a letter with no ASCII look-alike is kept as it is."""
    s = _strip_accents(label.lower().translate(_confusables())).translate(_confusables())
    s = s.translate(_ASCII_CONFUSABLES)
    for a, b in _MULTI_CONFUSABLES if multi else ():
        s = s.replace(a, b)
    return s


def glyph_distance(cand: str, off: str) -> float:
    """Edit distance between the skeletons of two names, a letter with no ASCII look-alike
    standing in for one (``aƿƿle`` / ``apple``) counting half: a reader sees a letter there."""
    best = float(min(OSA.distance(skeleton(cand, multi=m), skeleton(off, multi=m)) for m in (True, False)))
    a, b = skeleton(cand, multi=False), skeleton(off, multi=False)
    if len(a) == len(b):
        best = min(best, sum(1.0 if x.isascii() else 0.5 for x, y in zip(a, b) if x != y))
    return best


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


def word_boundaries(label: str) -> frozenset[int]:
    """Positions in ``label`` with its hyphens removed where a word may start or end.

    Its two ends, where a hyphen stood, and where letters meet digits
    (``equifax-security2017``: 0, 7, 15, 19).
    """
    cuts, pos = {0}, 0
    for part in label.split("-"):
        for a, b in itertools.pairwise(part):
            pos += 1
            if a.isdigit() != b.isdigit():
                cuts.add(pos)
        pos += 1 if part else 0
        cuts.add(pos)
    return frozenset(cuts)


def _one_word_removed(longer: str, shorter: str, boundaries: frozenset[int], min_keep: int = 4) -> bool:
    """``shorter`` is ``longer`` (plain, no hyphens) with one word of 2+ letters taken out,
    the word starting or ending at one of ``longer``'s word ``boundaries``."""
    cut = len(longer) - len(shorter)
    if len(shorter) < min_keep or cut < 2:  # one letter more or less is a typo, not a word
        return False
    return any(longer[:i] + longer[i + cut:] == shorter and (i in boundaries or i + cut in boundaries)
               for i in range(len(longer) - cut + 1))


def _contains_at_boundary(plain: str, oplain: str, boundaries: frozenset[int]) -> bool:
    """``oplain`` occurs in ``plain`` starting or ending at a word boundary (``paypal-x2``, not ``bethappleton``)."""
    return any(i in boundaries or i + len(oplain) in boundaries
               for i in range(len(plain) - len(oplain) + 1) if plain.startswith(oplain, i))


def _split_across_dot(sub: str, name: str, oplain: str) -> bool:
    """The official name written across labels: ``equi.fax.com``, ``e.quifax.com``."""
    labels = [s.replace("-", "") for s in sub.split(".") if s] if sub else []
    return any(skeleton("".join(labels[-k:]) + name.replace("-", "")) == skeleton(oplain)
               for k in range(1, len(labels) + 1))


#: Reasons in the order a finding lists them.
_REASON_ORDER = ("swapped_tld", "homoglyph", "punycode", "hyphenation", "reordered_words", "split_across_dot",
                 "added_word", "contains_official_name", "removed_word", "edit_distance",
                 "official_name_in_subdomain", "other_tld")


@functools.lru_cache(maxsize=65536)
def _resemblance(host: str, official: str) -> tuple[float, tuple[str, ...]]:
    """Score (0..1) and reasons for how much ``host`` looks like ``official``."""
    sub, name, suffix = split_domain(to_ascii(host))
    _, oname, osuffix = split_domain(official)
    usub, uname, uoname = to_unicode(sub), to_unicode(name), to_unicode(oname)
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
    if len(oplain) >= 4 and _split_across_dot(usub, uname, oplain):
        signals["split_across_dot"] = 0.93
    if _one_word_removed(plain, oplain, word_boundaries(uname)):
        signals["added_word"] = 0.88
    elif len(oplain) >= 5 and plain != oplain and _contains_at_boundary(plain, oplain, word_boundaries(uname)):
        signals["contains_official_name"] = 0.85
    if _one_word_removed(oplain, plain, word_boundaries(uoname)):
        signals["removed_word"] = 0.85
    if len(oplain) >= 5 and plain != oplain:
        dist = glyph_distance(plain, oplain)
        if 0 < dist <= (1 if len(oplain) < LONG_NAME else 2):
            signals["edit_distance"] = round(0.92 - 0.07 * (math.ceil(dist) - 1), 3)
    if sub and len(oplain) >= 4 and any(oplain == s.replace("-", "") for s in usub.split(".")):
        signals["official_name_in_subdomain"] = 0.9
    base = fuzz.ratio(skeleton(plain), skeleton(oplain)) / 100 * 0.75
    score = max([base, *signals.values()])
    if suffix != osuffix and "swapped_tld" not in signals and score >= 0.8:
        signals["other_tld"] = 0.0
    reasons = tuple(k for k in _REASON_ORDER if k in signals)
    return round(score, 3), reasons or (("similar_spelling",) if score >= BANDS[-2][0] else ("unrelated",))


def _severity(score: float) -> str:
    """The one severity model (:mod:`workbench.severity`): the link-audit standard, with the
    resemblance as the check's measure (:func:`~workbench.severity.similarity_points` keeps
    :data:`BANDS`' floors). How many messages carry a link ranks it within its level (impact);
    it does not raise it: one look-alike in a notice is already the harm."""
    return severity(Exposure.STANDARD, gravity=similarity_points(score))


def is_well_known(host: str) -> bool:
    """A well-known unrelated legitimate domain (government, credit bureaus, FTC sites)."""
    h = to_ascii(host)
    reg = registrable_domain(h)
    _, _, suffix = split_domain(h)
    return (reg in WELL_KNOWN_DOMAINS or any(h.endswith("." + d) or h == d for d in WELL_KNOWN_DOMAINS)
            or suffix in GOVERNMENT_SUFFIXES or suffix.split(".")[-1] in ("gov", "mil"))


def _same_name_elsewhere(host: str, official: str) -> bool:
    """``host`` has the official domain's name under another registry's public suffix
    (``equifax.com.vn``); not under a private one (``equifax.github.io``, ``paypal.blogspot.com``),
    where anyone may take the name."""
    _, name, suffix = split_domain(host)
    _, oname, osuffix = split_domain(official)
    return name == oname and suffix != osuffix and not _suffixes().extract_str(host).is_private


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
        unrelated legitimate domain, else by :data:`BANDS`. ``maybe_brand_owned`` is true
        when the domain is an official one's name under another public suffix: it may be
        the brand's own, missing from ``official_domains``.
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
    owned = any(_same_name_elsewhere(host, off) for off in officials)
    if owned:
        closest = next(off for off in officials if _same_name_elsewhere(host, off))
        score, reasons = _resemblance(host, closest)
    return DomainScore(host, uni, reg, False, closest, score, reasons, _severity(score), maybe_brand_owned=owned)


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
#: What a finding adds when the domain is an official name under another suffix.
BRAND_OWNED_NOTE = ("It has the name of {official} under another suffix: it may be brand-owned, "
                    "missing from official_domains; if so, add it there, else treat it as a look-alike.")


def link_finding(ds: DomainScore, *, code_prefix: str, where: str, count: int,
                 evidence: dict, category: str = "lookalike_link", unit: str = Unit.MESSAGES) -> Finding:
    """One finding for one non-official domain (shared by messages and letters)."""
    kind = "known" if ds.well_known else "lookalike" if ds.severity in ("critical", "high", "medium") else "unofficial"
    code = code_prefix + _CODES[kind]
    shown = ds.unicode if ds.unicode == ds.domain else f"{ds.unicode} ({ds.domain})"
    if kind == "lookalike":
        title = f"{where.capitalize()} link a look-alike of an official domain"
        detail = (f"{count} {where} link {shown}, which resembles the official domain "
                  f"{ds.closest_official} (score {ds.score:.2f}: {', '.join(ds.reasons)}). ")
        detail += (BRAND_OWNED_NOTE.format(official=ds.closest_official) if ds.maybe_brand_owned else
                   "Anyone can register such a domain; readers sent there can be phished.")
    elif kind == "known":
        title = f"{where.capitalize()} link a well-known third-party domain"
        detail = f"{count} {where} link {shown}, a well-known legitimate site, not an official domain of the case."
    else:
        title = f"{where.capitalize()} link an unofficial domain"
        detail = (f"{count} {where} link {shown}, which is not an official domain of the case "
                  f"(closest official {ds.closest_official}, score {ds.score:.2f}).")
    return Finding(category=category, code=code, severity=ds.severity, title=title, detail=detail,
                   subject=ds.registrable, count=int(count), unit=unit, citation=LINK_CITATION,
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
