"""Verifying a run folder against its manifest, and comparing two runs of the same case.

``verify_run(run_dir)`` recomputes the sha256 of every file of the run folder (hidden ones
included) and of every input the manifest names (when the case data is present), and
returns one :class:`Difference` per problem: an output changed, missing or extra, a symlink
or a special file (FIFO, socket, device) in the run folder, an input changed or unreadable,
or a run that never completed. It never follows a symlink inside the run folder and never
opens anything but a regular file, so a FIFO planted there cannot make it hang. Things that
may legitimately differ on the verifier's machine (law data version, workbench commit,
package versions) are reported as notes, not differences. ``compare_runs(a, b)`` compares the findings of two runs (a
regulator re-running the case and comparing with the report it received).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import NotRegularFileError
from workbench.manifest import (MANIFEST_SCHEMA_VERSION, SIGNATURE_FILES, RunEntry, entry_kind, entry_sha256,
                                open_regular, run_entries)
from workbench.paths import MANIFEST_NAME

log = logging.getLogger("workbench.verify")

#: Kinds of differences, with what each means (shown by ``workbench verify``).
DIFFERENCE_KINDS: dict[str, str] = {
    "manifest": "the manifest is missing or unreadable",
    "status": "the run did not complete",
    "output_changed": "an output's sha256 differs from the manifest",
    "output_missing": "an output listed in the manifest is gone",
    "output_extra": "a file is in the run folder but not in the manifest",
    "output_symlink": "a symbolic link is in the run folder (not followed: a run writes only regular files)",
    "output_special": "a FIFO, socket or device is in the run folder (not opened)",
    "input_changed": "an input's sha256 differs from the manifest",
    "input_missing": "an input listed in the manifest is not in the case given",
    "signature": "the manifest's signature (manifest.dsse.json) is unreadable, altered or does not verify",
    "signature_missing": "a public key was given but the folder is not signed",
    "signature_other_key": "the manifest is signed by a different key than the one given",
    "signed_manifest_changed": "manifest.json differs from the one that was signed",
    "signed_subject_changed": "a file's sha256 in the manifest differs from the one that was signed",
    "timestamp": "the RFC 3161 timestamp response (manifest.dsse.tsr) does not match the signature or is not granted",
    "finding_missing": "a finding of the first run is not in the second",
    "finding_extra": "a finding of the second run is not in the first",
    "finding_changed": "a finding has different content in the two runs",
}


@dataclass(frozen=True)
class Difference:
    kind: str
    path: str
    expected: str | None = None
    actual: str | None = None

    def __str__(self) -> str:
        text = f"{self.kind}: {self.path}"
        if self.expected is not None or self.actual is not None:
            text += f" (expected {self.expected}, found {self.actual})"
        return text


@dataclass
class VerifyResult:
    run_dir: Path
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked_outputs: int = 0
    checked_inputs: int = 0
    #: :meth:`workbench.signing.SignatureCheck.to_dict` of the folder's own signature, and of
    #: each regulator package's (by folder, relative), when checked.
    signature: dict[str, Any] | None = None
    package_signatures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences

    def report(self) -> str:
        """Human-readable lines: one per difference, then the notes, then a verdict."""
        lines = [f"verify {self.run_dir}"]
        lines += [f"  DIFF {d}" for d in self.differences]
        lines += [f"  note: {n}" for n in self.notes]
        if self.signature is not None:
            lines.append(f"  signature: {self.signature['message']}")
            if self.signature.get("timestamp"):
                lines.append(f"  timestamp: {self.signature['timestamp']['message']}")
        unsigned = [rel for rel, sig in self.package_signatures.items() if sig["status"] == "unsigned"]
        if unsigned:
            lines.append(f"  {len(unsigned)} regulator package(s) not signed: {', '.join(unsigned)}")
        for rel, sig in self.package_signatures.items():
            if sig["status"] != "unsigned":
                lines.append(f"  {rel}: {sig['message']}"
                             + (f"; {sig['timestamp']['message']}" if sig.get("timestamp") else ""))
        verdict = "INTACT" if self.ok else f"NOT INTACT: {len(self.differences)} difference(s)"
        lines.append(f"  {self.checked_outputs} output(s), {self.checked_inputs} input(s) checked: {verdict}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (``workbench verify --json``)."""
        return {"run_dir": str(self.run_dir), "ok": self.ok, "checked_outputs": self.checked_outputs,
                "checked_inputs": self.checked_inputs, "differences": [vars(d) | {"what": DIFFERENCE_KINDS.get(d.kind)}
                                                                       for d in self.differences],
                "notes": list(self.notes), "signature": self.signature,
                "package_signatures": dict(self.package_signatures)}


