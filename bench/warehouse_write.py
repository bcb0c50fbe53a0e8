"""Our write path alone: stage SIZE session rows and replace one day in DuckDB.

``python -m bench.warehouse_write SIZE`` prints one JSON line: rows written, seconds and this process's
peak resident memory (the write path's memory must stay flat as a day grows).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import DAY


def warehouse_write(size: int, workdir: Path) -> dict[str, Any]:
    import duckdb

    from rum_assets.raygun.tables import SESSIONS
    from rum_assets.settings import duckdb_connection_config
    from rum_assets.warehouse import replace_partition, staged_rows

    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
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


def main() -> None:
    size = int(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="rum-bench-") as workdir:
        os.environ["DAGSTER_HOME"] = workdir
        figures = warehouse_write(size, Path(workdir))
    figures.update({"size": size, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
