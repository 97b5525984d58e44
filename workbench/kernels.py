"""The kernel a run's notebooks execute in, and what of its stderr reaches the run's log.

By default a run's kernel is this interpreter (:data:`THIS_INTERPRETER`: ``sys.executable
-m ipykernel_launcher``), the one that has the workbench installed: the kernel spec named
``python3`` is whatever a user or system-wide ``jupyter/kernels/python3`` folder says, which
may be another Python. ``workbench run --kernel NAME`` or ``WORKBENCH_KERNEL`` pick a named
kernel spec instead (a JupyterHub or conda kernel); :func:`resolve_kernel` refuses an
unknown name, listing the known ones, before a run folder is made.

:class:`RunKernelManager` (given to papermill) starts either kind and reads the kernel's
stderr, which would otherwise go straight to the runner's stderr (a scheduled run's log):
each line goes to the ``workbench.kernel`` logger, hence to ``run.log``, except the lines
of :data:`QUIET_KERNEL_LINES`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from typing import IO, Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager

from workbench.errors import UnknownNameError

log = logging.getLogger("workbench.kernel")

#: The kernel name meaning "this interpreter" (never looked up among the kernel specs).
THIS_INTERPRETER = "workbench-python"
#: Kernel stderr lines that never reach a run's log, with why.
QUIET_KERNEL_LINES: dict[str, str] = {
    # ipykernel >= 7 on every TCP start; jupyter_client binds the kernel's ports to
    # 127.0.0.1, so nothing leaves the machine, and a scheduled run's log should not cry wolf.
    "Kernel is running over TCP without encryption": "local loopback ports only",
}


def this_interpreter_spec() -> KernelSpec:
    """The kernel spec of ipykernel in this interpreter (``sys.executable``)."""
    return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                      display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} ({sys.executable})",
                      language="python", metadata={"debugger": True})


def available_kernels() -> dict[str, str]:
    """Kernel name -> where it is defined: :data:`THIS_INTERPRETER` and every kernel spec
    jupyter_client finds (user, environment, system folders, ``JUPYTER_PATH``)."""
    return {THIS_INTERPRETER: sys.executable, **KernelSpecManager().find_kernel_specs()}


def resolve_kernel(name: str | None = None) -> str:
    """The kernel a run uses: ``name``, else ``WORKBENCH_KERNEL``, else :data:`THIS_INTERPRETER`.

    Raises
    ------
    UnknownNameError
        listing the available kernels, when the name is no kernel spec.
    """
    name = name or os.environ.get("WORKBENCH_KERNEL") or THIS_INTERPRETER
    if name == THIS_INTERPRETER:
        return name
    known = available_kernels()
    if name not in known:
        raise UnknownNameError("kernel", name, list(known))
    return name


def kernel_record(name: str) -> dict[str, Any]:
    """What the manifest says of the kernel a run used: its name, display name and command."""
    spec = _Specs().get_kernel_spec(name)
    return {"name": name, "display_name": spec.display_name, "argv": list(spec.argv)}


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


class _Specs(KernelSpecManager):
    """Kernel specs, with :data:`THIS_INTERPRETER` answered without looking at any folder."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name == THIS_INTERPRETER:
            return this_interpreter_spec()
        return super().get_kernel_spec(kernel_name)


class RunKernelManager(AsyncKernelManager):
    """papermill's kernel manager in a run: knows :data:`THIS_INTERPRETER`, and sends the
    kernel's stderr through :func:`forward_stderr`."""

    _stderr_thread: threading.Thread | None = None

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("kernel_spec_manager", _Specs())
        super().__init__(**kwargs)

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
