"""Build hook: the notebooks and expectation suites ship inside the package.

They live at the top of the repository (``notebooks/``, ``expectations/``: the layout is
fixed and tested), and a workbench installed from a wheel has no checkout to read them
from. ``build_py`` copies them to ``workbench/bundled/`` in the build, where
``workbench.paths`` finds them; an editable install reads them from the checkout instead.
Everything else about the package is declared in pyproject.toml.
"""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Top-level folder -> the files of it that ship, copied to workbench/bundled/<folder>/.
BUNDLED = {"notebooks": "*.ipynb", "expectations": "*.json"}


def bundled_files(build_lib: str) -> list[tuple[str, str]]:
    """(target in the build, source) for every bundled file; a missing or empty folder
    fails the build rather than shipping a workbench with nothing to run."""
    pairs = []
    for folder, pattern in BUNDLED.items():
        sources = sorted((ROOT / folder).glob(pattern))
        if not sources:
            raise SystemExit(f"setup.py: no {pattern} in {ROOT / folder}; the package would ship without them")
        pairs += [(os.path.join(build_lib, "workbench", "bundled", folder, s.name), str(s)) for s in sources]
    return pairs


class build_py_with_bundled(build_py):
    """``build_py`` that also copies notebooks/ and expectations/ into the package."""

    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads them from the checkout
            return
        for target, source in bundled_files(self.build_lib):
            self.mkpath(os.path.dirname(target))
            self.copy_file(source, target)

    def get_outputs(self, include_bytecode=1):
        outputs = super().get_outputs(include_bytecode)
        return outputs if self.editable_mode else outputs + [t for t, _ in bundled_files(self.build_lib)]


setup(cmdclass={"build_py": build_py_with_bundled})
