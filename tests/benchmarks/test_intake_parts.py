"""``python -m benchmarks.intake_parts`` measures the intake's own steps on a case (a tiny one here)."""

from __future__ import annotations

import json

from benchmarks.intake_parts import PARTS, main
from tests.conftest import MINIMAL_CASE


def test_every_part_of_each_input_is_measured(capsys):
    assert main([str(MINIMAL_CASE / "case.yaml"), "--reps", "1", "--writer-options"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["inputs"]) == {"affected_people", "notices"}
    for name, entry in report["inputs"].items():
        assert all(entry[p] >= 0 for p in PARTS), name
        assert entry["total"] == round(sum(entry[p] for p in PARTS), 3)
        options = entry["writer options (largest chunk)"]
        assert set(options) == {"dictionary and statistics for every column", "the store's"}
        assert all(o["bytes"] > 0 and o["cpu_s"] >= 0 for o in options.values())
