"""Matching notices to people in SQL: the first valid notice and the status of every person.

The people and notices never become Python objects but DuckDB tables, joined and
aggregated in SQL; each distinct (country, region) pair is mapped to a jurisdiction once.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd

from workbench.exposure import elements_key
from workbench.owners import ORGANISATION
from workbench.law import UNKNOWN_JURISDICTION, jurisdiction_for
from workbench.timelines.clock import DAY_SECONDS

log = logging.getLogger("workbench.timelines")

#: Notice statuses that mean the person was not reached.
UNDELIVERED_STATUSES: tuple[str, ...] = ("returned", "bounced")

SUBSTITUTE_CHANNEL = "substitute"


def _connect():
    from workbench.duck import connect

    return connect()


def _person_status_sql(audit_utc: pd.Timestamp) -> str:
    """SQL (over tables ``person_agg``, ``person_groups``, ``pair_deadlines``) for one lean row
    per person and law.

    ``person_agg`` holds one row per person id with its group ``g`` and its notices already
    aggregated (:func:`fold_people`); ``person_groups`` maps ``g`` to (c, r, x, o) and
    ``pair_deadlines`` maps (c, r, x, o) to the deadline of every law that judges the group
    (:func:`_register_deadlines`). Both are a few dozen rows: the people are joined to their
    deadlines on a small integer, never to the notices (that join was done by the aggregate).
    """
    audit = audit_utc.strftime("%Y-%m-%d %H:%M:%S+00")
    return f"""
    WITH gd AS (
        SELECT t.g, d.* FROM person_groups t
        JOIN pair_deadlines d ON d.c = t.c AND d.r = t.r AND d.x = t.x AND d.o = t.o),
    j AS (
        SELECT a.person_id, d.data_owner, d.jurisdiction, d.scope, d.elements, d.covered, d.basis, d.clock_start,
               d.due_at, d.applies, a.notice_rows, a.substitute_delivered, a.k,
               least(CASE WHEN d.substitute_allowed THEN least(a.first_direct, a.first_substitute)
                          ELSE a.first_direct END,
                     CASE WHEN d.group_substitute_covers = 'all' OR a.first_direct IS NULL
                          THEN d.group_substitute_at END) AS first_valid_notice
        FROM person_agg a JOIN gd d ON d.g = a.g WHERE a.person_id IS NOT NULL),
    s AS (
        SELECT *,
            CASE WHEN applies IS NULL OR basis = 'not_assessed' THEN 'not_assessed'
                 WHEN NOT applies THEN 'not_required'
                 WHEN first_valid_notice IS NOT NULL AND first_valid_notice <= due_at THEN 'on_time'
                 WHEN first_valid_notice IS NOT NULL THEN 'late'
                 WHEN due_at < TIMESTAMPTZ '{audit}' AND notice_rows = 0 THEN 'overdue'
                 WHEN due_at < TIMESTAMPTZ '{audit}' THEN 'missing'
                 ELSE 'pending' END AS status
        FROM j)
    SELECT person_id, data_owner, jurisdiction, scope, elements, covered, first_valid_notice, status, substitute_delivered, k,
           CASE WHEN status = 'late'
                THEN CAST(ceil(epoch(first_valid_notice - due_at) / {DAY_SECONDS}) AS INTEGER) END AS days_late,
           CASE WHEN status IN ('overdue', 'missing')
                THEN CAST(ceil(epoch(TIMESTAMPTZ '{audit}' - due_at) / {DAY_SECONDS}) AS INTEGER) END AS days_overdue,
           CASE WHEN first_valid_notice IS NOT NULL
                THEN epoch(first_valid_notice - clock_start) / {DAY_SECONDS} END AS delay_days
    FROM s
    """


#: The per-person view published (Parquet in the run folder, :func:`match_notices`), in the
#: file order of the people (``k``), the law of residence first.
_PERSON_EXPORT_SQL = """
SELECT s.person_id, s.data_owner, s.jurisdiction, s.scope, s.elements, d.rule_version, d.basis, d.clock_start, d.due_at, s.first_valid_notice,
       s.status,
       CASE WHEN d.basis = 'assessment' AND s.status IN ('on_time', 'late', 'overdue', 'missing', 'pending')
            THEN s.status || ' (assessment)' ELSE s.status END AS label,
       s.days_late, s.days_overdue, s.delay_days,
       CASE WHEN s.status IN ('not_required', 'not_assessed') THEN d.reason
            WHEN s.status IN ('late', 'overdue', 'missing', 'pending')
                 AND (d.group_substitute_covers IS NOT NULL AND d.group_substitute_at IS NULL
                      OR NOT d.substitute_allowed
                         AND s.substitute_delivered)
            THEN d.substitute_reason
            WHEN s.status = 'missing'
            THEN 'notices exist but none counts (returned, bounced, or a substitute notice the rule does not allow)'
       END AS reason
