"""case.yaml validation: every error is one line naming the field and the problem."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import DELETE, edit_case
from workbench.case import load_case
from workbench.cli import main
from workbench.errors import CaseError


def test_minimal_case_loads(minimal_case):
    case = load_case(minimal_case)
    assert case.case_id == "MINI-2017"
    assert case.incident.discovered == dt.date(2017, 7, 29)
    assert case.input_path("affected_people").name == "affected_people.csv"
    assert case.input_path("insider_trades") is None
    assert case.declared_inputs() == ["affected_people", "notices"]


@pytest.mark.parametrize("changes, expected", [
    ({"incident.public_disclosure": "2017-07-01"}, "incident.public_disclosure: 2017-07-01 is before incident.discovered"),
    ({"incident.discovered": "2017-05-01", "incident.determined": "2017-05-02"},
     "incident.discovered: 2017-05-01 is before incident.breach_start"),
    ({"incident.data_elements": ["name", "paymint_card"]}, "incident.data_elements: unknown element(s) paymint_card"),
    ({"inputs.notices": "data/nope.csv"}, "inputs.notices: file not found: 'data/nope.csv'"),
    ({"inputs.notices": "../../../etc/passwd"}, "inputs.notices: path '../../../etc/passwd' escapes the case folder"),
    ({"incident.colour": "red"}, "incident.colour: unknown key"),
    ({"incident.discovered": "2017-07-32"}, "incident.discovered: not a valid date: '2017-07-32'"),
    ({"incident.breach_start": "13/05/2017"}, "incident.breach_start: not a valid date: '13/05/2017'"),
    ({"case_id": DELETE}, "case_id: required but missing"),
    ({"parameters.timezone": "Mars/Olympus"}, "parameters.timezone: unknown timezone 'Mars/Olympus'"),
    ({"inputs.notices": {"url": "postgresql://auditor:secret@localhost/breach", "table": "notices"}},
     "inputs.notices.url: contains a password"),
])
def test_each_case_error_names_field_and_problem(minimal_case, changes, expected):
    edit_case(minimal_case, **changes)
    with pytest.raises(CaseError) as err:
        load_case(minimal_case)
    assert any(line.startswith(expected) for line in err.value.problems), err.value.problems


def test_all_errors_reported_at_once(minimal_case):
    edit_case(minimal_case, **{"incident.public_disclosure": "2017-07-01", "inputs.notices": "x.csv",
                               "parameters.colour": "red"})
    with pytest.raises(CaseError) as err:
        load_case(minimal_case)
    assert len(err.value.problems) == 3


def test_malformed_yaml_names_line(tmp_path):
    p = tmp_path / "case.yaml"
    p.write_text("case_id: X\norganization: [unclosed\n")
    with pytest.raises(CaseError, match=r"line \d+: not valid YAML"):
        load_case(p)


def test_cli_case_check_exit_codes(minimal_case, capsys):
    assert main(["case", "check", str(minimal_case)]) == 0
    assert "case MINI-2017" in capsys.readouterr().out
    edit_case(minimal_case, **{"incident.public_disclosure": "2017-07-01", "inputs.notices": "x.csv"})
    assert main(["case", "check", str(minimal_case)]) == 2
    err = capsys.readouterr().err
    assert "incident.public_disclosure" in err and "inputs.notices" in err
