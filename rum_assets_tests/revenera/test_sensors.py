"""The export sensor against the emulator: it requests exactly the (day, products) whose files are final."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest

from rum_assets.revenera import names
from rum_assets.revenera.export_assets import revenera_raw_events
from rum_assets.revenera.finality import FINAL_SIZES_TAG, PRODUCTS_TAG
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.sensors import build_export_sensor
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_REVENERA_PASSWORD, DEMO_REVENERA_USERNAME

from .conftest import DAY, PRODUCTS, make_client

KINDS = ("raw_events", "exceptions", "custom_events")
YESTERDAY = (DAY + timedelta(days=1)).isoformat()


def _revenera(base_url: str) -> ReveneraResource:
    return ReveneraResource(
        username=DEMO_REVENERA_USERNAME, password=DEMO_REVENERA_PASSWORD, product_ids=",".join(PRODUCTS), base_url=base_url
    )


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None, revenera: ReveneraResource) -> dg.SensorResult:
    result = sensor(dg.build_sensor_context(instance=instance, cursor=cursor, resources={"revenera": revenera}))
    assert isinstance(result, dg.SensorResult)
    return result


def _requests(result: dg.SensorResult) -> set[tuple[str, str, str]]:
    return {(r.asset_selection[0].to_user_string(), r.partition_key, r.tags[PRODUCTS_TAG]) for r in result.run_requests or []}  # type: ignore[index,misc]


def _all(days: list[str], products: str = ",".join(sorted(PRODUCTS))) -> set[tuple[str, str, str]]:
    return {(f"revenera/{name}", day, products) for name in KINDS for day in days}


def test_requests_final_days_once_and_yesterday_after_its_size_held_30_minutes(start_revenera, clock: FakeClock) -> None:
    server, _ = start_revenera()
    revenera = _revenera(server.base_url)
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=dg.AssetKey(["revenera", "raw_events"]), partition=DAY.isoformat())
    )
    sensor = build_export_sensor(lookback_days=3, clock=clock)

    first = _tick(sensor, instance, None, revenera)
    before_yesterday = [(DAY - timedelta(days=1)).isoformat(), DAY.isoformat()]
    assert _requests(first) == _all(before_yesterday) - {("revenera/raw_events", DAY.isoformat(), ",".join(sorted(PRODUCTS)))}
    assert _tick(sensor, instance, first.cursor, revenera).run_requests == []  # restart: nothing again, yesterday not stable yet

    clock.advance(29 * 60)
    assert _tick(sensor, instance, first.cursor, revenera).run_requests == []
    clock.advance(60)
    stable = _tick(sensor, instance, first.cursor, revenera)
    assert _requests(stable) == _all([YESTERDAY])
    request = stable.run_requests[0]  # type: ignore[index]
    assert set(json.loads(request.tags[FINAL_SIZES_TAG])) == set(PRODUCTS)
    assert _tick(sensor, instance, stable.cursor, revenera).run_requests == []
    assert server.requests_by_path["/v3/auth/logout"] == 5  # each tick logs out


def test_a_growing_file_is_not_final_until_its_day_is_old_and_a_changed_size_is_loaded_again(start_revenera, clock: FakeClock) -> None:
    server, _ = start_revenera(export_growing_days=1)
    revenera = _revenera(server.base_url)
    instance = dg.DagsterInstance.ephemeral()
    sensor = build_export_sensor(lookback_days=2, clock=clock)
    cursor = _tick(sensor, instance, None, revenera).cursor
    for _ in range(3):
        clock.advance(31 * 60)
        result = _tick(sensor, instance, cursor, revenera)
        assert YESTERDAY not in {day for _, day, _ in _requests(result)}
        cursor = result.cursor

    with make_client(server.base_url) as client:
        listed = {f.file_date.isoformat(): f.compressed_size_kb for f in client.listed_daily_files("raw", PRODUCTS[0])}
    key = dg.AssetKey(["revenera", "raw_events"])
    sizes = {PRODUCTS[0]: {"listed_kb": listed[DAY.isoformat()]}, PRODUCTS[1]: {"listed_kb": -1.0}}
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=key, partition=DAY.isoformat(), metadata={names.FILE_SIZES: sizes})
    )
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=dg.AssetKey(["revenera", "exceptions"]), partition=DAY.isoformat())
    )
    fresh = _tick(sensor, instance, None, revenera)
    assert ("revenera/raw_events", DAY.isoformat(), PRODUCTS[1]) in _requests(fresh)  # loaded size differs from the listing
    assert not {r for r in _requests(fresh) if r[1] == DAY.isoformat() and r[0] == "revenera/exceptions"}

    clock.advance(24 * 3600)  # yesterday became the day before: final by date
    later = _tick(sensor, instance, cursor, revenera)
    assert ("revenera/raw_events", YESTERDAY, ",".join(sorted(PRODUCTS))) in _requests(later)


@pytest.mark.logs_at("WARNING", why="it is about a failing listing skipped by the sensor, logged as a WARNING")
def test_a_product_whose_listing_fails_is_skipped_and_the_others_get_runs(start_revenera, clock: FakeClock) -> None:
    server, _ = start_revenera(products_without_exports={PRODUCTS[1]: 403})
    result = _tick(build_export_sensor(lookback_days=2, clock=clock), dg.DagsterInstance.ephemeral(), None, _revenera(server.base_url))
    assert _requests(result) == _all([DAY.isoformat()], PRODUCTS[0])


def test_a_disabled_kind_is_not_listed(start_revenera, clock: FakeClock) -> None:
    server, _ = start_revenera()
    revenera = ReveneraResource(
        username=DEMO_REVENERA_USERNAME,
        password=DEMO_REVENERA_PASSWORD,
        product_ids=",".join(PRODUCTS),
        base_url=server.base_url,
        export_kinds="raw",
    )
    result = _tick(build_export_sensor(lookback_days=2, clock=clock), dg.DagsterInstance.ephemeral(), None, revenera)
    assert {name for name, _, _ in _requests(result)} == {"revenera/raw_events"}
    assert server.requests_by_path.get(f"/v3/exceptionTracking/listFiles/{PRODUCTS[0]}", 0) == 0


@pytest.mark.logs_at("ERROR", why="it is about a failing step or run, which Dagster logs at ERROR")
def test_the_asset_loads_yesterday_only_with_the_sizes_the_sensor_vouched_for(start_revenera, tmp_path: Path) -> None:
    server, _ = start_revenera()
    resources = {"revenera": _revenera(server.base_url), "warehouse": WarehouseResource(database=str(tmp_path / "w.duckdb"))}
    unvouched = dg.materialize([revenera_raw_events], partition_key=YESTERDAY, resources=resources, raise_on_error=False)
    message = unvouched.get_step_failure_events()[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert "is not final yet: its day is yesterday or today (UTC)" in message
    with make_client(server.base_url) as client:
        sizes = {
            pid: next(f.compressed_size_kb for f in client.listed_daily_files("raw", pid) if f.file_date.isoformat() == YESTERDAY)
            for pid in PRODUCTS
        }
    tags = {PRODUCTS_TAG: PRODUCTS[0], FINAL_SIZES_TAG: json.dumps(sizes)}
    vouched = dg.materialize([revenera_raw_events], partition_key=YESTERDAY, resources=resources, tags=tags)
    metadata = vouched.asset_materializations_for_node("revenera__raw_events")[0].metadata
    assert metadata[names.FILE_SIZES].value[PRODUCTS[0]]["listed_kb"] == sizes[PRODUCTS[0]]
    assert metadata[names.FILE_SIZES].value[PRODUCTS[0]]["bytes"] > 0
    assert set(metadata["revenera/rows_by_product"].value) == {PRODUCTS[0]}
