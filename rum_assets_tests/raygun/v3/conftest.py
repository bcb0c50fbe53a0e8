"""Fixtures for the Raygun v3 client tests: the v3 emulator on a free loopback port, one fake clock
shared by the emulator (which sessions exist, the rate-limit windows) and the client (its sleeps
and its limiter), so waits cost no wall time."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rum_assets.raygun.v3.client import RaygunV3Client, token_ledger
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter
from rum_assets.transport.http import RetryPolicy
from rum_assets_tests.fakes import FakeClock
from rum_emulator.messages import Request, Response, Route
from rum_emulator.raygun_v3 import DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.server import EmulatorServer

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
WEB_APP = "wb7k2q"


class Recording:
    """Wraps the emulator's routes to record each answered request: (wall time, path, status)."""

    def __init__(self, app: RaygunV3App) -> None:
        self.app = app
        self.answers: list[tuple[float, str, int]] = []

    def routes(self) -> Iterable[Route]:
        for route in self.app.routes():
            yield Route(route.method, route.pattern, self._wrap(route.handler))

    def _wrap(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            response = handler(request)
            self.answers.append((time.monotonic(), request.path, response.status))
            return response

        return handle

    def statuses(self) -> list[int]:
        return [status for _, _, status in self.answers]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def start_v3(clock: FakeClock) -> Iterator[Callable[..., tuple[EmulatorServer, RaygunV3App, Recording]]]:
    servers: list[EmulatorServer] = []

    def start(**config: Any) -> tuple[EmulatorServer, RaygunV3App, Recording]:
        config.setdefault("clock", clock)
        app = RaygunV3App(RaygunV3EmulatorConfig(**config))
        recording = Recording(app)
        server = EmulatorServer([recording]).start()
        servers.append(server)
        return server, app, recording

    yield start
    for server in servers:
        server.stop()


def fake_time_client(server: EmulatorServer, clock: FakeClock, tmp_path: Path, token: str = DEMO_TOKEN, **kwargs: Any) -> RaygunV3Client:
    """A client whose waits advance the shared fake clock, with its own ledger file."""
    kwargs.setdefault("policy", RetryPolicy(max_attempts=4, base_delay_seconds=0.01, max_retry_after_seconds=90))
    kwargs.setdefault("ledger", token_ledger(tmp_path / "ledger.sqlite", token, clock=clock))
    kwargs.setdefault("limiter", SlidingWindowLimiter(monotonic=lambda: clock.now.timestamp(), sleep=clock.advance))
    return RaygunV3Client(server.base_url + "/v3", token, clock=clock, sleep=clock.advance, **kwargs)
