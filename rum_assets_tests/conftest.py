"""Shared fixtures: isolated Dagster home, warehouse file and state directory per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rum_assets.config import env_vars
from rum_assets.runtime.sqlite_commits import sync_sqlite_commits_lazily
from rum_assets_tests import slow_tests

pytest_plugins = [
    "rum_assets_tests.v3_contract_plugin",  # every v3 emulator answer in every test keeps the description
    "rum_assets_tests.log_audit_plugin",  # a passing test logs no WARNING or ERROR it is not about
]
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Each test's Dagster home is thrown away: its SQLite commits need no fsync each (rum_assets/runtime/sqlite_commits.py)."""
    sync_sqlite_commits_lazily()


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the developer's data/, .dagster_home/ or vendor credentials."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("RUM_ASSETS_DUCKDB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("RUM_ASSETS_STATE_DIR", str(tmp_path / "state"))
    for variable in env_vars.ALL:
        if variable not in (env_vars.DUCKDB_PATH, env_vars.STATE_DIR):
            monkeypatch.delenv(variable.name, raising=False)
    yield


# The longest tests of a full run (call + setup + teardown, 2 cores, 6 workers), longest first. xdist hands
# tests out in collection order, so one of these collected last keeps a worker busy for minutes after the
# others are done; started first, they overlap the many short ones instead.
LONGEST_FIRST = (
    "rum_assets_tests/ui/test_backfill_daemon.py",
    "rum_assets_tests/test_faults_e2e.py",
    "rum_assets_tests/deploy/test_topology.py",
    "rum_assets_tests/ui/test_dead_runs.py",
    "rum_assets_tests/ui/test_browser.py",
    "rum_assets_tests/orchestration/test_marts_e2e.py",
    "rum_assets_tests/test_secrets_scan.py",
    "rum_assets_tests/postgres/test_v1_budget_nodes.py",
    "rum_assets_tests/ui/test_browser_marts.py",
    "rum_assets_tests/components/test_two_accounts.py",
    "rum_assets_tests/test_demo.py",
    "rum_assets_tests/postgres/test_revenera_postgres.py",
    "rum_assets_tests/test_bench_runs.py",
)


def _start_order(item: pytest.Item) -> int:
    """Known-long files first (in LONGEST_FIRST's order), then the other ``slow`` tests, then the rest."""
    path = item.nodeid.split("::", 1)[0]
    if path in LONGEST_FIRST:
        return LONGEST_FIRST.index(path)
    return len(LONGEST_FIRST) + (0 if item.get_closest_marker("slow") else 1)


def _long_then_quick(items: list[pytest.Item]) -> list[pytest.Item]:
    """The known-long tests, each followed by a quick one, then the rest in their order.

    xdist keeps two tests on each worker: the running one and the next, which it sends when the one
    before starts. Were two long tests adjacent in the queue, one worker would get both and run them one
    after the other (faults e2e then topology: 7 minutes of wall on one worker) while the others ran
    out of work. With a quick test between every two long ones, the test a worker holds next while
    running a long one is a quick one, and it takes the next long test only once it is free."""
    long = [item for item in items if item.nodeid.split("::", 1)[0] in LONGEST_FIRST]
    long_ids = {id(item) for item in long}
    quick = [item for item in items if id(item) not in long_ids and not item.get_closest_marker("slow")]
    spacers = quick[: len(long)]
    spacer_ids = {id(item) for item in spacers}
    ordered: list[pytest.Item] = []
    for index, item in enumerate(long):
        ordered.append(item)
        if index < len(spacers):
            ordered.append(spacers[index])
    return ordered + [item for item in items if id(item) not in long_ids and id(item) not in spacer_ids]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under ``ui/`` (a live Dagster deployment, a browser, a daemon) is ``slow``, and so is every
    test ``slow_tests.txt`` lists as measured slow: ``make test-fast`` leaves them out; ``make test`` and CI run them.

    Then the known-long tests are moved to the front, each followed by a quick test (``_long_then_quick``),
    the other slow ones after them (a stable sort, so the order is the same in every xdist worker and
    within a group stays the collection order)."""
    ui = PROJECT_ROOT / "rum_assets_tests" / "ui"
    measured = slow_tests.listed()
    for item in items:
        if ui in Path(str(item.fspath)).parents or slow_tests.function_id(item.nodeid) in measured:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_start_order)
    items[:] = _long_then_quick(items)
