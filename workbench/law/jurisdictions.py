"""From a person's country and region to the code of the law data (``US-CA``, ``EU-IE``, ``GB``...).

Unknown places map to :data:`UNKNOWN_JURISDICTION`, never to an exception, so callers can
count and report them ("not assessed") instead of losing rows. The codes themselves
(:data:`US_REGION_CODES`, :data:`UNKNOWN_JURISDICTION`) live in :mod:`workbench.law.codes`,
which the loader and the rule book read too; this module builds on the rule book.
"""

from __future__ import annotations

from workbench.law.codes import UNKNOWN_JURISDICTION, US_REGION_CODES, US_TERRITORY_COUNTRIES
from workbench.law import rulebook

#: Countries whose national regime has the country's own code in the law data.
NATIONAL_CODES: dict[str, str] = {
    "GB": "GB", "UK": "GB", "CA": "CA", "AU": "AU", "SG": "SG", "BR": "BR", "IN": "IN",
    "JP": "JP", "KR": "KR", "CH": "CH", "NZ": "NZ", "CN": "CN",
    "NO": "NO", "IS": "IS", "LI": "LI",  # EEA states outside the EU: the GDPR as incorporated in the EEA
}
#: Extra codes that may also apply to a person of a country/region (provincial, sectoral-national).
ADDITIONAL_CODES: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("CA", "QC"): ("CA-QC",),
    ("CA", "AB"): ("CA-AB",),
    ("IN", None): ("IN-CERTIN",),
    ("CN", None): ("CN-CAC-IR",),
}


#: Every overlay code (``CA-QC``, ``IN-CERTIN``...): counted on top of a primary code, never instead of one.
OVERLAY_CODES: frozenset[str] = frozenset(c for codes in ADDITIONAL_CODES.values() for c in codes)


def _norm(value: object) -> str | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN from pandas
            return None
    except Exception:  # pragma: no cover - exotic objects
        pass
    text = str(value).strip().upper()
    return text or None


def _eu_members() -> dict[str, dict]:
    return rulebook.load_rulebook().member_states


def jurisdiction_for(country: str | None, region: str | None = None) -> str:
    """The law-data code for a person's ``country`` (ISO alpha-2) and ``region``.

    US residents (country ``US``, or ``PR``/``GU``/``VI`` given as country) -> ``US-XX``;
    an EU member state -> ``EU-XX`` (the EU GDPR family, with that state's supervisory
    authority); ``GB``/``UK`` -> ``GB``; Canada -> ``CA`` (federal PIPEDA), Quebec and
    Alberta -> ``CA-QC``/``CA-AB`` (their own laws on top of PIPEDA: :func:`laws_for`);
    other covered countries -> their own code. Anything else, including a US person without a valid region, ->
    :data:`UNKNOWN_JURISDICTION`.
    """
    c, r = _norm(country), _norm(region)
    if c is None:
        return UNKNOWN_JURISDICTION
    if c in ("US", "USA"):
        if r and r.startswith("US-"):
            r = r[3:]
        return f"US-{r}" if r in US_REGION_CODES else UNKNOWN_JURISDICTION
    if c in US_TERRITORY_COUNTRIES:
        return f"US-{c}"
    if c == "EL":  # the EU's own abbreviation for Greece
        c = "GR"
    if c in _eu_members():
        return f"EU-{c}"
    code = NATIONAL_CODES.get(c, UNKNOWN_JURISDICTION)
    if code != UNKNOWN_JURISDICTION and r and (c, r) in ADDITIONAL_CODES:
        return ADDITIONAL_CODES[(c, r)][0]  # the most specific code (CA-QC): laws_for() adds the national law
    return code


def jurisdictions_for(country: str | None, region: str | None = None) -> tuple[str, ...]:
    """Every law-data code that may apply to a person: the primary code first, then
    provincial or national-sectoral codes (``CA-QC`` for Quebec, ``IN-CERTIN`` for India):
    :func:`laws_for` of the person's :func:`jurisdiction_for`.

    US federal sectoral regimes (HIPAA, SEC...) depend on the organisation, not the person,
    and are not listed here (:mod:`workbench.law.roles`).
    """
    return laws_for(jurisdiction_for(country, region))


