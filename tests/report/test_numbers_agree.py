"""The same quantity has the same value in every output of a run.

Every output states its headline numbers in elements marked ``data-quantity`` (and
``data-key``: the jurisdiction); the checker reads report.html, findings.json, the overview
and timeline CSV artifacts, regulators/index.json and every regulator package's report.html
and findings.json, and compares each quantity with the one source (:mod:`workbench.headline`)
and with an independent count over the store's Parquet file.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from workbench.headline import SOURCE_ROWS, headline_figures
from workbench.report import build_report

FAST = dict(formats=("json", "html"), regulator_formats=("json", "html"))
TINY = Path(__file__).parent.parent / "fixtures" / "report" / "three_states_one_duplicate"


class _Quantities(HTMLParser):
    """(quantity, key) -> every value an HTML document states for it."""

    def __init__(self):
        super().__init__()
        self.found: dict[tuple[str, str | None], list[int]] = defaultdict(list)
        self._open: list[tuple[str, str | None, str | None]] = []
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-quantity" in a:
            self._open.append((a["data-quantity"], a.get("data-key"), a.get("data-value")))
            self._text = []

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open and tag in ("td", "strong", "span"):
            q, key, value = self._open.pop()
            text = "".join(self._text).strip().replace(",", "")
            if value is not None:
                assert text == value, f"{q} {key}: shown {text!r}, data-value {value!r}"
            if text.isdigit():
                self.found[(q, key)].append(int(text))


def html_quantities(path: Path) -> dict[tuple[str, str | None], list[int]]:
    p = _Quantities()
    p.feed(path.read_text(encoding="utf-8"))
    return dict(p.found)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _int(v) -> int:
    return int(float(v)) if v not in (None, "") else 0


def check_numbers_agree(run_dir: Path) -> dict[str, int]:
    """Assert every output of ``run_dir`` states the same value for the same quantity; return
    how many statements were compared, per quantity."""
    head = headline_figures(run_dir)
    art = run_dir / "artifacts"
    overview = {r["jurisdiction"]: _int(r["people"]) for r in _csv(art / "00_case_overview.people_by_jurisdiction.csv")}
    assert overview == head.residents
    notices: dict[str, dict[str, int]] = {}
    for r in _csv(art / "20_notice_timelines.jurisdictions.csv"):
        acc = notices.setdefault(r["jurisdiction"], defaultdict(int))
        for k in ("residents", "home_residents", "late", "missing"):
            acc[k] += _int(r.get(k))
    # the timelines count a person once, in the home jurisdiction the intake mapped
    for code, n in notices.items():
        if n["home_residents"]:
            assert overview.get(code) == n["home_residents"], code
    compared: dict[str, int] = defaultdict(int)

    def expect(q: str, key: str | None, values: list[int], where: str) -> None:
        if q == "affected_people":
            want = head.affected_people
        elif q == "residents":
            want = overview.get(key)
        elif q == "law_residents":
            want = notices[key]["residents"]
        elif q in ("late", "missing"):
            want = notices[key][q]
        else:
            return
        for v in values:
            if q in ("late", "missing", "law_residents") and where.endswith("notice table"):
                continue  # a vendor case's notice table has a row per data owner: summed below
            assert v == want, f"{where}: {q} {key} = {v}, expected {want}"
            compared[q] += 1

    pages = [run_dir / "report.html", *sorted((run_dir / "regulators").glob("*/report.html"))]
    for page in pages:
        found = html_quantities(page)
        assert found, f"{page}: no data-quantity element"
        for (q, key), values in found.items():
            expect(q, key, values, str(page.relative_to(run_dir)))
    html = html_quantities(run_dir / "report.html")
    assert html[("affected_people", None)] == [head.affected_people]
    # every jurisdiction with residents is stated in the full report, with its count
    for code, n in overview.items():
        assert html[("residents", code)][0] == n
    # findings.json (full and per package): a late or missing count is the timeline table's
    docs = [run_dir / "findings.json", *sorted((run_dir / "regulators").glob("*/findings.json"))]
    for doc in docs:
        for f in json.loads(doc.read_text(encoding="utf-8"))["findings"]:
            check = (f.get("evidence") or {}).get("check")
            if f["category"] == "notice_timeliness" and check in ("late_notice", "missing_notice") and f["jurisdiction"]:
                q = "late" if check == "late_notice" else "missing"
                assert f["count"] == notices[f["jurisdiction"]][q], (doc, f["id"])
                compared[f"findings {q}"] += 1
    index = json.loads((run_dir / "regulators" / "index.json").read_text(encoding="utf-8"))
    for entry in [*index["rendered"], *index["not_rendered"]]:
        if entry.get("residents") is not None:
            assert entry["residents"] == overview[entry["jurisdiction"]], entry
            compared["index residents"] += 1
    return dict(compared)


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    """A 400-person synthetic case (duplicated person ids planted) through every stage and the report."""
    from workbench import stages
    from workbench.stages import StageName
    from workbench.synth import generate_case

    case_yaml = generate_case(tmp_path_factory.mktemp("case") / "case", 400, seed=11).case_yaml
    run_dir = tmp_path_factory.mktemp("run")
    for name in (StageName.INTAKE, StageName.DATA_QUALITY, StageName.NOTICE_TIMELINES, StageName.IRREGULARITIES):
        stages.run(name, case_yaml, run_dir)
    build_report(run_dir, case_yaml, packages="with-findings", **FAST)  # packages, and jurisdictions left out
    return run_dir


@pytest.mark.slow  # every stage and the packages: 30 s to 4 min on a shared machine
def test_a_synthetic_run_states_every_headline_number_the_same_everywhere(synthetic_run):
    import duckdb

    head = headline_figures(synthetic_run)
    people = synthetic_run / "store" / "affected_people.parquet"
    distinct, rows = duckdb.connect().execute(f"SELECT count(DISTINCT person_id), count(*) FROM '{people}'").fetchone()
    assert rows > distinct, "the case plants duplicated person ids: the test must see them"
    assert (head.affected_people, head.affected_rows, head.duplicate_rows) == (distinct, rows, rows - distinct)
    compared = check_numbers_agree(synthetic_run)
    assert compared["affected_people"] >= 1 and compared["residents"] >= len(head.residents)
    assert compared["late"] and compared["missing"] and compared["findings late"] and compared["index residents"]
    html = (synthetic_run / "report.html").read_text(encoding="utf-8")
    assert f"{rows:,} rows" in html and f"{distinct:,}" in html


@pytest.mark.slow
def test_a_report_rebuilt_from_the_store_counts_distinct_people(synthetic_run, tmp_path):
    """A run made before the overview counted distinct people (no totals, no rows column):
    the headline is recounted from the store, not taken from the row counts."""
    run = tmp_path / "old"
    shutil.copytree(synthetic_run, run)
    (run / "artifacts" / "00_case_overview.totals.csv").unlink()
    path = run / "artifacts" / "00_case_overview.people_by_jurisdiction.csv"
    rows = _csv(path)
    path.write_text("jurisdiction,people\n" + "".join(f"{r['jurisdiction']},{r['rows']}\n" for r in rows))
    head = headline_figures(run)
    assert head.affected_people == headline_figures(synthetic_run).affected_people
    assert head.residents == {r["jurisdiction"]: int(r["people"]) for r in rows}


def test_the_tiny_fixture_agrees_everywhere_and_counts_the_duplicate_once(tmp_path, minimal_case):
    run = tmp_path / "run"
    shutil.copytree(TINY, run)
    build_report(run, minimal_case, packages="all", **FAST)
    compared = check_numbers_agree(run)
    assert compared["affected_people"] == 1 and compared["residents"] >= 3 * 2  # full report and packages
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "Affected people: <strong" in html and ">9</strong> distinct people" in html
    assert "10 rows" in html  # the duplicated row is said, not counted


def test_row_counts_are_never_stated_as_people(tmp_path, minimal_case):
    """Artifacts of an old run without a store: the rows are said to be rows."""
    run = tmp_path / "run"
    shutil.copytree(TINY, run)
    (run / "artifacts" / "00_case_overview.totals.csv").unlink()
    path = run / "artifacts" / "00_case_overview.people_by_jurisdiction.csv"
    path.write_text("jurisdiction,people\nUS-CA,5\nUS-NY,3\nUS-TX,2\n")
    head = headline_figures(run)
    assert head.affected_people is None and head.affected_rows == 10 and head.people_source == SOURCE_ROWS
    build_report(run, minimal_case, packages="none", **FAST)
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "Affected people: not counted (10 rows in the people table" in html
    assert 'data-quantity="affected_people"' not in html
