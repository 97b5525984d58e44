"""What was exposed for a person: their data elements as one canonical key.

A person's ``data_elements`` (affected_people, pipe-separated) override the incident's
list; an empty or absent value is the incident's list. :func:`elements_key` is the one
normalisation (sorted, distinct, lower case, pipe-separated), used wherever people are
grouped by what was exposed to them (the timelines' deadlines, the benchmark reference).
"""

from __future__ import annotations

from typing import Iterable

#: How a person's exposed elements are written: pipe-separated (docs/data_contracts.md).
ELEMENT_SEPARATOR = "|"


def elements_key(raw: str | None, incident_elements: Iterable[str]) -> str:
    """A person's exposed elements as one canonical text; empty or absent -> the incident's list."""
    parts = [p.strip().lower() for p in (raw or "").split(ELEMENT_SEPARATOR)]
    parts = [p for p in parts if p]
    if not parts:
        parts = [str(e).strip().lower() for e in incident_elements]
    return ELEMENT_SEPARATOR.join(sorted(set(parts)))


def elements_of(key: str) -> list[str]:
    """The elements of a key made by :func:`elements_key`."""
    return [e for e in key.split(ELEMENT_SEPARATOR) if e]
