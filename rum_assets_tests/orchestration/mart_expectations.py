"""What every mart must hold for :mod:`mart_inputs`, computed by hand; run on DuckDB and on PostgreSQL.

Percentiles are ``percentile_cont`` (DuckDB's ``quantile_cont``): for n sorted values and quantile q the
value at position h = (n - 1) q (0-based), interpolated linearly between the ranks around h.
"""

from __future__ import annotations

from typing import Any

import pytest

from rum_assets.orchestration.mart_registry import MARTS
from rum_assets.orchestration.marts import Mart, materialize_mart
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.tables import Connection
from rum_assets_tests.orchestration.mart_inputs import DAY


def mart(name: str) -> Mart:
    return next(m for m in MARTS if m.table.name == name)


def rows(conn: Connection, table: str, columns: str, sort_by: int, account: str = DEFAULT_ACCOUNT) -> list[tuple[Any, ...]]:
    """The account's rows of the day, sorted here by their first ``sort_by`` values as text (collations
    differ between the warehouses)."""
    sql = f"SELECT {columns} FROM {table} WHERE partition_date = ? AND account = ?"
    found = [tuple(r) for r in conn.execute(sql, [DAY, account]).fetchall()]
    return sorted(found, key=lambda r: tuple("" if v is None else str(v) for v in r[:sort_by]))


def materialize_all(conn: Connection) -> dict[str, Any]:
    return {m.table.name: materialize_mart(conn, m, DAY, "test-run") for m in MARTS}


def assert_page_performance(conn: Connection) -> None:
    """/a: 100, 200, 300, 400 -> p50 at h=1.5: 250; p75 at h=2.25: 325; p95 at h=2.85: 385.
    v1 (all pages): 100, 200, 300, 400, 1000 -> p50 at h=2: 300; p75 at h=3: 400; p95 at h=3.8: 400 + 0.8 x 600 = 880.
    v3: pg1 is /home in raygun.pages, pg2 is not (its identifier); load time and CLS (no histogram) are the time series'.
    LCP histogram, 10 views: p50 = 5th view in [1000, 2500) after 2: 1000 + 3/4 x 1500 = 2125; p75 = 7.5th in
    [2500, 4000) after 6: 2500 + 1.5/2 x 1500 = 3625 (needs improvement); p95 in the open bucket: its key, 4000;
    good (<= 2500) 6/10, poor (> 4000) 2/10, needs improvement 2/10.
    INP, 10 views: p50 = 0 + 5/6 x 200 = 166.7; p75 = 200 + 1.5/3 x 300 = 350 (needs improvement); p95 = 500;
    good 6/10, needs improvement 3/10, poor 1/10.
    /home (pg1) has its own LCP histogram, 4 views: p50 = 2nd view in [2500, 4000) after 1: 2500 + 1/2 x 1500 = 3250;
    p75 = 3rd, the top of that bucket: 4000 (needs improvement: not above 4000); p95 in the open bucket: 4000;
    good 1/4, needs improvement 2/4, poor 1/4. No INP there (NULL, and no interactivity metric); pg2 has no
    histogram: NULL timings (the time series is application-wide only)."""
    got = rows(
        conn,
        "raygun.page_performance_daily",
        "source_api, application_id, page, page_scope, page_views, load_time_p50_ms, load_time_p75_ms, load_time_p95_ms",
        3,
    )
    assert got == [
        ("v1", "v1", "(all pages)", "application", 5, 300.0, 400.0, pytest.approx(880.0)),
        ("v1", "v1", "/a", "page", 4, 250.0, 325.0, pytest.approx(385.0)),
        ("v1", "v1", "/b", "page", 1, 1000.0, 1000.0, 1000.0),
        ("v3", "app3", "(all pages)", "application", 3, 1500.0, None, 4000.0),
        ("v3", "app3", "/home", "page", 1, None, None, None),
        ("v3", "app3", "pg2", "page", 1, None, None, None),
    ]
    vitals = rows(
        conn,
        "raygun.page_performance_daily",
        "source_api, page, lcp_p50_ms, lcp_p75_ms, lcp_p95_ms, inp_p50_ms, inp_p95_ms, cls_p50, cls_p95, fid_p50_ms, interactivity_metric, lcp_good_share",
        2,
    )
    assert vitals[3][2:] == (2125.0, 3625.0, 4000.0, pytest.approx(500 / 3), 500.0, 0.05, 0.3, None, "INP", 0.6)
    assert all(v[2:] == (None,) * 10 for v in vitals[:3]), "v1 reports no web vitals"
    assert vitals[4][:2] == ("v3", "/home") and vitals[4][2:] == (3250.0, 4000.0, 4000.0, None, None, None, None, None, None, 0.25)
    assert vitals[5][:2] == ("v3", "pg2") and vitals[5][2:] == (None,) * 10
    ratings = rows(
        conn,
        "raygun.page_performance_daily",
        "source_api, page, lcp_rating, lcp_needs_improvement_share, lcp_poor_share, inp_p75_ms, inp_rating, inp_good_share, "
        "inp_needs_improvement_share, inp_poor_share, cls_p75, cls_rating, cls_good_share",
        2,
    )
    assert ratings[3][2:] == (
        "needs improvement",
        pytest.approx(0.2),
        pytest.approx(0.2),
        350.0,
        "needs improvement",
        0.6,
        pytest.approx(0.3),
        pytest.approx(0.1),
        None,
        None,
        None,
    )
    assert ratings[4][:2] == ("v3", "/home")
    assert ratings[4][2:] == ("needs improvement", 0.5, 0.25, None, None, None, None, None, None, None, None)
    assert ratings[5][2:] == (None,) * 11


