"""The ``workbench`` command: parses arguments and calls one function per subcommand.

Subcommands register themselves in ``COMMANDS`` with :func:`command`; each handler takes
the parsed ``argparse.Namespace`` and returns the exit code.
Exit codes: 0 success, 1 a run or verification failed, 2 bad input or usage,
3 a completed run with findings at or above ``workbench run --fail-on SEVERITY`` (or a URL
at or above ``workbench links check --fail-on``), 130 / 143 a run interrupted by SIGINT
(Ctrl-C) / SIGTERM. ``--json`` prints machine-readable output on every command that prints
results. ``python -m workbench`` is the same command (:mod:`workbench.__main__`).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Callable

from workbench import version
from workbench.errors import WorkbenchError
from workbench.registry import Registry

Handler = Callable[[argparse.Namespace], int]
COMMANDS: Registry[tuple[str, Callable[[argparse.ArgumentParser], None], Handler]] = Registry("command")


def command(name: str, help: str, configure: Callable[[argparse.ArgumentParser], None]):
    """Register a subcommand: ``configure`` adds its arguments, the decorated function runs it."""
    def deco(fn: Handler) -> Handler:
        COMMANDS.register(name, (help, configure, fn))
        return fn
    return deco


def _case_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["check"], help="check: validate case.yaml and look at its inputs "
                   "(kind, encoding, header, sample); print a summary, or every problem and exit 2")
    p.add_argument("case_yaml", help="path to the case's case.yaml")
    p.add_argument("--json", action="store_true",
                   help="print one JSON document: the validated case, or {ok: false, problems} (exit 2)")


@command("case", "validate a case.yaml", _case_args)
def _case(ns: argparse.Namespace) -> int:
    from workbench.case import summary, summary_record
    from workbench.errors import CaseError
    from workbench.preflight import check_case

    try:
        case = check_case(ns.case_yaml)
    except CaseError as err:
        if not ns.json:
            raise
        _print_json({"ok": False, "case_yaml": err.path, "problems": err.problems})
        return 2
    if ns.json:
        _print_json(summary_record(case))
    else:
        print(summary(case))
    return 0


def _print_json(document) -> None:
    """One JSON document on stdout (paths and dates as text)."""
    print(json.dumps(document, indent=2, ensure_ascii=False, default=str))


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("case_yaml", help="path to the case's case.yaml")
    p.add_argument("--out", default=None, help="folder for run folders (default: reports/ of the project)")
    p.add_argument("--cell-timeout", type=int, default=None, help="seconds a notebook cell may run (default: no limit)")
    p.add_argument("--notebooks", default=None, help="folder of numbered notebooks to run (default: the project's notebooks/)")
    p.add_argument("--packages", default=None, metavar="WHICH",
                   help="regulator packages to render: with-findings (jurisdictions with a finding of their own), "
                        "all, none, or codes such as US-CA,US-TX (default: case.yaml's parameters.report_packages, "
                        "itself with-findings); the others are listed in regulators/index.json and can be rendered "
                        "later with workbench report RUN_DIR --packages ...")
    p.add_argument("--kernel", default=None, metavar="NAME",
                   help="kernel spec to run the notebooks in, e.g. a JupyterHub or conda kernel "
                        "(default: WORKBENCH_KERNEL, else this Python)")
    p.add_argument("--fail-on", default=None, metavar="SEVERITY",
                   choices=["critical", "high", "medium", "low", "info"],
                   help="exit 3 when the completed run has findings at or above SEVERITY "
                        "(exit codes: 0 completed, 1 failed, 2 invalid case, 3 findings at or above SEVERITY, "
                        "130/143 interrupted by SIGINT/SIGTERM)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON document: run_dir, status, notebooks, report, regulator packages, "
                        "findings at or above --fail-on, exit_code (messages still go to stderr)")


@command("run", "audit a case: run every notebook into a new run folder", _run_args)
def _run(ns: argparse.Namespace) -> int:
    from workbench.paths import REPORTS_DIR
    from workbench.runner import run_case

    from pathlib import Path

    from workbench.runner import notebook_set

    if ns.packages is not None:  # a value that is no selection fails now, not after the audit
        from workbench.regulator_packages import PackageSelection

        PackageSelection.parse(ns.packages)
    nbs = notebook_set(Path(ns.notebooks)) if ns.notebooks else None
    result = run_case(ns.case_yaml, ns.out or REPORTS_DIR, notebooks=nbs, cell_timeout=ns.cell_timeout,
                      packages=ns.packages, kernel_name=ns.kernel)
    doc, messages, code = _run_outcome(result, ns.fail_on)
    if ns.json:
        import json

        print(json.dumps({**doc, "exit_code": code}, indent=2, default=str))
    else:
        for line in doc["lines"]:
            print(line)
    for line in messages:
        print(line, file=sys.stderr)
    return code


def _run_outcome(result, fail_on: str | None) -> tuple[dict, list[str], int]:
    """What a finished ``workbench run`` reports: the document (``--json``; its ``lines`` the
    text form), the messages for stderr, and the exit code."""
    from workbench.status import RunStatus

    doc: dict = {"run_dir": str(result.run_dir), "status": str(result.status), "ok": bool(result.ok),
                 "notebooks": [{"name": n.name, "status": str(n.status)} for n in result.notebooks]}
    lines, messages = [str(result.run_dir)], []
    if not result.ok:
        error = result.error or {}
        failed = [n for n in result.notebooks if n.status == "failed"]
        for n in failed:
            messages.append(f"failed: {n.name}: {n.error['ename']}: {n.error['evalue'][:300]}")
        if error and not any(n.error == error for n in failed):
            messages.append(f"{result.status}: {error.get('ename')}: {str(error.get('evalue'))[:300]}")
        messages.append(f"run {result.status}; executed notebooks kept in {result.run_dir}/notebooks")
        doc["error"] = {"ename": error.get("ename"), "evalue": str(error.get("evalue"))[:300]} if error else None
        code = interrupted_exit_code(error.get("signal")) if result.status == RunStatus.INTERRUPTED else 1
        return {**doc, "lines": lines}, messages, code
    report = result.run_dir / "report.html"
    doc["report"] = str(report if report.exists() else result.run_dir / "html")
    lines.append(f"report: {doc['report']}")
    packages = _packages_left_out(result.run_dir)
    if packages:
        doc["regulator_packages"] = packages["document"]
        lines.append(packages["line"])
    code = 0
    if fail_on:
        from workbench.report import findings_at_or_above, gather_findings

        hits = findings_at_or_above(gather_findings(result.run_dir), fail_on)
        doc["findings_at_or_above"] = {"severity": fail_on, "count": len(hits)}
        if hits:
            messages.append(f"{len(hits)} finding(s) at or above {fail_on} (--fail-on): exit 3")
            code = 3
    return {**doc, "lines": lines}, messages, code


def _packages_left_out(run_dir) -> dict | None:
    """Which jurisdictions with residents got no regulator package (regulators/index.json),
    and how to render them: the index's summary and its line of text, or None."""
    import json

    from workbench.regulator_packages import INDEX_PATH

    try:
        index = json.loads((run_dir / INDEX_PATH).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    left = index.get("not_rendered") or []
    line = (f"regulator packages: {len(index.get('rendered') or [])} rendered (--packages {index.get('selection')})"
            + (f"; {len(left)} jurisdiction(s) with residents have none ({run_dir / INDEX_PATH}); render them with: "
               f"{index.get('render_command')}" if left else ""))
    return {"line": line, "document": {"selection": index.get("selection"), "rendered": index.get("rendered") or [],
                                       "not_rendered": [x.get("jurisdiction") if isinstance(x, dict) else x for x in left],
                                       "render_command": index.get("render_command") if left else None,
                                       "index": str(run_dir / INDEX_PATH)}}


def interrupted_exit_code(signame: str | None) -> int:
    """128 + the signal's number, as a shell reports a process a signal stopped: 130 for
    SIGINT (Ctrl-C), 143 for SIGTERM; 1 when no signal is known."""
    import signal

    try:
        return 128 + int(signal.Signals[signame])
    except (KeyError, TypeError):
        return 1


def _verify_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", help="a run folder (holding manifest.json)")
    p.add_argument("--case", default=None, help="case.yaml whose data to hash (default: the input paths in the manifest, where present)")
    p.add_argument("--no-inputs", action="store_true", help="do not hash the inputs (outputs only)")
    p.add_argument("--against", default=None, metavar="RUN_DIR",
                   help="also compare findings and input hashes with another run of the case (a re-run)")
    p.add_argument("--pubkey", default=None, metavar="KEY.pub",
                   help="the signer's Ed25519 public key: verify the manifest's signature (and each regulator "
                        "package's) too; without it a signature present is reported as not verified")
    p.add_argument("--json", action="store_true", help="print one JSON document: {ok, verify, compare}")


@command("verify", "recompute a run folder's (or a regulator package's) hashes against its manifest, and check "
                   "its signature and timestamp (exit 0 intact, 1 otherwise)", _verify_args)
def _verify(ns: argparse.Namespace) -> int:
    from workbench.verify import compare_runs, verify_run

    result = verify_run(ns.run_dir, case_path=ns.case, check_inputs=not ns.no_inputs, pubkey=ns.pubkey)
    other = compare_runs(ns.run_dir, ns.against) if ns.against else None
    ok = result.ok and (other is None or other.ok)
    if ns.json:
        _print_json({"ok": ok, "verify": result.to_dict(), "compare": other and other.to_dict()})
        return 0 if ok else 1
    print(result.report())
    if other is not None:
        print(other.report().replace(f"verify {ns.run_dir}", f"compare {ns.run_dir} with {ns.against}", 1))
    return 0 if ok else 1


def _keygen_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the key pair (created if needed)")
    p.add_argument("--name", default="workbench", help="file name of the keys: NAME.key (private, mode 0600) and "
                                                       "NAME.pub (public; give it to whoever verifies)")
    p.add_argument("--json", action="store_true", help="print one JSON document: private, public, keyid")


@command("keygen", "make an Ed25519 key pair for workbench sign (never overwrites a key)", _keygen_args)
def _keygen(ns: argparse.Namespace) -> int:
    from workbench.signing import keygen, keyid, load_public_key

    private, public = keygen(ns.out, ns.name)
    kid = keyid(load_public_key(public))
    if ns.json:
        _print_json({"private": str(private), "public": str(public), "keyid": kid})
        return 0
    print(f"private key {private} (mode 0600: keep it secret)\npublic key  {public} (keyid {kid})")
    return 0


def _sign_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", help="a run folder (holding manifest.json), or one regulator package folder")
    p.add_argument("--key", required=True, metavar="KEY", help="the Ed25519 private key (PEM) from workbench keygen")
    p.add_argument("--signer", default=None, metavar='"NAME <EMAIL>"', help="who signs (recorded in the statement)")
    p.add_argument("--packages-only", action="store_true", help="sign only the run's regulator packages")
    p.add_argument("--json", action="store_true", help="print a JSON array, one object per folder signed")


@command("sign", "sign a verified run's manifest and its regulator packages' (in-toto statement in a DSSE envelope, "
                 "Ed25519) and write an RFC 3161 timestamp request", _sign_args)
def _sign(ns: argparse.Namespace) -> int:
    from workbench.attest import sign_run

    done = sign_run(ns.run_dir, ns.key, signer=ns.signer, packages_only=ns.packages_only)
    if ns.json:
        _print_json([{"folder": str(s.folder), "keyid": s.keyid, "signer": s.signer, "signed_at": s.signed_at,
                      "subjects": s.subjects, "envelope": str(s.envelope), "timestamp_request": str(s.request)}
                     for s in done])
        return 0
    for s in done:
        print(f"signed {s.folder}: {s.subjects} subject(s), keyid {s.keyid[:16]}, at {s.signed_at}"
              + (" (an old timestamp response removed)" if s.stale_response_removed else ""))
    print(f"{len(done)} folder(s) signed; send each {done[0].request.name} to a timestamping authority and save its "
          f"reply beside it as manifest.dsse.tsr (see docs/signing.md)")
    return 0


def _runs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "prune"],
                   help="list: every run folder with its status; prune: delete the oldest run folders beyond "
                        "the newest --keep N per case (never latest, a running run, or one younger than --min-age-hours)")
    p.add_argument("case_id", nargs="?", default=None, help="only this case's runs")
    p.add_argument("--case", default=None, dest="case_opt", metavar="CASE_ID", help="only this case's runs (as case_id)")
    p.add_argument("--out", default=None, help="folder of run folders (default: reports/ of the project)")
    p.add_argument("--json", action="store_true", help="print a JSON array (one object per run folder) instead of text")
    p.add_argument("--keep", type=int, default=None, metavar="N", help="prune: run folders to keep per case (at least 1)")
    p.add_argument("--min-age-hours", type=float, default=None, metavar="H",
                   help="prune: never delete a run younger than H hours (default 24; 0: any age)")
    p.add_argument("--dry-run", action="store_true", help="prune: print what would be removed, remove nothing")


