# The letters check as it was before the one-pass screen (commit 49e5bc5), frozen for
# tests/irregularities/test_letters_one_pass.py, which holds the new check equal to it.
# ruff: noqa
"""Notice letters reconciled against the affected people, in DuckDB SQL.

Equifax's notices went to people who were not affected, missed people who were, and
described less than was taken. This module reconciles the notices table with the
affected-people table and reports, one finding per problem kind with counts and a short
list of example ids (never one finding per person, never personal data beyond ids):

=========================== ==========================================================
code                        problem
=========================== ==========================================================
notice_to_unaffected        a notice to a person_id that is not in affected_people
missing_notice              an affected person with no notice at all
duplicate_notice            more than one delivered notice to a person on one channel
misspelled_name             recipient name differs slightly from the person's name
wrong_recipient_name        recipient name is another name altogether
fewer_data_elements         the letter describes fewer data elements than were exposed
notice_before_determination a letter sent before the breach was determined (wrong batch?)
letter_lookalike_link       a letter links a look-alike of an official domain
letter_unofficial_link      a letter links another unofficial domain
letter_third_party_link     a letter links a well-known third-party site (info)
=========================== ==========================================================

Why SQL: the project targets 10 to 150 million people. DuckDB runs the joins out of
core, over typed chunks that :mod:`workbench.sources` hands over one at a time (appended
to a DuckDB table that spills to disk), so no Python loop per person and no full copy of
the population in Python objects. Raw files are never scanned here: values are typed by
the one parser of :mod:`workbench.values`, as in every other stage.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.findings import Finding, Unit
from workbench.irregularities.links import MAX_EXAMPLES, link_finding, score_domain, to_ascii
from workbench.severity import reviewed_severity

log = logging.getLogger("workbench.irregularities.letters")

#: A table the check reads: a case-store input (:class:`workbench.store.StoreTable`, read
#: where it lies), a pandas frame, an Arrow table, a DuckDB relation, or an iterable of
#: typed chunks (frames or Arrow tables, e.g. from ``sources.iter_input``).
TableRef = Any

_UNDELIVERED = ("returned", "bounced")

# A name in a comparable form: accents stripped, case folded, punctuation dropped,
# words sorted (so "Smith, John" matches "John Smith").
_MACROS = """
CREATE OR REPLACE TEMP MACRO name_tokens(s) AS
  list_distinct(list_filter(string_split(regexp_replace(regexp_replace(lower(strip_accents(coalesce(s, ''))),
                '[''`´’]', '', 'g'), '[^a-z0-9]+', ' ', 'g'), ' '), lambda x: x <> ''));
CREATE OR REPLACE TEMP MACRO squash(s) AS
  regexp_replace(lower(strip_accents(coalesce(s, ''))), '[^a-z0-9]+', '', 'g');
CREATE OR REPLACE TEMP MACRO norm_name(s) AS array_to_string(list_sort(name_tokens(s)), ' ');
CREATE OR REPLACE TEMP MACRO elements(s) AS
  list_filter(list_transform(string_split(coalesce(s, ''), '|'), lambda x: lower(trim(x))), lambda x: x <> '');
