"""One root error for the workbench, with narrow subclasses that carry structured fields.

Exceptions are for broken setup, broken input files or broken code, never for audit
results: those are findings (see :mod:`workbench.findings`).
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Root of every error the workbench raises on purpose.

    Every one survives pickling with its subclass and fields (an error raised in a worker
    process, such as the intake's, reaches the caller as it was raised): it is rebuilt from
    the arguments it was made with, whatever its ``__init__`` does with them.
    """

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls, *args)
        self._made_with = (args, kwargs)
        return self

    def __reduce__(self):
        args, kwargs = getattr(self, "_made_with", (self.args, {}))
        return (_rebuild, (type(self), args, kwargs))


def _rebuild(cls: type, args: tuple, kwargs: dict) -> "WorkbenchError":
    return cls(*args, **kwargs)


class CaseError(WorkbenchError):
    """case.yaml is invalid; ``problems`` holds one line per field problem."""

    def __init__(self, path: str, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path}: {len(self.problems)} problem(s)\n{lines}")


class InputError(WorkbenchError):
    """An input file or table cannot be read as its data contract says."""

    def __init__(self, file: str, message: str, *, row: int | None = None,
                 field: str | None = None, expected: str | None = None):
        self.file = str(file)
        self.row = row
        self.field = field
        self.expected = expected
        where = self.file
        if row is not None:
            where += f", row {row}"
        if field is not None:
            where += f", field {field!r}"
        text = f"{where}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


class LawDataError(WorkbenchError):
    """A legal-rules data file is malformed or inconsistent."""

    def __init__(self, file: str, message: str, *, line: int | None = None):
        self.file = str(file)
        self.line = line
        where = self.file if line is None else f"{self.file}:{line}"
        super().__init__(f"{where}: {message}")


class UnknownNameError(WorkbenchError, KeyError):
    """A registry lookup failed; the message lists the known names."""

    def __init__(self, kind: str, name: str, known: list[str]):
        self.kind, self.name, self.known = kind, name, sorted(known)
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


class GuardrailError(WorkbenchError):
    """A join or filter lost or multiplied rows, or keys were not unique."""


class RunError(WorkbenchError):
    """A notebook run failed; the run folder is kept and marked failed."""


class InputChangedError(RunError):
    """An input's content at the end of a run differs from its content at the start: the
    notebooks may each have read a different version, so the run cannot be trusted."""

    def __init__(self, changes: dict[str, tuple[str | None, str | None]]):
        self.changes = dict(changes)  # input name -> (sha256 at start, sha256 at end)
        parts = [f"{name} (sha256 at start {_short(a)}, at end {_short(b)})" for name, (a, b) in self.changes.items()]
        super().__init__("input_changed: " + "; ".join(parts))


def _short(digest: str | None) -> str:
    return digest[:12] if digest else "none (missing or unreadable)"


class NotRegularFileError(WorkbenchError, OSError):
    """A path that should be a regular file is a symlink, FIFO, socket or device (it is not
    opened: a FIFO would block the reader); ``kind`` says which."""

    def __init__(self, path: str, kind: str):
        self.path, self.kind = str(path), kind
        super().__init__(f"{self.path}: a {kind}, not a regular file")
