"""Raygun v1 session details under network latency: ``python -m bench.details_latency [SIZE]``.

Details of SIZE sessions (default 300) with 100 ms injected at the emulator on every request,
fetched with 1, 4, 8 and 16 requests in flight (``load_v1_details``, the warehouse write included).
Latency bounds the wall time from below at ``calls x latency / in_flight``; the table prints the
measured time against that bound (the target is at most 1.3x). The emulator runs in a process of its
own so that generating its answers does not compete with the client for one interpreter.
The last line is the JSON figures of 8 in flight (the default), for ``bench.suite``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import API_KEY, CLIENT_ID, CLIENT_SECRET, DAY

LATENCY_SECONDS = 0.1
IN_FLIGHT = (1, 4, 8, 16)
TARGET_RATIO = 1.3
NOW = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)


def _fixed_now() -> datetime:
    return NOW


def _serve(sessions: int, pipe: Connection) -> None:
    from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
    from rum_emulator.server import EmulatorServer

    config = RaygunEmulatorConfig(sessions_per_day=sessions, daily_call_limit=0, clock=_fixed_now)
    with EmulatorServer([RaygunApp(config)]) as server:
        server.faults.latency_seconds = LATENCY_SECONDS
        pipe.send(server.base_url)
        pipe.recv()  # until the bench is done


def details_latency(size: int, workdir: Path) -> list[dict[str, Any]]:
    from rum_assets.raygun.detail_loads import load_v1_details
    from rum_assets.raygun.resource import RaygunResource
    from rum_assets.raygun.session_loads import load_v1_sessions
    from rum_assets.raygun.sources import prepare_tables
    from rum_assets.raygun.v1.client import RaygunClient
    from rum_assets.transport.http import RetryPolicy
    from rum_assets.warehouse.pii import PiiPolicy
    from rum_assets.warehouse.resource import WarehouseResource

    log = logging.getLogger("bench.details_latency")
    pii = PiiPolicy("hash", "bench")
    ours, theirs = multiprocessing.Pipe()
    emulator = multiprocessing.get_context("spawn").Process(target=_serve, args=(size, theirs), daemon=True)
    emulator.start()
    results = []
    try:
        base_url = ours.recv()

        def client() -> RaygunClient:
            return RaygunClient(base_url, API_KEY, CLIENT_ID, CLIENT_SECRET, policy=RetryPolicy(max_attempts=2), clock=_fixed_now)

        warehouse = WarehouseResource(database=str(workdir / "warehouse.duckdb"))
        raygun = RaygunResource(api_key=API_KEY, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, base_url=base_url)
        prepare_tables(warehouse, raygun, log)
        with client() as lister:
            load_v1_sessions(lister, raygun.v1_application_id, DAY, warehouse, pii, "bench-sessions", log)
        for width in IN_FLIGHT:
            with client() as fetcher:
                began = time.perf_counter()
                figures = load_v1_details(
                    fetcher,
                    raygun.v1_application_id,
                    DAY,
                    warehouse,
                    pii,
                    refetch=True,
                    limit=None,
                    run_id=f"bench-{width}",
                    log=log,
                    max_in_flight=width,
                )
                seconds = time.perf_counter() - began
                calls = fetcher.calls_made
            bound = calls * LATENCY_SECONDS / width
            results.append(
                {
                    "in_flight": width,
                    "rows": figures.fetched,
                    "api_calls": calls,
                    "seconds": round(seconds, 3),
                    "bound_seconds": round(bound, 3),
                    "bound_ratio": round(seconds / bound, 2),
                }
            )
    finally:
        ours.send("stop")
        emulator.join(timeout=10)
    return results


def main() -> int:
    size = int(sys.argv[-1]) if len(sys.argv) > 1 and sys.argv[-1].isdigit() else 300
    with tempfile.TemporaryDirectory(prefix="rum-bench-") as workdir:
        results = details_latency(size, Path(workdir))
    print(f"v1 session details of {size} sessions, {LATENCY_SECONDS * 1000:.0f} ms latency per request")
    print(f"{'in flight':>10}{'details':>9}{'calls':>7}{'seconds':>9}{'bound s':>9}{'ratio':>7}")
    for r in results:
        verdict = "" if r["bound_ratio"] <= TARGET_RATIO else f"  above the {TARGET_RATIO}x target"
        print(
            f"{r['in_flight']:>10}{r['rows']:>9}{r['api_calls']:>7}{r['seconds']:>9.2f}{r['bound_seconds']:>9.2f}{r['bound_ratio']:>6.2f}x{verdict}"
        )
    default = next(r for r in results if r["in_flight"] == 8)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"scenario": "v1_details_latency", "size": size, **default, "peak_rss_mib": peak}))
    return 0 if all(r["rows"] == size for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
