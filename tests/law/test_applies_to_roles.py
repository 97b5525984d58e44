"""A statute that binds only some holders (Georgia: information brokers and agencies) says so as data."""

from __future__ import annotations

import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import pytest

from workbench.errors import LawDataError
from workbench.law import load_rulebook
from workbench.paths import LAW_DATA_DIR

START = dt.datetime(2019, 3, 1, tzinfo=ZoneInfo("UTC"))


def test_the_engine_asks_for_the_holders_role_only_where_the_statute_names_one():
    book = load_rulebook()
    ga = book.due("US-GA", "individual", START, assessment_days=30, roles=())
    assert ga.basis == "not_assessed" and "O.C.G.A." in ga.reason
    assert book.due("US-GA", "individual", START, assessment_days=30, roles=("information_broker",)).applies
    assert book.due("US-GA", "individual", START, assessment_days=30).applies  # not asked: unchanged
    assert book.due("US-TX", "individual", START, assessment_days=30, roles=()).applies  # binds every holder


def test_an_unknown_role_in_the_law_data_is_named_with_its_line(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, folder)
    path = folder / "us_states.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "applies_to_roles: [information_broker, government_agency]", "applies_to_roles: [broker]"), encoding="utf-8")
    with pytest.raises(LawDataError, match=r"us_states\.yaml:\d+: US-GA: applies_to_roles: unknown role\(s\) broker"):
        load_rulebook(folder)
