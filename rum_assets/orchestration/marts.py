"""What every KPI mart shares: its definition (:class:`Mart`), the Dagster asset built from it, its
automation condition and the sensor that evaluates it.

A mart is a daily table computed in the warehouse from base tables of the same day (see
``rum_assets.warehouse.marts`` for the SQL dialect), one account at a time: each account has its own
mart assets (the default account's keys as they always were, another's ``raygun/<account>/...``), and a
mart day replaces only that account's rows. It is re-materialized when a base day changes (late
sessions, a reloaded export) by :func:`mart_automation`, evaluated by :func:`build_marts_sensor`.

No ``from __future__ import annotations`` here: Dagster reads the asset function's ``context``
annotation, defined inside :func:`mart_asset`, as an object.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import dagster as dg

from rum_assets.orchestration import mart_checks
from rum_assets.orchestration.account_keys import key_of_account
from rum_assets.orchestration.conventions import DAILY_BACKFILL_POLICY, DAILY_FRESHNESS_POLICY, KINDS, OWNERS, table_metadata
from rum_assets.orchestration.partitions import daily_partitions, partition_day
from rum_assets.orchestration.schedules import sensor_status
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN, DEFAULT_ACCOUNT
from rum_assets.warehouse.marts import existing_tables, fetch_rows, replace_day_from_sql
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import Connection, Table, markdown_table

MART_KIND = "sql"
"""The kind that tells a mart's asset from a base asset (:func:`is_mart`)."""
MART_KINDS = {*KINDS, MART_KIND}
MART_LOOKBACK_DAYS = 45
"""How far back a changed base day still re-materializes its mart day (the vendors keep about a month)."""

WINDOW_DAYS = 30
"""The longest window a mart reads: a month's active users are those of the 30 days ending on the day."""


