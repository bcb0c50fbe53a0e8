"""The one Definitions object of the rum_assets code location, built when the code location loads.

Every setting is read from the environment inside :func:`defs`, not when a module is imported: a
process (the demo, a test) that points ``os.environ`` at an emulator and then loads the definitions sees
its own values.
"""

from __future__ import annotations

import os

import dagster as dg

from rum_assets.config import env_vars, settings
from rum_assets.orchestration.freshness import freshness_checks_and_sensor
from rum_assets.orchestration.mart_registry import mart_definitions
from rum_assets.orchestration.partitions import configured_daily_partitions, with_partitions
from rum_assets.orchestration.run_health import build_dead_run_sensor, worker_recording_in_process_executor
from rum_assets.orchestration.schedules import daily_job_and_schedule
from rum_assets.raygun import names as raygun_names
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.sensors import build_budget_backfill_sensor, build_late_sessions_sensor
from rum_assets.raygun.v3.assets import V3_CATALOG_ASSETS, V3_DAILY_ASSETS
from rum_assets.revenera import names as revenera_names
from rum_assets.revenera.assets import REVENERA_DAILY_ASSETS, REVENERA_METADATA_ASSETS
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.revenera.sensors import build_export_sensor
from rum_assets.warehouse.resource import WarehouseResource


def raygun_resource() -> RaygunResource:
    """v1 credentials and the v3 token are ``EnvVar``s when set and empty when not: an API without
    credentials is not loaded, and with neither the Raygun assets fail naming the variables."""
    return RaygunResource(
        api_key=settings.secret_or_default(env_vars.RAYGUN_API_KEY),  # type: ignore[arg-type]
        client_id=settings.secret_or_default(env_vars.RAYGUN_CLIENT_ID),  # type: ignore[arg-type]
        client_secret=settings.secret_or_default(env_vars.RAYGUN_CLIENT_SECRET),  # type: ignore[arg-type]
        base_url=settings.text(env_vars.RAYGUN_BASE_URL),
        v1_application_id=settings.text(env_vars.RAYGUN_V1_APPLICATION_ID),
        pat=env_vars.RAYGUN_PAT.env_var() if env_vars.RAYGUN_PAT.is_set() else None,  # type: ignore[arg-type]
        v3_base_url=settings.text(env_vars.RAYGUN_V3_BASE_URL),
        application_ids=settings.text(env_vars.RAYGUN_APPLICATION_IDS),
        v3_daily_call_limit=settings.whole_number(env_vars.RAYGUN_V3_DAILY_CALL_LIMIT),
        v1_details_in_flight=settings.whole_number(env_vars.RAYGUN_DETAILS_IN_FLIGHT),
        v3_details_in_flight=settings.whole_number(env_vars.RAYGUN_DETAILS_IN_FLIGHT),
        daily_call_limit=settings.whole_number(env_vars.RAYGUN_DAILY_CALL_LIMIT),
        reserved_list_calls=settings.whole_number(env_vars.RAYGUN_RESERVED_LIST_CALLS),
        detail_coverage_floor=settings.share(env_vars.RAYGUN_DETAIL_COVERAGE_FLOOR),
        state_dir=settings.state_dir(),
        ledger_url=settings.secret_or_default(env_vars.LEDGER_URL),  # type: ignore[arg-type]
        pii_mode=settings.pii_mode(),
        pii_salt=settings.secret_or_default(env_vars.PII_SALT),  # type: ignore[arg-type]
        retry_base_delay_seconds=settings.retry_base_delay_seconds(),
    )


