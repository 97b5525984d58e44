"""Notice timelines against legal deadlines, per person and per regulator.

The question a regulator asks first: were my residents told in time, and was I told in
time? Every person is judged under every law that judges them (:mod:`workbench.timelines.laws`:
the law of where they live, its overlays such as Quebec's or CERT-In's, and the regimes of
the organisation's declared roles such as HIPAA), on the clock of their data owner
(:mod:`workbench.owners`), and only where what was exposed to them is personal information
under the definition in force (:meth:`workbench.law.RuleBook.coverage`). For every affected
person this module finds the jurisdiction (``US-<region>`` for US
residents, ``EU-<country>`` for EU residents under the GDPR and that state's authority, the
country otherwise), the rule in force at the clock start the statute names, the due
moment, the first valid notice, and a status:

============== ==============================================================================
status         meaning
============== ==============================================================================
on_time        the first valid notice went out no later than the due moment
late           the first valid notice went out after the due moment (``days_late``, rounded up)
overdue        no notice at all, and the deadline passed before the audit date
missing        only notices that do not count (returned, bounced, or a substitute notice whose
               statutory conditions the case's facts do not meet: ``reason`` then says why),
               and the deadline passed before the audit date
pending        no valid notice yet, but the deadline falls after the audit date
not_required   the rule in force imposes no individual notice (no regime, safe harbour, a harm
               assessment ruling it out, or elements exposed that are not personal information
               there); ``reason`` says which
not_assessed   the person could not be placed in a jurisdiction of the law data, the law data
               does not model the period, their elements cannot be judged, or their data
               owner is not declared; ``reason`` says which
============== ==============================================================================

``basis`` carries the engine's basis (``statutory``, ``assessment``...) and ``label`` the
status with " (assessment)" appended where the law sets no number and the case's
``assessment_days`` was applied: an audit yardstick, never law.

How it scales: clock starts are case-wide, so the law engine is asked once per
jurisdiction (a table of a few dozen rows); the people and notices never become Python
objects but DuckDB tables, joined and aggregated in SQL. They are filled chunk by chunk
from :func:`workbench.sources.iter_input` (only the columns needed), as Arrow tables of
typed values: the same parser, rows and rejects as every other stage, whatever the input
kind (CSV, Parquet, SQL), and DuckDB spills what does not fit in memory.

Regulator and credit-bureau (CRA) duties are judged per jurisdiction with the actual
resident count against the rule's threshold; a ``consumer_reporting_agency`` row with
jurisdiction ``US`` counts as nationwide for every US state, and for an EU member state a
supervisory-authority row with jurisdiction ``EU`` (the lead authority under the GDPR's
one-stop shop) counts as well as one naming the state itself.

How inputs that the data-quality stage flags are treated (each counted in ``stats``): a
duplicated person id counts once (its first row); rows without a person id are left out; a
person whose country and region the law data does not know is ``not_assessed``; a notice
dated after the audit moment (``parameters.as_of``) is not counted, since the audit judges
what had been sent by then (a far-future date is a data error, not a notice).

Public API (one module per concept; this package re-exports it)::

    run_stage(case_path, run_dir)            # stage: what notebook 20 calls; writes the artifacts
    assess_case(case); assess_store(store)   # loading: read the case's inputs or store, return Timelines
    assess(case, people, notices, regulator_notices)          # check: the same on frames (pure)
    individual_deadlines(case, codes)        # clock: the rule and due moment per jurisdiction
    match_notices(people, notices, deadlines, audit_at=...)   # matching: per-person status, in SQL
    regulator_table(case, summary, regulator_notices)         # per_jurisdiction: regulator and CRA duties
    timeline_findings(table)                 # findings: one per jurisdiction and problem
    display_table(t); regulator_view(t); cumulative_figure(t); tile_map_figure(t); compliance_figure(t)  # views
"""

from workbench.timelines.check import JURISDICTION_COLUMNS, Timelines, assess
from workbench.timelines.clock import (
    DAY_SECONDS, DEADLINE_COLUMNS, PERSON_STATUSES, NoticeStatus, audit_moment, individual_deadlines,
)
from workbench.timelines.findings import ASSESSMENT_NOTE, severity_for, timeline_findings
from workbench.timelines.loading import NOTICE_COLUMNS, PEOPLE_COLUMNS, assess_case, assess_store
from workbench.timelines.matching import (
    SUBSTITUTE_CHANNEL, UNDELIVERED_STATUSES, element_groups, elements_key, match_notices, people_jurisdictions,
)
from workbench.timelines.per_jurisdiction import (
    CRA_RECIPIENT_TYPE, QUANTILE_BYTES_PER_ROW, REGULATOR_RECIPIENT_TYPES, obligation_status, quantile_batches,
    regulator_table,
)
from workbench.timelines.stage import STAGE, NoticeTimelinesStage, run_stage
from workbench.timelines.views import (
    DISPLAY_COLUMNS, US_TILES, compliance_figure, cumulative_figure, display_table, regulator_view, tile_map_figure,
)

__all__ = [
    "ASSESSMENT_NOTE", "CRA_RECIPIENT_TYPE", "DAY_SECONDS", "DEADLINE_COLUMNS", "DISPLAY_COLUMNS", "JURISDICTION_COLUMNS",
    "NOTICE_COLUMNS", "PEOPLE_COLUMNS", "PERSON_STATUSES", "QUANTILE_BYTES_PER_ROW", "REGULATOR_RECIPIENT_TYPES",
    "STAGE", "SUBSTITUTE_CHANNEL", "UNDELIVERED_STATUSES", "US_TILES", "NoticeStatus", "NoticeTimelinesStage",
    "Timelines", "assess", "assess_case", "assess_store", "audit_moment", "compliance_figure", "cumulative_figure",
    "display_table", "element_groups", "elements_key", "individual_deadlines", "match_notices", "obligation_status", "people_jurisdictions",
    "quantile_batches", "regulator_table", "regulator_view", "run_stage", "severity_for", "tile_map_figure",
    "timeline_findings",
]
