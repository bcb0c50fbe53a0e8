"""Running one day's work for every configured Raygun source: v1, and each v3 application.

Each source writes in its own transaction, so one that fails leaves the others' rows landed; the
step then fails naming every source that failed. A failure is kept as its message and whether a
retry could fix it, never as the exception, whose frames would keep warehouse connections open
after the step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

import dagster as dg

from rum_assets.orchestration.retries import failure_entry
from rum_assets.raygun.migrations import MigrationError, migrate_raygun_tables
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.tables import ALL_TABLES, V1, V3
from rum_assets.raygun.v1.client import RaygunClient
from rum_assets.raygun.v3.access import (
    RaygunNotConfiguredError,
    open_v3_client,
    require_some_api,
    v1_configured,
    v3_applications,
    v3_configured,
)
from rum_assets.raygun.v3.client import RaygunV3Client
from rum_assets.transport.errors import VendorError
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import ensure_table

FiguresT = TypeVar("FiguresT")


def prepare_tables(warehouse: WarehouseResource, raygun: RaygunResource, log: logging.Logger) -> None:
    """Migrate tables written before v3 support, then create or widen every Raygun table."""
    with warehouse.connection() as conn:
        try:
            migrated = migrate_raygun_tables(conn, raygun.v1_application_id)
        except MigrationError as exc:
            raise dg.Failure(description=f"Raygun: {exc}", allow_retries=False) from None
        for table in ALL_TABLES:
            ensure_table(conn, table)
    if migrated:
        log.info(
            "Raygun: migrated %s to the v1/v3 schema (existing rows are source_api 'v1', application_id %r)",
            ", ".join(migrated),
            raygun.v1_application_id,
        )


def source_label(source_api: str, application_id: str) -> str:
    return f"{source_api}/{application_id}"


@dataclass
class DayRun(Generic[FiguresT]):
    figures: dict[str, FiguresT] = field(default_factory=dict)
    """By :func:`source_label`, for the sources that landed."""
    failures: list[tuple[str, bool]] = field(default_factory=list)
    error_types: list[str] = field(default_factory=list)
    """(message, retryable) per source that failed."""
    calls: dict[str, int] = field(default_factory=dict)
    """Vendor calls made per API (``v1``, ``v3``)."""
    budget_left: dict[str, int | None] = field(default_factory=dict)
    """Calls left today per API (None: unlimited)."""

    def fail(self, label: str, error: VendorError, log: logging.Logger) -> None:
        message, retryable, error_type = failure_entry(label, error)
        self.failures.append((message, retryable))
        self.error_types.append(error_type)
        log.error("Raygun %s", message)

    def raise_failures(self, what: str, day: date, **metadata: int) -> None:
        if self.failures:
            raise dg.Failure(
                description=(
                    f"Raygun {what} for {day}: {len(self.failures)} failed ({len(self.figures)} sources landed): "
                    + " | ".join(message for message, _ in self.failures)
                ),
                metadata={
                    "sources_landed": len(self.figures),
                    "error_types": dg.MetadataValue.json(sorted(set(self.error_types))),
                    **metadata,
                },
                allow_retries=any(retryable for _, retryable in self.failures),
            )


def run_sources(
    raygun: RaygunResource,
    log: logging.Logger,
    *,
    v1: Callable[[RaygunClient, str], FiguresT],
    v3: Callable[[RaygunV3Client, str], FiguresT],
    v3_apps: Callable[[RaygunV3Client], list[str]] | None = None,
    v1_keeps_for_lists: bool = False,
) -> DayRun[FiguresT]:
    """``v1(client, application_id)`` when v1 is configured, then ``v3(client, app)`` per v3 application.

    ``v3_apps`` chooses the v3 applications (default: :func:`v3_applications`); ``v1_keeps_for_lists``:
    the v1 client leaves the calls of the session lists still to come today.
    """
    try:
        require_some_api(raygun)
    except RaygunNotConfiguredError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    run: DayRun[FiguresT] = DayRun()
    if v1_configured(raygun):
        label = source_label(V1, raygun.v1_application_id)
        with raygun.get_client(log, keep_for_lists=v1_keeps_for_lists) as client:
            try:
                run.figures[label] = v1(client, raygun.v1_application_id)
            except VendorError as exc:
                run.fail(label, exc, log)
            run.calls[V1] = client.calls_made
            run.budget_left[V1] = client.ledger.remaining() if client.ledger else None
    if v3_configured(raygun):
        with open_v3_client(raygun, log) as client:
            try:
                apps = v3_apps(client) if v3_apps is not None else v3_applications(raygun, client)
            except VendorError as exc:
                run.fail(f"{V3} applications", exc, log)
                apps = []
            for app in apps:
                label = source_label(V3, app)
                try:
                    run.figures[label] = v3(client, app)
                except VendorError as exc:
                    run.fail(f"{label} (application {app})", exc, log)
            run.calls[V3] = client.calls_made
            run.budget_left[V3] = client.ledger.remaining() if client.ledger else None
    return run