FROM person_status s LEFT JOIN deadlines d
     ON d.data_owner = s.data_owner AND d.jurisdiction = s.jurisdiction AND d.elements = s.elements
ORDER BY s.k, s.scope <> 'residence', s.jurisdiction
"""

#: How raw notice columns become the matching columns (text typed as workbench.sources does).
_NOTICE_COLUMNS_SQL = (
    "nullif(trim(CAST(person_id AS VARCHAR)), '') AS person_id, {sent} AS sent_at, "
    "coalesce(lower(trim(CAST(status AS VARCHAR))), 'sent') NOT IN ("
    + ", ".join(f"'{s}'" for s in UNDELIVERED_STATUSES) + ") AS delivered, "
    f"coalesce(lower(trim(CAST(channel AS VARCHAR))), '') = '{SUBSTITUTE_CHANNEL}' AS substitute")


def _order(con) -> str:
    """The column giving ``people``'s file order: ``k`` where the loader kept it (the store's
    ``source_row``), else the table's rowid (a plain projection of its source keeps the order)."""
    cols = {c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE people)").fetchall()}
    return "k" if "k" in cols else "rowid"


def fold_people(con, audit_utc: pd.Timestamp) -> tuple[int, int]:
    """People and their notices in one aggregate: table ``person_agg``, one row per person id.

    ``people`` (person_id, c, r, x, o, and ``k`` the file order where the loader kept it; a
    table or a view) and ``notices`` (person_id, sent_at, delivered, substitute) are read once
    each, as one UNION ALL grouped by person id: each id keeps the group ``g`` (table
    ``person_groups``: every distinct (c, r, x, o) once, numbered) of its first row, the first
    direct and substitute delivered notice sent by the audit moment, the number of notices
    sent by then and whether any delivered substitute notice exists. This is the dedupe, the
    notices-per-person aggregate and the people x notices join of before in one pass: one
    hash aggregate whose payload is a few fixed-width values, which DuckDB spills linearly.

    Afterwards ``people`` is a view of the kept rows (first row of each id, none without an
    id). Returns the numbers of (duplicate rows, rows without id) left out; both go into the
    stage's stats.
    """
    audit = audit_utc.strftime("%Y-%m-%d %H:%M:%S+00")
    order = _order(con)
    con.execute("CREATE OR REPLACE TEMP TABLE person_groups AS SELECT CAST(row_number() OVER (ORDER BY c, r, x, o) "
                "AS INTEGER) AS g, c, r, x, o FROM (SELECT DISTINCT c, r, x, o FROM people)")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE person_agg AS
        SELECT person_id,
               arg_min(g, k) FILTER (WHERE src = 0) AS g, min(k) FILTER (WHERE src = 0) AS k,
               count(*) FILTER (WHERE src = 0) AS people_rows,
               min(sent_at) FILTER (WHERE src = 1 AND delivered AND NOT substitute AND sent_at <= TIMESTAMPTZ '{audit}') AS first_direct,
               min(sent_at) FILTER (WHERE src = 1 AND delivered AND substitute AND sent_at <= TIMESTAMPTZ '{audit}') AS first_substitute,
               count(*) FILTER (WHERE src = 1 AND sent_at <= TIMESTAMPTZ '{audit}') AS notice_rows,
               coalesce(bool_or(delivered AND substitute) FILTER (WHERE src = 1), false) AS substitute_delivered
        FROM (SELECT p.person_id, t.g, CAST(p.{order} AS BIGINT) AS k, 0 AS src, CAST(NULL AS TIMESTAMPTZ) AS sent_at,
                     CAST(NULL AS BOOLEAN) AS delivered, CAST(NULL AS BOOLEAN) AS substitute
              FROM people p JOIN person_groups t ON t.c IS NOT DISTINCT FROM p.c AND t.r IS NOT DISTINCT FROM p.r
                   AND t.x IS NOT DISTINCT FROM p.x AND t.o IS NOT DISTINCT FROM p.o
              UNION ALL
              SELECT person_id, NULL, NULL, 1, sent_at, delivered, substitute FROM notices WHERE person_id IS NOT NULL)
        GROUP BY person_id HAVING count(*) FILTER (WHERE src = 0) > 0""")
    duplicates, no_id = con.execute(
        "SELECT coalesce(sum(people_rows - 1) FILTER (WHERE person_id IS NOT NULL), 0), "
        "coalesce(sum(people_rows) FILTER (WHERE person_id IS NULL), 0) FROM person_agg").fetchone()
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'people'").fetchone()[0]
    con.execute(f"DROP {'VIEW' if kind == 'VIEW' else 'TABLE'} people")
    con.execute("CREATE TEMP VIEW people AS SELECT a.person_id, t.c, t.r, t.x, t.o FROM person_agg a "
                "JOIN person_groups t ON t.g = a.g WHERE a.person_id IS NOT NULL")
    if duplicates:
        log.info("%d duplicate person-id rows ignored (first row of each id kept)", duplicates)
    if no_id:
        log.warning("%d affected-people rows without a person_id were left out of the timelines", no_id)
    return int(duplicates), int(no_id)


def _register_deadlines(con, deadlines: pd.DataFrame, plan: pd.DataFrame | None = None) -> None:
    """Table ``deadlines`` (one row per law and element set) and ``pair_deadlines``: each
    distinct (c, r, x) of ``people`` with the deadline row of every law that judges it
    (``plan``, :func:`workbench.timelines.laws.law_plan`; by default only the law of the
    person's jurisdiction), so the matching query gives one row per person and law."""
    if "data_owner" not in deadlines.columns:
        deadlines = deadlines.assign(data_owner=ORGANISATION)
    if plan is None:
        plan = pd.DataFrame({"data_owner": deadlines["data_owner"], "home": deadlines["jurisdiction"],
                             "elements": deadlines["elements"], "jurisdiction": deadlines["jurisdiction"],
                             "scope": "residence"}).drop_duplicates()
    if "data_owner" not in plan.columns:
        plan = plan.assign(data_owner=ORGANISATION)
    con.register("plan_frame", plan[["data_owner", "home", "elements", "jurisdiction", "scope"]])
    con.execute("CREATE OR REPLACE TEMP TABLE law_plan AS SELECT CAST(data_owner AS VARCHAR) AS data_owner, "
                "CAST(home AS VARCHAR) AS home, CAST(elements AS VARCHAR) AS elements, "
                "CAST(jurisdiction AS VARCHAR) AS jurisdiction, CAST(scope AS VARCHAR) AS scope FROM plan_frame")
    con.unregister("plan_frame")
    con.register("deadlines_frame", deadlines)
    con.execute("CREATE OR REPLACE TEMP TABLE deadlines AS SELECT CAST(data_owner AS VARCHAR) AS data_owner, "
                "jurisdiction, elements, covered, rule_version, "
                "basis, reason, CAST(clock_start AS TIMESTAMPTZ) AS clock_start, "
                "CAST(due_at AS TIMESTAMPTZ) AS due_at, applies, substitute_allowed, "
                "CAST(substitute_reason AS VARCHAR) AS substitute_reason, "
                "CAST(group_substitute_at AS TIMESTAMPTZ) AS group_substitute_at, "
                "CAST(group_substitute_covers AS VARCHAR) AS group_substitute_covers FROM deadlines_frame")
    con.unregister("deadlines_frame")
    con.execute("CREATE OR REPLACE TEMP TABLE pair_deadlines AS SELECT k.c, k.r, k.x, k.o, p.scope, d.* "
                f"FROM ({_GROUPS_SQL}) k JOIN law_plan p ON p.data_owner = k.o AND p.home = k.jurisdiction "
                "AND p.elements = k.elements JOIN deadlines d ON d.data_owner = p.data_owner "
                "AND d.jurisdiction = p.jurisdiction AND d.elements = p.elements")
    missing = con.execute(f"SELECT count(*) FROM ({_GROUPS_SQL}) k ANTI JOIN (SELECT p.data_owner, p.home, p.elements "
                          "FROM law_plan p JOIN deadlines d ON d.data_owner = p.data_owner AND "
                          "d.jurisdiction = p.jurisdiction AND d.elements = p.elements WHERE p.scope = 'residence') r "
                          "ON r.data_owner = k.o AND r.home = k.jurisdiction AND r.elements = k.elements"
                          ).fetchall()[0][0]
    if missing:  # guardrail: every person's jurisdiction and elements need the deadline of their own law
        from workbench.errors import GuardrailError
        raise GuardrailError(f"{missing} (country, region, elements) group(s) have no deadline row")


#: Each distinct (c, r, x, o) of ``people`` with its jurisdiction and normalised element set.
_GROUPS_SQL = ("SELECT g.c, g.r, g.x, g.o, m.jurisdiction, em.elements FROM (SELECT DISTINCT c, r, x, o FROM people) g "
               "JOIN jurisdiction_map m ON m.c = g.c AND m.r = g.r JOIN element_map em ON em.x = g.x")


def groups(con) -> list[tuple[str, str]]:
    """The distinct (jurisdiction, element set) pairs of ``people``: what the deadlines are computed for."""
    return [(j, e) for j, e in con.execute(
        f"SELECT DISTINCT jurisdiction, elements FROM ({_GROUPS_SQL}) ORDER BY 1, 2").fetchall()]


def owner_groups(con) -> dict[str, list[tuple[str, str]]]:
    """The distinct (jurisdiction, element set) pairs of ``people`` per data owner ('' for the organisation)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for o, j, e in con.execute(f"SELECT DISTINCT o, jurisdiction, elements FROM ({_GROUPS_SQL}) ORDER BY 1, 2, 3"
                               ).fetchall():
        out.setdefault(o, []).append((j, e))
    return out


def _map_elements(con, incident_elements) -> None:
    """Table ``element_map`` (x, elements): every distinct raw data_elements value of
    ``people`` normalised once (:func:`elements_key`); '' is the incident's list."""
    raw = [x for (x,) in con.execute("SELECT DISTINCT x FROM people").fetchall()]
    frame = pd.DataFrame({"x": pd.Series(raw, dtype="str"),
                          "elements": pd.Series([elements_key(x, incident_elements) for x in raw], dtype="str")})
    con.register("element_pairs", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE element_map AS SELECT CAST(x AS VARCHAR) AS x, "
                "CAST(elements AS VARCHAR) AS elements FROM element_pairs")
    con.unregister("element_pairs")





def match_notices(people: pd.DataFrame, notices: pd.DataFrame, deadlines: pd.DataFrame, *,
                  audit_at: dt.datetime, incident_elements=()) -> pd.DataFrame:
    """Per-person timeline status (pure; for small tables and tests).

    Parameters
    ----------
    people
        ``person_id``, ``jurisdiction`` and (optional) ``data_elements``, in file order (a
        duplicated id keeps its first row); empty elements are ``incident_elements``.
    notices
        ``person_id``, ``channel``, ``sent_at`` (tz-aware), ``status``.
    deadlines
        :func:`individual_deadlines` for (at least) every jurisdiction in ``people``.
    audit_at
        The audit moment (:func:`audit_moment`).

    Returns
    -------
    pandas.DataFrame
        One row per person id, sorted by it: person_id, jurisdiction, rule_version, basis,
        clock_start, due_at, first_valid_notice, status, label, days_late, days_overdue,
        delay_days, reason.
    """
    con = _connect()
    try:
        _load_frames(con, people, notices, incident_elements)
        fold_people(con, pd.Timestamp(audit_at).tz_convert("UTC"))
        _register_deadlines(con, deadlines)
        con.execute("CREATE TEMP TABLE person_status AS "
                    + _person_status_sql(pd.Timestamp(audit_at).tz_convert("UTC")))
        return con.execute(f"SELECT * FROM ({_PERSON_EXPORT_SQL}) ORDER BY person_id").df()
    finally:
        con.close()


def _load_frames(con, people: pd.DataFrame, notices: pd.DataFrame, incident_elements=()) -> None:
    """Create the ``people`` and ``notices`` tables from frames (minimal columns)."""
    p = people.sort_values("source_row", kind="stable") if "source_row" in people.columns else people
    p = p.reindex(columns=["person_id", "jurisdiction", "data_elements", "data_owner"])
    con.register("people_frame", p)
    con.execute("CREATE OR REPLACE TEMP TABLE people AS SELECT nullif(trim(CAST(person_id AS VARCHAR)), '') AS person_id, "
                "coalesce(CAST(jurisdiction AS VARCHAR), '') AS c, '' AS r, "
                f"{_RAW_ELEMENTS_SQL} AS x, {_RAW_OWNER_SQL} AS o FROM people_frame")
    con.unregister("people_frame")
    con.execute("CREATE OR REPLACE TEMP TABLE jurisdiction_map AS SELECT DISTINCT c, r, "
                f"CASE WHEN c = '' THEN '{UNKNOWN_JURISDICTION}' ELSE c END AS jurisdiction FROM people")
    _map_elements(con, incident_elements)
    _notices_from(con, notices.reindex(columns=["person_id", "channel", "sent_at", "status"]))


def _notices_from(con, frame) -> None:
    """Create table ``notices`` from a frame or Arrow table with the notice columns."""
    con.register("notices_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE notices AS SELECT "
                + _NOTICE_COLUMNS_SQL.format(sent="CAST(sent_at AS TIMESTAMPTZ)") + " FROM notices_frame")
    con.unregister("notices_frame")


def people_jurisdictions(people: pd.DataFrame) -> pd.DataFrame:
    """``person_id``, ``jurisdiction`` and ``data_elements`` (as given, None when absent) for
    affected_people rows (``country``, ``region``), in the same order; the law package maps
    each distinct (country, region) pair once."""
    con = _connect()
    try:
        frame = people.reindex(columns=["person_id", "country", "region", "data_elements", "data_owner"])
        con.register("raw_people", frame)
        _map_jurisdictions(con, "SELECT person_id, country, region, data_elements, data_owner FROM raw_people")
        out = con.execute("SELECT p.person_id, m.jurisdiction FROM people p JOIN jurisdiction_map m "
                          "ON m.c = p.c AND m.r = p.r ORDER BY p.rowid").df()
        out.index = people.index
        out["data_elements"] = frame["data_elements"].to_numpy()
        return out
    finally:
        con.close()


def element_groups(people: pd.DataFrame, incident_elements) -> list[tuple[str, str]]:
    """The distinct (jurisdiction, element key) pairs of a frame with ``jurisdiction`` and
    (optional) ``data_elements``: what :func:`individual_deadlines` needs for it."""
    raw = people["data_elements"] if "data_elements" in people.columns else pd.Series(None, index=people.index)
    keys = [elements_key(x if isinstance(x, str) else None, incident_elements) for x in raw]
    return sorted(set(zip(people["jurisdiction"].astype("str"), keys)))


def _map_jurisdictions(con, raw_select: str) -> None:
    """Build table ``people`` (person_id, c, r: normalised country and region, in input
    order) from a SELECT yielding person_id, country, region, and table
    ``jurisdiction_map`` (c, r, jurisdiction): each distinct pair mapped once through
    :func:`jurisdiction_for`. The pair is joined to its deadline only in the matching query,
    so the population is written once."""
    _create_people(con)
    _insert_people(con, raw_select)
    _map_pairs(con)


def _create_people(con) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE people (person_id VARCHAR, c VARCHAR, r VARCHAR, x VARCHAR, o VARCHAR)")


#: A person's data owner as matched: trimmed text, '' for the organisation itself.
_RAW_OWNER_SQL = "coalesce(trim(CAST(data_owner AS VARCHAR)), '')"


#: A person's raw data_elements as matched: trimmed text, '' for none (the incident's list).
_RAW_ELEMENTS_SQL = "coalesce(trim(CAST(data_elements AS VARCHAR)), '')"


def _insert_people(con, raw_select: str) -> None:
    """Append people (person_id, country, region, data_elements) in input order, normalised."""
    con.execute(f"""INSERT INTO people
        SELECT nullif(trim(CAST(person_id AS VARCHAR)), '') AS person_id,
               upper(trim(coalesce(CAST(country AS VARCHAR), ''))) AS c,
               upper(trim(coalesce(CAST(region AS VARCHAR), ''))) AS r,
               {_RAW_ELEMENTS_SQL} AS x, {_RAW_OWNER_SQL} AS o
        FROM ({raw_select})""")


def _map_pairs(con) -> None:
    """Table ``jurisdiction_map``: every distinct (country, region) pair of ``people`` mapped once."""
    pairs = con.execute("SELECT DISTINCT c, r FROM people").df()
    pairs["jurisdiction"] = [jurisdiction_for(c or None, r or None) for c, r in zip(pairs["c"], pairs["r"])]
    con.register("jurisdiction_pairs", pairs)
    con.execute("CREATE OR REPLACE TEMP TABLE jurisdiction_map AS SELECT CAST(c AS VARCHAR) AS c, "
                "CAST(r AS VARCHAR) AS r, CAST(jurisdiction AS VARCHAR) AS jurisdiction FROM jurisdiction_pairs")
    con.unregister("jurisdiction_pairs")
