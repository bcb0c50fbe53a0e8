"""The demo's closing summary: what landed, what it cost, where it is, and what to ask of it first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

CATALOG = "catalog"
"""The calls of the unpartitioned assets (pages, customers, error groups, Revenera metadata), made once."""


@dataclass(frozen=True)
class ExampleQuery:
    question: str
    sql: str


EXAMPLE_QUERIES = (
    ExampleQuery(
        "Which pages load slowest?",
        "SELECT page, count(*) AS views, round(quantile_cont(loading_time_ms, 0.75)) AS p75_load_ms "
        "FROM raygun.page_views GROUP BY page HAVING count(*) >= 5 ORDER BY p75_load_ms DESC LIMIT 5",
    ),
    ExampleQuery(
        "Where do the sessions come from?",
        "SELECT country, count(*) AS sessions FROM raygun.sessions GROUP BY country ORDER BY sessions DESC LIMIT 5",
    ),
    ExampleQuery(
        "How many people use the product each day?",
        "SELECT partition_date AS day, product_id, sum(active_users) AS daily_active_users "
        "FROM revenera.user_activity GROUP BY ALL ORDER BY day, product_id",
    ),
)


@dataclass
class CallFigures:
    """Calls per vendor per day (as the assets' metadata reported them) and the budget left today."""

    used: dict[str, dict[str, int]] = field(default_factory=dict)
    """day -> vendor -> calls."""
    left_today: dict[str, int | str] = field(default_factory=dict)
    """budget name (e.g. ``raygun v1``) -> calls left today, as the last asset that reported it said."""


def row_counts(database: str, days: Sequence[date]) -> dict[str, dict[str, int]]:
    """Rows per table (Raygun's per API) per day, or ``{"(all)": n}`` for a table without days."""
    counts: dict[str, dict[str, int]] = {}
    with duckdb.connect(database, read_only=True) as conn:
        tables = conn.execute(
            "SELECT table_schema || '.' || table_name, "
            "bool_or(column_name = 'partition_date'), bool_or(column_name = 'source_api') FROM information_schema.columns "
            "WHERE table_schema IN ('raygun', 'revenera') AND NOT starts_with(table_name, '_') GROUP BY 1 ORDER BY 1"
        ).fetchall()
        for name, partitioned, by_source in tables:
            if partitioned and by_source:  # Raygun tables hold v1 and v3 rows: one line per API
                rows = conn.execute(
                    f"SELECT source_api, partition_date, count(*) FROM {name} WHERE partition_date BETWEEN ? AND ? GROUP BY ALL ORDER BY 1",
                    [min(days), max(days)],
                ).fetchall()
                for source_api, day, n in rows:
                    counts.setdefault(f"{name} ({source_api})", {})[day.isoformat()] = n
            elif partitioned:
                rows = conn.execute(
                    f"SELECT partition_date, count(*) FROM {name} WHERE partition_date BETWEEN ? AND ? GROUP BY 1",
                    [min(days), max(days)],
                ).fetchall()
                counts[name] = {day.isoformat(): n for day, n in rows}
            else:
                total = conn.execute(f"SELECT count(*) FROM {name}").fetchone()
                counts[name] = {"(all)": int(total[0]) if total else 0}
    return counts


def summary_lines(database: str, days: Sequence[date], calls: CallFigures, extra_lines: Sequence[str] = ()) -> list[str]:
    counts = row_counts(database, days)
    labels = [day.isoformat() for day in days]
    width = max((len(name) for name in counts), default=10) + 2
    lines = [
        "",
        f"Rows per table per day ({labels[0]} to {labels[-1]})",
        "table".ljust(width) + "".join(label.rjust(12) for label in labels),
    ]
    for name, per_day in counts.items():
        if "(all)" in per_day:
            lines.append(name.ljust(width) + f"{per_day['(all)']:>12} (not partitioned)")
        else:
            lines.append(name.ljust(width) + "".join(f"{per_day.get(label, 0):>12}" for label in labels))
    call_labels = [label for label in (CATALOG, *labels) if label in calls.used or label != CATALOG]
    lines += ["", "API calls used".ljust(width) + "".join(label.rjust(12) for label in call_labels) + "   left today"]
    for vendor in ("raygun", "revenera"):
        budgets = sorted((name, n) for name, n in calls.left_today.items() if name.startswith(vendor))
        left = ", ".join(f"{name}: {n:,}" if isinstance(n, int) else f"{name}: {n}" for name, n in budgets) or "no daily limit"
        lines.append(
            vendor.ljust(width) + "".join(f"{calls.used.get(label, {}).get(vendor, 0):>12}" for label in call_labels) + f"   {left}"
        )
    lines += list(extra_lines)
    lines += ["", f"The data: {database} (DuckDB). Three questions it answers:"]
    for example in EXAMPLE_QUERIES:
        answer = first_rows(database, example.sql, 1)
        lines += [f"  {example.question}  First answer: {', '.join(map(str, answer[0])) if answer else '(none)'}"]
        lines += [f"    {_query_command(database, example.sql)}"]
    lines += ["", "Open the UI on it:  make ui   (then http://127.0.0.1:3000; runs launched there use the emulator)"]
    return lines


def first_rows(database: str, sql: str, limit: int = 3) -> list[tuple[object, ...]]:
    with duckdb.connect(database, read_only=True) as conn:
        return [tuple(row) for row in conn.execute(sql).fetchmany(limit)]


def _query_command(database: str, sql: str) -> str:
    return f".venv/bin/python -c \"import duckdb; print(duckdb.connect('{database}', read_only=True).sql('{sql}'))\""


def record_calls(calls: CallFigures, day: str, metadata: Mapping[str, object], keys: Mapping[str, str], left: Mapping[str, str]) -> None:
    """Add one materialization's figures: ``keys`` maps vendor -> its calls-used key, ``left`` budget -> its key."""
    for vendor, key in keys.items():
        if key in metadata:
            calls.used.setdefault(day, {})[vendor] = calls.used.get(day, {}).get(vendor, 0) + int(_value(metadata[key]))
    for budget, key in left.items():
        if key in metadata:
            value = _value(metadata[key])
            calls.left_today[budget] = value if isinstance(value, int) else str(value)


def _value(entry: object) -> Any:
    return getattr(entry, "value", entry)
