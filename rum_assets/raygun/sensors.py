"""Raygun sensors: what a daily schedule cannot know.

- ``raygun_budget_backfill``: fills the days never loaded, oldest first, only as far as today's call
  budget allows; when the budget resets at UTC midnight it carries on.
- ``raygun_late_sessions``: a day loaded while some of its sessions were still active is loaded again
  once those sessions can have ended, so their final details are fetched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import dagster as dg

from rum_assets.orchestration.partitions import daily_partitions
from rum_assets.orchestration.schedules import sensor_status
from rum_assets.raygun import names
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.v1.list_reservations import PLAN_TAG
from rum_assets.raygun.v3.access import budget_ledger, v1_configured

SESSIONS_KEY = names.SESSIONS
DETAILS_KEY = names.SESSION_DETAILS
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _latest_metadata(instance: dg.DagsterInstance, key: dg.AssetKey, partition: str) -> tuple[int, dict[str, Any]] | None:
    """Storage id and the sensor-relevant metadata (:data:`names.SENSOR_METADATA`) of the latest
    materialization of one partition, if any. A declared key the materialization lacks is an error: the
    asset stopped writing what a sensor decides on."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition]), limit=1, ascending=False
    ).records
    if not records or records[0].asset_materialization is None:
        return None
    written = records[0].asset_materialization.metadata
    missing = [name for name in names.SENSOR_METADATA[key] if name not in written]
    if missing:
        raise KeyError(f"{key.to_user_string()} {partition}: its materialization has no {missing}; the sensors need them")
    return records[0].storage_id, {name: written[name].value for name in names.SENSOR_METADATA[key]}


def _complete_days(partitions: dg.PartitionsDefinition, now: datetime) -> list[str]:
    """Partition keys of every complete UTC day up to yesterday, oldest first."""
    return list(partitions.get_partition_keys(current_time=now))


@dataclass(frozen=True)
class BudgetBackfillSettings:
    calls_per_sessions_day: int = 3
    """Authentication plus the pages of one day's list (a few hundred sessions fit in one page)."""
    keep_for_schedule: int = 10
    """Calls left untouched for the nightly scheduled run of yesterday."""
    min_calls_for_details: int = 10
    """Request a details run for a day only when at least this many calls are spare."""
    max_runs_per_tick: int = 10
    details_lookback_days: int = 30


