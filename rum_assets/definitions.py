"""The one Definitions object of the rum_assets code location."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from rum_assets import settings
from rum_assets.raygun.assets import raygun_session_details, raygun_sessions
from rum_assets.raygun.resource import DEFAULT_BASE_URL as RAYGUN_DEFAULT_BASE_URL
from rum_assets.raygun.resource import RaygunResource


def _raygun_resource() -> RaygunResource:
    return RaygunResource(
        api_key=dg.EnvVar("RAYGUN_API_KEY"),
        client_id=dg.EnvVar("RAYGUN_CLIENT_ID"),
        client_secret=dg.EnvVar("RAYGUN_CLIENT_SECRET"),
        base_url=settings.env("RAYGUN_BASE_URL", RAYGUN_DEFAULT_BASE_URL),
        daily_call_limit=settings.env_int("RAYGUN_DAILY_CALL_LIMIT", 50),
        reserved_list_calls=settings.env_int("RAYGUN_RESERVED_LIST_CALLS", 5),
        state_dir=settings.state_dir(),
        pii_mode=settings.env("RUM_ASSETS_PII_MODE", "hash"),
        pii_salt=settings.env("RUM_ASSETS_PII_SALT", "rum_assets"),
    )


defs = dg.Definitions(
    assets=[raygun_sessions, raygun_session_details],
    resources={
        "raygun": _raygun_resource(),
        "duckdb": DuckDBResource(database=settings.duckdb_path()),
    },
)
