"""The synthetic scenarios ``workbench synth --scenario NAME`` can write, by name.

Each scenario is a function ``(out_dir, *, people, seed, chunk_rows, force, notices_format)``
returning a :class:`~workbench.synth.generate.SynthResult`; an option a scenario cannot
honour is an error naming it, never silently dropped.

==========  ====================================================================================
name        what it writes
==========  ====================================================================================
equifax     (the default) an Equifax-like 2017 credit-bureau breach of any size (``--people``),
            every input and the planted defects of every stage (:mod:`workbench.synth.generate`)
vendor      a 2023 file-transfer-vendor breach of a few hundred people with two client data
            owners on their own clocks, HIPAA and SEC duties, a substitute notice and a
            law-enforcement delay (:mod:`workbench.synth.vendor`); timelines inputs only
==========  ====================================================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from workbench.errors import WorkbenchError
from workbench.registry import Registry

if TYPE_CHECKING:
    from workbench.synth.generate import SynthResult

# The generators are imported when a scenario runs: the CLI lists the names at start-up
# without loading numpy and pyarrow.
Scenario = Callable[..., "SynthResult"]
SCENARIOS: Registry[Scenario] = Registry("synthetic scenario")
DEFAULT_SCENARIO = "equifax"


@SCENARIOS.register("equifax")
def _equifax(out_dir: str | Path, *, people: int | None, seed: int | None, chunk_rows: int | None = None,
             force: bool = False, notices_format: str = "csv") -> SynthResult:
    from workbench.synth.generate import DEFAULT_CHUNK_ROWS, generate_case

    if people is None:
        raise WorkbenchError("the equifax scenario needs --people N (at least 200)")
    return generate_case(out_dir, people, 2017 if seed is None else seed,
                         chunk_rows=chunk_rows or DEFAULT_CHUNK_ROWS, force=force, notices_format=notices_format)


@SCENARIOS.register("vendor")
def _vendor(out_dir: str | Path, *, people: int | None, seed: int | None, chunk_rows: int | None = None,
            force: bool = False, notices_format: str = "csv") -> SynthResult:
    fixed = [opt for opt, given in (("--people", people is not None), ("--chunk-rows", chunk_rows is not None),
                                    ("--notices-format", notices_format != "csv")) if given]
    if fixed:
        raise WorkbenchError(f"the vendor scenario has a fixed size and CSV inputs; drop {', '.join(fixed)}")
    from workbench.synth.vendor import generate_vendor_case

    return generate_vendor_case(out_dir, 2023 if seed is None else seed, force=force)


def generate_scenario(name: str, out_dir: str | Path, **options) -> SynthResult:
    """Write scenario ``name`` to ``out_dir`` (an unknown name lists the known ones)."""
    return SCENARIOS.get(name)(out_dir, **options)
