"""The two-account mart tests of rum_assets_tests/orchestration/test_marts_by_account.py, run on
PostgreSQL: imported, so pytest collects them here with this module's ``conn``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rum_assets.warehouse.tables import Connection
from rum_assets_tests.orchestration.test_marts_by_account import (  # noqa: F401 - collected here with the PostgreSQL conn
    load_north,
    test_a_check_sees_only_its_account,
    test_a_day_of_one_account_keeps_the_other_account_s_rows,
    test_each_account_s_marts_hold_its_own_rows_only,
    test_headline_numbers_are_the_account_s,
)
from rum_assets_tests.postgres.test_marts_postgres import loaded_warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture
def conn(postgres_url: str) -> Iterator[Connection]:
    with loaded_warehouse(postgres_url, load_north) as warehouse:
        yield warehouse
