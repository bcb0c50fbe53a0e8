"""The default account, configured by today's environment variables, and what every account shares.

Each Raygun and Revenera account has its own credentials and limits; the warehouse, the state
directory or ledger URL, the PII policy and the retry backoff are the deployment's, read from the
environment for every account (see rum_assets.config.env_vars). Secrets stay ``dg.EnvVar``s.
"""

from __future__ import annotations

from typing import Any

from rum_assets.config import env_vars, settings
from rum_assets.raygun.resource import RaygunResource
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.warehouse.resource import WarehouseResource


def shared_raygun_settings() -> dict[str, Any]:
    """The Raygun resource fields that are the deployment's rather than an account's."""
    return {
        "state_dir": settings.state_dir(),
        "ledger_url": settings.secret_or_default(env_vars.LEDGER_URL),
        "pii_mode": settings.pii_mode(),
        "pii_salt": settings.secret_or_default(env_vars.PII_SALT),
        "retry_base_delay_seconds": settings.retry_base_delay_seconds(),
    }


def raygun_resource() -> RaygunResource:
    """v1 credentials and the v3 token are ``EnvVar``s when set and empty when not: an API without
    credentials is not loaded, and with neither the Raygun assets fail naming the variables."""
    return RaygunResource(
        api_key=settings.secret_or_default(env_vars.RAYGUN_API_KEY),
        client_id=settings.secret_or_default(env_vars.RAYGUN_CLIENT_ID),
        client_secret=settings.secret_or_default(env_vars.RAYGUN_CLIENT_SECRET),
        base_url=settings.text(env_vars.RAYGUN_BASE_URL),
        v1_application_id=settings.text(env_vars.RAYGUN_V1_APPLICATION_ID),
        pat=env_vars.RAYGUN_PAT.env_var() if env_vars.RAYGUN_PAT.is_set() else None,
        v3_base_url=settings.text(env_vars.RAYGUN_V3_BASE_URL),
        application_ids=settings.text(env_vars.RAYGUN_APPLICATION_IDS),
        v3_daily_call_limit=settings.whole_number(env_vars.RAYGUN_V3_DAILY_CALL_LIMIT),
        v3_histogram_pages=settings.whole_number(env_vars.RAYGUN_V3_HISTOGRAM_PAGES),
        v1_details_in_flight=settings.whole_number(env_vars.RAYGUN_DETAILS_IN_FLIGHT),
        v3_details_in_flight=settings.whole_number(env_vars.RAYGUN_DETAILS_IN_FLIGHT),
        daily_call_limit=settings.whole_number(env_vars.RAYGUN_DAILY_CALL_LIMIT),
        reserved_list_calls=settings.whole_number(env_vars.RAYGUN_RESERVED_LIST_CALLS),
        detail_coverage_floor=settings.share(env_vars.RAYGUN_DETAIL_COVERAGE_FLOOR),
        **shared_raygun_settings(),
    )


def shared_revenera_settings() -> dict[str, Any]:
    """The Revenera resource fields that are the deployment's rather than a login's."""
    return {
        "client_name": settings.text(env_vars.REVENERA_CLIENT_NAME),
        "client_version": settings.text(env_vars.REVENERA_CLIENT_VERSION),
        "path_overrides": settings.text(env_vars.REVENERA_PATH_OVERRIDES),
        "retry_base_delay_seconds": settings.retry_base_delay_seconds(),
    }


def revenera_resource() -> ReveneraResource:
    return ReveneraResource(
        username=env_vars.REVENERA_USERNAME.env_var(),
        password=env_vars.REVENERA_PASSWORD.env_var(),
        product_ids=env_vars.REVENERA_PRODUCT_IDS.env_var(),
        base_url=settings.text(env_vars.REVENERA_BASE_URL),
        segment_property=settings.optional_text(env_vars.REVENERA_SEGMENT_PROPERTY),
        days_until_declared_lost=settings.whole_number(env_vars.REVENERA_DAYS_UNTIL_DECLARED_LOST),
        export_kinds=settings.text(env_vars.REVENERA_EXPORT_KINDS),
        **shared_revenera_settings(),
    )


def warehouse_resource() -> WarehouseResource:
    """PostgreSQL when ``RUM_ASSETS_WAREHOUSE_URL`` is set, else the DuckDB file."""
    return WarehouseResource(
        database=settings.duckdb_path(),
        connection_config=settings.duckdb_connection_config(),
        url=settings.secret_or_default(env_vars.WAREHOUSE_URL),
    )
