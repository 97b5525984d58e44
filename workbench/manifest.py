"""The run manifest: what ran, on what inputs, with which code, and what it produced.

``manifest.json`` is written when a run starts (status ``running``), and rewritten when it
ends (``completed``, ``failed`` or ``interrupted``, see :mod:`workbench.status`). A run killed
part-way keeps ``running`` and no ``finished_at``: it is recognisable as incomplete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import stat
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO, Sequence

from workbench.artifacts import atomic_write_text
from workbench.errors import NotRegularFileError
from workbench.paths import CHECKOUT, MANIFEST_NAME

MANIFEST_SCHEMA_VERSION = "1.0"
#: Packages whose versions decide results; recorded in every manifest.
TRACKED_PACKAGES = ("breach-audit-workbench", "pandas", "numpy", "pyarrow", "great-expectations",
                    "papermill", "nbconvert", "nbclient", "ipykernel", "matplotlib", "duckdb",
                    "holidays", "pydantic", "weasyprint", "jinja2", "defusedxml", "rapidfuzz", "pglast")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_state(root: Path | None = CHECKOUT) -> dict[str, Any]:
    """The commit of the workbench code, and whether the tree had uncommitted changes; both
    None for an installed package (its version is under ``packages``)."""
    if root is None:
        return {"commit": None, "dirty": None}

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def law_version() -> str | None:
    """The law data's version hash, when the law package is present."""
    try:
        from workbench.law import load_rulebook
    except ImportError:
        return None
    return load_rulebook().version_hash


