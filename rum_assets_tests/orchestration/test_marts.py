"""The five marts on known inputs in DuckDB: hand-computed values, checks that pass on them and fail when
the mart is broken, headline metadata, an atomic day and the automation condition."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from rum_assets.orchestration import mart_checks
from rum_assets.orchestration.mart_registry import MARTS
from rum_assets.orchestration.marts import Mart, evaluate_checks, mart_automation, materialize_mart
from rum_assets.warehouse.tables import Connection
from rum_assets_tests.orchestration.mart_expectations import (
    assert_every_mart,
    assert_v3_application_row_without_histograms,
    mart,
    materialize_all,
)
from rum_assets_tests.orchestration.mart_inputs import DAY, load_raygun, load_revenera


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Connection]:
    with duckdb.connect(str(tmp_path / "marts.duckdb")) as connection:
        load_raygun(connection)
        load_revenera(connection)
        yield connection


def _failed(conn: Connection, built: Mart) -> dict[str, dict[str, object]]:
    return {r.check_name: {k: v.value for k, v in r.metadata.items()} for r in evaluate_checks(conn, built, DAY) if not r.passed}


def test_every_mart_holds_the_hand_computed_values_and_passes_its_checks(conn: Connection) -> None:
    results = materialize_all(conn)
    assert_every_mart(conn)
    for name, result in results.items():
        assert all(check.passed for check in result.check_results), (name, result.check_results)


def test_without_histograms_the_v3_row_is_the_time_series(conn: Connection) -> None:
    conn.execute("DROP TABLE raygun.page_metric_histograms")
    materialize_mart(conn, mart("page_performance_daily"), DAY, "run")
    assert_v3_application_row_without_histograms(conn)


def test_headline_numbers_are_numeric_metadata(conn: Connection) -> None:
    results = materialize_all(conn)
    sessions = results["sessions_daily"].metadata
    assert sessions["raygun/sessions"] == dg.MetadataValue.int(5)
    assert sessions["raygun/bounce_share"] == dg.MetadataValue.float(2 / 4)  # 2 of the 4 sessions with a page count
    usage = results["usage_daily"].metadata
    assert usage["revenera/dau"] == dg.MetadataValue.int(3)
    assert usage["revenera/stickiness"] == dg.MetadataValue.float(0.75)
    pages = results["page_performance_daily"].metadata
    assert pages["raygun/load_time_p75_ms"] == dg.MetadataValue.float(400.0)
    assert pages["raygun/lcp_p75_ms"] == dg.MetadataValue.float(3625.0)
    assert pages["raygun/inp_p75_ms"] == dg.MetadataValue.float(350.0)
    assert "raygun/cls_p75" not in pages, "a number the vendor does not give is left out, not zero"
    assert results["top_events_daily"].metadata["dagster/row_count"] == 4


def test_a_rerun_replaces_the_day(conn: Connection) -> None:
    materialize_all(conn)
    conn.execute("DELETE FROM raygun.sessions WHERE session_id = 's2'")
    materialize_mart(conn, mart("sessions_daily"), DAY, "second-run")
    assert conn.execute("SELECT sessions, _run_id FROM raygun.sessions_daily WHERE source_api = 'v1' AND dimension = 'all'").fetchall() == [
        (2, "second-run")
    ]


def test_a_failing_query_keeps_the_previous_day(conn: Connection) -> None:
    materialize_all(conn)
    conn.execute("ALTER TABLE raygun.sessions DROP COLUMN country")
    with pytest.raises(Exception, match="country"):
        materialize_mart(conn, mart("sessions_daily"), DAY, "broken-run")
    assert conn.execute("SELECT count(*) FROM raygun.sessions_daily WHERE partition_date = ?", [DAY]).fetchone() == (12,)


def test_shares_outside_0_1_fail(conn: Connection) -> None:
    materialize_all(conn)
    conn.execute("UPDATE raygun.sessions_daily SET bounce_share = 1.5 WHERE dimension = 'all' AND source_api = 'v1'")
    assert _failed(conn, mart("sessions_daily")).keys() == {mart_checks.SHARES}
    conn.execute("UPDATE revenera.usage_daily SET stickiness = -0.1 WHERE prod_version = '2.0'")
    assert _failed(conn, mart("usage_daily"))[mart_checks.SHARES]["outside_0_1"] == "stickiness: 1 rows"


def test_unordered_percentiles_fail(conn: Connection) -> None:
    materialize_all(conn)
    conn.execute("UPDATE raygun.page_performance_daily SET load_time_p75_ms = 2000 WHERE page = '/a'")
    failed = _failed(conn, mart("page_performance_daily"))
    assert failed.keys() == {mart_checks.PERCENTILES}
    assert "load_time_p50_ms <= load_time_p75_ms <= load_time_p95_ms: 1 rows" in str(failed[mart_checks.PERCENTILES]["unordered"])


def test_a_total_that_differs_from_the_base_table_fails(conn: Connection) -> None:
    materialize_all(conn)
    conn.execute(
        "INSERT INTO raygun.sessions (account, session_id, partition_date, source_api, application_id, session_start, _run_id, _ingested_at) "
        "VALUES ('default', 'late', ?, 'v1', 'v1', ?, 'r', now())",
        [DAY, "2026-11-02 23:00:00+00"],
    )
    failed = _failed(conn, mart("sessions_daily"))
    assert failed["total_matches_sessions"] == {"partition": DAY.isoformat(), "mart_total": 5, "base_total": 6}
    for name in ("page_performance_daily", "errors_daily", "usage_daily", "top_events_daily"):
        built = mart(name)
        conn.execute(f"UPDATE {built.table.qualified_name} SET partition_date = partition_date + 1 WHERE partition_date = ?", [DAY])
        assert any(n.startswith("total_matches_") for n in _failed(conn, built)), name


def test_a_day_missing_inside_the_loaded_range_fails(conn: Connection) -> None:
    built = mart("usage_daily")
    for offset in (8, 3, 0):
        materialize_mart(conn, built, DAY - timedelta(offset), "run")
    assert mart_checks.NO_MISSING_DAY not in _failed(conn, built)
    conn.execute("DELETE FROM revenera.usage_daily WHERE partition_date = ?", [DAY - timedelta(3)])
    assert _failed(conn, built)[mart_checks.NO_MISSING_DAY]["missing_days"] == (DAY - timedelta(3)).isoformat()


def test_missing_days_are_base_days_inside_the_mart_range() -> None:
    d = DAY
    assert mart_checks.missing_days([d, d + timedelta(3)], [d, d + timedelta(1), d + timedelta(2), d + timedelta(3), d + timedelta(9)]) == [
        d + timedelta(1),
        d + timedelta(2),
    ]
    assert mart_checks.missing_days([], [d]) == []


def test_the_code_location_has_every_mart_with_its_automation_and_sensor() -> None:
    from rum_assets.definitions import defs

    repository = defs().get_repository_def()
    marts = {m.key for m in MARTS}
    for key in marts:
        node = repository.asset_graph.get(key)
        assert node.automation_condition == mart_automation(window_deps(key))
        assert node.group_name.endswith("_marts") and node.owners and "sql" in node.kinds
        assert node.metadata["dagster/column_schema"].columns
    sensor = repository.get_sensor_def("marts_automation_sensor")
    assert sensor.asset_selection.resolve(repository.asset_graph) == marts
    assert repository.asset_graph.get(page_key()).parent_keys >= {dg.AssetKey(["raygun", "session_details"])}


def window_deps(key: dg.AssetKey) -> tuple[dg.AssetKey, ...]:
    return next(m.window_deps for m in MARTS if m.key == key)


def page_key() -> dg.AssetKey:
    return mart("page_performance_daily").key
