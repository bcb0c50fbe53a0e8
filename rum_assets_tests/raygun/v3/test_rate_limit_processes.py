"""Pacing that holds across processes: spawned processes on one token, paced through the call
ledger's SQLite file, against the v3 emulator's fixed second and minute windows, over real HTTP
with requests reordered on the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from rum_assets.budget.pacing import open_permit_store
from rum_assets.raygun.v3.client import token_scope
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter
from rum_assets_tests.pacing_runs import kill_a_process_with_calls_in_flight, run_nodes
from rum_emulator.raygun_v3 import DEMO_TOKEN

pytestmark = pytest.mark.slow


def test_three_processes_on_one_token_are_never_refused(tmp_path: Path) -> None:
    run = run_nodes(tmp_path, processes=3, details=30)
    assert run.made == [31, 31, 31]  # no retries
    assert run.statuses[429] == 0 and run.statuses[200] == 93
    assert max(run.by_second.values()) <= 10
    assert len(run.by_second) >= 9  # the calls passed many of the emulator's seconds


def test_a_killed_process_leaves_no_place_that_blocks(tmp_path: Path) -> None:
    location = str(tmp_path / "state" / "call_budget.sqlite3")
    kill_a_process_with_calls_in_flight(location, expiry_seconds=2.0)
    limiter = SlidingWindowLimiter(store=open_permit_store(location), scope=token_scope(DEMO_TOKEN), max_wait_seconds=30)
    with limiter.call() as permit:
        assert permit.waited > 1.0  # the dead process's ten places were held, then expired
    limiter.close()
