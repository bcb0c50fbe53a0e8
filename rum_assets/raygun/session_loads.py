"""One day's session list of one Raygun source written to ``raygun.sessions`` (one transaction)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date

from rum_assets.orchestration.progress import Progress
from rum_assets.raygun.tables import SESSIONS, V1, V3, scope, session_row, v3_session_row
from rum_assets.raygun.v1.client import RaygunClient
from rum_assets.raygun.v3.client import RaygunV3Client
from rum_assets.raygun.v3.day_finder import find_day
from rum_assets.runtime.gc_tuning import fewer_collections
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.pii import PiiPolicy
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import StagedRows, replace_partition, staged_rows

"""A day's paging logs its progress this often (every log line is an event in the run's log)."""


@dataclass
class SessionFigures:
    source_api: str
    application_id: str
    rows: int
    expected_rows: int
    """What the vendor says the day holds: v1 ``totalSessions`` less those it listed outside the day;
    v3 the sessions the day finder found."""
    vendor_total: int
    listed: int
    outside_day: int
    staged: StagedRows
    calls: int = 0
    finder_calls: int | None = None
    finder_minimum_calls: int | None = None
    finder_order: str | None = None
    finder_reanchors: int | None = None


def load_v1_sessions(
    client: RaygunClient,
    application_id: str,
    day: date,
    warehouse: WarehouseResource,
    pii: PiiPolicy,
    run_id: str,
    log: logging.Logger,
    account: str = DEFAULT_ACCOUNT,
) -> SessionFigures:
    before = client.calls_made
    with fewer_collections(), staged_rows(SESSIONS, run_id) as staged:
        api_total = listed = outside_day = 0
        progress = Progress(log, f"Raygun v1 {day}", "sessions listed", calls_left=client.ledger.remaining if client.ledger else None)
        for page in client.iter_session_pages(day):
            if listed == 0:
                api_total = page.total_sessions
                progress.set_total(api_total)
            for session in page.sessions:
                listed += 1
                if session.session_start.astimezone(UTC).date() != day:
                    outside_day += 1
                    continue
                staged.add(session_row(session, day, pii, application_id))
            progress.advance(len(page.sessions))
        progress.finish()
        log.info("Raygun v1 %s: %d of %d sessions listed in %d calls", day, listed, api_total, client.calls_made - before)
        with warehouse.connection() as conn:
            written = replace_partition(conn, staged, day, scope(V1, application_id, account))[SESSIONS.qualified_name]
    if outside_day:
        log.warning("Raygun v1 %s: dropped %d listed sessions that started outside the day", day, outside_day)
    return SessionFigures(
        V1, application_id, written, api_total - outside_day, api_total, listed, outside_day, staged, calls=client.calls_made - before
    )


def load_v3_sessions(
    client: RaygunV3Client,
    app: str,
    day: date,
    warehouse: WarehouseResource,
    pii: PiiPolicy,
    run_id: str,
    log: logging.Logger,
    account: str = DEFAULT_ACCOUNT,
) -> SessionFigures:
    before = client.calls_made
    with fewer_collections(), staged_rows(SESSIONS, run_id) as staged:
        found = find_day(client, app, day)
        for session in found.sessions:
            staged.add(v3_session_row(session, app, day, pii))
        with warehouse.connection() as conn:
            written = replace_partition(conn, staged, day, scope(V3, app, account))[SESSIONS.qualified_name]
    stats = found.stats
    log.info(
        "Raygun v3 %s %s: %d sessions in %d list calls (at least %d pages needed; order %s, %d re-anchors)",
        app,
        day,
        stats.sessions,
        stats.calls,
        stats.minimum_pages,
        stats.order,
        stats.reanchors,
    )
    return SessionFigures(
        V3,
        app,
        written,
        stats.sessions,
        stats.sessions,
        stats.sessions,
        0,
        staged,
        calls=client.calls_made - before,
        finder_calls=stats.calls,
        finder_minimum_calls=stats.minimum_pages,
        finder_order=stats.order,
        finder_reanchors=stats.reanchors,
    )
