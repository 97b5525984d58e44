"""A kernel of a run appends the workbench logger's records to the run's run.log."""

from __future__ import annotations

import logging

import pytest

from workbench.logs import LOG_FORMAT, ROOT_LOGGER, configure_run_logging


@pytest.fixture
def clean_workbench_logger():
    """The workbench logger as it was, after the test (handlers and level)."""
    logger = logging.getLogger(ROOT_LOGGER)
    handlers, level = list(logger.handlers), logger.level
    yield logger
    for h in logger.handlers:
        if h not in handlers:
            h.close()
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_without_a_run_nothing_is_configured(clean_workbench_logger, monkeypatch):
    monkeypatch.delenv("WORKBENCH_RUN_LOG", raising=False)
    before = list(clean_workbench_logger.handlers)
    assert configure_run_logging() is None
    assert clean_workbench_logger.handlers == before


def test_info_records_are_appended_to_the_named_run_log(clean_workbench_logger, monkeypatch, tmp_path):
    run_log = tmp_path / "run.log"
    run_log.write_text("2026-01-01 00:00:00,000 INFO workbench.runner: notebook 10_x.ipynb ...\n")
    monkeypatch.setenv("WORKBENCH_RUN_LOG", str(run_log))
    configure_run_logging()
    logging.getLogger("workbench.stages").info("stage says %d", 42)
    lines = run_log.read_text().splitlines()
    assert lines[0].endswith("notebook 10_x.ipynb ...")  # appended, never truncated
    assert lines[1].endswith("INFO workbench.stages: stage says 42")
    assert LOG_FORMAT == "%(asctime)s %(levelname)s %(name)s: %(message)s"


def test_configuring_twice_writes_each_record_once(clean_workbench_logger, tmp_path):
    run_log = tmp_path / "run.log"
    first = configure_run_logging(run_log)
    assert configure_run_logging(run_log) is first
    logging.getLogger("workbench.store").info("once")
    assert run_log.read_text().count("once") == 1


def test_another_run_log_replaces_the_previous_one(clean_workbench_logger, tmp_path):
    old, new = tmp_path / "old.log", tmp_path / "new.log"
    configure_run_logging(old)
    configure_run_logging(new)
    logging.getLogger("workbench.store").info("second run")
    assert "second run" in new.read_text() and "second run" not in old.read_text()
