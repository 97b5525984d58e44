"""The irregularities stage: read a case's inputs, run the four checks, gather display tables.

``run_stage(case)`` is what ``notebooks/30_irregularities.ipynb`` calls (and what tests
call): it reads the inputs through :mod:`workbench.sources`, runs each check whose inputs
are present, and says "not assessed" (with the reason) for the others. It writes nothing;
the notebook writes the findings and tables with :mod:`workbench.artifacts`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.findings import Finding, findings_frame, sort_findings
from workbench.irregularities.compensation import awards_in_window
from workbench.irregularities.letters import letter_problems
from workbench.irregularities.links import lookalike_links
from workbench.irregularities.trading import insider_sales, price_chart, trading_window

log = logging.getLogger("workbench.irregularities.stage")

STAGE = "30_irregularities"
#: Check names, in notebook order (keys of ``assessed`` and ``by_check``).
CHECKS: tuple[str, ...] = ("insider_trading", "lookalike_links", "notice_letters", "compensation")


@dataclass
class StageResult:
    """What the stage found, per check, with the tables and chart the notebook shows."""

    by_check: dict[str, list[Finding]] = field(default_factory=dict)
    assessed: dict[str, str] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    form4_errors: list[str] = field(default_factory=list)
    #: What the share-price chart is drawn from (kept so the chart is drawn where it is shown).
    chart_inputs: dict[str, Any] | None = None

    def chart(self):
        """The share-price chart with discovery, disclosure and the trades (None without trades)."""
        return price_chart(**self.chart_inputs) if self.chart_inputs else None

    @property
    def findings(self) -> list[Finding]:
        return sort_findings(f for fs in self.by_check.values() for f in fs)

    def frame(self, check: str | None = None) -> pd.DataFrame:
        """Findings (of one check, or all) as a table for display."""
        return findings_frame(self.findings if check is None else self.by_check.get(check, []))


def _missing(case, *names: str) -> str | None:
    absent = [n for n in names if case.input_spec(n) is None]
    return f"not assessed: input {', '.join(absent)} absent from case.yaml" if absent else None


def _load(case, name: str) -> pd.DataFrame:
    from workbench.sources import read_input

    return read_input(case, name, with_hash=False).frame


#: The columns the letters check reads, per input.
LETTER_COLUMNS = {"affected_people": ["person_id", "full_name", "data_elements", "country", "region"],
                  "notices": ["notice_id", "person_id", "channel", "sent_at", "recipient_name",
                              "data_elements_described", "links", "status"]}


def _table_ref(case, name: str):
    """An input as typed chunks from :mod:`workbench.sources` (only the columns the letters
    check reads), which the check appends to a DuckDB table: bounded memory at any size,
    and the same parser and rejects as every stage."""
    from workbench.sources import iter_input

    return (part.frame for part in iter_input(case, name, with_hash=False, columns=LETTER_COLUMNS[name]))


def load_trades(case) -> tuple[pd.DataFrame, list[str]]:
    """insider_trades of a case, read by sources (a Form 4 folder keeps its provenance
    columns), and what could not be read: Form 4 files, and rows rejected with their reason
    (an invalid transaction date is a reject, never a silently dropped sale)."""
    from workbench.sources import read_input

    read = read_input(case, "insider_trades", with_hash=False)
    errors = [r.reason if pd.isna(r.row) else f"{r.file}, row {int(r.row)}: {r.reason}"
              for r in read.rejects.itertuples(index=False)]
    return read.frame, errors


def run_insider_trading(case, result: StageResult) -> None:
    reason = _missing(case, "insider_trades")
    inc, params = case.incident, case.parameters
    if reason:
        result.assessed["insider_trading"] = reason
        return
    trades, result.form4_errors = load_trades(case)
    prices = _load(case, "share_prices") if case.input_spec("share_prices") is not None else None
    win = params.trading_window
    found = insider_sales(trades, discovered=inc.discovered, disclosed=inc.public_disclosure,
                          before_days=win.before_discovery_days, after_days=win.after_disclosure_days,
                          prices=prices)
    result.by_check["insider_trading"] = found
    result.assessed["insider_trading"] = "assessed" + (
        "" if prices is not None else " (no share_prices: loss avoided not estimated)")
    result.tables["insider_sales"] = pd.DataFrame(
        [{"insider": f.subject, "check": f.code, "severity": f.severity, **s} for f in found for s in f.evidence["sales"]],
        columns=["insider", "check", "severity", "date", "shares", "price", "value", "shares_owned_after",
                 "plan_10b5_1", "exercise_and_sale", "loss_avoided", "document"])
    window = trading_window(inc.discovered, inc.public_disclosure, before_days=win.before_discovery_days,
                            after_days=win.after_disclosure_days)
    result.chart_inputs = dict(prices=prices, trades=trades, discovered=inc.discovered,
                               disclosed=inc.public_disclosure, window=window,
                               title=f"{case.organization.ticker or case.organization.name}: "
                                     "share price and insider trades")
    if prices is not None:
        result.tables["share_price_chart"] = prices[["date", "close"]].sort_values("date").reset_index(drop=True)


def run_lookalike_links(case, result: StageResult) -> None:
    reason = _missing(case, "communications")
    if reason:
        result.assessed["lookalike_links"] = reason
        return
    found = lookalike_links(_load(case, "communications"), case.official_domains)
    result.by_check["lookalike_links"] = found
    result.assessed["lookalike_links"] = "assessed" if case.official_domains else \
        "assessed (no official_domains in case.yaml: every linked domain counts as unofficial)"


def run_notice_letters(case, result: StageResult) -> None:
    reason = _missing(case, "affected_people", "notices")
    if reason:
        result.assessed["notice_letters"] = reason
        return
    inc = case.incident
    found = letter_problems(_table_ref(case, "affected_people"), _table_ref(case, "notices"),
                            data_elements=inc.data_elements, official_domains=case.official_domains,
                            determined=inc.determined, timezone=case.parameters.timezone)
    result.by_check["notice_letters"] = found
    result.assessed["notice_letters"] = "assessed" + (
        "" if inc.determined else " (no incident.determined: letters before determination not checked)")
    result.tables["letter_problems"] = pd.DataFrame(
        [{"check": f.code, "severity": f.severity, "people": f.count, "notices": f.evidence.get("rows"),
          "title": f.title} for f in sort_findings(found)],
        columns=["check", "severity", "people", "notices", "title"])


def run_compensation(case, result: StageResult) -> None:
    reason = _missing(case, "compensation")
    if reason:
        result.assessed["compensation"] = reason
        return
    inc = case.incident
    found = awards_in_window(_load(case, "compensation"), discovered=inc.discovered,
                             disclosed=inc.public_disclosure, window_days=case.parameters.crisis_window_days)
    result.by_check["compensation"] = found
    result.assessed["compensation"] = "assessed"
    result.tables["awards_in_window"] = pd.DataFrame(
        [{"person": f.subject, "title": f.evidence.get("title"), **a} for f in found for a in f.evidence["awards"]],
        columns=["person", "title", "date", "kind", "amount_usd", "days_after_discovery", "days_after_disclosure"])


def _linked_domains(result: StageResult) -> pd.DataFrame:
    rows = [{"where": "messages" if f.category == "lookalike_link" else "letters", "domain": f.subject,
             "shown_as": f.evidence.get("unicode"), "closest_official": f.evidence.get("closest_official"),
             "score": f.evidence.get("score"), "reasons": ", ".join(f.evidence.get("reasons", [])),
             "severity": f.severity, "count": f.count}
            for f in result.by_check.get("lookalike_links", []) + result.by_check.get("notice_letters", [])
            if "score" in f.evidence]
    return pd.DataFrame(rows, columns=["where", "domain", "shown_as", "closest_official", "score", "reasons",
                                       "severity", "count"])


def run_stage(case) -> StageResult:
    """Run every irregularities check on a loaded case.

    Parameters
    ----------
    case
        A :class:`workbench.case.Case` (``workbench.case.load_case(path)``).

    Returns
    -------
    StageResult
        ``findings`` (all checks), ``by_check``, ``assessed`` (per check "assessed" or
        "not assessed: <reason>"), ``tables`` (insider_sales, share_price_chart,
        linked_domains, letter_problems, awards_in_window), ``chart()`` (draws the
        share-price chart, or None) and ``form4_errors`` (Form 4 files that could not be read and
        insider_trades rows rejected, with their reasons).
    """
    result = StageResult()
    for run in (run_insider_trading, run_lookalike_links, run_notice_letters, run_compensation):
        run(case, result)
    result.tables["linked_domains"] = _linked_domains(result)
    return result


def save_chart(result: StageResult, run_dir: str | Path, stage: str = STAGE) -> Path | None:
    """Save the share-price chart as PNG beside its numbers (the ``share_price_chart`` table)."""
    import matplotlib.pyplot as plt

    from workbench.artifacts import artifacts_dir

    fig = result.chart()
    if fig is None:
        return None
    png = artifacts_dir(run_dir) / f"{stage}.share_price_chart.png"
    try:
        fig.savefig(png, dpi=110)
    finally:
        plt.close(fig)
    return png