def mart_automation(window_deps: Sequence[dg.AssetKey] = ()) -> dg.AutomationCondition:
    """``eager()`` without its restriction to the latest day: a late session or a reloaded export of an
    earlier day re-materializes that day's mart too, once its base assets of the day are done.

    A dependency in ``window_deps`` is mapped to the 30 days ending on the mart's day, so a change of its
    day D requests every mart day D..D+29 (within the lookback). It is left out of the missing check: the
    days of a window before the first loaded day are never materialized and must not hold the mart back.
    Dagster's dependency conditions see a dependency only through its mapping, so the window's own day is
    not checked apart from the rest; the mart's other base assets of the day (usage_daily: user_activity,
    loaded by the same job) must not be missing, and a day computed before its profiles arrived runs again
    when they do.
    """
    missing = dg.AutomationCondition.any_deps_missing()
    if window_deps:
        missing = missing.ignore(dg.AssetSelection.assets(*window_deps))
    label = "mart day follows its base days" + (" and the 30-day windows holding them" if window_deps else "")
    return (
        dg.AutomationCondition.in_latest_time_window(lookback_delta=timedelta(days=MART_LOOKBACK_DAYS))
        & dg.AutomationCondition.any_deps_updated().since_last_handled()
        & ~missing
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label(label)


DayParam = Literal["day", "week_start", "month_start", "account"]


def day_params(day: date, account: str = DEFAULT_ACCOUNT) -> dict[DayParam, date | str]:
    """What a mart's SQL may bind: the day, the first days of the 7- and 30-day windows ending on it, and
    the account whose rows it reads."""
    return {"day": day, "week_start": day - timedelta(days=6), "month_start": day - timedelta(days=WINDOW_DAYS - 1), "account": account}


@dataclass(frozen=True)
class SqlPart:
    """One ``SELECT`` of a mart's rows; its ``?`` placeholders bind ``params`` in order. A part runs only
    where every table it ``reads`` exists (v1 and v3 tables exist only where that API is configured) and
    none it is the fallback for (``absent``) does."""

    sql: str
    reads: tuple[str, ...]
    params: tuple[DayParam, ...] = ("day",)
    absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class Headline:
    """A number of the day recorded as numeric metadata, plotted over partitions in the UI."""

    key: str
    sql: str
    """One row, one value; binds the day and the account (``partition_date = ? AND account = ?``)."""
    kind: Literal["int", "float"]


@dataclass(frozen=True)
class Mart:
    key: dg.AssetKey
    table: Table
    description: str
    group_name: str
    deps: tuple[dg.AssetKey, ...]
    parts: tuple[SqlPart, ...]
    base_days_sql: str
    """Distinct ``partition_date`` of the base table the mart is built from, of the account (its one
    ``?``), for ``no_missing_day``."""
    headlines: tuple[Headline, ...]
    preview_columns: tuple[str, ...]
    shares: tuple[str, ...] = ()
    percentiles: tuple[tuple[str, str, str], ...] = ()
    totals: tuple[mart_checks.TotalCheck, ...] = ()
    preview_order: str = ""
    window_deps: tuple[dg.AssetKey, ...] = ()
    """Of ``deps``, those read over the 30 days ending on the mart's day (see :func:`mart_automation`)."""
    all_reads: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not set(self.window_deps) <= set(self.deps):
            raise ValueError(f"{self.key.to_user_string()}: window_deps must be among its deps")
        object.__setattr__(self, "all_reads", tuple(sorted({t for part in self.parts for t in (*part.reads, *part.absent)})))

    def select_sql(self, present: set[str]) -> tuple[str, list[DayParam]]:
        """The union of the parts whose tables exist, each giving the table's columns in order, and
        the names of the parameters it binds. Without any, a query with no rows."""
        columns = ", ".join(c.name for c in self.table.columns)
        parts = [part for part in self.parts if set(part.reads) <= present and not set(part.absent) & present]
        if not parts:
            return f"SELECT {columns} FROM {self.table.qualified_name} WHERE FALSE", []
        sql = " UNION ALL ".join(f"SELECT {columns} FROM ({part.sql}) AS part_{n}" for n, part in enumerate(parts))
        return sql, [name for part in parts for name in part.params]


def check_specs(mart: Mart, key: dg.AssetKey | None = None) -> list[dg.AssetCheckSpec]:
    """The checks of ``mart``'s asset ``key`` (the default account's unless given)."""
    key = key or mart.key
    specs = [
        dg.AssetCheckSpec(
            mart_checks.NO_MISSING_DAY,
            asset=key,
            description="Fails when a day between the mart's first and last day has base rows but no mart rows.",
        )
    ]
    if mart.shares:
        specs.append(
            dg.AssetCheckSpec(mart_checks.SHARES, asset=key, description=f"Fails when a share is outside 0..1: {', '.join(mart.shares)}.")
        )
    if mart.percentiles:
        triples = "; ".join(" <= ".join(t) for t in mart.percentiles)
        specs.append(dg.AssetCheckSpec(mart_checks.PERCENTILES, asset=key, description=f"Fails unless {triples}."))
    specs.extend(dg.AssetCheckSpec(t.check_name, asset=key, description=t.description) for t in mart.totals)
    return specs


def evaluate_checks(conn: Connection, mart: Mart, day: date, account: str = DEFAULT_ACCOUNT) -> list[dg.AssetCheckResult]:
    """The mart's checks on ``account``'s rows of the day."""
    results = [mart_checks.check_no_missing_day(conn, mart.table, day, mart.base_days_sql, account)]
    if mart.shares:
        results.append(mart_checks.check_shares(conn, mart.table, day, mart.shares, account))
    if mart.percentiles:
        results.append(mart_checks.check_percentiles(conn, mart.table, day, mart.percentiles, account))
    results.extend(mart_checks.check_total(conn, total, day, account) for total in mart.totals)
    return results


def headline_metadata(conn: Connection, mart: Mart, day: date, account: str = DEFAULT_ACCOUNT) -> dict[str, dg.MetadataValue]:
    """The day's headline numbers of ``account``; one without a value that day (no samples) is left out, not zero."""
    values: dict[str, dg.MetadataValue] = {}
    for headline in mart.headlines:
        rows = fetch_rows(conn, headline.sql, mart_checks.day_and_account(headline.sql, day, account))
        value = rows[0][0] if rows else None
        if value is not None:
            values[headline.key] = dg.MetadataValue.int(int(value)) if headline.kind == "int" else dg.MetadataValue.float(float(value))
    return values


def preview(conn: Connection, mart: Mart, day: date, account: str = DEFAULT_ACCOUNT, limit: int = 20) -> str:
    order = mart.preview_order or ", ".join(mart.table.key_columns)
    sql = (
        f"SELECT {', '.join(mart.preview_columns)} FROM {mart.table.qualified_name} "
        f"WHERE partition_date = ? AND account = ? ORDER BY {order} LIMIT {int(limit)}"
    )
    cursor = conn.execute(sql, [day, account])
    names, rows = [d[0] for d in cursor.description or []], cursor.fetchall()
    return markdown_table(names, rows) if rows else "_no rows for this partition_"


def materialize_mart(conn: Connection, mart: Mart, day: date, run_id: str, account: str = DEFAULT_ACCOUNT) -> dg.MaterializeResult:
    """Replace ``account``'s rows of the mart's day and report its checks, headline numbers and preview."""
    present = existing_tables(conn, mart.all_reads)
    sql, names = mart.select_sql(present)
    params = day_params(day, account)
    rows = replace_day_from_sql(conn, mart.table, sql, day, [params[n] for n in names], run_id, {ACCOUNT_COLUMN.name: account})
    return dg.MaterializeResult(
        check_results=evaluate_checks(conn, mart, day, account),
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": mart.table.table_schema(),
            **headline_metadata(conn, mart, day, account),
            "base_tables_read": dg.MetadataValue.text(", ".join(sorted(present)) or "none yet"),
            "preview": dg.MetadataValue.md(preview(conn, mart, day, account)),
        },
    )


