"""Spawned processes that share one Raygun v3 token's pacing, against the v3 emulator (real HTTP),
for the SQLite and the PostgreSQL tests: what reached the emulator in each of its seconds, and a
process killed while its calls are in flight."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rum_assets.budget.pacing import open_permit_store
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.v3.access import open_v3_client
from rum_assets.raygun.v3.client import token_scope
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter
from rum_emulator.messages import Request, Response, Route
from rum_emulator.raygun_v3 import DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.server import EmulatorServer

WEB_APP = "wb7k2q"


class Arrivals:
    """Wraps the emulator's routes: requests by the emulator's second of arrival, and their statuses."""

    def __init__(self, app: RaygunV3App) -> None:
        self.app = app
        self.by_second: Counter[int] = Counter()
        self.statuses: Counter[int] = Counter()

    def routes(self) -> Iterable[Route]:
        for route in self.app.routes():
            yield Route(route.method, route.pattern, self._wrap(route.handler))

    def _wrap(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            self.by_second[int(self.app.now().timestamp())] += 1
            response = handler(request)
            self.statuses[response.status] += 1
            return response

        return handle


@dataclass(frozen=True)
class PacedRun:
    made: list[int]
    """Calls each process made (retries included)."""
    statuses: Counter[int]
    by_second: Counter[int]
    """Requests that reached the emulator in each of its seconds (refused ones included)."""


def _node(base_url: str, node_dir: str, ledger_url: str, details: int, ready: object, results: multiprocessing.Queue[int]) -> None:
    """One process (or node, with its own state directory and a shared ledger URL) using the token:
    a session list, then ``details`` session details four at a time, as the details asset fetches them."""
    resource = RaygunResource(pat=DEMO_TOKEN, v3_base_url=f"{base_url}/v3", state_dir=str(Path(node_dir) / "state"), ledger_url=ledger_url)
    with open_v3_client(resource) as client:
        ready.wait(timeout=120)  # type: ignore[attr-defined]
        ids = [session.identifier for session in client.list_sessions(WEB_APP, count=details)]
        failed = [outcome.error for outcome in client.fetch_session_details(WEB_APP, ids, max_in_flight=4) if outcome.error is not None]
        assert not failed, failed
        results.put(client.calls_made)


def run_nodes(tmp_path: Path, *, ledger_url: str = "", shared_state: bool = True, processes: int = 3, details: int = 30) -> PacedRun:
    """``processes`` spawned processes on one token, started together, each making ``details + 1``
    calls against an emulator that enforces 10 calls/s and 600/min and delays each request by up to
    0.3 s at random."""
    app = RaygunV3App(RaygunV3EmulatorConfig(per_second_limit=10, per_minute_limit=600, per_day_limit=0))
    arrivals = Arrivals(app)
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    ready = context.Barrier(processes)
    with EmulatorServer([arrivals]) as server:  # type: ignore[list-item]
        server.faults.latency_jitter_seconds = 0.3
        nodes = [
            context.Process(
                target=_node,
                args=(server.base_url, str(tmp_path if shared_state else tmp_path / f"node{i}"), ledger_url, details, ready, results),
            )
            for i in range(processes)
        ]
        for node in nodes:
            node.start()
        made = [results.get(timeout=300) for _ in nodes]
        for node in nodes:
            node.join(timeout=60)
    return PacedRun(made, arrivals.statuses, arrivals.by_second)


def _hold_places_and_hang(location: str, expiry_seconds: float, holding: object) -> None:
    limiter = SlidingWindowLimiter(
        store=open_permit_store(location), scope=token_scope(DEMO_TOKEN), in_flight_expiry_seconds=expiry_seconds
    )
    for _ in range(10):
        limiter.acquire()  # ten calls in flight that will never answer
    holding.set()  # type: ignore[attr-defined]
    time.sleep(600)


def kill_a_process_with_calls_in_flight(location: str, expiry_seconds: float) -> None:
    """A spawned process takes all ten places of the token's second and is killed before any answer."""
    context = multiprocessing.get_context("spawn")
    holding = context.Event()
    process = context.Process(target=_hold_places_and_hang, args=(location, expiry_seconds, holding))
    process.start()
    try:
        assert holding.wait(timeout=120), "the process never took its places"
    finally:
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join(timeout=30)
