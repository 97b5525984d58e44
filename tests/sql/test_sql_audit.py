"""Auditing from PostgreSQL: the same findings as from files, checks pushed down to the server."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.sql import pgserver
from workbench.sources import LETTER_INPUTS
from workbench import quality, sql, sqlload
from workbench.case import load_case


def _ids(findings) -> list[tuple[str, int | None]]:
    return sorted((f.id, f.count) for f in findings)


@pytest.fixture(scope="module")
def synth_pair(pg, tmp_path_factory):
    """A small synthetic case (planted defects) as files and loaded into PostgreSQL."""
    from workbench.synth import generate_case

    folder = tmp_path_factory.mktemp("synth") / "case"
    generate_case(folder, 300, 2017)
    mp = pytest.MonkeyPatch()
    mp.setenv("PGPASSWORD", pg.password)
    pg.psql_admin(f"CREATE SCHEMA synth AUTHORIZATION {pgserver.USER}", database=pgserver.DATABASE)
    res = sqlload.load_case_folder(folder, pg.url, schema="synth")
    yield load_case(folder / "case.yaml"), load_case(res.case_yaml), res
    mp.undo()


def test_synthetic_case_loads_every_input_typed(synth_pair):
    _, db_case, res = synth_pair
    assert {t.input for t in res.tables} == set(db_case.declared_inputs()) - LETTER_INPUTS  # letters stay files
    assert all(t.text_columns == [] and t.not_loaded == 0 for t in res.tables), res.summary()


@pytest.mark.slow
def test_stages_give_the_same_findings_from_files_and_from_postgresql(synth_pair, pg, monkeypatch, tmp_path):
    from workbench.irregularities.stage import run_stage as irregularities
    from workbench.timelines import run_stage as timelines

    monkeypatch.setenv("PGPASSWORD", pg.password)
    file_case, db_case, _ = synth_pair
    a, b = irregularities(file_case), irregularities(db_case)
    assert a.assessed == b.assessed
    fa = [f for fs in a.by_check.values() for f in fs]
    fb = [f for fs in b.by_check.values() for f in fs]
    assert fa and _ids(fa) == _ids(fb)
    ta, tb = timelines(file_case.path, tmp_path / "files"), timelines(db_case.path, tmp_path / "db")
    assert ta.findings and _ids(ta.findings) == _ids(tb.findings)


@pytest.mark.slow
def test_sql_engine_pushes_checks_down_with_the_same_findings(synth_pair, pg, monkeypatch, tmp_path):
    monkeypatch.setenv("PGPASSWORD", pg.password)
    file_case, db_case, _ = synth_pair
    names = ["affected_people", "notices", "share_prices"]
    t0 = time.perf_counter()
    by_files = quality.validate_case(file_case, "chunked", names=names)
    t1 = time.perf_counter()
    in_db = quality.validate_case(db_case, "sql", names=names)
    print(f"chunked on files {t1 - t0:.1f} s, sql in PostgreSQL {time.perf_counter() - t1:.1f} s")
    assert [v.engine for v in in_db] == ["sql"] * 3
    for f, d in zip(by_files, in_db):
        assert [o.counts() for o in f.outcomes] == [o.counts() for o in d.outcomes], f.input
        assert [o.error for o in d.outcomes] == [None] * len(d.outcomes)
        # failing rows are named alike: business key and source_row in the reader's order
        for of, od in zip(f.outcomes, d.outcomes):
            keys = [k for k in ("person_id", "notice_id") if k in (of.examples[0] if of.examples else {})]
            assert sorted(tuple(e[k] for k in keys) for e in of.examples) == \
                   sorted(tuple(e[k] for k in keys) for e in od.examples), of.check
    assert any(o.unexpected_count for v in in_db for o in v.outcomes)  # the planted defects are seen
    assert _ids(quality.findings_for(by_files)) == _ids(quality.findings_for(in_db))
    quality.write_evidence(tmp_path, in_db, quality.suite_parameters(db_case))
    found = subprocess.run(["grep", "-rl", pg.password, str(tmp_path)], capture_output=True, text=True)
    assert found.stdout == ""


def test_sql_engine_leaves_rejected_rows_out_of_the_pushed_down_checks(pg_env, db_schema, sql_case, monkeypatch):
    pg_env.psql_admin(
        f"CREATE TABLE {db_schema}.share_prices (date date, close float8); "
        f"INSERT INTO {db_schema}.share_prices VALUES ('2017-07-28', 142.45), ('2017-07-31', 'NaN'), "
        f"('2017-08-01', -1), (NULL, 140); GRANT SELECT ON {db_schema}.share_prices TO {pgserver.USER}",
        database=pgserver.DATABASE)
    case_yaml = sql_case / "case.yaml"
    text = case_yaml.read_text().replace(
        "share_prices: data/share_prices.csv",
        f'share_prices: {{url: "{pg_env.url}", table: {db_schema}.share_prices}}')
    case_yaml.write_text(text)
    # the password from a .env file this time: it reaches GX's engine, never its results
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    (sql_case / ".env").write_text(f"PGPASSWORD={pg_env.password}\n")
    (sql_case / ".env").chmod(0o600)
    case = load_case(case_yaml)
    [v] = quality.validate_case(case, "sql", names=["share_prices"])
    assert v.engine == "sql" and v.rejects_total == 1  # NaN is not a price
    counts = {o.check: (o.element_count, o.unexpected_count, o.missing_count) for o in v.outcomes}
    assert sum(c[0] for c in counts.values()) > 0
    assert all(c[0] == 3 for c in counts.values()), counts  # 4 rows, 1 rejected
    assert any(c[1] == 1 for c in counts.values())  # the negative close
    examples = [e for o in v.outcomes for e in o.examples]
    # rows in text order of (date, close): the NaN is row 2, the negative close row 3, the null date row 4
    assert {e["source_row"] for e in examples} == {3, 4}
    assert json.dumps(v.raw_results, default=str).count(pg_env.password) == 0


def test_sql_engine_validates_a_file_input_like_chunked(minimal_case):
    [v] = quality.validate_case(load_case(minimal_case), "sql", names=["notices"])
    assert v.engine == "chunked"
