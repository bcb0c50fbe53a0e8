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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under ``ui/`` (a live Dagster deployment, a browser, a daemon) is ``slow``, and so is every
    test ``slow_tests.txt`` lists as measured slow: ``make test-fast`` leaves them out; ``make test`` and CI run them."""
    ui = PROJECT_ROOT / "rum_assets_tests" / "ui"
    measured = slow_tests.listed()
    for item in items:
        if ui in Path(str(item.fspath)).parents or slow_tests.function_id(item.nodeid) in measured:
            item.add_marker(pytest.mark.slow)
