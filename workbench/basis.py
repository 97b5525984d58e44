"""What every finding rests on: a statute, a rule, or the audit standard it applies.

A reviewed registry (:data:`BASES`), one entry per basis, each with the check codes it
covers, the kind (``statute``, ``rule``, ``audit_standard``), the sentence a finding
shows, and the anchor (``ref``) of its explanation in the report's method section
(``workbench/templates/report/_method_basis.html.j2``, generated from this registry by
:func:`method_html`; a test holds the committed file to it).

- Notice deadlines and the Form 4 and insider-trading checks cite the statute or rule the
  finding already carries in ``citation`` (the law data's citation): the basis text is that
  citation. A finding of a statutory entry without a citation is said so, as a rule of the
  law data, never given an invented statute.
- Data-quality findings apply the data contract (``docs/data_contracts.md``): the expectation
  and suite of ``expectations/<input>.json`` that failed, or the typed schema a row did not
  parse into.
- Letter findings apply the letters reconciliation rule; look-alike links the link-audit
  rule; awards in the crisis window a stated audit standard (not a prohibition).

:func:`basis_for` looks a finding's code up: an exact code, then a code prefix
(``dq.<input>.``), then the finding's category (a new check of a category rests on that
category's standard until it gets its own entry).
"""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass
from typing import Any

from workbench.registry import Registry

#: A :class:`workbench.findings.Finding` (not imported: findings imports this module).
Finding = Any


class BasisKind(enum.StrEnum):
    """What a basis is."""

    STATUTE = "statute"
    RULE = "rule"
    AUDIT_STANDARD = "audit_standard"


#: Every basis kind, as text (findings.json schema).
BASIS_KINDS: tuple[str, ...] = tuple(k.value for k in BasisKind)


@dataclass(frozen=True)
class Basis:
    """The published basis of one finding (``findings.json`` ``basis``)."""

    kind: BasisKind
    text: str
    ref: str

    def to_json(self) -> dict[str, str]:
        return {"kind": str(self.kind), "text": self.text, "ref": self.ref}


@dataclass(frozen=True)
class BasisEntry:
    """One reviewed basis: the checks it covers and how the method section explains it.

    ``kind`` STATUTE or RULE with ``cited``: the finding's ``citation`` is the text (the law
    data's); ``text`` is a template on the finding's fields and evidence otherwise (and when
    a cited finding has no citation: then the kind becomes RULE, "no citation recorded").
    """

    ref: str
    kind: BasisKind
    title: str
    text: str
    explanation: str
    codes: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    cited: bool = False

    def basis(self, f: Finding) -> Basis:
        if self.cited and f.citation:
            return Basis(self.kind, f.citation, self.ref)
        values = _Fields(f)
        text = self.text.format_map(values)
        kind = BasisKind.RULE if self.cited else self.kind
        return Basis(kind, text, self.ref)


class _Fields(dict):
    """A finding's fields and evidence for a text template; a missing key reads '?'."""

    def __init__(self, f: Finding) -> None:
        ev = f.evidence or {}
        code = f.code
        parts = code.split(".")
        super().__init__(code=code, subject=f.subject or "", jurisdiction=f.jurisdiction or "",
                         input=parts[1] if code.startswith("dq.") and len(parts) > 1 else (f.subject or ""),
                         check=parts[2] if code.startswith("dq.") and len(parts) > 2 else code,
                         expectation=ev.get("expectation") or "an expectation",
                         rule_version=ev.get("rule_version") or "the law data")

    def __missing__(self, key: str) -> str:
        return "?"


BASES: Registry[BasisEntry] = Registry("finding basis")


def register(entry: BasisEntry) -> BasisEntry:
    BASES.register(entry.ref, entry)
    return entry


