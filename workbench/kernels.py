"""The kernel a run's notebooks execute in, and what of its stderr reaches the run's log.

:class:`RunKernelManager` (given to papermill) reads the kernel's stderr, which would
otherwise go straight to the runner's stderr (a scheduled run's log): each line goes to
the ``workbench.kernel`` logger, hence to ``run.log``, except the lines of
:data:`QUIET_KERNEL_LINES`.
"""

from __future__ import annotations

import logging
import subprocess
import threading
from typing import IO, Any

from jupyter_client.manager import AsyncKernelManager

log = logging.getLogger("workbench.kernel")

#: Kernel stderr lines that never reach a run's log, with why.
QUIET_KERNEL_LINES: dict[str, str] = {
    # ipykernel >= 7 on every TCP start; jupyter_client binds the kernel's ports to
    # 127.0.0.1, so nothing leaves the machine, and a scheduled run's log should not cry wolf.
    "Kernel is running over TCP without encryption": "local loopback ports only",
}


def is_quiet(line: str) -> bool:
    """Whether a kernel stderr line is one of :data:`QUIET_KERNEL_LINES`."""
    return any(text in line for text in QUIET_KERNEL_LINES)


def forward_stderr(stream: IO[bytes], logger: logging.Logger = log) -> None:
    """Log every line of a kernel's stderr as a warning until it closes, but the quiet ones."""
    with stream:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip()
            if line and not is_quiet(line):
                logger.warning("kernel: %s", line)


class RunKernelManager(AsyncKernelManager):
    """papermill's kernel manager in a run: sends the kernel's stderr through :func:`forward_stderr`."""

    _stderr_thread: threading.Thread | None = None

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw.setdefault("stderr", subprocess.PIPE)
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.stderr is not None:
            self._stderr_thread = threading.Thread(target=forward_stderr, args=(process.stderr,),
                                                   name="kernel-stderr", daemon=True)
            self._stderr_thread.start()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._stderr_thread is not None:  # its last lines belong to this notebook's part of run.log
            self._stderr_thread.join(timeout=5)
            self._stderr_thread = None
