"""The naive baseline: the same audit work done the obvious way, on whole pandas frames.

What an analyst would write first, and what the workbench is measured against:

``naive_quality``
    every input read whole (typed by :mod:`workbench.sources`, so the frames are the
    ones the workbench validates), then the same Great Expectations suites on one whole
    pandas frame per input (:func:`workbench.quality.validate_frame`), uniqueness
    included; the cross-input checks (people without notice, notices to unknown people)
    with pandas ``isin``.
``naive_timelines``
    people and notices read whole with pandas, person -> jurisdiction with a pandas merge
    on the distinct (country, region) pairs, the deadline table of the law engine per
    jurisdiction and exposed element set
    (:func:`workbench.timelines.individual_deadlines`), first valid notice per person with
    ``groupby``, statuses with ``numpy.select``, per-jurisdiction counts with ``groupby``.
``naive_letters``
    notices merged with people (pandas ``merge``), names and data elements compared row
    by row in Python (rapidfuzz for the distances) on the rows whose text differs.

Each returns a small dict of counts, which the smoke test compares with the workbench's
own counts: a baseline that did less work would not be a fair yardstick.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger("workbench.benchmarks.baseline")


def _read_whole(path, columns: list[str] | None = None) -> pd.DataFrame:
    """A Parquet or CSV input read in one go, every column as text (as the file holds it)."""
    p = str(path)
    if p.endswith((".parquet", ".pq")):
        frame = pd.read_parquet(p, columns=columns)
    else:
        frame = pd.read_csv(p, usecols=columns, dtype="str", keep_default_na=False)
    return frame


def _timestamps(s: pd.Series) -> pd.Series:
    """UTC timestamps from a timestamp column or ISO 8601 text (unparsable -> missing)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC")
    return pd.to_datetime(_text(s), utc=True, errors="coerce", format="ISO8601")


def _text(s: pd.Series) -> pd.Series:
    """Trimmed text, empty -> missing (the typing rule of workbench.sources)."""
    out = s.astype("str").str.strip()
    return out.where(out != "", None)


# --------------------------------------------------------------------------- data quality

def naive_quality(case) -> dict[str, Any]:
    """The data-quality suites through GX on one whole pandas frame per input."""
    from workbench import quality
    from workbench.case import INPUT_NAMES
    from workbench.sources import read_input

    names = [n for n in INPUT_NAMES if case.input_spec(n) is not None]
    specs = quality.load_suites(names)
    params = quality.suite_parameters(case)
    counts: dict[str, int] = {}
    rows = 0
    ids: dict[str, pd.Series] = {}
    for name in names:
        read = read_input(case, name, with_hash=False)
        frame = read.frame
        rows += read.stats.rows_read
        counts[f"{name}.rows_rejected"] = int(read.stats.rows_rejected)
        for o in quality.validate_frame(frame, specs[name], params):
            counts[f"{name}.{o.check}"] = int(o.unexpected_count)
        if name in ("affected_people", "notices"):
            ids[name] = frame["person_id"]
        del frame, read
    if {"affected_people", "notices"} <= set(ids):
        people, notices = ids["affected_people"].dropna(), ids["notices"].dropna()
        counts["cross.people_without_notice"] = int((~people.drop_duplicates().isin(notices)).sum())
        counts["cross.notices_to_unknown_people"] = int((~notices.isin(people)).sum())
    return {"rows": rows, "counts": counts}


# --------------------------------------------------------------------------- notice timelines

def naive_timelines(case) -> dict[str, Any]:
    """Per-person notice status against the deadline of the person's jurisdiction, in pandas."""
    from workbench.exposure import elements_key
    from workbench.law import jurisdiction_codes
    from workbench.timelines.laws import law_plan
    from workbench.timelines import (SUBSTITUTE_CHANNEL, UNDELIVERED_STATUSES, audit_moment,
                                     individual_deadlines)

    people = _read_whole(case.input_path("affected_people"), ["person_id", "country", "region", "data_elements"])
    rows = len(people)
    people["person_id"] = _text(people["person_id"])
    people["jurisdiction"] = jurisdiction_codes(people["country"], people["region"])
    people = people.dropna(subset=["person_id"]).drop_duplicates("person_id", keep="first")
    raw = people["data_elements"].fillna("").astype("str").str.strip()
    keys = {x: elements_key(x, case.incident.data_elements) for x in raw.unique()}
    people["elements"] = raw.map(keys)
    plan = law_plan(case, set(zip(people["jurisdiction"].astype("str"), people["elements"])))
    deadlines = individual_deadlines(case, set(zip(plan["jurisdiction"], plan["elements"])))
    people = (people.assign(home=people["jurisdiction"].astype("str")).drop(columns=["jurisdiction"])
              .merge(plan, on=["home", "elements"], how="left")  # one row per person and law that judges them
              .merge(deadlines, on=["jurisdiction", "elements"], how="left"))

    notices = _read_whole(case.input_path("notices"), ["person_id", "channel", "sent_at", "status"])
    rows += len(notices)
    notices["person_id"] = _text(notices["person_id"])
    notices["sent_at"] = _timestamps(notices["sent_at"])
    notices = notices.dropna(subset=["person_id", "sent_at"])
    status = notices["status"].fillna("").astype("str").str.strip().str.lower()
    delivered = ~status.isin(UNDELIVERED_STATUSES)
    substitute = notices["channel"].fillna("").astype("str").str.strip().str.lower() == SUBSTITUTE_CHANNEL
    per = pd.DataFrame({
        "first_direct": notices[delivered & ~substitute].groupby("person_id")["sent_at"].min(),
        "first_substitute": notices[delivered & substitute].groupby("person_id")["sent_at"].min(),
        "notice_rows": notices.groupby("person_id").size(),
    })
    del notices
    m = people.merge(per, left_on="person_id", right_index=True, how="left")
    m["notice_rows"] = m["notice_rows"].fillna(0)
    first = m["first_direct"].where(~m["substitute_allowed"].astype(bool),
                                    m[["first_direct", "first_substitute"]].min(axis=1))
    audit = pd.Timestamp(audit_moment(case)).tz_convert("UTC")
    applies = m["applies"].astype("boolean")
    conditions = [applies.isna().to_numpy(dtype=bool, na_value=True) | (m["basis"] == "not_assessed").to_numpy(),
                  ~applies.fillna(True).to_numpy(dtype=bool),
                  (first.notna() & (first <= m["due_at"])).to_numpy(),
                  first.notna().to_numpy(),
                  ((m["due_at"] < audit) & (m["notice_rows"] == 0)).to_numpy(),
                  (m["due_at"] < audit).to_numpy()]
    m["status"] = np.select(conditions, ["not_assessed", "not_required", "on_time", "late", "overdue", "missing"],
                            default="pending")
    by_jurisdiction = m.groupby(["jurisdiction", "status"]).size().unstack(fill_value=0)
    return {"rows": rows, "counts": {k: int(v) for k, v in m["status"].value_counts().sort_index().items()},
            "jurisdictions": int(len(by_jurisdiction))}