def _short(h: str | None) -> str | None:
    return h[:12] if h else h


def verify_run(run_dir: str | Path, *, case_path: str | Path | None = None,
               check_inputs: bool = True, pubkey: str | Path | None = None,
               check_signature: bool = True) -> VerifyResult:
    """Recompute a run folder's hashes and compare them with its manifest.

    Parameters
    ----------
    run_dir
        The run folder (holding ``manifest.json``).
    case_path
        A case.yaml whose inputs to hash (e.g. a regulator's copy of the case data). Default:
        the input paths recorded in the manifest, where they still exist.
    check_inputs
        Hash the inputs too (the largest part of the work on a big case).
    pubkey
        The signer's Ed25519 public key (PEM): the manifest's signature (and each regulator
        package's) is verified with it, and a missing signature is a difference. Without
        it a signature present is reported as not verified (:mod:`workbench.signing`).
    check_signature
        False skips the signature files altogether (``workbench sign`` checks the hashes
        before signing).
    """
    run_dir = Path(run_dir)
    result = VerifyResult(run_dir)
    try:
        manifest = _read_manifest(run_dir)
    except (OSError, ValueError) as err:
        result.differences.append(Difference("manifest", MANIFEST_NAME, "a readable manifest.json",
                                             f"a {err.kind}" if isinstance(err, NotRegularFileError)
                                             else type(err).__name__))
        return result
    if manifest.get("schema_version") != MANIFEST_SCHEMA_VERSION:
        result.notes.append(f"manifest schema {manifest.get('schema_version')} (this workbench writes {MANIFEST_SCHEMA_VERSION})")
    if manifest.get("status") != "completed" or not manifest.get("finished_at"):
        reason = (manifest.get("error") or {}).get("evalue")
        result.differences.append(Difference("status", MANIFEST_NAME, "completed",
                                             f"{manifest.get('status')}" + ("" if manifest.get("finished_at") else ", no finished_at")
                                             + (f": {str(reason)[:200]}" if reason else "")))
    _check_outputs(run_dir, manifest, result)
    if check_signature:
        _check_signatures(run_dir, manifest, result, pubkey)
    for a in manifest.get("amendments") or []:  # files added by `workbench report` are in outputs, so checked above
        result.notes.append(f"outputs amended after the run by `{a.get('command')}` at {a.get('at')}: packages "
                            f"{', '.join(a.get('packages') or []) or 'none'}; {len(a.get('added') or [])} file(s) "
                            f"added, {len(a.get('replaced') or {})} replaced (hashed in the manifest's outputs)")
    if check_inputs:
        _check_inputs(manifest, case_path, result)
    _environment_notes(manifest, result)
    log.info("verified %s: %d difference(s)", run_dir, len(result.differences))
    return result


def _read_manifest(run_dir: Path) -> dict[str, Any]:
    """The run's manifest.json, read only if it is a regular file (no link, no FIFO)."""
    with open_regular(run_dir / MANIFEST_NAME) as f:
        return json.loads(f.read().decode("utf-8"))


def _check_outputs(run_dir: Path, manifest: dict[str, Any], result: VerifyResult) -> None:
    recorded = manifest.get("outputs")
    if not isinstance(recorded, dict):
        result.differences.append(Difference("manifest", "outputs", "a list of outputs", "none"))
        return
    entries = run_entries(run_dir)  # the same listing the runner recorded the outputs with
    for rel in _signature_files(entries, recorded):  # they sign a manifest: checked by _check_signatures
        entries.pop(rel)
    result.checked_outputs = len(recorded)
    for rel, meta in sorted(recorded.items()):
        entry = entries.get(rel)
        if entry is None:
            result.differences.append(Difference("output_missing", rel))
        elif entry.kind == "file":
            actual = entry_sha256(entry)
            if actual is None or actual != meta.get("sha256"):
                result.differences.append(Difference("output_changed", rel, _short(meta.get("sha256")),
                                                     _short(actual) or "unreadable"))
    for rel, entry in sorted(entries.items()):
        expected = "a regular file" if rel in recorded and "sha256" in (recorded[rel] or {}) else None
        if entry.kind == "symlink":
            result.differences.append(Difference("output_symlink", rel, expected, _link_text(run_dir, entry)))
        elif entry.kind != "file":
            result.differences.append(Difference("output_special", rel, expected, entry.kind))
        elif rel not in recorded:
            result.differences.append(Difference("output_extra", rel, None, _short(entry_sha256(entry)) or "unreadable"))


