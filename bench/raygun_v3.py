"""Raygun v3 client benchmarks against the v3 emulator: ``python -m bench.raygun_v3 [--quick]``.

1. Calls per backfilled day as the day moves back from yesterday to 90 days ago. The session list
   has no date filter, so the day finder probes for the day's first session; the point is that the
   probe count stays flat (it searches from the nearer end, guided by the times it has seen) and
   the pages stay at the minimum ``ceil(sessions / 500)`` plus the overlap.
2. Wall time of fetching session details with 100 ms of server latency, against the floor the
   vendor's 10 calls/s sets (``calls / 10`` seconds): sequential fetching is latency-bound,
   bounded concurrency reaches the rate limit. The first 10 calls go at once (the window is empty),
   so the floor is ``(calls - 10) / 10`` seconds plus one latency.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rum_assets.raygun.v3.client import RaygunV3Client, token_ledger
from rum_assets.raygun.v3.day_finder import find_day
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter, Window
from rum_emulator.raygun_v3 import DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.server import EmulatorServer

APP = "wb7k2q"
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def calls_per_day(days_back: list[int], sessions_per_day: int) -> None:
    config = RaygunV3EmulatorConfig(
        clock=lambda: NOW, sessions_per_day=sessions_per_day, retention_days=120, per_second_limit=0, per_minute_limit=0, per_day_limit=0
    )
    unpaced = SlidingWindowLimiter([Window(1_000_000, 1.0)])
    print(f"\nDay finder, {sessions_per_day:,} sessions a day, 120 days retained")
    print(f"{'days back':>10}{'order':>16}{'probes':>8}{'pages':>7}{'min pages':>11}{'calls':>7}{'sessions':>10}{'seconds':>9}")
    with EmulatorServer([RaygunV3App(config)]) as server, RaygunV3Client(server.base_url + "/v3", DEMO_TOKEN, limiter=unpaced) as client:
        for back in days_back:
            day = NOW.date() - timedelta(days=back)
            began = time.perf_counter()
            result = find_day(client, APP, day)
            seconds = time.perf_counter() - began
            s = result.stats
            print(
                f"{back:>10}{s.order:>16}{s.probes:>8}{s.pages:>7}{s.minimum_pages:>11}{s.calls:>7}{s.sessions:>10,}{seconds:>9.2f}",
                flush=True,
            )


def details_wall_time(count: int, in_flight: list[int], workdir: Path) -> None:
    config = RaygunV3EmulatorConfig(
        sessions_per_day=max(count, 500), per_second_limit=10, per_minute_limit=600, per_day_limit=0, latency_seconds=0.1
    )
    floor = max(0, count - 10) / 10 + 0.1
    print(f"\nSession details, {count} calls, 100 ms server latency, limit 10 calls/s (floor {floor:.1f} s)")
    print(f"{'in flight':>10}{'seconds':>9}{'floor':>8}{'calls/s':>9}{'retries':>9}")
    with EmulatorServer([RaygunV3App(config)]) as server:
        base_url = server.base_url + "/v3"
        with RaygunV3Client(base_url, DEMO_TOKEN) as lister:
            ids = [s.identifier for s in lister.list_sessions(APP, count=count, orderby="startedAt desc")]
        time.sleep(1.1)
        for width in in_flight:
            before = dict(server.requests_by_path)
            ledger = token_ledger(workdir / f"ledger-{width}.sqlite", DEMO_TOKEN)
            with RaygunV3Client(base_url, DEMO_TOKEN, ledger=ledger) as client:
                began = time.perf_counter()
                outcomes = list(client.fetch_session_details(APP, ids, max_in_flight=width))
                seconds = time.perf_counter() - began
                calls = client.calls_made
            failed = sum(1 for o in outcomes if o.error is not None)
            after = server.requests_by_path
            extra = sum(after.get(path, 0) - before.get(path, 0) for path in after) - len(ids)
            print(
                f"{width:>10}{seconds:>9.2f}{floor:>8.1f}{calls / seconds:>9.1f}{extra:>9}" + (f"  {failed} failed" if failed else ""),
                flush=True,
            )
            time.sleep(1.1)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.raygun_v3")
    parser.add_argument("--quick", action="store_true", help="fewer days and calls")
    args = parser.parse_args()
    days = [1, 7, 30, 90] if args.quick else [1, 2, 5, 10, 20, 30, 45, 60, 75, 90]
    calls_per_day(days, 2_000 if args.quick else 20_000)
    with tempfile.TemporaryDirectory() as workdir:
        details_wall_time(30 if args.quick else 100, [1, 4, 8] if args.quick else [1, 2, 4, 8, 16], Path(workdir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
