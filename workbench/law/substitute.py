"""Substitute notice: the statute's conditions for it, the methods it requires, and the test.

Most US statutes let a notifier replace individual notices by a *substitute notice*
(e-mail where known, a conspicuous posting on its website, notice to statewide media) when
the cost of notice or the number of people to notify is over a threshold, or when it lacks
the contact information. The record (``substitute_notice`` in the law data) holds those
conditions with their citation; :func:`substitute_permitted` says whether a case meets them.
Not legal advice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.law.model import CONFIDENCE_LEVELS, SUBSTITUTE_METHODS, SubstituteNotice, Threshold

if TYPE_CHECKING:
    from workbench.law.model import Rule

__all__ = ["SUBSTITUTE_METHODS", "SubstituteNotice", "Threshold", "parse_substitute", "substitute_permitted"]


_KEYS = {"cost_over_usd", "cost_at_least_usd", "people_over", "people_at_least", "lacks_contact",
         "methods", "methods_needed", "citation", "source", "confidence", "notes"}


def parse_substitute(raw: Any) -> SubstituteNotice | None:
    """A ``substitute_notice`` mapping of the data files -> :class:`SubstituteNotice`; ValueError when malformed."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("expected a mapping (cost_over_usd, people_over, lacks_contact, methods, citation, "
                         f"source, confidence, notes) or null, got {raw!r}")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}")
    thresholds = {}
    for what in ("cost", "people"):
        given = [(c, raw[k]) for c in ("over", "at_least") if (k := f"{what}_{c}{'_usd' if what == 'cost' else ''}") in raw]
        if len(given) > 1:
            raise ValueError(f"give one {what} threshold (over or at_least), not both")
        for comparison, value in given:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{what} threshold must be a whole number >= 0, got {value!r}")
            thresholds[what] = Threshold(comparison, value)
    lacks = raw.get("lacks_contact", False)
    if not isinstance(lacks, bool):
        raise ValueError(f"lacks_contact must be true or false, got {lacks!r}")
    methods = raw.get("methods") or []
    if not isinstance(methods, list) or not methods or any(m not in SUBSTITUTE_METHODS for m in methods):
        raise ValueError(f"methods must be a non-empty list of {', '.join(SUBSTITUTE_METHODS)}; got {methods!r}")
    needed = raw.get("methods_needed")
    if needed is not None and (isinstance(needed, bool) or not isinstance(needed, int) or not 1 <= needed <= len(methods)):
        raise ValueError(f"methods_needed must be a whole number from 1 to the number of methods, got {needed!r}")
    citation = raw.get("citation")
    if not isinstance(citation, str) or not citation.strip():
        raise ValueError("a substitute-notice provision needs its citation")
    source = [raw.get("source")] if isinstance(raw.get("source"), str) else raw.get("source")
    if not isinstance(source, list) or not source or not all(isinstance(s, str) and s.strip() for s in source):
        raise ValueError("a substitute-notice provision needs at least one source")
    confidence = raw.get("confidence")
    if confidence not in CONFIDENCE_LEVELS:
        raise ValueError(f"unknown confidence {confidence!r}; known: {', '.join(CONFIDENCE_LEVELS)}")
    if not (thresholds or lacks):
        raise ValueError("a substitute-notice provision needs at least one condition")
    return SubstituteNotice(thresholds.get("cost"), thresholds.get("people"), lacks, tuple(methods),
                            " ".join(citation.split()), tuple(" ".join(s.split()) for s in source), confidence,
                            " ".join(str(raw.get("notes") or "").split()), needed)


def substitute_permitted(rule: Rule, *, cost_usd: float | None = None, people: int | None = None,
                         lacks_contact: bool | None = None) -> tuple[bool | None, str]:
    """Whether ``rule`` lets the notifier use a substitute notice, and why.

    Parameters
    ----------
    rule
        The rule version in force (its ``substitute_notice`` record).
    cost_usd, people, lacks_contact
        The case's facts: estimated cost of direct notice, people to notify, and whether
        the notifier lacks sufficient contact information; None when not known.

    Returns
    -------
    (permitted, reason)
        True when any statutory condition is met; False when every condition is known and
        none is met; None when the law data records no provision or a deciding fact is unknown.
    """
    sub = rule.substitute_notice
    if not rule.regime:
        return False, f"no breach-notice law in force ({rule.version})"
    if sub is None:
        return None, f"the law data records no substitute-notice conditions for {rule.version}"
    met, unmet, unknown = [], [], []
    for label, limit, fact in (("cost of notice", sub.cost_usd, cost_usd), ("people to notify", sub.people, people)):
        if limit is None:
            continue
        if fact is None:
            unknown.append(f"{label} (statute: {limit})")
        else:
            (met if limit.met(fact) else unmet).append(f"{label} {fact:,} is {'' if limit.met(fact) else 'not '}{limit}")
    if sub.lacks_contact:
        if lacks_contact is None:
            unknown.append("whether contact information is insufficient")
        else:
            (met if lacks_contact else unmet).append(
                "contact information is " + ("insufficient" if lacks_contact else "sufficient"))
    methods = sub.methods_text
    if met:
        return True, f"substitute notice permitted under {sub.citation}: {'; '.join(met)}; required methods: {methods}"
    if unknown:
        return None, (f"substitute notice not shown under {sub.citation}: unknown {'; '.join(unknown)}"
                      + (f"; {'; '.join(unmet)}" if unmet else ""))
    return False, f"substitute notice not permitted under {sub.citation}: {'; '.join(unmet)}"