def revenera_resource() -> ReveneraResource:
    return ReveneraResource(
        username=env_vars.REVENERA_USERNAME.env_var(),
        password=env_vars.REVENERA_PASSWORD.env_var(),
        product_ids=env_vars.REVENERA_PRODUCT_IDS.env_var(),
        base_url=settings.text(env_vars.REVENERA_BASE_URL),
        segment_property=settings.optional_text(env_vars.REVENERA_SEGMENT_PROPERTY),
        days_until_declared_lost=settings.whole_number(env_vars.REVENERA_DAYS_UNTIL_DECLARED_LOST),
        client_name=settings.text(env_vars.REVENERA_CLIENT_NAME),
        client_version=settings.text(env_vars.REVENERA_CLIENT_VERSION),
        path_overrides=settings.text(env_vars.REVENERA_PATH_OVERRIDES),
        export_kinds=settings.text(env_vars.REVENERA_EXPORT_KINDS),
        retry_base_delay_seconds=settings.retry_base_delay_seconds(),
    )


def warehouse_resource() -> WarehouseResource:
    """PostgreSQL when ``RUM_ASSETS_WAREHOUSE_URL`` is set, else the DuckDB file."""
    return WarehouseResource(
        database=settings.duckdb_path(),
        connection_config=settings.duckdb_connection_config(),
        url=settings.secret_or_default(env_vars.WAREHOUSE_URL),  # type: ignore[arg-type]
    )


_LOADED: dict[tuple[tuple[str, str], ...], dg.Definitions] = {}


@dg.definitions
def defs() -> dg.Definitions:
    """The code location, built once per process environment.

    Dagster's CLI calls this six times while it starts one run; everything it builds depends only on
    the environment, so a process whose environment has not changed gets the same object back.
    """
    environment = tuple(sorted(os.environ.items()))
    if environment not in _LOADED:
        _LOADED.clear()
        _LOADED[environment] = _build_definitions()
    return _LOADED[environment]


def _build_definitions() -> dg.Definitions:
    partitions = configured_daily_partitions(settings.start_date())
    # The v3-only assets exist where a v3 token is configured; a v1-only deployment does not show them.
    with_v3 = env_vars.RAYGUN_PAT.is_set()
    raygun_daily = [raygun_sessions, raygun_session_details, *(V3_DAILY_ASSETS if with_v3 else ())]
    raygun_assets = [with_partitions(a, partitions) for a in raygun_daily]
    revenera_daily = [with_partitions(a, partitions) for a in REVENERA_DAILY_ASSETS]
    daily_assets = [*raygun_assets, *revenera_daily]
    raygun_scheduled = [*raygun_names.DAILY_ASSETS, *(raygun_names.V3_DAILY if with_v3 else ())]
    raygun_job, raygun_schedule = daily_job_and_schedule("raygun", raygun_scheduled, hour=2, minute=15)
    revenera_job, revenera_schedule = daily_job_and_schedule("revenera", revenera_names.REPORT_ASSETS, hour=2, minute=45)
    base_assets = [*raygun_assets, *(V3_CATALOG_ASSETS if with_v3 else ()), *REVENERA_METADATA_ASSETS, *revenera_daily]
    marts, marts_sensor = mart_definitions(base_assets)
    marts = [with_partitions(mart, partitions) for mart in marts]
    freshness_checks, freshness_sensor = freshness_checks_and_sensor([*daily_assets, *marts])
    return dg.Definitions(
        # A run's steps are few and sequential (sessions, then details); a process per step would spend
        # seconds loading the code location for each. Pools still limit steps across runs. The executor
        # also records the run's worker process and clears runs whose worker died (rum_assets.orchestration.run_health).
        executor=worker_recording_in_process_executor,
        assets=[*base_assets, *marts],
        asset_checks=[*freshness_checks],
        jobs=[raygun_job, revenera_job],
        schedules=[raygun_schedule, revenera_schedule],
        sensors=[
            build_budget_backfill_sensor(partitions=partitions),
            build_late_sessions_sensor(partitions=partitions),
            build_export_sensor(partitions=partitions),
            freshness_sensor,
            build_dead_run_sensor(),
            marts_sensor,
        ],
        resources={
            "raygun": raygun_resource(),
            "revenera": revenera_resource(),
            "warehouse": warehouse_resource(),
        },
    )
