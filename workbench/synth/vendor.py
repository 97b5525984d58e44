"""A synthetic vendor breach: one incident at a file-transfer vendor, several data owners.

The story (fictional organisations, a MOVEit-like 2023 timeline): Example File Transfer
Corp. (the organisation, an SEC registrant; Form 8-K Item 1.05 is in force from 2023-12-18)
finds its transfer service breached on 2023-12-18. Two clients had files on it, and each is
a *data owner* with its own clock:

- ``acme-health`` (Acme Health Plan, a HIPAA covered entity) is told by the vendor only on
  2024-01-22: its state and HIPAA clocks run from its own ``discovered``, five weeks after
  the vendor's;
- ``shopmart`` (ShopMart Stores, a retailer) is told on 2023-12-19 and determines the breach
  from its own logs on 2023-12-21, *before* the vendor does (2024-01-02): its clocks run
  earlier than the vendor's.

The vendor's own employees (data owner ``''``) were exposed too. Every person belongs to one
*cohort* (:data:`COHORTS`): an owner, a state, the elements exposed, the notice sent (or none)
and what the audit must say about them. ``truth.json`` lists each planted defect with the
finding it must produce — ``kind`` (the finding code), ``data_owner``, ``jurisdiction``, ids and
count — and each negative control (``control: true``) that must produce none: notices on time
only because of the owner's later clock, the California law-enforcement delay, or the Texas
substitute notice.

Public API: :func:`generate_vendor_case` ``(out_dir, seed=2023, *, force=False)``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.synth import reference as ref
from workbench.synth.generate import (  # the package's one export-CSV writer and overwrite guard
    TRUTH_NAME, SynthResult, _write_csv, writable_case_folder,
)

CASE_ID = "EFTC-2023-VENDOR"
ORG_NAME = "Example File Transfer Corp."
TICKER = "EFTC"
ISSUER_CIK = "0000054321"
SCHEMA_VERSION = 1
OUTPUT_FILES = ("case.yaml", TRUTH_NAME, "data/affected_people.csv", "data/notices.csv",
                "data/regulator_notices.csv")

BREACH_START = dt.date(2023, 12, 11)
BREACH_END = dt.date(2023, 12, 18)
DISCOVERED = dt.date(2023, 12, 18)         # the vendor's own discovery
DETERMINED = dt.date(2024, 1, 2)           # the vendor's forensic report
#: Form 8-K Item 1.05 (in force from 2023-12-18, judged by the law in force at discovery): four
#: business days from materiality (Wed 2023-12-27 -> Wed 2024-01-03, New Year's Day skipped);
#: filed 2024-01-09, late.
MATERIALITY = dt.date(2023, 12, 27)
SEC_FILED = dt.datetime(2024, 1, 9, 21, 0, tzinfo=dt.timezone.utc)
AS_OF = dt.date(2024, 9, 30)
ELEMENTS = ("name", "ssn", "date_of_birth", "address", "health_insurance", "medical")
HEALTH_ELEMENTS = "date_of_birth|health_insurance|medical|name|ssn"
NOT_PI_ELEMENTS = "address|name"

#: Washington (30 days from discovery, RCW 19.255.010) tolls for a documented law-enforcement
#: request: ShopMart's 54 days. (California is not used: its law data records the delay clause
#: only from the 2026 version, so a 2023 delay there moves nothing.)
DELAY = {"laws": ["US-WA"], "requested": "2023-12-22", "ended": "2024-02-14",
         "agency": "FBI Cyber Division", "reference": "FBI letter of 2023-12-22 asking to delay notice"}
#: Texas (Tex. Bus. & Com. Code § 521.053: cost over $250,000 or over 500,000 people):
#: ShopMart's statewide substitute notice, the conditions met by its cost and count.
SUBSTITUTE = {"laws": ["US-TX"], "given": "2024-02-05", "methods": ["email", "website", "statewide_media"],
              "cost_usd": 410000, "people": 640000, "lacks_contact": False, "covers": "all",
              "reference": "ShopMart press release and website notice of 2024-02-05"}
#: ShopMart's people table is a sample for California; it counted 5,200 Californians, so the
#: Attorney General's sample-copy duty (more than 500 residents, § 1798.82(f)) is triggered.
DECLARED_RESIDENTS = {"US-CA": 5200}


@dataclass(frozen=True)
class Owner:
    """A data owner of the vendor incident (``id`` '' is the vendor itself)."""

    id: str
    name: str
    roles: tuple[str, ...]
    discovered: dt.date
    determined: dt.date


VENDOR = Owner("", ORG_NAME, ("sec_registrant",), DISCOVERED, DETERMINED)
ACME = Owner("acme-health", "Acme Health Plan, Inc.", ("hipaa_covered_entity",),
             dt.date(2024, 1, 22), dt.date(2024, 1, 30))
SHOPMART = Owner("shopmart", "ShopMart Stores, Inc.", (), dt.date(2023, 12, 19), dt.date(2023, 12, 21))
OWNERS = (ACME, SHOPMART)


@dataclass(frozen=True)
class Cohort:
    """People of one owner and state who share their exposed elements, notice and verdict.

    ``sent`` is the notice date (sent 15:00 UTC, a business hour in every US zone) or None for
    no notice row; ``expect`` maps each law code that judges them to the finding code it must
    give for them (absent: no finding; ``on_time`` for a negative control).
    """

    key: str
    owner: Owner
    region: str
    size: int
    elements: str
    sent: dt.date | None
    expect: dict[str, str]
    detail: str


# Due moments, by owner (computed by hand from the law data; the tests hold the engine to them):
#   vendor:   TX 60 d from determination 2024-01-02 -> 2024-03-02
#   ShopMart: FL 30 d from determination 2023-12-21 -> 2024-01-20 (the vendor's clock: 2024-02-01);
#             CO 30 d from determination -> 2024-01-20; TX 60 d -> 2024-02-19;
#             NY no number (30 d assessment) from discovery 2023-12-19 -> 2024-01-18;
#             CA no number (30 d assessment) from discovery -> 2024-01-18;
#             WA 30 d from discovery -> 2024-01-18, + 54 d law-enforcement delay -> 2024-03-12
#   Acme:     HIPAA 60 d from discovery 2024-01-22 -> 2024-03-22; FL 30 d from determination
#             2024-01-30 -> 2024-02-29 (the vendor's clock: 2024-02-01); TX 60 d -> 2024-03-30;
#             WA 30 d from discovery -> 2024-02-21; NY assessment 30 d -> 2024-02-21
COHORTS: tuple[Cohort, ...] = (
    Cohort("vendor_staff_tx", VENDOR, "TX", 24, "address|date_of_birth|name|ssn", dt.date(2024, 1, 12), {},
           "the vendor's own employees, notified within the vendor's clock"),
    # ShopMart
    Cohort("shopmart_fl_late", SHOPMART, "FL", 18, "address|name|ssn", dt.date(2024, 1, 26),
           {"US-FL": "late_notice"},
           "notified 2024-01-26: on time for the vendor's clock (due 2024-02-01) but late for ShopMart's own "
           "earlier determination (due 2024-01-20)"),
    Cohort("shopmart_fl_on_time", SHOPMART, "FL", 30, "address|name|ssn", dt.date(2024, 1, 5), {}, "on time"),
    Cohort("shopmart_co_missing", SHOPMART, "CO", 11, "address|name|ssn", None, {"US-CO": "missing_notice"},
           "no notice at all"),
    Cohort("shopmart_co_on_time", SHOPMART, "CO", 20, "address|name|ssn", dt.date(2024, 1, 5), {}, "on time"),
    Cohort("shopmart_co_not_pi", SHOPMART, "CO", 9, NOT_PI_ELEMENTS, None, {"US-CO": "not_owed_notice"},
           "only name and address exposed: personal information under no US definition, so no notice is owed "
           "(and none was sent); the audit must say not_required, never missing"),
    Cohort("shopmart_tx_substitute", SHOPMART, "TX", 26, "address|name|ssn", None, {"US-TX": "on_time"},
           "no letter: reached by ShopMart's statewide substitute notice of 2024-02-05, whose conditions hold "
           "(cost over $250,000 and over 500,000 people), before the due 2024-02-19"),
    Cohort("shopmart_wa_delay", SHOPMART, "WA", 22, "address|name|ssn", dt.date(2024, 3, 1), {"US-WA": "on_time"},
           "notified 2024-03-01: late without the documented FBI delay (due 2024-01-18), on time with it "
           "(due 2024-03-12)"),
    Cohort("shopmart_ca_sample", SHOPMART, "CA", 16, "address|name|ssn", dt.date(2024, 1, 5), {},
           "on time; a sample of the 5,200 Californians ShopMart counted"),
    Cohort("shopmart_ny", SHOPMART, "NY", 25, "address|name|ssn", dt.date(2024, 1, 5), {},
           "on time; ShopMart told the New York Attorney General"),
    # Acme Health Plan
    Cohort("acme_fl_owner_clock", ACME, "FL", 28, HEALTH_ELEMENTS, dt.date(2024, 2, 12), {"US-FL": "on_time"},
           "notified 2024-02-12: late for the vendor's clock (due 2024-02-01), on time for Acme's own later "
           "clock (due 2024-02-29) and HIPAA's (2024-03-22)"),
    Cohort("acme_fl_late", ACME, "FL", 15, HEALTH_ELEMENTS, dt.date(2024, 3, 8), {"US-FL": "late_notice"},
           "notified 2024-03-08: late for Acme's Florida clock (due 2024-02-29), on time for HIPAA (2024-03-22)"),
    Cohort("acme_tx_hipaa_late", ACME, "TX", 17, HEALTH_ELEMENTS, dt.date(2024, 3, 27), {"US-HIPAA": "late_notice"},
           "notified 2024-03-27: late for HIPAA's 60 days from Acme's discovery (due 2024-03-22), on time for "
           "Texas (due 2024-03-30)"),
    Cohort("acme_wa_missing", ACME, "WA", 12, HEALTH_ELEMENTS, None,
           {"US-WA": "missing_notice", "US-HIPAA": "missing_notice"}, "no notice at all"),
    Cohort("acme_wa_on_time", ACME, "WA", 21, HEALTH_ELEMENTS, dt.date(2024, 2, 12), {}, "on time"),
    Cohort("acme_ny", ACME, "NY", 19, HEALTH_ELEMENTS, dt.date(2024, 2, 12), {},
           "on time, but Acme never told the New York Attorney General"),
)

#: Notices to authorities: (owner, jurisdiction, recipient_type, recipient, sent, residents or None).
REGULATOR_NOTICES = (
    (VENDOR, "US-SEC-8K", "regulator", "Securities and Exchange Commission (Form 8-K Item 1.05)", SEC_FILED, None),
    (SHOPMART, "US-NY", "attorney_general", "New York State Attorney General",
     dt.datetime(2024, 1, 5, 15, 0, tzinfo=dt.timezone.utc), "US-NY"),
    (ACME, "US-HIPAA", "regulator", "HHS Office for Civil Rights",
     dt.datetime(2024, 3, 15, 15, 0, tzinfo=dt.timezone.utc), "US-HIPAA"),
)

#: Authority-level defects: (kind, owner, jurisdiction, detail).
REGULATOR_DEFECTS = (
    ("regulator_notice_missing", ACME, "US-NY",
     "Acme never told the New York Attorney General (GBL § 899-aa, any number of residents); ShopMart, "
     "breached by the same incident, did"),
    ("regulator_notice_missing", SHOPMART, "US-CA",
     "ShopMart counted 5,200 Californians (declared_residents; its people table is a sample): the Attorney "
     "General's sample copy was owed and never sent"),
    ("regulator_notice_late", VENDOR, "US-SEC-8K",
     f"Form 8-K Item 1.05 filed {SEC_FILED.date()}, four business days from the materiality determination "
     f"{MATERIALITY} ran out on 2024-01-03"),
)
REGULATOR_CONTROLS = (
    ("control_regulator_notice_present", SHOPMART, "US-NY",
     "negative control: ShopMart told the New York Attorney General on time"),
    ("control_regulator_notice_present", ACME, "US-HIPAA", "negative control: HHS told within 60 days"),
)

PEOPLE_COLUMNS = ("person_id", "full_name", "email", "address_line", "city", "region", "postal_code", "country",
                  "data_elements", "data_owner")
NOTICE_COLUMNS = ("notice_id", "person_id", "channel", "sent_at", "recipient_name", "recipient_address",
                  "data_elements_described", "template_id", "links", "status")
REGULATOR_COLUMNS = ("jurisdiction", "recipient_type", "recipient", "sent_at", "residents_reported", "data_owner")
LETTER_LINK = "https://www.example-file-transfer.com/notice"
_PLACES = {p[0]: p for p in ref.US_PLACES}


def _people(rng: random.Random) -> tuple[list[dict], dict[str, list[str]]]:
    """Every cohort's people (ids in a shuffled order, so no cohort is a block of the file)."""
    total = sum(c.size for c in COHORTS)
    numbers = list(range(1, total + 1))
    rng.shuffle(numbers)
    rows, members, k = [], {}, 0
    for c in COHORTS:
        ids = []
        for _ in range(c.size):
            pid = f"V{numbers[k]:05d}"
            k += 1
            first, last = rng.choice(ref.FIRST_NAMES), rng.choice(ref.LAST_NAMES)
            city, zip3 = rng.choice(_PLACES[c.region][3])
            rows.append({"person_id": pid, "full_name": f"{first} {last}", "email": "",
                         "address_line": f"{rng.randint(1, 9999)} {rng.choice(ref.US_STREETS)} "
                                         f"{rng.choice(ref.US_STREET_SUFFIXES)}",
                         "city": city, "region": c.region, "postal_code": f"{zip3}{rng.randint(0, 99):02d}",
                         "country": "US", "data_elements": c.elements, "data_owner": c.owner.id})
            ids.append(pid)
        members[c.key] = sorted(ids)
    rows.sort(key=lambda r: r["person_id"])
    return rows, members


