"""The ``workbench form4`` and ``workbench links check`` subcommands (arguments and handlers).

Registered in :mod:`workbench.cli`; printing is the handlers' job, the work is done by
:func:`~workbench.form4.read_form4` and
:func:`~workbench.irregularities.links.check_urls`.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

#: Columns ``workbench form4`` shows without ``--json``.
FORM4_SHOWN = ["document_id", "insider_name", "insider_title", "is_derivative", "transaction_date",
               "transaction_code", "shares", "price", "acquired_disposed", "shares_owned_after", "plan_10b5_1"]


def configure_form4(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="Form 4 XML files or folders of them")
    p.add_argument("--json", action="store_true", help="one JSON object per transaction (JSON lines)")


def _jsonable(value):
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.date().isoformat() if isinstance(value, pd.Timestamp) else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def run_form4(ns: argparse.Namespace) -> int:
    """Print the parsed transactions; files that could not be read go to stderr (exit 2)."""
    from workbench.form4 import read_form4

    frame, errors = read_form4(ns.paths)
    if ns.json:
        for record in frame.to_dict(orient="records"):
            print(json.dumps({k: _jsonable(v) for k, v in record.items()}, ensure_ascii=False))
    elif len(frame):
        with pd.option_context("display.width", 200, "display.max_columns", None, "display.max_colwidth", 40):
            print(frame[FORM4_SHOWN].to_string(index=False))
    else:
        print("no transactions")
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    return 2 if errors else 0


def configure_links(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["check"], help="check: score each URL against the official domains")
    p.add_argument("urls", nargs="+", metavar="URL", help="URLs or bare domains to check")
    p.add_argument("--official", required=True, help="official domains, comma-separated (D1,D2)")
    p.add_argument("--json", action="store_true", help="one JSON object per URL (JSON lines)")


def run_links(ns: argparse.Namespace) -> int:
    """Per URL: domain, official or not, closest official domain, score, severity (offline)."""
    from workbench.irregularities.links import check_urls

    officials = [d.strip() for d in ns.official.split(",") if d.strip()]
    for row in check_urls(ns.urls, officials):
        if ns.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        score = "-" if row["score"] is None else f"{row['score']:.2f}"
        shown = row["domain"] if row.get("unicode") in (None, row["domain"]) else f"{row['domain']} ({row['unicode']})"
        print(f"{row['severity']:8}  score {score:4}  {'official' if row['official'] else 'unofficial':10}  "
              f"{shown}  closest: {row['closest_official'] or '-'}  [{', '.join(row['reasons'])}]"
              + ("  (may be brand-owned, missing from official_domains)" if row.get("maybe_brand_owned") else ""))
    return 0