"""

#: Per problem: its reviewed severity for one person (raised by the people concerned, half a
#: level per tenfold more, :func:`workbench.severity.reviewed_severity`), title, and a detail
#: template ({people}, {rows} filled in).
PROBLEMS: dict[str, tuple[str, str, str]] = {
    "notice_to_unaffected": ("high", "Notices sent to people who are not affected",
                             "{rows} notice(s) went to {people} person id(s) that are not in the affected-people "
                             "table: a wrong mailing list, or an incomplete affected-people table."),
    "missing_notice": ("high", "Affected people with no notice",
                       "{people} affected person(s) have no notice at all."),
    "duplicate_notice": ("low", "Duplicate notices to one person",
                         "{people} person(s) received more than one delivered notice on the same channel "
                         "({rows} notices in all); returned or bounced notices followed by a resend are not counted."),
    "misspelled_name": ("medium", "Recipient name misspelled",
                        "{rows} notice(s) to {people} person(s) print a recipient name that differs slightly from "
                        "the person's name (after ignoring case, accents, punctuation and word order)."),
    "wrong_recipient_name": ("high", "Recipient name belongs to someone else",
                             "{rows} notice(s) to {people} person(s) print a recipient name unlike the person's name: "
                             "the letter may have gone to the wrong person or carried another person's details."),
    "fewer_data_elements": ("high", "Letters describe fewer data elements than were exposed",
                            "{rows} notice(s) to {people} person(s) describe fewer data elements than were exposed "
                            "for that person; the reader cannot judge the risk."),
    "notice_before_determination": ("medium", "Letters sent before the breach was determined",
                                    "{rows} notice(s) to {people} person(s) are dated before the breach was "
                                    "determined ({determined}): likely a wrong batch or wrong dates."),
}


def _relation(con, ref: TableRef, name: str) -> None:
    """Expose ``ref`` to SQL as ``name``: a frame or Arrow table is registered, a DuckDB
    relation materialised, and an iterable of typed chunks appended chunk by chunk to a
    temporary table (memory holds one chunk; DuckDB spills the rest)."""
    import pyarrow as pa

    if isinstance(ref, (str, Path)):
        raise TypeError(f"{name}: {ref} is a file path; letters read typed data only "
                        "(chunks from workbench.sources.iter_input), never raw files")
    if hasattr(ref, "select_sql"):  # a case-store input: a view over its typed Parquet file
        have = {c for (c,) in con.execute(f"SELECT column_name FROM (DESCRIBE {ref.select_sql()})").fetchall()}
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {ref.select_sql(have)}")
        return
    if isinstance(ref, (pd.DataFrame, pa.Table)):
        con.register(name, ref)
        return
    if hasattr(ref, "df"):  # a DuckDB relation
        con.register(name, ref.df())
        return
    made = False
    for chunk in ref:
        table = pa.Table.from_pandas(chunk, preserve_index=False) if isinstance(chunk, pd.DataFrame) else chunk
        con.register("_chunk", table)
        try:
            if not made:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _chunk")
                made = True
            else:
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _chunk")
        finally:
            con.unregister("_chunk")
    if not made:
        raise ValueError(f"{name}: no chunk to read")


#: Per problem, at most this many jurisdictions in ``by_jurisdiction`` (more than the law data has).
MAX_JURISDICTIONS = 500


def _grouped(con, rows_sql: str, params: list | None = None) -> dict[str, dict[str, Any]]:
    """Counts and example ids per ``key`` of a problem-rows query.

    ``rows_sql`` yields ``key``, ``person_id``, ``example_id`` and ``jurisdiction``; it runs
    once into a temporary table (problem rows only, normally few), then three small queries
    give key -> {rows, people, examples, by_jurisdiction}.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE problem_rows AS {rows_sql}", params or [])
    out: dict[str, dict[str, Any]] = {}
    for key, rows, people in con.execute(
            "SELECT key, count(DISTINCT example_id), count(DISTINCT person_id) FROM problem_rows GROUP BY key").fetchall():
        out[key] = {"rows": int(rows), "people": int(people), "examples": [], "by_jurisdiction": {}}
    if out:
        for key, ex in con.execute(
                "SELECT DISTINCT key, example_id FROM problem_rows WHERE example_id IS NOT NULL "
                f"QUALIFY row_number() OVER (PARTITION BY key ORDER BY example_id) <= {MAX_EXAMPLES} "
                "ORDER BY key, example_id").fetchall():
            out[key]["examples"].append(str(ex))
        for key, jur, people in con.execute(
                "SELECT key, jurisdiction, count(DISTINCT person_id) FROM problem_rows "
                "WHERE jurisdiction IS NOT NULL GROUP BY ALL ORDER BY 1, 3 DESC, 2").fetchall():
            if len(out[key]["by_jurisdiction"]) < MAX_JURISDICTIONS:
                out[key]["by_jurisdiction"][jur] = int(people)
    return out


