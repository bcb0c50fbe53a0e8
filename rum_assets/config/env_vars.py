"""Every environment variable the project reads, declared once.

The resources, the settings read when the code location loads, the emulator's environment, the README's
table and the tests all use these declarations; a test fails when code names a variable that is not
declared here or when the README does not list one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg


@dataclass(frozen=True)
class EnvVariable:
    name: str
    description: str
    default: str | None = None
    """None: no default (required where it is used, or optional with no value)."""
    secret: bool = False
    """Secrets reach resources as ``dg.EnvVar`` (read at run time, never shown in the UI) and never reach a log."""

    def read(self) -> str:
        """The value now, stripped; the default when unset or blank ('' when there is none)."""
        value = os.environ.get(self.name, "").strip()
        return value or (self.default or "")

    def is_set(self) -> bool:
        return bool(os.environ.get(self.name, "").strip())

    def env_var(self) -> dg.EnvVar:
        return dg.EnvVar(self.name)


RAYGUN_BASE_URL = EnvVariable("RAYGUN_BASE_URL", "Raygun API root", "https://api.raygun.com")
RAYGUN_API_KEY = EnvVariable("RAYGUN_API_KEY", "application API key (v1)", secret=True)
RAYGUN_CLIENT_ID = EnvVariable("RAYGUN_CLIENT_ID", "consumer application's id (v1 Basic auth user)", secret=True)
RAYGUN_CLIENT_SECRET = EnvVariable("RAYGUN_CLIENT_SECRET", "consumer application's secret (v1 Basic auth password)", secret=True)
RAYGUN_V1_APPLICATION_ID = EnvVariable("RAYGUN_V1_APPLICATION_ID", "`application_id` stored on rows loaded through v1", "v1")
RAYGUN_PAT = EnvVariable("RAYGUN_PAT", "personal access token (v3); selects the v3 API", secret=True)
RAYGUN_V3_BASE_URL = EnvVariable("RAYGUN_V3_BASE_URL", "Raygun v3 API root", "https://api.raygun.com/v3")
RAYGUN_APPLICATION_IDS = EnvVariable(
    "RAYGUN_APPLICATION_IDS", "comma-separated v3 application identifiers to load (unset: every application with RUM data)"
)
RAYGUN_V3_DAILY_CALL_LIMIT = EnvVariable("RAYGUN_V3_DAILY_CALL_LIMIT", "v3 calls per token per UTC day (0 = unlimited)", "10000")
RAYGUN_V3_HISTOGRAM_PAGES = EnvVariable(
    "RAYGUN_V3_HISTOGRAM_PAGES",
    "v3: pages per application per UTC day given their own histogram, most recently seen first (0 = none)",
    "50",
)
RAYGUN_DETAILS_IN_FLIGHT = EnvVariable(
    "RAYGUN_DETAILS_IN_FLIGHT", "session details fetched concurrently, per source (1-32; each call still reserved in the ledger first)", "8"
)
RAYGUN_DAILY_CALL_LIMIT = EnvVariable("RAYGUN_DAILY_CALL_LIMIT", "calls per application per UTC day your plan allows (0 = unlimited)", "50")
RAYGUN_RESERVED_LIST_CALLS = EnvVariable(
    "RAYGUN_RESERVED_LIST_CALLS", "v3: calls the details asset leaves for session lists (v1 leaves what the lists still to come need)", "5"
)
RAYGUN_DETAIL_COVERAGE_FLOOR = EnvVariable(
    "RAYGUN_DETAIL_COVERAGE_FLOOR", "share of a day's sessions with details below which the coverage check warns (0-1)", "0"
)

REVENERA_BASE_URL = EnvVariable("REVENERA_BASE_URL", "Revenera API root", "https://analytics-api.revenera.com")
REVENERA_USERNAME = EnvVariable("REVENERA_USERNAME", "Usage Intelligence dashboard login (e-mail)")
REVENERA_PASSWORD = EnvVariable("REVENERA_PASSWORD", "Usage Intelligence dashboard password", secret=True)
REVENERA_PRODUCT_IDS = EnvVariable("REVENERA_PRODUCT_IDS", "comma-separated product ids to load")
REVENERA_SEGMENT_PROPERTY = EnvVariable("REVENERA_SEGMENT_PROPERTY", "property to split user activity by (e.g. `prodVersion`)")
REVENERA_DAYS_UNTIL_DECLARED_LOST = EnvVariable("REVENERA_DAYS_UNTIL_DECLARED_LOST", "inactive days before a client counts as lost", "30")
REVENERA_CLIENT_NAME = EnvVariable("REVENERA_CLIENT_NAME", "`RUI-Client` header (the vendor's examples send `Postman`)", "Postman")
REVENERA_CLIENT_VERSION = EnvVariable("REVENERA_CLIENT_VERSION", "`RUI-Client-Version` header", "0.0.1")
REVENERA_PATH_OVERRIDES = EnvVariable(
    "REVENERA_PATH_OVERRIDES", "JSON object: endpoint name -> path template with `{pid}`, for paths the real API serves elsewhere"
)
REVENERA_EXPORT_KINDS = EnvVariable("REVENERA_EXPORT_KINDS", "export files to load: comma list of `raw`, `exc`, `cust`", "raw,exc,cust")

PII_MODE = EnvVariable(
    "RUM_ASSETS_PII_MODE", "user email, names, identifier, IP, city, region, URL query: `keep`, `hash` (salted SHA-256) or `drop`", "hash"
)
PII_SALT = EnvVariable("RUM_ASSETS_PII_SALT", "salt for hashed PII (set it in production)", "rum_assets", secret=True)
DUCKDB_PATH = EnvVariable("RUM_ASSETS_DUCKDB", "the DuckDB file", "data/rum_assets.duckdb")
STATE_DIR = EnvVariable("RUM_ASSETS_STATE_DIR", "the call-budget ledger shared by all processes", "data/state")
LEDGER_URL = EnvVariable(
    "RUM_ASSETS_LEDGER_URL",
    "PostgreSQL URL of the call-budget ledger shared by several machines (empty: SQLite under the state dir)",
    secret=True,
)
WAREHOUSE_URL = EnvVariable("RUM_ASSETS_WAREHOUSE_URL", "PostgreSQL URL of the warehouse (empty: the DuckDB file)", secret=True)
DAGSTER_PG_HOST = EnvVariable("DAGSTER_PG_HOST", "host of the Dagster instance's PostgreSQL (dagster-postgres.yaml)")
DAGSTER_PG_PORT = EnvVariable("DAGSTER_PG_PORT", "its port", "5432")
DAGSTER_PG_DB = EnvVariable("DAGSTER_PG_DB", "its database", "dagster")
DAGSTER_PG_USERNAME = EnvVariable("DAGSTER_PG_USERNAME", "its user", "dagster")
DAGSTER_PG_PASSWORD = EnvVariable("DAGSTER_PG_PASSWORD", "its password", secret=True)
START_DATE = EnvVariable("RUM_ASSETS_START_DATE", "first daily partition (UTC)", "2026-09-01")
DUCKDB_MEMORY_LIMIT = EnvVariable("RUM_ASSETS_DUCKDB_MEMORY_LIMIT", "DuckDB memory before it spills to disk", "256MB")
RETRY_BASE_DELAY_SECONDS = EnvVariable(
    "RUM_ASSETS_RETRY_BASE_DELAY_SECONDS", "first retry backoff ceiling in seconds; doubles per retry (full jitter)", "0.5"
)
DEFS_DIR = EnvVariable(
    "RUM_ASSETS_DEFS_DIR",
    "a folder of `defs.yaml` accounts (`RaygunComponent`, `ReveneraComponent`) loaded instead of the package's `rum_assets/defs`",
)
AUTOMATION_STOPPED = EnvVariable("RUM_ASSETS_AUTOMATION_STOPPED", "`1` deploys every schedule and sensor stopped", "0")
FRESHNESS_DEADLINE_CRON = EnvVariable(
    "RUM_ASSETS_FRESHNESS_DEADLINE_CRON", "when yesterday's partitions must exist (UTC cron)", "0 6 * * *"
)

ALL: tuple[EnvVariable, ...] = tuple(value for value in globals().values() if isinstance(value, EnvVariable))
