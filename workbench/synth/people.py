"""One chunk of affected people, vectorised: pyarrow arrays built from numpy draws."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.synth import reference as ref
from workbench.synth import scenario as sc
from workbench.synth.plan import KIND_CODES, N_US, PLACE_CODES, PLACE_IS_US, Plan

PEOPLE_SCHEMA = pa.schema([
    ("person_id", pa.string()), ("full_name", pa.string()), ("email", pa.string()),
    ("address_line", pa.string()), ("city", pa.string()), ("region", pa.string()),
    ("postal_code", pa.string()), ("country", pa.string()), ("data_elements", pa.string()),
])


def ascii_fold(text: str) -> str:
    """Lower-case ASCII form of a name part, for e-mail addresses (José -> jose)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii()).lower()


_FIRST = pa.array(ref.FIRST_NAMES)
_LAST = pa.array(ref.LAST_NAMES)
_FIRST_ASCII = pa.array([ascii_fold(n) for n in ref.FIRST_NAMES])
_LAST_ASCII = pa.array([ascii_fold(n) for n in ref.LAST_NAMES])
_DOMAINS = pa.array(ref.EMAIL_DOMAINS)
_STREETS = pa.array(ref.US_STREETS)
_SUFFIXES = pa.array(ref.US_STREET_SUFFIXES)
_PLACE_CODE_ARR = pa.array(PLACE_CODES)
_COUNTRY = pa.array(["US"] * N_US + list(PLACE_CODES[N_US:]))

# US cities flattened: place -> slice of (city, zip3) rows.
_US_CITY_NAMES = pa.array([c for p in ref.US_PLACES for c, _ in p[3]])
_US_CITY_ZIP3 = pa.array([z for p in ref.US_PLACES for _, z in p[3]])
_US_CITY_N = np.array([len(p[3]) for p in ref.US_PLACES])
_US_CITY_OFF = np.concatenate([[0], np.cumsum(_US_CITY_N)[:-1]])

# Bitmask over the case's data elements (bit i = DATA_ELEMENTS[i]) -> "name|ssn|..."
_ELEMENT_STRINGS = pa.array(["|".join(e for i, e in enumerate(sc.DATA_ELEMENTS) if m >> i & 1)
                             for m in range(1 << len(sc.DATA_ELEMENTS))])

_LETTERS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))  # no I/O, as postcodes avoid them
_DIGITS = np.array(list("0123456789"))


@dataclass
class PeopleChunk:
    """A generated chunk: its table plus what the notice generator needs to know."""

    table: pa.Table
    places: np.ndarray          # place index per row (before the unknown_region change)
    kinds: np.ndarray           # defect kind code per row (0 = clean)
    start: int                  # global 0-based index of the first row


def person_ids(numbers: np.ndarray, width: int) -> pa.Array:
    """``P`` + zero-padded number, e.g. P00000042."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise("P", digits, "")


def id_width(people: int) -> int:
    """Digits of a person number: at least 8, more when the case is larger."""
    return max(8, len(str(people * 2)))


def _pattern(rng: np.random.Generator, pattern: str, n: int) -> pa.Array:
    """Fill a postal-code pattern: # digit, % digit 1-9, ^ letter; other characters kept."""
    parts = []
    for ch in pattern:
        if ch == "#":
            parts.append(pa.array(_DIGITS[rng.integers(0, 10, n)]))
        elif ch == "%":
            parts.append(pa.array(_DIGITS[rng.integers(1, 10, n)]))
        elif ch == "^":
            parts.append(pa.array(_LETTERS[rng.integers(0, len(_LETTERS), n)]))
        else:
            parts.append(ch)
    return pc.binary_join_element_wise(*parts, "")


