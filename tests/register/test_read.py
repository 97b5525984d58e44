"""Reading a register through a mapping: read = accepted + rejected, rejects with row and reason."""

from pathlib import Path

import pytest

from workbench.errors import InputError, UnknownNameError
from workbench.register.mapping import builtin_mappings, load_mapping, mapping_from_dict
from workbench.register.read import read_register

FIX = Path(__file__).parent / "fixtures"


def test_read_equals_accepted_plus_rejected_on_a_file_with_malformed_rows():
    r = read_register(FIX / "register_with_a_malformed_row.csv", load_mapping("generic"))
    assert (r.read, len(r.accepted), len(r.rejects)) == (7, 2, 5) and r.reconciles
    why = dict(zip(r.rejects["source_row"], r.rejects["reason"]))
    assert "2017-13-45" in why[4]
    assert why[5] == "2 field(s) where the header has 7"
    assert why[6] == "the organisation is blank"
    assert "not a whole number" in why[7]
    assert "ends" in why[8]
    assert dict(zip(r.rejects["source_row"], r.rejects["field"]))[4] == "breach_start"


def test_unknown_dates_and_counts_are_accepted_as_missing_with_their_reason():
    r = read_register(FIX / "register_with_a_malformed_row.csv", load_mapping("generic"))
    row = r.accepted.set_index("source_row").loc[3]
    assert row["discovered"] is None and row["discovered_reason"] == "the register says 'Unknown'"
    assert row["notified"] is None and row["notified_reason"] == "blank"
    assert row["residents_reason"] == "the register says 'Unknown'"


def test_data_types_are_normalised_per_row():
    r = read_register(FIX / "register_with_a_malformed_row.csv", load_mapping("generic"))
    assert r.accepted.set_index("source_row").loc[2, "data_elements"] == "ssn;drivers_license"


def test_columns_the_file_lacks_are_listed_and_read_as_absent():
    r = read_register(FIX / "register_with_a_malformed_row.csv", load_mapping("generic"))
    assert "determined" in r.absent_columns
    assert set(r.accepted["determined_reason"]) == {"the register has no such column"}


def test_a_missing_required_column_names_the_file_row_and_column(tmp_path):
    p = tmp_path / "no_notified_column.csv"
    p.write_text("organisation,discovered\nA,2020-01-01\n")
    with pytest.raises(InputError, match=r"no_notified_column.csv, row 1, field 'notified'"):
        read_register(p, load_mapping("generic"))


def test_headers_match_case_insensitively_with_spaces_collapsed(tmp_path):
    p = tmp_path / "wa_api_field_names.csv"
    p.write_text("id,name,datestart,dateend,dateaware,datesubmitted,washingtoniansaffected,industrytype\n"
                 "7,Acme,2021-01-01T00:00:00.000,2021-01-02T00:00:00.000,2021-01-05T00:00:00.000,"
                 "2021-02-01T00:00:00.000,1200,Retail\n")
    r = read_register(p, load_mapping("us-wa-ag"))
    assert len(r.accepted) == 1 and r.accepted.loc[0, "residents_affected"] == 1200
    p2 = tmp_path / "ca_export_two_spaces.csv"
    p2.write_text('"Organization Name","Date(s) of Breach  (if known)","Reported Date"\n'
                  '"RevSpring, Inc.","05/15/2026, 06/01/2026","11/04/2026"\n')
    r2 = read_register(p2, load_mapping("us-ca-oag"))
    assert str(r2.accepted.loc[0, "breach_end"]) == "2026-06-01"


def test_builtin_mappings_record_their_source_and_confidence():
    assert {"generic", "us-ca-oag", "us-wa-ag"} <= set(builtin_mappings())
    for name in builtin_mappings():
        m = load_mapping(name)
        assert m.source and m.confidence in ("high", "medium", "low") and m.notified_means


def test_an_unknown_mapping_name_lists_the_builtins():
    with pytest.raises(UnknownNameError, match="us-wa-ag"):
        load_mapping("us-zz-nowhere")


@pytest.mark.parametrize("raw, field", [
    ({"columns": {"organisation": "o", "notified": "n"}}, "notified_obligation"),
    ({"columns": {"organisation": "o"}, "notified_obligation": "regulator"}, "columns.notified"),
    ({"columns": {"organisation": "o", "notified": "n", "colour": "c"}, "notified_obligation": "regulator"}, "columns.colour"),
    ({"columns": {"organisation": "o", "notified": "n"}, "notified_obligation": "regulator", "date_formats": ["dd.mm"]},
     "date_formats"),
])
def test_a_bad_mapping_names_the_key(raw, field):
    with pytest.raises(InputError) as e:
        mapping_from_dict(raw, "MAP.yaml")
    assert e.value.field == field and e.value.file == "MAP.yaml"
