"""The same incident filed more than once: flagged, and later filings linked to the first.

Two rows are one incident when their organisation names are equal once normalised
(:func:`organisation_key`: case, punctuation, a leading "The" and legal-form suffixes such
as Inc, LLC, Corp dropped) and their breach dates are the same. Within an incident the
first filing is the earliest notified (then the earliest row); a later-notified row is an
``amendment`` of it, a row notified the same day (or without a date) a ``duplicate``.
A row without breach dates cannot be matched and says so (``not_checked``), never "single".
Pure: a table in, the table with the incident columns out.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from rapidfuzz.utils import default_process

#: Legal-form words dropped from the end of a name (after punctuation became spaces and
#: runs of initials were joined: "L.L.C." is "llc").
LEGAL_SUFFIXES: frozenset[str] = frozenset({
    "inc", "incorporated", "llc", "corp", "corporation", "co", "company", "ltd", "limited", "lp", "llp",
    "plc", "pllc", "pc", "pa", "na", "gmbh", "ag", "sa", "the",
})
#: Filing kinds (``filing`` column).
FILINGS: dict[str, str] = {
    "single": "the only filing of its incident in the register",
    "first_filing": "the first filing of an incident filed more than once",
    "amendment": "a later filing of the same incident (notified after the first): linked to it",
    "duplicate": "the same incident filed again the same day (or without a notification date)",
    "not_checked": "no breach dates: cannot be matched to other filings",
}
DUPLICATE_COLUMNS: tuple[str, ...] = ("organisation_key", "incident_id", "filing", "duplicate_of", "filings_in_incident")


@lru_cache(maxsize=131072)
def organisation_key(name: str) -> str:
    """``"The Acme Co., Inc."`` -> ``"acme"``: lower case, punctuation gone, legal forms dropped."""
    words = _join_initials(default_process(name.replace("&", " and ")).split())
    if words and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def _join_initials(tokens: list[str]) -> list[str]:
    """Runs of single letters become one word: ``l l c`` (from "L.L.C.") -> ``llc``."""
    out: list[str] = []
    run: list[str] = []
    for t in [*tokens, ""]:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if run:
            out.append("".join(run))
            run = []
        if t:
            out.append(t)
    return out


def flag_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (organisation, breach_start, breach_end, notified, source_row) with
    :data:`DUPLICATE_COLUMNS` added; rows keep their order."""
    df = frame.copy()
    df["organisation_key"] = [organisation_key(o) for o in df["organisation"]]
    df["incident_id"], df["filing"], df["duplicate_of"] = "", "not_checked", pd.NA
    df["filings_in_incident"] = pd.NA
    dated = df["breach_start"].notna()
    if dated.any():
        sub = df.loc[dated, ["organisation_key", "breach_start", "breach_end", "notified", "source_row"]].copy()
        sub["end"] = sub["breach_end"].where(sub["breach_end"].notna(), sub["breach_start"])
        sub["_sent"] = pd.to_datetime(sub["notified"], errors="coerce")
        sub = sub.sort_values(["_sent", "source_row"], na_position="last")
        grp = sub.groupby(["organisation_key", "breach_start", "end"], sort=False)
        first_row = grp["source_row"].transform("first")
        first_sent = grp["_sent"].transform("first")
        size = grp["source_row"].transform("size")
        is_first = sub["source_row"] == first_row
        kind = pd.Series("single", index=sub.index, dtype=object)
        kind[(size > 1) & is_first] = "first_filing"
        later = (size > 1) & ~is_first
        kind[later & (sub["_sent"] > first_sent)] = "amendment"
        kind[later & ~(sub["_sent"] > first_sent)] = "duplicate"
        df.loc[sub.index, "filing"] = kind
        df.loc[sub.index, "incident_id"] = "I" + first_row.astype(str)
        df.loc[sub.index[later.to_numpy()], "duplicate_of"] = first_row[later].astype("int64")
        df.loc[sub.index, "filings_in_incident"] = size.astype("int64")
    df["duplicate_of"] = df["duplicate_of"].astype("Int64")
    df["filings_in_incident"] = df["filings_in_incident"].astype("Int64")
    return df
