"""The marts' automation condition, evaluated by Dagster itself: a base day materialized again (late
sessions, a reloaded export) requests that day of the mart, an older day as well as the latest, and
nothing is requested while no base day changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg

from rum_assets.orchestration.marts import mart_asset
from rum_assets.revenera import names as revenera_names
from rum_assets.revenera.marts import top_events
from rum_assets.warehouse.resource import WarehouseResource

PARTITIONS = dg.DailyPartitionsDefinition(start_date="2026-10-01", timezone="UTC")
NOW = datetime(2026, 11, 20, 6, tzinfo=UTC)
MART = dg.AssetSelection.assets(top_events.MART.key)


def _definitions() -> dg.Definitions:
    base = dg.AssetSpec(revenera_names.EVENT_USAGE, partitions_def=PARTITIONS)
    mart = mart_asset(top_events.MART, [revenera_names.EVENT_USAGE]).map_asset_specs(
        lambda spec: spec.replace_attributes(partitions_def=PARTITIONS)
    )
    return dg.Definitions(assets=[base, mart], resources={"warehouse": WarehouseResource()})


def _changed(instance: dg.DagsterInstance, day: date) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(revenera_names.EVENT_USAGE, partition=day.isoformat()))


def test_a_changed_base_day_requests_that_day_of_the_mart_not_only_the_latest() -> None:
    definitions = _definitions()
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=MART, evaluation_time=NOW)
        assert first.total_requested == 0
        for day in (date(2026, 11, 19), date(2026, 11, 3)):
            _changed(instance, day)
        second = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=MART, cursor=first.cursor, evaluation_time=NOW
        )
        assert second.get_requested_partitions(top_events.MART.key) == {"2026-11-19", "2026-11-03"}
        third = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=MART, cursor=second.cursor, evaluation_time=NOW
        )
        assert third.total_requested == 0, "each change is handled once"


def test_a_day_beyond_the_lookback_is_left_alone() -> None:
    definitions = _definitions()
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=MART, evaluation_time=NOW)
        _changed(instance, date(2026, 10, 2))  # 49 days before the latest day
        second = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=MART, cursor=first.cursor, evaluation_time=NOW
        )
        assert second.total_requested == 0
