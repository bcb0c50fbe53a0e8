"""Known base rows for the mart tests, written into either warehouse (DuckDB or PostgreSQL).

The expected values the tests assert are computed by hand from these rows in the tests' docstrings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rum_assets.raygun.tables import PAGE_VIEWS, SESSION_DETAILS, SESSION_ERRORS, SESSIONS
from rum_assets.raygun.v3.histograms import APPLICATION_WIDE, PAGE_METRIC_HISTOGRAMS
from rum_assets.raygun.v3.tables import DEPLOYMENTS, ERROR_GROUPS, PAGE_METRICS, PAGES
from rum_assets.revenera.tables import CLIENT_PROFILES, EVENT_USAGE, USER_ACTIVITY
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.tables import Connection, Table, ensure_table

DAY = date(2026, 11, 2)
LINEAGE = {"_run_id": "known-inputs", "_ingested_at": datetime(2026, 11, 3, tzinfo=UTC)}


def at(hour: int, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    ensure_table(conn, table)
    for row in rows:
        account = {"account": DEFAULT_ACCOUNT} if "account" in table.column_names else {}
        full = {**account, **row, **LINEAGE}
        placeholders = ", ".join("?" for _ in full)
        conn.execute(f"INSERT INTO {table.qualified_name} ({', '.join(full)}) VALUES ({placeholders})", list(full.values()))


def _v1(**row: Any) -> dict[str, Any]:
    return {"partition_date": DAY, "source_api": "v1", "application_id": "v1", **row}


def _v3(**row: Any) -> dict[str, Any]:
    return {"partition_date": DAY, "source_api": "v3", "application_id": "app3", **row}


def load_raygun(conn: Connection) -> None:
    """v1: sessions s1..s3 with page views on /a (100, 200, 300, 400 ms) and /b (1000 ms) and four errors;
    v3: application app3 with sessions t1, t2, two page views, three errors, two deployments, the time
    series and application-wide histograms of LCP (buckets from 0, 1000, 2500, 4000 ms: 2, 4, 2, 2 views) and
    INP (from 0, 200, 500 ms: 6, 3, 1 views), and page pg1's LCP histogram (from 0, 2500, 4000 ms: 1, 2, 1)."""
    insert(
        conn,
        SESSIONS,
        [
            _v1(
                session_id="s1",
                session_start=at(1),
                session_length_ms=10_000,
                page_view_count=1,
                user_identifier="u1",
                country="US",
                browser_name="Chrome",
            ),
            _v1(
                session_id="s2",
                session_start=at(2),
                session_length_ms=30_000,
                page_view_count=3,
                user_identifier="u1",
                country="US",
                browser_name="Firefox",
            ),
            _v1(
                session_id="s3",
                session_start=at(3),
                session_length_ms=20_000,
                page_view_count=1,
                user_identifier="u2",
                country="DE",
                browser_name="Chrome",
            ),
            _v3(session_id="t1", session_start=at(10), session_length_ms=5_000, customer_identifier="c1"),
            _v3(session_id="t2", session_start=at(11)),
        ],
    )
    insert(conn, SESSION_DETAILS, [_v3(session_id="t1", page_view_count=2, fetched_at=at(20))])
    views = [("s1", "/a", 100), ("s2", "/a", 200), ("s2", "/a", 300), ("s2", "/a", 400), ("s2", "/b", 1000)]
    insert(
        conn,
        PAGE_VIEWS,
        [_v1(session_id=s, view_index=i, page=page, loading_time_ms=ms) for i, (s, page, ms) in enumerate(views)]
        + [_v3(session_id="t1", view_index=0, page_identifier="pg1"), _v3(session_id="t1", view_index=1, page_identifier="pg2")],
    )
    insert(conn, PAGES, [{"identifier": "pg1", "application_id": "app3", "type": "web", "uri": "/home"}])
    metrics = {
        ("pageViews", "count"): 3,
        ("loadTime", "median"): 1500,
        ("loadTime", "p95"): 4000,
        ("largestContentfulPaint", "median"): 2000,
        ("largestContentfulPaint", "p95"): 5000,
        ("interactionToNextPaint", "median"): 150,
        ("interactionToNextPaint", "p95"): 400,
        ("cumulativeLayoutShift", "median"): 0.05,
        ("cumulativeLayoutShift", "p95"): 0.3,
    }
    insert(
        conn,
        PAGE_METRICS,
        [
            {"partition_date": DAY, "application_id": "app3", "metric": m, "aggregation": a, "bucket_start": at(0), "value": v}
            for (m, a), v in metrics.items()
        ],
    )
    buckets = {
        (APPLICATION_WIDE, "largestContentfulPaint"): [(0, 2), (1000, 4), (2500, 2), (4000, 2)],
        (APPLICATION_WIDE, "interactionToNextPaint"): [(0, 6), (200, 3), (500, 1)],
        ("pg1", "largestContentfulPaint"): [(0, 1), (2500, 2), (4000, 1)],
    }
    insert(
        conn,
        PAGE_METRIC_HISTOGRAMS,
        [
            {
                "partition_date": DAY,
                "application_id": "app3",
                "page_identifier": page,
                "metric": metric,
                "bucket_key": key,
                "bucket_count": count,
            }
            for (page, metric), pairs in buckets.items()
            for key, count in pairs
        ],
    )
    errors = [("s1", 1000001, "E1"), ("s1", 1000001, "E1"), ("s3", 1000001, "E1"), ("s2", 1000002, "E2")]
    insert(
        conn,
        SESSION_ERRORS,
        [_v1(session_id=s, error_index=i, group_id=g, title=t) for i, (s, g, t) in enumerate(errors)]
        + [_v3(session_id="t1", error_index=i, error_group_identifier="eg1", occurred_at=at(hour)) for i, hour in enumerate((11, 13, 14))],
    )
    insert(conn, ERROR_GROUPS, [{"identifier": "eg1", "application_id": "app3", "message": "Boom"}])
    insert(
        conn,
        DEPLOYMENTS,
        [
            {
                "partition_date": DAY - timedelta(1),
                "identifier": "d1",
                "application_id": "app3",
                "version": "1.0",
                "deployed_at": at(10, DAY - timedelta(1)),
            },
            {"partition_date": DAY, "identifier": "d2", "application_id": "app3", "version": "1.1", "deployed_at": at(12)},
        ],
    )


