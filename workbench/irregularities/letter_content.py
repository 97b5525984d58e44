"""Did the letters say what the law requires, and offer what the law requires?

For each letter template and each jurisdiction whose residents received it, every content
requirement of that jurisdiction's law data (``workbench/law/data/letter_content.yaml``, in
force when the letter was sent) is judged against the letter's text:

============== ==============================================================================
judgement      meaning
============== ==============================================================================
met            the heading, statement or contact details were found (the evidence quotes them)
missing        a required title, heading, statement or contact detail was not found
violated       a forbidden statement was found, or text is smaller than the minimum type size
short          the free service offered is shorter than the statute's minimum (remediation)
not_free       the letter does not say the service is free / at no cost (remediation)
not_determinable the file records no type sizes (a plain-text letter)
not_assessed   no letter file for the template, no notice using a letter, or no rule in the data
============== ==============================================================================

Every judgement is one row of :func:`judgement_table` (the reviewable
``30_irregularities.letter_content.csv``); the failures become findings, one per (template,
jurisdiction) and kind: ``letter_content`` (content) and ``remediation_offer`` (the offer).
The matching (normalised headings with an optional fuzzy ratio, key phrases per sentence,
named regular expressions for the offer) is described in ``docs/methods/letter_content.md``.
Pure functions: the stage hands in the letters and the recipients, both from the store.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

import pandas as pd

from workbench.exposure import elements_key, elements_of
from workbench.findings import Finding

#: The judgement table's columns (the CSV a reviewer reads).
TABLE_COLUMNS = ["template", "jurisdiction", "requirement", "citation", "judgement", "evidence",
                 "requirement_id", "kind", "confidence", "people", "letter_file", "in_force"]
#: Judgements that are failures (they make findings).
FAILURES = frozenset({"missing", "violated", "short", "not_free"})
#: A heading matches a line when their normalised texts are equal, or (rapidfuzz) at least this similar.
HEADING_MIN_RATIO = 90.0
#: A title must be among a letter's first lines.
TITLE_LINES = 8
#: Evidence quotes are cut to this many characters.
QUOTE_CHARS = 300

#: Per finding code: severity and title template.
CODES: dict[str, tuple[str, str]] = {
    "letter_content": ("medium", "Letter {template} lacks content {jurisdiction} law requires, or says what it forbids"),
    "remediation_offer": ("high", "Letter {template} offers less than {jurisdiction} law requires"),
}

_PUNCT = re.compile(r"[^\w\s]+")
_WS = re.compile(r"\s+")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9])")


def normalise(text: str) -> str:
    """Case-folded, accents and punctuation dropped, whitespace collapsed (how headings and
    phrases are compared)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().replace("_", " ")
    return _WS.sub(" ", _PUNCT.sub(" ", text)).strip()


_ABBREVIATION = re.compile(r"(?:\b(?:[A-Za-z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|St|No|Inc|Co|Corp|Ltd|Jr|Sr|Dept|Ave|Blvd)\.)$")


def sentences(lines: Iterable[str]) -> list[str]:
    """The letter's sentences: each line split after ``.``, ``!``, ``?`` or ``;`` before a
    capital or digit (never after an abbreviation such as ``P.O.`` or ``Inc.``)."""
    out = []
    for line in lines:
        parts: list[str] = []
        for piece in (s.strip() for s in _SENTENCE.split(line)):
            if not piece:
                continue
            if parts and _ABBREVIATION.search(parts[-1]):
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                parts.append(piece)
        out += parts
    return out


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + "…"


def _has_phrase(norm_sentence: str, phrase: str) -> bool:
    p = normalise(phrase)
    return bool(p) and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", norm_sentence) is not None


def _ratio(a: str, b: str) -> float:
    try:
        from rapidfuzz import fuzz
    except ImportError:  # pragma: no cover - rapidfuzz is a declared dependency
        return 100.0 if a == b else 0.0
    return float(fuzz.ratio(a, b))


@dataclass(frozen=True)
class Judgement:
    judgement: str
    evidence: str


def _heading(req, lines: list[str], first: int | None = None) -> Judgement:
    want = normalise(req.text)
    scope = lines[:first] if first else lines
    best, best_line = 0.0, None
    for line in scope:
        got = normalise(line)
        if got == want:
            return Judgement("met", f"line: {_quote(line)}")
        if len(got) <= len(want) + 12:
            r = _ratio(got, want)
            if r > best:
                best, best_line = r, line
    if best >= HEADING_MIN_RATIO:
        return Judgement("met", f"line (similarity {best:.0f}%): {_quote(best_line)}")
    where = f"of the first {first} lines " if first else ""
    near = f"; closest: {_quote(best_line)!r} ({best:.0f}%)" if best_line and best >= 60 else ""
    return Judgement("missing", f"no line {where}reads {req.text!r}{near}")


