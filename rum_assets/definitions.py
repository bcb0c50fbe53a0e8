"""The one Definitions object of the rum_assets code location."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from rum_assets import settings
from rum_assets.freshness import freshness_checks_and_sensor
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.revenera.assets import REVENERA_DAILY_ASSETS, REVENERA_METADATA_ASSETS
from rum_assets.run_health import build_dead_run_sensor, worker_recording_in_process_executor
from rum_assets.revenera.resource import DEFAULT_BASE_URL as REVENERA_DEFAULT_BASE_URL
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.sensors import build_export_sensor
from rum_assets.raygun.sensors import build_budget_backfill_sensor, build_late_sessions_sensor
from rum_assets.raygun.resource import DEFAULT_BASE_URL as RAYGUN_DEFAULT_BASE_URL
from rum_assets.raygun.resource import RaygunResource
from rum_assets.schedules import daily_job_and_schedule


def _raygun_resource() -> RaygunResource:
    return RaygunResource(
        api_key=dg.EnvVar("RAYGUN_API_KEY"),
        client_id=dg.EnvVar("RAYGUN_CLIENT_ID"),
        client_secret=dg.EnvVar("RAYGUN_CLIENT_SECRET"),
        base_url=settings.env("RAYGUN_BASE_URL", RAYGUN_DEFAULT_BASE_URL),
        daily_call_limit=settings.env_int("RAYGUN_DAILY_CALL_LIMIT", 50),
        reserved_list_calls=settings.env_int("RAYGUN_RESERVED_LIST_CALLS", 5),
        detail_coverage_floor=float(settings.env("RAYGUN_DETAIL_COVERAGE_FLOOR", "0")),
        state_dir=settings.state_dir(),
        pii_mode=settings.pii_mode(),
        pii_salt=settings.env("RUM_ASSETS_PII_SALT", "rum_assets"),
    )


def _revenera_resource() -> ReveneraResource:
    return ReveneraResource(
        username=dg.EnvVar("REVENERA_USERNAME"),
        password=dg.EnvVar("REVENERA_PASSWORD"),
        product_ids=dg.EnvVar("REVENERA_PRODUCT_IDS"),
        base_url=settings.env("REVENERA_BASE_URL", REVENERA_DEFAULT_BASE_URL),
        segment_property=settings.env("REVENERA_SEGMENT_PROPERTY", "") or None,
        days_until_declared_lost=settings.env_int("REVENERA_DAYS_UNTIL_DECLARED_LOST", 30),
    )


raygun_assets = [raygun_sessions, raygun_session_details]
raygun_job, raygun_schedule = daily_job_and_schedule("raygun", [a.key for a in raygun_assets], hour=2, minute=15)
# The export assets are left to the export sensor: their files are final only the morning after.
revenera_report_keys = [a.key for a in REVENERA_DAILY_ASSETS[:3]]
revenera_job, revenera_schedule = daily_job_and_schedule("revenera", revenera_report_keys, hour=2, minute=45)
daily_assets = [*raygun_assets, *REVENERA_DAILY_ASSETS]
freshness_checks, freshness_sensor = freshness_checks_and_sensor(daily_assets)

defs = dg.Definitions(
    # A run's steps are few and sequential (sessions, then details); a process per step would spend
    # seconds loading the code location for each. Pools still limit steps across runs. The executor
    # also records the run's worker process and clears runs whose worker died (rum_assets.run_health).
    executor=worker_recording_in_process_executor,
    assets=[*raygun_assets, *REVENERA_METADATA_ASSETS, *REVENERA_DAILY_ASSETS],
    asset_checks=[*freshness_checks],
    jobs=[raygun_job, revenera_job],
    schedules=[raygun_schedule, revenera_schedule],
    sensors=[build_budget_backfill_sensor(), build_late_sessions_sensor(), build_export_sensor(), freshness_sensor, build_dead_run_sensor()],
    resources={
        "raygun": _raygun_resource(),
        "revenera": _revenera_resource(),
        "duckdb": DuckDBResource(database=settings.duckdb_path(), connection_config=settings.duckdb_connection_config()),
    },
)
