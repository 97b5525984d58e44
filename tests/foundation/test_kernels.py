"""Which kernel a run uses, and what of the kernel's stderr reaches the run's log."""

from __future__ import annotations

import io
import logging

from workbench.kernels import forward_stderr

TCP_WARNING = (b"[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication "
               b"(including code and outputs) is sent in plain text and is susceptible to eavesdropping.\n")


def test_the_tcp_warning_is_dropped_and_other_kernel_stderr_is_logged(caplog):
    stderr = io.BytesIO(TCP_WARNING + b"[IPKernelApp] ERROR | something the kernel had to say\n\n")
    with caplog.at_level(logging.WARNING, logger="workbench.kernel"):
        forward_stderr(stderr)
    assert [r.getMessage() for r in caplog.records] == ["kernel: [IPKernelApp] ERROR | something the kernel had to say"]
    assert stderr.closed
