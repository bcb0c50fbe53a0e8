"""The marts' tests of rum_assets_tests/orchestration/test_marts.py, run on PostgreSQL: the same SQL,
the same hand-computed values, the same checks failing.

The tests are imported, so pytest collects them here too, with this module's ``conn``: a PostgreSQL
warehouse holding the known inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from rum_assets.warehouse.postgres import PostgresWarehouse
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets.warehouse.tables import Connection
from rum_assets_tests.orchestration.mart_inputs import load_raygun, load_revenera
from rum_assets_tests.orchestration.test_marts import (  # noqa: F401 - collected here with the PostgreSQL conn
    test_a_day_missing_inside_the_loaded_range_fails,
    test_a_failing_query_keeps_the_previous_day,
    test_a_rerun_replaces_the_day,
    test_a_total_that_differs_from_the_base_table_fails,
    test_every_mart_holds_the_hand_computed_values_and_passes_its_checks,
    test_headline_numbers_are_numeric_metadata,
    test_shares_outside_0_1_fail,
    test_unordered_percentiles_fail,
    test_without_histograms_the_v3_row_is_the_time_series,
)

pytestmark = pytest.mark.postgres


@contextmanager
def loaded_warehouse(postgres_url: str, *loaders: Callable[[Connection], None]) -> Iterator[Connection]:
    """A PostgreSQL warehouse holding the known inputs and whatever ``loaders`` add."""
    with WarehouseResource(url=postgres_url).connection() as warehouse:
        assert isinstance(warehouse, PostgresWarehouse)
        for load in (load_raygun, load_revenera, *loaders):
            load(warehouse)
        yield warehouse


@pytest.fixture
def conn(postgres_url: str) -> Iterator[Connection]:
    with loaded_warehouse(postgres_url) as warehouse:
        yield warehouse
