from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "irregularities"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def minimal_case_with_form4(tmp_path):
    """The minimal case with a Form 4 folder holding one filing: a sale on a date that
    does not exist (2017-02-30) and a valid sale."""
    import shutil

    from tests.conftest import MINIMAL_CASE, edit_case
    from workbench.case import load_case

    folder = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, folder)
    (folder / "data" / "form4").mkdir()
    shutil.copy(FIXTURES / "form4_rejects" / "form4_with_invalid_transaction_date.xml", folder / "data" / "form4")
    edit_case(folder / "case.yaml", **{"inputs.insider_trades": "data/form4/"})
    return load_case(folder / "case.yaml")