def assert_v3_application_row_without_histograms(conn: Connection) -> None:
    """Without the histogram table the time series alone: its median and p95, no p75, no shares."""
    got = rows(
        conn,
        "raygun.page_performance_daily",
        "page, source_api, lcp_p50_ms, lcp_p75_ms, lcp_p95_ms, inp_p50_ms, lcp_good_share, lcp_rating",
        2,
    )
    assert [r for r in got if r[:2] == ("(all pages)", "v3")] == [("(all pages)", "v3", 2000.0, None, 5000.0, 150.0, None, None)]


def assert_sessions(conn: Connection) -> None:
    """v1: s1 (US, Chrome, 1 page, 10 s, u1), s2 (US, Firefox, 3 pages, 30 s, u1), s3 (DE, Chrome, 1 page, 20 s, u2):
    all = 3 sessions, 2 users, 2 of 3 bounced, median of 10, 20, 30 s = 20 s; US = 2 sessions, 1 user, 1 of 2
    bounced, median of 10 and 30 = 20 s. v3: t1 (2 pages from its detail, 5 s, c1), t2 (no detail, no length,
    no customer): 2 sessions, 1 user, 0 of 1 bounced, median 5 s, country unknown."""
    got = rows(
        conn,
        "raygun.sessions_daily",
        "source_api, dimension, value, sessions, users, sessions_with_page_count, bounced_sessions, bounce_share, median_session_length_s",
        3,
    )
    by_key = {(r[0], r[1], r[2]): r[3:] for r in got}
    assert by_key[("v1", "all", "(all)")] == (3, 2, 3, 2, pytest.approx(2 / 3), 20.0)
    assert by_key[("v1", "country", "US")] == (2, 1, 2, 1, 0.5, 20.0)
    assert by_key[("v1", "country", "DE")] == (1, 1, 1, 1, 1.0, 20.0)
    assert by_key[("v1", "browser", "Chrome")] == (2, 2, 2, 2, 1.0, 15.0)
    assert by_key[("v3", "all", "(all)")] == (2, 1, 1, 0, 0.0, 5.0)
    assert by_key[("v3", "country", "(unknown)")] == (2, 1, 1, 0, 0.0, 5.0)
    assert len(got) == 7 + 5  # v1: all, 2 countries, 2 browsers, os and platform unknown; v3: one value each


def assert_errors(conn: Connection) -> None:
    """v1 group 1000001: s1 twice and s3 once -> 3 occurrences, 2 sessions, users u1 and u2; 1000002: s2 once.
    v3 eg1 at 11:00 falls after 1.0 (deployed the day before at 10:00) and before 1.1 (12:00); 13:00 and 14:00 after 1.1."""
    got = rows(
        conn,
        "raygun.errors_daily",
        "source_api, error_group, error_message, deployment_version, occurrences, affected_sessions, affected_users",
        4,
    )
    assert got == [
        ("v1", "1000001", "E1", None, 3, 2, 2),
        ("v1", "1000002", "E2", None, 1, 1, 1),
        ("v3", "eg1", "Boom", "1.0", 1, 1, 1),
        ("v3", "eg1", "Boom", "1.1", 2, 1, 1),
    ]


def assert_usage(conn: Connection) -> None:
    """Day: c1 (1.0), c2 and c3 (2.0) -> DAU 3. 7 days: plus c1, c2 three days before -> WAU 3. 30 days: plus c4 eight
    days before -> MAU 4, stickiness 3/4, 3 days loaded. Version 1.0: DAU 1 (c1), WAU c1, c2 -> 2, MAU c1, c2, c4 -> 3,
    share 1/3; 2.0: DAU 2, WAU 2, MAU 2, stickiness 1, share 2/3."""
    got = rows(
        conn,
        "revenera.usage_daily",
        "prod_version, active_users, weekly_active_users, monthly_active_users, stickiness, version_share, "
        "new_users, lost_users, vendor_active_users, days_in_month_window",
        1,
    )
    assert got == [
        ("(all)", 3, 3, 4, 0.75, 1.0, 1, 2, 3, 3),
        ("1.0", 1, 2, 3, pytest.approx(1 / 3), pytest.approx(1 / 3), None, None, None, 3),
        ("2.0", 2, 2, 2, 1.0, pytest.approx(2 / 3), None, None, None, 1),
    ]


def assert_top_events(conn: Connection) -> None:
    """Events without the combination: 50 + 30 + 20 = 100. Ranked by count: x+y (70), x (50), y (30), z (20).
    Adoption: x 10 / (10 + 30), x+y 5 / 40, z 4 / 40; y is BASIC (no users)."""
    got = rows(
        conn,
        "revenera.top_events_daily",
        "event_rank, event_name, event_count, share_of_events, share_of_active_users, product_event_count",
        1,
    )
    assert got == [
        (1, "x+y", 70, None, 0.125, 100),
        (2, "x", 50, 0.5, 0.25, 100),
        (3, "y", 30, 0.3, None, 100),
        (4, "z", 20, 0.2, 0.1, 100),
    ]


def assert_every_mart(conn: Connection) -> None:
    for check in (assert_page_performance, assert_sessions, assert_errors, assert_usage, assert_top_events):
        check(conn)
