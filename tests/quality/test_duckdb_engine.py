"""The ``duckdb`` engine: the suites run as SQL in a DuckDB file by GX's SQL datasource give
the chunked engine's outcomes and examples, for every expectation of every suite; GX's two
DuckDB gaps are worked around for DuckDB only."""

from __future__ import annotations

import ast
import json
import re

import duckdb
import pandas as pd
import pytest

from workbench import quality
from workbench.quality import gx as quality_gx
from workbench.quality.outcomes import _fold_suite_result
from workbench.case import INPUT_NAMES

COUNTS = ("success", "element_count", "unexpected_count", "missing_count", "error")


@pytest.fixture(scope="module")
def synth_runs(tmp_path_factory):
    """A generated case with planted defects (2,000 people, every input, insider trades as
    Form 4 filings) through both engines; 700-row chunks, so both see several."""
    from workbench.case import load_case
    from workbench.synth import generate_case

    folder = tmp_path_factory.mktemp("synth") / "case"
    generate_case(folder, 2000, seed=29)
    case = load_case(folder / "case.yaml")
    opts = quality.EngineOptions(chunk_rows=700, workers=1)
    return quality.validate_case(case, "chunked", options=opts), quality.validate_case(case, "duckdb", options=opts)


def test_every_expectation_counts_as_in_the_chunked_engine(synth_runs):
    chunked, duck = synth_runs
    suites = quality.load_suites()
    assert {v.input for v in duck} == set(INPUT_NAMES) - {"market_index"}  # every suite the generator writes
    for c, d in zip(chunked, duck):
        assert (c.input, d.engine) == (d.input, "duckdb")
        assert [o.check for o in d.outcomes] == [e.check for e in suites[d.input].expectations]
        for oc, od in zip(c.outcomes, d.outcomes):
            assert od.error is None, f"{d.input}.{od.check}: {od.error}"
            assert [getattr(od, f) for f in COUNTS] == [getattr(oc, f) for f in COUNTS], f"{d.input}.{od.check}"
    failing = {(v.input, o.check) for v in duck for o in v.outcomes if not o.success}
    assert len(failing) >= 5, "the planted defects must make checks fail, or only passes are compared"


def test_examples_stats_and_rejects_equal_the_chunked_engines(synth_runs):
    chunked, duck = synth_runs
    for c, d in zip(chunked, duck):
        assert d.outcomes == c.outcomes, d.input  # examples too: first rows in file order, by business key
        assert d.stats == c.stats, d.input
        pd.testing.assert_frame_equal(d.rejects, c.rejects)
        assert d.rejects_total == c.rejects_total


def test_planted_case_outcomes_and_findings_equal_the_chunked_engines(chunked_run, duckdb_run):
    (_, chunked), (_, duck) = chunked_run, duckdb_run
    for c, d in zip(chunked.validations, duck.validations):
        assert d.outcomes == c.outcomes, d.input
        pd.testing.assert_frame_equal(d.rejects, c.rejects)

    def plain(findings):
        return [json.loads(json.dumps(f.__dict__ | {"evidence": {k: v for k, v in f.evidence.items() if k != "engine"}},
                                      default=str)) for f in findings]

    assert plain(duck.findings) == plain(chunked.findings)
    assert (duck.jurisdictions.equals(chunked.jurisdictions))


def test_duckdb_evidence_is_one_masked_gx_batch_per_input_and_uniqueness_marked_as_not_gx(duckdb_run):
    run_dir, result = duckdb_run
    doc = json.loads((run_dir / "evidence" / "gx" / "affected_people.json").read_text())
    gx_batch, *population = doc["batches"]
    assert doc["engine"] == "duckdb" and gx_batch["batch"] == {"engine": "duckdb", "table": "affected_people"}
    unique = [e.check for e in quality.load_suite_spec("affected_people").population_level()]
    assert [p["batch"]["check"] for p in population] == unique == ["person_id_unique"]
    assert all("not Great Expectations" in p["batch"]["computed_by"] for p in population)
    checked_by_gx = [r["expectation_config"]["meta"]["check"] for r in gx_batch["validation_result"]["results"]]
    assert set(unique).isdisjoint(checked_by_gx)
    assert "unexpected_index_query" not in json.dumps(doc)


