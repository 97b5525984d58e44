"""Breach Audit Workbench: audits how an organisation handled a personal-data breach.

Public API (stable names the notebooks use):

- :func:`workbench.case.load_case` -> :class:`workbench.case.Case`
- :mod:`workbench.sources` -- reading inputs with rejects and hashes
- :mod:`workbench.values` -- the one parser of each column kind (timestamps, dates, numbers...)
- :class:`workbench.findings.Finding` -- the one shape every check returns
"""

__version__ = "0.1.0"