def _us_columns(rng: np.random.Generator, places: np.ndarray) -> tuple[pa.Array, ...]:
    n = len(places)
    house = pc.cast(pa.array(rng.integers(1, 9900, n)), pa.string())
    line = pc.binary_join_element_wise(house, _STREETS.take(rng.integers(0, len(_STREETS), n)),
                                       _SUFFIXES.take(rng.integers(0, len(_SUFFIXES), n)), " ")
    apt = rng.random(n) < 0.15
    apt_text = pc.binary_join_element_wise(line, pc.cast(pa.array(rng.integers(1, 400, n)), pa.string()), ", Apt ")
    line = pc.if_else(pa.array(apt), apt_text, line)
    city_row = _US_CITY_OFF[places] + rng.integers(0, 1 << 30, n) % _US_CITY_N[places]
    city = _US_CITY_NAMES.take(city_row)
    zip5 = pc.binary_join_element_wise(
        _US_CITY_ZIP3.take(city_row),
        pc.utf8_lpad(pc.cast(pa.array(rng.integers(1, 100, n)), pa.string()), width=2, padding="0"), "")
    plus4 = pc.binary_join_element_wise(
        zip5, pc.utf8_lpad(pc.cast(pa.array(rng.integers(1, 10000, n)), pa.string()), width=4, padding="0"), "-")
    postal = pc.if_else(pa.array(rng.random(n) < 0.10), plus4, zip5)
    return line, city, _PLACE_CODE_ARR.take(places), postal


def _abroad_columns(rng: np.random.Generator, places: np.ndarray) -> tuple[pa.Array, ...]:
    n = len(places)
    pieces: dict[str, list[pa.Array]] = {"line": [], "city": [], "region": [], "postal": []}
    order = np.empty(n, np.int64)
    done = 0
    for place in np.unique(places):
        country = PLACE_CODES[place]
        idx = np.flatnonzero(places == place)
        m = len(idx)
        order[idx] = done + np.arange(m)
        done += m
        cities = ref.ABROAD_CITIES[country]
        pick = rng.integers(0, len(cities), m)
        streets = pa.array(ref.ABROAD_STREETS[country]).take(rng.integers(0, len(ref.ABROAD_STREETS[country]), m))
        number = pc.cast(pa.array(rng.integers(1, 200, m)), pa.string())
        street_first = country in ("DE", "NL", "ES", "IT")
        pieces["line"].append(pc.binary_join_element_wise(streets, number, " ") if street_first
                              else pc.binary_join_element_wise(number, streets, " "))
        postal = pa.nulls(m, pa.string())
        for ci, (_, _, pattern) in enumerate(cities):
            postal = pc.if_else(pa.array(pick == ci), _pattern(rng, pattern, m), postal)
        pieces["postal"].append(postal)
        pieces["city"].append(pa.array([c[0] for c in cities]).take(pick))
        pieces["region"].append(pa.array([c[1] or None for c in cities], pa.string()).take(pick))
    take = pa.array(order)
    return tuple(pa.concat_arrays(pieces[k] or [pa.array([], pa.string())]).take(take)
                 for k in ("line", "city", "region", "postal"))


def _scatter(n: int, us_idx: np.ndarray, us_arr: pa.Array, ab_idx: np.ndarray, ab_arr: pa.Array) -> pa.Array:
    """Merge per-group arrays back into row order."""
    order = np.empty(n, np.int64)
    order[us_idx] = np.arange(len(us_idx))
    order[ab_idx] = len(us_idx) + np.arange(len(ab_idx))
    return pa.concat_arrays([us_arr, ab_arr]).take(pa.array(order))


#: per place index: True where every resident's exposed data include the payment card
_CARD_EXPOSED = np.array([code in sc.CARD_EXPOSED_PLACES and not PLACE_IS_US[i] for i, code in enumerate(PLACE_CODES)])


def _elements(rng: np.random.Generator, is_us: np.ndarray, card_exposed: np.ndarray) -> np.ndarray:
    n = len(is_us)
    mask = np.ones(n, np.int64)  # bit 0: name, always
    for bit, element in enumerate(sc.DATA_ELEMENTS):
        if element == "name":
            continue
        p = sc.ELEMENT_PROBABILITY[element]
        if element == "ssn":
            p = np.where(is_us, p, 0.0)  # no SSN abroad
        mask |= (rng.random(n) < p).astype(np.int64) << bit
    dob = 1 << sc.DATA_ELEMENTS.index("date_of_birth")
    mask = np.where(mask == 1, mask | dob, mask)  # at least two elements, so one can be dropped
    card = 1 << sc.DATA_ELEMENTS.index("payment_card")
    return np.where(card_exposed, mask | card, mask)  # sc.CARD_EXPOSED_PLACES


