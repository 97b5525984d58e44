"""Write a complete synthetic case folder and the truth file of its planted defects."""

from __future__ import annotations

import csv
import json
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from workbench.errors import WorkbenchError
from workbench.synth import market
from workbench.synth import scenario as sc
from workbench.synth.letters import planted as planted_letter_defects, write_letters
from workbench.synth.notices import (NOTICE_SCHEMA, REGULATOR_COLUMNS, build_notice_chunk,
                                     choose_regulator_defects, extra_notices, regulator_rows)
from workbench.synth.people import PEOPLE_SCHEMA, build_people_chunk
from workbench.synth.plan import KIND_CODES, N_US, PLACE_CODES, make_plan

log = logging.getLogger("workbench.synth")

TRUTH_SCHEMA_VERSION = 1
DEFAULT_CHUNK_ROWS = 500_000
TRUTH_NAME = "truth.json"
#: Files the generator owns inside the case folder (anything else there is left alone).
OUTPUT_FILES = ("case.yaml", TRUTH_NAME, "data/affected_people.parquet", "data/notices.csv", "data/notices.parquet",
                "data/regulator_notices.csv", "data/insider_trades.csv", "data/communications.csv",
                "data/compensation.csv", "data/share_prices.csv", "data/letters")


@dataclass
class SynthResult:
    """What :func:`generate_case` wrote."""

    case_yaml: Path
    truth_path: Path
    people: int
    rows: dict[str, int]
    seconds: float


