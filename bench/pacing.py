"""Raygun v3 pacing across processes: ``python -m bench.pacing [--ledger-url postgresql://...] [--quick]``.

1. What the store costs: spawned processes take and answer places as fast as they can on a scope
   whose limit never binds (two transactions per call: the take and the answer). Places per second,
   in all, are the ceiling the store puts on pacing; the per-place time is what each call pays.
2. What pacing achieves: spawned processes on one token fetch session details four at a time
   through ``open_v3_client`` against the v3 emulator (10 calls/s, 600/min, 429 beyond), with
   ``--latency`` seconds on every request. Calls per second in all, against the 10 the vendor allows
   (a call holds its place until a second after its answer, so at latency L the pace is about
   10 per 1 + L seconds), and the retries (each one a 429).

The SQLite store is the call ledger's file in a temporary state directory; with ``--ledger-url`` the
same runs go through that PostgreSQL database too.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

APP = "wb7k2q"
TOKEN = "demo-raygun-pat"
"""The v3 emulator's demo token (copied, as in bench.common)."""


def _spin(location: str, seconds: float, ready: Any, results: Any) -> None:
    from rum_assets.budget.pacing import open_permit_store
    from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter, Window

    limiter = SlidingWindowLimiter([Window(1_000_000, 1.0)], store=open_permit_store(location), scope="bench", in_flight_expiry_seconds=60)
    ready.wait(timeout=120)
    places, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        with limiter.call():
            places += 1
    limiter.close()
    results.put(places)


def _fetch(base_url: str, state_dir: str, ledger_url: str, details: int, ready: Any, results: Any) -> None:
    from rum_assets.raygun.resource import RaygunResource
    from rum_assets.raygun.v3.access import open_v3_client

    resource = RaygunResource(pat=TOKEN, v3_base_url=f"{base_url}/v3", state_dir=state_dir, ledger_url=ledger_url)
    with open_v3_client(resource) as client:
        ids = [session.identifier for session in client.list_sessions(APP, count=details)]
        time.sleep(1.1)  # the list call's place is free again
        ready.wait(timeout=120)
        began = time.monotonic()
        calls_before = client.calls_made
        failed = sum(1 for outcome in client.fetch_session_details(APP, ids, max_in_flight=4) if outcome.error is not None)
        results.put((began, time.monotonic(), client.calls_made - calls_before, failed))


def _spawn(target: Any, processes: int, args: tuple[Any, ...]) -> list[Any]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    ready = context.Barrier(processes)
    workers = [context.Process(target=target, args=(*args, ready, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    answers = [results.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    return answers


def store_cost(stores: dict[str, str], seconds: float) -> None:
    print(f"\nStore cost: places taken and answered in {seconds:.0f} s (a limit that never binds)")
    print(f"{'store':>12}{'processes':>11}{'places/s':>10}{'ms/place':>10}")
    for name, location in stores.items():
        for processes in (1, 3):
            places = sum(_spawn(_spin, processes, (location, seconds)))
            rate = places / seconds
            print(f"{name:>12}{processes:>11}{rate:>10.0f}{1000 * processes / rate:>10.2f}", flush=True)


def paced_calls(stores: dict[str, str], details: int, latency: float, workdir: Path) -> None:
    from rum_emulator.raygun_v3 import RaygunV3App, RaygunV3EmulatorConfig
    from rum_emulator.server import EmulatorServer

    print(f"\nPaced calls: {details} session details in all, 4 in flight per process, {latency * 1000:.0f} ms latency, 10 calls/s allowed")
    print(f"{'store':>12}{'processes':>11}{'calls':>7}{'seconds':>9}{'calls/s':>9}{'retries':>9}{'failed':>8}")
    config = RaygunV3EmulatorConfig(per_second_limit=10, per_minute_limit=600, per_day_limit=0, latency_seconds=latency)
    with EmulatorServer([RaygunV3App(config)]) as server:
        for name, location in stores.items():
            ledger_url = location if location.startswith("postgresql://") else ""
            for processes in (1, 3):
                state_dir = str(workdir / f"{name}-{processes}")
                answers = _spawn(_fetch, processes, (server.base_url, state_dir, ledger_url, details // processes))
                seconds = max(end for _, end, _, _ in answers) - min(began for began, _, _, _ in answers)
                calls = sum(made for _, _, made, _ in answers)
                retries = calls - (details // processes) * processes
                failed = sum(f for *_, f in answers)
                print(f"{name:>12}{processes:>11}{calls:>7}{seconds:>9.2f}{calls / seconds:>9.2f}{retries:>9}{failed:>8}", flush=True)
                time.sleep(1.1)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pacing")
    parser.add_argument("--ledger-url", default="", help="a PostgreSQL URL to measure beside the SQLite file")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every emulator answer")
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        stores = {"sqlite": str(Path(workdir) / "state" / "call_budget.sqlite3")}
        if args.ledger_url:
            stores["postgresql"] = args.ledger_url
        store_cost(stores, 2.0 if args.quick else 5.0)
        paced_calls(stores, 30 if args.quick else 150, args.latency, Path(workdir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
