"""Where the register says other residents live, their individual notice is judged in each code."""

from pathlib import Path

from workbench.law import load_rulebook
from workbench.register.audit import audit_register
from workbench.register.elsewhere import judge_elsewhere
from workbench.register.mapping import load_mapping
from workbench.register.read import read_register

FIX = Path(__file__).parent / "fixtures"


def _read():
    return read_register(FIX / "register_naming_other_states.csv", load_mapping("generic"))


def test_a_malformed_residents_elsewhere_cell_rejects_the_row():
    r = _read()
    assert r.reconciles and list(r.rejects["source_row"]) == [5] and "CODE=COUNT" in r.rejects.loc[0, "reason"]
    assert r.accepted.loc[0, "residents_elsewhere"] == "US-NY=120;US-NJ=40;US-ZZ=5"


def test_each_named_code_is_judged_for_the_individual_notice_on_the_individual_date():
    other, _ = judge_elsewhere(_read().accepted, load_mapping("generic"), load_rulebook())
    j = other.set_index(["source_row", "jurisdiction"])
    assert len(other) == 4 and set(other["obligation"]) == {"individual"}
    ny = j.loc[(2, "US-NY")]
    assert ny["rule_version"].startswith("US-NY@") and ny["citation"]
    assert j.loc[(2, "US-ZZ"), "status"] == "not_assessed"  # never dropped, never "not required"
    assert j.loc[(4, "US-NY"), "status"] == "not_determinable"
    assert j.loc[(4, "US-NY"), "status_reason"].startswith("no notification date")


def test_the_audit_writes_the_other_jurisdictions_and_counts_them(tmp_path):
    audit = audit_register(FIX / "register_naming_other_states.csv", "US-WA", out=tmp_path)
    assert (tmp_path / "other_jurisdictions.csv").is_file()
    assert audit.summary["other_jurisdictions"]["US-ZZ"] == {"not_assessed": 1}
    assert sum(sum(v.values()) for v in audit.summary["other_jurisdictions"].values()) == 4
