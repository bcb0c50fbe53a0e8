"""Raygun assets: the day's session list, and the details of those sessions within the call budget.

Both load every configured source: v1 (``RAYGUN_API_KEY`` and the consumer credentials) and each v3
application (``RAYGUN_PAT``), into one set of tables whose rows say where they came from
(``source_api``, ``application_id``); see :mod:`rum_assets.raygun.tables`.
"""

from typing import Any

import dagster as dg

from rum_assets.orchestration.conventions import daily_asset_kwargs, table_metadata
from rum_assets.orchestration.partitions import partition_day
from rum_assets.orchestration.quality import (
    ROW_COUNT_MATCHES_VENDOR,
    actual_table_schema,
    previous_column_schema,
    standard_check_results,
    standard_check_specs,
)
from rum_assets.orchestration.retries import without_retry_on_contract_errors
from rum_assets.raygun import names
from rum_assets.raygun.detail_loads import DetailFigures, load_v1_details, load_v3_details, v3_apps_with_sessions
from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.session_loads import SessionFigures, load_v1_sessions, load_v3_sessions
from rum_assets.raygun.sources import DayRun, prepare_tables, run_sources
from rum_assets.raygun.tables import SESSION_DETAILS, SESSIONS, V1, V3
from rum_assets.raygun.v1.client import RaygunClient
from rum_assets.raygun.v1.list_reservations import PLAN_TAG
from rum_assets.raygun.v3.access import configured_application_ids, v1_configured
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import count_partition, preview_markdown, scalar

SESSIONS_KEY = names.SESSIONS
DETAILS_KEY = names.SESSION_DETAILS
DETAIL_COVERAGE = "detail_coverage_above_floor"
DAILY_ASSET = daily_asset_kwargs(names.VENDOR_GROUP)


def _budget_metadata(raygun: RaygunResource, run: DayRun[Any]) -> dict[str, Any]:
    """Calls used by both APIs; the budget figures of v1 when it is configured, else of v3."""
    main = V1 if v1_configured(raygun) else V3
    left = run.budget_left.get(main)
    limit = raygun.daily_call_limit if main == V1 else raygun.v3_daily_call_limit
    metadata: dict[str, Any] = {
        names.API_CALLS_USED: sum(run.calls.values()),
        names.API_BUDGET_LEFT: left if left is not None else "unlimited",
        names.DAILY_CALL_LIMIT: limit or "unlimited",
    }
    if V1 in run.calls:
        metadata[names.V1_CALLS_USED] = run.calls[V1]
    if V3 in run.calls:
        metadata[names.V3_CALLS_USED] = run.calls[V3]
        v3_left = run.budget_left.get(V3)
        metadata[names.V3_BUDGET_LEFT] = v3_left if v3_left is not None else "unlimited"
    return metadata


def _source_summary(figures: SessionFigures) -> dict[str, Any]:
    summary: dict[str, Any] = {"rows": figures.rows, "vendor_rows": figures.expected_rows, "calls": figures.calls}
    if figures.finder_calls is not None:
        summary |= {
            "day_finder_calls": figures.finder_calls,
            "day_finder_minimum_calls": figures.finder_minimum_calls,
            "order": figures.finder_order,
            "reanchors": figures.finder_reanchors,
        }
    return summary


