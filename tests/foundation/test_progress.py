"""Long loops: a tqdm bar on a terminal, a log line every N seconds elsewhere."""

from __future__ import annotations

import io
import logging

import pytest

from workbench.errors import WorkbenchError
from workbench.progress import DEFAULT_SECONDS, interval, track


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_not_a_terminal_logs_a_line_per_interval_and_one_at_the_end(monkeypatch, caplog):
    monkeypatch.setenv("WORKBENCH_PROGRESS_SECONDS", "1")
    monkeypatch.setattr("workbench.progress.time.monotonic", _Clock(step=1.0))  # each item takes a second
    stream = io.StringIO()
    with caplog.at_level(logging.INFO, logger="workbench.progress"):
        assert list(track(["a", "b", "c"], "intake", unit="input", stream=stream)) == ["a", "b", "c"]
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("intake: 1/3 input(s) done after")
    assert messages[-1].startswith("intake: all 3 input(s) done in")
    assert stream.getvalue() == ""  # no bar where nobody watches


def test_a_quick_loop_logs_nothing(monkeypatch, caplog):
    monkeypatch.delenv("WORKBENCH_PROGRESS_SECONDS", raising=False)
    monkeypatch.setattr("workbench.progress.time.monotonic", _Clock(step=1.0))  # 3 s in all, under 30
    with caplog.at_level(logging.INFO, logger="workbench.progress"):
        assert list(track(range(3), "intake", stream=io.StringIO())) == [0, 1, 2]
    assert caplog.records == []


def test_a_terminal_gets_a_tqdm_bar(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    terminal = _Terminal()
    assert list(track(range(4), "validating", unit="input", stream=terminal)) == [0, 1, 2, 3]
    assert "validating" in terminal.getvalue() and "4/4" in terminal.getvalue()


def test_default_interval_is_thirty_seconds(monkeypatch):
    monkeypatch.delenv("WORKBENCH_PROGRESS_SECONDS", raising=False)
    assert interval() == DEFAULT_SECONDS == 30.0


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan"])
def test_a_bad_interval_is_refused_with_its_name(monkeypatch, value):
    monkeypatch.setenv("WORKBENCH_PROGRESS_SECONDS", value)
    with pytest.raises(WorkbenchError, match="WORKBENCH_PROGRESS_SECONDS"):
        list(track(range(2), "intake", stream=io.StringIO()))
