"""Revenera raw export load vs DuckDB's floor: ``python -m bench.revenera_export [ROWS]``.

Both scenarios read the same generated raw-events export of ``ROWS`` rows (default 1,000,000), each
in its own process (so peak RSS is its own):

* ``revenera_export_load``: our path, from the zip the vendor serves: extract the CSV (UTF-8 check,
  cut into one piece per CPU with each piece's record count), plan the columns, one ``INSERT`` from
  DuckDB's ``read_csv`` of the pieces with casts and ``row_number``, in one transaction per (product, day).
* ``revenera_export_floor``: ``CREATE TABLE t AS SELECT * FROM read_csv(...)`` of the extracted CSV,
  the least any loader can do.

Generating the file is not timed. Prints rows/s, peak MiB and the ratio ours/floor.
"""

from __future__ import annotations

import csv
import sys
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DAY = date(2026, 11, 1)
HEADER = [
    "timestamp",
    "clientId",
    "sessionId",
    "eventCategory",
    "eventName",
    "eventData",
    "prodVersion",
    "prodEdition",
    "licenseType",
    "osPlatform",
    "country",
    "Region Code",
]


def write_export(rows: int, workdir: Path) -> tuple[Path, Path]:
    """A raw export zip of ``rows`` rows (with one undocumented column) and its plain CSV."""
    plain = workdir / "export.csv"
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with plain.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    (start + timedelta(milliseconds=i * 80)).strftime("%Y-%m-%dT%H:%M:%S"),
                    f"{i % 50_000:016X}",
                    f"S{i // 7}",
                    "File",
                    ("Open", "Save", "Print")[i % 3],
                    "Zürich" if i % 11 == 0 else "",
                    "3.1",
                    "Pro",
                    "purchased",
                    "Windows",
                    "CH",
                    f"R{i % 97}",
                ]
            )
    archive = workdir / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(plain, "2376158762_2026-11-01.csv")
    return archive, plain


def revenera_export_load(size: int, workdir: Path) -> dict[str, Any]:
    import duckdb

    from rum_assets.config.settings import duckdb_connection_config
    from rum_assets.revenera.csv_load import counted_rows, extract_csv, plan_columns, read_header, reader_threads, select_sql
    from rum_assets.revenera.tables import RAW_EVENTS
    from rum_assets.warehouse.tables import replace_partition_from_query

    archive, plain = write_export(size, workdir)
    plain.unlink()
    began = time.perf_counter()
    extract_dir = workdir / "extract"
    extract_dir.mkdir()
    extracted = extract_csv(archive, extract_dir, pieces=reader_threads())
    plan = plan_columns("raw", read_header(extracted.path), RAW_EVENTS)
    conn = duckdb.connect(str(workdir / "bench.duckdb"), config=duckdb_connection_config())
    rows = replace_partition_from_query(
        conn,
        plan.table_for_file(RAW_EVENTS),
        select_sql(extracted, plan),
        DAY,
        {"product_id": "2376158762"},
        ["2376158762", DAY, "bench", datetime.now(UTC)],
        counted_rows(extracted),
    )
    conn.close()
    return {"rows": rows, "seconds": time.perf_counter() - began}


def revenera_export_floor(size: int, workdir: Path) -> dict[str, Any]:
    import duckdb

    from rum_assets.config.settings import duckdb_connection_config

    _, plain = write_export(size, workdir)
    began = time.perf_counter()
    conn = duckdb.connect(str(workdir / "bench.duckdb"), config=duckdb_connection_config())
    conn.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{plain}')")
    rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]  # count(*) yields one row (no rum_assets import: it would weigh on the floor's memory)
    conn.close()
    return {"rows": rows, "seconds": time.perf_counter() - began}


def main() -> int:
    from bench.suite import run

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    results = {name: run(name, size) for name in ("revenera_export_load", "revenera_export_floor")}
    print(f"{'scenario':<24}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'peak MiB':>10}")
    for name, figures in results.items():
        if "error" in figures:
            print(f"{name:<24}  failed: {figures['error']}")
            return 1
        seconds = float(figures["seconds"])
        print(
            f"{name:<24}{figures['rows']:>10}{seconds:>10.2f}{int(figures['rows']) / seconds:>12,.0f}{float(figures['peak_rss_mib']):>10.0f}"
        )
    ours, floor = results["revenera_export_load"], results["revenera_export_floor"]
    print(
        f"ratio ours/floor: time {float(ours['seconds']) / float(floor['seconds']):.2f}x, "
        f"peak RSS {float(ours['peak_rss_mib']) / float(floor['peak_rss_mib']):.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
