r"""An event study of the disclosure: the abnormal return, and the loss avoided net of the market.

A sale before bad news avoids the fall of the share price, but part of that fall may be the
market's own move on those days. Where the case gives a market index (input
``market_index``), the market model separates the two (the method securities-fraud experts
use; MacKinlay, "Event Studies in Economics and Finance", J. Econ. Lit. 35 (1997) 13-39).

Method (also in ``docs/methods/event_study.md``, with the same symbols):

1. **One close per day, on the days of both series.** Each series is reduced to one close per
   day (:func:`workbench.irregularities.trading.daily_closes`: a date given twice with the
   same close counts once, with different closes it is left out; a close of zero or less
   is left out and counted). The two are joined on the
   date: a day with a close in only one series is skipped, and the next return spans it
   (``gaps`` counts those days over the span the study uses).
2. **Returns.** On the joined days :math:`t = 1..T`, simple daily returns
   :math:`R_t = P_t / P_{t-1} - 1` for the stock and :math:`R_{m,t} = I_t / I_{t-1} - 1` for
   the index.
3. **Event day and window.** Day 0 is the first joined day on or after the disclosure date
   (a disclosure on a Saturday has day 0 on the Monday). The event window is
   :math:`[\tau_1, \tau_2]` in joined trading days relative to day 0 (default ``(0, 1)``:
   the disclosure day and the next), :math:`L = \tau_2 - \tau_1 + 1` days.
4. **Estimation window.** The :math:`N` = ``estimation_days`` returns (fewer when the series
   starts later; at least ``min_returns``) ending ``gap_days`` trading days before the window
   starts, so the news cannot leak into the estimate.
5. **Market model**, ordinary least squares on the estimation window:
   :math:`R_t = \alpha + \beta R_{m,t} + \varepsilon_t`, giving :math:`\hat\alpha`,
   :math:`\hat\beta`, :math:`R^2` and the residual standard deviation
   :math:`\hat\sigma = \sqrt{\sum_t \hat\varepsilon_t^2 / (N - 2)}`.
6. **Abnormal return** on each window day: :math:`AR_t = R_t - (\hat\alpha + \hat\beta R_{m,t})`;
   cumulative abnormal return :math:`CAR = \sum_{t=\tau_1}^{\tau_2} AR_t`, and its t statistic
   :math:`t = CAR / (\hat\sigma \sqrt{L})` (:math:`|t| > 1.96`: significant at 5 %, two-sided,
   ignoring the estimation error of :math:`\hat\alpha, \hat\beta`).
7. **Loss avoided net of the market** for :math:`n` shares sold before the news:
   :math:`n \times P_{\tau_1 - 1} \times \max(0, -CAR)`, with :math:`P_{\tau_1 - 1}` the stock's
   close on the last joined day before the window. A CAR of zero or more (the share fell no
   more than the market model predicts) is no abnormal decline: nothing avoided net of the
   market.

What cannot be computed is said, never a number that looks clean: :func:`market_model` returns
an :class:`EventStudy` with ``computable=False`` and the reason (no index or prices, too few
estimation returns, no trading day on or after the disclosure, window days missing, a date
with conflicting closes where the window needs it, an index that never moved).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from workbench.irregularities.trading import daily_closes

#: The loss-avoided formula, as it is shown beside the number.
LOSS_FORMULA = "shares x close before the window x max(0, -CAR)"


@dataclass(frozen=True)
class EventStudy:
    """A market-model event study of one disclosure (see the module docstring for the method).

    ``computable`` is False with ``reason`` when a number could not be given; the fields
    found before the cause are kept (the event day, the window days...).
    """

    computable: bool
    reason: str | None
    event_day: dt.date | None = None
    window: tuple[int, int] = (0, 1)
    window_days: list[dt.date] = field(default_factory=list)
    estimation_start: dt.date | None = None
    estimation_end: dt.date | None = None
    n_estimation: int = 0
    alpha: float | None = None
    beta: float | None = None
    r_squared: float | None = None
    residual_sd: float | None = None
    rows: list[dict] = field(default_factory=list)
    car: float | None = None
    t_stat: float | None = None
    close_before: dict | None = None
    #: Days with a close in only one of the two series, skipped, between the first close the
    #: study uses and the end of the window (each return across one spans it).
    gaps: int = 0
    #: Dates with conflicting closes (either series) left out over that span.
    conflicting_dates: list[dt.date] = field(default_factory=list)
    #: Closes of zero or less (either series, anywhere) left out: no return can be taken from them.
    non_positive_closes: int = 0

    @property
    def notes(self) -> list[str]:
        """What was skipped or left out to compute the study, one line each."""
        out = []
        if self.gaps:
            out.append(f"{self.gaps} day(s) with a close in only one series skipped (the return spans each)")
        if self.conflicting_dates:
            out.append(f"{len(self.conflicting_dates)} date(s) with conflicting closes left out: "
                       + ", ".join(d.isoformat() for d in self.conflicting_dates[:5]))
        if self.non_positive_closes:
            out.append(f"{self.non_positive_closes} close(s) of zero or less left out")
        return out

    def as_dict(self) -> dict:
        """The study as JSON-ready evidence (dates as ISO text)."""
        return {"computable": self.computable, "reason": self.reason, "event_day": _iso(self.event_day),
                "window": list(self.window), "window_days": [_iso(d) for d in self.window_days],
                "estimation": [_iso(self.estimation_start), _iso(self.estimation_end)],
                "n_estimation": self.n_estimation, "alpha": self.alpha, "beta": self.beta,
                "r_squared": self.r_squared, "residual_sd": self.residual_sd,
                "rows": [{**r, "date": _iso(r["date"])} for r in self.rows], "car": self.car,
                "t_stat": self.t_stat,
                "close_before": None if self.close_before is None else
                {"date": _iso(self.close_before["date"]), "close": self.close_before["close"]},
                "gaps": self.gaps, "conflicting_dates": [_iso(d) for d in self.conflicting_dates],
                "non_positive_closes": self.non_positive_closes,
                "notes": self.notes}


def _iso(day: dt.date | None) -> str | None:
    """A date as ISO text (None stays None)."""
    return day.isoformat() if day else None


def _closes(frame: pd.DataFrame | None, name: str) -> tuple[pd.Series, list[dt.date]]:
    missing = [c for c in ("date", "close") if frame is not None and c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)} (expected columns date, close)")
    return daily_closes(frame)


def _dates(index: pd.Index) -> list[dt.date]:
    return [d.date() for d in index]


def market_model(prices: pd.DataFrame | None, index: pd.DataFrame | None, *, disclosed: dt.date,
                 estimation_days: int = 120, gap_days: int = 10, window: tuple[int, int] = (0, 1),
                 min_returns: int = 30) -> EventStudy:
    """The market-model event study of a disclosure: abnormal returns and CAR on the window.

    Parameters
    ----------
    prices
        share_prices frame (``date``, ``close``), or None.
    index
        market_index frame (``date``, ``close``), or None.
    disclosed
        The public disclosure date; day 0 is the first day with both closes on or after it.
    estimation_days
        Returns the market model is estimated on (fewer when the series start later).
    gap_days
        Trading days left out between the estimation window and the event window.
    window
        Event window in joined trading days relative to day 0, both ends included.
    min_returns
        Fewest estimation returns that give a study (at least 3).

    Returns
    -------
    EventStudy
        ``computable`` with ``alpha``, ``beta``, ``rows`` (per window day: ``date``,
        ``stock_return``, ``market_return``, ``expected_return``, ``abnormal_return``), ``car``
        and ``t_stat``; or ``computable=False`` and the ``reason``.
    """
    first, last = window
    if first > last:
        raise ValueError(f"event window {window}: its first day is after its last")
    if min_returns < 3 or estimation_days < 1 or gap_days < 0:
        raise ValueError("min_returns must be at least 3, estimation_days at least 1 and gap_days at least 0 "
                         f"(got {min_returns}, {estimation_days}, {gap_days})")
    base = EventStudy(False, None, window=(first, last))
    if prices is None or len(prices) == 0:
        return replace(base, reason="no share prices")
    if index is None or len(index) == 0:
        return replace(base, reason="no market index")
    stock, stock_conflicts = _closes(prices, "share_prices")
    market, market_conflicts = _closes(index, "market_index")
    non_positive = int((stock <= 0).sum() + (market <= 0).sum())
    stock, market = stock[stock > 0], market[market > 0]
    base = replace(base, non_positive_closes=non_positive)
    conflicts = sorted((d, "share_prices") for d in stock_conflicts) + \
        sorted((d, "market_index") for d in market_conflicts)
    days = stock.index.intersection(market.index).sort_values()
    s, m = stock.loc[days].to_numpy(), market.loc[days].to_numpy()

    def conflict_in(start: dt.date, end: dt.date) -> str | None:
        hit = sorted((d, n) for d, n in conflicts if start <= d <= end)
        return f"{hit[0][1]} gives different closes for {hit[0][0]}" if hit else None

    after = np.flatnonzero(days >= pd.Timestamp(disclosed))
    if after.size == 0:
        why = conflict_in(disclosed, dt.date.max)
        return replace(base, reason=why or f"no trading day with a close in both series on or after {disclosed}")
    p0 = int(after[0])
    event_day = days[p0].date()
    base = replace(base, event_day=event_day)
    lo, hi = p0 + first, p0 + last
    if lo < 1:
        return replace(base, reason=f"no close in both series before the window's first day (day {first} of "
                                    f"{event_day})")
    if hi >= len(days):
        have = len(days) - 1 - p0
        return replace(base, window_days=_dates(days[lo:]),
                       reason=f"window days missing: the window ({first}, {last}) needs {last} trading day(s) "
                              f"after {event_day} with a close in both series, the series have {max(have, 0)}")
    window_days = _dates(days[lo:hi + 1])
    base = replace(base, window_days=window_days)
    why = conflict_in(min(days[lo - 1].date(), disclosed), window_days[-1])
    if why:
        return replace(base, reason=f"{why}, which the event window needs")
    est_end = lo - 1 - gap_days  # position of the last estimation return
    est_start = max(1, est_end - estimation_days + 1)
    n = est_end - est_start + 1 if est_end >= 1 else 0
    if n < min_returns:
        return replace(base, n_estimation=max(n, 0),
                       reason=f"only {max(n, 0)} return(s) with both closes in the estimation window ending "
                              f"{gap_days} trading day(s) before the event window; at least {min_returns} needed")
    span_start, span_end = days[est_start - 1], days[hi]
    one_only = stock.index.symmetric_difference(market.index)
    gaps = int(((one_only > span_start) & (one_only < span_end)).sum())
    left_out = sorted({d for d, _ in conflicts if span_start.date() <= d <= span_end.date()})
    r_s = s[1:] / s[:-1] - 1.0  # r_s[k] is the return on joined day k + 1
    r_m = m[1:] / m[:-1] - 1.0
    y, x = r_s[est_start - 1:est_end], r_m[est_start - 1:est_end]
    base = replace(base, estimation_start=days[est_start].date(), estimation_end=days[est_end].date(),
                   n_estimation=n, gaps=gaps, conflicting_dates=left_out)
    if float(np.var(x)) <= 1e-18:
        return replace(base, reason="the market index did not move over the estimation window (zero variance): "
                                    "beta cannot be estimated")
    design = np.column_stack([np.ones(n), x])
    (alpha, beta), *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - (alpha + beta * x)
    sse, sst = float(resid @ resid), float(((y - y.mean()) ** 2).sum())
    residual_sd = math.sqrt(sse / (n - 2))
    rows = []
    for k in range(lo, hi + 1):
        expected = float(alpha + beta * r_m[k - 1])
        rows.append({"date": days[k].date(), "stock_return": float(r_s[k - 1]), "market_return": float(r_m[k - 1]),
                     "expected_return": expected, "abnormal_return": float(r_s[k - 1]) - expected})
    car = float(sum(r["abnormal_return"] for r in rows))
    return replace(base, computable=True, alpha=float(alpha), beta=float(beta),
                   r_squared=1.0 - sse / sst if sst > 0 else None, residual_sd=residual_sd, rows=rows, car=car,
                   t_stat=car / (residual_sd * math.sqrt(len(rows))) if residual_sd > 0 else None,
                   close_before={"date": days[lo - 1].date(), "close": float(s[lo - 1])})


def loss_avoided_net_of_market(shares: float, study: EventStudy) -> dict:
    """Loss avoided by selling ``shares`` before the news, net of the market's move.

    ``shares x close before the window x max(0, -CAR)``: ``usd`` 0 with reason ``no abnormal
    decline`` when CAR >= 0; ``usd`` None with the study's reason when it is not computable.

    Returns
    -------
    dict
        ``usd`` (float or None), ``formula`` (the formula, with the numbers where known),
        ``reason`` (None when a positive amount was computed).
    """
    if not study.computable:
        return {"usd": None, "formula": LOSS_FORMULA, "reason": study.reason}
    if shares is None or pd.isna(shares) or shares <= 0:
        return {"usd": None, "formula": LOSS_FORMULA, "reason": f"no shares sold (shares {shares})"}
    close, car = study.close_before["close"], study.car
    shown = (f"{LOSS_FORMULA} = {shares:,.0f} x ${close:,.2f} (close {study.close_before['date']}) "
             f"x max(0, {-car:.4f})")
    if car >= 0:
        return {"usd": 0.0, "formula": shown + " = $0", "reason": "no abnormal decline"}
    usd = round(float(shares) * close * -car, 2)
    return {"usd": usd, "formula": f"{shown} = ${usd:,.2f}", "reason": None}


def market_adjusted(findings: list, study: EventStudy) -> list:
    """The insider-sale findings with their loss avoided net of the market, from ``study``.

    Each finding with ``evidence["loss_avoided"]`` gets ``net_of_market`` (USD, or None),
    ``net_of_market_reason`` and ``net_of_market_formula`` there, each common-stock sale row
    its ``loss_avoided_net_of_market``, and a sentence at the end of the detail. The shares
    counted are the common-stock sales (put and call equivalents are not: the event study
    prices the stock). Other findings are returned as they are. Pure.
    """
    out = []
    summary = None if not study.computable else {
        "event_day": _iso(study.event_day), "window_days": [_iso(d) for d in study.window_days],
        "car": study.car, "t_stat": study.t_stat, "alpha": study.alpha, "beta": study.beta,
        "n_estimation": study.n_estimation, "estimation": [_iso(study.estimation_start), _iso(study.estimation_end)],
        "close_before": {**study.close_before, "date": _iso(study.close_before["date"])} if study.close_before else None}
    for f in findings:
        loss = f.evidence.get("loss_avoided") if isinstance(f.evidence, dict) else None
        if not isinstance(loss, dict) or "sales" not in f.evidence:
            out.append(f)
            continue
        sales = []
        for s in f.evidence["sales"]:
            stock = s.get("kind", "sale") == "sale" and s.get("shares")
            sales.append({**s, "loss_avoided_net_of_market":
                          loss_avoided_net_of_market(float(s["shares"]), study)["usd"] if stock else None})
        shares = sum(float(s["shares"]) for s in sales if s.get("kind", "sale") == "sale" and s.get("shares"))
        net = loss_avoided_net_of_market(shares, study)
        loss = {**loss, "net_of_market": net["usd"], "net_of_market_reason": net["reason"],
                "net_of_market_formula": net["formula"], "event_study": summary}
        if net["usd"] is None:
            text = f" Loss avoided net of the market not estimated: {net['reason']}."
        else:
            amount = "no loss avoided" if net["usd"] == 0 else f"loss avoided ${net['usd']:,.0f}"
            text = (f" Net of the market (market-model event study, CAR {study.car:+.2%} over "
                    f"{', '.join(_iso(d) for d in study.window_days)}, t = {study.t_stat:.2f}): {amount}"
                    + (f" ({net['reason']})" if net["reason"] else "") + ".")
        out.append(replace(f, detail=f.detail + text, evidence={**f.evidence, "sales": sales, "loss_avoided": loss}))
    return out