@command("runs", "list run folders and their status (a killed run shows as incomplete), or prune old ones", _runs_args)
def _runs(ns: argparse.Namespace) -> int:
    import json

    from workbench.paths import REPORTS_DIR

    if ns.case_id and ns.case_opt and ns.case_id != ns.case_opt:
        raise WorkbenchError(f"two cases given: {ns.case_id} and --case {ns.case_opt}; give one")
    case_id = ns.case_opt or ns.case_id
    out = ns.out or REPORTS_DIR
    if ns.action == "list":
        from workbench.verify import list_runs

        if ns.keep is not None or ns.min_age_hours is not None or ns.dry_run:
            raise WorkbenchError("--keep, --min-age-hours and --dry-run belong to workbench runs prune")
        rows = list_runs(out, case_id)
        if ns.json:
            print(json.dumps(rows, indent=1))
        for r in rows if not ns.json else ():
            print(f"{r['case_id']:16} {r['run_id']:22} {r['state']:11} {r['finished_at'] or '-':21} {'latest' if r['latest'] else ''}")
        return 0
    from workbench.prune import DEFAULT_MIN_AGE_HOURS, prune_runs

    if ns.keep is None:
        raise WorkbenchError("workbench runs prune needs --keep N (run folders to keep per case)")
    decisions = prune_runs(out, ns.keep, case_id=case_id, dry_run=ns.dry_run,
                           min_age_hours=DEFAULT_MIN_AGE_HOURS if ns.min_age_hours is None else ns.min_age_hours)
    removed = [d for d in decisions if d.remove]
    if ns.json:
        print(json.dumps([{**d.to_json(), "removed": d.remove and not ns.dry_run} for d in decisions], indent=1))
        return 0
    verb = "would remove" if ns.dry_run else "removed"
    for d in removed:
        print(f"{verb} {d.path} ({d.state}, {d.reason})")
    print(f"{verb} {len(removed)} run folder(s); kept {len(decisions) - len(removed)}")
    return 0


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", help="a completed run folder (holding manifest.json; <case>/latest works)")
    p.add_argument("--packages", required=True, metavar="WHICH",
                   help="regulator packages to render into the run: codes such as US-CA,US-TX, with-findings or all "
                        "(regulators/index.json lists the ones the run left out)")
    p.add_argument("--workers", type=int, default=None, help="processes rendering PDFs (default: CPUs, at most 4)")
    p.add_argument("--json", action="store_true", help="print one JSON document: run_dir, packages, added, replaced, index")


