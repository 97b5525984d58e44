"""Small builders shared by the timeline tests: a case folder written from literals."""

from __future__ import annotations

from pathlib import Path

import yaml

from workbench.case import load_case

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"
PEOPLE_HEADER = "person_id,full_name,email,address_line,city,region,postal_code,country,data_elements\n"
NOTICES_HEADER = ("notice_id,person_id,channel,sent_at,recipient_name,recipient_address,"
                  "data_elements_described,template_id,links,status\n")
REGULATOR_HEADER = "jurisdiction,recipient_type,recipient,sent_at,residents_reported\n"


def write_case(folder: Path, incident: dict, people: list[tuple[str, ...]],
               notices: list[tuple[str, str, str, str]] = (), regulator: list[tuple] | None = None,
               as_of: str = "2018-09-01", case_keys: dict | None = None, **parameters):
    """A case folder: ``people`` as (person_id, country, region[, data_elements]); ``notices`` as
    (person_id, channel, sent_at, status); ``regulator`` rows as in the data contract;
    ``case_keys`` adds top-level case.yaml keys (clocks, harm_assessments...)."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "affected_people.csv").write_text(PEOPLE_HEADER + "".join(
        f"{p[0]},Name {p[0]},,1 Main St,Town,{p[2]},,{p[1]},{p[3] if len(p) > 3 else 'name|ssn'}\n"
        for p in people))
    (data / "notices.csv").write_text(NOTICES_HEADER + "".join(
        f"N{i},{pid},{channel},{sent},Name {pid},1 Main St,name|ssn,T1,,{status}\n"
        for i, (pid, channel, sent, status) in enumerate(notices)))
    inputs = {"affected_people": "data/affected_people.csv", "notices": "data/notices.csv"}
    if regulator is not None:
        (data / "regulator_notices.csv").write_text(REGULATOR_HEADER + "".join(
            ",".join(str(x) for x in row) + "\n" for row in regulator))
        inputs["regulator_notices"] = "data/regulator_notices.csv"
    doc = {"case_id": "TL-TEST", "organization": {"name": "Test Org"},
           "incident": {"breach_start": incident["discovered"], "data_elements": ["name", "ssn"], **incident},
           "inputs": inputs, "parameters": {"as_of": as_of, **parameters}, **(case_keys or {})}
    (folder / "case.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_case(folder / "case.yaml")
