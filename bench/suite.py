"""The component benchmarks, each in its own process, as one table: ``python -m bench.suite``
(``make bench`` runs it after the sessions comparison of ``python -m bench``).

Figures are wall time, rows per second and the peak resident memory of the scenario's process: the
write path alone (memory must stay flat as a day grows), a Revenera raw export against DuckDB's bare
``read_csv`` (the floor), every asset through 20% injected faults against a clean run, and one day of
1,000,000 rows into each warehouse, and v1 session details under 100 ms of latency (8 in flight).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

PLAN = [
    ("revenera_export_load", [1_000_000]),
    ("revenera_export_floor", [1_000_000]),
    ("faults", [50]),
    ("duckdb_day", [100_000, 1_000_000]),
    ("postgres_day", [1_000_000]),
    ("v1_details_latency", [300]),
]
MODULES = {
    "duckdb_day": "bench.warehouses",
    "postgres_day": "bench.warehouses",
    "v1_details_latency": "bench.details_latency",
}
"""Scenarios outside ``bench.scenarios``."""
QUICK_PLAN = [(name, sizes[:1]) for name, sizes in PLAN]


def run(name: str, size: int) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", MODULES.get(name, "bench.scenarios"), name, str(size)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if completed.returncode != 0:
        return {"scenario": name, "size": size, "error": completed.stderr.strip().splitlines()[-1:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suite")
    parser.add_argument("--quick", action="store_true", help="only the smallest size of each scenario")
    args = parser.parse_args()
    print(f"{'scenario':<24}{'size':>10}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'peak MiB':>10}{'calls':>8}")
    failed = False
    for name, sizes in QUICK_PLAN if args.quick else PLAN:
        for size in sizes:
            figures = run(name, size)
            if "error" in figures:
                failed = True
                print(f"{name:<24}{size:>10}  failed: {figures['error']}")
                continue
            seconds = float(figures["seconds"])
            rows = int(figures["rows"])
            print(
                f"{name:<24}{size:>10}{rows:>10}{seconds:>10.2f}{rows / seconds:>12,.0f}"
                f"{float(figures['peak_rss_mib']):>10.0f}{figures.get('api_calls', ''):>8}",
                flush=True,
            )
            if "ratio" in figures:
                print(
                    f"{'':<24}faulty/clean time ratio {figures['ratio']} (clean {figures['clean_seconds']} s, injected {figures['faults_injected']})"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
