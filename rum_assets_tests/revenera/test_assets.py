"""Materializing the Revenera assets against the emulator (two products), and their failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from rum_assets.revenera.assets import REVENERA_DAILY_ASSETS, REVENERA_METADATA_ASSETS, revenera_event_usage, revenera_raw_events
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_REVENERA_PASSWORD, DEMO_REVENERA_USERNAME
from rum_emulator.faults import FaultRule
from rum_emulator.revenera import expected_active_clients
from rum_emulator.server import EmulatorServer

from .conftest import DAY, PRODUCTS

DAILY_TABLES = ["user_activity", "event_usage", "client_profiles", "raw_events", "exceptions", "custom_events"]


def _resources(server: EmulatorServer, tmp_path: Path, **options: Any) -> dict[str, Any]:
    return {
        "revenera": ReveneraResource(
            username=DEMO_REVENERA_USERNAME,
            password=DEMO_REVENERA_PASSWORD,
            base_url=server.base_url,
            **{"product_ids": ",".join(PRODUCTS), "max_attempts": 2, **options},
        ),
        "warehouse": WarehouseResource(database=str(tmp_path / "warehouse.duckdb")),
    }


def _query(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _snapshot(tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: _query(tmp_path, f"SELECT * EXCLUDE (_run_id, _ingested_at) FROM revenera.{t} ORDER BY ALL") for t in DAILY_TABLES}


def test_every_asset_lands_for_two_products_and_agrees_with_the_vendor(start_revenera, tmp_path: Path) -> None:
    server, app = start_revenera()
    resources = _resources(server, tmp_path, segment_property="prodEdition")
    assert dg.materialize(REVENERA_METADATA_ASSETS, resources=resources).success
    result = dg.materialize(REVENERA_DAILY_ASSETS, partition_key=DAY.isoformat(), resources=resources)
    assert result.success
    for product_id in PRODUCTS:
        active = len(expected_active_clients(app.product(product_id), DAY))
        activity = _query(
            tmp_path, f"SELECT active_users FROM revenera.user_activity WHERE product_id = '{product_id}' AND segment = '(all)'"
        )
        assert activity == [(active,)]
        segments = _query(
            tmp_path,
            f"SELECT sum(active_users) FROM revenera.user_activity WHERE product_id = '{product_id}' AND segment_property = 'prodEdition'",
        )
        assert segments == [(active,)]
        assert _query(tmp_path, f"SELECT count(*) FROM revenera.client_profiles WHERE product_id = '{product_id}'") == [(active,)]
        assert _query(tmp_path, f"SELECT count(DISTINCT client_id) FROM revenera.raw_events WHERE product_id = '{product_id}'") == [
            (active,)
        ]
        per_event = _query(
            tmp_path,
            f"SELECT event_category, event_name, count(*) FROM revenera.raw_events WHERE product_id = '{product_id}' GROUP BY ALL ORDER BY ALL",
        )
        usage = _query(
            tmp_path,
            f"SELECT event_category, event_name, event_count FROM revenera.event_usage WHERE product_id = '{product_id}' AND event_count > 0 ORDER BY ALL",
        )
        assert per_event == usage
    assert _query(tmp_path, "SELECT count(DISTINCT product_id) FROM revenera.product_properties") == [(2,)]
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks[("revenera/client_profiles", "row_count_matches_vendor_total")] is True
    assert all(checks.values())
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "revenera/raw_events")
    metadata = event.step_materialization_data.materialization.metadata
    assert metadata["dagster/row_count"].value > 0 and "row_number" in metadata["preview"].value  # type: ignore[operator]


def test_rematerializing_gives_the_same_rows(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    resources = _resources(server, tmp_path)
    dg.materialize(REVENERA_DAILY_ASSETS, partition_key=DAY.isoformat(), resources=resources)
    first = _snapshot(tmp_path)
    dg.materialize(REVENERA_DAILY_ASSETS, partition_key=DAY.isoformat(), resources=resources)
    assert _snapshot(tmp_path) == first
    assert all(first.values())


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_an_export_not_final_yet_fails_clearly_and_keeps_the_day(start_revenera, tmp_path: Path, clock: FakeClock) -> None:
    server, _ = start_revenera()
    resources = _resources(server, tmp_path)
    assert dg.materialize([revenera_raw_events], partition_key=DAY.isoformat(), resources=resources).success
    before = _query(tmp_path, "SELECT count(*) FROM revenera.raw_events")
    server.faults.add(FaultRule("/v3/rawEvents/download/listFiles", status=200, body=b'{"fileList": []}', times=None))
    result = dg.materialize([revenera_raw_events], partition_key=DAY.isoformat(), resources=resources, raise_on_error=False)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert f"raw events export of product {PRODUCTS[0]} for day {DAY.isoformat()}" in message and "not final yet" in message
    assert _query(tmp_path, "SELECT count(*) FROM revenera.raw_events") == before


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_malformed_report_fails_and_keeps_earlier_rows(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    resources = _resources(server, tmp_path)
    dg.materialize([revenera_event_usage], partition_key=DAY.isoformat(), resources=resources)
    before = _query(tmp_path, "SELECT * EXCLUDE (_run_id, _ingested_at) FROM revenera.event_usage ORDER BY ALL")
    server.faults.add(
        FaultRule("/v3/reporting/eventTracking/advanced/fullReport", status=200, body=b'{"result": {"not": "a list"}}', times=None)
    )
    result = dg.materialize([revenera_event_usage], partition_key=DAY.isoformat(), resources=resources, raise_on_error=False)
    message = result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert (
        f"Revenera POST /v3/reporting/eventTracking/advanced/fullReport/{PRODUCTS[0]} for day {DAY.isoformat()}" in message
        and "field 'result'" in message
    )
    assert DEMO_REVENERA_PASSWORD not in message
    assert _query(tmp_path, "SELECT * EXCLUDE (_run_id, _ingested_at) FROM revenera.event_usage ORDER BY ALL") == before


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_a_bad_product_id_fails_naming_it_while_good_products_land(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    resources = _resources(server, tmp_path, product_ids=f"{PRODUCTS[0]},999")
    result = dg.materialize([revenera_event_usage], partition_key=DAY.isoformat(), resources=resources, raise_on_error=False)
    assert not result.success
    message = result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert "1 of 2 products failed" in message and "product 999" in message
    assert _query(tmp_path, "SELECT DISTINCT product_id FROM revenera.event_usage") == [(PRODUCTS[0],)]


@pytest.mark.parametrize("ids", ["", " , "])
@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_no_products_configured_is_a_clear_failure(start_revenera, tmp_path: Path, ids: str) -> None:
    server, _ = start_revenera()
    result = dg.materialize(
        [revenera_event_usage], partition_key=DAY.isoformat(), resources=_resources(server, tmp_path, product_ids=ids), raise_on_error=False
    )
    assert "REVENERA_PRODUCT_IDS names no product" in result.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
