"""Raygun assets: the day's session list, and the details of those sessions within the call budget."""

from datetime import UTC, datetime

import dagster as dg

from rum_assets.errors import CallBudgetExhaustedError, NotFoundError, PayloadError, RateLimitedError, VendorHTTPError
from rum_assets.conventions import daily_asset_kwargs, table_metadata
from rum_assets.partitions import partition_day
from rum_assets.quality import (
    ROW_COUNT_MATCHES_VENDOR,
    actual_table_schema,
    previous_column_schema,
    standard_check_results,
    standard_check_specs,
)
from rum_assets.raygun import names
from rum_assets.raygun.client import RaygunClient
from rum_assets.raygun.resource import RaygunResource
from rum_assets.retries import any_retryable, without_retry_on_contract_errors
from rum_assets.raygun.tables import DETAIL_TABLES, PAGE_VIEWS, SESSION_DETAILS, SESSION_ERRORS, SESSIONS, detail_rows, session_row
from rum_assets.warehouse import count_partition, ensure_table, preview_markdown, replace_partition, staged_rows
from rum_assets.warehouse_resource import WarehouseResource

SESSIONS_KEY = names.SESSIONS
DETAILS_KEY = names.SESSION_DETAILS
DETAIL_COVERAGE = "detail_coverage_above_floor"
DAILY_ASSET = daily_asset_kwargs(names.VENDOR_GROUP)


def _budget_metadata(raygun: RaygunResource, client: RaygunClient) -> dict[str, dg.MetadataValue | int | str]:
    remaining = client.ledger.remaining() if client.ledger else None
    return {
        names.API_CALLS_USED: client.calls_made,
        names.API_BUDGET_LEFT: remaining if remaining is not None else "unlimited",
        names.DAILY_CALL_LIMIT: raygun.daily_call_limit or "unlimited",
    }


@dg.asset(
    key=SESSIONS_KEY,
    **DAILY_ASSET,
    description=(
        "Every Raygun RUM session that started on the partition's UTC day, from the paged sessions "
        "search (500 per page). One row per session in `raygun.sessions`, nested user, browser, OS and "
        "location flattened to columns; user email, names and IP hashed by default. A re-run replaces "
        "the day atomically."
    ),
    metadata=table_metadata(SESSIONS),
    check_specs=[
        *standard_check_specs(SESSIONS_KEY, SESSIONS),
        dg.AssetCheckSpec(
            ROW_COUNT_MATCHES_VENDOR,
            asset=SESSIONS_KEY,
            description=(
                "Warns when the rows written for the day differ from Raygun's own `totalSessions` (less the "
                "sessions it listed that started outside the day): sessions lost or repeated while paging."
            ),
        ),
    ],
)
@without_retry_on_contract_errors
def raygun_sessions(
    context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    day = partition_day(context)
    pii = raygun.pii_policy()
    with staged_rows(SESSIONS, context.run.run_id) as staged:
        api_total = 0
        listed = outside_day = 0
        with raygun.get_client(context.log) as client:
            for page in client.iter_session_pages(day):
                api_total = page.total_sessions if listed == 0 else api_total
                for session in page.sessions:
                    listed += 1
                    if session.session_start.astimezone(UTC).date() != day:
                        outside_day += 1
                        continue
                    staged.add(session_row(session, day, pii))
                context.log.info("Raygun %s: %d of %d sessions listed", day, listed, api_total)
            budget = _budget_metadata(raygun, client)
        previous_schema = previous_column_schema(context)
        with warehouse.connection() as conn:
            written = replace_partition(conn, staged, day)[SESSIONS.qualified_name]
            active = conn.execute(
                f"SELECT count(*) FROM {SESSIONS.qualified_name} WHERE partition_date = ? AND status = 'active'", [day]
            ).fetchone()[0]  # type: ignore[index]
            schema = actual_table_schema(conn, SESSIONS)
            checks = standard_check_results(conn, SESSIONS, day, schema, previous_schema, staged=[staged])
            preview = preview_markdown(
                conn, SESSIONS, day, columns=["session_id", "session_start", "status", "browser_name", "os_name", "country", "page_view_count"]
            )
    if outside_day:
        context.log.warning("Raygun %s: dropped %d listed sessions that started outside the day", day, outside_day)
    context.log.info("Raygun %s: wrote %d sessions to %s", day, written, SESSIONS.qualified_name)
    expected = api_total - outside_day
    checks.append(
        dg.AssetCheckResult(
            check_name=ROW_COUNT_MATCHES_VENDOR,
            passed=written == expected,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"partition": day.isoformat(), "rows_written": written, "vendor_total": api_total, "outside_day": outside_day},
        )
    )
    return dg.MaterializeResult(
        check_results=checks,
        metadata={
            "dagster/row_count": written,
            "dagster/column_schema": schema,
            names.API_TOTAL_SESSIONS: api_total,
            names.ACTIVE_SESSIONS: int(active),
            names.SESSIONS_LISTED: listed,
            names.DUPLICATES_DROPPED: staged.repeated_key_rows,
            names.OUTSIDE_DAY_DROPPED: outside_day,
            **budget,
            "preview": dg.MetadataValue.md(preview),
        }
    )


