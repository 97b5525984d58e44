"""Notice letters per person and notices to regulators, with their planted defects."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.synth import reference as ref
from workbench.synth import scenario as sc
from workbench.synth.letters import TEMPLATE_MA
from workbench.synth.people import PeopleChunk, _us_columns, id_width, person_ids, _FIRST, _LAST
from workbench.synth.plan import KIND_CODES, KIND_NAMES, N_US

NOTICE_COLUMNS = ("notice_id", "person_id", "channel", "sent_at", "recipient_name", "recipient_address",
                  "data_elements_described", "template_id", "links", "status")
NOTICE_SCHEMA = pa.schema([(c, pa.string()) for c in NOTICE_COLUMNS])
REGULATOR_COLUMNS = ("jurisdiction", "recipient_type", "recipient", "sent_at", "residents_reported")

_EPOCH = np.datetime64("1970-01-01", "D")


def timestamps(rng: np.random.Generator, days: np.ndarray) -> pa.Array:
    """ISO 8601 UTC strings on the given dates, at a random second in business hours."""
    seconds = (days.astype("datetime64[D]") - _EPOCH).astype(np.int64) * 86400 + rng.integers(
        sc.SEND_HOUR_FROM * 3600, sc.SEND_HOUR_TO * 3600, len(days))
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return pc.binary_join_element_wise(pa.array(text), "Z", "")


def on_time_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Dates between determined+1 and determined+7 days."""
    return np.datetime64(sc.DETERMINED) + rng.integers(sc.ON_TIME_FIRST_DAY, sc.ON_TIME_LAST_DAY + 1, n)


