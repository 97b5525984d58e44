"""A vendor breach with several data owners: each owner's people judged on the owner's own
clock (the day the vendor told it), under its own roles, with its own filings."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import CaseError
from workbench.owners import owner_case
from workbench.timelines import assess_case

from tests.timelines.helpers import PEOPLE_HEADER, REGULATOR_HEADER, write_case

#: The vendor discovered the breach on 2023-05-31; it told the clinic on 2023-06-20.
OWNERS = {"data_owners": [
    {"id": "clinic", "name": "Clinic Inc.", "roles": ["hipaa_covered_entity"], "discovered": "2023-06-20",
     "reference": "vendor notice letter of 2023-06-20"},
    {"id": "shop", "name": "Shop LLC"},
]}


def _vendor_case(tmp_path, people, notices, regulator=None, keys=None):
    """``people`` as (person_id, region, data_owner); everyone in the US."""
    case = write_case(tmp_path, {"discovered": "2023-05-31"}, [(p, "US", r) for p, r, _ in people], notices,
                      regulator=[] if regulator is None else None, as_of="2024-03-01",
                      case_keys={**OWNERS, **(keys or {})})
    data = tmp_path / "data"
    (data / "affected_people.csv").write_text(PEOPLE_HEADER.rstrip("\n") + ",data_owner\n" + "".join(
        f"{p},Name {p},,1 Main St,Town,{r},,US,name|ssn,{o}\n" for p, r, o in people))
    if regulator is not None:
        (data / "regulator_notices.csv").write_text(REGULATOR_HEADER.rstrip("\n") + ",data_owner\n" + "".join(
            ",".join(str(x) for x in row) + "\n" for row in regulator))
        import yaml
        doc = yaml.safe_load((tmp_path / "case.yaml").read_text())
        doc["inputs"]["regulator_notices"] = "data/regulator_notices.csv"
        (tmp_path / "case.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    from workbench.case import load_case
    return load_case(tmp_path / "case.yaml")


def test_each_owner_is_judged_on_its_own_clock(tmp_path):
    # Washington: 30 days from discovery. The vendor's own customer (no owner): due 2023-06-30;
    # the clinic's patient: due 2023-07-20 (30 days after the clinic learned of it).
    notices = [("V1", "mail", "2023-07-10T12:00:00Z", "sent"), ("C1", "mail", "2023-07-10T12:00:00Z", "sent")]
    case = _vendor_case(tmp_path, [("V1", "WA", ""), ("C1", "WA", "clinic")], notices)
    out = assess_case(case)
    t = out.jurisdictions.set_index(["data_owner", "jurisdiction"])
    assert t.loc[("", "US-WA"), "due_at"] == pd.Timestamp("2023-06-30T23:59:59Z")
    assert t.loc[("", "US-WA"), "late"] == 1
    assert t.loc[("clinic", "US-WA"), "due_at"] == pd.Timestamp("2023-07-20T23:59:59Z")
    assert t.loc[("clinic", "US-WA"), "on_time"] == 1
    late = [f for f in out.findings if f.code == "late_notice"]
    assert [(f.jurisdiction, f.subject) for f in late] == [("US-WA", None)]  # the vendor's, not the clinic's


def test_an_owners_roles_apply_to_its_people_only(tmp_path):
    # HIPAA's 60 days from the clinic's discovery (2023-06-20 -> 2023-08-19) judge the clinic's patients;
    # the shop's customers are under no sector regime.
    notices = [("C1", "mail", "2023-08-25T12:00:00Z", "sent"), ("S1", "mail", "2023-06-10T12:00:00Z", "sent")]
    case = _vendor_case(tmp_path, [("C1", "TX", "clinic"), ("S1", "TX", "shop")], notices)
    out = assess_case(case)
    t = out.jurisdictions.set_index(["data_owner", "jurisdiction"])
    assert t.loc[("clinic", "US-HIPAA"), "due_at"] == pd.Timestamp("2023-08-19T23:59:59Z")
    assert t.loc[("clinic", "US-HIPAA"), "late"] == 1
    assert ("shop", "US-HIPAA") not in t.index
    hipaa = [f for f in out.findings if f.jurisdiction == "US-HIPAA" and f.code == "late_notice"]
    assert len(hipaa) == 1 and hipaa[0].subject == "clinic" and hipaa[0].title.startswith("Clinic Inc.: ")
    assert out.stats["people"] == 2


def test_each_owners_filings_are_its_own(tmp_path):
    # Washington AG: more than 500 residents; declared counts per owner. The shop filed, the clinic did not.
    keys = {"data_owners": [{**OWNERS["data_owners"][0], "declared_residents": {"US-WA": 900}},
                            {**OWNERS["data_owners"][1], "declared_residents": {"US-WA": 700}}]}
    regulator = [("US-WA", "attorney_general", "WA AG", "2023-06-15T12:00:00Z", 700, "shop")]
    case = _vendor_case(tmp_path, [("C1", "WA", "clinic"), ("S1", "WA", "shop")], [], regulator, keys)
    out = assess_case(case)
    t = out.jurisdictions.set_index(["data_owner", "jurisdiction"])
    assert t.loc[("shop", "US-WA"), "regulator_status"] == "on_time"
    assert t.loc[("clinic", "US-WA"), "regulator_status"] == "missing"
    missing = sorted((f.jurisdiction, f.subject) for f in out.findings if f.code == "regulator_notice_missing")
    # and the clinic's HHS log entry (fewer than 500: within 60 days after 2023 ended, 2024-02-29)
    assert missing == [("US-HIPAA", "clinic: regulator"), ("US-WA", "clinic: regulator")]


def test_people_of_an_undeclared_owner_are_not_assessed(tmp_path):
    case = _vendor_case(tmp_path, [("X1", "WA", "ghost")], [])
    out = assess_case(case)
    row = out.jurisdictions.set_index(["data_owner", "jurisdiction"]).loc[("ghost", "US-WA")]
    assert row["not_assessed"] == 1 and "not declared" in row["reason"]
    assert not out.assessed["data_owner:ghost"].is_assessed


@pytest.mark.parametrize("owners, expected", [
    ([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}], "id given twice"),
    ([{"id": "a", "name": "A", "discovered": "2023-01-01"}], "is before incident.breach_start"),
    ([{"id": "a", "name": "A", "roles": ["hospital"]}], "unknown role"),
])
def test_bad_owners_are_named(tmp_path, owners, expected):
    with pytest.raises(CaseError, match=expected):
        write_case(tmp_path, {"discovered": "2023-05-31"}, [("P1", "US", "WA")], as_of="2024-03-01",
                   case_keys={"data_owners": owners})


def test_owner_case_gives_the_owners_dates_and_roles(tmp_path):
    case = write_case(tmp_path, {"discovered": "2023-05-31", "determined": "2023-06-05"}, [("P1", "US", "WA")],
                      as_of="2024-03-01", case_keys=OWNERS)
    clinic = owner_case(case, "clinic")
    assert clinic.incident.discovered.isoformat() == "2023-06-20" and clinic.incident.determined is None
    assert clinic.organization.roles == ["hipaa_covered_entity"] and clinic.organization.name == "Clinic Inc."
    assert owner_case(case, "shop").incident.discovered.isoformat() == "2023-05-31"
    assert owner_case(case, "nobody") is None and owner_case(case, "") is case


def test_the_views_show_each_owner(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from workbench.timelines import compliance_figure, display_table, regulator_view, tile_map_figure

    notices = [("V1", "mail", "2023-07-10T12:00:00Z", "sent"), ("C1", "mail", "2023-07-10T12:00:00Z", "sent")]
    out = assess_case(_vendor_case(tmp_path, [("V1", "WA", ""), ("C1", "WA", "clinic")], notices))
    shown = display_table(out)
    assert list(shown.columns[:2]) == ["data_owner", "jurisdiction"]
    assert set(zip(shown["data_owner"], shown["jurisdiction"])) >= {("", "US-WA"), ("clinic", "US-WA")}
    assert "data_owner" in regulator_view(out).columns
    for figure in (tile_map_figure(out), compliance_figure(out)):
        assert figure.axes
