"""Freshness: a partition-aware check on every daily asset, requested by a sensor."""

from __future__ import annotations

import dagster as dg

from rum_assets import definitions


def test_every_daily_asset_has_a_freshness_check_and_the_sensor_requests_them() -> None:
    checked = {key.asset_key for check in definitions.freshness_checks for key in check.check_keys}
    assert checked == {asset.key for asset in definitions.daily_assets}
    request = definitions.freshness_sensor(
        dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), definitions=definitions.defs)
    )
    assert isinstance(request, dg.RunRequest)
    assert {key.asset_key for key in request.asset_check_keys or []} == checked  # never evaluated yet: all of them
    assert definitions.freshness_sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_assets_carry_a_freshness_policy_for_health() -> None:
    graph = definitions.defs.resolve_asset_graph()
    for asset in definitions.daily_assets:
        assert graph.get(asset.key).freshness_policy is not None, asset.key