class SessionDetailsConfig(dg.Config):
    refetch: bool = False
    """Fetch details again even for sessions whose final (ended) details are already stored."""
    max_details: int | None = None
    """Fetch at most this many details in this run (default: as many as the call budget allows)."""


_CANDIDATES_SQL = f"""
SELECT s.session_id
FROM {SESSIONS.qualified_name} s
LEFT JOIN {SESSION_DETAILS.qualified_name} d
  ON d.session_id = s.session_id AND d.partition_date = s.partition_date
WHERE s.partition_date = ?
  AND (? OR d.session_id IS NULL OR (d.status IS DISTINCT FROM 'ended' AND s.status IS DISTINCT FROM 'active'))
ORDER BY (s.status = 'active') NULLS LAST, (d.session_id IS NOT NULL), s.session_start, s.session_id
"""
"""Sessions that still need details, in priority order.

1. ended sessions never fetched; 2. ended sessions whose stored detail was taken while they were
still active; 3. active sessions never fetched (their detail will be fetched again once they end).
A stored final detail is not fetched again unless ``refetch`` is set.
"""


def _detail_budget(raygun: RaygunResource, client: RaygunClient, wanted: int) -> int:
    remaining = client.ledger.remaining() if client.ledger else None
    if remaining is None:
        return wanted
    # One call may go to authenticating; the reserve keeps later session lists possible.
    return max(0, min(wanted, remaining - raygun.reserved_list_calls - 1))