def _notices(people: list[dict], cohorts: dict[str, Cohort], members: dict[str, list[str]]) -> list[dict]:
    by_id = {p["person_id"]: p for p in people}
    rows = []
    for key in cohorts:
        c = cohorts[key]
        if c.sent is None:
            continue
        for pid in members[key]:
            p = by_id[pid]
            rows.append({"person_id": pid, "channel": "mail",
                         "sent_at": f"{c.sent.isoformat()}T15:00:00Z", "recipient_name": p["full_name"],
                         "recipient_address": f"{p['address_line']}, {p['city']}, {p['region']} {p['postal_code']}",
                         "data_elements_described": c.elements,
                         "template_id": f"EFTC-2023-{(c.owner.id or 'vendor').upper()}-MAIL-1",
                         "links": LETTER_LINK, "status": "sent"})
    rows.sort(key=lambda r: (r["sent_at"], r["person_id"]))
    return [{"notice_id": f"N{i:05d}", **r} for i, r in enumerate(rows, 1)]


def _owed(cohorts, jurisdiction: str, owner: Owner) -> int:
    """Residents of ``jurisdiction`` (or everyone, for HIPAA) of ``owner`` who are owed a notice."""
    return sum(c.size for c in cohorts if c.owner == owner and c.elements != NOT_PI_ELEMENTS
               and (jurisdiction == "US-HIPAA" or f"US-{c.region}" == jurisdiction))


