"""The irregularities stage: the four checks on the case store, with their display tables.

:class:`IrregularitiesStage` (run by :func:`workbench.stages.run`, what
``notebooks/30_irregularities.ipynb`` calls) reads the inputs from the run's case store,
runs each check whose inputs are present, and says "not assessed" (with the reason) for
the others. :func:`run_stage` runs the same on a case's raw inputs (a store is built in a
temporary folder): for tests and callers outside a run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import assessment
from workbench.assessment import Assessment
from workbench.findings import Finding, findings_frame, sort_findings
from workbench.stagebase import Stage, StageName, StageResult, register
from workbench.irregularities.compensation import awards_in_window, counts_note
from workbench.irregularities.event_study import EventStudy, market_adjusted, market_model
from workbench.irregularities.filings import LATE_COLUMNS, form4_timeliness
from workbench.irregularities.letter_content import TABLE_COLUMNS as CONTENT_COLUMNS, letter_content, recipients_sql
from workbench.irregularities.letters import letter_problems
from workbench.irregularities.links import lookalike_links
from workbench.irregularities.trading import (
    close_after, daily_closes, insider_sales, lowest_close_after, non_insider_sales, price_chart, trading_window,
)

log = logging.getLogger("workbench.irregularities.stage")

STAGE = StageName.IRREGULARITIES.value
#: Check names, in notebook order (keys of ``assessed`` and ``by_check``).
CHECKS: tuple[str, ...] = ("insider_trading", "lookalike_links", "notice_letters", "letter_content", "compensation")


#: Every table the stage shows, with its columns: present (maybe empty) whatever was assessed.
TABLE_COLUMNS: dict[str, list[str]] = {
    "insider_sales": ["insider", "check", "severity", "kind", "date", "filing_order", "document", "shares",
                      "underlying_shares", "exercise_price", "price", "price_source", "value", "shares_owned_after",
                      "shares_owned_other_lines", "holdings_before", "plan_10b5_1", "plan_adopted", "plan_modified",
                      "plan_defence", "exercise_and_sale", "reference_close_first", "reference_close_first_date",
                      "loss_avoided_first", "reference_close_lowest", "reference_close_lowest_date",
                      "loss_avoided_lowest", "loss_avoided_net_of_market", "loss_avoided_note"],
    "share_price_chart": ["date", "close"],
    "event_study": ["date", "stock_return", "market_return", "expected_return", "abnormal_return"],
    "linked_domains": ["where", "domain", "shown_as", "closest_official", "score", "reasons", "severity", "count"],
    "letter_problems": ["check", "severity", "people", "notices", "title"],
    "letter_content": CONTENT_COLUMNS,
    "awards_in_window": ["person", "title", "date", "kind", "amount_usd", "days_after_discovery",
                         "days_after_disclosure"],
    "late_form4_filings": LATE_COLUMNS,
}
#: The check each table belongs to (its "not assessed" reason is the table's).
TABLE_CHECK: dict[str, str] = {"insider_sales": "insider_trading", "share_price_chart": "insider_trading",
                               "event_study": "insider_trading",
                               "linked_domains": "lookalike_links", "letter_problems": "notice_letters",
                               "letter_content": "letter_content",
                               "awards_in_window": "compensation", "late_form4_filings": "insider_trading"}


@dataclass
class Irregularities:
    """What the stage found, per check, with the tables and chart the notebook shows (its view)."""

    by_check: dict[str, list[Finding]] = field(default_factory=dict)
    assessed: dict[str, Assessment] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=lambda: {
        name: pd.DataFrame(columns=cols) for name, cols in TABLE_COLUMNS.items()})
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

    def view(self, name: str, *, judged_only: bool = False) -> pd.DataFrame:
        """A table for display: the table itself, or one row saying why its check was not
        assessed (an empty table would look like a clean result). ``judged_only`` leaves out
        the rows whose ``judgement`` is ``not_assessed`` (the letter-content table)."""
        check = TABLE_CHECK.get(name)
        state = self.assessed.get(check) if check else None
        if state is not None and not state.is_assessed:
            return pd.DataFrame({"not assessed": [state.reason]})
        table = self.tables[name]
        if judged_only and "judgement" in table.columns:
            return table[table["judgement"] != "not_assessed"].reset_index(drop=True)
        return table

    def status(self) -> pd.DataFrame:
        """Per check: assessed or not, and why (what the notebook shows first)."""
        return assessment.status_frame(self.assessed)


def _missing(store, *names: str) -> Assessment | None:
    absent = [n for n in names if not store.has(n)]
    return assessment.input_absent(*absent) if absent else None


#: The columns the letters check reads, per input (``jurisdiction`` as the intake mapped it).
LETTER_COLUMNS = {"affected_people": ["person_id", "full_name", "data_elements", "jurisdiction"],
                  "notices": ["notice_id", "person_id", "channel", "sent_at", "recipient_name",
                              "data_elements_described", "links", "status"]}


def _chunks(store, name: str):
    """An input of the store as the letters check reads it: the columns it needs, scanned
    from the store's Parquet file by its DuckDB queries (bounded memory at any size)."""
    have = set(store.record(name).columns)
    return store.table(name, columns=[c for c in LETTER_COLUMNS[name] if c in have])


