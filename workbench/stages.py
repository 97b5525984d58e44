"""Every stage of a run, by name: what a notebook calls (``stages.run("10_data_quality", ...)``).

The contract (:class:`Stage`, :class:`StageResult`, :class:`StageName`, the :data:`STAGES`
registry) is :mod:`workbench.stagebase`; each stage module registers its stage there. This
module imports every stage module, so :data:`STAGES` holds them all, and runs one by name
with :func:`run` (:func:`workbench.stagebase.execute`: open or build the case store, run
the stage, save its artifacts).
"""

from __future__ import annotations

from pathlib import Path

import workbench.irregularities.stage  # noqa: F401  (each stage module registers its stage)
import workbench.overview  # noqa: F401
import workbench.quality.stage  # noqa: F401
import workbench.timelines.stage  # noqa: F401
from workbench.stagebase import (  # noqa: F401  (the contract's names, as the notebooks and tests use them)
    CHECK_STAGES, STAGES, Stage, StageName, StageResult, execute, open_store, register, save,
)


def get(name: str | StageName, **options) -> Stage:
    """An instance of stage ``name``; ``options`` are its own settings (the data-quality
    engine...), given by its notebook's parameters."""
    return STAGES.get(str(name))(**options)


def run(name: str | StageName, case_path: str | Path | None, run_dir: str | Path, **options) -> StageResult:
    """What a notebook calls: run stage ``name`` on the run folder's store and save its artifacts.

    The intake (:attr:`StageName.INTAKE`) builds the store from ``case_path``; every other
    stage reads the store only (``case_path`` is used just to build a missing store).
    ``options`` go to the stage (:func:`get`).
    """
    return execute(get(name, **options), case_path, run_dir)
