"""The synthetic case generator: a complete case folder with planted, listed defects.

Public API:

- :func:`generate_case` ``(out_dir, people, seed=2017, *, chunk_rows=500_000, force=False)``
  writes case.yaml, data/ and truth.json; returns :class:`SynthResult`.
- :func:`generate_vendor_case` ``(out_dir, seed=2023, *, force=False)`` writes the vendor-breach
  scenario (:mod:`workbench.synth.vendor`: a file-transfer vendor and two client data owners).
- :func:`load_truth` ``(case_dir)`` reads truth.json back.
- :data:`~workbench.synth.scenarios.SCENARIOS` names the scenarios ``workbench synth --scenario``
  writes (``equifax``, the default, and ``vendor``).

The same seed, people and chunk_rows give byte-identical files. ``truth.json`` lists every
planted defect (and negative control) by kind, input, ids and jurisdiction; it is what the
"100 % recall and precision on planted defects" tests compare against.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.synth.generate import TRUTH_NAME, SynthResult, generate_case
from workbench.synth.vendor import generate_vendor_case

__all__ = ["generate_case", "generate_vendor_case", "load_truth", "SynthResult", "TRUTH_NAME"]


def load_truth(case_dir: str | Path) -> dict:
    """The parsed truth.json of a generated case folder."""
    return json.loads((Path(case_dir) / TRUTH_NAME).read_text(encoding="utf-8"))
