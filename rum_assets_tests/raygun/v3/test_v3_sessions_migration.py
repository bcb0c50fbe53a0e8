"""A warehouse written before v3 support is migrated in place by the next Raygun run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.migrations import MigrationError, migrate_raygun_tables
from rum_assets_tests.raygun.conftest import make_client
from rum_assets_tests.raygun.v3.test_v3_sessions import DAY, PER_DAY, materialize, query, resources
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.raygun_v3 import RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.server import EmulatorServer

OLD_DAY = DAY - timedelta(days=10)

OLD_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS raygun;
CREATE TABLE IF NOT EXISTS raygun.sessions (
  session_id BIGINT NOT NULL,
  partition_date DATE NOT NULL,
  session_start TIMESTAMPTZ NOT NULL,
  session_updated TIMESTAMPTZ,
  session_end TIMESTAMPTZ,
  status VARCHAR,
  session_length_ms BIGINT,
  page_view_count INTEGER,
  user_id BIGINT,
  user_is_anonymous BOOLEAN,
  user_identifier VARCHAR,
  user_first_name VARCHAR,
  user_full_name VARCHAR,
  user_email VARCHAR,
  user_first_seen TIMESTAMPTZ,
  user_last_seen TIMESTAMPTZ,
  browser_name VARCHAR,
  browser_version VARCHAR,
  platform_name VARCHAR,
  os_name VARCHAR,
  os_version VARCHAR,
  country VARCHAR,
  ip_address VARCHAR,
  api_url VARCHAR,
  web_url VARCHAR,
  _run_id VARCHAR NOT NULL,
  _ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS raygun.session_details (
  session_id BIGINT NOT NULL,
  partition_date DATE NOT NULL,
  status VARCHAR,
  satisfaction_rating VARCHAR,
  session_end TIMESTAMPTZ,
  session_length_ms BIGINT,
  ip_country VARCHAR,
  ip_state VARCHAR,
  ip_city VARCHAR,
  page_view_count INTEGER,
  error_count INTEGER,
  fetched_at TIMESTAMPTZ NOT NULL,
  _run_id VARCHAR NOT NULL,
  _ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS raygun.page_views (
  session_id BIGINT NOT NULL,
  partition_date DATE NOT NULL,
  view_index INTEGER NOT NULL,
  page VARCHAR,
  loading_time_ms BIGINT,
  viewing_time_ms BIGINT,
  viewed_on TIMESTAMPTZ,
  _run_id VARCHAR NOT NULL,
  _ingested_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS raygun.session_errors (
  session_id BIGINT NOT NULL,
  partition_date DATE NOT NULL,
  error_index INTEGER NOT NULL,
  group_id BIGINT,
  instance_id BIGINT,
  title VARCHAR,
  web_url VARCHAR,
  _run_id VARCHAR NOT NULL,
  _ingested_at TIMESTAMPTZ NOT NULL
);
"""
"""Exactly what ``Table.create_sql()`` produced for the four tables before v3 support."""

OLD_ROWS = """
INSERT INTO raygun.sessions (session_id, partition_date, session_start, status, user_id, user_email, _run_id, _ingested_at)
VALUES (9000000001, $old, $old::TIMESTAMPTZ + INTERVAL 1 HOUR, 'ended', 7, 'hashed-email', 'old-run', now()),
       (9000000002, $old, $old::TIMESTAMPTZ + INTERVAL 2 HOUR, 'ended', 8, NULL, 'old-run', now());
INSERT INTO raygun.session_details (session_id, partition_date, status, satisfaction_rating, page_view_count, error_count, fetched_at, _run_id, _ingested_at)
VALUES (9000000001, $old, 'ended', 'Good', 1, 1, now(), 'old-run', now());
INSERT INTO raygun.page_views (session_id, partition_date, view_index, page, _run_id, _ingested_at)
VALUES (9000000001, $old, 0, 'https://shop.example.com/', 'old-run', now());
INSERT INTO raygun.session_errors (session_id, partition_date, error_index, group_id, title, _run_id, _ingested_at)
VALUES (9000000001, $old, 0, 42, 'TypeError', 'old-run', now());
"""


def _insert_old_rows(conn: duckdb.DuckDBPyConnection) -> None:
    for statement in filter(str.strip, OLD_ROWS.split(";")):
        conn.execute(statement, {"old": OLD_DAY})


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    v1 = RaygunApp(RaygunEmulatorConfig(sessions_per_day=PER_DAY, daily_call_limit=0))
    v3 = RaygunV3App(RaygunV3EmulatorConfig(sessions_per_day=PER_DAY))
    with EmulatorServer([v1, v3]) as running:
        yield running