def test_gx_lists_examples_of_the_failed_expectations_only(duckdb_run):
    """Counts by the Checkpoint for every expectation, examples asked of GX for the failed ones."""
    _, result = duckdb_run
    seen_failed = 0
    for v in result.validations:
        (gx_batch, *_) = v.raw_results
        vr = gx_batch["validation_result"]
        failed = [r["expectation_config"]["meta"]["check"] for r in vr["results"]
                  if not r["success"] and r["result"].get("unexpected_count")]
        assert vr["meta"]["workbench_examples"]["examples_of"] == failed, v.input
        for r in vr["results"]:
            listed = "partial_unexpected_index_list" in r["result"]
            assert listed == (r["expectation_config"]["meta"]["check"] in failed), (v.input, r["result"])
        seen_failed += len(failed)
        outcomes = {o.check: o for o in v.outcomes}
        assert all(outcomes[c].examples for c in failed), v.input
    assert seen_failed >= 5


# --------------------------------------------------------------------------- regex semantics

VALUES = ["abc", "xabcx", "ABC", "ab", "a b", "a.b", "axb", "line\nabc", "日本語", "", None]
PATTERNS = ["abc", "^abc$", "(?i)^abc$", re.escape("a b"), r"a\.b", "^.{3}$", "b$", "^[A-Za-z]+$", "c|x", "^$"]


@pytest.fixture(scope="module")
def regex_suite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("suites")
    exps = []
    for i, p in enumerate(PATTERNS):
        for kind in ("match", "not_match"):
            exps.append({"type": f"expect_column_values_to_{kind}_regex", "kwargs": {"column": "value", "regex": p},
                         "meta": {"check": f"{kind}_{i}", "severity": "low", "rationale": f"{kind} {p!r}"}})
    (folder / "texts.json").write_text(json.dumps({"name": "texts", "meta": {"evidence_keys": ["id"]},
                                                   "expectations": exps}))
    frame = pd.DataFrame({"id": [f"T{i:02d}" for i in range(len(VALUES))], "value": pd.Series(VALUES, dtype="str"),
                          "source_row": range(1, len(VALUES) + 1)})
    return quality.load_suite_spec("texts", folder), frame


@pytest.fixture(scope="module")
def regex_db(regex_suite, tmp_path_factory):
    _, frame = regex_suite
    db = tmp_path_factory.mktemp("regex") / "texts.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", frame)
    con.execute("CREATE TABLE texts AS SELECT * FROM frame")
    con.execute("CREATE VIEW texts_view AS SELECT * FROM texts")
    con.close()
    return db


def _searched(pattern: str, positive: bool) -> int:
    """Python's re.search, the semantics of GX's pandas metric (Series.str.contains)."""
    return sum(1 for v in VALUES if v is not None and bool(re.search(pattern, v)) != positive)


def test_regex_is_a_search_as_in_the_pandas_engine(regex_suite, regex_db):
    spec, frame = regex_suite
    pandas = {o.check: o for o in quality.validate_frame(frame, spec, {})}
    duck = {o.check: o for o in quality.validate_duckdb(regex_db, {"texts": "texts"}, {"texts": spec}, {})[0].outcomes}
    for i, p in enumerate(PATTERNS):
        for kind, positive in (("match", True), ("not_match", False)):
            check = f"{kind}_{i}"
            assert duck[check].error is None, f"{p!r}: {duck[check].error}"
            assert duck[check].unexpected_count == pandas[check].unexpected_count == _searched(p, positive), f"{kind} {p!r}"
            assert duck[check].examples == pandas[check].examples, f"{kind} {p!r}"
    assert duck["match_0"].unexpected_count == len([v for v in VALUES if v is not None]) - 3  # abc, xabcx, line\nabc


def test_a_view_validates_as_its_table_and_the_file_is_released(regex_suite, regex_db):
    spec, _ = regex_suite
    table = quality.validate_duckdb(regex_db, {"texts": "texts"}, {"texts": spec}, {})[0]
    view = quality.validate_duckdb(regex_db, {"texts": "texts_view"}, {"texts": spec}, {})[0]
    assert view.outcomes == table.outcomes
    con = duckdb.connect(str(regex_db))  # read-write: no connection of GX's is left open
    con.execute("CREATE OR REPLACE TABLE released AS SELECT 1")
    con.close()


