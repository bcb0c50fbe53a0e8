"""The demo: start the emulator, land some complete UTC days of every asset, print what landed."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb

from rum_assets.config import env_vars, settings
from rum_assets.config.emulator_env import emulator_env
from rum_assets.definitions import build_definitions
from rum_assets.demo_progress import showing_progress
from rum_assets.demo_summary import CATALOG, CallFigures, record_calls, summary_lines
from rum_assets.orchestration.mart_summary import mart_summary_lines
from rum_assets.orchestration.run_health import WorkerIdentity, clear_dead_runs
from rum_assets.raygun import names as raygun_names
from rum_assets.revenera import names as revenera_names
from rum_assets.revenera.finality import final_by_date
from rum_assets.runtime.sqlite_commits import keep_sqlite_files_open, sync_sqlite_commits_lazily
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import EmulatorSettings, start_emulator

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
"""The demo prints its own progress and summary; Dagster's step-by-step log goes to the run history."""
CALLS_USED = {"raygun": raygun_names.API_CALLS_USED, "revenera": revenera_names.API_CALLS_USED}
BUDGETS_LEFT = {"raygun v1": raygun_names.API_BUDGET_LEFT, "raygun v3": raygun_names.V3_BUDGET_LEFT}


@contextmanager
def _warehouse_kept_open(resources: Mapping[str, object]) -> Iterator[None]:
    """Hold one DuckDB connection for the demo's runs: they execute in this process, so every step's
    connection joins the database already open instead of opening the file again, and closing it does
    not checkpoint the file (~75 ms each way, ~5 connections a step)."""
    warehouse = resources.get("warehouse")
    if not isinstance(warehouse, WarehouseResource) or warehouse.kind != "duckdb":
        yield
        return
    with warehouse.connection():
        yield


def _materialize_all(days: list[date]) -> CallFigures:
    """Materialize every asset: unpartitioned ones once, daily ones for each day. Returns the calls made."""
    definitions = build_definitions()  # loaded now, so it reads the environment that points at the emulator
    instance = dg.DagsterInstance.get()
    # A run killed earlier keeps its pool slots, and the demo's steps would wait on them forever.
    for cleared in clear_dead_runs(instance):
        print(f"Marked run {cleared.run_id} failed: {cleared.message}", flush=True)
    # dg.materialize runs its own executor, so the demo records its runs' worker (this process) itself.
    worker = WorkerIdentity.current().tags()
    assets = list(definitions.assets or [])
    resources = dict(definitions.resources or {})
    unpartitioned = [a for a in assets if isinstance(a, dg.AssetsDefinition) and a.partitions_def is None]
    daily = [a for a in assets if isinstance(a, dg.AssetsDefinition) and a.partitions_def is not None]
    calls = CallFigures()
    with _warehouse_kept_open(resources):
        _materialize_catalog_and_days(instance, days, unpartitioned, daily, resources, worker, calls)
    return calls


def _materialize_catalog_and_days(
    instance: dg.DagsterInstance,
    days: list[date],
    unpartitioned: list[dg.AssetsDefinition],
    daily: list[dg.AssetsDefinition],
    resources: dict[str, object],
    worker: dict[str, str],
    calls: CallFigures,
) -> None:
    if unpartitioned:
        print(f"Materializing {len(unpartitioned)} unpartitioned assets ...", flush=True)
        with showing_progress(instance, "catalog", len(unpartitioned)) as tags:
            result = dg.materialize(
                unpartitioned + daily,
                selection=unpartitioned,
                resources=resources,
                instance=instance,
                run_config=QUIET,
                tags={**worker, **tags},
            )
        _record(calls, CATALOG, result)
    exports = set(revenera_names.EXPORT_ASSETS.values())
    today = datetime.now(UTC).date()
    for day in days:
        # Export files of yesterday are not final yet (see revenera/finality.py): the export sensor loads
        # them once they are, so the demo leaves them out rather than fail on them.
        final = final_by_date(day, today)
        selection = daily if final else [a for a in daily if a.key not in exports]
        note = "" if final else " (export files not final yet: the revenera_export_files sensor loads them later)"
        print(f"Materializing {day} ...{note}", flush=True)
        with showing_progress(instance, day.isoformat(), len(selection)) as tags:
            result = dg.materialize(
                daily,
                selection=selection,
                partition_key=day.isoformat(),
                resources=resources,
                instance=instance,
                run_config=QUIET,
                tags={**worker, **tags},
            )
        _record(calls, day.isoformat(), result)


def _record(calls: CallFigures, day: str, result: dg.ExecuteInProcessResult) -> None:
    for event in result.get_asset_materialization_events():
        metadata = event.step_materialization_data.materialization.metadata
        record_calls(calls, day, metadata, CALLS_USED, BUDGETS_LEFT)


DEMO_V3_HISTOGRAM_PAGES = 5
"""Per-page histograms per v3 application and day in the demo (RAYGUN_V3_HISTOGRAM_PAGES, default 50 elsewhere):
each is one call at v3's 10 calls a second, and five pages show the per-page web vitals as well as fifty."""


def run_demo(days: list[date], emulator_settings: EmulatorSettings) -> int:
    sync_sqlite_commits_lazily()  # the demo's run history is for looking at: an fsync per event was half its time
    keep_sqlite_files_open()
    server = start_emulator(emulator_settings)
    try:
        os.environ.update(emulator_env(server.base_url, emulator_settings))
        os.environ.setdefault(env_vars.RAYGUN_V3_HISTOGRAM_PAGES.name, str(DEMO_V3_HISTOGRAM_PAGES))
        database = settings.duckdb_path()
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        print(f"Emulator (Raygun v1 + v3, Revenera) at {server.base_url}; warehouse {database}; Dagster home {os.environ['DAGSTER_HOME']}")
        calls = _materialize_all(days)
    finally:
        server.stop()
    with duckdb.connect(database, read_only=True) as conn:
        marts = mart_summary_lines(conn, max(days))
    print("\n".join(summary_lines(database, days, calls, ["", "KPI marts (the last day)", *marts] if marts else [])))
    return 0
