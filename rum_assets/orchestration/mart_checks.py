"""The checks every mart can declare, evaluated on the day just written, on the rows of its account.

Each fails with ERROR severity and names what is wrong in its metadata (the day, the offending rows or
numbers); none blocks, because nothing is built on a mart inside this project.

- ``shares_within_0_1``: every share column is NULL or within 0..1.
- ``percentiles_ordered``: for every (p50, p75, p95) triple present, p50 <= p75 <= p95.
- ``total_matches_<name>``: a total of the mart equals the same total counted on its base table.
- ``no_missing_day``: between the first and the last day the mart holds, every day its base table has
  rows for has mart rows too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import dagster as dg

from rum_assets.warehouse.marts import fetch_rows
from rum_assets.warehouse.tables import Connection, Table

SHARES = "shares_within_0_1"
PERCENTILES = "percentiles_ordered"
NO_MISSING_DAY = "no_missing_day"


@dataclass(frozen=True)
class TotalCheck:
    """A total of the mart's day (``mart_sql``) that must equal the base table's (``base_sql``); each query
    binds the day and the account (``partition_date = ? AND account = ?``) and returns one number."""

    name: str
    description: str
    mart_sql: str
    base_sql: str

    @property
    def check_name(self) -> str:
        return f"total_matches_{self.name}"


def _result(name: str, passed: bool, day: date, **metadata: str | int | float | None) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        check_name=name,
        passed=passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"partition": day.isoformat(), **{k: v for k, v in metadata.items() if v is not None}},
    )


def day_and_account(sql: str, day: date, account: str) -> list[date | str]:
    """The parameters of a query whose ``?`` are pairs of the day and the account."""
    if sql.count("?") % 2:
        raise ValueError(f"a mart's total or headline query binds (day, account) pairs, this one an odd number of ?: {sql}")
    return [day, account] * (sql.count("?") // 2)


def check_shares(conn: Connection, table: Table, day: date, columns: Sequence[str], account: str) -> dg.AssetCheckResult:
    outside = []
    for column in columns:
        sql = f"SELECT count(*) FROM {table.qualified_name} WHERE partition_date = ? AND account = ? AND ({column} < 0 OR {column} > 1)"
        count = int(fetch_rows(conn, sql, [day, account])[0][0])
        if count:
            outside.append(f"{column}: {count} rows")
    return _result(SHARES, not outside, day, outside_0_1=", ".join(outside) or None)


def check_percentiles(
    conn: Connection, table: Table, day: date, triples: Sequence[tuple[str, str, str]], account: str
) -> dg.AssetCheckResult:
    unordered = []
    for p50, p75, p95 in triples:
        sql = (
            f"SELECT count(*) FROM {table.qualified_name} WHERE partition_date = ? AND account = ? "
            f"AND ({p50} > {p75} OR {p75} > {p95} OR {p50} > {p95})"
        )
        count = int(fetch_rows(conn, sql, [day, account])[0][0])
        if count:
            unordered.append(f"{p50} <= {p75} <= {p95}: {count} rows break it")
    return _result(PERCENTILES, not unordered, day, unordered=", ".join(unordered) or None)


def check_total(conn: Connection, total: TotalCheck, day: date, account: str) -> dg.AssetCheckResult:
    mart = fetch_rows(conn, total.mart_sql, day_and_account(total.mart_sql, day, account))[0][0] or 0
    base = fetch_rows(conn, total.base_sql, day_and_account(total.base_sql, day, account))[0][0] or 0
    return _result(total.check_name, int(mart) == int(base), day, mart_total=int(mart), base_total=int(base))


def missing_days(mart_days: Iterable[date], base_days: Iterable[date]) -> list[date]:
    """Days between the mart's first and last day that the base table has and the mart lacks: a day
    without base rows (no errors that day) is an empty mart day, not a missing one."""
    present = set(mart_days)
    if not present:
        return []
    first, last = min(present), max(present)
    return sorted(d for d in set(base_days) if first <= d <= last and d not in present)


def _days(conn: Connection, sql: str, account: str) -> list[date]:
    return [d if isinstance(d, date) else date.fromisoformat(str(d)) for (d,) in fetch_rows(conn, sql, [account])]


def check_no_missing_day(conn: Connection, table: Table, day: date, base_days_sql: str, account: str) -> dg.AssetCheckResult:
    """Between ``account``'s first and last mart day; its base days are ``base_days_sql`` (binds the account)."""
    mart_days = _days(conn, f"SELECT DISTINCT partition_date FROM {table.qualified_name} WHERE account = ?", account)
    gaps = missing_days(mart_days, _days(conn, base_days_sql, account))
    shown = ", ".join(d.isoformat() for d in gaps[:10]) + (f" and {len(gaps) - 10} more" if len(gaps) > 10 else "")
    return _result(NO_MISSING_DAY, not gaps, day, missing_days=shown or None, days_loaded=len(mart_days))
