"""Session details of one Raygun source for one day, within the call budget (one transaction).

Both APIs fetch in the same priority order (:data:`CANDIDATES_SQL`) and write the same three tables,
adding to what earlier runs fetched. Both fetch a bounded number concurrently (v3 also paced to the
vendor's 10 calls a second) with :func:`fetch_concurrently`: results are written in the priority
order whatever order they arrive in, each call is still reserved in the ledger before it is made, and
only the ids the budget allows are ever started. A spent budget (429 or ledger) stops the batch at
once and keeps what was fetched; one unknown or unreadable id is reported and the rest go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from rum_assets.orchestration.progress import Progress
from rum_assets.orchestration.retries import is_retryable
from rum_assets.raygun.concurrent_details import fetch_concurrently
from rum_assets.raygun.tables import PAGE_VIEWS, SESSION_DETAILS, SESSION_ERRORS, SESSIONS, V1, V3, detail_rows, scope, v3_detail_rows
from rum_assets.raygun.v1.client import RaygunClient
from rum_assets.raygun.v3.client import RaygunV3Client
from rum_assets.transport.errors import AuthenticationError, NotFoundError, RateLimitedError, VendorError
from rum_assets.warehouse.accounts import DEFAULT_ACCOUNT
from rum_assets.warehouse.pii import PiiPolicy
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import StagedRows, replace_partition, staged_rows

CANDIDATES_SQL = f"""
SELECT s.session_id
FROM {SESSIONS.qualified_name} s
LEFT JOIN {SESSION_DETAILS.qualified_name} d
  ON d.session_id = s.session_id AND d.partition_date = s.partition_date
 AND d.account = s.account AND d.source_api = s.source_api AND d.application_id = s.application_id
WHERE s.partition_date = ? AND s.account = ? AND s.source_api = ? AND s.application_id = ?
  AND (? OR d.session_id IS NULL OR (d.status IS DISTINCT FROM 'ended' AND s.status IS DISTINCT FROM 'active'))
ORDER BY (s.status = 'active') NULLS LAST, (d.session_id IS NOT NULL), s.session_start, s.session_id
"""
"""One source's sessions that still need details, in priority order.