def _regulator_rows() -> list[dict]:
    return [{"jurisdiction": j, "recipient_type": kind, "recipient": who,
             "sent_at": sent.strftime("%Y-%m-%dT%H:%M:%SZ"),
             "residents_reported": "" if count_of is None else _owed(COHORTS, count_of, owner),
             "data_owner": owner.id} for owner, j, kind, who, sent, count_of in REGULATOR_NOTICES]


def _yaml_list(items) -> str:
    return "[" + ", ".join(items) + "]"


def _case_yaml(seed: int) -> str:
    def owner_block(o: Owner, extra: str = "") -> str:
        return (f"  - id: {o.id}\n    name: {o.name}\n    roles: {_yaml_list(o.roles)}\n"
                f"    discovered: {o.discovered}\n    determined: {o.determined}\n"
                f"    reference: \"{ORG_NAME} notice letter to {o.name} of {o.discovered}\"\n{extra}")

    shopmart_extra = (
        "    declared_residents: {" + ", ".join(f"{k}: {v}" for k, v in DECLARED_RESIDENTS.items()) + "}\n"
        "    substitute_notices:\n"
        f"      - laws: {_yaml_list(SUBSTITUTE['laws'])}\n"
        f"        given: {SUBSTITUTE['given']}\n"
        f"        methods: {_yaml_list(SUBSTITUTE['methods'])}\n"
        f"        cost_usd: {SUBSTITUTE['cost_usd']}\n"
        f"        people: {SUBSTITUTE['people']}\n"
        f"        lacks_contact: {str(SUBSTITUTE['lacks_contact']).lower()}\n"
        f"        covers: {SUBSTITUTE['covers']}\n"
        f"        reference: \"{SUBSTITUTE['reference']}\"\n"
        "    law_enforcement_delays:\n"
        f"      - laws: {_yaml_list(DELAY['laws'])}\n"
        f"        requested: {DELAY['requested']}\n"
        f"        ended: {DELAY['ended']}\n"
        f"        agency: \"{DELAY['agency']}\"\n"
        f"        reference: \"{DELAY['reference']}\"\n")
    return f"""# Synthetic vendor-breach case written by `workbench synth --scenario vendor --seed {seed}`.
# Every person and organisation here is fictional. One incident at a file-transfer vendor,
# two client data owners with their own clocks; the planted defects are listed in truth.json.
case_id: {CASE_ID}
organization:
  name: {ORG_NAME}
  ticker: {TICKER}
  cik: "{ISSUER_CIK}"
  roles: {_yaml_list(VENDOR.roles)}
incident:
  breach_start: {BREACH_START}
  breach_end: {BREACH_END}
  discovered: {DISCOVERED}
  determined: {DETERMINED}
  data_elements: {_yaml_list(ELEMENTS)}
  encrypted: false
official_domains: [example-file-transfer.com]
inputs:
  affected_people: data/affected_people.csv
  notices: data/notices.csv
  regulator_notices: data/regulator_notices.csv
parameters:
  as_of: {AS_OF}
  assessment_days: 30
  mask_personal_data: true
  timezone: UTC
clocks:
  - laws: [US-SEC-8K]
    event: materiality_determination
    at: {MATERIALITY}
    reference: "board minutes: the incident determined material"
data_owners:
{owner_block(ACME)}{owner_block(SHOPMART, shopmart_extra)}"""


