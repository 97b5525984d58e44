"""Where people live and which of them carry a planted defect, decided before any row exists.

People are generated in chunks. Each chunk's mix of places is an exact proportional
allocation (largest remainder), so the plan knows, without generating a row, how many
residents of every place each chunk holds. A defect is then a set of *ranks* inside a pool
(the residents of some places, in file order); while a chunk is generated the ranks that
fall inside it are turned into row positions. Pools of different defect kinds are disjoint
sets of places, and kinds drawn from one pool share one draw without replacement, so no
person carries two defects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.errors import WorkbenchError
from workbench.synth import reference as ref
from workbench.synth import scenario as sc

#: Every place a person can live in: the 54 US codes, then the abroad countries.
PLACE_CODES: tuple[str, ...] = ref.US_CODES + tuple(c for c, _ in ref.ABROAD)
N_US = len(ref.US_CODES)
PLACE_IS_US = np.array([i < N_US for i in range(len(PLACE_CODES))])
_POP = np.array([p[2] for p in ref.US_PLACES], dtype=np.float64)
PLACE_WEIGHTS = np.concatenate([
    _POP / _POP.sum() * (1.0 - ref.ABROAD_SHARE),
    np.array([w for _, w in ref.ABROAD]) / sum(w for _, w in ref.ABROAD) * ref.ABROAD_SHARE,
])
#: Defect kind codes stored per row while generating (0 = clean).
KIND_CODES: dict[str, int] = {k: i + 1 for i, k in enumerate(
    ("late_notice", "missing_notice", "notice_before_determination", "duplicate_person_id",
     "not_personal_information")
    + sc.GENERAL_KINDS)}
KIND_NAMES: dict[int, str] = {v: k for k, v in KIND_CODES.items()}


def place_index(code: str) -> int:
    """Index of a place code (``FL``, ``DE``...) in :data:`PLACE_CODES`."""
    return PLACE_CODES.index(code)


def jurisdiction_place(jurisdiction: str) -> int:
    """Place index of a US law-data code such as ``US-FL``."""
    return place_index(jurisdiction.removeprefix("US-"))


def allocate(n: int) -> np.ndarray:
    """Split ``n`` people over the places in proportion to :data:`PLACE_WEIGHTS`.

    Largest-remainder rounding: the counts sum to ``n`` exactly and each differs from its
    exact share by less than one.
    """
    exact = PLACE_WEIGHTS * n
    counts = np.floor(exact).astype(np.int64)
    short = n - int(counts.sum())
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


@dataclass
class Selection:
    """Ranks chosen inside one pool, with the defect kind of each rank."""

    places: np.ndarray          # place indices forming the pool
    ranks: np.ndarray           # sorted ranks (0-based, file order within the pool)
    kinds: np.ndarray           # kind code per rank
    jurisdiction: str | None = None


@dataclass
class Plan:
    """Chunk layout and defect selections of one generated case."""

    people: int
    seed: int
    chunk_rows: int
    chunk_sizes: list[int]
    chunk_counts: np.ndarray    # (n_chunks, n_places) residents per chunk and place
    selections: list[Selection] = field(default_factory=list)

    @property
    def chunk_starts(self) -> list[int]:
        return [0] + list(np.cumsum(self.chunk_sizes)[:-1])

    def place_totals(self) -> np.ndarray:
        return self.chunk_counts.sum(axis=0)

    def defect_positions(self, chunk: int, places: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row positions (within ``chunk``) and kind codes of every planted person-level defect.

        ``places`` is the chunk's generated place index per row.
        """
        pos_all, kind_all = [], []
        for sel in self.selections:
            per_chunk = self.chunk_counts[:, sel.places].sum(axis=1)
            offset = int(per_chunk[:chunk].sum())
            inside = (sel.ranks >= offset) & (sel.ranks < offset + per_chunk[chunk])
            if not inside.any():
                continue
            members = np.flatnonzero(np.isin(places, sel.places))
            pos_all.append(members[sel.ranks[inside] - offset])
            kind_all.append(sel.kinds[inside])
        if not pos_all:
            return np.empty(0, np.int64), np.empty(0, np.int8)
        return np.concatenate(pos_all), np.concatenate(kind_all).astype(np.int8)


def _count(rate: float, base: int) -> int:
    return max(1, int(round(rate * base)))


def make_plan(people: int, seed: int, chunk_rows: int) -> Plan:
    """Lay out the chunks and choose every defect's people, deterministically from ``seed``."""
    if people < sc.MIN_PEOPLE:
        raise WorkbenchError(f"--people {people}: the synthetic case needs at least {sc.MIN_PEOPLE} "
                             "people so that every planted defect has room")
    if chunk_rows < 1:
        raise WorkbenchError(f"chunk_rows must be positive, got {chunk_rows}")
    sizes = [chunk_rows] * (people // chunk_rows)
    if people % chunk_rows:
        sizes.append(people % chunk_rows)
    counts = np.stack([allocate(s) for s in sizes])
    plan = Plan(people, seed, chunk_rows, sizes, counts)
    rng = np.random.default_rng([seed, 0])
    totals = plan.place_totals()

    def draw(places: list[int], kinds: list[tuple[str, int]], *, limit: int | None = None,
             jurisdiction: str | None = None) -> None:
        pool = int(totals[places].sum()) if limit is None else limit
        need = sum(k for _, k in kinds)
        if need > pool:
            raise WorkbenchError(f"--people {people}: pool {[PLACE_CODES[p] for p in places]} has "
                                 f"{pool} people, {need} needed for {[k for k, _ in kinds]}; use more people")
        ranks = rng.choice(pool, size=need, replace=False)
        codes = np.repeat([KIND_CODES[k] for k, _ in kinds], [k for _, k in kinds])
        order = np.argsort(ranks)
        plan.selections.append(Selection(np.array(places), ranks[order].astype(np.int64),
                                         codes[order].astype(np.int8), jurisdiction))

    special = []
    for kind, jurisdictions in (("late_notice", sc.LATE_JURISDICTIONS),
                                ("missing_notice", sc.MISSING_JURISDICTIONS),
                                ("not_personal_information", sc.NOT_PI_JURISDICTIONS)):
        for j in jurisdictions:
            p = jurisdiction_place(j)
            special.append(p)
            draw([p], [(kind, _count(sc.RATES[kind], int(totals[p])))], jurisdiction=j)
    no_reg = {place_index(c) for c in sc.NO_REGULATOR_2017}
    us_rest = [p for p in range(N_US) if p not in special]
    draw([p for p in us_rest if p in no_reg],
         [("notice_before_determination", _count(sc.RATES["notice_before_determination"], people))])
    draw([p for p in us_rest if p not in no_reg],
         [(k, _count(sc.RATES[k], people)) for k in sc.GENERAL_KINDS])
    abroad = list(range(N_US, len(PLACE_CODES)))
    # Originals of duplicated ids come from the first half of the abroad residents; their
    # copies are appended after the last chunk, so the two rows sit far apart.
    draw(abroad, [("duplicate_person_id", _count(sc.RATES["duplicate_person_id"], people))],
         limit=max(1, int(totals[abroad].sum()) // 2))
    return plan
