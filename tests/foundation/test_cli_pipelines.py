"""A command line that fits in pipelines: ``--version``, ``python -m workbench``, ``--json``
on every command that prints results, exit codes a scheduler can act on."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from importlib import metadata

import pytest

import workbench
from workbench.cli import main
from workbench.manifest import MANIFEST_SCHEMA_VERSION, output_files, write_manifest
from workbench.paths import PACKAGE_DIR

OFFICIAL = "equifax.com"
LOOKALIKE = "https://equifaxsecurity2017.com/enroll"  # an added word: high (0.88), not a near copy
UNRELATED = "trustedidpremier.com"                   # low


# --------------------------------------------------------------------------- version, python -m

def test_version_prints_the_installed_version_and_exits_0(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"workbench {workbench.version()}\n"


def test_the_version_comes_from_the_distribution_else_the_package(monkeypatch):
    monkeypatch.setattr(metadata, "version", lambda name: {workbench.DISTRIBUTION: "9.8.7"}[name])
    assert workbench.version() == "9.8.7"

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert workbench.version() == workbench.__version__


def test_python_dash_m_workbench_is_the_same_command(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_DIR.parent)}
    r = subprocess.run([sys.executable, "-m", "workbench", "--version"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    assert (r.returncode, r.stdout) == (0, f"workbench {workbench.version()}\n"), r.stderr
    r = subprocess.run([sys.executable, "-m", "workbench", "links", "check", "--official", OFFICIAL, LOOKALIKE,
                        "--fail-on", "high"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 3 and r.stdout.startswith("high"), r.stderr


# --------------------------------------------------------------------------- links check

@pytest.mark.parametrize("threshold, code", [("critical", 0), ("high", 3), ("0.8", 3), ("0.88", 3), ("0.9", 0),
                                             ("low", 3)])
def test_links_check_exits_3_when_a_url_is_at_or_above_fail_on(capsys, threshold, code):
    assert main(["links", "check", "--official", OFFICIAL, LOOKALIKE, "--fail-on", threshold]) == code
    err = capsys.readouterr().err
    assert ("at or above" in err) == (code == 3)


def test_links_check_without_fail_on_exits_0_and_an_official_domain_never_trips(capsys):
    assert main(["links", "check", "--official", OFFICIAL, LOOKALIKE]) == 0
    assert main(["links", "check", "--official", OFFICIAL, "https://www.equifax.com/x", "--fail-on", "0"]) == 0
    assert main(["links", "check", "--official", OFFICIAL, UNRELATED, "--fail-on", "medium"]) == 0
    assert main(["links", "check", "--official", OFFICIAL, UNRELATED, "--fail-on", "low"]) == 3


def test_links_check_reads_urls_from_a_file_and_standard_input_in_order(tmp_path, monkeypatch, capsys):
    listed = tmp_path / "urls.txt"
    listed.write_text(f"# from the notice letters\n{LOOKALIKE}\n\n  {UNRELATED}  \n", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("equifax.com\n"))
    assert main(["links", "check", "--json", "--official", OFFICIAL, "examp1e.com", "-", "--from", str(listed)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["url"] for r in rows] == ["examp1e.com", "equifax.com", LOOKALIKE, UNRELATED]


def test_links_check_with_no_url_or_an_unreadable_list_is_exit_2_saying_what_was_expected(tmp_path, capsys):
    assert main(["links", "check", "--official", OFFICIAL]) == 2
    assert "expected URLs as arguments, --from FILE, or - to read them from standard input" in capsys.readouterr().err
    assert main(["links", "check", "--official", OFFICIAL, "--from", str(tmp_path / "missing.txt")]) == 2
    assert "missing.txt: cannot read the URL list" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["severe", "1.5", "-0.1"])
def test_an_unknown_fail_on_is_a_usage_error_listing_the_severities(capsys, bad):
    with pytest.raises(SystemExit) as stop:
        main(["links", "check", "--official", OFFICIAL, LOOKALIKE, "--fail-on", bad])
    assert stop.value.code == 2
    assert "expected a severity (critical, high, medium, low, info) or a score between 0 and 1" in capsys.readouterr().err


# --------------------------------------------------------------------------- --json

def test_case_check_json_is_the_validated_case(minimal_case, capsys):
    assert main(["case", "check", "--json", str(minimal_case)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["case_id"] == "MINI-2017" and doc["case_yaml"] == str(minimal_case)
    assert doc["incident"]["discovered"] == "2017-07-29"
    assert doc["inputs"]["notices"] == "data/notices.csv" and doc["inputs"]["insider_trades"] is None


def test_case_check_json_of_an_invalid_case_lists_the_problems_and_exits_2(minimal_case, capsys):
    (minimal_case.parent / "data" / "notices.csv").write_text("notice_id;person_id\n")
    assert main(["case", "check", "--json", str(minimal_case)]) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["ok"] is False and len(doc["problems"]) == 1 and "separated by ';'" in doc["problems"][0]
    assert err == ""


def test_case_check_json_shows_database_urls_without_credentials(minimal_case, capsys):
    from tests.conftest import edit_case

    edit_case(minimal_case, **{"inputs.notices": {"url": "postgresql+psycopg://auditor@db.example/breach?sslmode=require",
                                                  "table": "notices"}})
    assert main(["case", "check", "--json", str(minimal_case)]) == 0
    notices = json.loads(capsys.readouterr().out)["inputs"]["notices"]
    assert notices["url"] == "postgresql+psycopg://auditor@db.example/breach?sslmode=require"
    assert notices["table"] == "notices"


def _tiny_run(tmp_path):
    run_dir = tmp_path / "run"
    (run_dir / "artifacts").mkdir(parents=True)
    (run_dir / "artifacts" / "findings.json").write_text("[]\n")
    write_manifest(run_dir, {"schema_version": MANIFEST_SCHEMA_VERSION, "case_id": "TINY", "run_id": "run",
                             "status": "completed", "started_at": "2018-03-01T00:00:00Z",
                             "finished_at": "2018-03-01T00:01:00Z", "inputs": {}, "outputs": output_files(run_dir)})
    return run_dir


def test_verify_json_of_an_intact_and_of_a_changed_run(tmp_path, capsys):
    run_dir = _tiny_run(tmp_path)
    assert main(["verify", "--json", str(run_dir)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True and doc["compare"] is None and doc["verify"]["differences"] == []
    assert doc["verify"]["checked_outputs"] >= 1
    (run_dir / "artifacts" / "findings.json").write_text("[1]\n")
    assert main(["verify", "--json", str(run_dir)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert [(d["kind"], d["path"]) for d in doc["verify"]["differences"]] == [("output_changed", "artifacts/findings.json")]


def test_law_deadlines_json_is_format_json(minimal_case, capsys):
    assert main(["law", "deadlines", str(minimal_case), "--format", "json"]) == 0
    formatted = json.loads(capsys.readouterr().out)
    assert main(["law", "deadlines", str(minimal_case), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == formatted


def test_synth_json_says_what_it_wrote(tmp_path, capsys):
    assert main(["synth", "--people", "200", "--out", str(tmp_path / "case"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["case_yaml"] == str(tmp_path / "case" / "case.yaml") and doc["people"] == 200
    assert doc["rows"]["notices"] > 0 and doc["database"] is None and doc["scenario"] == "equifax"
