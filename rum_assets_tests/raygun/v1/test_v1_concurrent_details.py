"""v1 session details fetched concurrently, over real HTTP against the v1 emulator.

Concurrency is counted where the requests arrive (a fault plan that holds each detail request for a
moment and counts how many it holds at once); no test measures wall time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.raygun.detail_loads import DetailFigures, load_v1_details
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.session_loads import load_v1_sessions
from rum_assets.raygun.sources import prepare_tables
from rum_assets.raygun.v1.client import AUTHENTICATE_PATH, SESSION_PATH, RaygunClient
from rum_assets.transport.errors import AuthenticationError
from rum_assets.warehouse.pii import PiiPolicy
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.faults import FaultPlan, FaultRule
from rum_emulator.messages import Request, Response
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer

from ..conftest import make_client

DAY = date(2026, 11, 20)
APP = "v1"
PII = PiiPolicy("hash", "test-salt")
LOG = logging.getLogger("test_v1_concurrent_details")
VOLATILE = {"_run_id", "_ingested_at", "fetched_at"}


class CountingFaults(FaultPlan):
    """Holds every session-detail request for ``hold_seconds`` and records the most held at once.

    ``on_request(n)`` runs as the n-th detail request (1-based) arrives, before it is held.
    """

    def __init__(self, hold_seconds: float, on_request: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.hold_seconds = hold_seconds
        self.on_request = on_request
        self.detail_requests = 0
        self.held = 0
        self.most_held = 0
        self._count_lock = threading.Lock()

    def intercept(self, request: Request) -> Response | None:
        if request.path != SESSION_PATH:
            return super().intercept(request)
        with self._count_lock:
            self.detail_requests += 1
            number = self.detail_requests
            self.held += 1
            self.most_held = max(self.most_held, self.held)
        try:
            if self.on_request is not None:
                self.on_request(number)
            threading.Event().wait(self.hold_seconds)
        finally:
            with self._count_lock:
                self.held -= 1
        return super().intercept(request)


@pytest.fixture
def serve() -> Iterator[Callable[..., EmulatorServer]]:
    servers: list[EmulatorServer] = []

    def start(faults: FaultPlan, **config: Any) -> EmulatorServer:
        server = EmulatorServer([RaygunApp(RaygunEmulatorConfig(**config))], faults=faults).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def warehouse_with_sessions(server: EmulatorServer, path: Path, clock: Callable[[], datetime]) -> WarehouseResource:
    """A warehouse holding the day's session list (fetched by a client of its own, without a ledger)."""
    warehouse = WarehouseResource(database=str(path))
    raygun = RaygunResource(
        api_key=DEMO_RAYGUN_API_KEY, client_id=DEMO_RAYGUN_CLIENT_ID, client_secret=DEMO_RAYGUN_CLIENT_SECRET, v1_application_id=APP
    )
    prepare_tables(warehouse, raygun, LOG)
    with make_client(server.base_url, clock=clock) as lister:
        load_v1_sessions(lister, APP, DAY, warehouse, PII, "run-sessions", LOG)
    return warehouse


def load_details(client: RaygunClient, warehouse: WarehouseResource, in_flight: int) -> DetailFigures:
    return load_v1_details(
        client,
        APP,
        DAY,
        warehouse,
        PII,
        refetch=False,
        limit=None,
        run_id="run-details",
        log=LOG,
        max_in_flight=in_flight,
    )


