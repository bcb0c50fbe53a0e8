"""One v1 session key for every process on the same credentials, through the ledger's SQLite store,
against the emulator over real HTTP. Each :class:`SharedSessionKeys` stands for a process (it has its
own lease owner); the last test uses real processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rum_assets.raygun.v1.client import AUTHENTICATE_PATH, RaygunClient
from rum_assets.raygun.v1.session_key_store import SharedSessionKeys
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer

from ..conftest import make_client

DAY = date(2026, 11, 20)


@pytest.fixture
def raygun() -> Iterator[tuple[EmulatorServer, RaygunApp]]:
    app = RaygunApp(RaygunEmulatorConfig(sessions_per_day=5, daily_call_limit=0))
    with EmulatorServer([app]) as server:
        yield server, app


def _shared(server: EmulatorServer, store: Path, secret: str = DEMO_RAYGUN_CLIENT_SECRET, **kwargs: Any) -> SharedSessionKeys:
    return SharedSessionKeys(store, server.base_url, DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, secret, **kwargs)


def _list_day(client: RaygunClient) -> int:
    return sum(len(page.sessions) for page in client.iter_session_pages(DAY))


def test_a_second_process_uses_the_first_ones_key_and_a_refused_key_is_replaced_for_all(raygun, tmp_path: Path) -> None:
    server, app = raygun
    store = tmp_path / "call_budget.sqlite3"
    with (
        make_client(server.base_url, shared_keys=_shared(server, store)) as first,
        make_client(server.base_url, shared_keys=_shared(server, store)) as second,
    ):
        assert _list_day(first) == _list_day(second) == 5
        assert (first.authentications, second.authentications) == (1, 0)
        assert second.keys.shared_keys_taken == 1

        app.revoke_session_keys()
        assert _list_day(first) == 5  # refused: first renews and publishes the new key
        assert _list_day(second) == 5  # refused too: second takes the new key, no authentication of its own
        assert (first.authentications, second.authentications) == (1 + 1, 0)
        assert server.requests_by_path[AUTHENTICATE_PATH] == 2


def test_the_stored_key_is_sealed_and_opens_only_with_the_same_credentials(raygun, tmp_path: Path) -> None:
    server, _ = raygun
    store = tmp_path / "call_budget.sqlite3"
    with make_client(server.base_url, shared_keys=_shared(server, store)) as client:
        _list_day(client)
        key = client.keys.current_key
    assert key
    stored = store.read_bytes()
    for secret in (key, DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET):
        assert secret.encode() not in stored
    assert _shared(server, store).read()[0] is not None
    other = _shared(server, store, secret="another-client-secret")
    assert other.read() == (None, 0)  # other credentials: another row (none yet)
    other.credentials_id = _shared(server, store).credentials_id
    assert other.read()[0] is None  # the same row read with another secret: the seal does not open


def test_a_process_that_died_renewing_or_an_expired_key_blocks_nothing(raygun, tmp_path: Path) -> None:
    server, _ = raygun
    store = tmp_path / "call_budget.sqlite3"
    died = _shared(server, store, lease_ttl=timedelta(seconds=0.5))
    assert died.take_lease(0, datetime.now(UTC))  # took the lease to authenticate, then was killed
    with make_client(server.base_url, shared_keys=_shared(server, store, lease_ttl=timedelta(seconds=0.5))) as client:
        assert _list_day(client) == 5  # waited out the dead process's lease, then authenticated itself
        assert client.authentications == 1
    _shared(server, store).publish("a-key-that-ran-out", datetime.now(UTC) - timedelta(seconds=1))
    with make_client(server.base_url, shared_keys=_shared(server, store)) as client:
        assert _list_day(client) == 5 and client.authentications == 1  # an expired key is not used


def _process(base_url: str, store: str, start: Any, results: Any) -> None:
    start.wait(timeout=60)
    shared = SharedSessionKeys(store, base_url, DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET)
    with RaygunClient(base_url, DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET, shared_keys=shared) as client:
        listed = sum(len(page.sessions) for page in client.iter_session_pages(DAY))
        results.put((listed, client.authentications))


def test_four_processes_starting_together_authenticate_once(raygun, tmp_path: Path) -> None:
    server, _ = raygun
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    processes = [context.Process(target=_process, args=(server.base_url, str(tmp_path / "s.sqlite3"), start, results)) for _ in range(4)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert sorted(outcomes) == [(5, 0), (5, 0), (5, 0), (5, 1)]
    assert server.requests_by_path[AUTHENTICATE_PATH] == 1
