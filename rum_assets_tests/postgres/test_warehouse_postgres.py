"""The warehouse contract of rum_assets_tests/warehouse/test_tables.py, run on PostgreSQL.

The tests are imported, so pytest collects them here too, with this module's ``conn``: a PostgreSQL
warehouse from :class:`WarehouseResource`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rum_assets.warehouse.postgres import PostgresWarehouse, translate_placeholders
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import Connection
from rum_assets_tests.warehouse.test_tables import (  # noqa: F401 - collected here with the PostgreSQL conn
    test_a_failed_load_leaves_the_previous_day_intact,
    test_key_checks_fail_on_what_the_vendor_sent,
    test_new_columns_are_added_to_an_existing_table,
    test_only_keys_in_replaces_just_those_keys,
    test_preview_is_markdown,
    test_repeated_and_null_keys_are_counted_before_the_load_and_null_key_rows_are_kept_aside,
    test_repeated_keys_are_written_once_keeping_the_preferred_row,
    test_replace_is_idempotent_and_scoped,
    test_staged_values_land_as_they_were_sent,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def conn(postgres_url: str) -> Iterator[Connection]:
    with WarehouseResource(url=postgres_url).connection() as warehouse:
        assert isinstance(warehouse, PostgresWarehouse)
        yield warehouse


def test_placeholders_outside_literals_become_psycopg_ones() -> None:
    assert translate_placeholders("SELECT '?', 5 % 2 FROM t WHERE a = ? AND b LIKE 'x%'") == (
        "SELECT '?', 5 %% 2 FROM t WHERE a = %s AND b LIKE 'x%%'"
    )


def test_column_types_are_postgresql_types(conn: PostgresWarehouse) -> None:
    from rum_assets_tests.warehouse.test_tables import TABLE

    conn.ensure_table(TABLE)
    types = dict(
        conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            [TABLE.schema, TABLE.name],
        ).fetchall()
    )
    assert types == {
        "thing_id": "bigint",
        "product_id": "text",
        "partition_date": "date",
        "version": "integer",
        "seen_at": "timestamp with time zone",
        "_run_id": "text",
        "_ingested_at": "timestamp with time zone",
    }