def laws_for(code: str) -> tuple[str, ...]:
    """Every law-data code that applies to a person of jurisdiction ``code``: the primary
    law first, then its overlays.

    ``"IN"`` -> ``("IN", "IN-CERTIN")``, ``"CA-QC"`` (a Quebec resident) -> ``("CA", "CA-QC")``,
    ``"CA"`` -> ``("CA",)``, ``"US-WA"`` -> ``("US-WA",)``. Derived from
    :data:`ADDITIONAL_CODES`, so a new overlay needs no change here.
    """
    c = _norm(code) or UNKNOWN_JURISDICTION
    for (country, region), overlays in ADDITIONAL_CODES.items():
        if region is not None and c in overlays:
            return (NATIONAL_CODES[country], *overlays)
    country = c.partition("-")[0]
    if c == NATIONAL_CODES.get(country) and (country, None) in ADDITIONAL_CODES:
        return (c, *ADDITIONAL_CODES[(country, None)])
    return (c,)


def supervisory_authority(country: str) -> str | None:
    """Name of the data-protection supervisory authority for an EU member state (``IE`` ->
    Data Protection Commission); for other covered countries the regulator of the rule in
    force now; None when unknown."""
    c = _norm(country)
    if c == "EL":
        c = "GR"
    members = _eu_members()
    if c in members:
        return members[c]["authority"]
    code = jurisdiction_for(c, None)
    if code == UNKNOWN_JURISDICTION or code.startswith("US-"):
        return None
    rule = rulebook.load_rulebook().current(code)
    return rule.regulator_name if rule else None


def family_of(code: str) -> str:
    """The family of a code: ``EU-IE`` -> ``EU``, ``US-WA`` -> ``US``, ``CA-QC`` -> ``CA``, ``GB`` -> ``GB``."""
    return code.split("-", 1)[0]


def jurisdiction_codes(country, region):
    """The jurisdiction of every person of a table: ``country`` and ``region`` pandas series
    in, a categorical series of :func:`jurisdiction_for` codes out (same index).

    The one place a person is mapped to a jurisdiction: the intake calls it once per input
    row and stores the result; every stage reads that column. Each distinct (country,
    region) pair is mapped once, so it costs a few dozen calls at any population size.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    def encoded(s) -> tuple[np.ndarray, list]:
        """Each row's position in the column's distinct raw values (a null last), and
        those values normalised (trimmed, upper case; empty or null -> None)."""
        arr = pa.array(s, type=pa.string(), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):  # an Arrow-backed pandas string column
            arr = arr.combine_chunks()
        enc = arr.dictionary_encode()
        size = len(enc.dictionary)
        index = np.asarray(pc.fill_null(enc.indices, size).to_numpy(zero_copy_only=False), dtype=np.int64)
        names = pc.utf8_upper(pc.utf8_trim_whitespace(enc.dictionary)).to_pylist() + [None]
        return index, [n or None for n in names]

    # distinct raw (country, region) pairs by integer key: no joined string per row
    c_index, c_names = encoded(country)
    r_index, r_names = encoded(region)
    keys = pa.array(c_index * len(r_names) + r_index).dictionary_encode()
    codes = [jurisdiction_for(c_names[k // len(r_names)], r_names[k % len(r_names)])
             for k in keys.dictionary.to_pylist()]
    # dictionary-encoded: one small list of codes and an index per row (no string per row)
    distinct = sorted(set(codes))
    position = pa.array([distinct.index(c) for c in codes], type=pa.int32())
    mapped = pa.DictionaryArray.from_arrays(pc.take(position, keys.indices), pa.array(distinct, type=pa.string()))
    return pd.Series(mapped.to_pandas(), index=country.index, name="jurisdiction")