def _matches(req, sentence: str) -> str | None:
    """The phrase or pattern of ``req`` that ``sentence`` contains, or None."""
    norm = normalise(sentence)
    if req.near and not any(_has_phrase(norm, n) for n in req.near):
        return None
    for p in req.phrases:
        if _has_phrase(norm, p):
            return p
    for p in req.patterns:
        if re.search(p, sentence, re.I):
            return f"/{p}/"
    return None


def _statement(req, sents: list[str], *, forbidden: bool) -> Judgement:
    found = [(s, m) for s in sents if (m := _matches(req, s))]
    if forbidden:
        if found:
            return Judgement("violated", " | ".join(f"{_quote(s)} [matched {m}]" for s, m in found[:3]))
        return Judgement("met", "no sentence matches any of its key phrases")
    if found:
        s, m = found[0]
        return Judgement("met", f"{_quote(s)} [matched {m}]")
    keys = ", ".join([*(repr(p) for p in req.phrases), *(f"/{p}/" for p in req.patterns)])
    near = f" (in a sentence mentioning {', '.join(req.near)})" if req.near else ""
    return Judgement("missing", f"no sentence states it: none of {keys}{near}")


def _contact(req, sents: list[str]) -> Judgement:
    quotes, absent = [], []
    for name in req.all_of:
        hit = next((s for s in sents if _has_phrase(normalise(s), name)), None)
        (quotes.append(_quote(hit)) if hit else absent.append(name))
    for p in req.patterns:
        hit = next((s for s in sents if re.search(p, s, re.I)), None)
        (quotes.append(_quote(hit)) if hit else absent.append(f"a number matching /{p}/"))
    if absent:
        return Judgement("missing", f"not found: {', '.join(absent)}" + (f"; found: {' | '.join(quotes)}" if quotes else ""))
    return Judgement("met", " | ".join(dict.fromkeys(quotes)))


def _type_size(req, letter: dict) -> Judgement:
    low = letter.get("min_type_pt")
    if low is None or pd.isna(low):
        return Judgement("not_determinable", f"the {letter.get('format')} file records no type size; check the printed letter")
    if float(low) < req.min_points:
        return Judgement("violated", f"smallest text {float(low):g} pt (sizes {letter.get('type_sizes')}); "
                                     f"at least {req.min_points:g} pt required")
    return Judgement("met", f"type sizes {letter.get('type_sizes')}")


def judge(req, letter: dict) -> Judgement:
    """Judge one content requirement against one letter (``text``, ``format``, ``min_type_pt``)."""
    lines = [ln for ln in str(letter.get("text") or "").split("\n") if ln.strip()]
    if req.kind == "title":
        return _heading(req, lines, TITLE_LINES)
    if req.kind == "heading":
        return _heading(req, lines)
    if req.kind == "type_size":
        return _type_size(req, letter)
    sents = sentences(lines)
    if req.kind == "contact":
        return _contact(req, sents)
    return _statement(req, sents, forbidden=req.kind == "forbidden")


# ---------------------------------------------------------------- the remediation offer

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                 "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
                 "thirty-six": 36, "twenty-four": 24, "forty-two": 42, "forty-eight": 48, "sixty": 60, "a": 1, "an": 1}
#: The named regular expressions the offer is parsed with (docs/methods/letter_content.md).
OFFER_PATTERNS: dict[str, re.Pattern] = {
    "service": re.compile(r"(?P<service>credit monitoring|credit[- ]monitoring|identity (?:theft )?(?:protection|"
                          r"prevention|monitoring|restoration|mitigation)|identity theft insurance|"
                          r"credit (?:file|report) monitoring)", re.I),
    "duration": re.compile(r"(?P<number>\d{1,3}|" + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len,
                                                                     reverse=True)) +
                           r")(?:\s*\(\s*(?P<digits>\d{1,3})\s*\))?[\s-]*(?P<unit>months?|years?)\b", re.I),
    "free": re.compile(r"(?P<free>\bfree\b|at no (?:cost|charge)|no[- ]cost|free of charge|without charge|"
                       r"complimentary|at our expense|no charge)", re.I),
    "paid": re.compile(r"(?P<paid>\$\s?\d|for a (?:small )?fee|discounted|at a reduced (?:price|rate))", re.I),
    "enrol_by": re.compile(r"(?:enrol(?:l)?(?:ment)?|sign up|activate)[^.]{0,40}?\b(?:by|before|until|no later than)\s+"
                           r"(?P<enrol_by>[A-Z][a-z]+ \d{1,2}, \d{4}|\d{4}-\d{2}-\d{2})", re.I),
}


