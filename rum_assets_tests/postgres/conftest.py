"""A session-wide real PostgreSQL server (never a mock) and an empty database per test.

Without PostgreSQL's binaries the tests are skipped on a developer's machine but fail when ``CI`` is
set, so CI cannot pass without running them (``.ci/run`` installs the package).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rum_assets_tests.postgres.server import PostgresServer, start_postgres_or_skip


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres_or_skip()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A new, empty database of the session's server."""
    return postgres_server.new_database()
