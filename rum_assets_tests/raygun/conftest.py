"""Fixtures for the Raygun tests: an emulator on a free loopback port and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from rum_assets.raygun.v1.client import RaygunClient
from rum_assets.transport.http import RetryPolicy
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))


@pytest.fixture
def start_raygun() -> Iterator[Callable[..., tuple[EmulatorServer, RaygunApp]]]:
    servers: list[EmulatorServer] = []

    def start(**config: Any) -> tuple[EmulatorServer, RaygunApp]:
        app = RaygunApp(RaygunEmulatorConfig(**config))
        server = EmulatorServer([app]).start()
        servers.append(server)
        return server, app

    yield start
    for server in servers:
        server.stop()


def make_client(base_url: str, **kwargs: Any) -> RaygunClient:
    kwargs.setdefault("policy", RetryPolicy(max_attempts=3, base_delay_seconds=0.01, max_retry_after_seconds=5))
    return RaygunClient(base_url, DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET, **kwargs)


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    """A v1 emulator with 60 sessions a day and no call limit (indirect ``param``: more config)."""
    options = getattr(request, "param", {})
    config = RaygunEmulatorConfig(**{"sessions_per_day": 60, "daily_call_limit": 0, **options})
    with EmulatorServer([RaygunApp(config)]) as server:
        yield server
