"""Walking an input folder (a folder of Form 4 filings) without leaving it.

A folder input is read and hashed file by file. A symbolic link inside it is followed only
when it leads to a file inside the folder: a link leading out of it (to ``/etc/passwd``,
to another case's data) or to nothing is reported as such, never read, so the folder's
content and its hash are exactly what the folder holds.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path


class EntryKind(enum.StrEnum):
    FILE = "file"              # a regular file, or a link to one inside the folder
    LINK_OUTSIDE = "link_outside"  # a link (to a file or a folder) leading out of the folder
    LINK_BROKEN = "link_broken"    # a link to nothing


@dataclass(frozen=True)
class Entry:
    path: Path          # as found in the folder (not resolved)
    rel: str            # relative to the folder, with forward slashes
    kind: EntryKind
    target: str | None = None  # where a link points (its text), for links

    def describe(self) -> str:
        """One line for an error or a log, naming the entry and where it leads."""
        if self.kind == EntryKind.LINK_OUTSIDE:
            return f"{self.path} is a symbolic link to {self.target}, outside the folder; not followed"
        if self.kind == EntryKind.LINK_BROKEN:
            return f"{self.path} is a symbolic link to {self.target}, which does not exist"
        return str(self.path)


def walk(folder: str | Path) -> list[Entry]:
    """Every file below ``folder``, sorted by relative path, with links classified.

    Links to folders are never descended: one inside the folder repeats files already
    listed where they really are, one outside is an :attr:`EntryKind.LINK_OUTSIDE` entry.
    Special files (pipes, sockets, devices) are not files and are left out.
    """
    folder = Path(folder)
    root = folder.resolve()
    out: list[Entry] = []
    for here, dirs, files in os.walk(folder, followlinks=False):
        for name, listed_as_file in [(d, False) for d in dirs] + [(f, True) for f in files]:
            p = Path(here, name)
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                entry = _link(p, rel, root, listed_as_file)
                if entry is not None:
                    out.append(entry)
            elif listed_as_file and p.is_file():
                out.append(Entry(p, rel, EntryKind.FILE))
    return sorted(out, key=lambda e: Path(e.rel).parts)  # the order pathlib sorts paths in (folder hashes keep it)


def _link(p: Path, rel: str, root: Path, listed_as_file: bool) -> Entry | None:
    target = os.readlink(p)
    try:
        resolved = p.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return Entry(p, rel, EntryKind.LINK_BROKEN, target)
    if not resolved.is_relative_to(root):
        return Entry(p, rel, EntryKind.LINK_OUTSIDE, target)
    if not resolved.exists():
        return Entry(p, rel, EntryKind.LINK_BROKEN, target)
    if listed_as_file and resolved.is_file():
        return Entry(p, rel, EntryKind.FILE, target)
    return None  # a link to a folder inside: its files are listed where they are
