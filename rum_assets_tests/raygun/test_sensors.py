"""The Raygun sensors, evaluated with build_sensor_context against a real instance and ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from rum_assets.raygun import names
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.sensors import BudgetBackfillSettings, build_budget_backfill_sensor, build_late_sessions_sensor
from rum_assets.raygun.v1.list_reservations import PLAN_TAG
from rum_assets.raygun.v3.access import v3_ledger
from rum_assets_tests.fakes import FakeClock

SESSIONS = names.SESSIONS
DETAILS = names.SESSION_DETAILS


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def _raygun(tmp_path: Path, limit: int) -> RaygunResource:
    return RaygunResource(api_key="k", client_id="i", client_secret="s", daily_call_limit=limit, state_dir=str(tmp_path / "state"))


def _materialized(instance: dg.DagsterInstance, key: dg.AssetKey, day: str, **metadata: int) -> None:
    instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition=day, metadata=metadata))


def _tick(sensor: dg.SensorDefinition, instance: dg.DagsterInstance, cursor: str | None, **resources: object) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def _requested(result: dg.SensorResult) -> list[tuple[str, tuple[str, ...]]]:
    return [(r.partition_key, tuple(k.to_user_string() for k in r.asset_selection or [])) for r in result.run_requests or []]


def test_budget_backfill_fills_oldest_days_within_the_budget_and_resumes_after_midnight(
    instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    clock = FakeClock(datetime(2026, 9, 5, 10, 0, tzinfo=UTC))
    settings = BudgetBackfillSettings(calls_per_sessions_day=3, keep_for_schedule=10, min_calls_for_details=10)
    sensor = build_budget_backfill_sensor(settings, clock=clock)
    raygun = _raygun(tmp_path, limit=20)
    raygun.ledger(clock=clock).reserve("GET /x", calls=0)

    first = _tick(sensor, instance, None, raygun=raygun)
    assert _requested(first) == [(d, ("raygun/sessions",)) for d in ("2026-09-01", "2026-09-02", "2026-09-03")]
    # each requested list is pending in the shared store, tied to its run by a tag, so details anywhere leave its calls
    assert [r.tags[PLAN_TAG] for r in first.run_requests or []] == [r.run_key for r in first.run_requests or []]
    pending = raygun.list_reservations(clock).pending()
    assert [d.isoformat() for d in pending.days] == ["2026-09-01", "2026-09-02", "2026-09-03", "2026-09-04"]  # 09-04: the schedule's
    assert pending.calls == 4 * 2  # a page and an authentication each

    again = _tick(sensor, instance, first.cursor, raygun=raygun)  # the planned calls count as spent
    assert _requested(again) == []
    assert "call budget spent for 2026-09-05" in again.skip_reason.skip_message  # type: ignore[union-attr]

    for day in ("2026-09-01", "2026-09-02", "2026-09-03"):
        _materialized(instance, SESSIONS, day, **{names.ACTIVE_SESSIONS: 0})
    clock.advance(14 * 3600 + 60)  # past UTC midnight: a new budget day, and 09-05 is complete
    resumed = _tick(sensor, instance, again.cursor, raygun=raygun)
    assert _requested(resumed) == [("2026-09-04", ("raygun/sessions",)), ("2026-09-05", ("raygun/sessions",))]
    assert json.loads(resumed.cursor or "{}")["budget_day"] == "2026-09-06"


def test_budget_backfill_requests_pending_details_when_budget_is_spare(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 9, 4, 10, 0, tzinfo=UTC))
    sensor = build_budget_backfill_sensor(clock=clock)
    for day in ("2026-09-01", "2026-09-02", "2026-09-03"):
        _materialized(instance, SESSIONS, day)
    _materialized(instance, DETAILS, "2026-09-03", **{names.DETAILS_PENDING: 0})
    _materialized(instance, DETAILS, "2026-09-02", **{names.DETAILS_PENDING: 12})
    result = _tick(sensor, instance, None, raygun=_raygun(tmp_path, limit=0))
    assert _requested(result) == [("2026-09-02", ("raygun/session_details",))]
    assert _requested(_tick(sensor, instance, result.cursor, raygun=_raygun(tmp_path, limit=0))) == [
        ("2026-09-01", ("raygun/session_details",))
    ]


def test_late_sessions_are_reloaded_once_they_can_have_ended(instance: dg.DagsterInstance) -> None:
    clock = FakeClock(datetime(2026, 9, 4, 1, 0, tzinfo=UTC))
    sensor = build_late_sessions_sensor(grace=timedelta(hours=2), clock=clock)
    _materialized(instance, SESSIONS, "2026-09-02", **{names.ACTIVE_SESSIONS: 0})
    _materialized(instance, SESSIONS, "2026-09-03", **{names.ACTIVE_SESSIONS: 4})

    too_early = _tick(sensor, instance, None)
    assert _requested(too_early) == []
    clock.advance(3600 + 1)
    due = _tick(sensor, instance, too_early.cursor)
    assert _requested(due) == [("2026-09-03", ("raygun/sessions", "raygun/session_details"))]
    assert _requested(_tick(sensor, instance, due.cursor)) == []  # restart-safe: same load, no new request

    _materialized(instance, SESSIONS, "2026-09-03", **{names.ACTIVE_SESSIONS: 1})  # reloaded, still active
    assert len(_requested(_tick(sensor, instance, due.cursor))) == 1


def test_a_sensor_fails_loudly_when_an_asset_stops_writing_what_it_reads(instance: dg.DagsterInstance) -> None:
    clock = FakeClock(datetime(2026, 9, 5, 9, 0, tzinfo=UTC))
    sensor = build_late_sessions_sensor(clock=clock)
    _materialized(instance, SESSIONS, "2026-09-03", renamed_active_sessions=4)
    with pytest.raises(Exception, match=names.ACTIVE_SESSIONS):
        _tick(sensor, instance, None)


def test_budget_backfill_plans_with_the_v3_token_ledger_when_v1_is_not_configured(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 9, 5, 10, 0, tzinfo=UTC))
    settings = BudgetBackfillSettings(calls_per_sessions_day=3, keep_for_schedule=10, min_calls_for_details=10)
    sensor = build_budget_backfill_sensor(settings, clock=clock)
    raygun = RaygunResource(pat="a-token", v3_daily_call_limit=20, daily_call_limit=0, state_dir=str(tmp_path / "state"))
    v3_ledger(raygun, clock).reserve("GET /applications/app/sessions", calls=4)  # 16 left - 10 kept = 6 spare
    assert _requested(_tick(sensor, instance, None, raygun=raygun)) == [(d, ("raygun/sessions",)) for d in ("2026-09-01", "2026-09-02")]


def test_budget_backfill_skips_when_raygun_is_not_configured(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    sensor = build_budget_backfill_sensor(clock=FakeClock(datetime(2026, 9, 5, 10, 0, tzinfo=UTC)))
    result = _tick(sensor, instance, None, raygun=RaygunResource(state_dir=str(tmp_path / "state")))
    assert _requested(result) == [] and "RAYGUN_PAT" in result.skip_reason.skip_message  # type: ignore[union-attr]
