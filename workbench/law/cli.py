"""``workbench law show|due|deadlines|list``: arguments and handlers (registered in workbench.cli).

Machine-readable output: ``--json`` prints one JSON document (``show``, ``due``, ``list``,
``deadlines``, where it is ``--format json``); ``due --batch`` writes CSV, or JSON lines with ``--json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from workbench.errors import InputError, WorkbenchError
from workbench.law.deadlines import (
    BATCH_ADDED, BATCH_REQUIRED, NOT_LEGAL_ADVICE, batch_due, case_deadlines, parse_moment, to_csv, to_ics,
    to_json, to_table,
)
from workbench.law.model import OBLIGATIONS, Rule
from workbench.law.rulebook import load_rulebook
from workbench.registry import Registry
from workbench.safecsv import SafeDictWriter

ACTIONS: Registry = Registry("law action")


def configure(p: argparse.ArgumentParser) -> None:
    """Add the law sub-actions to the ``law`` subcommand's parser."""
    sub = p.add_subparsers(dest="law_action", required=True, metavar="ACTION")

    s = sub.add_parser("show", help="the rule in force on a date, with citation and version history")
    s.add_argument("code", help="jurisdiction code, e.g. US-WA, EU-IE, GB, US-HIPAA")
    s.add_argument("--on", type=_date, default=None, help="date (YYYY-MM-DD); default today")
    s.add_argument("--json", action="store_true", help="print one JSON document")

    d = sub.add_parser("due", help="when an obligation is due (one question, or --batch for a CSV of them)")
    d.add_argument("code", nargs="?", help="jurisdiction code (omit with --batch)")
    d.add_argument("--start", help="clock start: ISO date or datetime (naive values read in --timezone)")
    d.add_argument("--obligation", choices=list(OBLIGATIONS), default="individual")
    d.add_argument("--residents", type=int, default=None, help="affected residents of the jurisdiction")
    d.add_argument("--individual-sent-at", default=None, help="when individuals were notified (for relative timing)")
    d.add_argument("--encrypted", action="store_true", help="the data was encrypted and the key not taken")
    d.add_argument("--assessment-days", type=int, default=30, help="applied where the law sets no number (default 30)")
    d.add_argument("--timezone", default="UTC", help="IANA timezone for naive times and day counting (default UTC)")
    d.add_argument("--batch", metavar="NOTICES.csv", help="CSV with jurisdiction, clock_start, obligation, residents, sent_at")
    d.add_argument("--out", metavar="FILE", help="with --batch: write here instead of stdout")
    d.add_argument("--json", action="store_true", help="print JSON (JSON lines with --batch)")

    k = sub.add_parser("deadlines", help="every obligation a case triggers, sorted by due date")
    k.add_argument("case_yaml", help="path to the case's case.yaml")
    k.add_argument("--format", choices=["table", "csv", "json", "ics"], default="table")
    k.add_argument("--json", action="store_true", help="print one JSON document (the same as --format json)")
    k.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    k.add_argument("--include", action="append", default=[], metavar="CODE",
                   help="add an organisation-dependent regime (US-HIPAA, US-SEC-8K...); repeatable")
    k.add_argument("--residents", action="append", default=[], metavar="CODE=N",
                   help="give resident counts instead of reading affected_people; repeatable")

    li = sub.add_parser("list", help="every jurisdiction code with its name and current version")
    li.add_argument("--on", type=_date, default=None, help="show the version in force on this date instead")
    li.add_argument("--json", action="store_true", help="print one JSON document")


def run(ns: argparse.Namespace) -> int:
    """Dispatch to the chosen action; returns the exit code."""
    return ACTIONS.get(ns.law_action)(ns)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None