#: The report's method section anchors (``ref``) are ``basis-<name>``.
for _entry in (
    BasisEntry(
        "basis-notice-law", BasisKind.STATUTE, "Notice deadlines under the breach-notification laws",
        "{rule_version}: the jurisdiction's breach-notification rule (no citation recorded in the law data)",
        "Every notice to an affected person, a regulator, the consumer reporting agencies or the media is held "
        "against the deadline of the jurisdiction's breach-notification law, as the reviewed law data states it "
        "(workbench/law/data/: each rule with its citation, source and confidence). Where the law sets no number "
        "of days the deadline is the case's assessment_days and the citation says \"assessment, not statutory\".",
        codes=("late_notice", "missing_notice", "pending_notice", "not_owed_notice", "elements_not_assessed",
               "regulator_notice_missing", "regulator_notice_late", "regulator_notice_pending",
               "cra_notice_missing", "cra_notice_late", "cra_notice_pending",
               "media_notice_missing", "media_notice_late", "media_notice_pending",
               "residents_reported_mismatch", "regulator_count_revised", "register_late_notice"),
        categories=("notice_timeliness", "regulator_notice", "cra_notice"), cited=True),
    BasisEntry(
        "basis-jurisdiction-mapping", BasisKind.AUDIT_STANDARD, "Placing each person in a jurisdiction",
        "Audit standard: each affected person is placed in one jurisdiction of the law data by country and region; "
        "a person who cannot be placed is not judged against any deadline",
        "One function maps a person's country and region to a jurisdiction of the law data. A person it cannot "
        "place is counted and reported, never dropped or judged under a guessed law.",
        codes=("jurisdiction_unknown",)),
    BasisEntry(
        "basis-data-contract", BasisKind.AUDIT_STANDARD, "The data contract and its expectations",
        "Data contract (docs/data_contracts.md): expectation '{check}' ({expectation}) of the suite "
        "expectations/{input}.json",
        "Each input is validated against the data contract (docs/data_contracts.md) by the Great Expectations "
        "suite expectations/<input>.json. Each expectation's meta gives its severity and a one-line rationale, "
        "reviewed as data; a failure is one finding with exact counts of the failing rows.",
        prefixes=("dq.",), categories=("data_quality",)),
    BasisEntry(
        "basis-data-contract-parse", BasisKind.AUDIT_STANDARD, "Rows that do not parse into the contract's types",
        "Data contract (docs/data_contracts.md): every row of {input} parses into the input's typed schema",
        "Every input is typed once at intake by the one value parser. A row that does not parse is rejected, "
        "kept in the run's rejects table with its row, field and reason, and assessed by no other check.",
        codes=("register_rows_rejected",), prefixes=("dq.*.rows_rejected",)),
    BasisEntry(
        "basis-population-reconciliation", BasisKind.AUDIT_STANDARD, "Reconciling notices with the affected people",
        "Reconciliation rule: every affected person has a notice record, and every notice names an affected person",
        "The notices table and the affected-people table are reconciled over the whole population: a notice that "
        "names no affected person, or an affected person with no notice row, is a data-quality fact. Whether a "
        "notice was owed, and by when, is the notice-timeline stage's judgement (it owns that fact).",
        codes=("dq.population.notice_unknown_person", "dq.population.person_without_notice")),
    BasisEntry(
        "basis-letters-reconciliation", BasisKind.AUDIT_STANDARD, "The letters reconciliation rule",
        "Reconciliation rule for notice letters: each affected person gets one correct letter, addressed to them, "
        "sent after the breach was determined, describing every data element exposed for them ({code})",
        "Notice letters are reconciled with the affected people: a letter to someone not affected, an affected "
        "person with no letter, duplicates on one channel, a recipient name that is misspelled or another "
        "person's, a letter describing fewer data elements than were exposed, or one dated before the breach was "
        "determined breaks the rule. One finding per problem kind, counted in people.",
        categories=("notice_letter",)),
    BasisEntry(
        "basis-letter-content", BasisKind.STATUTE, "What a notice letter must say and offer",
        "{jurisdiction}: the content and remediation rules of the breach-notification law (no citation recorded)",
        "Each letter template is held, for every jurisdiction whose residents received it, against that "
        "jurisdiction's content requirements (title, headings, required and forbidden statements, contact "
        "details, type size) and its minimum credit-monitoring or identity-protection offer, as the reviewed law "
        "data states them (workbench/law/data/letter_content.yaml, each with its citation, source and "
        "confidence). Headings are matched by normalised text, statements by the rule's key phrases: every "
        "judgement is quoted for a reviewer (docs/methods/letter_content.md).",
        codes=("letter_content", "remediation_offer"), cited=True),
    BasisEntry(
        "basis-link-audit", BasisKind.AUDIT_STANDARD, "The link-audit rule",
        "Link-audit rule: official messages and letters link only the organisation's official domains; a "
        "look-alike or unofficial domain is scored against them ({code})",
        "Every domain linked by an official message or a notice letter is compared with the case's official "
        "domains (homoglyphs, typos, added or removed words, other suffixes). A look-alike can be registered by "
        "anyone and used to phish the people the notice is meant to protect; a well-known third-party site "
        "(identitytheft.gov, a credit bureau) is shown for information.",
        codes=("letter_lookalike_link", "letter_unofficial_link", "letter_third_party_link"),
        categories=("lookalike_link",)),
    BasisEntry(
        "basis-insider-trading", BasisKind.STATUTE, "Insider trading between discovery and disclosure",
        "Securities Exchange Act of 1934 s.10(b) and Rule 10b-5 (no citation recorded on the finding)",
        "Sales by insiders between the discovery of the breach and its public disclosure are reported against "
        "s.10(b) of the Securities Exchange Act of 1934 and Rule 10b-5, with the Rule 10b5-1(c) trading-plan "
        "defence judged from the reviewed plan rules. A finding is a question for enforcement, not a conclusion "
        "that the law was broken.",
        codes=("insider_sale_in_window", "insider_sale_in_window_10b5_1", "insider_sale_before_discovery"),
        categories=("insider_trading",), cited=True),
    BasisEntry(
        "basis-form4", BasisKind.RULE, "Form 4 deadlines",
        "Securities Exchange Act of 1934 s.16(a)(2)(C) and Rule 16a-3(g) (no citation recorded on the finding)",
        "A Form 4 is due before the end of the second business day after the transaction (or its deemed "
        "execution date) under s.16(a)(2)(C) of the Securities Exchange Act of 1934 and Rule 16a-3(g); business "
        "days exclude US federal holidays.",
        codes=("form4_filed_late",), cited=True),
    BasisEntry(
        "basis-compensation", BasisKind.AUDIT_STANDARD, "Awards in the crisis window (audit standard)",
        "Audit standard: an award to an executive from discovery to the case's window after disclosure is "
        "reported with its amount and timing; it is not unlawful in itself",
        "An award (bonus, equity, severance, retirement benefit) to an executive between the discovery of the "
        "breach and the end of the case's window after disclosure is not unlawful by itself; this audit reports "
        "it, with amount and timing, because a board rewarding those in charge while the harm unfolds is what a "
        "regulator and shareholders ask about. No rule is cited: awards to named executive officers are disclosed "
        "under SEC Regulation S-K Item 402, which this audit does not test.",
        categories=("compensation",)),
):
    register(_entry)