def _signature_files(entries: dict[str, RunEntry], recorded: dict[str, Any]) -> list[str]:
    """The entries that are signature files beside a manifest (the folder's own, or a
    regulator package's listed in it) and not themselves listed in the manifest."""
    folders = {""} | {rel[: -len(MANIFEST_NAME)] for rel in recorded if rel.endswith("/" + MANIFEST_NAME)}
    return [rel for rel in entries if rel not in recorded
            and any(rel == folder + name for folder in folders for name in SIGNATURE_FILES)]


def _check_signatures(run_dir: Path, manifest: dict[str, Any], result: VerifyResult,
                      pubkey: str | Path | None) -> None:
    """The folder's signature, and each regulator package's that the manifest lists."""
    from workbench.signing import check_signature, load_public_key

    public = load_public_key(pubkey) if pubkey is not None else None
    own = check_signature(run_dir, public)
    result.signature = own.to_dict()
    for kind, path, expected, actual in own.problems:
        result.differences.append(Difference(kind, path, expected, actual))
    recorded = manifest.get("outputs") or {}
    for rel in sorted(r for r in recorded if r.startswith("regulators/") and r.endswith("/" + MANIFEST_NAME)):
        folder = rel[: -len(MANIFEST_NAME) - 1]
        pkg = check_signature(run_dir / folder, public, required=public is not None and own.status != "unsigned")
        result.package_signatures[folder] = pkg.to_dict()
        for kind, path, expected, actual in pkg.problems:
            result.differences.append(Difference(kind, f"{folder}/{path}", expected, actual))


def _link_text(run_dir: Path, entry: RunEntry) -> str:
    """``-> target``, and whether it leads out of the run folder (resolved by name, not opened)."""
    try:
        target = entry.target()
    except OSError:
        return "-> ?"
    inside = Path(os.path.realpath(entry.path)).is_relative_to(Path(os.path.realpath(run_dir)))
    return f"-> {target}" + ("" if inside else " (outside the run folder)")


def _check_inputs(manifest: dict[str, Any], case_path: str | Path | None, result: VerifyResult) -> None:
    from workbench.sources import file_sha256

    recorded = manifest.get("inputs") or {}
    current: dict[str, dict[str, Any]] | None = None
    if case_path is not None:
        from workbench.case import load_case
        from workbench.sources import input_hashes

        current = input_hashes(load_case(case_path))
    for name, meta in sorted(recorded.items()):
        expected = meta.get("sha256")
        if expected is None:
            result.notes.append(f"input {name}: read from a database ({meta.get('url')}); not hashed, not checked")
            continue
        if current is not None:
            if name not in current:
                result.differences.append(Difference("input_missing", name, _short(expected), "not declared"))
                continue
            actual = current[name].get("sha256")
        else:
            path = Path(meta.get("path") or "")
            if not meta.get("path") or not path.exists():
                result.notes.append(f"input {name}: {meta.get('path')} not present here; not checked "
                                    "(give --case with a copy of the case data)")
                continue
            kind = entry_kind(os.stat(path).st_mode)
            if kind not in ("file", "folder"):  # never open a FIFO or device: it could block
                result.checked_inputs += 1
                result.differences.append(Difference("input_changed", name, _short(expected), f"a {kind}"))
                continue
            actual = file_sha256(path)
        result.checked_inputs += 1
        if actual != expected:
            result.differences.append(Difference("input_changed", name, _short(expected), _short(actual)))
    if current is not None:
        for name in sorted(set(current) - set(recorded)):
            result.notes.append(f"input {name}: declared by the case given but not used by the run")


