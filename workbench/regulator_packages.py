"""Which regulator packages a report renders, and the record of those it did not render.

A regulator package (``regulators/<code>/``: report.html, report.pdf, findings.json) costs a
WeasyPrint layout of seconds; a case with residents in sixty jurisdictions spent most of its
report stage on packages nobody asked for. A *selection* says which ones to render:

``with-findings`` (the default)
    jurisdictions with at least one finding about their residents (``finding.jurisdiction``
    is the code, or its ``evidence.people_by_jurisdiction`` counts some of them:
    :func:`workbench.package_contents.counts_for`). Organisation-wide findings (insider trading...) go into every package rendered,
    but do not by themselves call for one: they concern the organisation, not residents.
``all``
    every jurisdiction with affected residents (what the workbench did before).
``none``
    no package.
``US-CA,US-TX``
    exactly these jurisdictions; a code without residents in the run is an error naming it
    and listing the codes that have some (:class:`UnknownPackageError`), raised before
    anything is rendered.

Selections are a registry (:data:`SELECTIONS`); a list of codes is anything else. A
jurisdiction with residents and no package is never silent: :class:`PackagePlan` keeps it
with the reason, and ``regulators/index.json`` (:func:`PackagePlan.to_json`) and the report
say which, why, and the command that renders them later
(``workbench report RUN_DIR --packages CODE,...``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Mapping, Sequence

from workbench.errors import WorkbenchError
from workbench.registry import Registry

#: The selection used when neither ``--packages`` nor case.yaml's ``parameters.report_packages`` says.
DEFAULT_SELECTION = "with-findings"
#: Where the record of a run's packages lives (relative to the run folder).
INDEX_PATH = "regulators/index.json"
#: What a jurisdiction code looks like (``US-CA``, ``EU-IE``, ``GB``, ``CA-QC``); a list's codes
#: are upper-cased first (``us-ca`` is ``US-CA``).
_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,10})*$")


@dataclass(frozen=True)
class Candidate:
    """A jurisdiction with affected residents: how many, and how many findings concern its residents."""

    code: str
    residents: int | None
    findings: int


#: A selection by name: from the candidates, the codes to render.
Selector = Callable[[Sequence[Candidate]], list[str]]
SELECTIONS: Registry[Selector] = Registry("package selection")
#: Why a candidate a named selection left out has no package (shown in index.json and the report).
_LEFT_OUT_BECAUSE: dict[str, str] = {
    "with-findings": "no finding concerns its residents (--packages with-findings)",
    "none": "no package was asked for (--packages none)",
}


@SELECTIONS.register("with-findings")
def _with_findings(candidates: Sequence[Candidate]) -> list[str]:
    return [c.code for c in candidates if c.findings > 0]


@SELECTIONS.register("all")
def _all(candidates: Sequence[Candidate]) -> list[str]:
    return [c.code for c in candidates]


@SELECTIONS.register("none")
def _none(candidates: Sequence[Candidate]) -> list[str]:
    return []


class PackageSelectionError(WorkbenchError, ValueError):
    """A ``--packages`` value that is neither a selection name nor a list of codes."""


class UnknownPackageError(WorkbenchError, KeyError):
    """Codes asked for that have no affected residents in the run (so no package)."""

    def __init__(self, unknown: Sequence[str], valid: Sequence[str]):
        self.unknown, self.valid = list(unknown), sorted(valid)
        super().__init__(
            f"--packages: no jurisdiction {', '.join(self.unknown)} with affected residents in this run; "
            f"valid codes: {', '.join(self.valid) or '(none: no jurisdiction has residents)'}; "
            f"or one of: {', '.join(SELECTIONS.names())}")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


@dataclass(frozen=True)
class PackageSelection:
    """A parsed ``--packages`` value: a registered name, or codes (``name`` None)."""

    name: str | None
    codes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: "str | Sequence[str] | PackageSelection | None") -> "PackageSelection":
        """``None`` -> the default; ``"all"`` / ``"with-findings"`` / ``"none"``; ``"US-CA,US-TX"``
        or ``["US-CA", "US-TX"]`` -> those codes (order kept, repeats dropped).

        Raises
        ------
        PackageSelectionError
            for an empty value or something that is no code, naming what was expected.
        """
        if isinstance(value, PackageSelection):
            return value
        if value is None:
            return cls(DEFAULT_SELECTION)
        parts = [p.strip() for p in (value.split(",") if isinstance(value, str) else value)]
        if not any(parts):
            parts = []
        if len(parts) == 1 and parts[0] in SELECTIONS:
            return cls(parts[0])
        named = [p for p in parts if p in SELECTIONS]
        bad = [p for p in parts if p not in SELECTIONS and not _CODE.match(p.upper())]
        if named or bad or not parts:
            problem = (f"{', '.join(named)} cannot be combined with codes" if named else
                       f"not a jurisdiction code: {', '.join(repr(b) for b in bad)}" if bad else "empty")
            raise PackageSelectionError(
                f"--packages {(value if isinstance(value, str) else ','.join(value))!r}: {problem}; expected "
                f"one of {', '.join(SELECTIONS.names())} or a comma list of jurisdiction codes such as US-CA,US-TX")
        return cls(None, tuple(dict.fromkeys(p.upper() for p in parts)))

    def __str__(self) -> str:
        return self.name if self.name is not None else ",".join(self.codes)

    def choose(self, candidates: Sequence[Candidate]) -> list[str]:
        """The codes to render, in the candidates' order (codes of a list: in the list's order).

        Raises
        ------
        UnknownPackageError
            when a listed code is not among the candidates.
        """
        if self.name is not None:
            return SELECTIONS.get(self.name)(candidates)
        known = {c.code for c in candidates}
        unknown = [c for c in self.codes if c not in known]
        if unknown:
            raise UnknownPackageError(unknown, sorted(known))
        return list(self.codes)

    def left_out_because(self) -> str:
        if self.name is not None:
            return _LEFT_OUT_BECAUSE.get(self.name, f"not selected by --packages {self.name}")
        return f"not in --packages {self}"


@dataclass(frozen=True)
class NotRendered:
    """A jurisdiction with residents that got no package, and why."""

    code: str
    residents: int | None
    findings: int
    reason: str


@dataclass(frozen=True)
class PackagePlan:
    """Which packages a report renders (in order) and which it leaves out, with reasons."""

    selection: PackageSelection
    source: str                       # where the selection came from: an argument, case.yaml, the default
    rendered: tuple[str, ...]
    not_rendered: tuple[NotRendered, ...]

    def render_command(self, run_dir: str) -> str | None:
        """The command that renders the packages left out, for this run (None: none left out)."""
        if not self.not_rendered:
            return None
        return f"workbench report {run_dir} --packages {','.join(n.code for n in self.not_rendered)}"

    def to_json(self, run_dir: str, *, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``regulators/index.json``: the selection, each package rendered (folder) and each
        left out (residents, findings, reason), and the command that renders those.

        ``previous`` is the index already in the run folder (``workbench report`` adds
        packages): its selection, its packages and its reasons for those still left out
        stay, and ``added_later`` records this plan's packages."""
        rendered = dict.fromkeys(self.rendered)
        left = list(self.not_rendered)
        doc: dict[str, Any] = {"selection": str(self.selection), "source": self.source}
        if previous:
            rendered = {**dict.fromkeys(p["jurisdiction"] for p in previous.get("rendered", [])), **rendered}
            why = {n["jurisdiction"]: n["reason"] for n in previous.get("not_rendered", [])}
            left = [replace(n, reason=why.get(n.code, n.reason)) for n in left]
            doc = {"selection": previous.get("selection", doc["selection"]), "source": previous.get("source", doc["source"]),
                   "added_later": [*previous.get("added_later", []),
                                   {"selection": str(self.selection), "packages": list(self.rendered)}]}
        plan = PackagePlan(self.selection, self.source, tuple(rendered), tuple(n for n in left if n.code not in rendered))
        return {
            **doc,
            "rendered": [{"jurisdiction": c, "folder": f"regulators/{safe_dirname(c)}"} for c in plan.rendered],
            "not_rendered": [{"jurisdiction": n.code, "residents": n.residents, "findings": n.findings,
                              "reason": n.reason} for n in plan.not_rendered],
            "render_command": plan.render_command(run_dir),
        }


def safe_dirname(code: str) -> str:
    """A folder name for a jurisdiction code from the data (no separators, no dot-dot)."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(code)).lstrip(".")
    return name or "_"


def plan_packages(candidates: Iterable[Candidate], selection: "str | Sequence[str] | PackageSelection | None" = None,
                  *, source: str | None = None) -> PackagePlan:
    """Apply a selection to the jurisdictions with residents (raises before anything is rendered)."""
    cands = list(candidates)
    sel = PackageSelection.parse(selection)
    chosen = sel.choose(cands)
    picked = set(chosen)
    why = sel.left_out_because()
    left = tuple(NotRendered(c.code, c.residents, c.findings, why) for c in cands if c.code not in picked)
    return PackagePlan(sel, source or ("default" if selection is None else "argument"), tuple(chosen), left)