@command("report", "render regulator packages a completed run left out, and record them in its manifest", _report_args)
def _report(ns: argparse.Namespace) -> int:
    from workbench.amend import add_packages_to_run

    a = add_packages_to_run(ns.run_dir, ns.packages, workers=ns.workers)
    if ns.json:
        import json

        print(json.dumps({"run_dir": str(a.run_dir), "packages": list(a.packages), "added": sorted(map(str, a.added)),
                          "replaced": sorted(map(str, a.replaced)), "index": str(a.run_dir / a.index)}, indent=2))
        return 0
    print(f"{a.run_dir}: {len(a.packages)} package(s) rendered: {', '.join(a.packages) or 'none'}; "
          f"{len(a.added)} file(s) added, {len(a.replaced)} replaced in manifest.json; list: {a.run_dir / a.index}")
    return 0


def _law_args(p: argparse.ArgumentParser) -> None:
    from workbench.law.cli import configure

    configure(p)


@command("law", "breach-notice law: show a rule, compute a deadline, list a case's deadlines", _law_args)
def _law(ns: argparse.Namespace) -> int:
    from workbench.law.cli import run

    return run(ns)


def _form4_args(p: argparse.ArgumentParser) -> None:
    from workbench.irregularities.cli import configure_form4

    configure_form4(p)