def test_suite_patterns_avoid_what_re2_reads_differently_from_python():
    """DuckDB's RE2 and Python's re differ in Unicode classes, look-arounds and
    back-references: the reviewed suites use none of them."""
    differing = re.compile(r"\\[dDwWsSbB]|\(\?[=!<]|\\[1-9]")
    for path in quality.expectations_dir().glob("*.json"):
        for e in json.loads(path.read_text())["expectations"]:
            regex = e["kwargs"].get("regex")
            if isinstance(regex, str):
                assert not differing.search(regex), f"{path.name}: {regex}"


# --------------------------------------------------------------------------- the GX workaround

def test_gx_still_lacks_duckdb_support():
    """When this fails, GX supports DuckDB itself: delete workbench.quality.gx._gx_duckdb_support."""
    import duckdb_engine
    import sqlalchemy as sa

    quality_gx._gx_duckdb_support()
    assert not any(d == "duckdb" for d in quality_gx._GX_ORIGINALS["persisted"])
    assert quality_gx._GX_ORIGINALS["get_dialect_regex_expression"](sa.column("c"), "a", duckdb_engine.Dialect()) is None


def test_the_gx_workaround_changes_nothing_for_other_dialects():
    import duckdb_engine
    import sqlalchemy as sa
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine
    from great_expectations.expectations.metrics import util
    from sqlalchemy.dialects import postgresql, sqlite

    quality_gx._gx_duckdb_support()
    quality_gx._gx_duckdb_support()  # idempotent
    persisted = engine._PERSISTED_CONNECTION_DIALECTS
    assert persisted[:-1] == quality_gx._GX_ORIGINALS["persisted"] and persisted[-1] == "duckdb"
    assert not engine._dialect_requires_persisted_connection(connection_string="postgresql+psycopg://u@localhost/db")
    assert engine._dialect_requires_persisted_connection(connection_string="sqlite:///x.db")
    assert engine._dialect_requires_persisted_connection(connection_string="duckdb:///x.duckdb")
    original, col = quality_gx._GX_ORIGINALS["get_dialect_regex_expression"], sa.column("email")
    for module in (sqlite, postgresql):
        for positive in (True, False):
            ours = util.get_dialect_regex_expression(col, "^a", module, positive)
            theirs = original(col, "^a", module, positive)
            assert str(ours.compile(dialect=module.dialect())) == str(theirs.compile(dialect=module.dialect()))
    duck = duckdb_engine.Dialect()
    assert str(util.get_dialect_regex_expression(col, "^a", duck).compile(dialect=duck)).startswith("regexp_matches(")
    for name in quality_gx._GX_REGEX_MODULES:
        import importlib

        assert importlib.import_module(name).get_dialect_regex_expression is quality_gx._duckdb_regex_expression


def test_sqlite_still_validates_as_pandas_after_the_workaround(regex_suite, tmp_path):
    import sqlalchemy as sa

    spec, frame = regex_suite
    quality_gx._gx_duckdb_support()
    db = tmp_path / "texts.sqlite"
    engine = sa.create_engine(f"sqlite:///{db}")
    frame.to_sql("texts", engine, index=False)
    engine.dispose()
    gx = quality_gx._Gx()
    ds = gx.context.data_sources.add_sqlite("texts_sqlite", connection_string=f"sqlite:///{db}")
    result = (ds.add_table_asset("texts", table_name="texts").add_batch_definition_whole_table("all").get_batch()
              .validate(gx.suite(spec, None), result_format=quality.result_format(["id", "source_row"], 20)))
    outcomes = {e.check: quality.Outcome.empty("texts", e) for e in spec.expectations}
    _fold_suite_result(result, spec, outcomes, 20)
    pandas = {o.check: o for o in quality.validate_frame(frame, spec, {})}
    assert [o.counts() for o in outcomes.values()] == [pandas[c].counts() for c in outcomes]