def load_revenera(conn: Connection) -> None:
    """Product P: clients c4 (8 days before, 1.0), c1 and c2 (3 days before, 1.0), c1 (1.0), c2 and c3 (2.0)
    on the day; the vendor counts 1 new, 2 lost, 3 active; four events, one a combination."""
    profiles = [(DAY - timedelta(8), "c4", "1.0"), (DAY - timedelta(3), "c1", "1.0"), (DAY - timedelta(3), "c2", "1.0")]
    profiles += [(DAY, "c1", "1.0"), (DAY, "c2", "2.0"), (DAY, "c3", "2.0")]
    insert(conn, CLIENT_PROFILES, [{"product_id": "P", "partition_date": d, "client_id": c, "prod_version": v} for d, c, v in profiles])
    insert(
        conn,
        USER_ACTIVITY,
        [
            {
                "product_id": "P",
                "partition_date": DAY,
                "segment_property": "(none)",
                "segment": "(all)",
                "new_users": 1,
                "active_users": 3,
                "lost_users": 2,
            }
        ],
    )
    events = [
        ("A", "x", "ADVANCED", False, 50, 10, 30),
        ("B", "y", "BASIC", False, 30, None, None),
        ("(combination)", "x+y", "ADVANCED", True, 70, 5, 35),
        ("A", "z", "ADVANCED", False, 20, 4, 36),
    ]
    insert(
        conn,
        EVENT_USAGE,
        [
            {
                "product_id": "P",
                "partition_date": DAY,
                "event_category": c,
                "event_name": n,
                "tracking": t,
                "is_combination": combo,
                "event_count": count,
                "unique_users": users,
                "users_never_used": never,
            }
            for c, n, t, combo, count, users, never in events
        ],
    )