def load_trades(store) -> tuple[pd.DataFrame, list[str]]:
    """insider_trades from the store (a Form 4 folder keeps its provenance columns), and what
    could not be read: Form 4 files, and rows rejected with their reason (an invalid
    transaction date is a reject, never a silently dropped sale)."""
    rejects = store.rejects("insider_trades")
    errors = [r.reason if pd.isna(r.row) else f"{r.file}, row {int(r.row)}: {r.reason}"
              for r in rejects.itertuples(index=False)]
    return store.frame("insider_trades"), errors


def _notes(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return "; ".join(kept) or None


def event_study(store, case, prices) -> EventStudy:
    """The market-model event study of the disclosure (case.yaml ``parameters.event_study``),
    or why there is none: no market_index input, no disclosure date, or the study's own reason."""
    if not store.has("market_index"):
        return EventStudy(False, "no market_index input in case.yaml")
    if not case.incident.public_disclosure:
        return EventStudy(False, "no incident.public_disclosure")
    es = case.parameters.event_study
    return market_model(prices, store.frame("market_index"), disclosed=case.incident.public_disclosure,
                        estimation_days=es.estimation_trading_days, gap_days=es.gap_trading_days,
                        window=tuple(es.window))


def run_insider_trading(store, case, result: Irregularities) -> None:
    absent = _missing(store, "insider_trades")
    inc, params = case.incident, case.parameters
    if absent:
        result.assessed["insider_trading"] = absent
        return
    trades, result.form4_errors = load_trades(store)
    if len(trades) == 0:
        result.assessed["insider_trading"] = (
            assessment.not_assessed(f"no Form 4 file of insider_trades could be read ({len(result.form4_errors)} "
                                    "rejected)") if result.form4_errors else
            assessment.zero_rows("insider_trades", "no insider transaction was reported"))
        return
    prices = store.frame("share_prices") if store.has("share_prices") else None
    win = params.trading_window
    found = insider_sales(trades, discovered=inc.discovered, disclosed=inc.public_disclosure,
                          before_days=win.before_discovery_days, after_days=win.after_disclosure_days,
                          look_back_days=win.look_back_days, lowest_close_days=win.lowest_close_trading_days,
                          prices=prices, financial_results=case.organization.financial_results_filed)
    study = event_study(store, case, prices)
    found = market_adjusted(found, study)
    timeliness = form4_timeliness(trades)
    found = found + timeliness.findings
    result.by_check["insider_trading"] = found
    not_sales = int(((trades["transaction_code"].astype("str").str.strip().str.upper() == "S")
                     & ~(trades["shares"] > 0).fillna(False)).sum())
    _, conflicting = daily_closes(prices)
    loss_note = None
    if prices is None:
        loss_note = "no share_prices: loss avoided not estimated"
    elif not inc.public_disclosure:
        loss_note = "no incident.public_disclosure: loss avoided not estimated"
    else:
        why = close_after(prices, inc.public_disclosure)[2]
        why_low = lowest_close_after(prices, inc.public_disclosure, win.lowest_close_trading_days)[2]
        loss_note = (f"loss avoided not estimated: {why}" if why else
                     f"loss avoided against the lowest close not estimated: {why_low}" if why_low else None)
    others = non_insider_sales(trades)
    result.assessed["insider_trading"] = assessment.assessed(_notes(
        loss_note,
        f"{not_sales} sale row(s) with no or negative shares left out" if not_sales else None,
        f"{others} sale row(s) of reporting persons who are neither officer, director nor 10% owner left out "
        "(not insider sales)" if others else None,
        f"{len(conflicting)} date(s) with conflicting closes left out of the share prices" if conflicting else None,
        f"{len(result.form4_errors)} Form 4 file(s) could not be read" if result.form4_errors else None,
        (f"loss avoided net of the market not estimated: {study.reason}" if not study.computable
         and store.has("market_index") else None),
        *(f"event study: {n}" for n in study.notes),
        *timeliness.notes))
    result.tables["event_study"] = pd.DataFrame(study.rows, columns=TABLE_COLUMNS["event_study"])
    result.tables["insider_sales"] = pd.DataFrame(
        [{**s, "insider": s.get("insider", f.subject), "check": f.code, "severity": f.severity}
         for f in found if "sales" in f.evidence for s in f.evidence["sales"]],
        columns=TABLE_COLUMNS["insider_sales"])
    result.tables["late_form4_filings"] = timeliness.table
    window = trading_window(inc.discovered, inc.public_disclosure, before_days=win.before_discovery_days,
                            after_days=win.after_disclosure_days)
    result.chart_inputs = dict(prices=prices, trades=trades, discovered=inc.discovered,
                               disclosed=inc.public_disclosure, window=window,
                               title=f"{case.organization.ticker or case.organization.name}: "
                                     "share price and insider trades")
    if prices is not None:
        closes, _ = daily_closes(prices)
        result.tables["share_price_chart"] = pd.DataFrame(
            {"date": [d.date() for d in closes.index], "close": closes.to_numpy()}, columns=TABLE_COLUMNS["share_price_chart"])


def run_lookalike_links(store, case, result: Irregularities) -> None:
    absent = _missing(store, "communications")
    if absent:
        result.assessed["lookalike_links"] = absent
        return
    messages, read = store.frame("communications"), store.record("communications").rows_read
    if len(messages) == 0 and read:
        result.assessed["lookalike_links"] = assessment.input_empty("communications", read)
        return
    found = lookalike_links(messages, case.official_domains)
    result.by_check["lookalike_links"] = found
    result.assessed["lookalike_links"] = (
        assessment.zero_rows("communications", "no official message to check") if not len(messages) else
        assessment.assessed(None if case.official_domains else
                            "no official_domains in case.yaml: every linked domain counts as unofficial"))


def run_notice_letters(store, case, result: Irregularities) -> None:
    absent = _missing(store, "affected_people", "notices")
    if absent:
        result.assessed["notice_letters"] = absent
        return
    inc = case.incident
    if store.rows("affected_people") == 0:  # every notice would look misdirected: nothing to reconcile against
        result.assessed["notice_letters"] = assessment.not_assessed(
            "input affected_people has no accepted rows: no letter can be reconciled with a person")
        return
    found = letter_problems(_chunks(store, "affected_people"), _chunks(store, "notices"),
                            data_elements=inc.data_elements, official_domains=case.official_domains,
                            determined=inc.determined, timezone=case.parameters.timezone)
    result.by_check["notice_letters"] = found
    result.assessed["notice_letters"] = assessment.assessed(
        None if inc.determined else "no incident.determined: letters before determination not checked")
    result.tables["letter_problems"] = pd.DataFrame(
        [{"check": f.code, "severity": f.severity, "people": f.count, "notices": f.evidence.get("rows"),
          "title": f.title} for f in sort_findings(found)],
        columns=TABLE_COLUMNS["letter_problems"])


def run_letter_content(store, case, result: Irregularities) -> None:
    """Letters judged by their content and offer (:mod:`workbench.irregularities.letter_content`)."""
    absent = _missing(store, "letters", "notices", "affected_people")
    if absent:
        result.assessed["letter_content"] = absent
        return
    if store.rows("letters") == 0:
        result.assessed["letter_content"] = assessment.not_assessed(
            "input letters holds no letter file: no letter's content could be judged")
        return
    from workbench.law import load_rulebook

    con = store.connect()
    try:
        con.execute("CREATE TEMP VIEW n AS SELECT * FROM store.notices")
        con.execute("CREATE TEMP VIEW p AS SELECT * FROM store.affected_people")
        recipients = con.execute(recipients_sql(), {"tz": case.parameters.timezone}).df()
    finally:
        con.close()
    found, table = letter_content(store.frame("letters"), recipients, load_rulebook(),
                                  incident_elements=case.incident.data_elements, roles=case.organization.roles)
    result.by_check["letter_content"] = found
    result.tables["letter_content"] = table
    skipped = table[table["judgement"] == "not_assessed"]
    result.assessed["letter_content"] = assessment.assessed(
        f"{len(skipped)} (template, jurisdiction) pair(s) not assessed (no letter file, no notice using the letter, "
        "or no content rule in the law data): see the letter_content table" if len(skipped) else None)


def run_compensation(store, case, result: Irregularities) -> None:
    absent = _missing(store, "compensation")
    if absent:
        result.assessed["compensation"] = absent
        return
    inc = case.incident
    comp, read = store.frame("compensation"), store.record("compensation").rows_read
    if len(comp) == 0:
        result.assessed["compensation"] = (
            assessment.input_empty("compensation", read) if read else
            assessment.zero_rows("compensation", "no award was made"))
        return
    found = awards_in_window(comp, discovered=inc.discovered,
                             disclosed=inc.public_disclosure, window_days=case.parameters.crisis_window_days)
    result.by_check["compensation"] = found
    result.assessed["compensation"] = assessment.assessed(counts_note(comp))
    result.tables["awards_in_window"] = pd.DataFrame(
        [{"person": f.subject, "title": f.evidence.get("title"), **a} for f in found for a in f.evidence["awards"]],
        columns=TABLE_COLUMNS["awards_in_window"])


def _linked_domains(result: Irregularities) -> pd.DataFrame:
    rows = [{"where": "messages" if f.category == "lookalike_link" else "letters", "domain": f.subject,
             "shown_as": f.evidence.get("unicode"), "closest_official": f.evidence.get("closest_official"),
             "score": f.evidence.get("score"), "reasons": ", ".join(f.evidence.get("reasons", [])),
             "severity": f.severity, "count": f.count}
            for f in result.by_check.get("lookalike_links", []) + result.by_check.get("notice_letters", [])
            if "score" in f.evidence]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS["linked_domains"])


