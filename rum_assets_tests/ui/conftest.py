"""A live deployment for end-to-end tests: both emulators in this process, ``dagster dev`` (webserver,
code server and daemon) in a subprocess on a free 127.0.0.1 port.

The deployment uses the test's own DAGSTER_HOME, warehouse file and call ledger, which the autouse
fixture of ``rum_assets_tests/conftest.py`` has put in the environment (its DAGSTER_HOME holds a copy
of the project's dagster.yaml, so runs go through the queued run coordinator with its pools and run
limits). Schedules and sensors are deployed stopped, so the only runs are the ones a test launches.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from rum_assets.config import env_vars
from rum_assets.config.emulator_env import emulator_env
from rum_assets.warehouse.resource import WarehouseResource
from rum_assets_tests.ports import PortTaken, lost_its_port, on_a_free_port
from rum_assets_tests.postgres.server import start_postgres_or_skip
from rum_emulator.environment import EmulatorSettings, start_emulator
from rum_emulator.server import EmulatorServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "artifacts"
"""Screenshots and the like (gitignored)."""
CODE_LOCATION = "rum_assets.definitions"
EMULATOR_SETTINGS = EmulatorSettings(sessions_per_day=20, raygun_call_limit=0)
"""20 sessions a day per application keeps runs quick (each detail step still paces its v3 calls through
several of the 10-per-second windows); no Raygun call limit, so a 429 can only mean a client bug."""
STARTUP_SECONDS = 120
"""``dagster dev`` answers /server_info after about 10 s; a loaded CI machine may take much longer."""
SHUTDOWN_SECONDS = 30

_LOCATION_STATUS = """
query { workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""


@dataclass(frozen=True)
class Deployment:
    url: str
    """The Dagster webserver, e.g. ``http://127.0.0.1:41234``."""
    dagster_home: Path
    duckdb_path: Path
    log_path: Path
    """Everything ``dagster dev`` printed (webserver, code server, daemon)."""
    emulator: EmulatorServer
    warehouse_url: str = ""
    """The PostgreSQL warehouse of the ``postgres`` variant; empty: the DuckDB file."""

    def warehouse(self) -> WarehouseResource:
        return WarehouseResource(database=str(self.duckdb_path), url=self.warehouse_url)

    def graphql(self, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
        response = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60)
        response.raise_for_status()
        payload = response.json()
        assert "errors" not in payload, payload
        return payload["data"]  # type: ignore[no-any-return]

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _location_problem(deployment: Deployment, location: str = CODE_LOCATION) -> str | None:
    """None once the code location is loaded; otherwise what is still missing."""
    try:
        workspace = deployment.graphql(_LOCATION_STATUS)["workspaceOrError"]
    except (httpx.HTTPError, AssertionError) as exc:
        return f"webserver not answering GraphQL yet: {exc}"
    entries = {entry["name"]: entry for entry in workspace.get("locationEntries", [])}  # type: ignore[union-attr]
    entry = entries.get(location)
    if entry is None or entry["loadStatus"] != "LOADED":
        return f"code location {location} not loaded yet: {entry}"
    loaded = entry["locationOrLoadError"]
    if loaded["__typename"] == "PythonError":
        pytest.fail(f"code location {location} failed to load: {loaded['message']}")
    return None


def _wait_until_ready(deployment: Deployment, process: subprocess.Popen[bytes], location: str = CODE_LOCATION) -> None:
    """Until the webserver (``process``) answers and has loaded ``location``."""
    started = time.monotonic()
    deadline = started + STARTUP_SECONDS
    served_after: float | None = None
    problem: str | None = "not started"
    while problem is not None:
        if process.poll() is not None:
            tail = deployment.log_tail()
            raise (PortTaken if lost_its_port(tail) else RuntimeError)(f"the webserver exited with {process.returncode}:\n{tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the webserver not ready after {STARTUP_SECONDS} s ({problem}):\n{deployment.log_tail()}")
        try:
            served = httpx.get(f"{deployment.url}/server_info", timeout=2).status_code == 200
        except httpx.TransportError:
            served = False
        if served and served_after is None:
            served_after = time.monotonic() - started
        if not served and lost_its_port(deployment.log_tail(200)):  # dagster dev lives on when its webserver cannot bind
            raise PortTaken(f"the webserver could not bind {deployment.url}:\n{deployment.log_tail()}")
        problem = _location_problem(deployment, location) if served else "GET /server_info not answered yet"
        if problem is not None:
            time.sleep(0.5)
    print(
        f"webserver at {deployment.url}: /server_info after {served_after:.1f} s, {location} loaded after {time.monotonic() - started:.1f} s"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop dagster dev and everything it started (its own process group)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=SHUTDOWN_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    try:  # children may outlive the parent; the group id is the parent's pid
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=10)


def _use_postgres(stack: ExitStack, monkeypatch: pytest.MonkeyPatch) -> str:
    """A PostgreSQL server for the instance (dagster-postgres.yaml), the call ledger and the warehouse."""
    server = start_postgres_or_skip()
    stack.callback(server.stop)
    shutil.copyfile(PROJECT_ROOT / "dagster-postgres.yaml", Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml")
    instance_url = urlsplit(server.new_database())
    for name, value in {
        "DAGSTER_PG_HOST": instance_url.hostname,
        "DAGSTER_PG_PORT": str(instance_url.port),
        "DAGSTER_PG_DB": instance_url.path.lstrip("/"),
        "DAGSTER_PG_USERNAME": instance_url.username,
        "DAGSTER_PG_PASSWORD": "",
    }.items():
        monkeypatch.setenv(name, value or "")
    monkeypatch.setenv("RUM_ASSETS_LEDGER_URL", server.new_database())
    warehouse_url = server.new_database()
    monkeypatch.setenv("RUM_ASSETS_WAREHOUSE_URL", warehouse_url)
    return warehouse_url


@pytest.fixture
def deployment(
    _isolated_environment: None, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    """The emulator and ``dagster dev`` on this test's DAGSTER_HOME; yields once the code location is loaded.

    Parametrized indirectly: ``"sqlite"`` (default) is the project's dagster.yaml, DuckDB and the SQLite
    ledger; ``"postgres"`` puts the instance (dagster-postgres.yaml), the ledger and the warehouse in a
    real PostgreSQL server. Raygun loads through v1 and v3 both, as in the demo, unless the test is
    marked ``raygun_v1_only``.
    """
    with ExitStack() as stack:
        warehouse_url = _use_postgres(stack, monkeypatch) if getattr(request, "param", "sqlite") == "postgres" else ""
        yield from _deploy(tmp_path, warehouse_url, v1_only=request.node.get_closest_marker("raygun_v1_only") is not None)


def _start_dagster_dev(port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``dagster dev`` on ``port`` in its own process group, everything it prints in ``log_path`` (a new file)."""
    command = [sys.executable, "-m", "dagster", "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)]
    print(f"dagster dev log: {log_path}")
    with log_path.open("wb") as log:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _deploy(tmp_path: Path, warehouse_url: str, *, v1_only: bool = False) -> Iterator[Deployment]:
    emulator = start_emulator(EMULATOR_SETTINGS, port=0)
    env = {
        **os.environ,
        **emulator_env(emulator.base_url, EMULATOR_SETTINGS),
        "DAGSTER_HOME": os.environ["DAGSTER_HOME"],
        "RUM_ASSETS_AUTOMATION_STOPPED": "1",
    }
    if v1_only:
        env.pop(env_vars.RAYGUN_PAT.name, None)
    unbound = Deployment(
        url="",
        dagster_home=Path(os.environ["DAGSTER_HOME"]),
        duckdb_path=Path(os.environ["RUM_ASSETS_DUCKDB"]),
        log_path=tmp_path / "dagster-dev.log",
        emulator=emulator,
        warehouse_url=warehouse_url,
    )
    try:
        deployment, process = on_a_free_port(lambda port: _ready_on(port, unbound, env))
        try:
            yield deployment
        finally:
            _stop(process)
            # Shown by pytest only when the test failed.
            print(f"--- last lines of {deployment.log_path}:\n{deployment.log_tail()}")
    finally:
        emulator.stop()


def _ready_on(port: int, deployment: Deployment, env: dict[str, str]) -> tuple[Deployment, subprocess.Popen[bytes]]:
    """``dagster dev`` on ``port``, once it has loaded the code location; stopped again if it never does."""
    deployment = replace(deployment, url=f"http://127.0.0.1:{port}")
    process = _start_dagster_dev(port, env, deployment.log_path)
    try:
        _wait_until_ready(deployment, process)
    except BaseException as exc:
        _stop(process)
        if not isinstance(exc, PortTaken):
            print(f"--- last lines of {deployment.log_path}:\n{deployment.log_tail()}")
        raise
    return deployment, process