def table_rows(warehouse: WarehouseResource, table: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(warehouse.database, read_only=True) as conn:
        columns = [row[0] for row in conn.execute(f"DESCRIBE raygun.{table}").fetchall() if row[0] not in VOLATILE]
        listed = ", ".join(columns)
        return conn.execute(f"SELECT {listed} FROM raygun.{table} ORDER BY ALL").fetchall()


def detail_ids(warehouse: WarehouseResource) -> list[str]:
    return [
        row[0]
        for row in duckdb.connect(warehouse.database, read_only=True)
        .execute("SELECT session_id FROM raygun.session_details ORDER BY 1")
        .fetchall()
    ]


@pytest.mark.parametrize("in_flight", [1, 4])
def test_the_emulator_sees_at_most_the_configured_requests_at_once(serve, clock: FakeClock, tmp_path: Path, in_flight: int) -> None:
    faults = CountingFaults(hold_seconds=0.15)
    server = serve(faults, sessions_per_day=24, daily_call_limit=0, clock=clock)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    with make_client(server.base_url, clock=clock) as client:
        figures = load_details(client, warehouse, in_flight)
    assert figures.fetched == 24 and figures.broken == [] and figures.unknown == 0
    assert faults.detail_requests == 24
    assert faults.most_held == in_flight


def test_rows_are_those_of_a_sequential_run(serve, clock: FakeClock, tmp_path: Path) -> None:
    server = serve(CountingFaults(hold_seconds=0.01), sessions_per_day=40, daily_call_limit=0, clock=clock)
    landed = {}
    for in_flight in (1, 8):
        warehouse = warehouse_with_sessions(server, tmp_path / f"w{in_flight}.duckdb", clock)
        with make_client(server.base_url, clock=clock) as client:
            assert load_details(client, warehouse, in_flight).fetched == 40
        landed[in_flight] = {table: table_rows(warehouse, table) for table in ("session_details", "page_views", "session_errors")}
    assert len(landed[8]["session_details"]) == 40 and landed[8]["page_views"]
    assert landed[8] == landed[1]


def test_exactly_the_budgeted_calls_reach_the_emulator(serve, clock: FakeClock, tmp_path: Path) -> None:
    faults = CountingFaults(hold_seconds=0.02)
    server = serve(faults, sessions_per_day=40, daily_call_limit=0, clock=clock)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    auth_before = server.requests_by_path[AUTHENTICATE_PATH]
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:test", 15, vendor="Raygun", clock=clock)
    with make_client(server.base_url, clock=clock, ledger=ledger, calls_to_leave=lambda: 3) as client:
        figures = load_details(client, warehouse, in_flight=8)
    # 15 a day, 3 kept for session lists, 1 to authenticate: 11 details
    assert figures.allowed == 11 and figures.fetched == 11 and figures.pending == 29
    assert faults.detail_requests == 11
    assert server.requests_by_path[AUTHENTICATE_PATH] - auth_before == 1
    assert ledger.used() == 12 and ledger.remaining() == 3
    assert len(detail_ids(warehouse)) == 11


@pytest.mark.logs_at("WARNING", why="it is about a spent budget stopping detail fetches, which is logged as a WARNING")
def test_a_spent_budget_stops_new_fetches_and_keeps_the_fetched(serve, clock: FakeClock, tmp_path: Path) -> None:
    faults = CountingFaults(hold_seconds=0.05)
    # the session list spends 2 calls (authenticate, one page), the details' authenticate 1: 11 details answered, then 429
    server = serve(faults, sessions_per_day=60, daily_call_limit=14, limit_retry_after=False, clock=clock)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:test", 100, vendor="Raygun", clock=clock)
    with make_client(server.base_url, clock=clock, ledger=ledger) as client:
        figures = load_details(client, warehouse, in_flight=4)
    assert figures.stopped_by_budget
    assert figures.fetched == 11 and figures.broken == []
    assert len(detail_ids(warehouse)) == 11
    # nothing starts after the first 429: at most the requests already in flight get one too
    assert 12 <= faults.detail_requests <= 11 + 4
    assert ledger.remaining() == 0


def test_an_unknown_session_is_reported_and_the_others_land(serve, clock: FakeClock, tmp_path: Path) -> None:
    server = serve(CountingFaults(hold_seconds=0.01), sessions_per_day=30, daily_call_limit=0, clock=clock)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    with duckdb.connect(warehouse.database) as conn:
        middle = conn.execute("SELECT session_id FROM raygun.sessions ORDER BY session_start, session_id LIMIT 1 OFFSET 15").fetchone()
        assert middle is not None
        unknown = str(int(middle[0]) + 30)  # the same day's index 30 of 30 sessions: never issued
        conn.execute(
            "INSERT INTO raygun.sessions SELECT * REPLACE (? AS session_id) FROM raygun.sessions WHERE session_id = ?", [unknown, middle[0]]
        )
    with make_client(server.base_url, clock=clock) as client:
        figures = load_details(client, warehouse, in_flight=8)
    assert figures.candidates == 31 and figures.unknown == 1 and figures.fetched == 30 and figures.broken == []
    stored = detail_ids(warehouse)
    assert len(stored) == 30 and unknown not in stored


@pytest.mark.parametrize("noticed_by", ["vendor", "client"])
def test_an_expired_key_mid_batch_is_renewed_once(serve, clock: FakeClock, tmp_path: Path, noticed_by: str) -> None:
    """The key expires while 8 requests are in flight. ``vendor``: the client's clock does not see it,
    so the in-flight requests come back 401; ``client``: the client's clock sees it too and renews
    before sending (the requests already sent still come back 401)."""

    def expire(number: int) -> None:
        if number == 12:
            clock.advance(16 * 60)

    faults = CountingFaults(hold_seconds=0.05, on_request=expire)
    server = serve(faults, sessions_per_day=40, daily_call_limit=0, clock=clock)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    frozen = FakeClock(clock.now)
    with make_client(server.base_url, clock=clock if noticed_by == "client" else frozen) as client:
        figures = load_details(client, warehouse, in_flight=8)
    assert figures.fetched == 40 and figures.broken == []
    assert client.authentications == 2
    assert len(detail_ids(warehouse)) == 40
    assert faults.detail_requests > 40  # requests in flight at the expiry were refused and sent again


def test_refused_credentials_stop_the_batch_after_one_attempt(serve, clock: FakeClock, tmp_path: Path) -> None:
    faults = CountingFaults(hold_seconds=0.01)
    server = serve(faults, sessions_per_day=30, daily_call_limit=0, clock=clock)
    warehouse = warehouse_with_sessions(server, tmp_path / "w.duckdb", clock)
    auth_before = server.requests_by_path[AUTHENTICATE_PATH]
    faults.add(FaultRule(AUTHENTICATE_PATH, status=401, times=None))
    with make_client(server.base_url, clock=clock) as client, pytest.raises(AuthenticationError, match="was refused"):
        load_details(client, warehouse, in_flight=8)
    assert server.requests_by_path[AUTHENTICATE_PATH] - auth_before == 1  # POST refused: the 7 waiting threads send nothing
    assert faults.detail_requests == 0
    assert detail_ids(warehouse) == []