def _environment_notes(manifest: dict[str, Any], result: VerifyResult) -> None:
    from workbench.manifest import git_state, law_version, package_versions

    try:
        law = law_version()
    except Exception as err:  # a broken law data install is worth a note, not a crash
        law = f"unavailable ({type(err).__name__})"
    if manifest.get("law_data_version") and law != manifest.get("law_data_version"):
        result.notes.append(f"law data here ({_short(law)}) differs from the run's ({_short(manifest['law_data_version'])}): "
                            "a re-run here may give different deadlines")
    commit = (manifest.get("git") or {}).get("commit")
    here = git_state().get("commit")
    if commit and here and commit != here:
        result.notes.append(f"workbench code here is commit {_short(here)}, the run used {_short(commit)}")
    if (manifest.get("git") or {}).get("dirty"):
        result.notes.append("the run used a workbench checkout with uncommitted changes")
    recorded = manifest.get("packages") or {}
    now = package_versions()
    changed = [f"{k} {recorded[k]} -> {now.get(k)}" for k in sorted(recorded) if k in now and recorded[k] != now.get(k)]
    if changed:
        result.notes.append("package versions differ here: " + "; ".join(changed))


def _findings(run_dir: Path) -> dict[str, dict[str, Any]]:
    path = run_dir / "findings.json"
    if path.exists():
        rows = json.loads(path.read_text(encoding="utf-8"))["findings"]
    else:  # a run without the report stage: its artifacts
        from workbench.artifacts import read_findings
        rows = [f.to_dict() for f in read_findings(run_dir)]
    return {r["id"]: r for r in rows}


def compare_runs(first: str | Path, second: str | Path) -> VerifyResult:
    """Compare the findings (by id and content) and input hashes of two runs of one case."""
    first, second = Path(first), Path(second)
    result = VerifyResult(first)
    a, b = _findings(first), _findings(second)
    for fid in sorted(set(a) - set(b)):
        result.differences.append(Difference("finding_missing", fid, a[fid]["title"], None))
    for fid in sorted(set(b) - set(a)):
        result.differences.append(Difference("finding_extra", fid, None, b[fid]["title"]))
    for fid in sorted(set(a) & set(b)):
        changed = [k for k in a[fid] if a[fid].get(k) != b[fid].get(k)]
        if changed:
            result.differences.append(Difference("finding_changed", f"{fid} ({', '.join(changed)})",
                                                 *(json.dumps({k: r[fid].get(k) for k in changed}, default=str)[:200]
                                                   for r in (a, b))))
    result.checked_outputs = len(set(a) | set(b))
    try:
        ia = _read_manifest(first)["inputs"]
        ib = _read_manifest(second)["inputs"]
    except (OSError, ValueError, KeyError):
        result.notes.append("input hashes not compared (a manifest is missing)")
        return result
    for name in sorted(set(ia) | set(ib)):
        ha, hb = (ia.get(name) or {}).get("sha256"), (ib.get(name) or {}).get("sha256")
        result.checked_inputs += 1
        if ha != hb and name != "case.yaml":
            result.differences.append(Difference("input_changed", name, _short(ha), _short(hb)))
        elif ha != hb:
            result.notes.append("case.yaml differs between the runs (paths or parameters)")
    return result


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def run_state(manifest: dict[str, Any]) -> str:
    """``completed``, ``failed``, ``interrupted``, ``running`` (its process is alive) or
    ``incomplete`` (status still ``running`` but its process is gone: killed or crashed part-way)."""
    import socket

    from workbench.status import FINISHED, RunStatus

    status = manifest.get("status")
    if isinstance(status, str) and status in FINISHED and manifest.get("finished_at"):
        return str(status)
    if status == RunStatus.RUNNING and not manifest.get("finished_at"):
        proc = manifest.get("process") or {}
        if proc.get("host") == socket.gethostname() and isinstance(proc.get("pid"), int) and _alive(proc["pid"]):
            return str(RunStatus.RUNNING)
    return str(RunStatus.INCOMPLETE)


def list_runs(out: str | Path, case_id: str | None = None) -> list[dict[str, Any]]:
    """Every run folder under ``out`` (``out/<case_id>/<run_id>``), oldest first, with its state."""
    out = Path(out)
    rows = []
    for case_dir in sorted(p for p in out.iterdir() if p.is_dir()) if out.is_dir() else []:
        if case_id and case_dir.name != case_id:
            continue
        latest = case_dir / "latest"
        target = latest.resolve() if latest.is_symlink() else None
        for run_dir in sorted(p for p in case_dir.iterdir() if p.is_dir() and not p.is_symlink()):
            try:
                m = json.loads((run_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                m = {}
            rows.append({"case_id": case_dir.name, "run_id": run_dir.name, "state": run_state(m),
                         "started_at": m.get("started_at"), "finished_at": m.get("finished_at"),
                         "latest": target == run_dir.resolve(), "path": str(run_dir)})
    return rows
