"""Hold a run's published findings to its synthetic case's truth.json: every planted defect is
stated by exactly one finding, no two findings state one fact, and no negative control is
reported above info. Used by the slow test and by hand on bigger cases:

    PYTHONPATH=. python -m tests.foundation.one_fact_once CASE_DIR RUN_DIR
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

#: Per planted defect kind: the (category, check code) that states it, and whether one finding
#: is expected per jurisdiction of the defect ("jurisdiction") or per distinct person named in
#: its ids ("person": insiders, award recipients: distinct people are distinct facts), else one.
KINDS: dict[str, tuple[str, str, str | None]] = {
    "invalid_email": ("data_quality", "dq.affected_people.email_format", None),
    "invalid_zip": ("data_quality", "dq.affected_people.us_zip_format", None),
    "unknown_region": ("data_quality", "dq.affected_people.us_region_valid", None),
    "duplicate_person_id": ("data_quality", "dq.affected_people.person_id_unique", None),
    "late_notice": ("notice_timeliness", "late_notice", "jurisdiction"),
    "missing_notice": ("notice_timeliness", "missing_notice", "jurisdiction"),
    "not_owed_notice": ("notice_timeliness", "not_owed_notice", "jurisdiction"),
    "duplicate_notice": ("notice_letter", "duplicate_notice", None),
    "notice_to_unaffected": ("notice_letter", "notice_to_unaffected", None),
    "fewer_data_elements": ("notice_letter", "fewer_data_elements", None),
    "misspelled_name": ("notice_letter", "misspelled_name", None),
    "wrong_recipient_name": ("notice_letter", "wrong_recipient_name", None),
    "notice_before_determination": ("notice_letter", "notice_before_determination", None),
    "letter_lookalike_link": ("notice_letter", "letter_lookalike_link", None),
    "regulator_notice_missing": ("regulator_notice", "regulator_notice_missing", "jurisdiction"),
    "regulator_notice_late": ("regulator_notice", "regulator_notice_late", "jurisdiction"),
    "residents_reported_mismatch": ("regulator_notice", "residents_reported_mismatch", "jurisdiction"),
    "insider_sale_in_window": ("insider_trading", "insider_sale_in_window", "person"),
    "insider_sale_in_window_10b5_1": ("insider_trading", "insider_sale_in_window_10b5_1", "person"),
    "lookalike_link": ("lookalike_link", "lookalike_link", None),
    "award_in_crisis_window": ("compensation", "award_in_crisis_window", "person"),
}
#: Letter-content checks, held to ``truth["letter_defects"]`` per (template, jurisdiction).
LETTER_CONTENT_CODES = ("letter_content", "remediation_offer")
#: Findings no defect is planted for but that a correct run states (informational counts).
EXPLAINED_INFO = {"elements_not_assessed", "third_party_link", "pending_notice", "regulator_notice_pending",
                  "cra_notice_pending", "media_notice_pending"}


def _expected(defect: dict) -> Counter:
    category, code, per = KINDS[defect["kind"]]
    if per == "jurisdiction":
        return Counter({(category, code, defect["jurisdiction"]): 1})
    if per == "person":
        return Counter({(category, code, name): 1 for name in {i.split("|")[0] for i in defect["ids"]}})
    return Counter({(category, code, None): 1})


def _key(f: dict, per: str | None):
    if per == "template":
        return (f["subject"], f["jurisdiction"])
    if per == "jurisdiction":
        return f["jurisdiction"]
    if per == "person":
        return _person(f["subject"])
    return None


def _person(subject: str) -> str:
    """An insider's Form 4 name ("Whitfield Jordan A") or a full name, as a set of name parts."""
    return " ".join(sorted(p.strip(".,").lower() for p in (subject or "").split()))


def problems(truth: dict, findings: list[dict]) -> list[str]:
    """What breaks "one fact, one finding" (empty when the run holds to the truth)."""
    out: list[str] = []
    expected: Counter = Counter()
    for d in truth["defects"]:
        if d.get("control"):
            continue
        if d["kind"] not in KINDS:
            out.append(f"planted kind {d['kind']!r} has no expected finding in KINDS")
            continue
        for (cat, code, key), n in _expected(d).items():
            expected[(cat, code, _person(key) if KINDS[d["kind"]][2] == "person" else key)] += n
    # letter content (truth["letter_defects"]): one finding per template, jurisdiction and code
    for d in truth.get("letter_defects", []):
        expected[("notice_letter", d["code"], (d["template"], d["jurisdiction"]))] = 1
    by_code = {(c, k): per for c, k, per in KINDS.values()}
    by_code.update({("notice_letter", code): "template" for code in LETTER_CONTENT_CODES})
    stated: Counter = Counter()
    for f in findings:
        code = f["evidence"]["check"]
        per = by_code.get((f["category"], code))
        if per is None and (f["category"], code) not in by_code:
            if f["severity"] != "info" and code not in EXPLAINED_INFO:
                out.append(f"finding {f['id']} ({f['category']}.{code}, {f['severity']}) states no planted defect")
            continue
        stated[(f["category"], code, _key(f, per))] += 1
    for key, n in sorted(expected.items(), key=str):
        if stated[key] != 1:
            out.append(f"planted {key} is stated by {stated[key]} finding(s), expected exactly 1")
    for key, n in sorted(stated.items(), key=str):
        if key not in expected:
            out.append(f"{key} is stated by {n} finding(s) but nothing of the kind was planted")
    for f in findings:
        if not (f.get("basis") or {}).get("text") or not (f.get("basis") or {}).get("ref"):
            out.append(f"finding {f['id']} has no basis")
        if not f.get("unit"):
            out.append(f"finding {f['id']} has no unit")
    return out


def check(case_dir: str | Path, run_dir: str | Path) -> list[str]:
    truth = json.loads((Path(case_dir) / "truth.json").read_text(encoding="utf-8"))
    findings = json.loads((Path(run_dir) / "findings.json").read_text(encoding="utf-8"))["findings"]
    return problems(truth, findings)


if __name__ == "__main__":  # pragma: no cover
    found = check(sys.argv[1], sys.argv[2])
    print("\n".join(found) if found else "every planted defect is stated exactly once; every finding has a basis")
    sys.exit(1 if found else 0)
