"""Freshness: a partition-aware check on every daily asset, requested by a sensor."""

from __future__ import annotations

import dagster as dg

from rum_assets.definitions import build_definitions


def _daily_keys(definitions: dg.Definitions) -> set[dg.AssetKey]:
    graph = definitions.resolve_asset_graph()
    return {key for key in graph.get_all_asset_keys() if graph.get(key).partitions_def is not None}


def test_every_daily_asset_has_a_freshness_check_and_the_sensor_requests_them() -> None:
    definitions = build_definitions()
    sensor = definitions.resolve_sensor_def("freshness_checks_sensor")
    checked = {
        key.asset_key
        for check in definitions.asset_checks or []
        for key in check.check_keys  # type: ignore[union-attr]
        if key.name == "freshness_check"
    }
    assert checked == _daily_keys(definitions)
    request = sensor(dg.build_sensor_context(instance=dg.DagsterInstance.ephemeral(), definitions=definitions))
    assert isinstance(request, dg.RunRequest)
    assert {key.asset_key for key in request.asset_check_keys or []} == checked  # never evaluated yet: all of them
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_assets_carry_a_freshness_policy_for_health() -> None:
    definitions = build_definitions()
    graph = definitions.resolve_asset_graph()
    for key in _daily_keys(definitions):
        assert graph.get(key).freshness_policy is not None, key
