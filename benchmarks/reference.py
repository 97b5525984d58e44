"""Hand-written DuckDB references: each stage's work done by plain SQL on the same case store.

Issue 15 holds every stage to a yardstick: at 10M people, within 1.5x of a hand-written
DuckDB query doing the same work on the same store. This module holds those queries, one
function per stage, and for each the function that reads the stage's own result into
counts of the same shape, so that the two are compared key by key (the "same counts"
column of ``make bench``; ``tests/benchmarks/test_reference.py`` holds every reference to
its stage at a tiny size, which is what keeps the references honest).

================ ================================================ =================================================
stage            the reference does                               what only one side does (and why)
================ ================================================ =================================================
00 intake        per population input (affected_people,           The five small inputs (a few hundred rows; Form 4
                 notices), one ``COPY (SELECT <typed casts>,      XML, which DuckDB cannot read) are left out of
                 source_row, jurisdiction) TO <store>.parquet``:  both sides. Hashing is left out of both: in a run
                 text trimmed of Unicode white space and empty    the runner hashes every input when it starts and
                 text made null, a row holding a NUL rejected,    hands the digests to the intake. The reference
                 the jurisdiction by a join on two small tables   types the physical types the generated cases hold
                 tabulated from the law data's mapping; then the  (text for text, a UTC timestamp for ``sent_at``)
                 overview (people per jurisdiction, notices per   and refuses others, where the workbench parses
                 day)                                             text timestamps, numbers and booleans too.
10 data quality  every expectation of every suite, one            The stage also writes the GX evidence JSON (a few
                 aggregate query per input giving each            KB) and copies the key columns into its
                 expectation's unexpected count, uniqueness by    population store; the reference writes nothing
                 GROUP BY, the first failing rows of each failing and queries the store directly. Rejected rows are
                 expectation (as GX's SUMMARY result fetches      counted from the intake's record, where the stage
                 them), the cross-input anti-joins and people /   reads the rejects file.
                 people with a notice per jurisdiction
20 timelines     each person's first valid notice (first row of   The deadline per jurisdiction (the law engine,
                 a duplicated id) vs the due moment of its        a few dozen calls) and the regulator / CRA duties
                 jurisdiction, the per-person Parquet file,       per jurisdiction are computed by the workbench's
                 per-jurisdiction status counts, extremes and     own functions on both sides; the stage also words
                 quantiles, first valid notices per day           its findings (per jurisdiction, not per person).
30 irregular.    the letter reconciliation: every letter problem  Insider trading, look-alike links and compensation
                 as SQL over the store (counts, people, the first read a few dozen rows: both sides run the
                 example ids, per-jurisdiction counts), and the   workbench's own functions. The domains letters link
                 linked domains                                   are scored by the workbench's ``score_domain``
                                                                  (Python, once per distinct host) on both sides.
================ ================================================ =================================================

Neither side renders anything (notebooks, charts, the report): the stages are measured
through their ``run(store, case)`` hook, without ``stages.save`` writing the findings. The
intake also writes the store's records (``case.json``, ``inputs.json``: a few KB), which
the reference does not; the reference writes its typed files in the file order, as the
intake does (a join does not keep the order of its input: people are sorted back by
``source_row``).

Every reference connects through :func:`workbench.duck.connect` (the same memory limit,
spill folder and threads as the stages) and reads the store's Parquet files through
:meth:`workbench.store.CaseStore.connect` (views ``store.<input>``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from workbench.registry import Registry
from workbench.store import STORE_COMPRESSION

#: The inputs at population scale: the intake's reference types these two.
POPULATION_INPUTS: tuple[str, ...] = ("affected_people", "notices")
#: The characters ``pyarrow.compute.utf8_trim_whitespace`` trims (Python's ``str.isspace``),
#: which is how :mod:`workbench.values` trims text; DuckDB's ``trim(s)`` trims spaces only.
WHITESPACE = "".join(chr(c) for c in (
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
    0x2028, 0x2029, 0x202F, 0x205F, 0x3000))
#: Rejected rows the intake's reference writes per input (as :data:`workbench.store.REJECTS_CAP`).
REJECTS_CAP = 100_000

Counts = dict[str, Any]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    """A Python value as a SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _path(path: str | Path) -> str:
    from workbench.duck import literal_path

    return literal_path(path)


def _round(x: Any, digits: int = 6) -> Any:
    """A number as counts hold it: None for a missing one, floats rounded (both sides are
    DuckDB aggregates; rounding only hides the last bits of a float's printing)."""
    if x is None:
        return None
    try:
        if x != x:  # NaN, pandas NA
            return None
    except TypeError:
        return None
    if isinstance(x, float) or hasattr(x, "is_integer"):
        f = float(x)
        return int(f) if f.is_integer() else round(f, digits)
    return int(x)


def _epoch(x: Any) -> int | None:
    """A moment as whole epoch seconds (None when missing)."""
    import pandas as pd

    if x is None or (not isinstance(x, str) and pd.isna(x)):
        return None
    return int(pd.Timestamp(x).timestamp())


# =========================================================================== 00 intake

def _raw_type_sql(kind: str, name: str, column: str, raw_type: str) -> tuple[str, str | None]:
    """(typed expression, bad-value condition or None) of one contract column, from its
    physical type in the raw Parquet file, as :mod:`workbench.values` types it."""
    c = _q(column)
    if kind == "str" and raw_type == "VARCHAR":
        return _trimmed(c), f"coalesce(contains({c}, chr(0)), FALSE)"
    if kind == "timestamp" and raw_type == "TIMESTAMP WITH TIME ZONE":
        return c, None
    if kind == "timestamp" and raw_type in ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "DATE"):
        return f"timezone('UTC', CAST({c} AS TIMESTAMP))", None  # naive: the moment is UTC
    from workbench.errors import WorkbenchError

    raise WorkbenchError(f"reference intake: {name}.{column} is {raw_type} in the raw file; the reference types "
                         f"text columns stored as text and timestamps stored as timestamps only (kind {kind})")


