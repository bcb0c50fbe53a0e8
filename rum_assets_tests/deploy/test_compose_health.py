"""docker-compose.yml's PostgreSQL health check, run against real servers: it is not satisfied by a server
that listens on its Unix socket only, as the image's entrypoint runs one for the init scripts
(``listen_addresses=''``), and is by the server that then listens on TCP."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from rum_assets_tests.postgres.server import PostgresServer, find_bin_dir

from .files import compose

pytestmark = pytest.mark.postgres


def _program(server: PostgresServer, name: str) -> str:
    """A client program beside the server's binaries, else on PATH (Debian links only some of them)."""
    beside = server.bin_dir / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is neither in {server.bin_dir} nor on PATH")
    return found


def _health_check(server: PostgresServer) -> list[str]:
    """The compose file's check with the test server's port (the container's is 5432)."""
    check = compose({})["services"]["postgres"]["healthcheck"]["test"][1:]
    check[check.index("-p") + 1] = str(server.port)
    return [_program(server, check[0]), *check[1:]]


def test_the_postgres_health_check_waits_for_the_server_that_listens_on_tcp() -> None:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL binaries are not installed")
    init_server = PostgresServer(bin_dir).start(listen_addresses="")
    try:
        check = _health_check(init_server)
        assert subprocess.run(check, capture_output=True, timeout=30).returncode != 0
        on_socket = [_program(init_server, "pg_isready"), "-h", str(init_server.root), "-p", str(init_server.port)]
        assert subprocess.run(on_socket, capture_output=True, timeout=30).returncode == 0, "a socket check would pass here"
    finally:
        init_server.stop()
    server = PostgresServer(bin_dir).start()
    try:
        result = subprocess.run(_health_check(server), capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        server.stop()
