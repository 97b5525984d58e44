# The front door. `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_PEOPLE ?= 50000
DEMO_SEED ?= 2017

.PHONY: help venv demo test test-fast lab bench bench-links screenshot clean-reports

help:
	@echo "make demo   - set up, generate the demo case, audit it, print the report path"
	@echo "make test   - set up (or reuse) the virtualenv and run the test suite"
	@echo "make lab    - open the notebooks in JupyterLab"
	@echo "make bench  - run the benchmarks (not part of the tests; BENCH_ARGS=--with-150m adds 150M people)"
	@echo "make bench-links - measure the look-alike link check (dnstwist permutations, real domains)"
	@echo "make screenshot - the README's picture of the demo report (after make demo; needs Chromium)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/workbench synth --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --out cases/demo --force
	$(BIN)/workbench run cases/demo/case.yaml

test: venv
	GX_ANALYTICS_ENABLED=false $(BIN)/python -m pytest -q

test-fast: venv
	GX_ANALYTICS_ENABLED=false $(BIN)/python -m pytest -q -m "not slow"

lab: venv
	$(BIN)/jupyter lab --notebook-dir=notebooks

bench: venv
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

bench-links: venv
	$(BIN)/python -m benchmarks.domains

# The README's screenshot: the first screen of the demo's report in headless Chromium, at 1280x900
# (fails, after writing it, if any text of the page overflows; workbench/looks.py).
SCREENSHOT_REPORT ?= reports/EXCB-2017-SYNTH/latest/report.html
screenshot: venv
	$(BIN)/python -m workbench.looks $(SCREENSHOT_REPORT) --out docs/images/report.png --width 1280 --height 900

clean-reports:
	find reports -mindepth 1 -maxdepth 1 ! -name README.md ! -name .gitkeep -exec rm -rf {} +
