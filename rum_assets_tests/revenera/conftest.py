"""Fixtures for the Revenera tests: the emulator on a free loopback port with a shared fake clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rum_assets.revenera.client import ReveneraClient
from rum_assets.transport.http import RetryPolicy
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_REVENERA_PASSWORD, DEMO_REVENERA_USERNAME
from rum_emulator.revenera import ReveneraApp, ReveneraEmulatorConfig
from rum_emulator.server import EmulatorServer

PRODUCTS = ("2376158762", "2395188568")
DAY = datetime.now(UTC).date() - timedelta(days=2)
"""A complete day inside the partitions and the vendor's retention."""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.combine(DAY + timedelta(days=2), datetime.min.time(), tzinfo=UTC) + timedelta(hours=9))


@pytest.fixture
def start_revenera(clock: FakeClock) -> Iterator[Callable[..., tuple[EmulatorServer, ReveneraApp]]]:
    servers: list[EmulatorServer] = []

    def start(**config: Any) -> tuple[EmulatorServer, ReveneraApp]:
        app = ReveneraApp(ReveneraEmulatorConfig(**{"clock": clock, "clients_per_product": 450, **config}))
        server = EmulatorServer([app]).start()
        servers.append(server)
        return server, app

    yield start
    for server in servers:
        server.stop()


def make_client(base_url: str, password: str = DEMO_REVENERA_PASSWORD) -> ReveneraClient:
    return ReveneraClient(base_url, DEMO_REVENERA_USERNAME, password, policy=RetryPolicy(max_attempts=3, base_delay_seconds=0.01))
