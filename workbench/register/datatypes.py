"""Free-text data types of a register -> the workbench's data elements, by a reviewed table.

The table is data (``data/data_type_synonyms.yaml``): phrases per element, and ``broad``
register categories that stand for several elements. A cell is split on ``;``, ``,``,
``|`` and line breaks; a piece that is no phrase is split again on ``and``, ``&`` and ``/``
(so "Name and SSN" is two terms but "Username and Password" stays one). Terms that match
nothing are returned as unmatched, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from workbench.errors import InputError
from workbench.law.elements import ELEMENTS

SYNONYMS_FILE = Path(__file__).parent / "data" / "data_type_synonyms.yaml"
_FIRST_SPLIT = re.compile(r"\s*(?:;|,|\||\n)\s*")
_SECOND_SPLIT = re.compile(r"\s*(?:\band\b|&|/|\bor\b)\s*", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")


def normalise_term(text: str) -> str:
    """Lower case, apostrophes dropped, other punctuation a space, spaces collapsed."""
    t = text.lower().replace("'", "").replace("\u2019", "")
    return " ".join(_NOT_WORD.sub(" ", t).split())


@dataclass(frozen=True)
class SynonymTable:
    """phrase -> elements; ``broad`` phrases stand for several elements."""

    exact: dict[str, tuple[str, ...]]
    broad: dict[str, tuple[str, ...]]

    def lookup(self, term: str) -> tuple[tuple[str, ...], bool] | None:
        key = normalise_term(term)
        if key in self.exact:
            return self.exact[key], False
        if key in self.broad:
            return self.broad[key], True
        return None


@lru_cache(maxsize=4)
def load_synonyms(path: str | Path = SYNONYMS_FILE) -> SynonymTable:
    """Read and check the synonym table: every element must be in the vocabulary, no phrase twice."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    exact: dict[str, tuple[str, ...]] = {}
    broad: dict[str, tuple[str, ...]] = {}
    for element, phrases in (raw.get("elements") or {}).items():
        if element not in ELEMENTS:
            raise InputError(str(path), f"unknown data element {element!r}", field="elements",
                             expected="a name of workbench/law/elements.py")
        for phrase in phrases:
            key = normalise_term(str(phrase))
            if key in exact and exact[key] != (element,):
                raise InputError(str(path), f"phrase {phrase!r} is listed for {exact[key][0]} and {element}",
                                 field="elements")
            exact[key] = (element,)
    for phrase, elements in (raw.get("broad") or {}).items():
        bad = [e for e in elements if e not in ELEMENTS]
        if bad:
            raise InputError(str(path), f"unknown data element(s) {bad} for {phrase!r}", field="broad",
                             expected="names of workbench/law/elements.py")
        key = normalise_term(str(phrase))
        if key in exact:
            raise InputError(str(path), f"phrase {phrase!r} is both exact and broad", field="broad")
        broad[key] = tuple(elements)
    return SynonymTable(exact, broad)


@dataclass(frozen=True)
class DataTypes:
    """The elements a cell names (vocabulary order), the terms that matched nothing, and
    whether a broad category contributed."""

    elements: tuple[str, ...]
    unmatched: tuple[str, ...]
    broad: bool = False


@lru_cache(maxsize=65536)
def normalise_data_types(text: str, table: SynonymTable | None = None) -> DataTypes:
    """Map one register cell of free-text data types to data elements (cached per text)."""
    table = table or load_synonyms()
    found: set[str] = set()
    unmatched: list[str] = []
    broad = False
    for piece in (p for p in _FIRST_SPLIT.split(text.strip()) if p):
        hit = table.lookup(piece)
        if hit is None:
            parts = [p for p in _SECOND_SPLIT.split(piece) if p.strip()]
            hits = [(p, table.lookup(p)) for p in parts]
            if len(parts) > 1 and any(h for _, h in hits):
                for p, h in hits:
                    if h is None:
                        unmatched.append(p.strip())
                    else:
                        found |= set(h[0])
                        broad |= h[1]
                continue
            unmatched.append(piece.strip())
            continue
        found |= set(hit[0])
        broad |= hit[1]
    order = {e: i for i, e in enumerate(ELEMENTS)}
    return DataTypes(tuple(sorted(found, key=order.__getitem__)), tuple(dict.fromkeys(unmatched)), broad)
