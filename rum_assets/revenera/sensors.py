"""The Revenera export sensor: exports land after the day ends, so a schedule cannot know when."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import dagster as dg

from rum_assets.orchestration.partitions import daily_partitions
from rum_assets.orchestration.schedules import sensor_status
from rum_assets.revenera import names
from rum_assets.revenera.finality import FINAL_SIZES_TAG, PRODUCTS_TAG, STABLE_FOR, final_by_date
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.transport.errors import VendorError


def _utc_now() -> datetime:
    return datetime.now(UTC)


def loaded_sizes(instance: dg.DagsterInstance, key: dg.AssetKey, day: str) -> dict[str, float | None]:
    """Per product, the listed size recorded (:data:`names.FILE_SIZES`) by the latest load of the day."""
    records = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key, asset_partitions=[day]), limit=20).records
    sizes: dict[str, float | None] = {}
    for record in records:  # newest first
        materialization = record.asset_materialization
        value = getattr(materialization.metadata.get(names.FILE_SIZES), "value", None) if materialization else None
        for product_id, entry in (value or {}).items():
            sizes.setdefault(product_id, entry.get("listed_kb") if isinstance(entry, dict) else None)
    return sizes


def build_export_sensor(
    lookback_days: int = 7, clock: Callable[[], datetime] = _utc_now, partitions: dg.PartitionsDefinition = daily_partitions
) -> dg.SensorDefinition:
    @dg.sensor(
        name="revenera_export_files",
        minimum_interval_seconds=30 * 60,
        default_status=sensor_status(),
        asset_selection=list(names.EXPORT_ASSETS.values()),
        description=(
            "Watches the raw-event, exception and custom-event file lists of every configured product and "
            "requests a day of the matching asset for the products whose file is final: its day is before "
            "yesterday (UTC), or its listed size was unchanged across listings at least 30 minutes apart. "
            f"Looks back {lookback_days} days. The cursor keeps the sizes seen and what was requested; a day "
            "whose listed size later differs from what was loaded is requested again. A product whose listing "
            "fails is logged and skipped; the others still get runs. Kinds left out of REVENERA_EXPORT_KINDS are skipped."
        ),
    )
    def revenera_export_files(context: dg.SensorEvaluationContext, revenera: ReveneraResource) -> dg.SensorResult:
        now = clock()
        today = now.date()
        window = set(partitions.get_partition_keys(current_time=now)[-lookback_days:])
        state: dict[str, Any] = json.loads(context.cursor) if context.cursor else {}
        seen: dict[str, dict[str, dict[str, list[Any]]]] = state.get("seen", {}) if isinstance(state.get("seen"), dict) else {}
        requested: dict[str, dict[str, dict[str, Any]]] = state.get("requested", {}) if isinstance(state.get("requested"), dict) else {}
        runs: list[dg.RunRequest] = []
        described: list[str] = []
        enabled = revenera.enabled_export_kinds()
        with revenera.get_client(context.log) as client:
            for kind, key in names.EXPORT_ASSETS.items():
                if kind not in enabled:
                    continue
                materialized = context.instance.get_materialized_partitions(key)
                ready: dict[str, dict[str, Any]] = {}  # day -> product -> listed size
                for product_id in revenera.products():
                    try:
                        files = client.listed_daily_files(kind, product_id)
                    except VendorError as exc:
                        context.log.warning("Revenera %s listing of product %s failed, skipped this tick: %s", kind, product_id, exc)
                        continue
                    observed = seen.setdefault(kind, {}).setdefault(product_id, {})
                    for entry in files:
                        day = entry.file_date.isoformat()
                        if day not in window:
                            continue
                        size = entry.compressed_size_kb
                        if observed.get(day, [None])[0] != size or day not in observed:
                            observed[day] = [size, now.isoformat()]
                        stable = size is not None and now - datetime.fromisoformat(observed[day][1]) >= STABLE_FOR
                        if final_by_date(entry.file_date, today) or stable:
                            ready.setdefault(day, {})[product_id] = size
                    seen[kind][product_id] = {d: v for d, v in observed.items() if d in window}
                for day, sizes in sorted(ready.items()):
                    asked = requested.get(kind, {}).get(day, {})
                    loaded = loaded_sizes(context.instance, key, day) if day in materialized else {}
                    due = {
                        pid: size
                        for pid, size in sizes.items()
                        if not (pid in asked and asked[pid] == size)
                        and not (day in materialized and (not loaded or loaded.get(pid, "none") == size))
                    }
                    if not due:
                        continue
                    products = ",".join(sorted(due))
                    tags = {PRODUCTS_TAG: products, FINAL_SIZES_TAG: json.dumps(due, sort_keys=True)}
                    run_key = f"revenera-{kind}-{day}-{products}-{json.dumps(due, sort_keys=True)}"
                    runs.append(dg.RunRequest(run_key=run_key, partition_key=day, asset_selection=[key], tags=tags))
                    described.append(f"{key.to_user_string()} {day} ({products})")
                    requested.setdefault(kind, {}).setdefault(day, {}).update(due)
        cursor = json.dumps(
            {
                "seen": seen,
                "requested": {kind: {d: v for d, v in days.items() if d in window} for kind, days in requested.items()},
            },
            sort_keys=True,
        )
        if not runs:
            return dg.SensorResult(skip_reason=dg.SkipReason("no newly final export file"), cursor=cursor)
        context.log.info(
            "Requesting %d export loads: %s",
            len(runs),
            ", ".join(described),
        )
        return dg.SensorResult(run_requests=runs, cursor=cursor)

    return revenera_export_files
