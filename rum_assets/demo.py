"""The demo: start the emulator, land some complete UTC days of every asset, print what landed."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb

from rum_assets.config import settings
from rum_assets.config.emulator_env import emulator_env
from rum_assets.definitions import defs
from rum_assets.orchestration.mart_summary import print_mart_summary
from rum_assets.orchestration.run_health import WorkerIdentity, clear_dead_runs
from rum_assets.raygun import names as raygun_names
from rum_assets.revenera import names as revenera_names
from rum_assets.revenera.finality import final_by_date
from rum_emulator.environment import EmulatorSettings, start_emulator

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
"""The demo prints its own progress and summary; Dagster's step-by-step log goes to the run history."""


def _materialize_all(days: list[date]) -> dict[str, dict[str, int]]:
    """Materialize every asset: unpartitioned ones once, daily ones for each day. Returns calls per day."""
    definitions = defs()  # loaded now, so it reads the environment that points at the emulator
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
    calls: dict[str, dict[str, int]] = defaultdict(dict)
    if unpartitioned:
        print(f"Materializing {len(unpartitioned)} unpartitioned assets ...", flush=True)
        dg.materialize(
            unpartitioned + daily, selection=unpartitioned, resources=resources, instance=instance, run_config=QUIET, tags=worker
        )
    exports = set(revenera_names.EXPORT_ASSETS.values())
    today = datetime.now(UTC).date()
    for day in days:
        # Export files of yesterday are not final yet (see revenera/finality.py): the export sensor loads
        # them once they are, so the demo leaves them out rather than fail on them.
        final = final_by_date(day, today)
        selection = daily if final else [a for a in daily if a.key not in exports]
        note = "" if final else " (export files not final yet: the revenera_export_files sensor loads them later)"
        print(f"Materializing {day} ...{note}", flush=True)
        result = dg.materialize(
            daily, selection=selection, partition_key=day.isoformat(), resources=resources, instance=instance, run_config=QUIET, tags=worker
        )
        for event in result.get_asset_materialization_events():
            materialization = event.step_materialization_data.materialization
            for vendor, key in (("raygun", raygun_names.API_CALLS_USED), ("revenera", revenera_names.API_CALLS_USED)):
                if key in materialization.metadata:
                    value = int(materialization.metadata[key].value)  # type: ignore[arg-type]
                    calls[day.isoformat()][vendor] = calls[day.isoformat()].get(vendor, 0) + value
    return calls


def _row_counts(database: str, days: list[date]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    with duckdb.connect(database, read_only=True) as conn:
        tables = conn.execute(
            "SELECT table_schema || '.' || table_name, "
            "bool_or(column_name = 'partition_date'), bool_or(column_name = 'source_api') FROM information_schema.columns "
            "WHERE table_schema IN ('raygun', 'revenera') GROUP BY 1 ORDER BY 1"
        ).fetchall()
        for name, partitioned, by_source in tables:
            if partitioned and by_source:  # Raygun tables hold v1 and v3 rows: one line per API
                rows = conn.execute(
                    f"SELECT source_api, partition_date, count(*) FROM {name} WHERE partition_date BETWEEN ? AND ? GROUP BY ALL ORDER BY 1",
                    [min(days), max(days)],
                ).fetchall()
                for source_api, d, n in rows:
                    counts.setdefault(f"{name} ({source_api})", {})[d.isoformat()] = n
            elif partitioned:
                rows = conn.execute(
                    f"SELECT partition_date, count(*) FROM {name} WHERE partition_date BETWEEN ? AND ? GROUP BY 1",
                    [min(days), max(days)],
                ).fetchall()
                counts[name] = {d.isoformat(): n for d, n in rows}
            else:
                counts[name] = {"(all)": conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]}  # type: ignore[index]
    return counts


def _print_summary(database: str, days: list[date], calls: dict[str, dict[str, int]]) -> None:
    counts = _row_counts(database, days)
    labels = [d.isoformat() for d in days]
    width = max((len(name) for name in counts), default=10) + 2
    print()
    print("Rows per table per day".ljust(width) + "".join(label.rjust(12) for label in labels))
    for name, per_day in counts.items():
        if "(all)" in per_day:
            print(name.ljust(width) + f"{per_day['(all)']:>12} (not partitioned)")
        else:
            print(name.ljust(width) + "".join(f"{per_day.get(label, 0):>12}" for label in labels))
    print()
    print("API calls used".ljust(width) + "".join(label.rjust(12) for label in labels))
    for vendor in ("raygun", "revenera"):
        print(vendor.ljust(width) + "".join(f"{calls.get(label, {}).get(vendor, 0):>12}" for label in labels))


def run_demo(days: list[date], emulator_settings: EmulatorSettings) -> int:
    server = start_emulator(emulator_settings)
    try:
        os.environ.update(emulator_env(server.base_url, emulator_settings))
        database = settings.duckdb_path()
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        print(f"Emulator (Raygun v1 + v3, Revenera) at {server.base_url}; warehouse {database}; Dagster home {os.environ['DAGSTER_HOME']}")
        calls = _materialize_all(days)
        _print_summary(database, days, calls)
        print_mart_summary(database, max(days))
    finally:
        server.stop()
    print()
    print(
        f"Look at the data:  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{database}', read_only=True).sql('SELECT source_api, application_id, count(*) FROM raygun.sessions GROUP BY ALL'))\""
    )
    print("Open the UI on it:  make ui   (then http://127.0.0.1:3000; runs launched there use the emulator)")
    return 0