1. ended sessions never fetched; 2. ended sessions whose stored detail was taken while they were
still active; 3. active sessions never fetched (their detail will be fetched again once they end).
A stored final detail is not fetched again unless ``refetch`` is set.
"""

Rows = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]


@dataclass
class DetailFigures:
    source_api: str
    application_id: str
    candidates: int
    allowed: int
    fetched: int = 0
    unknown: int = 0
    broken: list[tuple[str, bool]] = field(default_factory=list)
    """(message, retryable) per detail that could not be read."""
    stopped_by_budget: bool = False
    staged: StagedRows | None = None
    kept_for_lists: int = 0
    """Calls left unspent, when the batch started, for the session lists still to come (v1)."""
    account: str = DEFAULT_ACCOUNT

    @property
    def pending(self) -> int:
        return self.candidates - self.fetched - self.unknown


def candidates(
    warehouse: WarehouseResource,
    day: date,
    source_api: str,
    application_id: str,
    refetch: bool,
    limit: int | None,
    account: str = DEFAULT_ACCOUNT,
) -> list[str]:
    with warehouse.connection() as conn:
        ids = [row[0] for row in conn.execute(CANDIDATES_SQL, [day, account, source_api, application_id, refetch]).fetchall()]
    return ids if limit is None else ids[:limit]


def allowed_calls(remaining: int | None, wanted: int, reserved: int) -> int:
    """Details the budget allows: what is left less the calls kept for session lists."""
    if remaining is None:
        return wanted
    return max(0, min(wanted, remaining - reserved))


def _write(
    figures: DetailFigures,
    outcomes: Iterator[tuple[str, Rows | None, VendorError | None]],
    warehouse: WarehouseResource,
    day: date,
    run_id: str,
    log: logging.Logger,
    calls_left: Callable[[], int | None] | None,
) -> DetailFigures:
    label = f"{figures.source_api}/{figures.application_id}"
    progress = Progress(log, f"Raygun {label} {day}", "details fetched", figures.allowed, calls_left=calls_left)
    with ExitStack() as stack:
        details, page_views, errors = (
            stack.enter_context(staged_rows(table, run_id)) for table in (SESSION_DETAILS, PAGE_VIEWS, SESSION_ERRORS)
        )
        try:
            for _, rows, error in outcomes:
                if isinstance(error, NotFoundError):
                    figures.unknown += 1
                elif error is not None:
                    figures.broken.append((str(error), is_retryable(error)))
                elif rows is not None:
                    details.add(rows[0])
                    page_views.add_all(rows[1])
                    errors.add_all(rows[2])
                    figures.fetched += 1
                progress.advance()
        except RateLimitedError as exc:
            log.warning("Raygun %s %s: stopping detail fetches: %s", label, day, exc)
            figures.stopped_by_budget = True
        progress.finish()
        with warehouse.connection() as conn:
            replace_partition(
                conn,
                [details, page_views, errors],
                day,
                scope(figures.source_api, figures.application_id, figures.account),
                only_keys_in=("session_id", details),
            )
        figures.staged = details
    return figures


def load_v1_details(
    client: RaygunClient,
    application_id: str,
    day: date,
    warehouse: WarehouseResource,
    pii: PiiPolicy,
    *,
    refetch: bool,
    limit: int | None,
    run_id: str,
    log: logging.Logger,
    max_in_flight: int = 8,
    account: str = DEFAULT_ACCOUNT,
) -> DetailFigures:
    """``max_in_flight`` requests at once share the client (its session key is renewed once for all).

    The batch is sized to what the budget leaves after the client's ``calls_to_leave`` (the session
    lists still to come) and an authentication if no fresh key is at hand; the client enforces the
    same bound call by call. Refused credentials stop the batch and fail the source, as every further
    id would fail alike.
    """
    wanted = candidates(warehouse, day, V1, application_id, refetch, limit, account)
    kept = client.calls_to_leave() if client.calls_to_leave else 0
    remaining = client.ledger.remaining() if client.ledger else None
    if remaining is not None and client.needs_authentication():
        remaining -= 1
    allowed = allowed_calls(remaining, len(wanted), kept)
    if allowed < len(wanted):
        log.info(
            "Raygun v1 %s: %d sessions need details; the call budget allows %d today (%d calls kept for session lists still to come)",
            day,
            len(wanted),
            allowed,
            kept,
        )

    def outcomes() -> Iterator[tuple[str, Rows | None, VendorError | None]]:
        fetched = fetch_concurrently(
            lambda session_id: client.get_session(int(session_id), day),
            wanted[:allowed],
            max_in_flight=max_in_flight,
            stop_on=(AuthenticationError,),
            thread_name_prefix="raygun-v1-details",
        )
        for outcome in fetched:
            if outcome.detail is None:
                yield outcome.session_id, None, outcome.error
            else:
                yield outcome.session_id, detail_rows(outcome.detail, day, datetime.now(UTC), pii, application_id), None

    figures = DetailFigures(V1, application_id, len(wanted), allowed, kept_for_lists=kept, account=account)
    return _write(figures, outcomes(), warehouse, day, run_id, log, client.ledger.remaining if client.ledger else None)


def load_v3_details(
    client: RaygunV3Client,
    app: str,
    day: date,
    warehouse: WarehouseResource,
    pii: PiiPolicy,
    *,
    refetch: bool,
    limit: int | None,
    reserved_calls: int,
    max_in_flight: int,
    run_id: str,
    log: logging.Logger,
    account: str = DEFAULT_ACCOUNT,
) -> DetailFigures:
    wanted = candidates(warehouse, day, V3, app, refetch, limit, account)
    remaining = client.ledger.remaining() if client.ledger else None
    allowed = allowed_calls(remaining, len(wanted), reserved_calls)
    if allowed < len(wanted):
        log.info("Raygun v3 %s %s: %d sessions need details; the call budget allows %d today", app, day, len(wanted), allowed)

    def outcomes() -> Iterator[tuple[str, Rows | None, VendorError | None]]:
        for outcome in client.fetch_session_details(app, wanted[:allowed], max_in_flight=max_in_flight, day=day):
            if outcome.detail is None:
                yield outcome.session_id, None, outcome.error
            else:
                yield outcome.session_id, v3_detail_rows(outcome.detail, app, day, datetime.now(UTC), pii), None

    figures = DetailFigures(V3, app, len(wanted), allowed, account=account)
    return _write(figures, outcomes(), warehouse, day, run_id, log, client.ledger.remaining if client.ledger else None)


def sources_with_sessions(warehouse: WarehouseResource, day: date, account: str = DEFAULT_ACCOUNT) -> list[tuple[str, str]]:
    """(source_api, application_id) of the account's stored sessions of the day."""
    with warehouse.connection() as conn:
        rows = conn.execute(
            f"SELECT DISTINCT source_api, application_id FROM {SESSIONS.qualified_name} WHERE partition_date = ? AND account = ? "
            "ORDER BY 1, 2",
            [day, account],
        ).fetchall()
    return [(str(a), str(b)) for a, b in rows]


def v3_apps_with_sessions(
    warehouse: WarehouseResource, day: date, chosen: Iterable[str], account: str = DEFAULT_ACCOUNT
) -> Callable[[RaygunV3Client], list[str]]:
    """The v3 applications whose sessions of the day are stored, limited to ``chosen`` when given."""
    wanted = list(chosen)

    def apps(_: RaygunV3Client) -> list[str]:
        held = [app for source, app in sources_with_sessions(warehouse, day, account) if source == V3]
        return [app for app in held if not wanted or app in wanted]

    return apps
