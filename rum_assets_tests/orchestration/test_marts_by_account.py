"""Two accounts' base rows in one warehouse: each account's mart rows come from its own rows alone (the
same v1 application id ``v1``, session id ``s1`` and product ``P`` in both), its checks and headline
numbers are its own, and a day written for one account leaves the other's rows of it alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from rum_assets.orchestration.mart_registry import MARTS
from rum_assets.orchestration.marts import evaluate_checks, materialize_mart
from rum_assets.raygun.tables import PAGE_VIEWS, SESSION_ERRORS, SESSIONS
from rum_assets.revenera.tables import CLIENT_PROFILES, EVENT_USAGE, USER_ACTIVITY
from rum_assets.warehouse.tables import Connection
from rum_assets_tests.orchestration.mart_expectations import assert_every_mart, assert_sessions, mart, materialize_all, rows
from rum_assets_tests.orchestration.mart_inputs import DAY, at, insert, load_raygun, load_revenera

NORTH = "north"


def load_north(conn: Connection) -> None:
    """Account north, v1 only: sessions s1 (FR, 2 pages, 40 s, n1) and n2 (FR, 1 page, 60 s, n1); page
    views /a 5000 ms and /c 7000 ms on s1; one error on s1. Product P: c1 on the day (1.0), c9 ten days
    before (3.0); the vendor counts 5 new, 1 active, 0 lost; one event A/x, 7 times by 1 of 1 users."""

    def v1(**row: object) -> dict[str, object]:
        return {"account": NORTH, "partition_date": DAY, "source_api": "v1", "application_id": "v1", **row}

    common = {"country": "FR", "browser_name": "Safari", "user_identifier": "n1"}
    insert(
        conn,
        SESSIONS,
        [
            v1(session_id="s1", session_start=at(5), session_length_ms=40_000, page_view_count=2, **common),
            v1(session_id="n2", session_start=at(6), session_length_ms=60_000, page_view_count=1, **common),
        ],
    )
    views = [("/a", 5000), ("/c", 7000)]
    insert(conn, PAGE_VIEWS, [v1(session_id="s1", view_index=i, page=page, loading_time_ms=ms) for i, (page, ms) in enumerate(views)])
    insert(conn, SESSION_ERRORS, [v1(session_id="s1", error_index=0, group_id=1000001, title="E1")])
    profiles = [(DAY, "c1", "1.0"), (DAY - timedelta(10), "c9", "3.0")]
    insert(
        conn,
        CLIENT_PROFILES,
        [{"account": NORTH, "product_id": "P", "partition_date": d, "client_id": c, "prod_version": v} for d, c, v in profiles],
    )
    activity = {"segment_property": "(none)", "segment": "(all)", "new_users": 5, "active_users": 1, "lost_users": 0}
    insert(conn, USER_ACTIVITY, [{"account": NORTH, "product_id": "P", "partition_date": DAY, **activity}])
    event = {"event_category": "A", "event_name": "x", "tracking": "ADVANCED", "is_combination": False, "event_count": 7}
    insert(
        conn, EVENT_USAGE, [{"account": NORTH, "product_id": "P", "partition_date": DAY, "unique_users": 1, "users_never_used": 0, **event}]
    )


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    with duckdb.connect(str(tmp_path / "marts.duckdb")) as connection:
        load_raygun(connection)
        load_revenera(connection)
        load_north(connection)
        yield connection


def materialize_north(conn: Connection) -> dict[str, dg.MaterializeResult]:
    return {m.table.name: materialize_mart(conn, m, DAY, "north-run", NORTH) for m in MARTS}


def test_each_account_s_marts_hold_its_own_rows_only(conn: Connection) -> None:
    """north: sessions 2, 1 user, 1 of 2 bounced, median of 40 and 60 s = 50 s. Load times 5000, 7000:
    p50 6000, p75 at h=0.75: 6500, p95 at h=0.95: 6900. The error on s1 is north's s1's (user n1), not the
    default account's s1 (u1). P: DAU 1 (c1), MAU 2 (c1, c9), stickiness 0.5, 2 days in the window; the
    version 3.0 has no one active on the day. A/x: 7 of 7 events, 1 of 1 users."""
    default = materialize_all(conn)
    north = materialize_north(conn)
    assert_every_mart(conn)
    for result in (*default.values(), *north.values()):
        assert all(check.passed for check in result.check_results), result.check_results
    assert rows(conn, "raygun.sessions_daily", "dimension, value, sessions, users, bounce_share, median_session_length_s", 2, NORTH) == [
        ("all", "(all)", 2, 1, 0.5, 50.0),
        ("browser", "Safari", 2, 1, 0.5, 50.0),
        ("country", "FR", 2, 1, 0.5, 50.0),
        ("os", "(unknown)", 2, 1, 0.5, 50.0),
        ("platform", "(unknown)", 2, 1, 0.5, 50.0),
    ]
    pages = rows(conn, "raygun.page_performance_daily", "page, page_views, load_time_p50_ms, load_time_p75_ms, load_time_p95_ms", 1, NORTH)
    assert pages == [
        ("(all pages)", 2, 6000.0, 6500.0, pytest.approx(6900.0)),
        ("/a", 1, 5000.0, 5000.0, 5000.0),
        ("/c", 1, 7000.0, 7000.0, 7000.0),
    ]
    errors = rows(conn, "raygun.errors_daily", "error_group, occurrences, affected_sessions, affected_users", 1, NORTH)
    assert errors == [("1000001", 1, 1, 1)]
    usage = rows(
        conn,
        "revenera.usage_daily",
        "prod_version, active_users, weekly_active_users, monthly_active_users, stickiness, version_share, new_users, lost_users, "
        "days_in_month_window",
        1,
        NORTH,
    )
    assert usage == [("(all)", 1, 1, 2, 0.5, 1.0, 5, 0, 2), ("1.0", 1, 1, 1, 1.0, 1.0, None, None, 1)]
    events = rows(
        conn, "revenera.top_events_daily", "event_rank, event_name, event_count, share_of_events, share_of_active_users", 1, NORTH
    )
    assert events == [(1, "x", 7, 1.0, 1.0)]


def test_headline_numbers_are_the_account_s(conn: Connection) -> None:
    materialize_all(conn)
    north = materialize_north(conn)
    assert north["sessions_daily"].metadata["raygun/sessions"] == dg.MetadataValue.int(2)
    assert north["usage_daily"].metadata["revenera/dau"] == dg.MetadataValue.int(1)
    assert north["usage_daily"].metadata["revenera/mau"] == dg.MetadataValue.int(2)
    assert north["page_performance_daily"].metadata["raygun/load_time_p75_ms"] == dg.MetadataValue.float(6500.0)
    assert "raygun/lcp_p75_ms" not in north["page_performance_daily"].metadata, "north has no v3 application"
    assert north["errors_daily"].metadata["raygun/error_occurrences"] == dg.MetadataValue.int(1)


def test_a_day_of_one_account_keeps_the_other_account_s_rows(conn: Connection) -> None:
    materialize_all(conn)
    materialize_north(conn)
    conn.execute("DELETE FROM raygun.sessions WHERE account = ? AND session_id = 'n2'", [NORTH])
    materialize_mart(conn, mart("sessions_daily"), DAY, "north-again", NORTH)
    assert_sessions(conn)
    by_account = conn.execute(
        "SELECT account, sessions, _run_id FROM raygun.sessions_daily WHERE partition_date = ? AND dimension = 'all' ORDER BY account, source_api",
        [DAY],
    ).fetchall()
    assert by_account == [("default", 3, "test-run"), ("default", 2, "test-run"), ("north", 1, "north-again")]
    materialize_mart(conn, mart("sessions_daily"), DAY, "default-again")
    assert conn.execute(
        "SELECT sessions, _run_id FROM raygun.sessions_daily WHERE account = ? AND dimension = 'all'", [NORTH]
    ).fetchall() == [(1, "north-again")]


def test_a_check_sees_only_its_account(conn: Connection) -> None:
    """A north session the mart has not seen fails north's total, not the default account's."""
    materialize_all(conn)
    materialize_north(conn)
    insert(
        conn,
        SESSIONS,
        [
            {
                "account": NORTH,
                "session_id": "late",
                "partition_date": DAY,
                "source_api": "v1",
                "application_id": "v1",
                "session_start": at(23),
            }
        ],
    )
    failed = {r.check_name for r in evaluate_checks(conn, mart("sessions_daily"), DAY, NORTH) if not r.passed}
    assert failed == {"total_matches_sessions", "total_matches_sessions_by_country"}
    assert all(r.passed for r in evaluate_checks(conn, mart("sessions_daily"), DAY))
