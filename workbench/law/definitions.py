"""Which exposed data makes a person owed a notice: definitions of personal information as law data.

``workbench/law/data/pi_definitions.yaml`` holds one record per jurisdiction code. A US-style
record lists *triggers*: combinations of data elements (``all: [name, ssn]``) that make the
exposure personal information from ``since`` until ``until`` (exclusive); any one trigger in
force suffices. A GDPR-style record says ``any_personal_data: true`` (any information about
an identified or identifiable person). Dated safe-harbour entries say whether encrypted or
redacted data still counts.

The loader (:mod:`workbench.law.loader`) calls :func:`parse_definition` per record and
:func:`check_definitions` once the rules are read; every problem raises
:class:`~workbench.errors.LawDataError` naming the file and line. :func:`evaluate` is pure and
cached: callers group people by (code, element set, date) and ask once per group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Iterable

from workbench.errors import LawDataError
from workbench.law.elements import ELEMENTS
from workbench.law.model import CONFIDENCE_LEVELS, Rule

#: Keys of one definition record / trigger / safe-harbour entry / name_means: name -> required?
DEFINITION_KEYS: dict[str, bool] = {
    "code": True, "term": True, "citation": True, "source": True, "confidence": True, "since": False, "until": False,
    "any_personal_data": False, "triggers": False, "safe_harbor": False, "name_means": False, "notes": False,
}
TRIGGER_KEYS: dict[str, bool] = {"all": True, "since": True, "until": False, "condition": False, "confidence": False}
SAFE_HARBOR_KEYS: dict[str, bool] = {
    "since": True, "until": False, "encryption": False, "redaction": False, "key_compromise_voids": False, "text": True,
}
NAME_MEANS_KEYS: dict[str, bool] = {"text": True, "also": False}

#: How a coverage answer was reached.
#:  definition        - the jurisdiction's element combinations decided it
#:  any_personal_data - the law covers any information about an identifiable person
#:  no_definition     - the law data holds no definition: every exposed person is treated as owed notice
#:  safe_harbor       - encryption or redaction took the exposure outside the definition (or may have)
#:  unknown_elements  - nothing matched and some elements are outside the vocabulary
COVERAGE_BASES: tuple[str, ...] = ("definition", "any_personal_data", "no_definition", "safe_harbor", "unknown_elements")


@dataclass(frozen=True)
class Trigger:
    """Elements that, all exposed together, are personal information on ``[since, until)``.

    ``since`` is None when the day the combination entered the definition is not sourced
    (the answer is then "cannot tell" unless another trigger decides). ``condition`` is
    statutory wording the engine cannot check from element names (a match through it is
    *conditional*).
    """

    elements: frozenset[str]
    since: dt.date | None
    until: dt.date | None = None
    condition: str | None = None
    confidence: str | None = None
    line: int = field(default=0, compare=False)

    def in_force(self, on: dt.date) -> bool:
        return self.since is not None and self.since <= on and (self.until is None or on < self.until)

    def label(self) -> str:
        """``name + ssn`` (name first, then the rest alphabetically)."""
        return " + ".join(sorted(self.elements, key=lambda e: (e != "name", e)))


@dataclass(frozen=True)
class SafeHarbor:
    """Whether encrypted / redacted data is outside the definition on ``[since, until)``.

    Each flag is True (protected), False (not protected) or None (not sourced);
    ``key_compromise_voids`` is True when the statute says encrypted data counts again if the
    key was also taken.
    """

    since: dt.date
    until: dt.date | None
    encryption: bool | None
    redaction: bool | None
    key_compromise_voids: bool | None
    text: str
    line: int = field(default=0, compare=False)

    def in_force(self, on: dt.date) -> bool:
        return self.since <= on and (self.until is None or on < self.until)


@dataclass(frozen=True)
class NameMeans:
    """Where "name" is wider than first name/initial + last name: the statute's words and the
    vocabulary elements that can stand in for it (a match through them is conditional)."""

    text: str
    also: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Definition:
    """One jurisdiction's definition of the personal information whose exposure is notifiable.

    ``since`` / ``until`` bound a record that holds only for a period (a member state's own
    pre-GDPR law, e.g. BDSG (old) § 42a for EU-DE); such a record wins over the code's
    record without a period (for ``EU-XX``: the copy of ``EU``) on its dates.
    """

    code: str
    term: str
    citation: str
    source: tuple[str, ...]
    confidence: str
    any_personal_data: bool
    triggers: tuple[Trigger, ...]
    safe_harbors: tuple[SafeHarbor, ...]
    name_means: NameMeans | None
    notes: str
    since: dt.date | None = None
    until: dt.date | None = None
    file: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)

    @property
    def dated(self) -> bool:
        """True for a record that holds only on ``[since, until)``."""
        return self.since is not None or self.until is not None

    def in_force(self, on: dt.date) -> bool:
        return (self.since is None or self.since <= on) and (self.until is None or on < self.until)


@dataclass(frozen=True)
class Coverage:
    """Whether the exposed elements make a person owed notice under one jurisdiction's definition.

    ``covered`` is True (owed notice), False (not personal information there) or None (cannot
    tell: unknown elements, an unsourced date or proviso). ``conditional`` is True when the
    match rests only on a trigger with a ``condition`` (or on ``name_means``); the reason
    names the condition. ``basis`` is one of :data:`COVERAGE_BASES`.
    """

    covered: bool | None
    basis: str
    reason: str
    trigger: Trigger | None = None
    conditional: bool = False
    citation: str | None = None
    confidence: str | None = None
    code: str = ""

    def to_dict(self) -> dict:
        t = self.trigger
        return {"code": self.code, "covered": self.covered, "basis": self.basis, "conditional": self.conditional,
                "reason": self.reason, "citation": self.citation, "confidence": self.confidence,
                "trigger": None if t is None else {
                    "all": sorted(t.elements), "since": t.since.isoformat() if t.since else None,
                    "until": t.until.isoformat() if t.until else None, "condition": t.condition}}


# ---------------------------------------------------------------- parsing

class _Rec:
    """One YAML mapping being parsed, to name the file and line of a bad field.

    The loader's mappings carry ``line`` and ``key_lines`` (its ``LineMap``); this module does
    not import the loader (which imports it), so it reads them by name.
    """

    def __init__(self, file: str, rec: Any, keys: dict[str, bool], what: str, code: str | None = None):
        if not isinstance(rec, dict) or not hasattr(rec, "key_lines"):
            raise LawDataError(file, f"each {what} must be a mapping of keys, got {rec!r}")
        self.file, self.rec, self.line = file, rec, rec.line
        self.code = code or (rec.get("code") if isinstance(rec.get("code"), str) else None)
        unknown = [k for k in rec if k not in keys]
        if unknown:
            raise self.fail(unknown[0], f"unknown key; known keys: {', '.join(keys)}")
        missing = [k for k, required in keys.items() if required and k not in rec]
        if missing:
            raise self.fail(None, f"{what}: required key {missing[0]!r} is missing")

    def fail(self, key: str | None, msg: str) -> LawDataError:
        line = self.rec.key_lines.get(key, self.line) if key else self.line
        prefix = f"{self.code}: " if self.code else ""
        return LawDataError(self.file, f"{prefix}{key + ': ' if key else ''}{msg}", line=line)

    def text(self, key: str, *, required: bool = False) -> str | None:
        v = self.rec.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                raise self.fail(key, "required text is missing or empty")
            return None
        if not isinstance(v, str):
            raise self.fail(key, f"expected text, got {v!r}")
        return " ".join(v.split())

    def date(self, key: str) -> dt.date | None:
        v = self.rec.get(key)
        if v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
            return v
        try:
            return dt.date.fromisoformat(str(v))
        except ValueError:
            raise self.fail(key, f"expected a date (YYYY-MM-DD) or null, got {v!r}") from None

    def flag(self, key: str, default: bool | None = None) -> bool | None:
        v = self.rec.get(key, default)
        if v is not None and not isinstance(v, bool):
            raise self.fail(key, f"expected true, false or null (not sourced), got {v!r}")
        return v

    def sources(self) -> tuple[str, ...]:
        v = self.rec.get("source")
        items = [v] if isinstance(v, str) else v
        if not isinstance(items, list) or not items or not all(isinstance(x, str) and x.strip() for x in items):
            raise self.fail("source", "every record needs at least one source (text or a list of texts)")
        return tuple(" ".join(x.split()) for x in items)

    def elements(self, key: str) -> frozenset[str]:
        v = self.rec.get(key)
        if not isinstance(v, list) or not v or not all(isinstance(e, str) for e in v):
            raise self.fail(key, f"expected a non-empty list of data elements, got {v!r}")
        unknown = [e for e in v if e not in ELEMENTS]
        if unknown:
            raise self.fail(key, f"unknown data element {unknown[0]!r}; known: {', '.join(ELEMENTS)} "
                                 "(workbench/law/elements.py)")
        return frozenset(v)

    def confidence(self, *, required: bool) -> str | None:
        c = self.text("confidence", required=required)
        if c is not None and c not in CONFIDENCE_LEVELS:
            raise self.fail("confidence", f"unknown confidence {c!r}; known: {', '.join(CONFIDENCE_LEVELS)}")
        return c

    def interval(self) -> tuple[dt.date | None, dt.date | None]:
        since, until = self.date("since"), self.date("until")
        if since and until and until <= since:
            raise self.fail("until", f"{until} is not after since {since}")
        return since, until

    def items(self, key: str) -> list:
        v = self.rec.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise self.fail(key, f"{key!r} must be a list")
        return v


def _trigger(file: str, rec: Any, code: str) -> Trigger:
    r = _Rec(file, rec, TRIGGER_KEYS, "trigger", code)
    since, until = r.interval()
    return Trigger(elements=r.elements("all"), since=since, until=until, condition=r.text("condition"),
                   confidence=r.confidence(required=False), line=r.line)


def _safe_harbor(file: str, rec: Any, code: str) -> SafeHarbor:
    r = _Rec(file, rec, SAFE_HARBOR_KEYS, "safe_harbor entry", code)
    since, until = r.interval()
    if since is None:
        raise r.fail("since", "a safe-harbour entry needs the day it took effect")
    return SafeHarbor(since=since, until=until, encryption=r.flag("encryption"), redaction=r.flag("redaction"),
                      key_compromise_voids=r.flag("key_compromise_voids"), text=r.text("text", required=True),
                      line=r.line)


def _name_means(r: _Rec) -> NameMeans | None:
    v = r.rec.get("name_means")
    if v is None or isinstance(v, str):
        return None if v is None else NameMeans(" ".join(v.split()))
    sub = _Rec(r.file, v, NAME_MEANS_KEYS, "name_means", r.code)
    return NameMeans(sub.text("text", required=True), sub.elements("also") if v.get("also") is not None else frozenset())


def parse_definition(file: str, rec: Any) -> Definition:
    """One record of ``definitions:`` -> :class:`Definition`; LawDataError(file, line) on any problem."""
    r = _Rec(file, rec, DEFINITION_KEYS, "definition")
    code = r.text("code", required=True)
    any_pd = bool(r.flag("any_personal_data", False))
    triggers = tuple(_trigger(file, t, code) for t in r.items("triggers"))
    if any_pd and triggers:
        raise r.fail("triggers", "a record with any_personal_data: true takes no triggers")
    if not any_pd and not triggers:
        raise r.fail(None, "give triggers, or any_personal_data: true")
    since, until = r.interval()
    return Definition(
        code=code, term=r.text("term", required=True), citation=r.text("citation", required=True),
        source=r.sources(), confidence=r.confidence(required=True), any_personal_data=any_pd, triggers=triggers,
        safe_harbors=tuple(_safe_harbor(file, s, code) for s in r.items("safe_harbor")),
        name_means=_name_means(r), notes=r.text("notes") or "", since=since, until=until, file=file, line=r.line,
    )


def check_definitions(definitions: list[Definition], rules: list[Rule],
                      members: list[dict]) -> dict[str, tuple[Definition, ...]]:
    """Validate the definitions against the rules and copy ``EU`` to every ``EU-XX``.

    Per code at most one record without a period and any number of dated records
    (``since`` / ``until``) that do not overlap each other; the code must have rule versions;
    every record, trigger and safe-harbour date must lie inside that code's history (from its
    first version's ``effective_from`` to its last ``superseded_on``); an encryption safe
    harbour must not contradict the ``encryption_safe_harbor`` of a rule version in force at
    the same time. Returns per code its dated records (by start) and then the record without
    a period; an ``EU-XX`` without one of its own gets the copy of ``EU`` as that fallback.
    """
    by_code: dict[str, list[Rule]] = {}
    for r in rules:
        by_code.setdefault(r.code, []).append(r)
    dated: dict[str, list[Definition]] = {}
    base: dict[str, Definition] = {}
    for d in definitions:
        versions = sorted(by_code.get(d.code, []), key=lambda r: r.effective_from or dt.date.min)
        if not versions:
            raise LawDataError(d.file, f"{d.code}: no rule versions for this code in the law data", line=d.line)
        if not d.dated and d.code in base:
            raise LawDataError(d.file, f"{d.code}: a second definition record without since/until for the code "
                                       f"(the first is at line {base[d.code].line})", line=d.line)
        for other in dated.get(d.code, []) if d.dated else ():
            if _periods_overlap(d, other):
                raise LawDataError(d.file, f"{d.code}: definition record [{d.since}, {d.until}) overlaps the one at "
                                           f"line {other.line} [{other.since}, {other.until})", line=d.line)
        _check_dates(d, versions)
        _check_encryption(d, versions)
        if d.dated:
            dated.setdefault(d.code, []).append(d)
        else:
            base[d.code] = d
    if "EU" in base:
        for m in members:
            code = f"EU-{m['country']}"
            if code not in base and code in by_code:
                base[code] = replace(base["EU"], code=code)
    out: dict[str, tuple[Definition, ...]] = {}
    for code in sorted(set(dated) | set(base)):
        records = sorted(dated.get(code, []), key=lambda d: d.since or dt.date.min)
        out[code] = tuple(records) + ((base[code],) if code in base else ())
    return out


def _periods_overlap(a: Definition, b: Definition) -> bool:
    return (a.until is None or b.since is None or b.since < a.until) and (
        b.until is None or a.since is None or a.since < b.until)


def definition_on(records: tuple[Definition, ...], on: dt.date | None) -> Definition | None:
    """The record of one code in force on ``on``: a dated record covering it, else the one without a period.

    Without ``on``, the record without a period (the code's general definition), or the last dated one.
    """
    if not records:
        return None
    if on is None:
        return next((d for d in records if not d.dated), records[-1])
    return next((d for d in records if d.dated and d.in_force(on)),
                next((d for d in records if not d.dated), None))


def _check_dates(d: Definition, versions: list[Rule]) -> None:
    first, last = versions[0].effective_from, versions[-1].superseded_on
    items = [("trigger", t) for t in d.triggers] + [("safe_harbor entry", s) for s in d.safe_harbors]
    for what, item in [("record", d)] + items:
        for key, day in (("since", item.since), ("until", item.until)):
            if day is None:
                continue
            if first is not None and day < first:
                raise LawDataError(d.file, f"{d.code}: {what} {key} {day} is before the code's first rule "
                                           f"version ({versions[0].version})", line=item.line)
            if last is not None and day > last:
                raise LawDataError(d.file, f"{d.code}: {what} {key} {day} is after the code's last rule "
                                           f"version ends ({last})", line=item.line)


def _overlaps(r: Rule, since: dt.date, until: dt.date | None) -> bool:
    return (r.superseded_on is None or since < r.superseded_on) and (
        until is None or r.effective_from is None or r.effective_from < until)


def _check_encryption(d: Definition, versions: list[Rule]) -> None:
    for s in d.safe_harbors:
        if s.encryption is None:
            continue
        for r in versions:
            if r.regime and r.encryption_safe_harbor is not None and r.encryption_safe_harbor != s.encryption \
                    and _overlaps(r, s.since, s.until):
                raise LawDataError(d.file, f"{d.code}: safe_harbor entry from {s.since} says encryption "
                                           f"{'is' if s.encryption else 'is not'} a safe harbour, but rule version "
                                           f"{r.version} says encryption_safe_harbor: {str(r.encryption_safe_harbor).lower()}",
                                   line=s.line)


# ---------------------------------------------------------------- evaluation

def no_definition(code: str) -> Coverage:
    """The answer for a code the definitions do not cover."""
    return Coverage(True, "no_definition",
                    f"the law data holds no definition of personal information for {code}, so every exposed "
                    "person is treated as owed notice", code=code)


@lru_cache(maxsize=65536)
def evaluate(d: Definition, elements: frozenset[str], on: dt.date, *, encrypted: bool = False,
             redacted: bool = False, key_compromised: bool = False) -> Coverage:
    """Whether exposing ``elements`` on ``on`` makes a person owed notice under ``d`` (pure, cached).

    A trigger matches when all its elements are exposed (``name`` may be stood in for by
    ``name_means.also``, which makes the match conditional). An unconditional match is
    preferred to a conditional one; a trigger whose start is unsourced can only make the
    answer "cannot tell". A safe harbour in force on ``on`` then takes encrypted / redacted
    data out of the definition, unless the key was compromised and the statute says that
    voids it (an unsourced key proviso: "cannot tell").
    """
    def answer(covered: bool | None, basis: str, reason: str, trigger: Trigger | None = None,
               conditional: bool = False) -> Coverage:
        conf = d.confidence if trigger is None or trigger.confidence is None else trigger.confidence
        return Coverage(covered, basis, reason, trigger, conditional, d.citation, conf, d.code)

    unknown = sorted(e for e in elements if e not in ELEMENTS)
    shown = ", ".join(sorted(elements)) or "none"
    if not elements:
        return answer(False, "definition", f"no data elements exposed: nothing to notify under {d.citation}")
    if d.any_personal_data:
        match = answer(True, "any_personal_data",
                       f"{shown}: personal data under {d.citation} (any information relating to an identified "
                       "or identifiable person)")
    else:
        match = _match_triggers(d, elements, on, answer)
        if match is None:
            if unknown:
                return answer(None, "unknown_elements",
                              f"no combination of the known elements is personal information under {d.citation} "
                              f"on {on}, and {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} outside "
                              "the vocabulary (workbench/law/elements.py)")
            return answer(False, "definition",
                          f"elements exposed ({shown}) are not personal information under {d.citation} on {on}")
    if match.covered is None or not (encrypted or redacted):
        return match
    return _apply_safe_harbour(d, match, on, encrypted, redacted, key_compromised, answer)


def _match_triggers(d: Definition, elements: frozenset[str], on: dt.date, answer) -> Coverage | None:
    stand_in = sorted(d.name_means.also & elements) if d.name_means else []
    named = elements | {"name"} if stand_in else elements
    best: tuple[int, Trigger, bool] | None = None
    undated: Trigger | None = None
    for t in d.triggers:
        if t.until is not None and on >= t.until:
            continue
        direct = t.elements <= elements
        if not direct and not t.elements <= named:
            continue
        if t.since is None:
            undated = undated or t
            continue
        if not t.in_force(on):
            continue
        via_name = not direct
        rank = (t.condition is not None) + 2 * via_name
        if best is None or rank < best[0]:
            best = (rank, t, via_name)
    if best is not None:
        rank, t, via_name = best
        since = f" since {t.since}"
        if rank == 0:
            return answer(True, "definition", f"{t.label()}: personal information under {d.citation}{since}", t)
        words = []
        if t.condition:
            words.append(f"only if {t.condition}")
        if via_name:
            words.append(f"{', '.join(stand_in)} standing in for the name ({d.name_means.text})")
        return answer(True, "definition",
                      f"{t.label()}: personal information under {d.citation}{since}, conditional: {'; '.join(words)}",
                      t, conditional=True)
    if undated is not None:
        return answer(None, "definition",
                      f"{undated.label()} is personal information under {d.citation}, but the day it entered the "
                      f"definition is not sourced, so coverage on {on} cannot be told", undated)
    return None


def _apply_safe_harbour(d: Definition, match: Coverage, on: dt.date, encrypted: bool, redacted: bool,
                        key_compromised: bool, answer) -> Coverage:
    entry = next((s for s in d.safe_harbors if s.in_force(on)), None)
    if entry is None:
        return match
    notes: list[str] = []
    if redacted and entry.redaction:
        return answer(False, "safe_harbor", f"redacted data is not personal information under {d.citation} "
                                            f"on {on} ({entry.text})", match.trigger, match.conditional)
    if redacted:
        notes.append("redaction " + ("is no safe harbour here" if entry.redaction is False else
                                     "is not known to be a safe harbour here"))
    if encrypted and entry.encryption:
        if not key_compromised or entry.key_compromise_voids is False:
            return answer(False, "safe_harbor", f"encrypted data is not personal information under {d.citation} "
                                                f"on {on} ({entry.text})", match.trigger, match.conditional)
        if entry.key_compromise_voids is None:
            return answer(None, "safe_harbor",
                          f"encrypted data is outside the definition under {d.citation} on {on}, but the key was "
                          f"compromised and whether that voids the safe harbour is not sourced ({entry.text})",
                          match.trigger, match.conditional)
        notes.append("the encryption key was also compromised, which voids the safe harbour")
    elif encrypted:
        notes.append("encryption " + ("is no safe harbour here" if entry.encryption is False else
                                      "is not known to be a safe harbour here"))
    return replace(match, reason=f"{match.reason}; {'; '.join(notes)} ({entry.text})")


def as_elements(elements: Iterable[str]) -> frozenset[str]:
    """A case's element list as the cache key of :func:`evaluate` (trimmed, duplicates dropped)."""
    return frozenset(e.strip() for e in elements if e and e.strip())
