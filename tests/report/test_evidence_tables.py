"""Evidence as small readable tables, the deadline arithmetic, and the report's shared charts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from workbench.evidence_tables import MAX_ITEMS, MAX_ROWS, deadline_sentence, evidence_tables, fmt  # noqa: E402

#: A late-notice finding's evidence as the notice-timeline stage writes it.
LATE_NY = {"check": "late_notice", "residents": 2923, "due_at": "2017-08-28T23:59:59+00:00", "basis": "assessment",
           "clock_event": "discovery", "clock_start": "2017-07-29T00:00:00+00:00", "late": 58, "days_late_max": 110,
           "first_sent": "2017-08-03T13:01:12+00:00", "last_sent": "2017-12-16T16:44:58+00:00"}


def test_scalars_are_field_value_rows_with_dates_and_numbers_formatted():
    [t] = evidence_tables(LATE_NY)
    rows = dict(t.rows)
    assert t.kind == "fields" and "check" not in rows  # the check code is on the card already
    assert rows["residents"] == "2,923" and rows["due at"] == "2017-08-28 23:59 UTC"
    assert rows["clock start"] == "2017-07-29" and rows["basis"] == "assessment"


def test_lists_of_records_become_tables_capped_with_and_n_more():
    examples = [{"person_id": f"P{i}", "source_row": i * 1000} for i in range(MAX_ROWS + 3)]
    fields, table = evidence_tables({"column": "person_id", "examples": examples})
    assert fields.rows == [["column", "person_id"]]
    assert table.kind == "records" and table.columns == ["person id", "source row"] and table.title == "examples"
    assert len(table.rows) == MAX_ROWS and table.more == 3 and table.rows[1] == ["P1", "1,000"]
    assert "source row" in table.numeric and "person id" not in table.numeric


def test_nested_dicts_are_flattened_one_level_and_lists_of_scalars_joined():
    ids = [f"N{i}" for i in range(MAX_ITEMS + 2)]
    [t] = evidence_tables({"loss_avoided": {"first": {"close": 123.2, "date": "2017-09-08"}, "usd": 92000},
                           "example_notice_ids": ids, "flag": False, "empty": {}})
    rows = dict(t.rows)
    assert rows["loss avoided: usd"] == "92,000"
    assert rows["loss avoided: first"] == "close: 123.2; date: 2017-09-08"
    assert rows["example notice ids"].endswith("N9 and 2 more") and rows["flag"] == "no" and rows["empty"] == "—"


def test_a_count_per_jurisdiction_is_a_table_largest_first():
    by = {"US-CA": 4, "US-WA": 2, "US-LA": 1, "US-NC": 1, "US-NE": 1}
    fields, table = evidence_tables({"people": 9, "by_jurisdiction": by})
    assert table.columns == ["jurisdiction", "count"] and table.rows[0] == ["US-CA", "4"]


def test_values_are_never_shown_as_json():
    assert fmt(None) == "—" and fmt(1234567) == "1,234,567" and fmt(0.25) == "0.25" and fmt("a {b}") == "a {b}"


def test_the_deadline_arithmetic_of_a_late_notice():
    assert deadline_sentence(LATE_NY) == ("clock start 2017-07-29 (discovery) + 30 calendar days = due 2017-08-28 "
                                          "(assessment yardstick, not law); sent 2017-08-03 – 2017-12-16; max 110 days late")


def test_the_deadline_arithmetic_of_a_missing_regulator_notice_and_of_no_deadline():
    ev = {"due_at": "2017-08-03T13:01:12+00:00", "basis": "statutory", "days_overdue": 210}
    assert deadline_sentence(ev) == "due 2017-08-03; not sent: 210 days overdue at the audit date"
    assert deadline_sentence({"due_at": "-", "residents": 3}) is None and deadline_sentence(None) is None
    sent = {"due_at": "2017-09-01T23:59:59+00:00", "sent_at": "2017-10-12T15:00:00+00:00", "days_late": 41}
    assert deadline_sentence(sent) == "due 2017-09-01; sent 2017-10-12; 41 days late"


# --------------------------------------------------------------------------- shared charts

#: Two states and a Canadian row of a notice-timeline table: CA late, NY's regulator notice missing.
TABLE = pd.DataFrame({
    "jurisdiction": ["US-CA", "US-NY", "CA"], "residents": [4, 3, 2], "home_residents": [4, 3, 2],
    "on_time": [2, 3, 2], "late": [2, 0, 0], "missing": [0, 0, 0],
    "regulator_status": ["on_time", "missing", pd.NA], "basis": ["statutory", "assessment", "statutory"],
    "due_at": ["2017-08-28 23:59:59+00:00", "2017-08-28 23:59:59+00:00", pd.NA]})


def test_the_tile_map_is_drawn_from_the_timeline_table_and_marks_a_regulator_problem():
    from workbench.report_charts import tile_map

    fig = tile_map(TABLE)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "CA\n4\n50%" in texts and "NY\n3\n100%" in texts and "TX" in texts  # TX: no residents
    edges = {round(p.get_linewidth(), 1) for p in fig.axes[0].patches}
    assert edges == {1.0, 2.5}  # one thick edge: New York's missing regulator notice
    assert tile_map(TABLE[TABLE["jurisdiction"] == "CA"]) is None and tile_map(None) is None


def test_cumulative_notices_mark_each_deadline_day_once():
    from workbench.report_charts import cumulative_notices, deadline_rows

    per_day = pd.DataFrame({"date": ["2017-08-03", "2017-09-09"], "family": ["US", "US"], "notices": [5, 2]})
    dl = deadline_rows(TABLE)
    assert list(dl["jurisdiction"]) == ["US-CA", "US-NY"]
    fig = cumulative_notices(per_day, dl, {"discovered": "2017-07-29"})
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert "due 2017-08-28: US-CA, US-NY" in labels and "discovered" in labels
    [line] = fig.axes[0].get_lines()[:1]
    assert list(line.get_ydata())[-1] == 7
    assert cumulative_notices(None, deadline_rows(None)) is None


def test_the_share_price_chart_is_the_stage_png_or_redrawn_from_its_tables():
    import base64

    from workbench.report_charts import share_price_uri

    assert share_price_uri({"share_price_png": b"\x89PNG-bytes"}, {}, "t") == \
        "data:image/png;base64," + base64.b64encode(b"\x89PNG-bytes").decode()
    prices = pd.DataFrame({"date": ["2017-07-28", "2017-08-01", "2017-09-08"], "close": [140.0, 146.0, 123.2]})
    sales = pd.DataFrame({"date": ["2017-08-01"], "kind": ["sale"], "price": [146.2]})
    uri = share_price_uri({"share_prices": prices, "insider_sales": sales}, {"discovered": "2017-07-29",
                                                                             "public_disclosure": "2017-09-07"}, "t")
    assert uri.startswith("data:image/png;base64,") and len(uri) > 1000
    assert share_price_uri({"share_prices": None}, {"discovered": "2017-07-29"}, "t") is None


# --------------------------------------------------------------------------- in the report

def _tiny_context(tmp_path, minimal_case):
    import shutil
    from pathlib import Path

    from workbench.report import load_context

    run = tmp_path / "run"
    shutil.copytree(Path(__file__).parent.parent / "fixtures" / "report" / "three_states_one_duplicate", run)
    return load_context(run, minimal_case)


def test_finding_cards_show_tables_and_the_deadline_sentence_not_json(tmp_path, minimal_case):
    from workbench.report import render_html

    html = render_html(_tiny_context(tmp_path, minimal_case))
    assert ("clock start 2017-07-29 (discovery) + 30 calendar days = due 2017-08-28; sent 2017-08-03 – 2017-09-09; "
            "max 12 days late") in html
    assert "due 2017-08-04; not sent: 210 days overdue at the audit date" in html
    assert "&#34;residents&#34;" not in html and '"residents":' not in html  # no JSON left in a card
    assert '<table class="ev">' in html


def test_the_executive_summary_lists_the_worst_cases_per_duty(tmp_path, minimal_case):
    from workbench.report import render_html

    html = render_html(_tiny_context(tmp_path, minimal_case))
    summary = html[html.index('<section id="summary"'):html.index('<section id="timeline"')]
    assert "US-CA: late, 12 days late, 2 people" in summary and "US-NY: missing, 185 days overdue, 1 people" in summary
    assert "US-NY: missing, 210 days overdue, 3 people" in summary  # the regulator notice
    assert 'data-quantity="duty_late" data-key="individuals">2<' in summary
    assert 'data-quantity="duty_missing" data-key="regulators">1<' in summary


def test_a_published_basis_is_linked_and_counts_add_only_within_a_unit(tmp_path, minimal_case):
    from workbench.findings import Finding
    from workbench.report import executive_summary, render_html

    ctx = _tiny_context(tmp_path, minimal_case)
    ctx.findings[0]["basis"] = {"kind": "statute", "text": "Cal. Civ. Code § 1798.82(a)", "ref": "basis-us-ca"}
    insider = Finding("insider_trading", "insider_sale_in_window", "high", "Insider sale", "-", subject="A", count=1).to_dict()
    letters = Finding("notice_letter", "misspelled_name", "medium", "Names misspelled", "-", count=7).to_dict()
    links = Finding("notice_letter", "letter_lookalike_link", "high", "Look-alike link", "-", count=5).to_dict()
    ctx.findings += [{**insider, "unit": "insiders"}, {**letters, "unit": "people"}, {**links, "unit": "notices"},
                     {k: v for k, v in Finding("notice_letter", "duplicate_notice", "low", "Two notices", "-",
                                                count=4).to_dict().items() if k != "unit"}]  # an old row: no unit
    html = render_html(ctx)
    assert 'Basis: <a href="#basis-us-ca">Cal. Civ. Code § 1798.82(a)</a>' in html
    rows = {r["category"]: r for r in executive_summary(ctx, [], [])["irregularities"]}
    assert rows["notice_letter"]["units"] == [{"unit": "notices", "count": 5}, {"unit": "people", "count": 7}]
    assert rows["notice_letter"]["unknown_unit"] == 1 and rows["insider_trading"]["units"] == [{"unit": "insiders", "count": 1}]
    assert "5 notices; 7 people; 1 more of unrecorded unit" in html