def _rule_lines(rule: Rule) -> list[str]:
    r = rule
    ind = (f"{r.individual_deadline} ({r.individual_standard})" if r.individual_deadline
           else (f"no fixed number: \"{r.individual_standard}\"" if r.individual_required else r.individual_standard))
    lines = [
        f"{r.code}  {r.name}  -  {r.title}",
        f"  version        {r.version}  [{r.effective_from or 'origin'} .. {r.superseded_on or 'open'})  confidence: {r.confidence}",
        f"  citation       {r.citation}",
    ]
    if not r.modelled:
        lines.append(f"  in force       not assessed: {r.individual_standard}")
    elif not r.regime:
        lines.append(f"  in force       no breach-notice law: {r.individual_standard}")
    else:
        lines += [
            f"  individuals    {ind}",
            f"  clock starts   {r.clock_starts}: {r.clock_text}",
            "  regulator      " + (f"{r.regulator_name}; from {r.regulator_threshold} residents; "
                                   + "; ".join(x for x in [
                                       f"within {r.regulator_deadline} of the clock start" if r.regulator_deadline else "",
                                       str(r.regulator_relative) if r.regulator_relative else "",
                                       (f"fewer than {r.regulator_annual_log_below}: within {r.regulator_annual_log_period} after year end"
                                        if r.regulator_annual_log_below else "")] if x)
                                   if r.regulator_threshold else "none"),
        ]
        if r.regulator_timing:
            lines.append(f"  timing         {r.regulator_timing}")
        if r.regulator_condition:
            lines.append(f"  only where     {r.regulator_condition}")
        lines += [
            f"  CRA notice     {'from ' + str(r.cra_threshold) + ' residents' if r.cra_threshold else 'none'}"
            + (f"; {r.cra_relative}" if r.cra_relative else ""),
            *([f"  media notice   per State, from {r.media_threshold} residents of that State, within "
               f"{r.media_deadline}: {r.media_standard}"] if r.media_threshold else []),
            f"  harm exception {_yn(r.risk_of_harm_exception)};  encryption safe harbour {_yn(r.encryption_safe_harbor)}"
            + (" (individual notice only)" if r.safe_harbor_scope == "individual" else ""),
            f"  substitute     {r.substitute_notice or 'not recorded'}",
        ]
    if r.notes:
        lines.append(f"  notes          {r.notes}")
    lines.append("  sources        " + "\n                 ".join(r.source))
    return lines


def _content_lines(book, code: str, on: dt.date) -> list[str]:
    """The letter-content requirements and remediation minimums in force on ``on`` (letter_content.yaml)."""
    reqs, mins = book.content_requirements(code, on), book.remediation_minimums(code, on)
    lines = [f"\nNotice-letter content in force on {on}:"]
    if not reqs:
        lines.append("  none recorded in the law data (not assessed, never \"no requirement\")")
    for r in reqs:
        when = f" [when exposed: {', '.join(sorted(r.when_exposed))}]" if r.when_exposed else ""
        lines.append(f"  {r.kind:9} {r.requirement}{when}  -- {r.citation} ({r.confidence}; since {r.since})")
    lines.append(f"Remediation minimums in force on {on}:")
    if not mins:
        lines.append("  none recorded in the law data")
    for m in mins:
        roles = f" [only: {', '.join(m.applies_to_roles)}]" if m.applies_to_roles else ""
        lines.append(f"  {m.months} months of {m.service} when {', '.join(sorted(m.when_exposed))} exposed{roles}"
                     f"  -- {m.citation} ({m.confidence}; since {m.since})")
    return lines


def _yn(v: bool | None) -> str:
    return "unknown" if v is None else ("yes" if v else "no")


@ACTIONS.register("show")
def _show(ns: argparse.Namespace) -> int:
    book = load_rulebook()
    on = ns.on or dt.date.today()
    rule = book.rule_in_force(ns.code, on)
    history = book.history(ns.code)
    if ns.json:
        print(json.dumps({"code": ns.code, "on": on.isoformat(), "law_data_version": book.version_hash,
                          "rule": rule.to_dict() if rule else None,
                          "history": [{"version": h.version, "effective_from": h.effective_from and h.effective_from.isoformat(),
                                       "superseded_on": h.superseded_on and h.superseded_on.isoformat(),
                                       "title": h.title, "citation": h.citation, "confidence": h.confidence}
                                      for h in history],
                          "letter_content": [r.to_dict() for r in book.content_requirements(ns.code, on)],
                          "remediation": [r.to_dict() for r in book.remediation_minimums(ns.code, on)],
                          "disclaimer": NOT_LEGAL_ADVICE}, indent=2, ensure_ascii=False))
        return 0
    if rule is None:
        print(f"{ns.code}: no version in the law data covers {on}")
    else:
        print(f"Rule in force on {on}:")
        print("\n".join(_rule_lines(rule)))
    print("\nVersion history:")
    for h in history:
        mark = "*" if rule is not None and h.version == rule.version else " "
        print(f" {mark} {h.version:28} [{h.effective_from or 'origin'} .. {h.superseded_on or 'open'})  {h.title}  ({h.confidence})")
    print("\n".join(_content_lines(book, ns.code, on)))
    print(f"\n{NOT_LEGAL_ADVICE}")
    return 0


