"""``workbench register audit`` end to end on a tiny register: every output file, reconciled counts."""

import json
from pathlib import Path

from workbench.cli import main
from workbench.findings import Finding
from workbench.register.audit import OUTPUT_FILES

FIX = Path(__file__).parent / "fixtures"


def test_the_cli_writes_every_output_and_the_counts_reconcile(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["register", "audit", str(FIX / "tiny_register.csv"), "--jurisdiction", "US-WA", "--out", str(out)])
    assert rc == 0
    assert {p.name for p in out.iterdir()} == set(OUTPUT_FILES.values())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == {"read": 5, "accepted": 4, "rejected": 1, "reconciles": True}
    assert summary["status_counts"]["late"] == 2 and summary["status_counts"]["on_time"] == 1
    assert summary["status_counts"]["not_determinable"] == 1 and summary["status_counts"]["rejected"] == 1
    assert summary["status_by_year"]["2020"] == {"on_time": 1, "late": 2, "not_determinable": 1}
    assert summary["incidents"]["amendment"] == 1 and summary["data_types"]["unmatched_terms"] == {"shoe size": 1}
    assert "not legal advice" in summary["disclaimer"]
    judged = (out / "judged_register.csv").read_text().splitlines()
    assert len(judged) == 1 + 5  # every input row, accepted or rejected
    rejects = (out / "rejects.csv").read_text().splitlines()
    assert len(rejects) == 2 and "2020-13-40" in rejects[1]
    doc = json.loads((out / "findings.json").read_text())
    late = [Finding.from_dict(f) for f in doc["findings"] if f["category"] == "regulator_notice"]
    # the amendment (row 3) is late too, but the incident's finding is its first filing's
    assert [f.evidence["source_row"] for f in late] == [2]
    assert late[0].citation == "RCW 19.255.010" and "1 later filing" in late[0].detail
    printed = capsys.readouterr().out
    assert "5 row(s) read = 4 accepted + 1 rejected (reconciles)" in printed and "not legal advice" in printed


def test_bad_input_exits_2_naming_the_file(tmp_path, capsys):
    p = tmp_path / "no_org_column.csv"
    p.write_text("name,notified\nA,2020-01-01\n")
    assert main(["register", "audit", str(p), "--jurisdiction", "US-WA", "--out", str(tmp_path / "o")]) == 2
    assert "no_org_column.csv, row 1, field 'organisation'" in capsys.readouterr().err


def test_an_unknown_mapping_exits_2_listing_the_builtins(capsys):
    assert main(["register", "audit", str(FIX / "tiny_register.csv"), "--jurisdiction", "US-WA",
                 "--mapping", "nowhere"]) == 2
    assert "us-wa-ag" in capsys.readouterr().err


def test_json_summary_and_the_mapping_list(tmp_path, capsys):
    assert main(["register", "audit", str(FIX / "tiny_register.csv"), "--jurisdiction", "US-WA",
                 "--out", str(tmp_path / "o"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["read"] == 5
    assert main(["register", "mappings"]) == 0
    assert "us-ca-oag" in capsys.readouterr().out
