"""Breach Audit Workbench: audits how an organisation handled a personal-data breach.

Public API (stable names the notebooks use):

- :func:`workbench.case.load_case` -> :class:`workbench.case.Case`;
  :func:`workbench.preflight.check_case` -- the same, with a quick look at every input
- :func:`workbench.stages.run` ``(name, case_path, run_dir)`` -- run one stage on the run's
  case store (:mod:`workbench.store`, written once by the intake) and save its artifacts
- :class:`workbench.assessment.Assessment` -- "assessed" or "not assessed (reason)"
- :mod:`workbench.sources` -- reading inputs with rejects and hashes
- :mod:`workbench.values` -- the one parser of each column kind (timestamps, dates, numbers...)
- :class:`workbench.findings.Finding` -- the one shape every check returns
- :func:`version` -- the installed version (``workbench --version``)
"""

__version__ = "0.1.0"
#: The distribution's name on PyPI (``pip install breach-audit-workbench``).
DISTRIBUTION = "breach-audit-workbench"


def version() -> str:
    """The installed distribution's version (:mod:`importlib.metadata`); ``__version__`` when
    the package runs from a source tree that was never installed."""
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return __version__


# In a kernel started by `workbench run` (WORKBENCH_RUN_LOG set), the notebooks' log records
# go to the run's run.log from the first workbench import on; elsewhere this does nothing.
from workbench.logs import configure_run_logging as _configure_run_logging  # noqa: E402

_configure_run_logging()