def _old_warehouse(server: EmulatorServer, tmp_path: Path) -> list[int]:
    """Today's schema with two sessions of an old day and the v1 sessions of DAY; returns DAY's ids."""
    with make_client(server.base_url) as client:
        listed = [s for page in client.iter_session_pages(DAY) for s in page.sessions if s.session_start.date() == DAY]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.execute(OLD_SCHEMA)
        _insert_old_rows(conn)
        for session in listed:
            conn.execute(
                "INSERT INTO raygun.sessions (session_id, partition_date, session_start, status, _run_id, _ingested_at) VALUES (?, ?, ?, 'ended', 'old-run', now())",
                [session.id, DAY, session.session_start],
            )
    return [session.id for session in listed]


def test_a_file_written_by_the_old_schema_migrates_and_reloads_without_duplicates(server: EmulatorServer, tmp_path: Path) -> None:
    day_ids = _old_warehouse(server, tmp_path)
    assert len(day_ids) == PER_DAY

    result = materialize(
        resources(server, tmp_path, v1=True, v3=False, v1_application_id="shop"), assets=[raygun_sessions, raygun_session_details]
    )
    assert result.success

    for table in ("sessions", "session_details", "page_views", "session_errors"):
        types = dict(
            query(
                tmp_path,
                "SELECT column_name, data_type || '/' || is_nullable FROM information_schema.columns WHERE table_schema = 'raygun' AND table_name = ?",
                [table],
            )
        )
        assert (types["session_id"], types["source_api"], types["application_id"]) == ("VARCHAR/NO", "VARCHAR/NO", "VARCHAR/NO"), table
    # The old day's rows are kept, as v1 rows of the configured application, and found by their old numeric id.
    assert query(
        tmp_path,
        "SELECT session_id, source_api, application_id, user_email FROM raygun.sessions WHERE partition_date = ? ORDER BY 1",
        [OLD_DAY],
    ) == [
        ("9000000001", "v1", "shop", "hashed-email"),
        ("9000000002", "v1", "shop", None),
    ]
    assert query(tmp_path, "SELECT satisfaction_rating FROM raygun.session_details WHERE session_id = 9000000001") == [("Good",)]
    assert query(tmp_path, "SELECT count(*) FROM raygun.page_views WHERE session_id = ? AND application_id = 'shop'", [9000000001]) == [
        (1,)
    ]
    assert query(tmp_path, "SELECT group_id FROM raygun.session_errors WHERE session_id = '9000000001'") == [(42,)]
    # The v1 re-load of DAY replaced its old rows: each session once, next to the v3 applications' rows.
    assert query(
        tmp_path, "SELECT count(*), count(DISTINCT session_id) FROM raygun.sessions WHERE partition_date = ? AND source_api = 'v1'", [DAY]
    ) == [(PER_DAY, PER_DAY)]
    assert sorted(
        int(r[0]) for r in query(tmp_path, "SELECT session_id FROM raygun.sessions WHERE partition_date = ? AND source_api = 'v1'", [DAY])
    ) == sorted(day_ids)
    assert query(tmp_path, "SELECT count(*) FROM raygun.sessions WHERE _run_id = 'old-run' AND partition_date = ?", [DAY]) == [(0,)]

    # Then v3 joins: its applications land next to the v1 rows, which stay as they were (look ids up as text now).
    v1_rows = query(tmp_path, "SELECT * EXCLUDE (_run_id, _ingested_at) FROM raygun.sessions WHERE source_api = 'v1' ORDER BY session_id")
    assert materialize(resources(server, tmp_path, v1=True, v1_application_id="shop"), assets=[raygun_sessions]).success
    assert query(tmp_path, "SELECT count(*) FROM raygun.sessions WHERE partition_date = ? AND source_api = 'v3'", [DAY]) == [(2 * PER_DAY,)]
    assert query(tmp_path, "SELECT count(*) FROM raygun.sessions WHERE source_api = 'v1' AND partition_date = ?", [OLD_DAY]) == [(2,)]
    assert query(tmp_path, "SELECT user_email FROM raygun.sessions WHERE session_id = '9000000001'") == [("hashed-email",)]
    assert (
        query(tmp_path, "SELECT * EXCLUDE (_run_id, _ingested_at) FROM raygun.sessions WHERE source_api = 'v1' ORDER BY session_id")
        == v1_rows
    )

    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:  # a second migration finds nothing to do
        assert migrate_raygun_tables(conn, "shop") == []


def test_a_table_that_cannot_be_migrated_fails_naming_it_and_is_left_as_it_was(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.execute(OLD_SCHEMA)
        _insert_old_rows(conn)
        conn.execute("CREATE INDEX by_user ON raygun.sessions (user_id)")
        with pytest.raises(MigrationError, match=r"raygun\.sessions .*rolled back.*index"):
            migrate_raygun_tables(conn, "shop")
        columns = dict(
            conn.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sessions'").fetchall()
        )
        assert columns["session_id"] == "BIGINT" and "source_api" not in columns
        assert conn.execute("SELECT count(*) FROM raygun.sessions").fetchone() == (2,)