def build_budget_backfill_sensor(
    settings: BudgetBackfillSettings = BudgetBackfillSettings(),
    clock: Clock = _utc_now,
    partitions: dg.PartitionsDefinition = daily_partitions,
) -> dg.SensorDefinition:
    @dg.sensor(
        name="raygun_budget_backfill",
        minimum_interval_seconds=15 * 60,
        default_status=sensor_status(),
        asset_selection=[SESSIONS_KEY, DETAILS_KEY],
        description=(
            "Fills Raygun days that were never loaded, oldest first, only as far as today's call budget "
            "allows (it reads the same ledger the runs reserve calls in: v1's when v1 is configured, else the "
            "v3 token's), then fetches pending session "
            "details with what is left. Each v1 list it requests is held as pending in the shared store, so "
            "that details on any node leave its calls. After the budget resets at UTC midnight it carries on. "
            "Its cursor remembers what it requested on which budget day, so a restart does not request twice."
        ),
    )
    def raygun_budget_backfill(context: dg.SensorEvaluationContext, raygun: RaygunResource) -> dg.SensorResult:
        now = clock()
        budget_day = now.date().isoformat()
        cursor = json.loads(context.cursor) if context.cursor else {}
        same_day = cursor.get("budget_day") == budget_day
        requested: list[str] = cursor.get("requested", []) if same_day else []
        planned: int = cursor.get("planned_calls", 0) if same_day else 0
        budget = budget_ledger(raygun, clock)
        if budget is None:
            return dg.SensorResult(
                skip_reason=dg.SkipReason("Raygun is not configured (neither RAYGUN_PAT nor the v1 credentials)"), cursor=context.cursor
            )
        ledger, daily_limit = budget
        remaining = ledger.remaining()
        # Runs requested earlier today may not have spent their calls yet: count them as spent.
        spare = None if remaining is None else min(remaining, daily_limit - planned) - settings.keep_for_schedule
        materialized = context.instance.get_materialized_partitions(SESSIONS_KEY)
        missing = [day for day in _complete_days(partitions, now) if day not in materialized and f"sessions:{day}" not in requested]

        runs: list[dg.RunRequest] = []
        reservations = raygun.list_reservations(clock) if v1_configured(raygun) else None
        for day in missing:
            if len(runs) >= settings.max_runs_per_tick or (spare is not None and spare < settings.calls_per_sessions_day):
                break
            run_key = f"raygun-backfill-sessions-{day}-{budget_day}"
            if reservations is not None:
                reservations.plan([date.fromisoformat(day)], owner=run_key)
            runs.append(dg.RunRequest(run_key=run_key, partition_key=day, asset_selection=[SESSIONS_KEY], tags={PLAN_TAG: run_key}))
            requested.append(f"sessions:{day}")
            planned += settings.calls_per_sessions_day
            spare = None if spare is None else spare - settings.calls_per_sessions_day

        if spare is None or spare >= settings.min_calls_for_details:
            for day in reversed(_complete_days(partitions, now)[-settings.details_lookback_days :]):
                if day not in materialized or f"details:{day}" in requested:
                    continue
                details = _latest_metadata(context.instance, DETAILS_KEY, day)
                if details is not None and int(details[1][names.DETAILS_PENDING]) == 0:
                    continue
                runs.append(
                    dg.RunRequest(run_key=f"raygun-backfill-details-{day}-{budget_day}", partition_key=day, asset_selection=[DETAILS_KEY])
                )
                requested.append(f"details:{day}")
                planned += spare or 0
                break  # one details run spends what the budget leaves

        new_cursor = json.dumps({"budget_day": budget_day, "requested": requested, "planned_calls": planned})
        if not runs:
            reason = "nothing missing" if not missing else f"call budget spent for {budget_day} ({remaining} left)"
            return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=new_cursor)
        context.log.info("Requesting %d Raygun runs (budget left: %s)", len(runs), "unlimited" if remaining is None else remaining)
        return dg.SensorResult(run_requests=runs, cursor=new_cursor)

    return raygun_budget_backfill


def build_late_sessions_sensor(
    grace: timedelta = timedelta(hours=2),
    lookback_days: int = 7,
    max_attempts: int = 3,
    clock: Clock = _utc_now,
    partitions: dg.PartitionsDefinition = daily_partitions,
) -> dg.SensorDefinition:
    @dg.sensor(
        name="raygun_late_sessions",
        minimum_interval_seconds=30 * 60,
        default_status=sensor_status(),
        asset_selection=[SESSIONS_KEY, DETAILS_KEY],
        description=(
            f"Re-loads a Raygun day (sessions, then details) when it was loaded while some sessions were still "
            f"active, once {grace.total_seconds() / 3600:.0f} h have passed after the day's end, so their final "
            f"state and details land. Once per load and at most {max_attempts} times per day; the cursor "
            "remembers which load it answered."
        ),
    )
    def raygun_late_sessions(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        now = clock()
        state: dict[str, dict[str, int]] = json.loads(context.cursor) if context.cursor else {}
        recent = _complete_days(partitions, now)[-lookback_days:]
        runs: list[dg.RunRequest] = []
        for day in recent:
            if now < datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(0), tzinfo=UTC) + grace:
                continue
            latest = _latest_metadata(context.instance, SESSIONS_KEY, day)
            if latest is None or int(latest[1][names.ACTIVE_SESSIONS]) == 0:
                continue
            storage_id, _ = latest
            seen = state.get(day, {"attempts": 0, "storage_id": -1})
            if seen["storage_id"] == storage_id or seen["attempts"] >= max_attempts:
                continue  # already requested for this load, or given up on
            runs.append(
                dg.RunRequest(run_key=f"raygun-late-{day}-{storage_id}", partition_key=day, asset_selection=[SESSIONS_KEY, DETAILS_KEY])
            )
            state[day] = {"attempts": seen["attempts"] + 1, "storage_id": storage_id}
        cursor = json.dumps({day: value for day, value in state.items() if day in recent})
        if not runs:
            return dg.SensorResult(skip_reason=dg.SkipReason("no recent day has sessions still marked active"), cursor=cursor)
        return dg.SensorResult(run_requests=runs, cursor=cursor)

    return raygun_late_sessions
