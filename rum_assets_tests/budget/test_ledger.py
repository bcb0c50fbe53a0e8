"""The call ledger: a daily limit that concurrent processes cannot pass together."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rum_assets.budget.ledger import CallBudgetLedger
from rum_assets.transport.errors import CallBudgetExhaustedError


def _spend(path: str, attempts: int, results: multiprocessing.Queue[int], daily_limit: int = 50) -> None:
    ledger = CallBudgetLedger(path, "raygun:test", daily_limit=daily_limit, vendor="Raygun")
    granted = 0
    for _ in range(attempts):
        try:
            ledger.reserve("GET /api/v1/pulse/session")
        except CallBudgetExhaustedError:
            continue
        granted += 1
    ledger.release()
    results.put(granted)


def test_reserve_refuses_past_the_limit_and_names_the_reset(tmp_path: Path) -> None:
    clock = lambda: datetime(2026, 11, 20, 18, 30, tzinfo=UTC)  # noqa: E731
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:a", daily_limit=3, vendor="Raygun", clock=clock)
    for _ in range(3):
        ledger.reserve("GET /x")
    assert ledger.remaining() == 0
    with pytest.raises(CallBudgetExhaustedError) as raised:
        ledger.reserve("GET /x")
    assert raised.value.resets_at == datetime(2026, 11, 21, tzinfo=UTC)
    assert "Raygun GET /x: the daily call budget of 3 calls is spent" in str(raised.value)
    assert ledger.reserved_by_me == 3


def test_days_and_scopes_are_counted_apart(tmp_path: Path) -> None:
    now = [datetime(2026, 11, 20, 23, 59, tzinfo=UTC)]
    path = tmp_path / "ledger.sqlite3"
    first = CallBudgetLedger(path, "raygun:a", daily_limit=2, vendor="Raygun", clock=lambda: now[0])
    other = CallBudgetLedger(path, "raygun:b", daily_limit=2, vendor="Raygun", clock=lambda: now[0])
    first.reserve("GET /x", calls=2)
    other.reserve("GET /x")
    assert (first.remaining(), other.remaining()) == (0, 1)
    now[0] = datetime(2026, 11, 21, 0, 0, 1, tzinfo=UTC)
    assert first.remaining() == 2


def test_a_429_marks_the_day_spent(tmp_path: Path) -> None:
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:a", daily_limit=50, vendor="Raygun")
    ledger.reserve("GET /x")
    ledger.mark_spent()
    assert ledger.remaining() == 0


def test_unlimited_still_counts(tmp_path: Path) -> None:
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:a", daily_limit=0, vendor="Raygun")
    for _ in range(100):
        ledger.reserve("GET /x")
    assert ledger.used() >= 100  # a block reserved ahead counts until it is handed back
    ledger.release()
    assert ledger.remaining() is None and ledger.used() == 100


def test_large_budgets_are_reserved_in_growing_blocks_and_the_unused_part_handed_back(tmp_path: Path) -> None:
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun-v3:a", daily_limit=10_000, vendor="Raygun")
    for _ in range(1_000):
        ledger.reserve("GET /x")
    assert ledger.max_block == 64
    assert ledger.store_reservations <= 7 + 1_000 // 64 + 1  # 1, 2, 4, ... 64, then 64 at a time
    assert ledger.remaining() == 9_000  # its own unused block is still its to spend
    ledger.release()
    assert ledger.used() == 1_000 and ledger.reserved_by_me == 1_000


def test_a_budget_of_50_is_still_reserved_call_by_call(tmp_path: Path) -> None:
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun:a", daily_limit=50, vendor="Raygun")
    for _ in range(10):
        ledger.reserve("GET /x")
    assert ledger.max_block == 1 and ledger.store_reservations == 10 and ledger.used() == 10


def test_a_block_that_would_pass_the_limit_gives_way_to_the_calls_still_allowed(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    other = CallBudgetLedger(path, "raygun-v3:a", daily_limit=1_000, vendor="Raygun")
    other.reserve("GET /x", calls=995)
    ledger = CallBudgetLedger(path, "raygun-v3:a", daily_limit=1_000, vendor="Raygun")
    granted = 0
    for _ in range(20):
        try:
            ledger.reserve("GET /x")
        except CallBudgetExhaustedError:
            break
        granted += 1
    assert granted == 5 and ledger.used() == 1_000


def test_the_vendors_count_raises_the_ledger_above_the_unused_block(tmp_path: Path) -> None:
    ledger = CallBudgetLedger(tmp_path / "ledger.sqlite3", "raygun-v3:a", daily_limit=1_000, vendor="Raygun")
    for _ in range(4):
        ledger.reserve("GET /x")  # blocks of 1, 2 and 4: the last block's 3 other calls are unused
    unused = ledger.used() - 4
    assert unused == 3
    ledger.raise_used_to_at_least(500)  # another machine spent 497 calls we never saw
    assert ledger.used() == 500 + unused
    assert ledger.remaining() == 500
    ledger.release()
    assert ledger.used() == 500


def _two_processes_spend(path: str, daily_limit: int, each: int) -> list[int]:
    """Two spawned processes each try to spend ``each`` calls from one ledger; the calls each was granted."""
    CallBudgetLedger(path, "raygun:test", daily_limit=daily_limit, vendor="Raygun")
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[int] = context.Queue()
    workers = [context.Process(target=_spend, args=(path, each, results, daily_limit)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return [results.get(timeout=5) for _ in workers]


def test_two_processes_with_blocks_spend_exactly_the_limit(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.sqlite3")
    granted = _two_processes_spend(path, 2_000, 1_500)
    assert sum(granted) == 2_000
    assert all(g >= 500 for g in granted)
    assert CallBudgetLedger(path, "raygun:test", daily_limit=2_000, vendor="Raygun").used() == 2_000


def test_two_processes_never_exceed_the_limit_together(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.sqlite3")
    granted = _two_processes_spend(path, 50, 40)
    assert sum(granted) == 50
    assert all(g >= 10 for g in granted)
    assert CallBudgetLedger(path, "raygun:test", daily_limit=50, vendor="Raygun").used() == 50