@dg.asset(
    key=DETAILS_KEY,
    deps=[raygun_sessions],
    **DAILY_ASSET,
    description=(
        "Full detail of the day's sessions (satisfaction, IP geo lookup, page views, errors), one API "
        "call per session, so only as many as the daily call budget leaves: ended sessions first, "
        "never-fetched first. Writes `raygun.session_details`, `raygun.page_views` and "
        "`raygun.session_errors`; a re-run adds to what is held and does not fetch final details again."
    ),
    metadata=table_metadata(SESSION_DETAILS),
    check_specs=[
        *standard_check_specs(DETAILS_KEY, SESSION_DETAILS),
        dg.AssetCheckSpec(
            DETAIL_COVERAGE,
            asset=DETAILS_KEY,
            description=(
                "Warns when the share of the day's sessions that have their detail is below the floor "
                "(`RAYGUN_DETAIL_COVERAGE_FLOOR`). Low coverage is expected on the default 50-call budget; "
                "the backfill sensor raises it as budget frees up."
            ),
        ),
    ],
)
@without_retry_on_contract_errors
def raygun_session_details(
    context: dg.AssetExecutionContext,
    config: SessionDetailsConfig,
    raygun: RaygunResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult:
    day = partition_day(context)
    with warehouse.connection() as conn:
        for table in (SESSIONS, *DETAIL_TABLES):
            ensure_table(conn, table)
        listed_sessions = count_partition(conn, SESSIONS, day)
        candidates = [row[0] for row in conn.execute(_CANDIDATES_SQL, [day, config.refetch]).fetchall()]
    if config.max_details is not None:
        candidates = candidates[: config.max_details]

    fetched, unknown, broken = 0, [], []
    stopped_by_budget = False
    with (
        staged_rows(SESSION_DETAILS, context.run.run_id) as details,
        staged_rows(PAGE_VIEWS, context.run.run_id) as page_views,
        staged_rows(SESSION_ERRORS, context.run.run_id) as errors,
    ):
        with raygun.get_client(context.log) as client:
            allowed = _detail_budget(raygun, client, len(candidates))
            if allowed < len(candidates):
                context.log.info(
                    "Raygun %s: %d sessions need details; the call budget allows %d today", day, len(candidates), allowed
                )
            for session_id in candidates[:allowed]:
                try:
                    detail = client.get_session(session_id, day)
                except NotFoundError:
                    unknown.append(session_id)
                    continue
                except (CallBudgetExhaustedError, RateLimitedError) as exc:
                    context.log.warning("Raygun %s: stopping detail fetches: %s", day, exc)
                    stopped_by_budget = True
                    break
                except (PayloadError, VendorHTTPError) as exc:
                    broken.append(exc)
                    continue
                detail_row, view_rows, error_rows = detail_rows(detail, day, datetime.now(UTC), raygun.pii_policy())
                details.add(detail_row)
                page_views.add_all(view_rows)
                errors.add_all(error_rows)
                fetched += 1
                if fetched % 100 == 0:
                    context.log.info("Raygun %s: %d of %d details fetched", day, fetched, allowed)
            budget = _budget_metadata(raygun, client)
        previous_schema = previous_column_schema(context)
        with warehouse.connection() as conn:
            replace_partition(conn, [details, page_views, errors], day, only_keys_in=("session_id", details))
            held = count_partition(conn, SESSION_DETAILS, day)
            schema = actual_table_schema(conn, SESSION_DETAILS)
            checks = standard_check_results(conn, SESSION_DETAILS, day, schema, previous_schema, staged=[details])
            preview = preview_markdown(
                conn, SESSION_DETAILS, day, columns=["session_id", "status", "satisfaction_rating", "ip_city", "page_view_count", "error_count"]
            )
    if broken:
        raise dg.Failure(
            description=(
                f"Raygun {day}: {len(broken)} session details could not be read ({fetched} others were stored): "
                + "; ".join(str(error) for error in broken[:5])
            ),
            allow_retries=any_retryable(broken),
            metadata={names.DETAILS_FETCHED: fetched, names.DETAILS_FAILED: len(broken)},
        )
    coverage = held / listed_sessions if listed_sessions else 1.0
    context.log.info("Raygun %s: %d details fetched, %d held of %d sessions (%.0f%%)", day, fetched, held, listed_sessions, coverage * 100)
    checks.append(
        dg.AssetCheckResult(
            check_name=DETAIL_COVERAGE,
            passed=coverage >= raygun.detail_coverage_floor,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"partition": day.isoformat(), "coverage": round(coverage, 4), "floor": raygun.detail_coverage_floor, "details_held": held},
        )
    )
    return dg.MaterializeResult(
        check_results=checks,
        metadata={
            "dagster/row_count": held,
            "dagster/column_schema": schema,
            names.DETAILS_FETCHED: fetched,
            names.DETAILS_PENDING: len(candidates) - fetched - len(unknown),
            names.SESSIONS_IN_DAY: listed_sessions,
            names.DETAIL_COVERAGE: dg.MetadataValue.float(round(coverage, 4)),
            names.UNKNOWN_SESSIONS: len(unknown),
            names.STOPPED_BY_BUDGET: stopped_by_budget,
            **budget,
            "preview": dg.MetadataValue.md(preview),
        }
    )

