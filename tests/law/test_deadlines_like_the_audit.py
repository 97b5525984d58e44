"""``workbench law deadlines CASE`` answers what the audit answers: on the same small case, the
command's due moments, bases and resident counts equal the timelines table's
(``assess_case(case).jurisdictions``: ``due_at``, ``regulator_due_at``, ``cra_due_at``,
``threshold_residents``), per data owner. No notice is sent in these cases, so duties timed
against the individual notice run from its due moment in both."""

from __future__ import annotations

import csv
import io

import pandas as pd
import yaml

from workbench.case import load_case
from workbench.law.deadlines import case_deadlines
from workbench.timelines import assess_case

from tests.timelines.helpers import PEOPLE_HEADER, write_case

FBI_DELAY = {"laws": ["US"], "requested": "2026-01-10", "ended": "2026-02-09", "agency": "FBI",
             "reference": "FBI letter of 2026-01-10"}
OWNERS = {"data_owners": [
    {"id": "clinic", "name": "Clinic Inc.", "roles": ["hipaa_covered_entity"], "discovered": "2023-06-20",
     "reference": "vendor notice letter of 2023-06-20"},
    {"id": "shop", "name": "Shop LLC", "discovered": "2023-07-05"},
]}


def _case(tmp_path, discovered: str, people: list[tuple[str, str, str, str, str]], *, as_of: str, keys=None):
    """A case folder; ``people`` as (person_id, country, region, data_elements, data_owner)."""
    write_case(tmp_path, {"discovered": discovered}, [], as_of=as_of, case_keys=keys)
    (tmp_path / "data" / "affected_people.csv").write_text(PEOPLE_HEADER.rstrip("\n") + ",data_owner\n" + "".join(
        f"{p},Name {p},,1 Main St,Town,{r},,{c},{e},{o}\n" for p, c, r, e, o in people))
    return load_case(tmp_path / "case.yaml")


def _utc(moment) -> pd.Timestamp | None:
    return None if moment is None else pd.Timestamp(moment).tz_convert("UTC")


def _na(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def _assert_same_as_the_audit(case) -> dict:
    """Every (owner, law) of the command against its row of the audit table; returns the
    command's obligations by (owner, code, obligation)."""
    table = assess_case(case).jurisdictions
    table = table[table["jurisdiction"] != "UNKNOWN"].set_index(["data_owner", "jurisdiction"])
    got = {(o.owner, o.code, o.obligation): o for o in case_deadlines(case)}
    assert {(o, c) for o, c, _ in got} <= set(table.index)
    for (owner, code), row in table.iterrows():
        mine = {ob: got.get((owner, code, ob)) for ob in ("individual", "regulator", "cra")}
        ind = mine["individual"]
        if ind is None:  # a law that owes no person a notice (a filing regime)
            assert row["basis"] == "not_required" and pd.isna(row["due_at"]), (owner, code)
        else:
            assert (_utc(ind.due.due_at), ind.due.basis) == (_na(row["due_at"]), row["basis"]), (owner, code)
        for ob in ("regulator", "cra"):
            required = row[f"{ob}_required"]
            if mine[ob] is None:
                assert required is not True and row[f"{ob}_basis"] != "not_assessed", (owner, code, ob)
            else:
                assert ((_utc(mine[ob].due.due_at), mine[ob].due.basis)
                        == (_na(row[f"{ob}_due_at"]), row[f"{ob}_basis"])), (owner, code, ob)
        assert {o.residents for o in mine.values() if o is not None} <= {int(row["threshold_residents"])}, (owner, code)
    return got


def test_people_whose_elements_are_not_personal_information_in_one_state(tmp_path):
    # name and email are no personal information under Washington's or California's definitions;
    # name and SSN are: one of the two Californians counts, no Washingtonian does
    case = _case(tmp_path, "2023-03-01", [("CA1", "US", "CA", "name|ssn", ""), ("CA2", "US", "CA", "name|email", ""),
                                          ("WA1", "US", "WA", "name|email", "")], as_of="2023-09-01")
    got = _assert_same_as_the_audit(case)
    assert got[("", "US-CA", "individual")].residents == 1
    wa = got[("", "US-WA", "individual")]
    assert (wa.residents, wa.due.basis, wa.due.due_at) == (0, "not_required", None)
    assert "not personal information" in wa.due.reason


def test_a_law_enforcement_delay_moves_the_command_as_it_moves_the_audit(tmp_path):
    keys = {"law_enforcement_delays": [FBI_DELAY], "declared_residents": {"US-CA": 600}}
    case = _case(tmp_path, "2026-01-05", [("CA1", "US", "CA", "name|ssn", ""), ("TX1", "US", "TX", "name|ssn", "")],
                 as_of="2026-06-01", keys=keys)
    got = _assert_same_as_the_audit(case)
    ca = got[("", "US-CA", "individual")]
    assert _utc(ca.due.due_at) == pd.Timestamp("2026-03-06T23:59:59Z")  # 30 days + 30 days of delay
    assert "extended by the law-enforcement delay" in ca.due.reason
    assert got[("", "US-CA", "regulator")].residents == 600


def test_two_data_owners_on_their_own_clocks_and_roles(tmp_path):
    people = [("V1", "US", "WA", "", ""), ("C1", "US", "WA", "", "clinic"), ("C2", "US", "TX", "", "clinic"),
              ("S1", "US", "WA", "", "shop")]
    case = _case(tmp_path, "2023-05-31", people, as_of="2024-03-01", keys=OWNERS)
    got = _assert_same_as_the_audit(case)
    wa = {o: _utc(got[(o, "US-WA", "individual")].due.due_at) for o in ("", "clinic", "shop")}
    assert wa == {"": pd.Timestamp("2023-06-30T23:59:59Z"), "clinic": pd.Timestamp("2023-07-20T23:59:59Z"),
                  "shop": pd.Timestamp("2023-08-04T23:59:59Z")}
    assert ("clinic", "US-HIPAA", "individual") in got and ("shop", "US-HIPAA", "individual") not in got
    assert got[("clinic", "US-HIPAA", "individual")].residents == 2


def test_a_hipaa_covered_entity(tmp_path):
    keys = {"organization": {"name": "Clinic", "roles": ["hipaa_covered_entity"]}}
    case = _case(tmp_path, "2019-03-01", [("P1", "US", "CA", "", ""), ("P2", "US", "TX", "", "")],
                 as_of="2019-09-01", keys=keys)
    got = _assert_same_as_the_audit(case)
    hipaa = got[("", "US-HIPAA", "individual")]
    assert (_utc(hipaa.due.due_at), hipaa.residents) == (pd.Timestamp("2019-04-30T23:59:59Z"), 2)


def test_the_command_lists_each_owners_obligations_with_its_owner(tmp_path, capsys):
    from workbench.cli import main

    people = [("V1", "US", "WA", "", ""), ("C1", "US", "WA", "", "clinic")]
    case_yaml = tmp_path / "case.yaml"
    _case(tmp_path, "2023-05-31", people, as_of="2024-03-01", keys=OWNERS)
    assert yaml.safe_load(case_yaml.read_text())["data_owners"]
    assert main(["law", "deadlines", str(case_yaml), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    wa = {r["owner"]: r["due_at"] for r in rows if (r["jurisdiction"], r["obligation"]) == ("US-WA", "individual")}
    assert set(wa) == {"", "clinic"} and wa["clinic"] > wa[""]
    assert {r["owner"] for r in rows if r["jurisdiction"] == "US-HIPAA"} == {"clinic"}