def notice_ids(numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise("N", digits, "")


def strip_accents(text: str) -> str:
    """Remove combining accents (José -> Jose); letters without a decomposition stay."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def misspell(name: str, rng: np.random.Generator) -> str:
    """Replace one ASCII letter of the surname by another letter: a one-letter typo that no
    case or accent normalisation can undo."""
    first, _, last = name.rpartition(" ")
    positions = [i for i, c in enumerate(last) if c.isascii() and c.isalpha()]
    i = positions[int(rng.integers(0, len(positions)))]
    old = last[i].lower()
    choices = [c for c in "abcdefghijklmnopqrstuvwxyz" if c != old]
    new = choices[int(rng.integers(0, len(choices)))]
    new = new.upper() if last[i].isupper() else new
    return f"{first} {last[:i]}{new}{last[i + 1:]}".strip()


def case_or_accent_variant(name: str, rng: np.random.Generator) -> str:
    """The same name differing only by case or accents (must still count as a match)."""
    stripped = strip_accents(name)
    if stripped != name and rng.random() < 0.7:
        return stripped
    return name.upper() if rng.random() < 0.7 else name.lower()


def drop_one_element(elements: str, rng: np.random.Generator) -> str:
    parts = elements.split("|")
    droppable = [i for i, e in enumerate(parts) if e != "name"]
    del parts[droppable[int(rng.integers(0, len(droppable)))]]
    return "|".join(parts)


def _address(people: pa.Table) -> pa.Array:
    line, city, region, postal, country = (people.column(c).combine_chunks() for c in
                                           ("address_line", "city", "region", "postal_code", "country"))
    us = pc.binary_join_element_wise(line, city, pc.binary_join_element_wise(
        pc.fill_null(region, ""), postal, " "), ", ")
    abroad = pc.binary_join_element_wise(line, pc.binary_join_element_wise(postal, city, " "), country, ", ")
    return pc.if_else(pc.equal(country, "US"), us, abroad)


@dataclass
class NoticeChunk:
    table: pa.Table
    #: kind -> (person ids, notice ids, regions) of the rows carrying that defect in this chunk
    defects: dict[str, tuple[list[str], list[str], list[str]]] = field(default_factory=dict)
    #: notice rows to send a second time (duplicate_notice), as dicts
    resend: list[dict] = field(default_factory=list)


def build_notice_chunk(chunk: PeopleChunk, seed: int, index: int, first_number: int, people: int) -> NoticeChunk:
    """Notices for one chunk of people, numbered from ``first_number``."""
    rng = np.random.default_rng([seed, 3, index])
    t = chunk.table
    n = t.num_rows
    kinds = chunk.kinds
    email = t.column("email").combine_chunks()
    is_us = pc.equal(t.column("country"), "US").combine_chunks().to_numpy(zero_copy_only=False)
    has_valid_email = pc.is_valid(email).to_numpy(zero_copy_only=False) & (kinds != KIND_CODES["invalid_email"])
    by_email = has_valid_email & (rng.random(n) < sc.EMAIL_NOTICE_SHARE)
    lookalike = kinds == KIND_CODES["letter_lookalike_link"]
    by_email &= ~lookalike

    days = on_time_days(rng, n)
    late = kinds == KIND_CODES["late_notice"]
    days[late] = np.datetime64(sc.DISCOVERED) + rng.integers(sc.LATE_DAYS[0], sc.LATE_DAYS[1] + 1, int(late.sum()))
    early = kinds == KIND_CODES["notice_before_determination"]
    gap = (sc.DETERMINED - sc.DISCOVERED).days
    days[early] = np.datetime64(sc.DISCOVERED) + rng.integers(1, gap, int(early.sum()))
    sent_at = timestamps(rng, days)

    channel = pa.array(np.where(by_email, "email", "mail"))
    address = pc.if_else(pa.array(by_email), email, _address(t))
    template = np.where(by_email, sc.TEMPLATE_EMAIL, np.where(is_us, sc.TEMPLATE_MAIL, sc.TEMPLATE_INTL))
    # Massachusetts residents get the Massachusetts letter (by mail or email): its law forbids
    # stating the nature of the breach that the other US letters describe. No random draw.
    is_ma = is_us & pc.fill_null(pc.equal(t.column("region"), "MA"), False).combine_chunks().to_numpy(zero_copy_only=False)
    template = pa.array(np.where(is_ma, TEMPLATE_MA, template))
    links = pa.array(np.full(n, sc.OFFICIAL_LETTER_LINK))
    names = t.column("full_name").combine_chunks()
    described = t.column("data_elements").combine_chunks()

    def patch(arr: pa.Array, kind: str, fn) -> pa.Array:
        mask = kinds == KIND_CODES[kind]
        if not mask.any():
            return arr
        values = [fn(v) for v in arr.filter(pa.array(mask)).to_pylist()]
        return pc.replace_with_mask(arr, pa.array(mask), pa.array(values, pa.string()))

    names = patch(names, "misspelled_name", lambda v: misspell(v, rng))
    names = patch(names, "control_name_case_accent", lambda v: case_or_accent_variant(v, rng))
    described = patch(described, "fewer_data_elements", lambda v: drop_one_element(v, rng))
    template = patch(template, "letter_lookalike_link", lambda v: sc.TEMPLATE_LOOKALIKE)
    links = patch(links, "letter_lookalike_link", lambda v: sc.LOOKALIKE_LETTER_LINK)

    keep = ~np.isin(kinds, [KIND_CODES["missing_notice"], KIND_CODES["not_personal_information"]])
    width = id_width(people)
    numbers = np.full(n, -1, np.int64)
    numbers[keep] = first_number + np.arange(int(keep.sum()))
    ids = notice_ids(np.maximum(numbers, 0), width)
    table = pa.Table.from_arrays([
        ids, t.column("person_id").combine_chunks(), channel, sent_at, names, address, described,
        template, links, pa.array(np.full(n, "sent")),
    ], schema=NOTICE_SCHEMA)

    out = NoticeChunk(table.filter(pa.array(keep)))
    pid = t.column("person_id").combine_chunks()
    region = t.column("region").combine_chunks()
    for code in np.unique(kinds[kinds > 0]):
        kind = KIND_NAMES[int(code)]
        mask = pa.array(kinds == code)
        persons = pid.filter(mask).to_pylist()
        notes = [] if kind in ("missing_notice", "not_personal_information") else ids.filter(mask).to_pylist()
        out.defects[kind] = (persons, notes, region.filter(mask).to_pylist())
    dup = kinds == KIND_CODES["duplicate_notice"]
    if dup.any():
        out.resend = table.filter(pa.array(dup)).to_pylist()
    return out


def extra_notices(seed: int, people: int, resend: list[dict], first_number: int) -> tuple[pa.Table, dict]:
    """Rows appended after the last chunk: second notices (duplicate_notice) and notices to
    people who are not in affected_people (notice_to_unaffected)."""
    rng = np.random.default_rng([seed, 4])
    width = id_width(people)
    dup = pa.Table.from_pylist(resend, schema=NOTICE_SCHEMA)
    n_dup = dup.num_rows
    dup = dup.set_column(0, "notice_id", notice_ids(first_number + np.arange(n_dup), width))
    dup = dup.set_column(3, "sent_at", timestamps(rng, on_time_days(rng, n_dup)))

    k = max(1, int(round(sc.RATES["notice_to_unaffected"] * people)))
    numbers = people + 1 + np.sort(rng.choice(people, size=k, replace=False))
    us_places = rng.integers(0, N_US, k)
    line, city, region, postal = _us_columns(rng, us_places)
    address = pc.binary_join_element_wise(line, city, pc.binary_join_element_wise(region, postal, " "), ", ")
    names = pc.binary_join_element_wise(_FIRST.take(rng.integers(0, len(_FIRST), k)),
                                        _LAST.take(rng.integers(0, len(_LAST), k)), " ")
    unaffected = pa.Table.from_arrays([
        notice_ids(first_number + n_dup + np.arange(k), width), person_ids(numbers, width),
        pa.array(["mail"] * k), timestamps(rng, on_time_days(rng, k)), names, address,
        pa.array(["name|ssn|date_of_birth|address"] * k), pa.array([sc.TEMPLATE_MAIL] * k),
        pa.array([sc.OFFICIAL_LETTER_LINK] * k), pa.array(["sent"] * k),
    ], schema=NOTICE_SCHEMA)
    info = {
        "duplicate_notice": (dup.column("person_id").to_pylist(), dup.column("notice_id").to_pylist()),
        "notice_to_unaffected": (unaffected.column("person_id").to_pylist(),
                                 unaffected.column("notice_id").to_pylist()),
    }
    return pa.concat_tables([dup, unaffected]), info


def _iso(ts: dt.datetime) -> str:
    return ts.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _recipient(code: str) -> tuple[str, str]:
    if code == "PR":
        return "regulator", "Puerto Rico Department of Consumer Affairs (DACO)"
    if code == "DC":
        return "attorney_general", "Office of the Attorney General for the District of Columbia"
    if code == "VI":
        return "attorney_general", "U.S. Virgin Islands Department of Justice, Office of the Attorney General"
    return "attorney_general", f"Office of the Attorney General of {ref.US_NAMES[code]}"


@dataclass
class RegulatorPlan:
    missing: str
    late: str
    mismatch: str
    mismatch_reported: int


def choose_regulator_defects(residents: dict[str, int]) -> RegulatorPlan:
    """Pick the jurisdictions of the regulator defects from the true resident counts."""
    def first(cands, taken=()):
        for code, minimum in cands:
            if residents.get(code, 0) >= minimum and code not in taken:
                return code
        raise ValueError(f"no jurisdiction among {cands} has enough residents")
    missing = first(sc.REGULATOR_MISSING_CANDIDATES)
    late = first(sc.REGULATOR_LATE_CANDIDATES, (missing,))
    mismatch = first(sc.REGULATOR_MISMATCH_CANDIDATES, (missing, late))
    true = residents[mismatch]
    reported = true - max(1, true // 50)  # under-reported by about 2 %
    return RegulatorPlan(missing, late, mismatch, reported)


def regulator_rows(residents: dict[str, int], plan: RegulatorPlan) -> list[dict]:
    """One notice per US jurisdiction with residents, plus the nationwide CRA notices."""
    rows = []
    for i, code in enumerate(ref.US_CODES):
        j = f"US-{code}"
        count = residents.get(j, 0)
        if count == 0 or j == plan.missing:
            continue
        sent = sc.REGULATOR_SENT_AT + dt.timedelta(minutes=3 * i)
        if j == plan.late:
            sent = dt.datetime.combine(sc.DISCOVERED + dt.timedelta(days=sc.REGULATOR_LATE_DAYS_AFTER_DISCOVERY),
                                       dt.time(15, 0), dt.timezone.utc)
        rtype, recipient = _recipient(code)
        rows.append({"jurisdiction": j, "recipient_type": rtype, "recipient": recipient, "sent_at": _iso(sent),
                     "residents_reported": plan.mismatch_reported if j == plan.mismatch else count})
    for j, recipient in sc.EU_REGULATORS_2017:
        if residents.get(j, 0):
            rows.append({"jurisdiction": j, "recipient_type": "supervisory_authority", "recipient": recipient,
                         "sent_at": _iso(sc.REGULATOR_SENT_AT), "residents_reported": residents[j]})
    total = sum(n for j, n in residents.items() if j.startswith("US-"))
    for i, cra in enumerate(sc.CRA_RECIPIENTS):
        sent = sc.REGULATOR_SENT_AT + dt.timedelta(hours=2, minutes=5 * i)
        rows.append({"jurisdiction": "US", "recipient_type": "consumer_reporting_agency", "recipient": cra,
                     "sent_at": _iso(sent), "residents_reported": total})
    return rows
