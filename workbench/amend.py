"""Adding regulator packages to a finished run, recorded in its manifest.

``workbench report RUN_DIR --packages US-CA,US-TX`` renders packages a run left out
(``regulators/index.json`` lists them) without re-running the audit or rewriting the rest
of the report. The run's manifest stays the record of every output: the files written are
hashed into ``outputs`` (added, or replacing the entry of a file rewritten), and an entry of
``amendments`` says when, by which command, which files and the sha256 each replaced, so
``workbench verify`` passes and says that outputs were added after the run. Only the files
this command wrote are re-hashed: a file changed by anything else still fails verify.
Only a ``completed`` run can be amended (a running run's manifest is still being written;
a failed or killed one is re-run, not patched).
"""

from __future__ import annotations

import fcntl
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from workbench.errors import RunError

log = logging.getLogger("workbench.amend")


@dataclass
class Amendment:
    """What :func:`add_packages_to_run` did: the packages, and the files added or replaced."""

    run_dir: Path
    packages: list[str]
    added: list[str]
    replaced: list[str]
    index: str


class _RunLock:
    """An exclusive lock on the run folder itself (no lock file is added to it), so two
    ``workbench report`` on one run do not lose each other's manifest entries."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir

    def __enter__(self) -> "_RunLock":
        self.fd = os.open(self.run_dir, os.O_RDONLY)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def add_packages_to_run(run_dir: str | Path, packages: Any, *, workers: int | None = None,
                        regulator_formats: Sequence[str] | None = None) -> Amendment:
    """Render the selected regulator packages into a completed run and record them in its manifest.

    Raises
    ------
    RunError
        when the folder holds no readable manifest or the run is not ``completed``.
    workbench.regulator_packages.PackageSelectionError, UnknownPackageError
        for a selection that is not one, or a code without residents in the run (nothing
        is written then).
    """
    from workbench.manifest import iso, read_manifest, run_entries, entry_sha256, utc_now, write_manifest
    from workbench.report import add_packages
    from workbench.verify import run_state

    run_dir = Path(run_dir).resolve()
    if not run_dir.is_dir():
        raise RunError(f"{run_dir}: not a run folder (expected a folder holding manifest.json)")
    with _RunLock(run_dir):
        try:
            manifest = read_manifest(run_dir)
        except (OSError, ValueError) as err:
            raise RunError(f"{run_dir}: no readable manifest.json ({type(err).__name__}): not a run folder") from err
        state = run_state(manifest)
        if state != "completed" or not isinstance(manifest.get("outputs"), dict):
            raise RunError(f"{run_dir}: the run is {state}; packages are added only to a completed run "
                           "(re-run the case with workbench run --packages ...)")
        result = add_packages(run_dir, packages, workers=workers,
                              **({} if regulator_formats is None else {"regulator_formats": regulator_formats}))
        outputs: dict[str, Any] = manifest["outputs"]
        entries = run_entries(run_dir)
        added, replaced = [], {}
        for path in result.written:
            rel = path.relative_to(run_dir).as_posix()
            entry = entries.get(rel)
            if entry is None or entry.kind != "file":
                raise RunError(f"{run_dir}: {rel} was not written as a regular file")
            old = (outputs.get(rel) or {}).get("sha256")
            new = entry_sha256(entry)
            if rel not in outputs:
                added.append(rel)
            elif old != new:
                replaced[rel] = old
            outputs[rel] = {"sha256": new, "bytes": entry.st.st_size if entry.st else None}
        manifest.setdefault("amendments", []).append({
            "at": iso(utc_now()), "command": f"workbench report --packages {result.plan.selection}",
            "packages": list(result.regulators), "added": sorted(added), "replaced": dict(sorted(replaced.items())),
        })
        manifest["outputs"] = dict(sorted(outputs.items()))
        write_manifest(run_dir, manifest)
    log.info("added %d package(s) to %s: %d file(s) added, %d replaced", len(result.regulators), run_dir,
             len(added), len(replaced))
    from workbench.regulator_packages import INDEX_PATH

    return Amendment(run_dir, list(result.regulators), sorted(added), sorted(replaced), INDEX_PATH)