@dataclass(frozen=True)
class Offer:
    """The free service a letter offers: what, for how many months, at what cost, until when to enrol."""

    service: str | None
    months: int | None
    free: bool
    paid: bool
    sentence: str | None
    enrol_by: str | None = None

    def describe(self) -> str:
        if not self.service:
            return "no credit-monitoring or identity-protection offer found"
        dur = f"{self.months} months" if self.months else "no duration stated"
        cost = "free" if self.free and not self.paid else ("paid" if self.paid else "cost not stated")
        enrol = f", enrol by {self.enrol_by}" if self.enrol_by else ""
        return f"{self.service}, {dur}, {cost}{enrol}: {_quote(self.sentence or '')}"


def _months(m: re.Match) -> int:
    n = int(m.group("digits")) if m.group("digits") else (
        int(m.group("number")) if m.group("number").isdigit() else _NUMBER_WORDS[m.group("number").lower()])
    return n * 12 if m.group("unit").lower().startswith("year") else n


def parse_offer(text: str) -> Offer:
    """The credit-monitoring / identity-protection offer a letter states (the longest duration
    named in a sentence that names the service; cost from the same or the next sentence)."""
    sents = sentences([ln for ln in str(text or "").split("\n") if ln.strip()])
    best: Offer | None = None
    for i, s in enumerate(sents):
        svc = OFFER_PATTERNS["service"].search(s)
        if not svc:
            continue
        window = " ".join(sents[i:i + 2])
        months = [_months(m) for m in OFFER_PATTERNS["duration"].finditer(s)]
        enrol = OFFER_PATTERNS["enrol_by"].search(" ".join(sents[i:i + 3]))
        offer = Offer(svc.group("service").lower(), max(months) if months else None,
                      bool(OFFER_PATTERNS["free"].search(window)), bool(OFFER_PATTERNS["paid"].search(s)), s,
                      enrol.group("enrol_by") if enrol else None)
        if best is None or (offer.months or 0) > (best.months or 0):
            best = offer
    return best or Offer(None, None, False, False, None)


def judge_offer(minimum, offer: Offer) -> Judgement:
    """Hold an offer against a remediation minimum."""
    if not offer.service:
        return Judgement("missing", f"no offer of {minimum.service} found; {minimum.months} months required")
    if offer.months is None:
        return Judgement("missing", f"offer states no duration; {minimum.months} months required: {offer.describe()}")
    if offer.months < minimum.months:
        return Judgement("short", f"{offer.months} months offered, {minimum.months} required: {offer.describe()}")
    if not offer.free or offer.paid:
        return Judgement("not_free", f"the letter does not say the service is at no cost: {offer.describe()}")
    return Judgement("met", offer.describe())


# ---------------------------------------------------------------- the check

def _in_force(item, sent: pd.Series) -> pd.Series:
    mask = sent >= item.since
    if item.until is not None:
        mask &= sent < item.until
    return mask


def _span(item) -> str:
    return f"{item.since} .. {item.until or 'open'}"