# --------------------------------------------------------------------------- letter reconciliation

def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _tokens(text: Any) -> list[str]:
    t = re.sub(r"['`´’]", "", _strip_accents(str(text or "")).lower())
    return sorted({w for w in re.split(r"[^a-z0-9]+", t) if w})


def _squash(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "", _strip_accents(str(text or "")).lower())


def _elements(text: Any) -> list[str]:
    return [x.strip().lower() for x in str(text or "").split("|") if x.strip()]


def _name_problem(rn: str, fn: str) -> str | None:
    """None when the names match; else ``misspelled_name`` or ``wrong_recipient_name``."""
    from rapidfuzz.distance import JaroWinkler, Levenshtein

    ta, tb = _tokens(rn), _tokens(fn)
    a, b, sa, sb = " ".join(ta), " ".join(tb), _squash(rn), _squash(fn)
    if a == b or sa == sb:
        return None
    if min(len(ta), len(tb)) >= 2 and (set(tb) <= set(ta) or set(ta) <= set(tb)):
        return None
    close = JaroWinkler.similarity(a, b) >= 0.85 or Levenshtein.distance(a, b) <= 2 or Levenshtein.distance(sa, sb) <= 2
    return "misspelled_name" if close else "wrong_recipient_name"


def naive_letters(case) -> dict[str, Any]:
    """Notice letters reconciled with the affected people by pandas merges, one finding kind per count."""
    from workbench.irregularities.links import score_domain, to_ascii

    people = _read_whole(case.input_path("affected_people"), ["person_id", "full_name", "data_elements"])
    notices = _read_whole(case.input_path("notices"))
    rows = len(people) + len(notices)
    incident = list(case.incident.data_elements)
    people_ids = set(people["person_id"].dropna())
    people_counts: dict[str, set] = {}

    def add(key: str, persons) -> None:
        people_counts.setdefault(key, set()).update(p for p in persons if isinstance(p, str))

    m = notices.merge(people, on="person_id", how="left", indicator=True)
    known = m["_merge"] == "both"
    add("notice_to_unaffected", m.loc[~known, "person_id"])
    add("missing_notice", people_ids - set(notices["person_id"].dropna()))
    delivered = ~notices["status"].fillna("sent").str.lower().isin(["returned", "bounced"])
    dup = notices[delivered].groupby(["person_id", "channel"], dropna=False).size()
    add("duplicate_notice", dup[dup > 1].index.get_level_values(0))

    k = m[known]
    rn, fn = k["recipient_name"], k["full_name"]
    differ = rn.notna() & (rn.str.strip() != "") & (rn.str.strip().str.lower() != fn.str.strip().str.lower())
    for pid, a, b in zip(k.loc[differ, "person_id"], rn[differ], fn[differ]):
        problem = _name_problem(a, b)
        if problem:
            add(problem, [pid])
    for pid, described, exposed in zip(k["person_id"], k["data_elements_described"], k["data_elements"]):
        want = _elements(exposed) or incident
        have = set(_elements(described))
        if any(x not in have for x in want):
            add("fewer_data_elements", [pid])
    if case.incident.determined is not None:
        sent = _timestamps(k["sent_at"])
        local = sent.dt.tz_convert(case.parameters.timezone).dt.date
        early = local < case.incident.determined
        add("notice_before_determination", k.loc[early.fillna(False).to_numpy(dtype=bool), "person_id"])
    domains = list(case.official_domains)
    for links in notices["links"].dropna().unique():
        hosts = set()
        for url in str(links).split():
            h = re.match(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)", url)
            if h:
                hosts.add(h.group(1).lower())
        for host in hosts:
            score = score_domain(to_ascii(host.rstrip(".")), domains)
            if not score.is_official:
                add(f"link:{score.registrable}", notices.loc[notices["links"] == links, "person_id"])
    return {"rows": rows, "counts": {k: len(v) for k, v in sorted(people_counts.items())}}


def naive_audit(case) -> dict[str, Any]:
    """The three naive stages one after the other (the baseline of a whole audit)."""
    out = {"quality": naive_quality(case), "timelines": naive_timelines(case), "letters": naive_letters(case)}
    return {"rows": out["timelines"]["rows"], "stages": out}