#: What a run-folder entry is, from its lstat mode (links and special files are never opened).
_KINDS = ((stat.S_ISREG, "file"), (stat.S_ISDIR, "folder"), (stat.S_ISLNK, "symlink"), (stat.S_ISFIFO, "fifo"),
          (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"))


def entry_kind(mode: int) -> str:
    """``file``, ``folder``, ``symlink``, ``fifo``, ``socket``, ``character device``, ``block device``."""
    return next((name for test, name in _KINDS if test(mode)), "unknown")


@dataclass(frozen=True)
class RunEntry:
    """One entry of a run folder, as lstat saw it."""

    rel: str
    path: Path
    kind: str
    st: os.stat_result | None = None

    def target(self) -> str:
        """Where a symlink points (read, never followed)."""
        return os.readlink(self.path) if self.kind == "symlink" else ""


def run_entries(run_dir: str | Path) -> dict[str, RunEntry]:
    """Every entry of a run folder but its ``manifest.json``, hidden ones included, by
    relative path. Entries are classified with lstat and nothing is opened: a symlink is
    listed (its folder never entered), a FIFO, socket or device is listed as such, an
    unreadable folder as ``unreadable folder``. The runner's manifest and ``verify`` both
    count outputs with this one function."""
    run_dir = Path(run_dir)
    out: dict[str, RunEntry] = {}

    def walk(folder: Path, prefix: str) -> None:
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError:
            out[prefix] = RunEntry(prefix, folder, "unreadable folder")
            return
        for item in items:
            rel = prefix + item.name
            try:
                st = item.stat(follow_symlinks=False)
            except OSError:  # gone since listed
                continue
            kind = entry_kind(st.st_mode)
            if kind == "folder":
                walk(Path(item.path), rel + "/")
            elif rel != MANIFEST_NAME:
                out[rel] = RunEntry(rel, Path(item.path), kind, st)

    walk(run_dir, "")
    return out


def open_regular(path: str | Path, seen: os.stat_result | None = None) -> BinaryIO:
    """Open a regular file for reading, never a symlink or special file.

    The path is checked with lstat (or ``seen``, the lstat already made) before it is
    opened, so a FIFO is never opened and cannot block; it is opened without following a
    link and checked again, so a file swapped for a link in between is refused too.

    Raises
    ------
    NotRegularFileError
        when the path is a symlink, FIFO, socket or device, or changed while being opened.
    """
    seen = seen if seen is not None else os.lstat(path)
    kind = entry_kind(seen.st_mode)
    if kind != "file":
        raise NotRegularFileError(str(path), kind)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        if os.path.islink(path):
            raise NotRegularFileError(str(path), "symlink") from err
        raise
    f = os.fdopen(fd, "rb")
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (seen.st_dev, seen.st_ino):
        f.close()
        raise NotRegularFileError(str(path), "file replaced while being opened")
    return f


def entry_sha256(entry: RunEntry) -> str | None:
    """sha256 of a regular file listed by :func:`run_entries`; None when it is not one (any
    more) or cannot be read."""
    if entry.kind != "file" or entry.st is None:
        return None
    try:
        with open_regular(entry.path, entry.st) as f:
            h = hashlib.sha256()
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


def output_files(run_dir: Path) -> dict[str, dict[str, Any]]:
    """Every entry of the run folder except the manifest (:func:`run_entries`): regular files
    with sha256 and size; anything else (a symlink, a FIFO...) with its ``kind``."""
    out: dict[str, dict[str, Any]] = {}
    for rel, entry in run_entries(run_dir).items():
        if entry.kind == "file":
            out[rel] = {"sha256": entry_sha256(entry), "bytes": entry.st.st_size if entry.st else None}
        elif entry.kind == "symlink":
            out[rel] = {"kind": "symlink", "target": entry.target()}
        else:
            out[rel] = {"kind": entry.kind}
    return out


def write_manifest(run_dir: Path, doc: dict[str, Any]) -> Path:
    path = Path(run_dir) / MANIFEST_NAME
    atomic_write_text(path, json.dumps(doc, indent=2, default=str) + "\n")
    return path


def overwrite_manifest_in_place(run_dir: Path, doc: dict[str, Any]) -> bool:
    """Last resort on a full disk, where :func:`write_manifest` cannot create its temporary
    file: rewrite the existing ``manifest.json`` in the space it already holds. Done only
    when the text fits in that space (so no new block is needed); returns whether it was
    written. Not atomic: a reader may meet a half-written manifest, which reads as broken,
    never as completed."""
    path = Path(run_dir) / MANIFEST_NAME
    data = (json.dumps(doc, indent=1, default=str) + "\n").encode()
    try:
        if len(data) > path.stat().st_blocks * 512:
            return False
        with open(path, "r+b") as f:
            f.write(data)
            f.truncate()
            f.flush()
            os.fsync(f.fileno())
    except OSError:
        return False
    return True


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    return json.loads((Path(run_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))


def command_line() -> list[str]:
    return list(sys.argv)


#: Files ``workbench sign`` writes beside a manifest (the DSSE envelope, the RFC 3161
#: timestamp request and, once obtained, its response). They sign the manifest, so they
#: cannot be listed in it: :func:`workbench.verify.verify_run` checks them separately.
SIGNATURE_FILES = ("manifest.dsse.json", "manifest.dsse.tsq", "manifest.dsse.tsr")
PACKAGE_MANIFEST_KIND = "regulator-package"


def write_package_manifest(folder: str | Path, *, case_id: str, run_id: str, package: str,
                           generated_at: str, written: Sequence[str | Path] = (),
                           since_ns: int | None = None) -> Path:
    """Write ``<folder>/manifest.json`` for one regulator package: the run's manifest format
    (``outputs`` with sha256 and size of each file of the package, relative to it), so a
    package copied alone verifies with ``workbench verify <folder>``.

    The files hashed are those rendered: the paths in ``written`` and any file of the
    folder modified since ``since_ns`` (when rendering began, less :data:`MTIME_SLACK_NS`
    for coarse file-system clocks). A file that was already in the folder is left out, so
    it shows as extra when the package is verified; with ``since_ns`` None every file is
    hashed. Signature files are left out too (they sign a manifest; a re-rendered package
    needs signing again). ``finished_at`` is the run's timestamp (findings.json's
    ``generated_at``): rebuilding the package of a run gives the same manifest."""
    folder = Path(folder)
    names = {Path(p).name if Path(p).parent == folder else Path(p).relative_to(folder).as_posix() for p in written}
    outputs: dict[str, Any] = {}
    for rel, meta in output_files(folder).items():
        if rel in SIGNATURE_FILES:
            continue
        if since_ns is not None and rel not in names:
            try:
                if os.lstat(folder / rel).st_mtime_ns < since_ns - MTIME_SLACK_NS:
                    continue
            except OSError:
                continue
        outputs[rel] = meta
    doc = {"schema_version": MANIFEST_SCHEMA_VERSION, "kind": PACKAGE_MANIFEST_KIND, "case_id": case_id,
           "run_id": run_id, "package": package, "status": "completed", "finished_at": generated_at,
           "outputs": outputs}
    return write_manifest(folder, doc)


#: How much older than the start of rendering a package file may look and still be hashed
#: into the package's manifest (file systems with one- or two-second timestamps).
MTIME_SLACK_NS = 2_000_000_000
