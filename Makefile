# Needs only python3 (3.11+), git and make: uv is installed into .tools/ on first use.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3
# Installed packages get their bytecode compiled at install time: with PYTHONDONTWRITEBYTECODE=1 (set on
# our machines) nothing is cached later, and every process (the CLI, each run worker, each test's
# subprocess) would compile Dagster from source again, ~3.5 s each.
export UV_COMPILE_BYTECODE := 1
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test test-fast slow-tests lint format ui emulator bench check-defs clean

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml emulator/pyproject.toml uv.lock Makefile
	$(UV) sync --frozen --quiet --compile-bytecode
	# Our own packages are installed editable, so uv compiles none of them: ~0.1 s saved in every process.
	.venv/bin/python -m compileall -q rum_assets emulator/rum_emulator >/dev/null
	touch $@

## Land the last 3 complete UTC days of every asset from the built-in emulator into data/rum_assets.duckdb.
demo: .venv/.synced
	.venv/bin/rum-assets demo

## Tests run in TEST_WORKERS processes (pytest-xdist): most of the suite's time is spent waiting (vendor
## pacing, Dagster start-ups, subprocesses), so more workers than cores help: on 2 cores, with the long tests first,
## 6 workers took 703 s of pytest where 4 took 813 s (under other load).
## Each test has its own Dagster home, warehouse, state directory and free ports, so workers never share one.
TEST_WORKERS ?= 6

## Run the whole test suite. --dist loadgroup hands tests out one at a time (each worker holds the running test
## and the next; no test is marked xdist_group, which with pytest 9.2 and xdist 3.8 would not group anyway).
## rum_assets_tests/conftest.py puts the known-long tests first, each followed by a
## quick one, so that no worker holds two long tests at once. --durations=20 prints the twenty longest, where
## the suite's time goes.
PYTEST_XDIST := -n $(TEST_WORKERS) --dist loadgroup
test: .venv/.synced
	.venv/bin/python -m pytest $(PYTEST_XDIST) --durations=20

## The edit-run loop: the suite without the slow end-to-end tests (live deployment, daemon, browser, several
## processes), those measured slow (rum_assets_tests/slow_tests.txt) and the PostgreSQL ones (each starts a server
## and loads both warehouses); `make test` runs all.
test-fast: .venv/.synced
	.venv/bin/python -m pytest $(PYTEST_XDIST) -m "not slow and not postgres"

## Measure the whole suite and rewrite rum_assets_tests/slow_tests.txt, the measured-slow tests test-fast leaves out.
slow-tests: .venv/.synced
	.venv/bin/python -m pytest $(PYTEST_XDIST) -q -p no:cacheprovider --junitxml=.slow-tests.xml || true
	.venv/bin/python -m rum_assets_tests.slow_tests .slow-tests.xml
	rm -f .slow-tests.xml

## Lint, formatting check (ruff) and type check (mypy, configured in pyproject.toml [tool.mypy]); CI runs it before the tests.
lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format: .venv/.synced
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

## The Dagster UI (http://127.0.0.1:3000) on the demo data, with the emulator serving both vendors.
ui: .venv/.synced
	.venv/bin/rum-assets ui

emulator: .venv/.synced
	.venv/bin/rum-assets emulator

## One day of Raygun sessions landed by our CLI, a bare fetch+parse loop and dlt, each in its own process
## (median of BENCH_RUNS runs; e.g. `make bench BENCH_RUNS=5 BENCH_ARGS="--sizes 10,10000"`).
BENCH_RUNS ?= 3
bench: .venv/.synced
	$(UV) sync --frozen --quiet --group bench
	.venv/bin/python -m bench --runs $(BENCH_RUNS) $(BENCH_ARGS)
	.venv/bin/python -m bench.suite

## The code location and every defs.yaml account load (dg check defs) and list (dg list defs); CI runs it.
## VIRTUAL_ENV names the venv dg runs in (else it warns that none is activated); without DAGSTER_HOME it loads on
## a temporary instance rather than warning that .dagster_home has no dagster.yaml.
check-defs: .venv/.synced
	env -u DAGSTER_HOME VIRTUAL_ENV=$(CURDIR)/.venv .venv/bin/dg check defs
	env -u DAGSTER_HOME VIRTUAL_ENV=$(CURDIR)/.venv .venv/bin/dg list defs --json >/dev/null

clean:
	rm -rf .venv $(TOOLS) .dagster_home data