def _invalid_emails(rng: np.random.Generator, locals_: list[str], domains: list[str]) -> list[str]:
    forms = (lambda l, d: f"{l}.{d}",          # no @ at all
             lambda l, d: f"{l}@@{d}",         # two @
             lambda l, d: f"{l.replace('.', ' ', 1) if '.' in l else l + ' x'}@{d}",  # a space
             lambda l, d: f"{l}@")             # no domain
    return [forms[int(k)](l, d) for k, l, d in zip(rng.integers(0, len(forms), len(locals_)), locals_, domains)]


def build_people_chunk(plan: Plan, chunk: int) -> PeopleChunk:
    """Generate chunk ``chunk`` of the plan (deterministic for the plan's seed)."""
    size = plan.chunk_sizes[chunk]
    start = plan.chunk_starts[chunk]
    rng_place = np.random.default_rng([plan.seed, 1, chunk])
    places = rng_place.permutation(np.repeat(np.arange(len(PLACE_CODES)), plan.chunk_counts[chunk]))
    rng = np.random.default_rng([plan.seed, 2, chunk])
    is_us = PLACE_IS_US[places]

    fi = rng.integers(0, len(_FIRST), size)
    li = rng.integers(0, len(_LAST), size)
    full_name = pc.binary_join_element_wise(_FIRST.take(fi), _LAST.take(li), " ")
    num = rng.integers(1, 100, size)
    year = rng.integers(1950, 2001, size)
    style = rng.integers(0, 4, size)
    suffix = pa.array(np.where(style == 0, "", np.where(style == 1, num.astype(str), year.astype(str))))
    sep = pa.array(np.where(rng.random(size) < 0.7, ".", "_"))
    local = pc.binary_join_element_wise(_FIRST_ASCII.take(fi), sep, _LAST_ASCII.take(li), suffix, "")
    domain = _DOMAINS.take(rng.integers(0, len(_DOMAINS), size))
    email = pc.binary_join_element_wise(local, domain, "@")
    has_email = rng.random(size) < 0.88

    us_idx = np.flatnonzero(is_us)
    ab_idx = np.flatnonzero(~is_us)
    us_cols = _us_columns(rng, places[us_idx])
    ab_cols = _abroad_columns(rng, places[ab_idx])
    line, city, region, postal = (_scatter(size, us_idx, u, ab_idx, a) for u, a in zip(us_cols, ab_cols))
    elements = _ELEMENT_STRINGS.take(_elements(rng, is_us, _CARD_EXPOSED[places]))

    kinds = np.zeros(size, np.int8)
    pos, codes = plan.defect_positions(chunk, places)
    kinds[pos] = codes
    # invalid_email people always have an (invalid) address; everyone else keeps the draw.
    bad_email = kinds == KIND_CODES["invalid_email"]
    has_email |= bad_email
    if bad_email.any():
        at = np.flatnonzero(bad_email)
        fixed = _invalid_emails(rng, local.take(at).to_pylist(), domain.take(at).to_pylist())
        email = pc.replace_with_mask(email, pa.array(bad_email), pa.array(fixed))
    email = pc.if_else(pa.array(has_email), email, pa.nulls(size, pa.string()))
    bad_zip = kinds == KIND_CODES["invalid_zip"]
    if bad_zip.any():
        forms = np.array(["1234", "ABCDE", "123456", "12-345", "9021O"])
        postal = pc.replace_with_mask(postal, pa.array(bad_zip),
                                      pa.array(forms[rng.integers(0, len(forms), int(bad_zip.sum()))]))
    not_pi = kinds == KIND_CODES["not_personal_information"]
    if not_pi.any():
        elements = pc.replace_with_mask(elements, pa.array(not_pi),
                                        pa.array([sc.NOT_PI_ELEMENTS] * int(not_pi.sum()), pa.string()))
    bad_region = kinds == KIND_CODES["unknown_region"]
    if bad_region.any():
        codes_ = np.array(sc.NON_US_REGIONS)
        region = pc.replace_with_mask(region, pa.array(bad_region),
                                      pa.array(codes_[rng.integers(0, len(codes_), int(bad_region.sum()))]))

    table = pa.Table.from_arrays([
        person_ids(np.arange(start + 1, start + size + 1), id_width(plan.people)), full_name, email,
        line, city, region, postal, _COUNTRY.take(places), elements,
    ], schema=PEOPLE_SCHEMA)
    return PeopleChunk(table, places, kinds, start)