def _entry(kind: str, input_: str, ids: list[str], id_field: str, *, owner: Owner, jurisdiction: str,
           detail: str, **extra) -> dict:
    return {"kind": kind, "input": input_, "id_field": id_field, "ids": ids, "count": len(ids),
            "data_owner": owner.id, "jurisdiction": jurisdiction, "control": kind.startswith("control_"),
            "detail": detail, **extra}


def _truth(seed: int, members: dict[str, list[str]], rows: dict[str, int]) -> dict:
    """truth.json: one entry per (finding code or control, data owner, jurisdiction)."""
    grouped: dict[tuple[str, str, str], dict] = {}
    for c in COHORTS:
        for law, code in c.expect.items():
            kind = f"control_{code}" if code == "on_time" else code
            slot = grouped.setdefault((kind, c.owner.id, law), {"ids": [], "cohorts": [], "details": [],
                                                                 "owner": c.owner})
            slot["ids"] += members[c.key]
            slot["cohorts"].append(c.key)
            slot["details"].append(c.detail)
    defects = [_entry(kind, "affected_people" if kind == "not_owed_notice" else "notices", sorted(s["ids"]),
                      "person_id", owner=s["owner"], jurisdiction=law, detail="; ".join(s["details"]),
                      cohorts=s["cohorts"])
               for (kind, _, law), s in sorted(grouped.items())]
    for kind, owner, law, detail in REGULATOR_DEFECTS + REGULATOR_CONTROLS:
        defects.append(_entry(kind, "regulator_notices", [law], "jurisdiction", owner=owner, jurisdiction=law,
                              detail=detail))
    owners = [{"id": o.id, "name": o.name, "roles": list(o.roles), "discovered": o.discovered.isoformat(),
               "determined": o.determined.isoformat()} for o in (VENDOR, *OWNERS)]
    return {"schema_version": SCHEMA_VERSION, "scenario": "vendor", "seed": seed, "case_id": CASE_ID,
            "rows": rows, "data_owners": owners,
            "cohorts": {c.key: {"data_owner": c.owner.id, "region": c.region, "ids": members[c.key],
                                "sent": c.sent and c.sent.isoformat(), "expect": c.expect} for c in COHORTS},
            "defects": defects}