CHECK_RUNNERS = (run_insider_trading, run_lookalike_links, run_notice_letters, run_letter_content, run_compensation)


def irregularities(store) -> Irregularities:
    """Every irregularities check on a case store (reads the store, writes nothing)."""
    result = Irregularities()
    for run in CHECK_RUNNERS:
        run(store, store.case, result)
    result.tables["linked_domains"] = _linked_domains(result)
    return result


@register
class IrregularitiesStage(Stage):
    """30: insider trades, look-alike links, notice letters, awards in the crisis window."""

    name = StageName.IRREGULARITIES
    inputs = ("insider_trades", "share_prices", "market_index", "communications", "affected_people", "notices",
              "compensation", "letters")

    def run(self, store, case) -> StageResult:
        found = irregularities(store)
        return StageResult(self.name, found.findings, found.assessed, found.tables, view=found)


def run_stage(case) -> Irregularities:
    """Every irregularities check on a loaded case, read into a temporary case store.

    Parameters
    ----------
    case
        A :class:`workbench.case.Case` (``workbench.case.load_case(path)``).

    Returns
    -------
    Irregularities
        ``findings`` (all checks), ``by_check``, ``assessed`` (per check an
        :class:`~workbench.assessment.Assessment`: assessed, or not assessed with the reason),
        ``tables`` (every name of :data:`TABLE_COLUMNS`, empty where nothing was found or
        assessed; ``view(name)`` shows why), ``chart()`` (draws the share-price chart, or
        None) and ``form4_errors`` (Form 4 files that could not be read and
        insider_trades rows rejected, with their reasons).
    """
    import tempfile

    from workbench.store import build_store

    with tempfile.TemporaryDirectory(prefix="workbench-irregularities-") as folder:
        return irregularities(build_store(case, folder))


def save_chart(result: Irregularities, run_dir: str | Path, stage: str = STAGE) -> Path | None:
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
