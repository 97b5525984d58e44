"""Which laws judge whom: :mod:`workbench.law.plan` (moved there so that ``workbench law
deadlines`` plans a case with the same code as the audit); re-exported for the stage."""

from __future__ import annotations

from workbench.law.plan import PLAN_COLUMNS, SCOPES, filing_laws, law_plan, not_modelled_roles, roles_of, sector_laws

__all__ = ["PLAN_COLUMNS", "SCOPES", "filing_laws", "law_plan", "not_modelled_roles", "roles_of", "sector_laws"]
