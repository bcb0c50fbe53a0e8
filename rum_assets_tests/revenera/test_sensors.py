"""The export sensor against the emulator: it requests exactly the days whose files became final."""

from __future__ import annotations

import json
from datetime import timedelta

import dagster as dg

from rum_assets.emulator.environment import DEMO_REVENERA_PASSWORD, DEMO_REVENERA_USERNAME
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.sensors import build_export_sensor
from rum_assets_tests.fakes import FakeClock

from .conftest import DAY, PRODUCTS


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None, revenera: ReveneraResource) -> dg.SensorResult:
    result = sensor(dg.build_sensor_context(instance=instance, cursor=cursor, resources={"revenera": revenera}))
    assert isinstance(result, dg.SensorResult)
    return result


def _requests(result: dg.SensorResult) -> set[tuple[str, str]]:
    return {(r.asset_selection[0].to_user_string(), r.partition_key) for r in result.run_requests or []}  # type: ignore[index]


def test_requests_new_final_days_once_and_survives_restarts(start_revenera, clock: FakeClock) -> None:
    server, _ = start_revenera()
    revenera = ReveneraResource(username=DEMO_REVENERA_USERNAME, password=DEMO_REVENERA_PASSWORD, product_ids=",".join(PRODUCTS), base_url=server.base_url)
    instance = dg.DagsterInstance.ephemeral()
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=dg.AssetKey(["revenera", "raw_events"]), partition=DAY.isoformat()))
    sensor = build_export_sensor(lookback_days=3, clock=clock)

    first = _tick(sensor, instance, None, revenera)
    window = [(DAY + timedelta(days=n)).isoformat() for n in (-1, 0, 1)]
    expected = {(f"revenera/{name}", day) for name in ("raw_events", "exceptions", "custom_events") for day in window}
    assert _requests(first) == expected - {("revenera/raw_events", DAY.isoformat())}  # already loaded

    restarted = _tick(sensor, instance, first.cursor, revenera)
    assert _requests(restarted) == set()

    clock.advance(20 * 3600)  # 05:00 two days later: the next day's files are final
    later = _tick(sensor, instance, restarted.cursor, revenera)
    new_day = (DAY + timedelta(days=2)).isoformat()
    assert _requests(later) == {("revenera/raw_events", new_day), ("revenera/exceptions", new_day), ("revenera/custom_events", new_day)}
    assert all(new_day in days for days in json.loads(later.cursor or "{}").values())
    assert server.requests_by_path["/v3/auth/logout"] == 3  # each tick logs out
