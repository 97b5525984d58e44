"""The other jurisdictions a register row names: each judged for the notice to its residents.

A register filed with one attorney general may say where the other affected people live
(``residents_elsewhere``: ``US-NY=120; US-NJ=40``). The register evidences nothing about
those States' regulator notices, so each named code is judged for the **individual**
notice, on the register's ``individual_notified`` date (without it: not determinable, with
the due moment), by the same judge as the register's own code (:func:`judge_register`, the
engine's rule in force at that code's clock start). A code the law data does not hold is
``not_assessed``, never dropped. Pure: the accepted table in, a long table out (one row
per register row and code).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from workbench.law.rulebook import RuleBook
from workbench.register.judge import JUDGED_COLUMNS, JudgeStats, judge_register
from workbench.register.mapping import RegisterMapping

#: Columns of other_jurisdictions.csv.
ELSEWHERE_COLUMNS: tuple[str, ...] = ("source_row", "organisation", "discovered", "individual_notified",
                                      "residents_affected", *JUDGED_COLUMNS)


def judge_elsewhere(accepted: pd.DataFrame, mapping: RegisterMapping, book: RuleBook, *,
                    assessment_days: int = 30) -> tuple[pd.DataFrame, list[JudgeStats]]:
    """One row per (register row, named code): the individual notice judged in that code."""
    pairs = [(i, item.split("=")[0], int(item.split("=")[1]))
             for i, cell in zip(accepted.index, accepted["residents_elsewhere"]) if cell for item in cell.split(";")]
    if not pairs:
        return pd.DataFrame(columns=list(ELSEWHERE_COLUMNS)), []
    idx, codes, counts = zip(*pairs)
    long = accepted.loc[list(idx)].reset_index(drop=True)
    long["residents_affected"] = pd.array(counts, dtype="Int64")
    long["notified"] = long["individual_notified"]
    long["notified_reason"] = long["individual_notified_reason"]
    as_individual = replace(mapping, notified_obligation="individual")
    parts, stats = [], []
    for code in sorted(set(codes)):
        rows = long[[c == code for c in codes]]
        if code in book:
            judged, st = judge_register(rows, code, as_individual, book, assessment_days=assessment_days)
            stats.append(st)
        else:
            judged = rows.reset_index(drop=True).copy()
            for c in JUDGED_COLUMNS:
                judged[c] = ""
            judged["jurisdiction"], judged["obligation"], judged["status"] = code, "individual", "not_assessed"
            judged["status_reason"] = f"not assessed: {code} is not a code of the law data"
            judged["days_late"] = pd.NA
        parts.append(judged)
    out = pd.concat(parts, ignore_index=True).sort_values(["source_row", "jurisdiction"], kind="stable")
    return out.reset_index(drop=True)[list(ELSEWHERE_COLUMNS)], stats
