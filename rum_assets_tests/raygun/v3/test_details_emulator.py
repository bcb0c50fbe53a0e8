"""Concurrent session details against the v3 emulator on the real clock: bounded in flight, paced
to the server's per-second limit (counted where the requests arrive), in the given order, per-id
failures, and a spent budget stopping the batch."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rum_assets.raygun.v3.client import RaygunV3Client, token_ledger
from rum_assets.transport.errors import CallBudgetExhaustedError, NotFoundError
from rum_assets.transport.http import RetryPolicy
from rum_assets_tests.raygun.v3.conftest import WEB_APP
from rum_emulator.raygun_v3 import DEMO_TOKEN


def real_clock() -> datetime:
    return datetime.now(UTC)


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t < first + 1.0) for i, first in enumerate(times)), default=0)


def session_ids(base_url: str, count: int) -> list[str]:
    with RaygunV3Client(base_url, DEMO_TOKEN) as lister:
        return [s.identifier for s in lister.list_sessions(WEB_APP, count=count, orderby="startedAt desc")]


def test_concurrent_details_keep_order_and_the_per_second_limit(start_v3, tmp_path: Path) -> None:
    server, _, recording = start_v3(clock=real_clock, per_second_limit=10, per_minute_limit=600, sessions_per_day=500)
    base_url = server.base_url + "/v3"
    ids = session_ids(base_url, 30)
    time.sleep(1.1)  # the lister's calls share the token's second with the client's first ten
    server.faults.latency_seconds = 0.1
    server.faults.latency_jitter_seconds = 0.3  # requests overtake each other on the way to the server
    ids.insert(7, "nosuchsession")
    recording.answers.clear()
    with RaygunV3Client(base_url, DEMO_TOKEN, ledger=token_ledger(tmp_path / "ledger.sqlite", DEMO_TOKEN)) as client:
        outcomes = list(client.fetch_session_details(WEB_APP, ids, max_in_flight=6))
        retried = client.calls_made - len(ids)
    assert [o.session_id for o in outcomes] == ids
    assert isinstance(outcomes[7].error, NotFoundError) and outcomes[7].detail is None
    assert all(o.detail is not None and o.detail.identifier == o.session_id for i, o in enumerate(outcomes) if i != 7)
    detail_calls = [t for t, path, status in recording.answers if "/sessions/" in path and status != 429]
    assert len(detail_calls) == len(ids)
    # a call holds its place until its answer is back, so however late a request arrives, no second
    # of the server's ever counts an eleventh
    assert recording.statuses().count(429) == retried == 0
    assert most_in_one_second(detail_calls) <= 10


def test_spent_budget_stops_the_batch(start_v3, tmp_path: Path) -> None:
    server, _, recording = start_v3(clock=real_clock, per_second_limit=0, per_minute_limit=0, sessions_per_day=500)
    base_url = server.base_url + "/v3"
    ids = session_ids(base_url, 40)
    recording.answers.clear()
    ledger = token_ledger(tmp_path / "ledger.sqlite", DEMO_TOKEN, daily_limit=12)
    policy = RetryPolicy(max_attempts=2, base_delay_seconds=0.01)
    yielded = []
    with RaygunV3Client(base_url, DEMO_TOKEN, ledger=ledger, policy=policy) as client, pytest.raises(CallBudgetExhaustedError):
        for outcome in client.fetch_session_details(WEB_APP, ids, max_in_flight=4):
            yielded.append(outcome)
    assert len(recording.answers) == 12
    got = [o.session_id for o in yielded]
    assert len(got) == 12
    assert got == [i for i in ids if i in set(got)]  # in the given order
    assert set(got) <= set(ids[: 12 + 4])  # the budget went to the front of the queue (threads race within one window)
    assert all(o.detail is not None for o in yielded)


def test_stopping_early_starts_nothing_more(start_v3, tmp_path: Path) -> None:
    server, _, recording = start_v3(clock=real_clock, per_second_limit=0, per_minute_limit=0, sessions_per_day=500)
    base_url = server.base_url + "/v3"
    ids = session_ids(base_url, 60)
    recording.answers.clear()
    with RaygunV3Client(base_url, DEMO_TOKEN) as client:
        batch = client.fetch_session_details(WEB_APP, ids, max_in_flight=3)
        first = next(batch)
        batch.close()  # type: ignore[attr-defined]
    assert first.session_id == ids[0]
    assert len(recording.answers) <= 1 + 2 * 3