def _trimmed(c: str) -> str:
    """Text trimmed of Unicode white space, empty text null. DuckDB's ``trim(s, chars)`` over
    a set of 29 characters is slow (4x a plain copy at 1M notices), so it runs only on the
    values that begin or end with one of them (one character tested at each end)."""
    ws = _lit(WHITESPACE)
    return f"nullif(CASE WHEN contains({ws}, {c}[1]) OR contains({ws}, {c}[-1]) THEN trim({c}, {ws}) ELSE {c} END, '')"


_ARROW_SQL = {"str": "VARCHAR", "timestamp": "TIMESTAMPTZ", "date": "TIMESTAMP", "int": "BIGINT",
              "float": "DOUBLE", "bool": "BOOLEAN"}


def _jurisdiction_tables(con) -> None:
    """Tables ``country_codes`` (country -> code), ``us_region_codes`` (region -> code) and
    ``place_codes`` (country, region -> a province's own code such as CA-QC),
    tabulated from the law data's one mapping (:func:`workbench.law.jurisdiction_for`) over
    every country code it may see, so that a join does per row what that function does."""
    import json

    import pandas as pd

    from workbench.law import UNKNOWN_JURISDICTION, US_REGION_CODES, jurisdiction_for, load_rulebook
    from workbench.law.jurisdictions import ADDITIONAL_CODES, NATIONAL_CODES, US_TERRITORY_COUNTRIES
    from workbench.paths import EXPECTATIONS_DIR

    suite = json.loads((EXPECTATIONS_DIR / "affected_people.json").read_text(encoding="utf-8"))
    iso = next(e["kwargs"]["value_set"] for e in suite["expectations"] if e["meta"]["check"] == "country_iso_alpha2")
    candidates = set(iso) | set(NATIONAL_CODES) | set(load_rulebook().member_states) | set(US_TERRITORY_COUNTRIES)
    candidates |= {"EL"}
    countries = pd.DataFrame([(c, jurisdiction_for(c, None)) for c in sorted(candidates)], columns=["c", "code"])
    countries = countries[countries["code"] != UNKNOWN_JURISDICTION]
    regions = pd.DataFrame([(key, jurisdiction_for("US", r)) for r in sorted(US_REGION_CODES)
                            for key in (r, f"US-{r}")], columns=["r", "code"])
    places = pd.DataFrame([(c, r, jurisdiction_for(c, r)) for (c, r) in ADDITIONAL_CODES if r is not None],
                          columns=["c", "r", "code"])  # provinces with their own law (CA-QC...)
    for table, frame in (("country_codes", countries), ("us_region_codes", regions), ("place_codes", places)):
        con.register(f"{table}_frame", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table}_frame")
        con.unregister(f"{table}_frame")


def _jurisdiction_sql(country: str, region: str) -> str:
    """A person's code from the (typed) country and region, through the two small tables."""
    from workbench.law import UNKNOWN_JURISDICTION

    unknown = _lit(UNKNOWN_JURISDICTION)
    return (f"CASE WHEN upper({country}) IS NULL THEN {unknown} "
            f"WHEN upper({country}) IN ('US', 'USA') THEN coalesce(ur.code, {unknown}) "
            f"ELSE coalesce(pc.code, cc.code, {unknown}) END")


def ref_intake(case, out_dir: str | Path, *, names: tuple[str, ...] = POPULATION_INPUTS) -> Counts:
    """The intake of the population inputs, as DuckDB statements, and the overview.

    Writes ``out_dir/store/<input>.parquet`` (the contract's columns typed, ``source_row``,
    ``jurisdiction`` for people; in file order, compressed as the store), ``out_dir/rejects/<input>.csv`` when
    rows are rejected, and ``out_dir/store/case.duckdb`` (a view per file). Counts: rows
    read / accepted / rejected per input, people (distinct person ids) per jurisdiction, notices per day.
    """
    from workbench.duck import connect, scan
    from workbench.sources import SCHEMAS

    out_dir = Path(out_dir)
    folder, rejects_dir = out_dir / "store", out_dir / "rejects"
    folder.mkdir(parents=True, exist_ok=True)
    counts: Counts = {}
    con = connect()
    try:
        _jurisdiction_tables(con)
        for name in names:
            raw = case.input_path(name)
            if raw is None or raw.suffix.lower() not in (".parquet", ".pq"):
                from workbench.errors import WorkbenchError
                raise WorkbenchError(f"reference intake: {name} is not a Parquet file ({raw})")
            source = scan(raw, "parquet", file_row_number=True)
            raw_types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {source})")
                             .fetchall())
            typed, bad = [], []
            for col in SCHEMAS[name].columns:
                if col.name in raw_types:
                    expr, flaw = _raw_type_sql(col.kind, name, col.name, raw_types[col.name])
                    if flaw:
                        bad.append((col.name, flaw))
                else:  # an optional column the file does not have: all null
                    expr = f"CAST(NULL AS {_ARROW_SQL[col.kind]})"
                typed.append(f"{expr} AS {_q(col.name)}")
            typed.append("file_row_number + 1 AS source_row")
            joins = ""
            if name == "affected_people":
                typed.append(_jurisdiction_sql("t_country", "t_region") + " AS jurisdiction")
                country, region = (_trimmed(f"r.{_q(c)}") for c in ("country", "region"))
                joins = (f" LEFT JOIN country_codes cc ON cc.c = upper(t_country)"
                         f" LEFT JOIN us_region_codes ur ON ur.r = upper(t_region)"
                         f" LEFT JOIN place_codes pc ON pc.c = upper(t_country) AND pc.r = upper(t_region)")
                base = f"(SELECT *, {country} AS t_country, {region} AS t_region FROM {source} r)"
            else:
                base = source
            flawed = " OR ".join(f for _, f in bad) or "FALSE"
            target = folder / f"{name}.parquet"
            accepted = con.execute(
                # a join does not keep the file order (a scan alone does): sorted back to it
                f"COPY (SELECT {', '.join(typed)} FROM {base} r{joins} WHERE NOT ({flawed})"
                f"{' ORDER BY source_row' if joins else ''}) "
                # the store's compression (workbench.store.STORE_COMPRESSION)
                f"TO {_path(target)} (FORMAT parquet, COMPRESSION {STORE_COMPRESSION})").fetchone()[0]
            read = con.execute(f"SELECT sum(num_rows) FROM parquet_file_metadata({_path(raw)})").fetchone()[0] or 0
            rejected = int(read) - int(accepted)
            if rejected:  # a second pass only when rows were rejected (rare)
                rejects_dir.mkdir(parents=True, exist_ok=True)
                field = "CASE " + " ".join(f"WHEN {f} THEN {_lit(c)}" for c, f in bad) + " END"
                con.execute(f"COPY (SELECT {_lit(name)} AS input, file_row_number + 1 AS row, {field} AS field, "
                            "'holds a NUL byte' AS reason FROM " + source + f" WHERE {flawed} ORDER BY row "
                            f"LIMIT {REJECTS_CAP}) TO {_path(rejects_dir / f'{name}.csv')} (HEADER)")
            counts |= {f"{name}.rows_read": int(read), f"{name}.rows_accepted": int(accepted),
                       f"{name}.rows_rejected": rejected}
        _write_views(folder, names)
        typed_people, typed_notices = (folder / f"{n}.parquet" for n in ("affected_people", "notices"))
        if "affected_people" in names:
            for j, n in con.execute("SELECT jurisdiction, count(DISTINCT person_id) "  # a duplicated row is one person
                                    f"FROM read_parquet({_path(typed_people)}) GROUP BY ALL").fetchall():
                counts[f"people.{j}"] = int(n)
        if "notices" in names:
            for day, n in con.execute(f"SELECT CAST(timezone(?, sent_at) AS DATE), count(*) "
                                      f"FROM read_parquet({_path(typed_notices)}) WHERE sent_at IS NOT NULL "
                                      "GROUP BY ALL", [case.parameters.timezone]).fetchall():
                counts[f"notices_per_day.{day.isoformat()}"] = int(n)
    finally:
        con.close()
    return dict(sorted(counts.items()))


