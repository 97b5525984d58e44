"""Each input's suite is a GX ValidationDefinition run by that input's Checkpoint."""

from __future__ import annotations

import pandas as pd

from workbench import quality
from workbench.quality import gx as quality_gx

from .conftest import FIXTURES

SUITES = FIXTURES / "gx_suites"


def test_every_input_is_one_validation_definition_run_by_its_own_checkpoint():
    gx = quality_gx._Gx()
    meters = pd.DataFrame({"meter_id": ["M1", None]})
    readings = pd.DataFrame({"reading_id": ["R1", "R2"], "value": [1.0, 2.0]})
    found = {}
    for name, frame in (("meters", meters), ("readings", readings)):
        found[name] = quality.validate_frame(frame, quality.load_suite_spec(name, SUITES), {}, gx=gx)
    checkpoints = gx.context.checkpoints.all()
    assert sorted(len(c.validation_definitions) for c in checkpoints) == [1, 1]
    assert sorted(c.validation_definitions[0].suite.name for c in checkpoints) == ["meters", "readings"]
    assert [(name, result.suite_name) for name, _, result in gx.results] == [("meters", "meters"),
                                                                             ("readings", "readings")]
    by_id = {c.id: c.name for c in checkpoints}
    assert [by_id[r.meta["checkpoint_id"]] for _, _, r in gx.results] == [c.name for c in checkpoints]
    # what the Checkpoint found is what the workbench reports
    assert [o.counts() for o in found["meters"]] == [("meters", "meter_id_present", 2, 1, 0)]
    assert [o.counts() for o in found["readings"]] == [("readings", "value_present", 2, 0, 0)]


def test_a_second_batch_of_an_input_reuses_its_checkpoint():
    """Chunks of one input: one Checkpoint, run once per chunk, each run kept apart."""
    gx = quality_gx._Gx()
    spec = quality.load_suite_spec("meters", SUITES)
    for chunk in (pd.DataFrame({"meter_id": ["M1"]}), pd.DataFrame({"meter_id": [None]})):
        quality.validate_frame(chunk, spec, {}, gx=gx)
    assert len(gx.context.checkpoints.all()) == 1
    assert [r.success for _, _, r in gx.results] == [True, False]
    assert len({str(key) for _, key, _ in gx.results}) == 2
