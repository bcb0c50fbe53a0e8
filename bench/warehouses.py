"""One day of sessions staged and written into each warehouse: ``python -m bench.warehouses NAME SIZE``.

``duckdb_day`` writes into a DuckDB file, ``postgres_day`` into PostgreSQL: ``RUM_ASSETS_WAREHOUSE_URL``
if set, else a throwaway local server (PostgreSQL's binaries must be installed). Peak RSS is this
process's (staging and the client); the PostgreSQL server's own memory is not in it. Prints one JSON line,
like ``bench.scenarios``, so ``make bench`` runs these with the others.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DAY = date(2026, 11, 1)


def _stage_and_write(size: int, warehouse: Any) -> dict[str, Any]:
    from rum_assets.raygun.tables import SESSIONS, V1, scope
    from rum_assets.warehouse.tables import replace_partition, staged_rows

    start = datetime(2026, 11, 1, tzinfo=UTC)
    began = time.perf_counter()
    with staged_rows(SESSIONS, "bench") as staged:
        for i in range(size):
            staged.add(
                {
                    "session_id": 10_000_000_000 + i,
                    "partition_date": DAY,
                    **scope(V1, V1),
                    "session_start": start + timedelta(milliseconds=i),
                    "status": "ended",
                    "browser_name": "Chrome",
                    "country": "NZ",
                    "page_view_count": i % 12,
                }
            )
        staged_at = time.perf_counter()
        with warehouse.connection() as conn:
            written = replace_partition(conn, staged, DAY, scope(V1, V1))[SESSIONS.qualified_name]
    done = time.perf_counter()
    return {"rows": written, "seconds": done - began, "load_seconds": done - staged_at}


def duckdb_day(size: int, workdir: Path) -> dict[str, Any]:
    from rum_assets.config.settings import duckdb_connection_config
    from rum_assets.warehouse.resource import WarehouseResource

    return _stage_and_write(size, WarehouseResource(database=str(workdir / "bench.duckdb"), connection_config=duckdb_connection_config()))


@contextmanager
def _postgres_url() -> Iterator[str]:
    from rum_assets.config import env_vars

    if env_vars.WAREHOUSE_URL.is_set():
        yield env_vars.WAREHOUSE_URL.read()
        return
    from rum_assets_tests.postgres.server import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("postgres_day needs RUM_ASSETS_WAREHOUSE_URL or PostgreSQL's binaries (apt-get install postgresql)")
    server = PostgresServer(bin_dir).start()
    try:
        yield server.new_database()
    finally:
        server.stop()


def postgres_day(size: int, workdir: Path) -> dict[str, Any]:
    from rum_assets.warehouse.resource import WarehouseResource

    with _postgres_url() as url:
        return _stage_and_write(size, WarehouseResource(url=url))


SCENARIOS: dict[str, Callable[[int, Path], dict[str, Any]]] = {"duckdb_day": duckdb_day, "postgres_day": postgres_day}


def main() -> None:
    name, size = sys.argv[1], int(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="rum-bench-") as workdir:
        os.environ["DAGSTER_HOME"] = workdir
        figures = SCENARIOS[name](size, Path(workdir))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures.update({"scenario": name, "size": size, "peak_rss_mib": peak})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