def _write_views(folder: Path, names: tuple[str, ...]) -> None:
    """``case.duckdb`` beside the files: one view per input (as the store writes)."""
    import duckdb

    db = folder / "case.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        for name in names:
            con.execute(f"CREATE VIEW {_q(name)} AS SELECT * FROM read_parquet({_path(folder / f'{name}.parquet')})")
    finally:
        con.close()


def intake_counts(store, overview) -> Counts:
    """The intake stage's counts in the shape of :func:`ref_intake`: the store's records
    of the population inputs and the overview's tables (:func:`workbench.overview.overview`)."""
    counts: Counts = {}
    for name in POPULATION_INPUTS:
        if store.has(name):
            r = store.record(name)
            counts |= {f"{name}.rows_read": r.rows_read, f"{name}.rows_accepted": r.rows_accepted,
                       f"{name}.rows_rejected": r.rows_rejected}
    if store.has("affected_people"):
        for j, n in zip(overview.people_by_jurisdiction["jurisdiction"], overview.people_by_jurisdiction["people"]):
            counts[f"people.{j}"] = int(n)
    if store.has("notices"):
        for day, n in zip(overview.notices_per_day["date"], overview.notices_per_day["notices"]):
            counts[f"notices_per_day.{day.isoformat()}"] = int(n)
    return dict(sorted(counts.items()))


# =========================================================================== 10 data quality

#: Expectation type -> SQL condition true for an unexpected row (nulls are missing, never
#: unexpected, except for the null expectations), from the expectation's kwargs, the suite
#: parameters and the column types. GX's SQL semantics, written out.
UNEXPECTED: Registry[Callable[[dict, dict, dict], str]] = Registry("expectation type (reference SQL)")


def _param(value: Any, params: dict[str, Any]) -> Any:
    return params[value["$PARAMETER"]] if isinstance(value, dict) and "$PARAMETER" in value else value


def _value(value: Any, column_type: str) -> str:
    """A bound as a literal comparable with the column (text moments as timestamps)."""
    if isinstance(value, str) and column_type.startswith("TIMESTAMP"):
        return f"TIMESTAMPTZ {_lit(value)}" if "TIME ZONE" in column_type else f"TIMESTAMP {_lit(value)}"
    return _lit(value)


def _values(values: list[Any]) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


@UNEXPECTED.register("expect_column_values_to_not_be_null")
def _not_null(kw, params, types):
    return f"{_q(kw['column'])} IS NULL"


@UNEXPECTED.register("expect_column_values_to_be_null")
def _null(kw, params, types):
    return f"{_q(kw['column'])} IS NOT NULL"


@UNEXPECTED.register("expect_column_values_to_be_in_set")
def _in_set(kw, params, types):
    c = _q(kw["column"])
    return f"{c} IS NOT NULL AND {c} NOT IN {_values(_param(kw['value_set'], params))}"


@UNEXPECTED.register("expect_column_values_to_not_be_in_set")
def _not_in_set(kw, params, types):
    c = _q(kw["column"])
    return f"{c} IS NOT NULL AND {c} IN {_values(_param(kw['value_set'], params))}"


def _range(expr: str, kw: dict, params: dict, column_type: str) -> str:
    """``expr`` within the expectation's bounds (strict or not; a missing bound is open)."""
    low, high = _param(kw.get("min_value"), params), _param(kw.get("max_value"), params)
    tests = []
    if low is not None:
        tests.append(f"{expr} {'>' if kw.get('strict_min') else '>='} {_value(low, column_type)}")
    if high is not None:
        tests.append(f"{expr} {'<' if kw.get('strict_max') else '<='} {_value(high, column_type)}")
    return " AND ".join(tests) or "TRUE"


@UNEXPECTED.register("expect_column_values_to_be_between")
def _be_between(kw, params, types):
    c = _q(kw["column"])
    return f"{c} IS NOT NULL AND NOT ({_range(c, kw, params, types[kw['column']])})"


@UNEXPECTED.register("expect_column_value_lengths_to_be_between")
def _lengths_between(kw, params, types):
    c = _q(kw["column"])
    return f"{c} IS NOT NULL AND NOT ({_range(f'length({c})', kw, params, 'BIGINT')})"


