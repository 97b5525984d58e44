"""A synthetic Washington register with known answers, deterministic by seed (for tests and benchmarks).

:func:`synthetic_register` returns the register in the ``generic`` layout and, row by row,
the answer the audit must give (``expected_status``, ``expected_days_late``,
``expected_filing``). The answers are computed here from :data:`WA_VERSIONS` - the two
Washington versions the generator plants notices against (45 days before 2020-03-01, 30
from then, AG threshold 501; RCW 19.255.010, no weekend rollover in the law data) - not by
the judge, so the benchmark also checks the judge. A test holds the constants to the law data.
Every planted due date is an open day (a weekday that is no Washington public holiday of the
``holidays`` package), so the answers hold whether or not the law data moves a last day that
falls on a weekend or holiday (a computation-of-time rule for US-WA).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

#: (first day, individual/regulator days) of the US-WA versions the generator uses.
WA_VERSIONS: tuple[tuple[dt.date, int], ...] = ((dt.date(2015, 7, 24), 45), (dt.date(2020, 3, 1), 30))
WA_THRESHOLD = 501
START, END = dt.date(2016, 1, 1), dt.date(2024, 12, 31)
DATA_TYPES = ("Social Security Number", "SSN; Driver's License", "Name and Financial Information",
              "Medical Information, Health Insurance Information", "Passport Number", "Username and Password",
              "SSN, shoe size")
SUFFIXES = ("Inc", "Inc.", "LLC", "Corp", "Co.", "")


def _closed(days: np.ndarray) -> np.ndarray:
    """True for a Saturday, Sunday or Washington public holiday."""
    import holidays

    years = range(START.year, END.year + 2)
    off = np.array(sorted(holidays.country_holidays("US", subdiv="WA", years=years)), dtype="datetime64[D]")
    weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday: 0 = Monday
    return (weekday >= 5) | np.isin(days, off)


def _open_due(disc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(discovered, days, due): discovery moved a day earlier until its due date is an open day."""
    for _ in range(10):
        days = _deadline_days(disc)
        due = disc + days.astype("timedelta64[D]")
        closed = _closed(due)
        if not closed.any():
            return disc, days, due
        disc = np.where(closed, disc - np.timedelta64(1, "D"), disc)
    raise AssertionError("no open due date within 10 days")  # pragma: no cover


def _deadline_days(discovered: np.ndarray) -> np.ndarray:
    days = np.full(discovered.shape, WA_VERSIONS[0][1], dtype=np.int64)
    for first, n in WA_VERSIONS[1:]:
        days[discovered >= np.datetime64(first)] = n
    return days


def synthetic_register(rows: int, *, seed: int = 20, amend_share: float = 0.03) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(register in the generic layout, truth) with ``rows`` rows in all; same seed, same frames.

    About 3% missing discovery dates, 2% missing notification dates, 10% under the
    threshold, a third late (1-120 days), and ``amend_share`` of incidents filed again later
    (an amendment: its own row, status judged on its own date).
    """
    rng = np.random.default_rng(seed)
    base = int(round(rows / (1 + amend_share)))
    extra = rows - base
    span = (END - START).days
    disc = np.datetime64(START) + rng.integers(0, span, base).astype("timedelta64[D]")
    disc, days, due = _open_due(disc)
    start = disc - rng.integers(1, 60, base).astype("timedelta64[D]")
    end = start + rng.integers(0, 5, base).astype("timedelta64[D]")
    late = rng.random(base) < 1 / 3
    offset = np.where(late, rng.integers(1, 121, base), -rng.integers(0, days + 1))
    notified = due + offset.astype("timedelta64[D]")
    residents = np.where(rng.random(base) < 0.10, rng.integers(1, WA_THRESHOLD, base),
                         rng.integers(WA_THRESHOLD, 2_000_000, base))
    no_disc = rng.random(base) < 0.03
    no_sent = (rng.random(base) < 0.02) & ~no_disc
    status = np.where(late, "late", "on_time").astype(object)
    status[residents < WA_THRESHOLD] = "under_threshold"
    status[no_sent & (residents >= WA_THRESHOLD)] = "not_determinable"
    status[no_disc] = "not_determinable"
    days_late = np.where(status == "late", offset, np.where(status == "on_time", 0, -1))
    names = np.array([f"Synthetic Org {i} {SUFFIXES[i % len(SUFFIXES)]}".strip() for i in range(base)], dtype=object)
    frame = pd.DataFrame({
        "organisation": names,
        "breach_start": pd.to_datetime(start).strftime("%m/%d/%Y") + " - " + pd.to_datetime(end).strftime("%m/%d/%Y"),
        "breach_end": "",
        "discovered": np.where(no_disc, "Unknown", pd.to_datetime(disc).strftime("%Y-%m-%d")),
        "notified": np.where(no_sent, "", pd.to_datetime(notified).strftime("%m/%d/%Y")),
        "residents_affected": residents.astype(str),
        "data_types": np.array(DATA_TYPES, dtype=object)[rng.integers(0, len(DATA_TYPES), base)],
        "letter_url": [f"https://example.org/notice/{i}.pdf" for i in range(base)],
    })
    truth = pd.DataFrame({"expected_status": status, "expected_days_late": days_late,
                          "expected_filing": "single"})
    if extra:
        pick = rng.choice(np.flatnonzero(~no_sent), size=extra, replace=False)
        again = frame.iloc[pick].copy()
        again["organisation"] = [n.upper().replace(" INC.", " INC").replace(" CO.", " CO") for n in again["organisation"]]
        later = notified[pick] + rng.integers(5, 90, extra).astype("timedelta64[D]")
        again["notified"] = pd.to_datetime(later).strftime("%m/%d/%Y")
        t = truth.iloc[pick].copy()
        t["expected_filing"] = "amendment"
        lateness = (later - due[pick]).astype(np.int64)
        judged = ~np.isin(t["expected_status"].to_numpy(), ["under_threshold"]) & ~no_disc[pick]
        t["expected_status"] = np.where(judged, np.where(lateness > 0, "late", "on_time"), t["expected_status"])
        t["expected_days_late"] = np.where(judged, np.maximum(lateness, 0), t["expected_days_late"])
        truth.loc[pick, "expected_filing"] = "first_filing"
        frame, truth = pd.concat([frame, again], ignore_index=True), pd.concat([truth, t], ignore_index=True)
    truth.insert(0, "source_row", np.arange(2, len(frame) + 2))
    return frame, truth


def write_register(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a synthetic register as CSV (through workbench.safecsv)."""
    from workbench.safecsv import frame_csv_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(frame_csv_text(frame), encoding="utf-8", newline="")
    return path
