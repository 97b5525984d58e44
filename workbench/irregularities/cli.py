"""The ``workbench form4`` and ``workbench links check`` subcommands (arguments and handlers).

``links check`` reads URLs from its arguments, ``--from FILE`` or standard input (``-``)
and exits 3 when one is at or above ``--fail-on`` (a severity or a score), for pipelines.

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


def configure_links(parser: argparse.ArgumentParser) -> None:
    # a sub-parser, not a positional "check": argparse (3.11) gives an optional list of URLs
    # after another positional nothing when an option comes between them
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = sub.add_parser("check", help="score each URL against the official domains",
                       description="Score each URL against the official domains (offline).")
    p.add_argument("urls", nargs="*", metavar="URL", help="URLs or bare domains to check; - reads them from standard input")
    p.add_argument("--from", dest="from_files", action="append", default=[], metavar="FILE",
                   help="read URLs from FILE, one per line (blank lines and # comments skipped; - is standard "
                        "input); repeatable")
    p.add_argument("--official", required=True, help="official domains, comma-separated (D1,D2)")
    p.add_argument("--fail-on", type=_threshold, default=None, metavar="SEVERITY|SCORE",
                   help="exit 3 when a URL is at or above this severity (critical, high, medium, low, info) "
                        "or look-alike score (0..1)")
    p.add_argument("--json", action="store_true", help="one JSON object per URL (JSON lines)")


def _threshold(text: str) -> str | float:
    """A severity name, or a score between 0 and 1 (``--fail-on``)."""
    from workbench.findings import SEVERITIES

    if text in SEVERITIES:
        return text
    try:
        score = float(text)
    except ValueError:
        score = -1.0
    if not 0.0 <= score <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a severity ({', '.join(SEVERITIES)}) "
                                         "or a score between 0 and 1")
    return score


def _at_or_above(row: dict, threshold: str | float) -> bool:
    """Whether one checked URL trips ``--fail-on`` (an official domain never does)."""
    from workbench.findings import SEVERITY_RANK

    if row["official"]:
        return False
    if isinstance(threshold, float):
        return row["score"] is not None and row["score"] >= threshold
    return SEVERITY_RANK.get(row["severity"], len(SEVERITY_RANK)) <= SEVERITY_RANK[threshold]


def _url_lines(lines) -> list[str]:
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def read_urls(ns: argparse.Namespace) -> list[str]:
    """The URLs to check, in order: the arguments (``-`` is standard input), then each --from file."""
    from workbench.errors import InputError

    sources = [("stdin" if u == "-" else "url", u) for u in ns.urls]
    sources += [("stdin" if f == "-" else "file", f) for f in ns.from_files]
    urls: list[str] = []
    stdin_read = False
    for kind, value in sources:
        if kind == "url":
            urls.append(value)
            continue
        if kind == "stdin" and stdin_read:
            continue
        try:
            if kind == "stdin":
                urls += _url_lines(sys.stdin)
                stdin_read = True
            else:
                with open(value, encoding="utf-8") as f:
                    urls += _url_lines(f)
        except (OSError, UnicodeDecodeError) as err:
            raise InputError("standard input" if kind == "stdin" else value,
                             f"cannot read the URL list ({err.__class__.__name__}: {getattr(err, 'strerror', None) or err})",
                             expected="UTF-8 text, one URL a line") from None
    if not urls:
        raise InputError("links check", "no URL to check",
                         expected="URLs as arguments, --from FILE, or - to read them from standard input")
    return urls


def run_links(ns: argparse.Namespace) -> int:
    """Per URL: domain, official or not, closest official domain, score, severity (offline).
    Exit 3 when ``--fail-on`` is given and a URL is at or above it."""
    from workbench.irregularities.links import check_urls

    officials = [d.strip() for d in ns.official.split(",") if d.strip()]
    tripped = 0
    for row in check_urls(read_urls(ns), officials):
        tripped += ns.fail_on is not None and _at_or_above(row, ns.fail_on)
        if ns.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        score = "-" if row["score"] is None else f"{row['score']:.2f}"
        shown = row["domain"] if row.get("unicode") in (None, row["domain"]) else f"{row['domain']} ({row['unicode']})"
        print(f"{row['severity']:8}  score {score:4}  {'official' if row['official'] else 'unofficial':10}  "
              f"{shown}  closest: {row['closest_official'] or '-'}  [{', '.join(row['reasons'])}]"
              + ("  (may be brand-owned, missing from official_domains)" if row.get("maybe_brand_owned") else ""))
    if tripped:
        print(f"{tripped} URL(s) at or above {ns.fail_on} (--fail-on): exit 3", file=sys.stderr)
        return 3
    return 0