def _window(key: dg.AssetKey) -> dg.AssetDep:
    """The dependency of a mart day on the 30 days of ``key`` ending on it."""
    return dg.AssetDep(key, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-(WINDOW_DAYS - 1), end_offset=0))


def mart_asset(mart: Mart, available: Sequence[dg.AssetKey], account: str = DEFAULT_ACCOUNT) -> dg.AssetsDefinition:
    """The daily asset of ``mart`` for ``account``, depending on those of the account's base assets the
    code location has (``available``)."""
    window = {key_of_account(key, account) for key in mart.window_deps}
    deps = [key_of_account(key, account) for key in mart.deps]
    deps = [key for key in deps if key in set(available)]
    key = key_of_account(mart.key, account)

    @dg.asset(
        key=key,
        deps=[_window(dep) if dep in window else dg.AssetDep(dep) for dep in deps],
        description=mart.description if account == DEFAULT_ACCOUNT else f"{mart.description} Account {account}.",
        group_name=mart.group_name,
        owners=OWNERS,
        kinds=MART_KINDS,
        partitions_def=daily_partitions,
        backfill_policy=DAILY_BACKFILL_POLICY,
        freshness_policy=DAILY_FRESHNESS_POLICY,
        automation_condition=mart_automation([dep for dep in deps if dep in window]),
        metadata=table_metadata(mart.table),
        check_specs=check_specs(mart, key),
    )
    def _mart(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connection() as conn:
            return materialize_mart(conn, mart, partition_day(context), context.run.run_id, account)

    return _mart


def is_mart(asset: dg.AssetsDefinition) -> bool:
    """An asset :func:`mart_asset` built, of any account."""
    return all(MART_KIND in spec.kinds for spec in asset.specs)


def build_marts_sensor(marts: Sequence[dg.AssetsDefinition]) -> dg.AutomationConditionSensorDefinition:
    """Evaluates the marts' :func:`mart_automation`, every account's; started like the project's other sensors (stopped only where
    ``RUM_ASSETS_AUTOMATION_STOPPED`` says so), where Dagster's default one would start whatever that says."""
    return dg.AutomationConditionSensorDefinition(
        "marts_automation_sensor",
        target=dg.AssetSelection.assets(*marts),
        default_status=sensor_status(),
        minimum_interval_seconds=60,
        description="Re-materializes a KPI mart's day when a base asset of that day was materialized again.",
    )
