# materials-map: the two commands in the README are `make demo` and `make test`.
# Everything is installed from the package registries (PyPI, npm, Debian) into .venv and
# node_modules; nothing is downloaded at run time.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
# the venv's tools (jupyter, jupyter-builder) must be found by npm scripts and jupyter itself
export PATH := $(abspath $(VENV))/bin:$(PATH)
PY := $(VENV)/bin/python
# pip prints one harmless warning per package about this machine's local index folders
PIP := $(PY) -m pip -q --disable-pip-version-check
QUIET_PIP := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
TORCH := torch==2.13.0
STAMP := $(VENV)/.installed
DEMO_DIR ?= artifacts/demo

.PHONY: help install build chromium demo demo-headless test test-fast lint docs docs-img bench clean

help:
	@echo "make demo           install everything, start JupyterLab on notebooks/01_quickstart.ipynb"
	@echo "make test           install everything (+ Debian chromium), run lint, vitest and pytest"
	@echo "make demo-headless  write $(DEMO_DIR)/map.html and map.png without a browser window"
	@echo "make docs           build the API reference from the docstrings (strict) into artifacts/site"
	@echo "make bench          run the benchmarks in tests/benchmarks/"
	@echo "make docs-img       regenerate the README's pictures in docs/img"
	@echo "make build          rebuild the front end (js/ -> materials_map/static, labextension)"

$(STAMP): pyproject.toml package.json package-lock.json
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --upgrade pip $(QUIET_PIP)
	$(PIP) install $(TORCH) $(QUIET_PIP)
	# the editable install skips hatch-jupyter-builder's `npm install`, which rewrites
	# package-lock.json: node_modules comes from the lock as committed (npm ci), then the
	# front end is built once (its last step needs the venv's jupyter)
	HATCH_JUPYTER_BUILDER_SKIP_NPM=1 $(PIP) install -e ".[test,all]" $(QUIET_PIP)
	npm ci --no-audit --no-fund
	npm run build
	$(VENV)/bin/jupyter labextension develop --overwrite . > /dev/null
	touch $@

install: $(STAMP)

build: install
	npm run build

chromium:
	@command -v chromium > /dev/null || { \
	  echo "installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium > /dev/null; }

# JupyterLab on notebooks/01_quickstart.ipynb; the command line (with --allow-root for root, as in
# containers) is materials-map's own: `materials-map demo --print-command` shows it.
# DEMO_ARGS passes e.g. --port/--token/--no-browser (tests/packaging/test_demo.py).
demo: install
	$(VENV)/bin/materials-map demo $(DEMO_ARGS)

demo-headless: install
	$(VENV)/bin/materials-map demo --export $(DEMO_DIR)

lint: install
	$(VENV)/bin/ruff check materials_map tests dev_scripts
	$(VENV)/bin/ruff format --check materials_map tests dev_scripts
	npm run typecheck

# the API reference from the docstrings (mkdocs.yml), every warning an error
docs: install
	$(VENV)/bin/mkdocs build --strict --quiet

# two pytest-xdist workers, each module on whichever is free, the browser modules first (each
# worker that takes one starts its own JupyterLab and Chromium), then the longest
# (tests/conftest.py orders them); the 25 slowest listed. Three workers on the 2-core machine
# were slower (pytest 576 s against 543 s with two): the suite is CPU-bound
PYTEST_WORKERS ?= 2
test: install chromium lint docs
	npm test
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder --durations=25

test-fast: install lint
	$(PY) -m pytest -m "not browser and not slow"

# the README's pictures (docs/img/li-o-explorer.png, li-o-map.png, mmap-viewer.png), taken by
# the browser tests in a real JupyterLab + Chromium; `make test` writes them only into temp folders
docs-img: install chromium
	MATERIALS_MAP_DOCS_IMG=1 $(PY) -m pytest tests/browser/test_readability.py tests/browser/test_documents.py \
	  -k for_the_readme -p no:cacheprovider

bench: install chromium
	for f in tests/benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f; done

clean:
	rm -rf $(VENV) node_modules materials_map/static materials_map/labextension js/lib dist artifacts