@dg.asset(
    key=SESSIONS_KEY,
    **DAILY_ASSET,
    description=(
        "Every Raygun RUM session that started on the partition's UTC day, from v1 (paged sessions search) "
        "and/or every v3 application (the session list searched for the day), whichever is configured. One "
        "row per session in `raygun.sessions`, tagged `source_api` and `application_id`; user e-mail, names, "
        "customer, IP and URL queries hashed by default. Each source's day is replaced atomically; a source "
        "that fails fails the run naming it while the others land."
    ),
    metadata=table_metadata(SESSIONS),
    check_specs=[
        *standard_check_specs(SESSIONS_KEY, SESSIONS),
        dg.AssetCheckSpec(
            ROW_COUNT_MATCHES_VENDOR,
            asset=SESSIONS_KEY,
            description=(
                "Warns when the rows written for the day differ from what the vendor reported: v1's `totalSessions` "
                "(less sessions listed that started outside the day), v3's sessions found by the day search."
            ),
        ),
    ],
)
@without_retry_on_contract_errors
def raygun_sessions(context: dg.AssetExecutionContext, raygun: RaygunResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    day = partition_day(context)
    pii, run_id = raygun.pii_policy(), context.run.run_id
    prepare_tables(warehouse, raygun, context.log)
    previous_schema = previous_column_schema(context)
    plan_owner = context.run.tags.get(PLAN_TAG)

    def list_v1(client: RaygunClient, application_id: str) -> SessionFigures:
        """The day's v1 list; then that list is no longer to come (see rum_assets.raygun.v1.list_reservations)."""
        reservations = raygun.list_reservations()
        try:
            figures = load_v1_sessions(client, application_id, day, warehouse, pii, run_id, context.log, raygun.account)
            reservations.landed(day, figures.vendor_total)
            return figures
        finally:
            if plan_owner:
                reservations.release(plan_owner, day)

    run = run_sources(
        raygun,
        context.log,
        v1=list_v1,
        v3=lambda client, app: load_v3_sessions(client, app, day, warehouse, pii, run_id, context.log, raygun.account),
    )
    run.raise_failures("sessions", day, **{names.API_CALLS_USED: sum(run.calls.values())})
    landed = list(run.figures.values())
    mine = {"account": raygun.account}
    with warehouse.connection() as conn:
        written = count_partition(conn, SESSIONS, day, mine)
        active = scalar(
            conn,
            f"SELECT count(*) FROM {SESSIONS.qualified_name} WHERE partition_date = ? AND account = ? AND status = 'active'",
            [day, raygun.account],
        )
        schema = actual_table_schema(conn, SESSIONS)
        checks = standard_check_results(conn, SESSIONS, day, schema, previous_schema, mine, staged=[f.staged for f in landed])
        preview = preview_markdown(
            conn,
            SESSIONS,
            day,
            mine,
            columns=["source_api", "application_id", "session_id", "session_start", "status", "browser_name", "os_name", "country"],
        )
    expected = sum(f.expected_rows for f in landed)
    rows_written = sum(f.rows for f in landed)
    context.log.info(
        "Raygun %s: wrote %d sessions to %s (%s)",
        day,
        rows_written,
        SESSIONS.qualified_name,
        ", ".join(f"{k}: {f.rows}" for k, f in run.figures.items()),
    )
    checks.append(
        dg.AssetCheckResult(
            check_name=ROW_COUNT_MATCHES_VENDOR,
            passed=rows_written == expected,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "partition": day.isoformat(),
                "rows_written": rows_written,
                "vendor_total": sum(f.vendor_total for f in landed),
                "outside_day": sum(f.outside_day for f in landed),
                "by_source": dg.MetadataValue.json({k: {"rows": f.rows, "vendor_rows": f.expected_rows} for k, f in run.figures.items()}),
            },
        )
    )
    v3_landed = [f for f in landed if f.source_api == V3]
    v3_metadata: dict[str, Any] = {}
    if v3_landed:
        v3_metadata = {
            names.V3_DAY_FINDER_CALLS: sum(f.finder_calls or 0 for f in v3_landed),
            names.V3_DAY_FINDER_MIN_CALLS: sum(f.finder_minimum_calls or 0 for f in v3_landed),
        }
    return dg.MaterializeResult(
        check_results=checks,
        metadata={
            "dagster/row_count": written,
            "dagster/column_schema": schema,
            names.API_TOTAL_SESSIONS: sum(f.vendor_total for f in landed),
            names.ACTIVE_SESSIONS: int(active),
            names.SESSIONS_LISTED: sum(f.listed for f in landed),
            names.DUPLICATES_DROPPED: sum(f.staged.repeated_key_rows for f in landed),
            names.OUTSIDE_DAY_DROPPED: sum(f.outside_day for f in landed),
            names.ROWS_BY_SOURCE: dg.MetadataValue.json({k: _source_summary(f) for k, f in run.figures.items()}),
            **v3_metadata,
            **_budget_metadata(raygun, run),
            "preview": dg.MetadataValue.md(preview),
        },
    )


class SessionDetailsConfig(dg.Config):
    refetch: bool = False
    """Fetch details again even for sessions whose final (ended) details are already stored."""
    max_details: int | None = None
    """Fetch at most this many details per source in this run (default: as many as the call budget allows)."""