@UNEXPECTED.register("expect_column_values_to_match_regex")
def _match(kw, params, types):
    c = _q(kw["column"])
    return f"{c} IS NOT NULL AND NOT regexp_matches({c}, {_lit(_param(kw['regex'], params))})"


@UNEXPECTED.register("expect_column_values_to_not_match_regex")
def _not_match(kw, params, types):
    c = _q(kw["column"])
    return f"{c} IS NOT NULL AND regexp_matches({c}, {_lit(_param(kw['regex'], params))})"


def _pair(kw: dict, test: str) -> str:
    a, b = _q(kw["column_A"]), _q(kw["column_B"])
    skip = kw.get("ignore_row_if", "both_values_are_missing")
    if skip != "either_value_is_missing":
        from workbench.errors import WorkbenchError
        raise WorkbenchError(f"reference data quality: ignore_row_if {skip!r} is not written out")
    return f"{a} IS NOT NULL AND {b} IS NOT NULL AND NOT ({test.format(a=a, b=b)})"


@UNEXPECTED.register("expect_column_pair_values_a_to_be_greater_than_b")
def _a_greater(kw, params, types):
    return _pair(kw, "{a} >= {b}" if kw.get("or_equal") else "{a} > {b}")


@UNEXPECTED.register("expect_column_pair_values_to_be_equal")
def _pair_equal(kw, params, types):
    return _pair(kw, "{a} = {b}")


_OPERATORS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _condition(cond: dict | None) -> str:
    """GX's row condition (comparisons joined by and/or) as SQL."""
    if not cond:
        return "TRUE"
    kind = cond.get("type")
    if kind == "comparison":
        return f"{_q(cond['column']['name'])} {_OPERATORS[cond['operator']]} {_lit(cond['parameter'])}"
    if kind in ("and", "or"):
        return "(" + f" {kind.upper()} ".join(_condition(c) for c in cond["conditions"]) + ")"
    from workbench.errors import WorkbenchError
    raise WorkbenchError(f"reference data quality: row condition {kind!r} is not written out")


