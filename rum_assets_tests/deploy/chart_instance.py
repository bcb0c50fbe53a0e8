"""The parts of the instance configuration that Dagster's Helm chart writes from its values.

The chart (1.13.27) renders ``$DAGSTER_HOME/dagster.yaml`` from ``templates/configmap-instance.yaml``;
no Helm binary is here, so this module restates, for the sections that matter to rum_assets, which value
becomes which instance setting. A value the chart does not render is dropped without a word by Helm, so
:data:`RENDERED_KEYS` lists every key the chart reads under each of those sections and the tests reject
any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RENDERED_KEYS: dict[tuple[str, ...], dict[str, str]] = {
    ("dagsterDaemon", "runMonitoring"): {
        "enabled": "enabled",
        "startTimeoutSeconds": "start_timeout_seconds",
        "cancelTimeoutSeconds": "cancel_timeout_seconds",
        "maxResumeRunAttempts": "max_resume_run_attempts",
        "pollIntervalSeconds": "poll_interval_seconds",
        "freeSlotsAfterRunEndSeconds": "free_slots_after_run_end_seconds",
    },
    ("dagsterDaemon", "runRetries"): {
        "enabled": "enabled",
        "maxRetries": "max_retries",
        "retryOnAssetOrOpFailure": "retry_on_asset_or_op_failure",
    },
    ("concurrency", "pools"): {
        "defaultLimit": "default_limit",
        "granularity": "granularity",
        "opGranularityRunBuffer": "op_granularity_run_buffer",
    },
    ("concurrency", "runs"): {
        "maxConcurrentRuns": "max_concurrent_runs",
        "tagConcurrencyLimits": "tag_concurrency_limits",
    },
}
"""(values path) -> {chart value key: instance key}."""

STORAGES = (
    ("run_storage", "dagster_postgres.run_storage", "PostgresRunStorage"),
    ("event_log_storage", "dagster_postgres.event_log", "PostgresEventLogStorage"),
    ("schedule_storage", "dagster_postgres.schedule_storage", "PostgresScheduleStorage"),
)
"""The chart writes one PostgreSQL connection into each storage."""

NOT_RENDERED = {("run_monitoring", "max_runtime_seconds")}
"""dagster.yaml settings that the chart has no value for."""


def at(values: Mapping[str, Any], path: tuple[str, ...]) -> Mapping[str, Any]:
    node: Any = values
    for key in path:
        node = (node or {}).get(key)
    return node or {}


def _section(values: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    given = at(values, path)
    return {instance_key: given[key] for key, instance_key in RENDERED_KEYS[path].items() if given.get(key) is not None}


def instance_sections(values: Mapping[str, Any]) -> dict[str, Any]:
    """run_monitoring, run_retries, concurrency, run_coordinator and the storages as the chart writes them."""
    daemon = values.get("dagsterDaemon") or {}
    sections: dict[str, Any] = {}
    if daemon.get("enabled") and at(values, ("dagsterDaemon", "runMonitoring")).get("enabled"):
        sections["run_monitoring"] = _section(values, ("dagsterDaemon", "runMonitoring"))
    if daemon.get("enabled") and at(values, ("dagsterDaemon", "runRetries")).get("enabled"):
        sections["run_retries"] = _section(values, ("dagsterDaemon", "runRetries"))
    if at(values, ("concurrency",)).get("enabled"):
        sections["concurrency"] = {
            "pools": _section(values, ("concurrency", "pools")),
            "runs": _section(values, ("concurrency", "runs")),
        }
    coordinator = at(values, ("dagsterDaemon", "runCoordinator"))
    if daemon.get("enabled") and coordinator.get("enabled"):
        sections["run_coordinator"] = {"module": "dagster.core.run_coordinator", "class": coordinator["type"]}
    postgresql = values["postgresql"]
    postgres_db: dict[str, Any] = {
        "hostname": postgresql["postgresqlHost"],
        "port": postgresql["service"]["port"],
        "db_name": postgresql["postgresqlDatabase"],
        "username": postgresql["postgresqlUsername"],
        "password": {"env": "DAGSTER_PG_PASSWORD"},
    }
    if postgresql.get("postgresqlScheme"):
        postgres_db["scheme"] = postgresql["postgresqlScheme"]
    for section, module, name in STORAGES:
        sections[section] = {"module": module, "class": name, "config": {"postgres_db": postgres_db}}
    return sections


def unrendered_keys(values: Mapping[str, Any]) -> set[str]:
    """Keys under the rendered sections that the chart would ignore."""
    return {f"{'.'.join(path)}.{key}" for path, known in RENDERED_KEYS.items() for key in at(values, path) if key not in known}


def merged(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of a values file over the chart's values.yaml: maps merge key by key, anything else
    (lists included) replaces, and null removes the default."""
    result = dict(defaults)
    for key, value in overrides.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result
