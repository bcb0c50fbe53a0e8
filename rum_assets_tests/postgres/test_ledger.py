"""The call ledger in PostgreSQL: nodes that share only its URL never pass the daily limit together."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.budget.ledger_postgres import PostgresLedgerStore
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.v3.access import open_v3_client
from rum_assets.transport.errors import CallBudgetExhaustedError
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET, DEMO_RAYGUN_PAT
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.raygun_v3 import RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.server import EmulatorServer

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

LIMIT = 50


def _node(base_url: str, ledger_url: str, node_dir: str, attempts: int, results: multiprocessing.Queue[int]) -> None:
    """One machine: its own state and temp directories; only the ledger URL is shared."""
    os.environ["TMPDIR"] = str(Path(node_dir) / "tmp")
    resource = RaygunResource(
        api_key=DEMO_RAYGUN_API_KEY,
        client_id=DEMO_RAYGUN_CLIENT_ID,
        client_secret=DEMO_RAYGUN_CLIENT_SECRET,
        base_url=base_url,
        daily_call_limit=LIMIT,
        state_dir=str(Path(node_dir) / "state"),
        ledger_url=ledger_url,
    )
    day = datetime.now(UTC).date() - timedelta(days=1)
    with resource.get_client() as client:
        for _ in range(attempts):
            try:
                next(client.iter_session_pages(day))
            except CallBudgetExhaustedError:
                break
        results.put(client.calls_made)


def _run_nodes(target: Callable[..., None], app: object, postgres_url: str, tmp_path: Path) -> tuple[list[int], int]:
    """Three spawned nodes running ``target`` against ``app``'s emulator: the calls each made, and the
    requests that reached the emulator."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    with EmulatorServer([app]) as server:  # type: ignore[list-item]
        nodes = []
        for index in range(3):
            node_dir = tmp_path / f"node{index}"
            (node_dir / "tmp").mkdir(parents=True)
            nodes.append(context.Process(target=target, args=(server.base_url, postgres_url, str(node_dir), 40, results)))
        for node in nodes:
            node.start()
        for node in nodes:
            node.join(timeout=120)
        made = [results.get(timeout=5) for _ in nodes]
        return made, sum(server.requests_by_path.values())


def test_nodes_sharing_the_url_send_exactly_the_daily_limit(postgres_url: str, tmp_path: Path) -> None:
    app = RaygunApp(RaygunEmulatorConfig(sessions_per_day=20, daily_call_limit=0))
    made, reached = _run_nodes(_node, app, postgres_url, tmp_path)
    assert sum(made) == LIMIT
    assert reached == LIMIT
    assert app.calls_used(DEMO_RAYGUN_API_KEY, datetime.now(UTC).date()) == LIMIT
    assert all(not (tmp_path / f"node{i}" / "state" / "call_budget.sqlite3").exists() for i in range(3))


def test_reserve_refuses_past_the_limit_and_a_429_spends_the_day(postgres_url: str) -> None:
    clock = lambda: datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # noqa: E731
    ledger = CallBudgetLedger(postgres_url, "raygun:a", daily_limit=3, vendor="Raygun", clock=clock)
    other = CallBudgetLedger(postgres_url, "raygun:b", daily_limit=3, vendor="Raygun", clock=clock)
    ledger.reserve("GET /x", calls=2)
    with pytest.raises(CallBudgetExhaustedError) as raised:
        ledger.reserve("GET /x", calls=2)
    assert "the daily call budget of 3 calls is spent (2 used today, UTC)" in str(raised.value)
    assert raised.value.resets_at == datetime(2026, 11, 21, tzinfo=UTC)
    with pytest.raises(CallBudgetExhaustedError):
        other.reserve("GET /x", calls=4)
    other.reserve("GET /x")
    assert (ledger.remaining(), other.remaining(), ledger.reserved_by_me) == (1, 2, 2)
    ledger.mark_spent()
    assert ledger.remaining() == 0 and other.remaining() == 2
    assert isinstance(ledger.store, PostgresLedgerStore)


def test_unlimited_still_counts(postgres_url: str) -> None:
    ledger = CallBudgetLedger(postgres_url, "raygun:a", daily_limit=0, vendor="Raygun")
    for _ in range(20):
        ledger.reserve("GET /x")
    ledger.mark_spent()
    assert ledger.used() >= 20  # a block reserved ahead counts until it is handed back
    ledger.release()
    assert ledger.remaining() is None and ledger.used() == 20


def _v3_node(base_url: str, ledger_url: str, node_dir: str, attempts: int, results: multiprocessing.Queue[int]) -> None:
    """One machine using the v3 token: its own state and temp directories; only the ledger URL is shared."""
    os.environ["TMPDIR"] = str(Path(node_dir) / "tmp")
    resource = RaygunResource(
        pat=DEMO_RAYGUN_PAT,
        v3_base_url=f"{base_url}/v3",
        v3_daily_call_limit=LIMIT,
        state_dir=str(Path(node_dir) / "state"),
        ledger_url=ledger_url,
    )
    with open_v3_client(resource) as client:
        for _ in range(attempts):
            try:
                client.list_applications()
            except CallBudgetExhaustedError:
                break
        results.put(client.calls_made)


def test_v3_nodes_sharing_the_url_send_exactly_the_daily_limit(postgres_url: str, tmp_path: Path) -> None:
    app = RaygunV3App(RaygunV3EmulatorConfig(sessions_per_day=5))
    made, reached = _run_nodes(_v3_node, app, postgres_url, tmp_path)
    assert sum(made) == LIMIT
    # Exactly the limit reached the vendor (the nodes also pace their 10 calls/s through the same
    # database: rum_assets_tests/postgres/test_pacing_postgres.py).
    assert reached == LIMIT
    assert all(not (tmp_path / f"node{i}" / "state" / "call_budget.sqlite3").exists() for i in range(3))
