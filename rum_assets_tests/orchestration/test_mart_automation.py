"""The marts' automation condition, evaluated by Dagster itself: a base day materialized again (late
sessions, a reloaded export) requests that day of the mart, an older day as well as the latest, and
nothing is requested while no base day changed; a changed client_profiles day requests every usage_daily
day whose 30-day window holds it, and days before the first loaded one do not hold a window back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg

from rum_assets.orchestration.marts import mart_asset
from rum_assets.revenera import names as revenera_names
from rum_assets.revenera.marts import top_events, usage_daily
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


USAGE = dg.AssetSelection.assets(usage_daily.MART.key)
WINDOW_NOW = datetime(2026, 12, 31, 6, tzinfo=UTC)
"""The latest day is 2026-12-30; with the 45-day lookback every day from 2026-11-15 on is evaluated."""


def _usage_definitions() -> dg.Definitions:
    base = [dg.AssetSpec(key, partitions_def=PARTITIONS) for key in (revenera_names.CLIENT_PROFILES, revenera_names.USER_ACTIVITY)]
    mart = mart_asset(usage_daily.MART, [revenera_names.CLIENT_PROFILES, revenera_names.USER_ACTIVITY]).map_asset_specs(
        lambda spec: spec.replace_attributes(partitions_def=PARTITIONS)
    )
    return dg.Definitions(assets=[*base, mart], resources={"warehouse": WarehouseResource()})


def _loaded(instance: dg.DagsterInstance, key: dg.AssetKey, days: list[date]) -> None:
    for day in days:
        instance.report_runless_asset_event(dg.AssetMaterialization(key, partition=day.isoformat()))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_a_changed_client_profiles_day_requests_every_later_day_whose_month_holds_it() -> None:
    """D = 2026-11-20: D..D+29 (to 2026-12-19) read it; D+30 (2026-12-20) does not, nor D-1."""
    definitions = _usage_definitions()
    day = date(2026, 11, 20)
    with dg.instance_for_test() as instance:
        # Every day already loaded and its mart handled: nothing is missing and nothing has changed.
        _loaded(instance, revenera_names.CLIENT_PROFILES, _days(date(2026, 10, 1), date(2026, 12, 30)))
        _loaded(instance, revenera_names.USER_ACTIVITY, _days(date(2026, 10, 1), date(2026, 12, 30)))
        _loaded(instance, usage_daily.MART.key, _days(date(2026, 10, 1), date(2026, 12, 30)))
        first = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=USAGE, evaluation_time=WINDOW_NOW)
        assert first.total_requested == 0
        _loaded(instance, revenera_names.CLIENT_PROFILES, [day])
        second = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=USAGE, cursor=first.cursor, evaluation_time=WINDOW_NOW
        )
        requested = second.get_requested_partitions(usage_daily.MART.key)
        assert requested == {d.isoformat() for d in _days(day, day + timedelta(days=29))}
        assert (day + timedelta(days=30)).isoformat() not in requested and (day - timedelta(days=1)).isoformat() not in requested


def test_a_changed_user_activity_day_requests_that_day_alone() -> None:
    definitions = _usage_definitions()
    with dg.instance_for_test() as instance:
        for key in (revenera_names.CLIENT_PROFILES, revenera_names.USER_ACTIVITY, usage_daily.MART.key):
            _loaded(instance, key, _days(date(2026, 10, 1), date(2026, 12, 30)))
        first = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=USAGE, evaluation_time=WINDOW_NOW)
        _loaded(instance, revenera_names.USER_ACTIVITY, [date(2026, 12, 1)])
        second = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=USAGE, cursor=first.cursor, evaluation_time=WINDOW_NOW
        )
        assert second.get_requested_partitions(usage_daily.MART.key) == {"2026-12-01"}


def test_a_first_load_without_earlier_days_still_requests_the_mart() -> None:
    """Nothing before 2026-12-10 was ever loaded: the month windows of 12-10..12-12 are mostly missing
    days, yet those three mart days are requested; the later days wait for their own user activity."""
    definitions = _usage_definitions()
    loaded = _days(date(2026, 12, 10), date(2026, 12, 12))
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=definitions, instance=instance, asset_selection=USAGE, evaluation_time=WINDOW_NOW)
        assert first.total_requested == 0
        _loaded(instance, revenera_names.CLIENT_PROFILES, loaded)
        _loaded(instance, revenera_names.USER_ACTIVITY, loaded)
        second = dg.evaluate_automation_conditions(
            defs=definitions, instance=instance, asset_selection=USAGE, cursor=first.cursor, evaluation_time=WINDOW_NOW
        )
        assert second.get_requested_partitions(usage_daily.MART.key) == {d.isoformat() for d in loaded}
