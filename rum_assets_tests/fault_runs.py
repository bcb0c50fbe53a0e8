"""Landing days of every asset from the emulator, as the demo does, for the fault and secret tests.

Resources are built when a run starts (not taken from an already imported ``defs``), so each test's
environment (emulator URL, warehouse, state directory, credentials) is the one used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from rum_assets.config import settings
from rum_assets.config.emulator_env import emulator_env
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import EmulatorSettings, start_emulator
from rum_emulator.server import EmulatorServer

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
LINEAGE_COLUMNS = frozenset({"_run_id", "_ingested_at", "fetched_at"})
"""Columns that say when and by which run a row was written: they differ between two runs."""


def recent_days(count: int = 3) -> list[date]:
    """Complete UTC days whose export files are final whatever the hour (the newest is two days ago)."""
    newest = date.today() - timedelta(days=2)
    return [newest - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


@contextmanager
def emulator_environment(emulator_settings: EmulatorSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorServer]:
    """Both vendors' emulator, with the environment pointing the project at it; stopped afterwards."""
    server = start_emulator(emulator_settings)
    try:
        for name, value in emulator_env(server.base_url, emulator_settings).items():
            monkeypatch.setenv(name, value)
        yield server
    finally:
        server.stop()


def build_resources(database: Path) -> dict[str, Any]:
    from rum_assets.definitions import raygun_resource, revenera_resource

    return {
        "raygun": raygun_resource(),
        "revenera": revenera_resource(),
        "warehouse": WarehouseResource(database=str(database), connection_config=settings.duckdb_connection_config()),
    }


def all_assets() -> tuple[list[dg.AssetsDefinition], list[dg.AssetsDefinition]]:
    """(unpartitioned, daily) asset definitions of the code location."""
    from rum_assets.definitions import build_definitions

    assets = [a for a in build_definitions().assets or [] if isinstance(a, dg.AssetsDefinition)]
    return [a for a in assets if a.partitions_def is None], [a for a in assets if a.partitions_def is not None]


def materialize_days(
    days: Iterable[date],
    resources: dict[str, Any],
    instance: dg.DagsterInstance,
    *,
    raise_on_error: bool = True,
    run_config: dict[str, Any] | None = None,
    marts: bool = True,
) -> list[dg.ExecuteInProcessResult]:
    """Every unpartitioned asset once, then every daily asset for each day (console log: errors only, unless ``run_config`` says).

    ``marts=False`` leaves out the KPI marts (they only read the warehouse, so a test about what the
    vendors' answers become does not need them; ``test_marts_e2e`` covers them)."""
    run_config = QUIET if run_config is None else run_config
    unpartitioned, daily = all_assets()
    if not marts:
        from rum_assets.orchestration.mart_registry import MARTS

        mart_keys = {mart.key for mart in MARTS}
        daily = [asset for asset in daily if not set(asset.keys) & mart_keys]
    results = [
        dg.materialize(
            unpartitioned + daily,
            selection=unpartitioned,
            resources=resources,
            instance=instance,
            run_config=run_config,
            raise_on_error=raise_on_error,
        )
    ]
    for day in days:
        results.append(
            dg.materialize(
                daily,
                partition_key=day.isoformat(),
                resources=resources,
                instance=instance,
                run_config=run_config,
                raise_on_error=raise_on_error,
            )
        )
    return results


def table_contents(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every raygun/revenera table's rows without lineage columns, in a stable order."""
    contents: dict[str, list[tuple[Any, ...]]] = {}
    with duckdb.connect(str(database), read_only=True) as conn:
        columns = conn.execute(
            "SELECT table_schema || '.' || table_name, list(column_name ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_schema IN ('raygun', 'revenera') GROUP BY 1 ORDER BY 1"
        ).fetchall()
        for name, names in columns:
            kept = ", ".join(f'"{c}"' for c in names if c not in LINEAGE_COLUMNS)
            contents[name] = conn.execute(f"SELECT {kept} FROM {name} ORDER BY ALL").fetchall()
    return contents
