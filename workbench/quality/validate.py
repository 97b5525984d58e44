"""The validation API: a frame against a suite, or every input of a case with a named engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from workbench.quality.engines import ENGINES, EngineOptions
from workbench.quality.engines.chunked import _ChunkPool
from workbench.quality.gx import _Gx
from workbench.quality.outcomes import DEFAULT_MAX_EXAMPLES, InputValidation, Outcome, _fold_suite_result
from workbench.quality.suites import SuiteSpec, _evidence_keys, load_suites, suite_parameters


def validate_frame(frame: pd.DataFrame, spec: SuiteSpec, params: dict[str, Any], *,
                   max_examples: int = DEFAULT_MAX_EXAMPLES, gx: _Gx | None = None) -> list[Outcome]:
    """Validate one in-memory frame with every expectation of a suite (pandas engine).

    A pure check on a frame: no files read or written. Population-scope expectations see
    only this frame, which is the whole population when the frame is.
    """
    gx = gx or _Gx()
    outcomes = {e.check: Outcome.empty(spec.input, e) for e in spec.expectations}
    if len(frame):
        frame = frame if "source_row" in frame.columns else frame.assign(source_row=range(1, len(frame) + 1))
        result = gx.validate(spec.input, gx.batch_definition("pandas", spec.input), gx.suite(spec, None),
                             params, _evidence_keys(spec), max_examples, dataframe=frame)
        _fold_suite_result(result, spec, outcomes, max_examples)
    return list(outcomes.values())


def validate_case(case, engine: str = "chunked", *, names: Iterable[str] | None = None,
                  options: EngineOptions | None = None, store=None,
                  expectations: str | Path | None = None, gx: _Gx | None = None) -> list[InputValidation]:
    """Validate every declared input of a case (or ``names``) with the named engine.

    ``store`` is a :class:`workbench.population.PopulationStore` that the engine feeds
    with the key columns of every row read; one is made (and closed) when not given.
    ``gx`` is the GX context whose Checkpoints validate (and keep) the results; one is made
    when not given.
    """
    from workbench.population import PopulationStore

    run_engine = ENGINES.get(engine)
    _require_engine_extra(case, engine)
    opts = options or EngineOptions(mask_personal_data=case.parameters.mask_personal_data)
    wanted = [n for n in (names or case.declared_inputs()) if case.input_spec(n) is not None]
    specs = load_suites(wanted, expectations)
    params = suite_parameters(case)
    gx = gx or _Gx(progress_bars=opts.progress_bars)
    own_store = store is None
    store = store or PopulationStore(specs)
    workers = opts.worker_count()
    pool = _ChunkPool(workers) if workers > 1 else None  # engines that cannot use it ignore it
    try:
        from workbench.progress import track

        return [run_engine(case, specs[n], params, store, opts, gx, pool=pool)
                for n in track(wanted, "data quality", unit="input")]
    finally:
        if pool is not None:
            pool.close()
        if own_store:
            store.close()


def _require_engine_extra(case, engine: str) -> None:
    """A case validated with an engine whose extra is not installed is a case problem (exit 2),
    named with the extra to install, before any input is read."""
    from workbench import extras
    from workbench.errors import CaseError

    absent = extras.ENGINE_EXTRAS.get(engine) and extras.missing(extras.ENGINE_EXTRAS[engine], f"the {engine} engine")
    if absent:
        try:
            where = str(case.path)
        except ValueError:
            where = f"case {case.case_id}"
        raise CaseError(where, [f"engine {engine}: {absent}"])