def _jurisdiction(alias: str, columns: set[str]) -> str:
    """SQL for a person's jurisdiction: the ``jurisdiction`` column the intake mapped once
    (:func:`workbench.law.jurisdiction_codes`), never a mapping of this check's own."""
    return f"CAST({alias}.jurisdiction AS VARCHAR)" if "jurisdiction" in columns else "NULL"


def letter_problems(people: TableRef, notices: TableRef, *, data_elements: Iterable[str],
                    official_domains: Iterable[str], determined: dt.date | None,
                    timezone: str = "UTC") -> list[Finding]:
    """Reconcile notice letters with the affected people; one finding per problem kind.

    Parameters
    ----------
    people
        affected_people (``person_id``, ``full_name``, ``data_elements``; ``country``,
        ``region`` used for per-jurisdiction counts): a frame, an Arrow table, a DuckDB
        relation or an iterable of typed chunks (see :data:`TableRef`).
    notices
        notices (``notice_id``, ``person_id``, ``channel``, ``sent_at``, ``recipient_name``,
        ``data_elements_described``, ``links``, ``status``), same forms.
    data_elements
        The incident's exposed data elements, used for people whose own list is empty.
    official_domains
        The case's official domains (links to anything else are reported).
    determined
        Date the breach was determined; ``None`` skips the before-determination check.
    timezone
        IANA zone deciding a letter's calendar date (the case's ``parameters.timezone``).

    Returns
    -------
    list[Finding]
        ``notice_letter`` findings (one per problem kind, ``count`` = people concerned,
        evidence with row counts, up to 20 example ids and counts per jurisdiction), and
        for domains letters link that are not official, one ``notice_letter`` finding per
        registrable domain (``letter_lookalike_link``, ``letter_unofficial_link`` or
        ``letter_third_party_link``, scored by :func:`~workbench.irregularities.links.score_domain`).
    """
    from workbench.duck import connect

    con = connect()
    try:
        con.execute(_MACROS)
        _relation(con, people, "p")
        _relation(con, notices, "n")
        pcols = {c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE p)").fetchall()}
        ncols = {c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE n)").fetchall()}
        jur = _jurisdiction("p", pcols)
        incident = "|".join(data_elements)
        has = lambda c: c in ncols  # noqa: E731
        delivered = ("coalesce(lower(n.status), 'sent') NOT IN ('returned', 'bounced')"
                     if has("status") else "TRUE")
        names = has("recipient_name") and "full_name" in pcols
        elements = has("data_elements_described")
        early = determined is not None and has("sent_at")
        # One pass over notices joined with people keeps only rows that may have a problem;
        # cheap tests (lower-case equality, raw string equality) screen out the clean rows
        # before the costly name and element comparisons run on the few that remain.
        screens = ["p.person_id IS NULL"]
        if names:
            screens.append("(n.recipient_name IS NOT NULL AND trim(n.recipient_name) <> '' "
                           "AND lower(trim(n.recipient_name)) IS DISTINCT FROM lower(trim(p.full_name)))")
        if elements:
            screens.append("(n.data_elements_described IS DISTINCT FROM "
                           "coalesce(nullif(trim(p.data_elements), ''), $incident))")
        if early:
            screens.append("CAST(timezone($tz, CAST(n.sent_at AS TIMESTAMPTZ)) AS DATE) < $determined")
        params: dict[str, Any] = {"incident": incident} if elements else {}
        if early:
            params |= {"tz": timezone, "determined": determined}
        con.execute(
            "CREATE OR REPLACE TEMP TABLE letter_rows AS "
            f"SELECT n.notice_id, n.person_id, p.person_id IS NOT NULL AS known, {jur} AS jurisdiction, "
            f"{'n.recipient_name' if names else 'NULL'} AS rn, {'p.full_name' if names else 'NULL'} AS fn, "
            f"{'n.data_elements_described' if elements else 'NULL'} AS described, "
            f"{'p.data_elements' if 'data_elements' in pcols else 'NULL'} AS exposed, "
            f"{'CAST(timezone($tz, CAST(n.sent_at AS TIMESTAMPTZ)) AS DATE) < $determined' if early else 'FALSE'} AS early, "
            f"{'n.sent_at' if has('sent_at') else 'NULL'} AS sent_at "
            f"FROM n LEFT JOIN p ON n.person_id = p.person_id WHERE {' OR '.join(screens)}",
            params)
        queries: dict[str, tuple[str, list]] = {
            "notice_to_unaffected": (
                "SELECT 'notice_to_unaffected' AS key, person_id, notice_id AS example_id, "
                "NULL AS jurisdiction FROM letter_rows WHERE NOT known", []),
            "missing_notice": (
                f"SELECT 'missing_notice' AS key, p.person_id, p.person_id AS example_id, {jur} AS jurisdiction "
                "FROM p ANTI JOIN n ON n.person_id = p.person_id", []),
            "duplicate_notice": (
                f"SELECT 'duplicate_notice' AS key, d.person_id, d.person_id AS example_id, {jur} AS jurisdiction "
                f"FROM (SELECT n.person_id, {'n.channel' if has('channel') else 'NULL'} AS channel "
                f"      FROM n WHERE {delivered} GROUP BY ALL HAVING count(*) > 1) d "
                "LEFT JOIN p ON p.person_id = d.person_id", []),
        }
        if names:
            queries["names"] = (
                # misspelled: close in sorted-word or in written order; otherwise another name
                "SELECT CASE WHEN jaro_winkler_similarity(a, b) >= 0.85 OR levenshtein(a, b) <= 2 "
                "                 OR levenshtein(sa, sb) <= 2 "
                "            THEN 'misspelled_name' ELSE 'wrong_recipient_name' END AS key, "
                "       person_id, notice_id AS example_id, jurisdiction FROM ("
                "  SELECT person_id, notice_id, jurisdiction, norm_name(rn) AS a, norm_name(fn) AS b, "
                "         squash(rn) AS sa, squash(fn) AS sb, name_tokens(rn) AS ta, name_tokens(fn) AS tb "
                "  FROM letter_rows WHERE known AND rn IS NOT NULL AND trim(rn) <> '') "
                # same words, or one name with a middle name/initial left out
                "WHERE a <> b AND sa <> sb AND NOT (least(len(ta), len(tb)) >= 2 "
                "                                   AND (list_has_all(ta, tb) OR list_has_all(tb, ta)))", [])
        if elements:
            queries["fewer_data_elements"] = (
                "SELECT 'fewer_data_elements' AS key, person_id, notice_id AS example_id, jurisdiction, missing FROM ("
                "  SELECT person_id, notice_id, jurisdiction, "
                "         list_filter(CASE WHEN len(elements(exposed)) > 0 THEN elements(exposed) ELSE elements(?) END, "
                "                     lambda x: NOT list_contains(elements(described), x)) AS missing "
                "  FROM letter_rows WHERE known) WHERE len(missing) > 0", [incident])
        if early:
            queries["notice_before_determination"] = (
                "SELECT 'notice_before_determination' AS key, person_id, notice_id AS example_id, jurisdiction "
                "FROM letter_rows WHERE early", [])

        findings: list[Finding] = []
        for name, (sql, params) in queries.items():
            groups = _grouped(con, sql, params)
            for key, g in sorted(groups.items()):
                extra: dict[str, Any] = {}
                if key == "fewer_data_elements":
                    extra["missing_elements"] = dict(con.execute(
                        "SELECT e, count(*) FROM (SELECT unnest(missing) AS e FROM problem_rows) "
                        "GROUP BY e ORDER BY 2 DESC, 1").fetchall())
                if key == "notice_before_determination":
                    first = con.execute("SELECT min(sent_at) FROM letter_rows WHERE early").fetchone()[0]
                    extra["earliest_sent_at"] = (first.isoformat() if hasattr(first, "isoformat")  # text in a raw file
                                                 else None if first is None else str(first))
                findings.append(_finding(key, g, determined=determined, extra=extra))
        if "links" in ncols:
            findings += _letter_links(con, list(official_domains), jur)
        return findings
    finally:
        con.close()