def _write_csv(path: Path, columns: tuple[str, ...] | list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


#: ``sent_at`` as a Parquet export would hold it; every other notice column stays text, so
#: typing and rejects are the same as from the CSV.
NOTICE_PARQUET_SCHEMA = pa.schema([pa.field(f.name, pa.timestamp("us", tz="UTC") if f.name == "sent_at" else f.type)
                                   for f in NOTICE_SCHEMA])


class _NoticeParquetWriter:
    """Notices straight to Parquet (zstd, one row group per chunk): at 150M people this
    saves writing and converting about 30 GB of CSV."""

    def __init__(self, path: Path):
        self._w = pq.ParquetWriter(path, NOTICE_PARQUET_SCHEMA, compression="zstd")

    def write_table(self, table: pa.Table) -> None:
        self._w.write_table(table.cast(NOTICE_PARQUET_SCHEMA), row_group_size=max(1, table.num_rows))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._w.close()


#: How notices are written, by format name: a writer factory (a context manager with
#: ``write_table``) and the file name inside ``data/``.
NOTICE_WRITERS = {
    "csv": (lambda path: pcsv.CSVWriter(path, NOTICE_SCHEMA, write_options=pcsv.WriteOptions(quoting_style="needed")),
            "notices.csv"),
    "parquet": (_NoticeParquetWriter, "notices.parquet"),
}


def _case_yaml(seed: int, people: int, notices_file: str = "notices.csv") -> str:
    inc = ", ".join(sc.DATA_ELEMENTS)
    return f"""# Synthetic case written by `workbench synth --people {people} --seed {seed}`.
# Every person, organisation, insider and domain here is fictional; the dates follow the
# public Equifax 2017 timeline. The planted defects are listed in truth.json beside this file.
case_id: {sc.CASE_ID}
organization:
  name: {sc.ORG_NAME}
  ticker: {sc.TICKER}
  cik: "{sc.ISSUER_CIK}"
  roles: [information_broker]          # a consumer reporting agency: Georgia's law binds it (O.C.G.A. 10-1-912)
incident:
  breach_start: {sc.BREACH_START}
  breach_end: {sc.BREACH_END}
  discovered: {sc.DISCOVERED}
  determined: {sc.DETERMINED}
  public_disclosure: {sc.PUBLIC_DISCLOSURE}
  data_elements: [{inc}]
  encrypted: false
official_domains: [{", ".join(sc.OFFICIAL_DOMAINS)}]
inputs:
  affected_people: data/affected_people.parquet
  notices: data/{notices_file}
  regulator_notices: data/regulator_notices.csv
  insider_trades: data/form4/          # the same trades as CSV: data/insider_trades.csv
  communications: data/communications.csv
  compensation: data/compensation.csv
  share_prices: data/share_prices.csv
  letters: data/letters/               # one letter per template_id (.docx, .html, .txt, .pdf)
parameters:
  as_of: {sc.AS_OF}
  assessment_days: 30
  trading_window: {{before_discovery_days: 0, after_disclosure_days: 0}}
  crisis_window_days: 365
  mask_personal_data: true
  timezone: UTC
"""


def _entry(kind: str, input_: str, ids: list[str], id_field: str, *, jurisdiction: str | None = None,
           detail: str, notice_ids: list[str] | None = None, **extra) -> dict:
    entry = {"kind": kind, "input": input_, "id_field": id_field, "ids": ids, "count": len(ids),
             "jurisdiction": jurisdiction, "control": kind.startswith("control_"), "detail": detail}
    if notice_ids is not None:
        entry["notice_ids"] = notice_ids
    entry.update(extra)
    return entry


_PERSON_DETAIL = {
    "invalid_email": ("affected_people", "email is present but not a valid address (no @, two @, a space, or no domain)"),
    "invalid_zip": ("affected_people", "US person whose postal_code is neither ZIP 5 nor ZIP+4"),
    "unknown_region": ("affected_people", "country US but region is not a US state or territory code; "
                                          "these people count in no jurisdiction's residents"),
    "duplicate_person_id": ("affected_people", "an exact copy of the row is appended at the end of the file "
                                               "(the original sits in the first half), so person_id repeats"),
}
_NOTICE_DETAIL = {
    "duplicate_notice": "a second notice (new notice_id, sent on time) appended at the end of notices.csv; "
                        "notice_ids holds both rows of each person",
    "notice_to_unaffected": "notice rows whose person_id is not in affected_people",
    "fewer_data_elements": "data_elements_described lacks one of the person's data_elements",
    "misspelled_name": "recipient_name has a one-letter typo in the surname",
    "notice_before_determination": f"the only notice was sent after discovery ({sc.DISCOVERED}) but before "
                                   f"determination ({sc.DETERMINED}): a wrong batch",
    "letter_lookalike_link": f"template {sc.TEMPLATE_LOOKALIKE} links to look-alike domain {sc.LOOKALIKE_LETTER_DOMAIN}",
    "control_name_case_accent": "negative control: recipient_name differs from full_name only by case or accents "
                                "(must count as a match)",
}


def generate_case(out_dir: str | Path, people: int, seed: int = 2017, *,
                  chunk_rows: int = DEFAULT_CHUNK_ROWS, force: bool = False,
                  notices_format: str = "csv") -> SynthResult:
    """Write a synthetic case folder with planted defects, and ``truth.json`` listing them.

    Parameters
    ----------
    out_dir : folder to write (created); must not already hold a case unless ``force``.
    people : number of distinct affected people (at least 200).
    seed : the same seed, people and chunk_rows give byte-identical files.
    chunk_rows : people generated and written per chunk (Parquet row group, CSV block);
        memory stays bounded by it, whatever ``people`` is.
    force : overwrite a case.yaml the generator did not write (a folder with truth.json is
        a generated case and is regenerated without it).
    notices_format : ``csv`` (default: what an organisation's mail house exports) or
        ``parquet`` (``sent_at`` a UTC timestamp column; for population-scale cases).

    Returns
    -------
    SynthResult with the paths written and the row count of every input.
    """
    t0 = time.perf_counter()
    out = writable_case_folder(out_dir, force=force)
    if notices_format not in NOTICE_WRITERS:
        raise WorkbenchError(f"notices format {notices_format!r}: expected one of {', '.join(NOTICE_WRITERS)}")
    open_notices, notices_file = NOTICE_WRITERS[notices_format]
    plan = make_plan(people, seed, chunk_rows)
    data = out / "data"
    form4 = data / "form4"
    form4.mkdir(parents=True, exist_ok=True)
    for old in [*form4.glob("*.xml"), *(data / name for _, name in NOTICE_WRITERS.values())]:
        old.unlink(missing_ok=True)

    residents = np.zeros(len(PLACE_CODES), np.int64)
    owed = np.zeros(len(PLACE_CODES), np.int64)  # residents whose exposed elements are personal information
    found: dict[str, dict[str | None, list[list[str]]]] = defaultdict(lambda: defaultdict(lambda: [[], []]))
    dup_rows, resend = [], []
    letter_recipients: dict[tuple[str, str], set[str]] = {}
    notice_number = 1
    notice_rows = people_rows = 0
    with pq.ParquetWriter(data / "affected_people.parquet", PEOPLE_SCHEMA, compression="zstd") as pw, \
            open_notices(data / notices_file) as nw:
        for k in range(len(plan.chunk_sizes)):
            chunk = build_people_chunk(plan, k)
            pw.write_table(chunk.table, row_group_size=chunk.table.num_rows)
            people_rows += chunk.table.num_rows
            counted = ((chunk.places < N_US) & (chunk.kinds != KIND_CODES["unknown_region"])) | (chunk.places >= N_US)
            residents += np.bincount(chunk.places[counted], minlength=len(PLACE_CODES))
            owed_rows = counted & (chunk.kinds != KIND_CODES["not_personal_information"])
            owed += np.bincount(chunk.places[owed_rows], minlength=len(PLACE_CODES))
            dup = chunk.kinds == KIND_CODES["duplicate_person_id"]
            if dup.any():
                dup_rows.append(chunk.table.filter(pa.array(dup)))
            notes = build_notice_chunk(chunk, seed, k, notice_number, people)
            _tally_recipients(letter_recipients, notes.table, chunk.table)
            nw.write_table(notes.table)
            notice_number += notes.table.num_rows
            notice_rows += notes.table.num_rows
            resend += notes.resend
            for kind, (persons, nids, regions) in notes.defects.items():
                by_j = kind in ("late_notice", "missing_notice", "not_personal_information")
                for pid, nid, region in zip(persons, nids or [None] * len(persons), regions):
                    slot = found[kind][f"US-{region}" if by_j else None]
                    slot[0].append(pid)
                    if nid is not None:
                        slot[1].append(nid)
            log.debug("chunk %d/%d written (%d people)", k + 1, len(plan.chunk_sizes), chunk.table.num_rows)
        dup_table = pa.concat_tables(dup_rows)
        pw.write_table(dup_table, row_group_size=max(1, dup_table.num_rows))
        people_rows += dup_table.num_rows
        extra, extra_info = extra_notices(seed, people, resend, notice_number)
        nw.write_table(extra)
        notice_rows += extra.num_rows

    # Regulator notices from the true counts of residents owed a notice.
    res = {f"US-{PLACE_CODES[i]}": int(residents[i]) for i in range(N_US) if residents[i] > 0}
    res_owed = {f"US-{PLACE_CODES[i]}": int(owed[i]) for i in range(N_US) if owed[i] > 0}
    eu_duties = dict(sc.EU_REGULATORS_2017)
    eu_res = {f"EU-{PLACE_CODES[i]}": int(residents[i]) for i in range(N_US, len(PLACE_CODES))
              if residents[i] > 0 and f"EU-{PLACE_CODES[i]}" in eu_duties}
    rplan = choose_regulator_defects(res_owed)
    reg = regulator_rows({**res_owed, **eu_res}, rplan)
    _write_csv(data / "regulator_notices.csv", REGULATOR_COLUMNS, reg)

    prices = market.share_prices(seed)
    _write_csv(data / "share_prices.csv", ("date", "close"), prices)
    trades = market.trade_rows(prices)
    for row in trades:
        (form4 / f"{row['accession']}.xml").write_bytes(market.form4_xml(row))
    trades_csv = market.trades_csv_rows(trades)
    _write_csv(data / "insider_trades.csv", list(trades_csv[0]), trades_csv)
    comp = market.compensation_rows()
    _write_csv(data / "compensation.csv", list(comp[0]), comp)
    msgs = market.message_rows()
    _write_csv(data / "communications.csv", list(msgs[0]), msgs)
    letter_files = write_letters(data / "letters")
    (out / "case.yaml").write_text(_case_yaml(seed, people, notices_file), encoding="utf-8")

    rows = {"affected_people": people_rows, "notices": notice_rows, "regulator_notices": len(reg),
            "insider_trades": len(trades), "communications": len(msgs), "compensation": len(comp),
            "share_prices": len(prices)}
    truth = _truth(seed, people, found, extra_info, rplan, res, res_owed, trades, rows)
    truth["letter_defects"] = _letter_truth(letter_recipients, letter_files, out)
    (out / TRUTH_NAME).write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - t0
    log.info("synthetic case %s: %d people, %d notices, %d defect kinds in %.1f s",
             out, people, notice_rows, len(truth["defects"]), seconds)
    return SynthResult(out / "case.yaml", out / TRUTH_NAME, people, rows, seconds)


def _tally_recipients(tally: dict[tuple[str, str], set[str]], notices: pa.Table, people: pa.Table) -> None:
    """Per (template, US jurisdiction): the data elements exposed to at least one recipient."""
    joined = notices.select(["person_id", "template_id"]).join(
        people.select(["person_id", "country", "region", "data_elements"]), "person_id")
    combos = joined.group_by(["template_id", "country", "region", "data_elements"]).aggregate([])
    for template, country, region, elements in zip(*(combos.column(c).to_pylist() for c in (
            "template_id", "country", "region", "data_elements"))):
        if country != "US" or not region:
            continue
        exposed = [e for e in (elements or "").split("|") if e] or list(sc.DATA_ELEMENTS)
        tally.setdefault((template, f"US-{region}"), set()).update(exposed)


def _letter_truth(recipients: dict[tuple[str, str], set[str]], files: dict[str, Path], out: Path) -> list[dict]:
    """The letter-content defects planted: those whose template reached the jurisdiction."""
    return [{"template": d.template, "jurisdiction": d.jurisdiction, "code": d.code,
             "requirement_id": d.requirement_id, "judgement": d.judgement, "text": d.text, "detail": d.detail,
             "file": files[d.template].relative_to(out).as_posix()}
            for d in planted_letter_defects(recipients)]


def writable_case_folder(out_dir: str | Path, *, force: bool) -> Path:
    """The folder to write a generated case into. A folder the generator wrote (it has
    truth.json) is regenerated freely; a hand-made case is never overwritten by accident
    (WorkbenchError unless ``force``)."""
    out = Path(out_dir)
    if (out / "case.yaml").exists() and not (out / TRUTH_NAME).exists() and not force:
        raise WorkbenchError(f"{out}: holds a case.yaml not written by the generator (no {TRUTH_NAME}); "
                             "pass force=True (--force) to overwrite it")
    return out


def _truth(seed, people, found, extra_info, rplan, all_residents, residents, trades, rows) -> dict:
    """truth.json: every planted defect; ``residents`` are the residents owed a notice (what
    regulator thresholds and reported counts are about), ``all_residents`` every resident."""
    defects = []
    for kind, (input_, detail) in _PERSON_DETAIL.items():
        defects.append(_entry(kind, input_, sorted(found[kind][None][0]), "person_id", detail=detail))
    for kind, days in (("late_notice", f"sent {sc.LATE_DAYS[0]}-{sc.LATE_DAYS[1]} days after discovery"),
                       ("missing_notice", "no notice row at all")):
        for j in sorted(found[kind]):
            persons, nids = found[kind][j]
            defects.append(_entry(kind, "notices", sorted(persons), "person_id", jurisdiction=j, detail=days,
                                  notice_ids=sorted(nids)))
    for j in sorted(found["not_personal_information"]):
        persons, _ = found["not_personal_information"][j]
        defects.append(_entry("not_owed_notice", "affected_people", sorted(persons), "person_id", jurisdiction=j,
                              detail=f"exposed elements {sc.NOT_PI_ELEMENTS.replace('|', ', ')} only: personal "
                                     "information under no US definition, so no notice is owed (and none was "
                                     "sent); the audit must say not_required with the reason, never missing",
                              notice_ids=[]))
    for kind, detail in _NOTICE_DETAIL.items():
        if kind in extra_info:
            persons, nids = extra_info[kind]
            if kind == "duplicate_notice":
                nids = nids + found[kind][None][1]
        else:
            persons, nids = found[kind][None]
        defects.append(_entry(kind, "notices", sorted(set(persons)), "person_id", detail=detail,
                              notice_ids=sorted(nids)))
    defects.append(_entry("regulator_notice_missing", "regulator_notices", [rplan.missing], "jurisdiction",
                          jurisdiction=rplan.missing,
                          detail=f"no notice to the regulator of {rplan.missing}, which requires one for "
                                 f"{residents[rplan.missing]} residents", residents=residents[rplan.missing]))
    defects.append(_entry("regulator_notice_late", "regulator_notices", [rplan.late], "jurisdiction",
                          jurisdiction=rplan.late,
                          detail=f"regulator notice sent {sc.REGULATOR_LATE_DAYS_AFTER_DISCOVERY} days after "
                                 f"discovery for {residents[rplan.late]} residents", residents=residents[rplan.late]))
    defects.append(_entry("residents_reported_mismatch", "regulator_notices", [rplan.mismatch], "jurisdiction",
                          jurisdiction=rplan.mismatch,
                          detail=f"residents_reported {rplan.mismatch_reported}, true count {residents[rplan.mismatch]}",
                          residents=residents[rplan.mismatch], residents_reported=rplan.mismatch_reported))
    by_kind = defaultdict(list)
    for r in trades:
        if r["kind"]:
            by_kind[r["kind"]].append(r)
    trade_detail = {
        "insider_sale_in_window": "open-market sales (code S) between discovery and public disclosure",
        "insider_sale_in_window_10b5_1": "a sale in the window under a Rule 10b5-1 plan (aff10b5One=1 and a footnote)",
        "control_sale_outside_window": "negative control: sales before discovery or after disclosure",
        "control_purchase_in_window": "negative control: an open-market purchase (code P) in the window",
    }
    for kind, detail in trade_detail.items():
        rs = by_kind[kind]
        defects.append(_entry(kind, "insider_trades", [f"{r['insider_name']}|{r['transaction_date']}" for r in rs],
                              "insider_name|transaction_date", detail=detail, trades=[{
                                  "accession": r["accession"], "file": f"data/form4/{r['accession']}.xml",
                                  "insider_name": r["insider_name"], "rpt_owner_name": r["insider"].edgar_name,
                                  "transaction_date": r["transaction_date"].isoformat(),
                                  "transaction_code": r["transaction_code"], "shares": r["shares"],
                                  "price": round(r["price"], 2), "value_usd": round(r["shares"] * r["price"], 2),
                                  "plan_10b5_1": r["plan_10b5_1"]} for r in rs]))
    msg_detail = {
        "lookalike_link": f"official tweet links look-alike domain {market.LOOKALIKE_TWEET_DOMAIN} "
                          f"(official: {sc.OFFICIAL_DOMAINS[0]})",
        "control_official_subdomain_link": "negative control: a subdomain of an official domain",
        "control_government_link": "negative control: a legitimate government link (identitytheft.gov, ftc.gov)",
    }
    for kind, detail in msg_detail.items():
        defects.append(_entry(kind, "communications", [m[0] for m in market.MESSAGES if m[5] == kind],
                              "message_id", detail=detail))
    award_detail = {
        "award_in_crisis_window": "retirement award to the departing CEO within a year after disclosure",
        "control_award_outside_window": "negative control: routine awards before discovery",
    }
    for kind, detail in award_detail.items():
        defects.append(_entry(kind, "compensation", [f"{a[0]}|{a[2].isoformat()}|{a[3]}" for a in market.AWARDS
                                                      if a[5] == kind], "person|award_date|kind", detail=detail))
    return {"schema_version": TRUTH_SCHEMA_VERSION, "seed": seed, "people": people, "case_id": sc.CASE_ID,
            "rows": rows, "residents": dict(sorted(all_residents.items())),
            "residents_owed_notice": dict(sorted(residents.items())), "defects": defects}
