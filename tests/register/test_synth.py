"""The synthetic register's known answers are the audit's answers (the benchmark's check, small)."""

import pandas as pd

from workbench.law import load_rulebook
from workbench.register.audit import audit_register, finding_dict
from workbench.register.synth import WA_THRESHOLD, WA_VERSIONS, synthetic_register, write_register


def test_the_generator_plants_against_the_washington_versions_of_the_law_data():
    book = load_rulebook()
    for first, days in WA_VERSIONS:
        rule = book.rule_in_force("US-WA", first)
        assert rule.effective_from == first
        assert (rule.regulator_deadline.amount, rule.regulator_deadline.unit) == (days, "calendar_days")
        assert rule.regulator_threshold == WA_THRESHOLD


def test_every_planted_due_date_is_an_open_day_so_no_rollover_rule_can_move_it():
    from workbench.law.units import closed_day

    frame, truth = synthetic_register(400, seed=9)
    disc = pd.to_datetime(frame["discovered"], errors="coerce")
    days = [45 if d < pd.Timestamp(WA_VERSIONS[1][0]) else 30 for d in disc.fillna(pd.Timestamp("2021-01-01"))]
    due = [(d + pd.Timedelta(days=n)).date() for d, n in zip(disc, days) if not pd.isna(d)]
    assert due and not any(closed_day(x, "US-WA") for x in due)


def test_same_seed_same_register():
    a, ta = synthetic_register(300, seed=5)
    b, tb = synthetic_register(300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ta, tb)


def test_the_audit_gives_every_known_answer(tmp_path):
    frame, truth = synthetic_register(1500, seed=11)
    path = write_register(frame, tmp_path / "synthetic_register.csv")
    audit = audit_register(path, "US-WA", out=tmp_path / "out")
    j = audit.judged.merge(truth, on="source_row", validate="one_to_one")
    assert len(j) == 1500 and audit.summary["rows"]["reconciles"]
    assert (j["status"] == j["expected_status"]).all()
    late = j["status"] == "late"
    assert late.sum() > 100 and (j.loc[late, "days_late"].astype(int) == j.loc[late, "expected_days_late"]).all()
    assert (j["filing"] == j["expected_filing"]).all() and (j["filing"] == "amendment").sum() > 10
    # one call per (clock date, resident bucket): here two buckets (below / at or over 501)
    assert audit.stats.engine_calls <= 2 * audit.stats.clock_dates and audit.stats.engine_calls < audit.stats.judged_rows


def test_the_fast_finding_shape_equals_finding_to_dict(tmp_path):
    frame, _ = synthetic_register(200, seed=2)
    audit = audit_register(write_register(frame, tmp_path / "r.csv"), "US-WA")
    assert audit.findings
    for f in audit.findings:
        assert finding_dict(f) == f.to_dict()
