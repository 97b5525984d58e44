"""Workbench errors keep their class and fields across processes (a worker's error reaches
the caller as it was raised)."""

from __future__ import annotations

import pickle

import pytest

from workbench.errors import CaseError, InputChangedError, InputError, LawDataError, UnknownNameError


@pytest.mark.parametrize("error", [
    InputError("people.csv", "expected a date", row=3),
    CaseError("case.yaml", ["incident.discovered_at: missing", "inputs: empty"]),
    LawDataError("us.yaml", "no citation", line=12),
    UnknownNameError("stage", "15_nothing", ["00_case_overview"]),
    InputChangedError({"notices": ("aa", "bb")}),
], ids=lambda e: type(e).__name__)
def test_an_error_survives_pickling_with_its_fields(error):
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert vars(again) == vars(error)