def _finding(key: str, g: dict[str, Any], *, determined: dt.date | None, extra: dict[str, Any]) -> Finding:
    reviewed, title, template = PROBLEMS[key]
    ids = "example_person_ids" if key in ("missing_notice", "duplicate_notice") else "example_notice_ids"
    return Finding(category="notice_letter", code=key, severity=reviewed_severity(reviewed, people=g["people"]),
                   title=title, detail=template.format(people=g["people"], rows=g["rows"], determined=determined),
                   count=g["people"], unit=Unit.PEOPLE,
                   evidence={"rows": g["rows"], "people": g["people"], ids: g["examples"],
                             "by_jurisdiction": g["by_jurisdiction"],
                             "people_by_jurisdiction": g["by_jurisdiction"], **extra})


def _letter_links(con, official_domains: list[str], jur: str) -> list[Finding]:
    """Domains linked by letters, scored once per distinct host, one finding per domain.

    Letters come from templates, so the distinct ``links`` strings are few: hosts are
    extracted from those, scored in Python, and only notices whose links hold a flagged
    host are joined back for counts and examples.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE link_sets AS SELECT links FROM n "
                "WHERE links IS NOT NULL AND trim(links) <> '' GROUP BY links")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE link_hosts AS SELECT DISTINCT links, "
        "lower(regexp_extract(trim(u), '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)', 1)) AS host "
        "FROM (SELECT links, unnest(string_split(regexp_replace(trim(links), '\\s+', ' ', 'g'), ' ')) AS u "
        "      FROM link_sets) WHERE trim(u) <> ''")
    hosts = [h for (h,) in con.execute("SELECT DISTINCT host FROM link_hosts WHERE host <> ''").fetchall()]
    scores = {h: score_domain(to_ascii(h.rstrip(".")), official_domains) for h in hosts}
    flagged = pd.DataFrame([(h, s.registrable) for h, s in scores.items() if not s.is_official],
                           columns=["host", "registrable"])
    if flagged.empty:
        return []
    con.register("flagged_hosts", flagged)
    rows_sql = (f"SELECT f.registrable AS key, n.person_id, n.notice_id AS example_id, {jur} AS jurisdiction "
                "FROM n JOIN (SELECT DISTINCT lh.links, fh.registrable FROM link_hosts lh "
                "             JOIN flagged_hosts fh ON lh.host = fh.host) f ON n.links = f.links "
                "LEFT JOIN p ON p.person_id = n.person_id")
    findings = []
    for reg, g in sorted(_grouped(con, rows_sql).items()):
        group_hosts = flagged.loc[flagged["registrable"] == reg, "host"]
        ds = max((scores[h] for h in group_hosts), key=lambda d: d.score)
        findings.append(link_finding(
            ds, code_prefix="letter_", where="notice letters", count=g["people"], unit=Unit.PEOPLE,
            category="notice_letter",
            evidence={"hosts": sorted(scores[h].domain for h in group_hosts), "rows": g["rows"],
                      "people": g["people"], "example_notice_ids": g["examples"],
                      "by_jurisdiction": g["by_jurisdiction"],
                      "people_by_jurisdiction": g["by_jurisdiction"]}))
    return findings
