"""One line per KPI mart for a day, as the demo closes with: what each mart answers, in its own numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rum_assets.warehouse.marts import existing_tables, fetch_rows
from rum_assets.warehouse.tables import Connection


def _number(value: Any, unit: str = "", digits: int = 0) -> str:
    return "n/a" if value is None else f"{float(value):,.{digits}f}{unit}"


def _page_performance(conn: Connection, day: date) -> str:
    rows = fetch_rows(
        conn,
        "SELECT sum(page_views) FILTER (WHERE page_scope = 'page'), max(load_time_p75_ms) FILTER (WHERE page_scope = 'application'), "
        "max(lcp_p75_ms), max(inp_p75_ms), max(cls_p75) FROM raygun.page_performance_daily WHERE partition_date = ?",
        [day],
    )
    views, load, lcp, inp, cls = rows[0]
    return (
        f"{_number(views)} page views; worst application p75: load {_number(load, ' ms')}, LCP {_number(lcp, ' ms')}, "
        f"INP {_number(inp, ' ms')}, CLS {_number(cls, '', 3)}"
    )


def _sessions(conn: Connection, day: date) -> str:
    rows = fetch_rows(
        conn,
        "SELECT sum(sessions), sum(users), CAST(sum(bounced_sessions) AS DOUBLE PRECISION) / NULLIF(sum(sessions_with_page_count), 0) "
        "FROM raygun.sessions_daily WHERE partition_date = ? AND dimension = 'all'",
        [day],
    )
    sessions, users, bounce = rows[0]
    share = "n/a" if bounce is None else f"{100 * bounce:.0f} %"
    return f"{_number(sessions)} sessions, {_number(users)} users, bounce {share}"


def _errors(conn: Connection, day: date) -> str:
    total = fetch_rows(
        conn, "SELECT sum(occurrences), count(DISTINCT error_group) FROM raygun.errors_daily WHERE partition_date = ?", [day]
    )
    top = fetch_rows(
        conn,
        "SELECT error_message, occurrences, deployment_version FROM raygun.errors_daily WHERE partition_date = ? "
        "ORDER BY occurrences DESC, error_group LIMIT 1",
        [day],
    )
    line = f"{_number(total[0][0])} errors in {_number(total[0][1])} groups"
    if top:
        message, count, version = top[0]
        line += f"; most: {_shortened(str(message or '?'), 50)} ({count} times{f', after {version}' if version else ''})"
    return line


def _shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis saying it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _usage(conn: Connection, day: date) -> str:
    rows = fetch_rows(
        conn,
        "SELECT sum(active_users), sum(monthly_active_users), "
        "CAST(sum(active_users) AS DOUBLE PRECISION) / NULLIF(sum(monthly_active_users), 0), sum(new_users) "
        "FROM revenera.usage_daily WHERE partition_date = ? AND prod_version = '(all)'",
        [day],
    )
    dau, mau, stickiness, new = rows[0]
    return f"DAU {_number(dau)}, MAU {_number(mau)}, stickiness {_number(stickiness, '', 2)}, new users {_number(new)}"


def _top_events(conn: Connection, day: date) -> str:
    top = fetch_rows(
        conn,
        "SELECT event_category, event_name, event_count, share_of_events FROM revenera.top_events_daily "
        "WHERE partition_date = ? AND NOT coalesce(is_combination, FALSE) ORDER BY event_count DESC, product_id, event_rank LIMIT 1",
        [day],
    )
    if not top:
        return "no events"
    category, name, count, share = top[0]
    return f"most used: {category}/{name} ({count} times, {_number(None if share is None else 100 * share, ' %', 1)} of the events)"


SUMMARIES: dict[str, Callable[[Connection, date], str]] = {
    "raygun.page_performance_daily": _page_performance,
    "raygun.sessions_daily": _sessions,
    "raygun.errors_daily": _errors,
    "revenera.usage_daily": _usage,
    "revenera.top_events_daily": _top_events,
}


def mart_summary_lines(conn: Connection, day: date) -> list[str]:
    """``table  day: numbers`` for every mart the warehouse holds."""
    present = existing_tables(conn, SUMMARIES)
    width = max(len(name) for name in SUMMARIES) + 2
    return [f"{name.ljust(width)}{day.isoformat()}: {summary(conn, day)}" for name, summary in SUMMARIES.items() if name in present]
