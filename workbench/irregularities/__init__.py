"""Irregularities: insider sales in the breach window, look-alike links, wrong notice letters,
awards in the crisis window.

Public API:

- :func:`workbench.form4.read_form4` ``(paths) -> (frame, errors)`` (the reader; below the checks)
- :func:`workbench.irregularities.trading.insider_sales` ``(trades, *, discovered, disclosed,
  before_days, after_days, look_back_days=30, lowest_close_days=10, prices=None,
  financial_results=None) -> list[Finding]``; the Rule 10b5-1 plan rules it applies are
  data, :func:`workbench.irregularities.plans.load_plan_rules` / ``plan_defence``;
  :func:`~workbench.irregularities.trading.price_chart` -> matplotlib Figure
- :func:`workbench.irregularities.filings.merge_amendments` ``(trades) -> (frame, notes)`` (Form 4/A
  applied transaction by transaction); :func:`~workbench.irregularities.filings.late_form4_filings`
  ``(trades) -> list[Finding]`` and :func:`~workbench.irregularities.filings.form4_timeliness`
  (the same with its table and notes)
- :func:`workbench.irregularities.event_study.market_model` ``(prices, index, *, disclosed,
  estimation_days=120, gap_days=10, window=(0, 1)) -> EventStudy`` (abnormal return on the
  disclosure window); :func:`~workbench.irregularities.event_study.loss_avoided_net_of_market`
  ``(shares, study) -> dict``
- :func:`workbench.irregularities.links.score_domain` ``(domain, official_domains) -> DomainScore``;
  :func:`~workbench.irregularities.links.lookalike_links` ``(messages, official_domains)``;
  :func:`~workbench.irregularities.links.check_urls` ``(urls, official_domains)``
- :func:`workbench.irregularities.letters.letter_problems` ``(people, notices, *, data_elements,
  official_domains, determined, timezone="UTC") -> list[Finding]`` (DuckDB SQL)
- :func:`workbench.irregularities.letter_content.letter_content` ``(letters, recipients, book, *,
  incident_elements, roles) -> (list[Finding], table)`` (each letter held against the content
  rules and remediation minimums of the law data; codes ``letter_content``, ``remediation_offer``);
  :func:`~workbench.irregularities.letter_content.parse_offer` ``(text) -> Offer``
- :func:`workbench.irregularities.compensation.awards_in_window` ``(comp, *, discovered,
  disclosed, window_days) -> list[Finding]``; :func:`~workbench.irregularities.compensation.counts_note`
  ``(comp) -> str | None`` (the rows that are not awards, counted)
- :class:`workbench.irregularities.stage.IrregularitiesStage` (the stage on the case store, what
  notebook 30 runs through :func:`workbench.stages.run`);
  :func:`workbench.irregularities.stage.run_stage` ``(case) -> Irregularities`` (the same on a
  case's raw inputs, through a temporary store)
"""
