"""The Dagster resource that hands assets a warehouse connection: DuckDB's, or PostgreSQL's by URL.

Assets write ``with warehouse.connection() as conn:`` and pass ``conn`` to the functions of
``rum_assets.warehouse.tables`` (and to ``conn.execute`` with ``?`` placeholders), whichever kind it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import Field

from rum_assets.budget.ledger import is_postgres_url
from rum_assets.warehouse.tables import Connection


class WarehouseResource(dg.ConfigurableResource):
    """Where the tables live: a PostgreSQL database when ``url`` is set, else the DuckDB file ``database``."""

    database: str = Field(default="data/rum_assets.duckdb", description="The DuckDB file (when url is empty).")
    connection_config: dict[str, Any] = Field(default_factory=dict, description="DuckDB settings for every connection.")
    url: str = Field(default="", description="postgresql:// URL of a PostgreSQL warehouse; empty: DuckDB. Secret.")

    @property
    def kind(self) -> str:
        return "postgresql" if self.url else "duckdb"

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        if not self.url:
            # dagster-duckdb's connection retries while another process holds the file.
            with DuckDBResource(database=self.database, connection_config=self.connection_config).get_connection() as conn:
                yield conn
            return
        if not is_postgres_url(self.url):
            raise ValueError("the warehouse URL must start with postgresql:// (or be empty for DuckDB)")
        from rum_assets.warehouse.postgres import PostgresWarehouse

        warehouse = PostgresWarehouse.connect(self.url)
        try:
            yield warehouse
        finally:
            warehouse.close()
