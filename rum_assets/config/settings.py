"""Settings read from the environment when the code location loads (secrets stay ``EnvVar``s).

Nothing here runs on import: :func:`rum_assets.definitions.defs` calls these when Dagster loads the code
location, so a process that changes ``os.environ`` before loading sees its own values.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import dagster as dg

from rum_assets.config import env_vars
from rum_assets.config.env_vars import EnvVariable


def text(variable: EnvVariable) -> str:
    return variable.read()


def optional_text(variable: EnvVariable) -> str | None:
    return variable.read() or None


def whole_number(variable: EnvVariable) -> int:
    value = variable.read()
    try:
        return int(value)
    except ValueError as exc:
        raise ValueError(f"{variable.name} must be a whole number, not {value!r}") from exc


def share(variable: EnvVariable) -> float:
    value = variable.read()
    try:
        number = float(value)
    except ValueError as exc:
        raise ValueError(f"{variable.name} must be a number between 0 and 1, not {value!r}") from exc
    if not 0 <= number <= 1:
        raise ValueError(f"{variable.name} must be between 0 and 1, not {value!r}")
    return number


def retry_base_delay_seconds() -> float:
    """The first retry backoff ceiling (it doubles per retry); tests shorten it."""
    value = env_vars.RETRY_BASE_DELAY_SECONDS.read()
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise ValueError(f"{env_vars.RETRY_BASE_DELAY_SECONDS.name} must be a number of seconds, not {value!r}")
    return seconds


def pii_mode() -> Literal["keep", "hash", "drop"]:
    value = env_vars.PII_MODE.read().lower()
    modes: tuple[Literal["keep", "hash", "drop"], ...] = ("keep", "hash", "drop")
    for mode in modes:
        if value == mode:
            return mode
    raise ValueError(f"{env_vars.PII_MODE.name} must be keep, hash or drop, not {value!r}")


def secret_or_default(variable: EnvVariable) -> str | dg.EnvVar:
    """An ``EnvVar`` when the secret is set (read at run time, hidden in the UI), else its public default.

    ``dg.EnvVar`` is a ``str``, so a resource's ``str`` field takes either."""
    return variable.env_var() if variable.is_set() else (variable.default or "")


def start_date() -> str:
    value = env_vars.START_DATE.read()
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{env_vars.START_DATE.name} must be a date like 2026-09-01, not {value!r}") from exc
    return value


def duckdb_path() -> str:
    return env_vars.DUCKDB_PATH.read()


def state_dir() -> str:
    return env_vars.STATE_DIR.read()


def duckdb_connection_config() -> dict[str, str | bool | int | float | list[str]]:
    """DuckDB settings for every warehouse connection.

    A memory limit makes DuckDB spill large loads (de-duplicating a day of a million sessions) to disk
    instead of growing; insertion order is not needed by any load and costs memory to preserve.
    """
    return {"memory_limit": env_vars.DUCKDB_MEMORY_LIMIT.read(), "preserve_insertion_order": False}


def automation_stopped() -> bool:
    """``RUM_ASSETS_AUTOMATION_STOPPED=1`` deploys every schedule and sensor stopped (staging, tests)."""
    return env_vars.AUTOMATION_STOPPED.read().lower() in {"1", "true", "yes"}
