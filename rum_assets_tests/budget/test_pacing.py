"""The pacing rule and its stores on a fake clock: a call holds its place from its start until a window
after its answer; an unanswered place counts as answered at its expiry; several limiters (processes)
on one SQLite file share the places of one scope and never those of another."""

from __future__ import annotations

from pathlib import Path

import pytest

from rum_assets.budget.pacing import IN_FLIGHT, MemoryPermitStore, PacingRule, PermitStore, Window
from rum_assets.budget.pacing_sqlite import SqlitePermitStore
from rum_assets.raygun.v3.rate_limit import SlidingWindowLimiter
from rum_assets_tests.fakes import ManualTime

TEN_A_SECOND = PacingRule((Window(10, 1.0),), margin_seconds=0.0, in_flight_expiry_seconds=5.0)


@pytest.fixture
def clock() -> ManualTime:
    return ManualTime(1_000_000.0)


def limiter_on(store: PermitStore, clock: ManualTime, scope: str = "raygun-v3:a", **kwargs: object) -> SlidingWindowLimiter:
    kwargs.setdefault("margin_seconds", 0.0)
    return SlidingWindowLimiter([Window(10, 1.0)], store=store, scope=scope, sleep=clock.sleep, **kwargs)  # type: ignore[arg-type]


def test_the_rule_counts_answered_calls_for_a_window_after_their_answer() -> None:
    answered_half_a_second_ago = [(999.5, 1e9)] * 10
    verdict = TEN_A_SECOND.judge(1000.0, answered_half_a_second_ago)
    assert verdict.wait == pytest.approx(0.5) and verdict.held == {1.0: 10}
    assert TEN_A_SECOND.judge(1000.0, [(999.0, 1e9)] * 10).wait == 0.0  # a full window ago: free


def test_the_rule_waits_for_calls_in_flight_and_bounds_the_wait_it_may_sleep() -> None:
    in_flight = [(None, 1003.0)] * 10
    verdict = TEN_A_SECOND.judge(1000.0, in_flight)
    assert verdict.wait == IN_FLIGHT
    assert verdict.at_least == pytest.approx(1.0)  # if they all answered now, a window from now
    expired = TEN_A_SECOND.judge(1003.5, in_flight)
    assert expired.wait == pytest.approx(0.5)  # counted as answered at their expiry, 1003.0


def test_a_rule_needs_positive_windows() -> None:
    with pytest.raises(ValueError, match="positive limit"):
        PacingRule((Window(0, 1.0),))
    with pytest.raises(ValueError, match="at least one"):
        PacingRule(())


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_stores_forget_places_past_every_window(kind: str, clock: ManualTime, tmp_path: Path) -> None:
    store: PermitStore = (
        MemoryPermitStore(clock.monotonic) if kind == "memory" else SqlitePermitStore(tmp_path / "ledger.sqlite3", clock.monotonic)
    )
    rule = PacingRule((Window(10, 1.0), Window(600, 60.0)), margin_seconds=0.0, in_flight_expiry_seconds=5.0)
    taken = [store.take("s", rule) for _ in range(10)]
    assert all(t.permit_id is not None for t in taken)
    for t in taken:
        store.answered("s", t.permit_id or 0)
    assert store.take("s", rule).verdict.wait == pytest.approx(1.0)
    clock.sleep(30)
    assert store.held("s", rule, Window(600, 60.0)) == 10 and store.held("s", rule, Window(10, 1.0)) == 0
    clock.sleep(31)
    assert store.held("s", rule, Window(600, 60.0)) == 0
    store.close()


def test_two_limiters_on_one_file_share_the_limit(clock: ManualTime, tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first, second = (limiter_on(SqlitePermitStore(path, clock.monotonic), clock) for _ in range(2))
    starts = []
    for _ in range(30):
        for limiter in (first, second):
            with limiter.call() as permit:
                starts.append(permit.started)
    assert len(starts) == 60
    assert max(sum(1 for s in starts if first_start <= s < first_start + 1.0) for first_start in starts) == 10
    assert clock.monotonic() - 1_000_000.0 >= 5.0  # 60 calls at 10 per second


def test_scopes_are_paced_apart(clock: ManualTime, tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    mine, theirs = (
        limiter_on(SqlitePermitStore(path, clock.monotonic), clock),
        limiter_on(SqlitePermitStore(path, clock.monotonic), clock, scope="raygun-v3:b"),
    )
    for _ in range(10):
        with mine.call():
            pass
    with theirs.call() as permit:
        assert permit.waited == 0.0
    with mine.call() as permit:
        assert permit.waited == pytest.approx(1.0)


def test_an_unanswered_place_of_a_dead_process_expires(clock: ManualTime, tmp_path: Path) -> None:
    """A process killed mid-call never answers: its places count as answered at their expiry."""
    path = tmp_path / "ledger.sqlite3"
    dead = limiter_on(SqlitePermitStore(path, clock.monotonic), clock, in_flight_expiry_seconds=5.0)
    for _ in range(10):
        dead.acquire()  # never released
    alive = limiter_on(SqlitePermitStore(path, clock.monotonic), clock, in_flight_expiry_seconds=5.0, max_wait_seconds=30.0)
    started = clock.monotonic()
    with alive.call() as permit:
        assert permit.started == pytest.approx(started + 5.0 + 1.0)  # expired at 5 s, then a window
    assert permit.waited >= 6.0


def test_the_servers_count_slows_every_limiter_of_the_scope(clock: ManualTime, tmp_path: Path) -> None:
    """The vendor counts calls made outside the store (another deployment on the token): the phantoms
    added by one process are seen by the others."""
    path = tmp_path / "ledger.sqlite3"
    windows = [Window(10, 1.0), Window(20, 60.0)]
    one, other = (
        SlidingWindowLimiter(windows, store=SqlitePermitStore(path, clock.monotonic), scope="s", sleep=clock.sleep) for _ in range(2)
    )
    with one.call():
        pass
    one.observe_remaining(60, 5)
    assert other.in_window(60) == 15
    one.observe_remaining(60, 19)  # more than we count: never loosens
    assert one.in_window(60) == 15
    for _ in range(5):
        with other.call() as permit:
            assert permit.waited < 1.1
    with other.call() as permit:
        assert permit.waited > 55  # the 21st in the minute waits for the minute to pass