def entries() -> list[BasisEntry]:
    """Every basis entry, in registry order."""
    return [BASES.get(n) for n in BASES]


def _matches_prefix(code: str, prefix: str) -> bool:
    if "*" in prefix:  # dq.*.rows_rejected: any input
        head, tail = prefix.split("*", 1)
        return code.startswith(head) and code.endswith(tail) and len(code) > len(head) + len(tail)
    return code.startswith(prefix)


def entry_for(category: str, code: str) -> BasisEntry:
    """The entry a check code rests on: an exact code, then the most specific prefix, then
    the category. Raises ``KeyError`` naming the code when none applies."""
    for e in entries():
        if code in e.codes:
            return e
    prefixed = [(len(p), e) for e in entries() for p in e.prefixes if _matches_prefix(code, p)]
    if prefixed:
        return max(prefixed, key=lambda x: x[0])[1]
    for e in entries():
        if category in e.categories:
            return e
    raise KeyError(f"no basis for check {code!r} of category {category!r}; add one to workbench/basis.py")


def basis_for(f: Finding) -> Basis:
    """The basis of a finding (see the module docstring)."""
    return entry_for(f.category, f.code).basis(f)


def method_html() -> str:
    """The method section's list of bases, one anchored explanation each (the template
    includes ``_method_basis.html.j2``, which is this text; a test keeps them equal)."""
    lines = ["{# Generated by workbench.basis.method_html(); do not edit by hand. #}",
             "<h3>What each finding rests on</h3>",
             "<p>Every finding names its basis: a statute or rule where one applies, else the audit standard it "
             "applies. Each finding links to the explanation of its basis here.</p>",
             "<dl class=\"bases\">"]
    for e in entries():
        lines.append(f"<dt id=\"{e.ref}\">{html.escape(e.title)} <span class=\"basis-kind\">"
                     f"({html.escape(str(e.kind).replace('_', ' '))})</span></dt>")
        lines.append(f"<dd>{html.escape(e.explanation)}</dd>")
    lines.append("</dl>")
    return "\n".join(lines) + "\n"


def as_table() -> list[dict[str, Any]]:
    """The registry as rows (for docs and tests)."""
    return [{"ref": e.ref, "kind": str(e.kind), "title": e.title, "codes": list(e.codes),
             "prefixes": list(e.prefixes), "categories": list(e.categories)} for e in entries()]
