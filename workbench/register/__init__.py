"""Regulator mode: judge a register of received breach notices against the law in force.

Public API::

    from workbench.register import load_mapping, read_register, judge_register, audit_register
    m = load_mapping("us-wa-ag")                  # or a MAP.yaml path; builtin_mappings() lists names
    r = read_register("register.csv", m)          # accepted + rejects, read = accepted + rejected
    judged = judge_register(r.accepted, "US-WA", m, book)   # status, due, days late, citation per row
    audit_register("register.csv", "US-WA", mapping="us-wa-ag", out="out/")   # every output file
    # the whole register seen (tables, charts) and the regulator's report:
    # workbench.register.run.run_registers (overview, report, manifest)

The mode and its outputs: docs/register.md. Not legal advice.
"""

from workbench.register.audit import RegisterAudit, assess, audit_register, write_audit
from workbench.register.dates import DATE_PATTERNS, parse_date, parse_span
from workbench.register.datatypes import load_synonyms, normalise_data_types
from workbench.register.mapping import FIELDS, RegisterMapping, builtin_mappings, load_mapping
from workbench.register.duplicates import flag_duplicates, organisation_key
from workbench.register.elsewhere import judge_elsewhere
from workbench.register.judge import STATUSES, JudgeStats, judge_register
from workbench.register.read import RegisterRead, read_register

__all__ = [
    "DATE_PATTERNS", "FIELDS", "JudgeStats", "RegisterAudit", "RegisterMapping", "RegisterRead", "STATUSES",
    "assess", "audit_register", "builtin_mappings", "flag_duplicates", "judge_elsewhere", "judge_register", "load_mapping",
    "load_synonyms", "normalise_data_types", "organisation_key", "parse_date", "parse_span", "read_register",
    "write_audit",
]
