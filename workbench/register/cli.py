"""``workbench register audit|mappings``: arguments and handlers (registered in workbench.cli).

Exit codes: 0 the audit completed (late notices and rejected rows are results, written to
the outputs); 2 bad input: the register or mapping cannot be read (file missing, not UTF-8,
a required column absent, a malformed mapping), an unknown jurisdiction or mapping name.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from workbench.registry import Registry

ACTIONS: Registry = Registry("register action")


def configure(p: argparse.ArgumentParser) -> None:
    """Add the register sub-actions to the ``register`` subcommand's parser."""
    sub = p.add_subparsers(dest="register_action", required=True, metavar="ACTION")
    a = sub.add_parser("audit", help="judge every notice of a register against the law in force for it")
    a.add_argument("register_csv", metavar="REGISTER.csv", help="the register (CSV, UTF-8)")
    a.add_argument("--jurisdiction", required=True, metavar="CODE", help="law-data code of the register's State, e.g. US-WA")
    a.add_argument("--mapping", default="generic", metavar="MAP.yaml|NAME",
                   help="which column is which: a mapping file or a built-in name (default generic; "
                        "'workbench register mappings' lists them)")
    a.add_argument("--out", default=None, metavar="DIR",
                   help="folder for judged_register.csv, rejects.csv, other_jurisdictions.csv, findings.json, summary.json "
                        "(default: register_audit_<register name> beside the register)")
    a.add_argument("--assessment-days", type=int, default=30,
                   help="yardstick where the law sets no number, labelled assessment (default 30)")
    a.add_argument("--timezone", default=None, help="IANA timezone the register's dates are local to (default: the mapping's)")
    a.add_argument("--json", action="store_true", help="print the summary as JSON instead of text")
    a.add_argument("--report", action="store_true", help="also write findings.csv, register_tables/*.csv and the regulator's "
                   "report register_report.html/.pdf (off by default: the PDF of a large register takes minutes)")
    m = sub.add_parser("mappings", help="list the built-in register mappings with their source and confidence")
    m.add_argument("--json", action="store_true", help="print one JSON document")


def run(ns: argparse.Namespace) -> int:
    """Dispatch to the chosen action; returns the exit code."""
    return ACTIONS.get(ns.register_action)(ns)


@ACTIONS.register("audit")
def _audit(ns: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from workbench.errors import WorkbenchError
    from workbench.law.rulebook import load_rulebook
    from workbench.register.audit import NOT_LEGAL_ADVICE, OUTPUT_FILES, audit_register
    from workbench.register.mapping import load_mapping

    mapping = load_mapping(ns.mapping)
    if ns.timezone:
        try:
            ZoneInfo(ns.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise WorkbenchError(f"--timezone {ns.timezone!r}: not an IANA timezone (e.g. America/Los_Angeles)") from None
        mapping = replace(mapping, timezone=ns.timezone)
    src = Path(ns.register_csv)
    out = Path(ns.out) if ns.out else src.parent / f"register_audit_{src.stem}"
    t0 = time.perf_counter()
    audit = audit_register(src, ns.jurisdiction, mapping=mapping, out=out, assessment_days=ns.assessment_days)
    if ns.report:
        from workbench.register.overview import view, write_tables
        from workbench.register.report import write_report

        write_tables(v := view(audit, load_rulebook()), out)
        write_report(v, out)
    seconds = time.perf_counter() - t0
    s = audit.summary
    if ns.json:
        print(json.dumps({**s, "out": str(out), "seconds": round(seconds, 3)}, indent=2, ensure_ascii=False, default=str))
        return 0
    rows = s["rows"]
    print(f"{src}: {rows['read']} row(s) read = {rows['accepted']} accepted + {rows['rejected']} rejected"
          f" ({'reconciles' if rows['reconciles'] else 'DOES NOT RECONCILE'}); mapping {mapping.name} "
          f"(confidence {mapping.confidence}); {s['jurisdiction']} {s['obligation']} notice")
    print("  " + (", ".join(f"{k} {v}" for k, v in s["status_counts"].items() if v) or "no rows"))
    inc = s["incidents"]
    print(f"  incidents {inc['incidents']}: {inc['amendment']} amendment(s), {inc['duplicate']} duplicate(s), "
          f"{inc['not_checked']} row(s) without breach dates; unmatched data types in "
          f"{s['data_types']['rows_with_unmatched']} row(s)")
    print(f"  {s['findings']['late_notice_findings']} late-notice finding(s); {s['engine']['engine_calls']} engine "
          f"call(s) for {s['engine']['judged_rows']} judged row(s); {seconds:.2f} s")
    print(f"  wrote {', '.join(OUTPUT_FILES.values())}{' and the report' if ns.report else ''} to {out}")
    print(NOT_LEGAL_ADVICE)
    return 0


@ACTIONS.register("mappings")
def _mappings(ns: argparse.Namespace) -> int:
    from workbench.register.mapping import builtin_mappings, load_mapping

    maps = [load_mapping(n) for n in builtin_mappings()]
    if ns.json:
        print(json.dumps([{**m.to_dict(), "description": m.description} for m in maps], indent=2, ensure_ascii=False))
        return 0
    for m in maps:
        print(f"{m.name:12} {m.confidence:6} {m.notified_obligation:10} {m.description}")
        print(f"{'':12} notified = {m.notified_means}")
    return 0