def test_the_workaround_is_applied_only_on_the_way_to_a_duckdb_datasource():
    from workbench.paths import PACKAGE_DIR

    callers = []
    for py in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(py.read_text())
        callers += [(py.relative_to(PACKAGE_DIR).as_posix(), fn.name) for fn in ast.walk(tree)
                    if isinstance(fn, ast.FunctionDef) for node in ast.walk(fn) if isinstance(node, ast.Call)
                    and "_gx_duckdb_support" in (getattr(node.func, "id", None), getattr(node.func, "attr", None))]
    assert callers == [("quality/engines/duckdb_sql.py", "validate_duckdb")]
    assert [p.relative_to(PACKAGE_DIR).as_posix() for p in PACKAGE_DIR.rglob("*.py")
            if "def _gx_duckdb_support(" in p.read_text()] == ["quality/gx.py"]


def test_a_header_only_input_is_zero_rows_as_in_the_chunked_engine(tmp_path):
    import shutil

    from tests.quality.conftest import PLANTED
    from workbench.case import load_case

    shutil.copytree(PLANTED, tmp_path / "case")
    prices = tmp_path / "case" / "data" / "share_prices.csv"
    prices.write_text(prices.read_text().splitlines()[0] + "\n")
    case = load_case(tmp_path / "case" / "case.yaml")
    opts = quality.EngineOptions(workers=1)
    (chunked,), (duck,) = (quality.validate_case(case, e, names=["share_prices"], options=opts)
                           for e in ("chunked", "duckdb"))
    assert duck.outcomes == chunked.outcomes and duck.stats == chunked.stats
    assert duck.stats["rows_read"] == 0 and duck.raw_results == []


# --------------------------------------------------------------------------- what GX is asked

@pytest.fixture()
def contacts(tmp_path):
    """Six contacts: one e-mail malformed, one id repeated; names all present."""
    suite = {"name": "contacts", "meta": {"evidence_keys": ["contact_id"]}, "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "name"},
         "meta": {"check": "name_present", "severity": "low", "rationale": "a contact has a name"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "contact_id"},
         "meta": {"check": "contact_id_unique", "severity": "high", "rationale": "one row per contact",
                  "scope": "population"}},
        {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "email", "regex": "^[a-z]+@[a-z]+$"},
         "meta": {"check": "email_format", "severity": "medium", "rationale": "an address can be written to"}}]}
    (tmp_path / "contacts.json").write_text(json.dumps(suite))
    frame = pd.DataFrame({"contact_id": ["C1", "C2", "C2", "C4", "C5", "C6"],
                          "name": ["Ann", "Bo", "Cy", "Di", "Ed", "Fa"],
                          "email": ["ann@x", "bo@x", "cy@x", "di at x", "ed@x", None],
                          "source_row": range(1, 7)})
    db = tmp_path / "contacts.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", frame)
    con.execute("CREATE TABLE contacts AS SELECT * FROM frame")
    con.close()
    return quality.load_suite_spec("contacts", tmp_path), frame, db


def test_gx_counts_once_and_queries_examples_of_the_failed_expectation_only(contacts):
    import sqlalchemy as sa
    from sqlalchemy import event

    spec, frame, db = contacts
    statements = []

    def log(conn, cursor, statement, parameters, context, executemany):
        statements.append((" ".join(statement.split()), parameters))

    event.listen(sa.engine.Engine, "before_cursor_execute", log)
    try:
        (duck,) = quality.validate_duckdb(db, {"contacts": "contacts"}, {"contacts": spec}, {})
    finally:
        event.remove(sa.engine.Engine, "before_cursor_execute", log)
    # the same counts and examples as GX's pandas engine over the frame (uniqueness included)
    pandas = {o.check: o for o in quality.validate_frame(frame, spec, {})}
    assert {o.check: (o.counts(), o.examples) for o in duck.outcomes} == {
        c: (o.counts(), o.examples) for c, o in pandas.items()}
    assert duck.outcome("email_format").unexpected_count == 1 and duck.outcome("contact_id_unique").unexpected_count == 2
    # GX: one aggregate query for every count (not again for the examples), no window for uniqueness
    assert sum(" sum(" in s.lower() for s, _ in statements) == 1
    assert not any("over (partition by" in s.lower() for s, _ in statements)
    examples = [s for s, p in statements if " limit " in s.lower() and " where " in s.lower()
                and list(p or [])[-1:] != [0]]  # a LIMIT 0 query reads nothing
    assert examples and all("email" in s and "name IS NULL" not in s for s in examples), examples
