"""Benchmark scenarios. Each runs in its own process (``python -m bench.scenarios NAME SIZE``) so
that its peak resident memory is its own; it prints one JSON line with its figures."""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import revenera_export

DAY = date(2026, 11, 1)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warehouse_write(size: int, workdir: Path) -> dict[str, Any]:
    """Stage ``size`` session rows and replace one day in DuckDB (our write path alone)."""
    import duckdb

    from rum_assets.raygun.tables import SESSIONS
    from rum_assets.settings import duckdb_connection_config
    from rum_assets.warehouse import replace_partition, staged_rows

    start = datetime(2026, 11, 1, tzinfo=UTC)
    began = time.perf_counter()
    with staged_rows(SESSIONS, "bench") as staged:
        for i in range(size):
            staged.add(
                {
                    "session_id": 10_000_000_000 + i,
                    "partition_date": DAY,
                    "session_start": start + timedelta(milliseconds=i),
                    "status": "ended",
                    "browser_name": "Chrome",
                    "country": "NZ",
                    "page_view_count": i % 12,
                }
            )
        conn = duckdb.connect(str(workdir / "bench.duckdb"), config=duckdb_connection_config())
        written = replace_partition(conn, staged, DAY)[SESSIONS.qualified_name]
        conn.close()
    return {"rows": written, "seconds": time.perf_counter() - began}


def _emulator(sessions_per_day: int) -> Any:
    from rum_assets.emulator.raygun import RaygunApp, RaygunEmulatorConfig
    from rum_assets.emulator.server import EmulatorServer

    return EmulatorServer([RaygunApp(RaygunEmulatorConfig(sessions_per_day=sessions_per_day, daily_call_limit=0))]).start()


def raygun_sessions_asset(size: int, workdir: Path) -> dict[str, Any]:
    """Materialize ``raygun/sessions`` for one day of ``size`` sessions from the emulator over HTTP."""
    import dagster as dg
    from rum_assets.warehouse_resource import WarehouseResource

    from rum_assets.emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
    from rum_assets.raygun.assets import raygun_sessions
    from rum_assets.raygun.resource import RaygunResource
    from rum_assets.settings import duckdb_connection_config

    server = _emulator(size)
    try:
        resources = {
            "raygun": RaygunResource(
                api_key=DEMO_RAYGUN_API_KEY, client_id=DEMO_RAYGUN_CLIENT_ID, client_secret=DEMO_RAYGUN_CLIENT_SECRET,
                base_url=server.base_url, daily_call_limit=0, state_dir=str(workdir / "state"),
            ),
            "warehouse": WarehouseResource(database=str(workdir / "bench.duckdb"), connection_config=duckdb_connection_config()),
        }
        began = time.perf_counter()
        result = dg.materialize([raygun_sessions], partition_key=DAY.isoformat(), resources=resources, instance=dg.DagsterInstance.ephemeral())
        seconds = time.perf_counter() - began
        rows = result.get_asset_materialization_events()[0].step_materialization_data.materialization.metadata["dagster/row_count"].value
        calls = server.requests_by_path.get("/api/v1/pulse/sessions", 0) + server.requests_by_path.get("/api/v1/pulse/authenticate", 0)
    finally:
        server.stop()
    return {"rows": rows, "seconds": seconds, "api_calls": calls}


def hand_wired_sessions(size: int, workdir: Path) -> dict[str, Any]:
    """The peer: what a cron script does by hand — every page into a list, one DataFrame, one insert."""
    import duckdb
    import httpx
    import pandas as pd

    from rum_assets.emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET

    server = _emulator(size)
    try:
        began = time.perf_counter()
        with httpx.Client(base_url=server.base_url, timeout=30) as http:
            key = http.post("/api/v1/pulse/authenticate", headers={"X-ApiKey": DEMO_RAYGUN_API_KEY}, auth=(DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET)).json()["sessionKey"]
            sessions: list[dict[str, Any]] = []
            url: str | None = f"/api/v1/pulse/sessions?dateFrom={DAY}T00:00:00Z&dateTo={DAY}T23:59:59.999Z&limit=500"
            while url:
                page = http.get(url, headers={"X-SessionKey": key}).json()
                sessions.extend(page["sessions"])
                url = page["links"]["next"]
        frame = pd.json_normalize(sessions)
        frame.columns = [c.replace(".", "_") for c in frame.columns]
        conn = duckdb.connect(str(workdir / "bench.duckdb"))
        conn.execute("CREATE TABLE sessions AS SELECT * FROM frame")
        rows = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]  # type: ignore[index]
        conn.close()
        seconds = time.perf_counter() - began
    finally:
        server.stop()
    return {"rows": rows, "seconds": seconds}


def faults(size: int, workdir: Path) -> dict[str, Any]:
    """Every asset, three days, fault-free and then through 20% injected faults (see bench/faults.py)."""
    from bench.faults import faults as clean_and_faulty

    return clean_and_faulty(size, workdir)


SCENARIOS: dict[str, Callable[[int, Path], dict[str, Any]]] = {
    "warehouse_write": warehouse_write,
    "raygun_sessions_asset": raygun_sessions_asset,
    "hand_wired_sessions": hand_wired_sessions,
    "revenera_export_load": revenera_export.revenera_export_load,
    "revenera_export_floor": revenera_export.revenera_export_floor,
    "faults": faults,
}


def main() -> None:
    name, size = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="rum-bench-") as workdir:
        os.environ["DAGSTER_HOME"] = workdir
        figures = SCENARIOS[name](size, Path(workdir))
    figures.update({"scenario": name, "size": size, "peak_rss_mib": _peak_rss_mib()})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
