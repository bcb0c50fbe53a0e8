"""Settings read from the environment when the code location loads (secrets stay ``EnvVar``s)."""

from __future__ import annotations

import os
from typing import Literal

from rum_assets.warehouse import DEFAULT_DUCKDB_PATH

DUCKDB_PATH_ENV = "RUM_ASSETS_DUCKDB"
STATE_DIR_ENV = "RUM_ASSETS_STATE_DIR"


def env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def env_int(name: str, default: int) -> int:
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from exc


def retry_base_delay_seconds() -> float:
    """``RUM_ASSETS_RETRY_BASE_DELAY_SECONDS``: the first retry backoff ceiling (default 0.5; tests shorten it)."""
    value = env("RUM_ASSETS_RETRY_BASE_DELAY_SECONDS", "0.5")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise ValueError(f"RUM_ASSETS_RETRY_BASE_DELAY_SECONDS must be a number of seconds, not {value!r}")
    return seconds


def pii_mode() -> Literal["keep", "hash", "drop"]:
    value = env("RUM_ASSETS_PII_MODE", "hash").lower()
    if value not in ("keep", "hash", "drop"):
        raise ValueError(f"RUM_ASSETS_PII_MODE must be keep, hash or drop, not {value!r}")
    return value  # type: ignore[return-value]


def duckdb_path() -> str:
    return env(DUCKDB_PATH_ENV, DEFAULT_DUCKDB_PATH)


def state_dir() -> str:
    return env(STATE_DIR_ENV, "data/state")


def duckdb_connection_config() -> dict[str, object]:
    """DuckDB settings for every warehouse connection.

    A memory limit makes DuckDB spill large loads (de-duplicating a day of a million sessions) to disk
    instead of growing; insertion order is not needed by any load and costs memory to preserve.
    """
    return {
        "memory_limit": env("RUM_ASSETS_DUCKDB_MEMORY_LIMIT", "256MB"),
        "preserve_insertion_order": False,
    }


def automation_stopped() -> bool:
    """``RUM_ASSETS_AUTOMATION_STOPPED=1`` deploys every schedule and sensor stopped (staging, tests)."""
    return env("RUM_ASSETS_AUTOMATION_STOPPED", "0").lower() in {"1", "true", "yes"}