@ACTIONS.register("due")
def _due(ns: argparse.Namespace) -> int:
    if ns.batch:
        return _due_batch(ns)
    if not ns.code or not ns.start:
        raise WorkbenchError("law due needs CODE and --start DATETIME (or --batch NOTICES.csv)")
    book = load_rulebook()
    tz = ZoneInfo(ns.timezone)
    try:
        start = parse_moment(ns.start, tz)
        sent = parse_moment(ns.individual_sent_at, tz) if ns.individual_sent_at else None
    except ValueError as err:
        raise WorkbenchError(f"--start/--individual-sent-at: not an ISO date or datetime ({err})") from None
    due = book.due(ns.code, ns.obligation, start, residents=ns.residents, assessment_days=ns.assessment_days,
                   individual_sent_at=sent, encrypted=ns.encrypted)
    if ns.json:
        print(json.dumps({**due.to_dict(), "clock_start": start.isoformat(), "residents": ns.residents,
                          "law_data_version": book.version_hash}, ensure_ascii=False))
        return 0
    print(f"{ns.code} {ns.obligation} notice, clock start {start.isoformat()}")
    print(f"  applies      {'yes' if due.applies else 'no'}")
    print(f"  due          {due.due_at.isoformat() if due.due_at else '-'}")
    print(f"  basis        {due.basis}" + ("  (assessment, not statutory)" if due.basis == "assessment" else ""))
    print(f"  why          {due.reason}")
    print(f"  rule         {due.rule_version or '-'}  (confidence {due.confidence or '-'})")
    print(f"  citation     {due.citation or '-'}")
    print(NOT_LEGAL_ADVICE)
    return 0


def _due_batch(ns: argparse.Namespace) -> int:
    path = Path(ns.batch)
    if not path.is_file():
        raise InputError(str(path), "batch file not found")
    book = load_rulebook()
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in BATCH_REQUIRED if c not in header]
        if missing:
            raise InputError(str(path), f"missing column(s) {', '.join(missing)}", row=1,
                             expected="jurisdiction, clock_start, obligation[, residents, sent_at, individual_sent_at]")
        fields = list(header) + [c for c in BATCH_ADDED if c not in header]
        out = open(ns.out, "w", newline="", encoding="utf-8") if ns.out else sys.stdout
        invalid = total = 0
        try:
            writer = None if ns.json else SafeDictWriter(out, fields)
            if writer:
                writer.writeheader()
            for row in batch_due(book, reader, timezone=ns.timezone, assessment_days=ns.assessment_days):
                total += 1
                invalid += row["status"] == "invalid"
                if writer:
                    writer.writerow({k: row.get(k, "") for k in fields})
                else:
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
        finally:
            if ns.out:
                out.close()
    print(f"{total} row(s), {invalid} invalid; law data {book.version_hash[:12]}", file=sys.stderr)
    return 2 if invalid else 0


@ACTIONS.register("deadlines")
def _deadlines(ns: argparse.Namespace) -> int:
    from workbench.case import load_case

    case = load_case(ns.case_yaml)
    book = load_rulebook()
    residents = None
    if ns.residents:
        residents = {}
        for item in ns.residents:
            code, _, n = item.partition("=")
            if not n.strip().isdigit():
                raise WorkbenchError(f"--residents {item!r}: expected CODE=N, e.g. US-CA=1200")
            residents[code.strip()] = int(n)
    for code in list(ns.include) + list(residents or {}):
        if code not in book:
            book.history(code)  # raises UnknownNameError listing the known codes
    obligations = case_deadlines(case, include=ns.include, residents=residents, book=book)
    if ns.json:
        ns.format = "json"
    if ns.format == "ics":
        data: bytes | str = to_ics(obligations, case_id=case.case_id, stamp=dt.datetime.now(dt.timezone.utc))
    elif ns.format == "csv":
        data = to_csv(obligations)
    elif ns.format == "json":
        data = to_json(obligations, case_id=case.case_id, law_version=book.version_hash)
    else:
        data = to_table(obligations)
    if ns.out:
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(ns.out, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
        print(f"{len(obligations)} obligation(s) written to {ns.out}", file=sys.stderr)
    else:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            print(data.rstrip("\n"))
    return 0


@ACTIONS.register("list")
def _list(ns: argparse.Namespace) -> int:
    book = load_rulebook()
    rows = []
    for code in book.codes():
        rule = book.rule_in_force(code, ns.on) if ns.on else book.current(code)
        rows.append({"code": code, "name": book.name(code), "version": rule.version if rule else None,
                     "title": rule.title if rule else None, "confidence": rule.confidence if rule else None,
                     "versions": len(book.history(code))})
    if ns.json:
        print(json.dumps({"law_data_version": book.version_hash, "jurisdictions": rows}, indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r['code']:12} {r['name'][:44]:44} {r['version'] or '-':28} {r['confidence'] or '':6} ({r['versions']} versions)")
    print(f"{len(rows)} codes; law data {book.version_hash[:12]}. {NOT_LEGAL_ADVICE}")
    return 0