def generate_vendor_case(out_dir: str | Path, seed: int = 2023, *, force: bool = False) -> SynthResult:
    """Write the vendor-breach case (case.yaml, CSV inputs) and ``truth.json``.

    Parameters
    ----------
    out_dir : folder to write (created); must not already hold a case unless ``force``
        (a folder with truth.json is a generated case and is regenerated freely).
    seed : shapes names, addresses and the order of ids only; every planted fact (cohorts,
        dates, counts) is fixed, so the truth is the same for every seed.

    Returns
    -------
    SynthResult with the paths written and the row count of every input.
    """
    t0 = time.perf_counter()
    out = writable_case_folder(out_dir, force=force)
    (out / "data").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    people, members = _people(rng)
    notices = _notices(people, {c.key: c for c in COHORTS}, members)
    regulator = _regulator_rows()
    _write_csv(out / "data" / "affected_people.csv", PEOPLE_COLUMNS, people)
    _write_csv(out / "data" / "notices.csv", NOTICE_COLUMNS, notices)
    _write_csv(out / "data" / "regulator_notices.csv", REGULATOR_COLUMNS, regulator)
    (out / "case.yaml").write_text(_case_yaml(seed), encoding="utf-8")
    rows = {"affected_people": len(people), "notices": len(notices), "regulator_notices": len(regulator)}
    (out / TRUTH_NAME).write_text(json.dumps(_truth(seed, members, rows), indent=1, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    return SynthResult(out / "case.yaml", out / TRUTH_NAME, len(people), rows, time.perf_counter() - t0)