def quality_sql(spec, params: dict[str, Any], types: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The one aggregate query over ``store.<input>`` giving each row-level expectation's
    unexpected count, and per check its condition (for the examples query)."""
    conds = {}
    for e in spec.row_level():
        unexpected = UNEXPECTED.get(e.type)(e.kwargs, params, types)
        conds[e.check] = f"({_condition(e.kwargs.get('row_condition'))}) AND ({unexpected})"
    cols = ["count(*) AS _rows"] + [f"count(*) FILTER (WHERE {c}) AS {_q(check)}" for check, c in conds.items()]
    return f"SELECT {', '.join(cols)} FROM store.{_q(spec.input)}", conds


def ref_quality(store, case, *, max_examples: int | None = None) -> Counts:
    """Every suite's expectations and the cross-input checks as plain DuckDB queries.

    Per input: one aggregate query (every row-level expectation's unexpected count), one
    GROUP BY per uniqueness expectation, and for every failing expectation its first
    ``max_examples`` rows by business key (GX's SUMMARY result fetches as many). Then the
    notices to unknown people and the people without a notice (anti-joins) and, per
    jurisdiction, people and people with a notice.
    """
    from workbench import quality

    cap = max_examples or quality.DEFAULT_MAX_EXAMPLES
    declared = store.names()
    specs = quality.load_suites(declared)
    params = quality.suite_parameters(case)
    counts: Counts = {}
    con = store.connect()
    try:
        for name in declared:
            spec, t = specs[name], f"store.{_q(name)}"
            counts[f"{name}.rows_rejected"] = store.record(name).rows_rejected
            if not store.rows(name):  # as the stage: no batch for an input of no rows
                for e in spec.expectations:
                    counts[f"{name}.{e.check}"] = 0
                continue
            types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {t})").fetchall())
            keys = ", ".join(_q(k) for k in dict.fromkeys([*spec.evidence_keys, "source_row"]))
            sql, conds = quality_sql(spec, params, types)
            row = con.execute(sql).fetchone()
            found = dict(zip(conds, (int(x) for x in row[1:])))
            for e in spec.population_level():  # GX: every occurrence of a repeated non-null value
                con.execute(f"CREATE OR REPLACE TEMP TABLE _dup AS SELECT {_q(e.column)} AS v, count(*) AS k FROM {t} "
                            f"WHERE {_q(e.column)} IS NOT NULL GROUP BY ALL HAVING count(*) > 1")
                found[e.check] = int(con.execute("SELECT coalesce(sum(k), 0) FROM _dup").fetchone()[0])
                conds[e.check] = f"{_q(e.column)} IN (SELECT v FROM _dup)"
                if found[e.check]:
                    counts[f"{name}.{e.check}.examples"] = len(con.execute(
                        f"SELECT {keys}, {_q(e.column)} FROM {t} WHERE {conds[e.check]} LIMIT {cap}").fetchall())
            for e in spec.row_level():
                if found[e.check]:
                    counts[f"{name}.{e.check}.examples"] = len(con.execute(
                        f"SELECT {keys}, {', '.join(_q(c) for c in e.columns)} FROM {t} WHERE {conds[e.check]} "
                        f"LIMIT {cap}").fetchall())
            counts |= {f"{name}.{check}": n for check, n in found.items()}
        if store.has("affected_people") and store.has("notices"):
            counts |= _cross_input(con, cap)
    finally:
        con.close()
    return dict(sorted(counts.items()))


def _cross_input(con, cap: int) -> Counts:
    """Notices to unknown people, people without a notice (both with examples in file
    order), and per jurisdiction people and people with a notice."""
    con.execute("CREATE OR REPLACE TEMP TABLE _unknown AS SELECT notice_id, person_id, source_row FROM store.notices n "
                "WHERE person_id IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM store.affected_people p WHERE p.person_id = n.person_id)")
    con.execute("CREATE OR REPLACE TEMP TABLE _missing AS SELECT person_id, min(source_row) AS source_row "
                "FROM store.affected_people p WHERE person_id IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM store.notices n WHERE n.person_id = p.person_id) GROUP BY person_id")
    counts: Counts = {}
    for key, table in (("notices_to_unknown_people", "_unknown"), ("people_without_notice", "_missing")):
        n = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        counts[f"cross.{key}"] = n
        if n:
            counts[f"cross.{key}.examples"] = len(con.execute(
                f"SELECT * FROM {table} ORDER BY source_row LIMIT {cap}").fetchall())
    for j, people, notified in con.execute(
            "SELECT CAST(jurisdiction AS VARCHAR), count(*), count(*) FILTER (WHERE person_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM _missing m WHERE m.person_id = p.person_id)) FROM store.affected_people p GROUP BY ALL"
            ).fetchall():
        counts[f"jurisdiction.{j}.people"] = int(people)
        counts[f"jurisdiction.{j}.people_with_notice"] = int(notified)
    return counts


def quality_counts(result) -> Counts:
    """The data-quality stage's counts in the shape of :func:`ref_quality` (from its view)."""
    dq = result.view
    counts: Counts = {}
    for v in dq.validations:
        counts[f"{v.input}.rows_rejected"] = int(v.stats.get("rows_rejected") or 0)
        for o in v.outcomes:
            counts[f"{v.input}.{o.check}"] = int(o.unexpected_count)
            if o.unexpected_count:
                counts[f"{v.input}.{o.check}.examples"] = len(o.examples)
    evidence = {}
    for f in dq.findings:
        if f.code == "dq.population.person_without_notice":
            evidence["people_without_notice"] = f
        elif f.code == "dq.population.notice_unknown_person":
            evidence["notices_to_unknown_people"] = f
    cross = dq.assessed.get("population:person_without_notice")
    if cross is not None and cross.is_assessed:
        for key in ("notices_to_unknown_people", "people_without_notice"):
            f = evidence.get(key)
            counts[f"cross.{key}"] = int(f.count) if f else 0
            if f:
                counts[f"cross.{key}.examples"] = len(f.evidence["examples"])
        for r in dq.jurisdictions.itertuples(index=False):
            counts[f"jurisdiction.{r.jurisdiction}.people"] = int(r.people)
            counts[f"jurisdiction.{r.jurisdiction}.people_with_notice"] = int(r.people_with_notice)
    return dict(sorted(counts.items()))


# =========================================================================== 20 notice timelines

def _timelines_sql(audit: str) -> str:
    """One row per person id (its first row in file order) with its jurisdiction's
    deadline, first valid notice, status and the export's columns."""
    return f"""
    WITH p AS (
        SELECT person_id, arg_min(coalesce(jurisdiction, 'UNKNOWN'), source_row) AS jurisdiction,
               arg_min(coalesce(trim(data_elements), ''), source_row) AS x,
               arg_min(coalesce(trim(data_owner), ''), source_row) AS data_owner
        FROM store.affected_people WHERE person_id IS NOT NULL GROUP BY person_id),
    n AS (
        SELECT person_id,
               min(sent_at) FILTER (WHERE delivered AND NOT substitute) AS first_direct,
               min(sent_at) FILTER (WHERE delivered AND substitute) AS first_substitute,
               count(*) AS notice_rows
        FROM (SELECT person_id, sent_at,
                     coalesce(lower(status), 'sent') NOT IN ('returned', 'bounced') AS delivered,
                     coalesce(lower(channel), '') = 'substitute' AS substitute
              FROM store.notices)
        WHERE person_id IS NOT NULL AND sent_at IS NOT NULL AND sent_at <= TIMESTAMPTZ '{audit}'
        GROUP BY person_id),
    j AS (
        SELECT p.person_id, p.data_owner, lp.jurisdiction, lp.scope, d.elements, d.covered, d.rule_version, d.basis, d.reason,
               d.clock_start, d.due_at, d.applies,
               coalesce(n.notice_rows, 0) AS notice_rows,
               CASE WHEN d.substitute_allowed THEN least(n.first_direct, n.first_substitute)
                    ELSE n.first_direct END AS first_valid_notice
        FROM p JOIN element_map e ON e.x = p.x
               JOIN law_plan lp ON lp.home = p.jurisdiction AND lp.elements = e.elements
               JOIN deadlines d ON d.jurisdiction = lp.jurisdiction AND d.elements = lp.elements
               LEFT JOIN n ON n.person_id = p.person_id),
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
    SELECT person_id, data_owner, jurisdiction, scope, elements, covered, rule_version, basis, clock_start, due_at,
           first_valid_notice, status,
           CASE WHEN basis = 'assessment' AND status IN ('on_time', 'late', 'overdue', 'missing', 'pending')
                THEN status || ' (assessment)' ELSE status END AS label,
           CASE WHEN status = 'late'
                THEN CAST(ceil(epoch(first_valid_notice - due_at) / 86400) AS INTEGER) END AS days_late,
           CASE WHEN status IN ('overdue', 'missing')
                THEN CAST(ceil(epoch(TIMESTAMPTZ '{audit}' - due_at) / 86400) AS INTEGER) END AS days_overdue,
           CASE WHEN first_valid_notice IS NOT NULL
                THEN epoch(first_valid_notice - clock_start) / 86400 END AS delay_days,
           CASE WHEN status IN ('not_required', 'not_assessed') THEN reason
                WHEN status = 'missing'
                THEN 'notices exist but none counts (returned, bounced, or a substitute notice the rule does not allow)'
           END AS reason
    FROM s
    """


_JURISDICTION_SQL = """
SELECT jurisdiction, count(*) AS residents, count(*) FILTER (WHERE scope = 'residence') AS home_residents,
       count(*) FILTER (WHERE status = 'on_time') AS on_time,
       count(*) FILTER (WHERE status = 'late') AS late,
       count(*) FILTER (WHERE status = 'overdue') AS overdue,
       count(*) FILTER (WHERE status = 'missing') AS undelivered_only,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'not_required') AS not_required,
       count(*) FILTER (WHERE status = 'not_assessed') AS not_assessed,
       count(*) FILTER (WHERE covered IS NOT FALSE) AS notifiable,
       count(*) FILTER (WHERE covered = false) AS not_personal_information,
       max(days_late) AS days_late_max, max(days_overdue) AS days_overdue_max,
       median(delay_days) AS delay_median_days, quantile_cont(delay_days, 0.95) AS delay_p95_days,
       median(days_late) AS days_late_median,
       min(first_valid_notice) AS first_notice_at, max(first_valid_notice) AS last_notice_at
FROM person_status GROUP BY jurisdiction ORDER BY jurisdiction
"""

#: Per-jurisdiction numbers compared (the status counts, then extremes and quantiles).
TIMELINE_STATUS_COLUMNS = ("residents", "home_residents", "on_time", "late", "overdue", "undelivered_only", "pending",
                           "not_required", "not_assessed")
TIMELINE_NUMBER_COLUMNS = ("days_late_max", "days_overdue_max", "delay_median_days", "delay_p95_days",
                           "days_late_median")


def ref_timelines(store, case, out_dir: str | Path, *, person_status: bool | None = None) -> Counts:
    """Each person's first valid notice against its jurisdiction's due moment, in DuckDB.

    The deadline of each jurisdiction comes from the law engine
    (:func:`workbench.timelines.individual_deadlines`, once per jurisdiction), the
    regulator and CRA duties from :func:`workbench.timelines.regulator_table` (per
    jurisdiction), as in the stage. Writes ``out_dir/person_status.parquet`` (the stage's
    per-person file, same columns) when the stage would (``person_status``, default: the
    case's ``parameters.person_status_export``).
    """
    import pandas as pd

    from workbench import timelines
    from workbench.exposure import elements_key
    from workbench.timelines.laws import law_plan

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    audit_at = pd.Timestamp(timelines.audit_moment(case)).tz_convert("UTC")
    audit = audit_at.strftime("%Y-%m-%d %H:%M:%S+00")
    con = store.connect()
    try:
        rows_with_id, rows_without_id = con.execute(
            "SELECT count(person_id), count(*) - count(person_id) FROM store.affected_people").fetchone()
        raw = con.execute("SELECT DISTINCT coalesce(jurisdiction, 'UNKNOWN'), coalesce(trim(data_elements), '') "
                          "FROM store.affected_people").fetchall()
        keys = {x: elements_key(x, case.incident.data_elements) for x in {x for _, x in raw}}
        con.register("element_frame", pd.DataFrame({"x": list(keys), "elements": list(keys.values())}, dtype="str"))
        con.execute("CREATE TEMP TABLE element_map AS SELECT * FROM element_frame")
        con.unregister("element_frame")
        plan = law_plan(case, {(j, keys[x]) for j, x in raw})
        con.register("plan_frame", plan)
        con.execute("CREATE TEMP TABLE law_plan AS SELECT * FROM plan_frame")
        con.unregister("plan_frame")
        deadlines = timelines.individual_deadlines(case, set(zip(plan["jurisdiction"], plan["elements"])))
        con.register("deadlines_frame", deadlines)
        con.execute("CREATE TEMP TABLE deadlines AS SELECT jurisdiction, elements, covered, rule_version, basis, "
                    "reason, CAST(clock_start AS TIMESTAMPTZ) AS clock_start, CAST(due_at AS TIMESTAMPTZ) AS due_at, "
                    "applies, substitute_allowed FROM deadlines_frame")
        con.unregister("deadlines_frame")
        con.execute("CREATE TEMP TABLE person_status AS " + _timelines_sql(audit))
        summary = con.execute(_JURISDICTION_SQL).df()
        per_day = con.execute("SELECT count(*), coalesce(sum(notices), 0) FROM ("
                              "SELECT CAST(timezone(?, first_valid_notice) AS DATE), split_part(jurisdiction, '-', 1), "
                              "jurisdiction, count(*) AS notices FROM person_status WHERE first_valid_notice IS NOT NULL "
                              "AND scope = 'residence' GROUP BY ALL)",
                              [case.parameters.timezone]).fetchone()
        export = case.parameters.person_status_export if person_status is None else person_status
        written = con.execute("COPY (SELECT * EXCLUDE (covered) FROM person_status) TO "
                              f"{_path(out_dir / 'person_status.parquet')} "
                              "(FORMAT parquet)").fetchone()[0] if export else 0
        notice_rows, after = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE sent_at > ?) FROM store.notices", [audit_at]).fetchone()
    finally:
        con.close()
    reg = store.frame("regulator_notices") if store.has("regulator_notices") else None
    duties = timelines.regulator_table(case, summary, reg)
    kept = int(summary["home_residents"].sum())
    stats = {"people": kept, "notice_rows": int(notice_rows), "notices_after_audit_date_ignored": int(after),
             "duplicate_person_rows_ignored": int(rows_with_id) - kept,
             "people_without_id_ignored": int(rows_without_id)}
    return _timeline_counts(summary, duties, stats, per_day=(int(per_day[0]), int(per_day[1])),
                            person_rows=int(written))


def _timeline_counts(table, duties, stats: dict[str, Any], *, per_day: tuple[int, int], person_rows: int) -> Counts:
    """Counts of a per-jurisdiction table (the stage's or the reference's), its regulator
    and CRA duties, the stage's statistics, notices per day and the per-person file."""
    counts: Counts = {f"stats.{k}": int(v) for k, v in stats.items()}
    counts |= {"notices_per_day.rows": per_day[0], "notices_per_day.notices": per_day[1],
               "person_status.rows": person_rows}
    for col in TIMELINE_STATUS_COLUMNS[1:]:
        counts[f"status.{col}"] = int(table[col].fillna(0).sum())
    for r in table.to_dict("records"):
        j = r["jurisdiction"]
        for col in TIMELINE_STATUS_COLUMNS:
            if r[col]:
                counts[f"jurisdiction.{j}.{col}"] = int(r[col])
        for col in TIMELINE_NUMBER_COLUMNS:
            v = _round(r[col])
            if v is not None:
                counts[f"jurisdiction.{j}.{col}"] = v
        for col in ("first_notice_at", "last_notice_at"):
            v = _epoch(r[col])
            if v is not None:
                counts[f"jurisdiction.{j}.{col}"] = v
    for kind in ("regulator", "cra"):
        col = f"{kind}_status"
        if col in duties.columns:
            for status, n in duties[col].dropna().value_counts().items():
                counts[f"{kind}.{status}"] = int(n)
    return dict(sorted(counts.items()))


def timelines_counts(result) -> Counts:
    """The timelines stage's counts in the shape of :func:`ref_timelines` (from its view)."""
    import pyarrow.parquet as pq

    t = result.view
    rows = pq.ParquetFile(t.person_status_path).metadata.num_rows if t.person_status_path else 0
    stats = {k: t.stats[k] for k in ("people", "notice_rows", "notices_after_audit_date_ignored",
                                     "duplicate_person_rows_ignored", "people_without_id_ignored")}
    per_day = (len(t.notices_per_day), int(t.notices_per_day["notices"].sum()) if len(t.notices_per_day) else 0)
    return _timeline_counts(t.jurisdictions, t.jurisdictions, stats, per_day=per_day, person_rows=rows)


# =========================================================================== 30 irregularities

#: A name in a comparable form and a letter's data elements as a list: the letters check's
#: own definitions (the reference re-writes the queries, not what "the same name" means).
from workbench.irregularities.letters import _MACROS as _LETTER_MACROS  # noqa: E402
#: Example ids and jurisdictions kept per letter problem (as the letters check).
from workbench.irregularities.letters import MAX_EXAMPLES as LETTER_EXAMPLES  # noqa: E402
from workbench.irregularities.letters import MAX_JURISDICTIONS as LETTER_JURISDICTIONS  # noqa: E402


def _letter_groups(con, rows_sql: str, params: list | None = None) -> dict[str, dict[str, Any]]:
    """Per problem key: notices (distinct example ids), people, the first example ids and
    people per jurisdiction, from a problem-rows query (key, person_id, example_id, jurisdiction)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE problem_rows AS {rows_sql}", params or [])
    out = {key: {"rows": int(rows), "people": int(people), "examples": 0, "jurisdictions": 0}
           for key, rows, people in con.execute(
               "SELECT key, count(DISTINCT example_id), count(DISTINCT person_id) FROM problem_rows GROUP BY key"
           ).fetchall()}
    if out:
        for key, n in con.execute(
                "SELECT key, count(*) FROM (SELECT DISTINCT key, example_id FROM problem_rows "
                "WHERE example_id IS NOT NULL QUALIFY row_number() OVER (PARTITION BY key ORDER BY example_id) "
                f"<= {LETTER_EXAMPLES}) GROUP BY key").fetchall():
            out[key]["examples"] = int(n)
        for key, n in con.execute(
                "SELECT key, count(*) FROM (SELECT DISTINCT key, jurisdiction FROM problem_rows "
                "WHERE jurisdiction IS NOT NULL) GROUP BY key").fetchall():
            out[key]["jurisdictions"] = min(int(n), LETTER_JURISDICTIONS)
    return out


def ref_letters(store, case) -> Counts:
    """The letter reconciliation as SQL straight over the store's people and notices.

    Every problem of :mod:`workbench.irregularities.letters` (notices to unaffected people,
    people without a notice, duplicate notices, misspelled and wrong recipient names, fewer
    data elements than exposed, letters before determination) with its notices, people,
    example ids and per-jurisdiction counts, and the domains letters link (scored once per
    distinct host by :func:`workbench.irregularities.links.score_domain`).
    """
    import pandas as pd

    from workbench.irregularities.links import score_domain, to_ascii

    inc = case.incident
    incident = "|".join(inc.data_elements)
    con = store.connect()
    try:
        con.execute(_LETTER_MACROS)
        con.execute("CREATE TEMP VIEW p AS SELECT person_id, full_name, data_elements, "
                    "CAST(jurisdiction AS VARCHAR) AS jurisdiction FROM store.affected_people")
        con.execute("CREATE TEMP VIEW n AS SELECT notice_id, person_id, channel, sent_at, recipient_name, "
                    "data_elements_described, links, status FROM store.notices")
        early = inc.determined is not None
        before = "CAST(timezone($tz, n.sent_at) AS DATE) < $determined"
        params: dict[str, Any] = {"incident": incident} | ({"tz": case.parameters.timezone,
                                                             "determined": inc.determined} if early else {})
        con.execute(
            "CREATE TEMP TABLE letter_rows AS SELECT n.notice_id, n.person_id, p.person_id IS NOT NULL AS known, "
            "p.jurisdiction, n.recipient_name AS rn, p.full_name AS fn, n.data_elements_described AS described, "
            f"p.data_elements AS exposed, {before if early else 'FALSE'} AS early, n.sent_at "
            "FROM n LEFT JOIN p ON n.person_id = p.person_id WHERE p.person_id IS NULL "
            "OR (n.recipient_name IS NOT NULL AND trim(n.recipient_name) <> '' "
            "    AND lower(trim(n.recipient_name)) IS DISTINCT FROM lower(trim(p.full_name))) "
            "OR n.data_elements_described IS DISTINCT FROM coalesce(nullif(trim(p.data_elements), ''), $incident)"
            + (f" OR {before}" if early else ""), params)
        queries: list[tuple[str, list]] = [
            ("SELECT 'notice_to_unaffected' AS key, person_id, notice_id AS example_id, NULL AS jurisdiction "
             "FROM letter_rows WHERE NOT known", []),
            ("SELECT 'missing_notice' AS key, p.person_id, p.person_id AS example_id, p.jurisdiction "
             "FROM p ANTI JOIN n ON n.person_id = p.person_id", []),
            ("SELECT 'duplicate_notice' AS key, d.person_id, d.person_id AS example_id, p.jurisdiction "
             "FROM (SELECT person_id, channel FROM n WHERE coalesce(lower(status), 'sent') NOT IN ('returned', 'bounced') "
             "      GROUP BY ALL HAVING count(*) > 1) d LEFT JOIN p ON p.person_id = d.person_id", []),
            ("SELECT CASE WHEN jaro_winkler_similarity(a, b) >= 0.85 OR levenshtein(a, b) <= 2 "
             "                 OR levenshtein(sa, sb) <= 2 THEN 'misspelled_name' ELSE 'wrong_recipient_name' END AS key, "
             "       person_id, notice_id AS example_id, jurisdiction FROM ("
             "  SELECT person_id, notice_id, jurisdiction, norm_name(rn) AS a, norm_name(fn) AS b, "
             "         squash(rn) AS sa, squash(fn) AS sb, name_tokens(rn) AS ta, name_tokens(fn) AS tb "
             "  FROM letter_rows WHERE known AND rn IS NOT NULL AND trim(rn) <> '') "
             "WHERE a <> b AND sa <> sb AND NOT (least(len(ta), len(tb)) >= 2 "
             "                                   AND (list_has_all(ta, tb) OR list_has_all(tb, ta)))", []),
            ("SELECT 'fewer_data_elements' AS key, person_id, notice_id AS example_id, jurisdiction, missing FROM ("
             "  SELECT person_id, notice_id, jurisdiction, "
             "         list_filter(CASE WHEN len(elements(exposed)) > 0 THEN elements(exposed) ELSE elements(?) END, "
             "                     lambda x: NOT list_contains(elements(described), x)) AS missing "
             "  FROM letter_rows WHERE known) WHERE len(missing) > 0", [incident]),
        ]
        if early:
            queries.append(("SELECT 'notice_before_determination' AS key, person_id, notice_id AS example_id, "
                            "jurisdiction FROM letter_rows WHERE early", []))
        counts: Counts = {}
        for sql, qp in queries:
            for key, g in _letter_groups(con, sql, qp).items():
                counts |= {f"letters.{key}.{k}": v for k, v in g.items()}
                if key == "fewer_data_elements":
                    for e, n in con.execute("SELECT e, count(*) FROM (SELECT unnest(missing) AS e FROM problem_rows) "
                                            "GROUP BY e").fetchall():
                        counts[f"letters.fewer_data_elements.missing.{e}"] = int(n)
                if key == "notice_before_determination":
                    first = con.execute("SELECT min(sent_at) FROM letter_rows WHERE early").fetchone()[0]
                    counts["letters.notice_before_determination.earliest_sent_at"] = _epoch(first)
        # linked domains: distinct link sets (letters come from templates), hosts scored once
        con.execute("CREATE TEMP TABLE link_hosts AS SELECT DISTINCT links, "
                    "lower(regexp_extract(trim(u), '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)', 1)) AS host "
                    "FROM (SELECT links, unnest(string_split(regexp_replace(trim(links), '\\s+', ' ', 'g'), ' ')) AS u "
                    "      FROM (SELECT links FROM n WHERE links IS NOT NULL AND trim(links) <> '' GROUP BY links)) "
                    "WHERE trim(u) <> ''")
        hosts = [h for (h,) in con.execute("SELECT DISTINCT host FROM link_hosts WHERE host <> ''").fetchall()]
        official = list(case.official_domains)
        scores = {h: score_domain(to_ascii(h.rstrip(".")), official) for h in hosts}
        flagged = pd.DataFrame([(h, s.registrable) for h, s in scores.items() if not s.is_official],
                               columns=["host", "registrable"])
        if len(flagged):
            con.register("flagged_hosts", flagged)
            groups = _letter_groups(con, "SELECT f.registrable AS key, n.person_id, n.notice_id AS example_id, "
                                         "p.jurisdiction FROM n JOIN (SELECT DISTINCT lh.links, fh.registrable "
                                         "FROM link_hosts lh JOIN flagged_hosts fh ON lh.host = fh.host) f "
                                         "ON n.links = f.links LEFT JOIN p ON p.person_id = n.person_id")
            for reg, g in groups.items():
                counts |= {f"letters.link:{reg}.people": g["people"], f"letters.link:{reg}.rows": g["rows"],
                           f"letters.link:{reg}.examples": g["examples"]}
    finally:
        con.close()
    return dict(sorted(counts.items()))


def letters_counts(findings) -> Counts:
    """The letters check's findings in the shape of :func:`ref_letters`."""
    counts: Counts = {}
    for f in findings:
        ev = f.evidence
        ids = ev.get("example_person_ids", ev.get("example_notice_ids", []))
        if f.code.startswith("letter_"):
            counts |= {f"letters.link:{f.subject}.people": int(f.count), f"letters.link:{f.subject}.rows": ev["rows"],
                       f"letters.link:{f.subject}.examples": len(ids)}
            continue
        counts |= {f"letters.{f.code}.rows": ev["rows"], f"letters.{f.code}.people": ev["people"],
                   f"letters.{f.code}.examples": len(ids),
                   f"letters.{f.code}.jurisdictions": len(ev["by_jurisdiction"])}
        for e, n in (ev.get("missing_elements") or {}).items():
            counts[f"letters.{f.code}.missing.{e}"] = int(n)
        if "earliest_sent_at" in ev:
            counts[f"letters.{f.code}.earliest_sent_at"] = _epoch(ev["earliest_sent_at"])
    return dict(sorted(counts.items()))


#: The irregularities checks that read a few dozen rows: both sides run the workbench's own.
SMALL_CHECKS = ("insider_trading", "lookalike_links", "compensation")


def ref_irregularities(store, case) -> Counts:
    """Stage 30's work: the letters as SQL (:func:`ref_letters`), the three small checks
    (insider trading, look-alike links, compensation) by the workbench's own functions."""
    from workbench.irregularities import stage as irregularities

    result = irregularities.Irregularities()
    for run in (irregularities.run_insider_trading, irregularities.run_lookalike_links,
                irregularities.run_compensation):
        run(store, case, result)
    counts = {f"{check}.findings": len(result.by_check.get(check, [])) for check in SMALL_CHECKS}
    return dict(sorted((counts | ref_letters(store, case)).items()))


def irregularities_counts(result) -> Counts:
    """The irregularities stage's counts in the shape of :func:`ref_irregularities`."""
    found = result.view
    counts = {f"{check}.findings": len(found.by_check.get(check, [])) for check in SMALL_CHECKS}
    return dict(sorted((counts | letters_counts(found.by_check.get("notice_letters", []))).items()))
