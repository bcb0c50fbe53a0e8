"""Session lists first (rum_assets.raygun.v1.list_reservations): pending lists in the ledger's SQLite store,
and v1 details that leave their calls, materialized against the emulator over real HTTP."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from rum_assets.raygun import names
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.v1.detail_batches import open_batch_store
from rum_assets.raygun.v1.list_reservations import PLAN_TTL, ListReservations
from rum_assets_tests.fakes import FakeClock
from rum_emulator.server import EmulatorServer

from ..test_assets import DAY, _materialize, _metadata, _query, _resources

TODAY = date(2026, 11, 21)


def _reservations(tmp_path: Path, clock: FakeClock) -> ListReservations:
    return ListReservations(tmp_path / "state" / "call_budget.sqlite3", "raygun:test", page_size=500, clock=clock)


def test_each_planned_list_is_pending_until_its_owner_lists_it_or_it_expires(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))
    reservations = _reservations(tmp_path, clock)
    days = [date(2026, 11, 17), date(2026, 11, 18)]
    reservations.plan(days, owner="node-a")
    reservations.plan(days[:1], owner="node-b")
    yesterday = TODAY - timedelta(days=1)
    # node-a's two, node-b's one, and the schedule's day (yesterday), each a page and an authentication
    assert reservations.pending().days == (days[0], days[0], days[1], yesterday)
    assert reservations.pending().calls == 8

    reservations.release("node-a", days[0])
    reservations.landed(days[0], 1_200)  # a landing of another owner's day does not clear node-b's list
    assert reservations.pending().days == (days[0], days[1], yesterday)
    # 17th: its own 1,200 sessions are 3 pages; the others take the latest landed total too
    assert reservations.pending().calls == (3 + 1) * 3

    reservations.landed(yesterday, 10)
    assert reservations.pending().days == (days[0], days[1])
    clock.advance(PLAN_TTL.total_seconds() + 1)  # a killed planner's rows run out
    assert reservations.pending().days == ()
    clock.advance(24 * 3600)  # a new UTC day: the schedule's day moves on and is pending again
    assert reservations.pending().days == (TODAY,)


def test_a_plan_ends_with_nothing_left_even_when_its_runs_fail(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 21, 9, 30, tzinfo=UTC))
    reservations = _reservations(tmp_path, clock)
    reservations.landed(TODAY - timedelta(days=1), 10)
    try:
        with reservations.planned([date(2026, 11, 1), date(2026, 11, 2)]) as tags:
            assert len(reservations.pending().days) == 2 and list(tags) == ["rum_assets/raygun_list_plan"]
            raise RuntimeError("the node's runs stop")
    except RuntimeError:
        pass
    assert reservations.pending().days == ()


def test_details_leave_the_calls_of_the_lists_still_to_come(emulator: EmulatorServer, tmp_path: Path) -> None:
    """A run plans two days; the first day's details leave the calls of the second's list and of the
    schedule's (yesterday), both lists land, and details get the rest once none is to come."""
    resources = _resources(emulator, tmp_path, daily_call_limit=30)
    earlier, yesterday = DAY - timedelta(days=1), DAY + timedelta(days=1)
    instance = dg.DagsterInstance.ephemeral()
    with resources["raygun"].list_reservations().planned([DAY, earlier]) as tags:
        first = _materialize(resources, tags=tags, instance=instance)
        details = _metadata(first, names.SESSION_DETAILS)
        # 30 - 2 (authenticate + page) - 4 kept (a page and an authentication for each list to come);
        # the details take the session key the list authenticated
        assert details[names.CALLS_KEPT_FOR_LISTS] == 4 and details[names.DETAILS_FETCHED] == 24
        _materialize(resources, day=earlier, assets=[raygun_sessions], tags=tags, instance=instance)
    _materialize(resources, day=yesterday, assets=[raygun_sessions], instance=instance)  # the schedule's run
    rest = _materialize(resources, instance=instance, assets=[raygun_sessions, raygun_session_details], selection=[raygun_session_details])
    assert _metadata(rest, names.SESSION_DETAILS)[names.CALLS_KEPT_FOR_LISTS] == 0
    assert _metadata(rest, names.SESSION_DETAILS)[names.DETAILS_FETCHED] == 2
    listed = _query(tmp_path, "SELECT partition_date, count(*) FROM raygun.sessions GROUP BY 1 ORDER BY 1")
    assert listed == [(earlier, 60), (DAY, 60), (yesterday, 60)]
    ledger = resources["raygun"].ledger()
    assert ledger.used() == 30 and ledger.remaining() == 0
    assert resources["raygun"].list_reservations().pending().days == ()


WAITING = "another process is fetching this day's details"


def test_a_details_batch_of_the_same_day_elsewhere_is_waited_for(emulator: EmulatorServer, tmp_path: Path) -> None:
    """Another process holds the day's details lease until it sees the step wait: the step waits, then fetches."""
    resources = _resources(emulator, tmp_path)
    _materialize(resources, assets=[raygun_sessions])
    raygun = resources["raygun"]
    now = datetime.now(UTC)
    store = open_batch_store(tmp_path / "state" / "call_budget.sqlite3")
    assert store.take(raygun.ledger().scope, DAY, "another-node", now + timedelta(seconds=60), now)
    # on disk: the other node's thread reads the run's log while the step writes it (in-memory SQLite is one thread's)
    instance = dg.DagsterInstance.local_temp(str(tmp_path / "dagster_home"))

    def release_once_the_step_waits() -> None:
        for _ in range(600):
            if any(WAITING in e.user_message for run in instance.get_runs() for e in instance.all_logs(run.run_id)):
                break
            time.sleep(0.1)
        store.release(raygun.ledger().scope, DAY, "another-node")

    other_node = threading.Thread(target=release_once_the_step_waits)
    other_node.start()
    result = _materialize(
        resources, assets=[raygun_sessions, raygun_session_details], selection=[raygun_session_details], instance=instance
    )
    other_node.join()
    assert _metadata(result, names.SESSION_DETAILS)[names.DETAILS_FETCHED] == 60
    assert any(WAITING in e.user_message for e in instance.all_logs(result.run_id))
    assert store.take(raygun.ledger().scope, DAY, "next", now + timedelta(seconds=5), now)  # released after the batch
