"""Which kernel a run uses, and what of the kernel's stderr reaches the run's log."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from workbench.cli import main
from workbench.errors import UnknownNameError
from workbench.kernels import (THIS_INTERPRETER, available_kernels, forward_stderr, resolve_kernel,
                               this_interpreter_spec)

TCP_WARNING = (b"[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication "
               b"(including code and outputs) is sent in plain text and is susceptible to eavesdropping.\n")


def write_kernel_spec(jupyter_path, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
    """A kernel spec folder ``<jupyter_path>/kernels/<name>/kernel.json``."""
    folder = jupyter_path / "kernels" / name
    folder.mkdir(parents=True)
    spec = {"argv": argv, "display_name": name, "language": "python", **({"env": env} if env else {})}
    (folder / "kernel.json").write_text(json.dumps(spec))


def test_the_default_kernel_is_this_interpreter(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KERNEL", raising=False)
    assert resolve_kernel() == THIS_INTERPRETER
    assert this_interpreter_spec().argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]


def test_workbench_kernel_names_a_kernel_spec(monkeypatch, tmp_path):
    write_kernel_spec(tmp_path, "conda-audit", [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_KERNEL", "conda-audit")
    assert "conda-audit" in available_kernels()
    assert resolve_kernel() == "conda-audit"
    assert resolve_kernel("python3") == "python3"  # the option wins over the variable


def test_an_unknown_kernel_lists_the_available_ones(monkeypatch):
    monkeypatch.delenv("WORKBENCH_KERNEL", raising=False)
    with pytest.raises(UnknownNameError) as err:
        resolve_kernel("no-such-kernel")
    assert "no-such-kernel" in str(err.value)
    assert THIS_INTERPRETER in err.value.known and "python3" in err.value.known


def test_run_with_an_unknown_kernel_exits_2_before_any_run_folder(minimal_case, tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["run", str(minimal_case), "--out", str(out), "--kernel", "no-such-kernel"]) == 2
    err = capsys.readouterr().err
    assert "unknown kernel 'no-such-kernel'" in err and THIS_INTERPRETER in err
    assert not out.exists() or not any(out.rglob("manifest.json"))


def test_the_tcp_warning_is_dropped_and_other_kernel_stderr_is_logged(caplog):
    stderr = io.BytesIO(TCP_WARNING + b"[IPKernelApp] ERROR | something the kernel had to say\n\n")
    with caplog.at_level(logging.WARNING, logger="workbench.kernel"):
        forward_stderr(stderr)
    assert [r.getMessage() for r in caplog.records] == ["kernel: [IPKernelApp] ERROR | something the kernel had to say"]
    assert stderr.closed