@command("form4", "print the transactions of SEC Form 4 XML filings (files or folders)", _form4_args)
def _form4(ns: argparse.Namespace) -> int:
    from workbench.irregularities.cli import run_form4

    return run_form4(ns)


def _links_args(p: argparse.ArgumentParser) -> None:
    from workbench.irregularities.cli import configure_links

    configure_links(p)


@command("links", "score URLs against official domains (look-alike detection, offline)", _links_args)
def _links(ns: argparse.Namespace) -> int:
    from workbench.irregularities.cli import run_links

    return run_links(ns)


def _register_args(p: argparse.ArgumentParser) -> None:
    from workbench.register.cli import configure

    configure(p)


@command("register", "regulator mode: judge a register of received breach notices against the law in force", _register_args)
def _register(ns: argparse.Namespace) -> int:
    from workbench.register.cli import run

    return run(ns)


def _synth_args(p: argparse.ArgumentParser) -> None:
    from workbench.synth.scenarios import DEFAULT_SCENARIO, SCENARIOS

    p.add_argument("--scenario", choices=SCENARIOS.names(), default=DEFAULT_SCENARIO,
                   help=f"which case to write (default {DEFAULT_SCENARIO}; see workbench.synth.scenarios)")
    p.add_argument("--people", type=int, default=None,
                   help="number of affected people (at least 200; equifax scenario, where it is required)")
    p.add_argument("--out", required=True, help="case folder to write (case.yaml, data/, truth.json)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed; same seed, same bytes (default: 2017 for equifax, 2023 for vendor)")
    p.add_argument("--chunk-rows", type=int, default=None, help="people per chunk / Parquet row group (default 500000)")
    p.add_argument("--force", action="store_true", help="overwrite a case.yaml in --out that the generator did not write")
    p.add_argument("--notices-format", choices=("csv", "parquet"), default="csv",
                   help="notices as CSV (default) or Parquet (sent_at a UTC timestamp; for population-scale cases)")
    p.add_argument("--to-db", default=None, metavar="URL",
                   help="also load the case into PostgreSQL (SQLAlchemy URL without password; credentials from "
                        "PGPASSWORD, a .env beside case.yaml or ~/.pgpass) and write case.postgres.yaml reading from it")
    p.add_argument("--db-schema", default=None, help="PostgreSQL schema for the tables (default: the search path)")
    p.add_argument("--json", action="store_true", help="print one JSON document: what was written (and loaded)")


@command("synth", "write a synthetic case with planted defects (and truth.json listing them)", _synth_args)
def _synth(ns: argparse.Namespace) -> int:
    from workbench.synth.scenarios import generate_scenario

    r = generate_scenario(ns.scenario, ns.out, people=ns.people, seed=ns.seed, chunk_rows=ns.chunk_rows,
                          force=ns.force, notices_format=ns.notices_format)
    if not ns.json:
        print(f"wrote {r.case_yaml} ({r.people} people, {r.rows['notices']} notices) in {r.seconds:.1f} s; "
              f"planted defects: {r.truth_path}")
    loaded = None
    if ns.to_db:
        from workbench.sqlload import load_case_folder

        loaded = load_case_folder(ns.out, ns.to_db, schema=ns.db_schema)
        if not ns.json:
            print(loaded.summary())
    if ns.json:
        from dataclasses import asdict

        _print_json({"scenario": ns.scenario, **asdict(r), "database": loaded and asdict(loaded)})
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description="Breach Audit Workbench")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        help_, configure, fn = COMMANDS.get(name)
        p = sub.add_parser(name, help=help_, description=help_)
        configure(p)
        p.set_defaults(_handler=fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if ns.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return ns._handler(ns)
    except WorkbenchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
