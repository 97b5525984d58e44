"""The committed demo case.yaml is what `make demo`'s generator writes (they cannot drift)."""

from __future__ import annotations

from workbench.case import load_case
from workbench.paths import DEMO_CASE
from workbench.synth import generate_case


def _body(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.lstrip().startswith("#")]


def test_demo_case_matches_generator(tmp_path):
    result = generate_case(tmp_path / "demo", 200, seed=2017)
    assert _body(DEMO_CASE.read_text()) == _body(result.case_yaml.read_text())


def test_demo_case_validates_when_generated(tmp_path):
    result = generate_case(tmp_path / "demo", 200, seed=2017)
    case = load_case(result.case_yaml)
    assert case.case_id == "EXCB-2017-SYNTH" and len(case.declared_inputs()) == 8  # seven tables and the letters