def letter_content(letters: pd.DataFrame, recipients: pd.DataFrame, book, *,
                   incident_elements: Iterable[str] = (), roles: Iterable[str] = ()) -> tuple[list[Finding], pd.DataFrame]:
    """Judge every letter against the content rules and remediation minimums of every
    jurisdiction whose residents received it.

    Parameters
    ----------
    letters
        The ``letters`` input (``template_id``, ``file``, ``format``, ``text``, ``min_type_pt``,
        ``type_sizes``).
    recipients
        People per (``template_id``, ``jurisdiction``, ``sent_on`` date, ``data_elements``):
        each person once per template, at the date of their first letter of it (``people``).
    book
        The :class:`~workbench.law.RuleBook` (``content_requirements``, ``remediation_minimums``).
    incident_elements
        The incident's exposed elements, for people whose own list is empty.
    roles
        The organisation's roles (a minimum may apply to some roles only).

    Returns
    -------
    (findings, table)
        ``notice_letter`` findings, one per (template, jurisdiction) and code with failures;
        the judgement table (:data:`TABLE_COLUMNS`), every judgement one row.
    """
    incident_elements, roles = list(incident_elements), list(roles)
    by_id = {str(r["template_id"]): r for r in letters.to_dict("records")}
    rec = recipients.copy()
    rec["template_id"] = rec["template_id"].astype(str)
    rec["sent_on"] = pd.to_datetime(rec["sent_on"]).dt.date
    rec["exposed"] = [frozenset(elements_of(elements_key(v if isinstance(v, str) else None, incident_elements)))
                      for v in rec["data_elements"]]
    rows: list[dict[str, Any]] = []
    findings: list[Finding] = []
    for template in sorted(set(by_id) - set(rec["template_id"])):
        rows.append(_row(template, None, "(any)", None, "not_assessed", "no notice uses this letter",
                         letter=by_id[template]))
    for (template, jur), group in rec.groupby(["template_id", "jurisdiction"], sort=True, dropna=True):
        people = int(group["people"].sum())
        letter = by_id.get(template)
        reqs = book.content_requirements(jur)
        mins = book.remediation_minimums(jur)
        if letter is None:
            rows.append(_row(template, jur, "(any)", None, "not_assessed",
                             "no letter file for this template in the letters input", people=people))
            continue
        if not reqs and not mins:
            rows.append(_row(template, jur, "(none recorded)", None, "not_assessed",
                             f"the law data records no letter-content requirement or remediation minimum for {jur}",
                             letter=letter, people=people))
            continue
        failed: dict[str, list[dict]] = {"letter_content": [], "remediation_offer": []}
        for req in reqs:
            sel = group[_in_force(req, group["sent_on"])]
            sel = sel[[req.applies(e) for e in sel["exposed"]]]
            if not len(sel):
                continue
            j = judge(req, letter)
            row = _row(template, jur, req.requirement, req, j.judgement, j.evidence, letter=letter,
                       people=int(sel["people"].sum()))
            rows.append(row)
            if j.judgement in FAILURES:
                failed["letter_content"].append(row)
        offer = parse_offer(letter.get("text"))
        for m in mins:
            sel = group[_in_force(m, group["sent_on"])]
            sel = sel[[m.applies(e, roles) for e in sel["exposed"]]]
            if not len(sel):
                continue
            j = judge_offer(m, offer)
            label = f"{m.months} months of {m.service} (when {', '.join(sorted(m.when_exposed))} exposed)"
            row = _row(template, jur, label, m, j.judgement, j.evidence, letter=letter, people=int(sel["people"].sum()),
                       kind="remediation")
            if m.condition:
                row["evidence"] += f" [condition: {m.condition}]"
            rows.append(row)
            if j.judgement in FAILURES:
                failed["remediation_offer"].append(row)
        for code, fails in failed.items():
            if fails:  # content: every resident who got the letter; an offer: those the minimum is owed to
                count = people if code == "letter_content" else max(int(r["people"]) for r in fails)
                findings.append(_finding(code, template, jur, letter, fails, count))
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return findings, table


def _row(template, jur, requirement, item, judgement, evidence, *, letter=None, people=None, kind=None) -> dict:
    return {"template": template, "jurisdiction": jur, "requirement": requirement,
            "citation": item.citation if item is not None else None, "judgement": judgement, "evidence": evidence,
            "requirement_id": item.id if item is not None else None,
            "kind": kind or (item.kind if item is not None else None),
            "confidence": item.confidence if item is not None else None, "people": people,
            "letter_file": letter.get("file") if letter else None,
            "in_force": _span(item) if item is not None else None}


def _finding(code: str, template: str, jur: str, letter: dict, fails: list[dict], people: int) -> Finding:
    severity, title = CODES[code]
    citations = list(dict.fromkeys(r["citation"] for r in fails))
    what = "; ".join(f"{r['requirement']}: {r['judgement']}" for r in fails)
    return Finding(
        category="notice_letter", code=code, severity=severity,
        title=title.format(template=template, jurisdiction=jur),
        detail=(f"{people} resident(s) of {jur} received letter {template} ({letter.get('format')}), which "
                f"fails {len(fails)} requirement(s) of {jur} law: {what}."),
        jurisdiction=jur, subject=template, count=people, citation="; ".join(citations),
        evidence={"template": template, "letter_file": letter.get("file"), "people": people,
                  "requirements": [{"id": r["requirement_id"], "requirement": r["requirement"],
                                    "citation": r["citation"], "judgement": r["judgement"],
                                    "confidence": r["confidence"], "evidence": r["evidence"],
                                    "people": r["people"]} for r in fails]})


def recipients_sql(tz_param: str = "$tz") -> str:
    """The DuckDB query of :func:`letter_content`'s ``recipients`` over views ``n`` (notices) and
    ``p`` (affected_people): each person once per template, at their first letter of it."""
    return (
        "SELECT template_id, jurisdiction, sent_on, data_elements, count(*) AS people FROM ("
        "  SELECT coalesce(nullif(trim(n.template_id), ''), n.notice_id) AS template_id, "
        "         CAST(p.jurisdiction AS VARCHAR) AS jurisdiction, p.person_id, "
        "         coalesce(p.data_elements, '') AS data_elements, "
        f"        min(CAST(timezone({tz_param}, CAST(n.sent_at AS TIMESTAMPTZ)) AS DATE)) AS sent_on "
        "  FROM n JOIN p ON n.person_id = p.person_id WHERE n.sent_at IS NOT NULL GROUP BY ALL) "
        "GROUP BY ALL ORDER BY ALL")

