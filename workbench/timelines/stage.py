"""The notice-timelines stage on the case store, and what notebook 20 calls (:func:`run_stage`)."""

from __future__ import annotations

from pathlib import Path

from workbench.stagebase import Stage, StageName, StageResult, execute, register
from workbench.timelines.check import Timelines
from workbench.timelines.loading import assess_store


STAGE = StageName.NOTICE_TIMELINES.value
#: The late, missing and overdue people (artifact ``20_notice_timelines.flagged_people.parquet``),
#: always written: the regulator packages list them (:mod:`workbench.package_contents`).
FLAGGED_PEOPLE = "flagged_people.parquet"


@register
class NoticeTimelinesStage(Stage):
    """20: every person, regulator and credit bureau notice against the law in force.

    ``person_status``: also write the per-person statuses (``artifacts/20_notice_timelines.
    person_status.parquet``; one row per person, a fifth of the stage's time at scale);
    by default as the case asks (``parameters.person_status_export``, off unless set).
    The late, missing and overdue people only are always written
    (``artifacts/20_notice_timelines.flagged_people.parquet``, :data:`FLAGGED_PEOPLE`).
    """

    name = StageName.NOTICE_TIMELINES
    inputs = ("affected_people", "notices", "regulator_notices")

    def __init__(self, person_status: bool | None = None):
        self.person_status = person_status

    def run(self, store, case) -> StageResult:
        from workbench.artifacts import artifacts_dir

        wanted = case.parameters.person_status_export if self.person_status is None else self.person_status
        path = artifacts_dir(store.run_dir) / f"{STAGE}.person_status.parquet" if wanted else None
        flagged = artifacts_dir(store.run_dir) / f"{STAGE}.{FLAGGED_PEOPLE}"
        flagged.unlink(missing_ok=True)  # not left from an earlier run when no person is assessed now
        out = assess_store(store, person_status_path=path, flagged_people_path=flagged)
        return StageResult(self.name, out.findings, out.assessed,
                           {"jurisdictions": out.sorted_table(), "notices_per_day": out.notices_per_day}, view=out)


def run_stage(case_path: str | Path, run_dir: str | Path, *, person_status: bool | None = None) -> Timelines:
    """What the notebook calls: the stage on the run folder's case store (built first when
    the intake has not run there); findings and tables are written as artifacts."""
    return execute(NoticeTimelinesStage(person_status=person_status), case_path, run_dir).view
