"""How much longer the same workload takes through an outage: ``python -m bench.faults [SESSIONS]``.

Lands three days of every asset of both vendors from the emulator twice, once fault-free and once
with 20% of requests faulted (429s, 5xx, dropped connections, truncated bodies, slow answers), with
the production retry policy, and prints one JSON line with both wall times and their ratio.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

FAULT_RATE = 0.2
FAULT_SEED = 20261201
DAYS = 3


def _land(workdir: Path, days: list[date]) -> float:
    """Seconds to materialize every unpartitioned asset and every daily asset for each day."""
    import dagster as dg

    from rum_assets.config.settings import duckdb_connection_config
    from rum_assets.definitions import build_definitions, raygun_resource, revenera_resource
    from rum_assets.warehouse.resource import WarehouseResource

    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["RUM_ASSETS_STATE_DIR"] = str(workdir / "state")
    resources = {
        "raygun": raygun_resource(),
        "revenera": revenera_resource(),
        "warehouse": WarehouseResource(database=str(workdir / "bench.duckdb"), connection_config=duckdb_connection_config()),
    }
    assets = [a for a in build_definitions().assets or [] if isinstance(a, dg.AssetsDefinition)]
    unpartitioned = [a for a in assets if a.partitions_def is None]
    daily = [a for a in assets if a.partitions_def is not None]
    instance = dg.DagsterInstance.ephemeral()
    began = time.perf_counter()
    dg.materialize(unpartitioned + daily, selection=unpartitioned, resources=resources, instance=instance)
    for day in days:
        dg.materialize(daily, partition_key=day.isoformat(), resources=resources, instance=instance)
    return time.perf_counter() - began


def faults(size: int, workdir: Path) -> dict[str, Any]:
    """``size`` Raygun sessions per day (and as many Revenera clients per product)."""
    from rum_assets.config.emulator_env import emulator_env
    from rum_emulator.environment import EmulatorSettings, start_emulator
    from rum_emulator.faults import RandomFaults

    settings = EmulatorSettings(sessions_per_day=size, raygun_call_limit=0, clients_per_product=size)
    newest = date.today() - timedelta(days=2)
    days = [newest - timedelta(days=offset) for offset in range(DAYS - 1, -1, -1)]
    server = start_emulator(settings)
    try:
        os.environ.update(emulator_env(server.base_url, settings))
        _land(workdir / "warmup", days[:1])  # imports and first-run setup must not count for the clean run
        warmup_requests = sum(server.requests_by_path.values())
        clean = _land(workdir / "clean", days)
        clean_requests = sum(server.requests_by_path.values()) - warmup_requests
        server.faults.set_random(RandomFaults(rate=FAULT_RATE, seed=FAULT_SEED))
        faulty = _land(workdir / "faulty", days)
        faulty_requests = sum(server.requests_by_path.values()) - clean_requests - warmup_requests
    finally:
        server.stop()
    return {
        "rows": size * DAYS,  # Raygun sessions landed
        "seconds": faulty,
        "clean_seconds": round(clean, 2),
        "faulty_seconds": round(faulty, 2),
        "ratio": round(faulty / clean, 2),
        "api_calls": faulty_requests,
        "clean_api_calls": clean_requests,
        "faults_injected": dict(server.faults.injected_counts),
    }


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="rum-bench-faults-") as workdir:
        os.environ["DAGSTER_HOME"] = workdir
        print(json.dumps(faults(size, Path(workdir))))


if __name__ == "__main__":
    main()
