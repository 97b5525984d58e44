"""The optional parts of the workbench, and the pip extra that installs each.

A plain ``pip install breach-audit-workbench`` audits file inputs (CSV, Parquet, Form 4 XML)
with every engine but Spark. Two routes need more, declared as extras in pyproject.toml:

``postgres``
    inputs read from PostgreSQL (a ``postgresql://`` URL in case.yaml, ``synth --to-db``):
    the driver (psycopg 3) and PostgreSQL's own parser for ``query:`` inputs (pglast).
``spark``
    the data-quality ``spark`` engine: pyspark (and a Java 17 runtime, which pip cannot
    install: conda's ``openjdk``, or the system's).

When a case asks for one that is not installed, the check that sees it says which extra to
install (:func:`missing`), instead of a ``ModuleNotFoundError`` half-way through a run.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from workbench import DISTRIBUTION
from workbench.errors import WorkbenchError
from workbench.registry import Registry


@dataclass(frozen=True)
class Extra:
    """One pip extra: the modules it brings and what to call them in a message."""

    name: str
    modules: tuple[str, ...]
    provides: str

    @property
    def install(self) -> str:
        return f"pip install '{DISTRIBUTION}[{self.name}]'"


EXTRAS: Registry[Extra] = Registry("extra")
EXTRAS.register("postgres", Extra("postgres", ("psycopg", "pglast"), "the PostgreSQL driver"))
EXTRAS.register("spark", Extra("spark", ("pyspark",), "pyspark (and Java 17)"))

#: Data-quality engines that need an extra (engine name -> extra name).
ENGINE_EXTRAS = {"spark": "spark"}


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a broken or half-removed install
        return True


def missing(extra: str, needed_for: str) -> str | None:
    """The message for a user whose ``needed_for`` needs ``extra`` and lacks it, or None.

    >>> missing("postgres", "a postgresql:// source")  # doctest: +SKIP
    "a postgresql:// source needs the PostgreSQL driver: pip install 'breach-audit-workbench[postgres]'"
    """
    spec = EXTRAS.get(extra)
    absent = [m for m in spec.modules if _absent(m)]
    if not absent:
        return None
    return f"{needed_for} needs {spec.provides}: {spec.install} (not installed: {', '.join(absent)})"


def require(extra: str, needed_for: str) -> None:
    """Raise :class:`WorkbenchError` with :func:`missing`'s message when ``extra`` is absent
    (for callers without a case; a case's own checks report it as a case problem)."""
    message = missing(extra, needed_for)
    if message:
        raise WorkbenchError(message)