@dg.asset(
    key=DETAILS_KEY,
    deps=[raygun_sessions],
    **DAILY_ASSET,
    description=(
        "Full detail of the day's sessions, one API call per session, so only as many as the daily call "
        "budget leaves (v1: after the session lists still to come today, on any node): ended sessions first, "
        "never-fetched first; per source (v1, and each v3 application "
        "whose sessions are held). v1 adds satisfaction and the IP lookup, v3 page and error identifiers. "
        "Writes `raygun.session_details`, `raygun.page_views` and `raygun.session_errors`; a re-run adds to "
        "what is held and does not fetch final details again."
    ),
    metadata=table_metadata(SESSION_DETAILS),
    check_specs=[
        *standard_check_specs(DETAILS_KEY, SESSION_DETAILS),
        dg.AssetCheckSpec(
            DETAIL_COVERAGE,
            asset=DETAILS_KEY,
            description=(
                "Warns when the share of the day's sessions that have their detail is below the floor "
                "(`RAYGUN_DETAIL_COVERAGE_FLOOR`). Low coverage is expected on v1's default 50-call budget; "
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
    pii, run_id = raygun.pii_policy(), context.run.run_id
    prepare_tables(warehouse, raygun, context.log)
    previous_schema = previous_column_schema(context)
    common: dict[str, Any] = {
        "day": day,
        "warehouse": warehouse,
        "pii": pii,
        "refetch": config.refetch,
        "limit": config.max_details,
        "run_id": run_id,
        "log": context.log,
        "account": raygun.account,
    }

    def details_v1(client: RaygunClient, application_id: str) -> DetailFigures:
        with raygun.one_details_batch(day, context.log):
            return load_v1_details(client, application_id, max_in_flight=raygun.v1_details_in_flight, **common)

    run = run_sources(
        raygun,
        context.log,
        v1=details_v1,
        v3=lambda client, app: load_v3_details(
            client, app, max_in_flight=raygun.v3_details_in_flight, reserved_calls=raygun.reserved_list_calls, **common
        ),
        v3_apps=v3_apps_with_sessions(warehouse, day, configured_application_ids(raygun), raygun.account),
        v1_keeps_for_lists=True,
    )
    landed = list(run.figures.values())
    fetched = sum(f.fetched for f in landed)
    broken = [(f"{key}: {message}", retryable) for key, f in run.figures.items() for message, retryable in f.broken]
    if broken:
        run.failures.append(
            (
                f"{len(broken)} session details could not be read ({fetched} others were stored): " + "; ".join(m for m, _ in broken[:5]),
                any(retryable for _, retryable in broken),
            )
        )
    if run.failures:
        run.raise_failures("session details", day, **{names.DETAILS_FETCHED: fetched, names.DETAILS_FAILED: len(broken)})
    mine = {"account": raygun.account}
    with warehouse.connection() as conn:
        held = count_partition(conn, SESSION_DETAILS, day, mine)
        listed_sessions = count_partition(conn, SESSIONS, day, mine)
        schema = actual_table_schema(conn, SESSION_DETAILS)
        checks = standard_check_results(
            conn, SESSION_DETAILS, day, schema, previous_schema, mine, staged=[f.staged for f in landed if f.staged]
        )
        preview = preview_markdown(
            conn,
            SESSION_DETAILS,
            day,
            mine,
            columns=["source_api", "application_id", "session_id", "status", "satisfaction_rating", "page_view_count", "error_count"],
        )
    coverage = held / listed_sessions if listed_sessions else 1.0
    context.log.info("Raygun %s: %d details fetched, %d held of %d sessions (%.0f%%)", day, fetched, held, listed_sessions, coverage * 100)
    checks.append(
        dg.AssetCheckResult(
            check_name=DETAIL_COVERAGE,
            passed=coverage >= raygun.detail_coverage_floor,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "partition": day.isoformat(),
                "coverage": round(coverage, 4),
                "floor": raygun.detail_coverage_floor,
                "details_held": held,
            },
        )
    )
    return dg.MaterializeResult(
        check_results=checks,
        metadata={
            "dagster/row_count": held,
            "dagster/column_schema": schema,
            names.DETAILS_FETCHED: fetched,
            names.DETAILS_PENDING: sum(f.pending for f in landed),
            names.SESSIONS_IN_DAY: listed_sessions,
            names.DETAIL_COVERAGE: dg.MetadataValue.float(round(coverage, 4)),
            names.UNKNOWN_SESSIONS: sum(f.unknown for f in landed),
            names.STOPPED_BY_BUDGET: any(f.stopped_by_budget for f in landed),
            names.CALLS_KEPT_FOR_LISTS: sum(f.kept_for_lists for f in landed),
            names.ROWS_BY_SOURCE: dg.MetadataValue.json(
                {
                    k: {
                        "fetched": f.fetched,
                        "pending": f.pending,
                        "unknown": f.unknown,
                        "allowed": f.allowed,
                        "kept_for_lists": f.kept_for_lists,
                    }
                    for k, f in run.figures.items()
                }
            ),
            **_budget_metadata(raygun, run),
            "preview": dg.MetadataValue.md(preview),
        },
    )
