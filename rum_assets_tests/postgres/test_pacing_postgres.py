"""Pacing in PostgreSQL: nodes that share only the ledger URL share the token's 10 calls/s, on the
database server's clock; a killed node's places expire."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rum_assets.budget.pacing import IN_FLIGHT, PacingRule, Window, open_permit_store
from rum_assets.budget.pacing_postgres import PostgresPermitStore
from rum_assets.raygun.v3.client import token_scope
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter
from rum_assets_tests.pacing_runs import kill_a_process_with_calls_in_flight, run_nodes
from rum_emulator.raygun_v3 import DEMO_TOKEN

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_three_nodes_sharing_the_url_are_never_refused(postgres_url: str, tmp_path: Path) -> None:
    run = run_nodes(tmp_path, ledger_url=postgres_url, shared_state=False, processes=3, details=30)
    assert run.made == [31, 31, 31]  # no retries
    assert run.statuses[429] == 0 and run.statuses[200] == 93
    assert max(run.by_second.values()) <= 10
    assert len(run.by_second) >= 9
    assert not list(tmp_path.glob("node*/state/*.sqlite3"))  # nothing paced on a node's own disk


def test_places_are_held_a_window_after_the_answer_and_per_scope(postgres_url: str) -> None:
    store = open_permit_store(postgres_url)
    assert isinstance(store, PostgresPermitStore)
    rule = PacingRule((Window(3, 1.0),), in_flight_expiry_seconds=60.0)
    taken = [store.take("mine", rule) for _ in range(3)]
    assert all(t.permit_id is not None for t in taken)
    assert store.take("mine", rule).verdict.wait == IN_FLIGHT
    assert store.take("theirs", rule).permit_id is not None
    for t in taken:
        store.answered("mine", t.permit_id or 0)
    refused = store.take("mine", rule)
    assert refused.permit_id is None and 0.9 < refused.verdict.wait <= 1.0 + rule.margin_seconds
    assert store.held("mine", rule, Window(3, 1.0)) == 3
    assert store.align("mine", PacingRule((Window(3, 1.0), Window(5, 60.0))), Window(5, 60.0), remaining=0) == 2
    store.close()


def test_an_unanswered_place_expires(postgres_url: str) -> None:
    store = open_permit_store(postgres_url)
    rule = PacingRule((Window(1, 1.0),), in_flight_expiry_seconds=0.2)
    assert store.take("s", rule).permit_id is not None
    assert store.take("s", rule).verdict.wait == IN_FLIGHT
    time.sleep(0.3)
    assert store.take("s", rule).verdict.wait <= 1.0  # counted as answered at its expiry
    store.close()


def test_a_killed_node_leaves_no_place_that_blocks(postgres_url: str) -> None:
    kill_a_process_with_calls_in_flight(postgres_url, expiry_seconds=2.0)
    limiter = SlidingWindowLimiter(store=open_permit_store(postgres_url), scope=token_scope(DEMO_TOKEN), max_wait_seconds=30)
    with limiter.call() as permit:
        assert permit.waited > 1.0  # the dead node's ten places were held, then expired
    limiter.close()
