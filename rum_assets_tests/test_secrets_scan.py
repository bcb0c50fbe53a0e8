"""No secret ends up anywhere a run leaves traces, even when requests fail and a credential is refused.

Every asset is materialized through 20% injected faults with distinctive credentials, plus one
Raygun and one Revenera asset run with a refused credential. Then every place a secret could land
is searched: captured stdout/stderr, every event record and run of the Dagster instance, every file
under DAGSTER_HOME (event log databases, compute logs), the DuckDB warehouse (its bytes and every
text value), and the staging and state directories. The Raygun session keys and the Revenera
cookies the emulator handed out are searched for too.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Iterable
from http.cookies import SimpleCookie
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._serdes import serialize_value

from rum_assets_tests.fault_runs import all_assets, build_resources, materialize_days, recent_days
from rum_emulator.faults import FaultPlan, RandomFaults
from rum_emulator.messages import Request, Response
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.raygun.config import RaygunCredentials
from rum_emulator.revenera import ReveneraApp, ReveneraEmulatorConfig
from rum_emulator.server import EmulatorServer

pytestmark = pytest.mark.slow

API_KEY = "rk-SECRETAPIKEY-7f3a9c"
CLIENT_ID = "rc-SECRETCLIENTID-41d2"
CLIENT_SECRET = "rs-SECRETCLIENTSECRET-b83e"
PASSWORD = "rp-SECRETPASSWORD-5c0d"
SALT = "salt-SECRETPIISALT-e92f"
BAD_CLIENT_SECRET = "rs-SECRETWRONGSECRET-1aa7"
BAD_PASSWORD = "rp-SECRETWRONGPASSWORD-66b1"
USERNAME = "scan@example.com"
PRODUCT_IDS = ("2376158762", "2395188568")


def _configured_secrets() -> dict[str, bytes]:
    named = {
        "Raygun API key": API_KEY,
        "Raygun client id": CLIENT_ID,
        "Raygun client secret": CLIENT_SECRET,
        "Revenera password": PASSWORD,
        "PII salt": SALT,
        "refused Raygun client secret": BAD_CLIENT_SECRET,
        "refused Revenera password": BAD_PASSWORD,
    }
    needles = {name: value.encode() for name, value in named.items()}
    for label, secret in (("", CLIENT_SECRET), ("refused ", BAD_CLIENT_SECRET)):
        needles[f"{label}Raygun Basic credentials"] = base64.b64encode(f"{CLIENT_ID}:{secret}".encode())
    return needles


class RecordingRevenera(ReveneraApp):
    """The Revenera emulator, remembering every cookie value it set (sessions end at logout)."""

    def __init__(self, config: ReveneraEmulatorConfig) -> None:
        super().__init__(config)
        self.cookie_values: set[str] = set()
        for name in ("login", "request_csrf"):
            setattr(self.sessions, name, self._recording(getattr(self.sessions, name)))

    def _recording(self, handler):  # type: ignore[no-untyped-def]
        def wrapper(request: Request) -> Response:
            response = handler(request)
            for header, value in response.headers:
                if header.lower() == "set-cookie":
                    jar: SimpleCookie = SimpleCookie()
                    jar.load(value)
                    self.cookie_values.update(m.value for m in jar.values() if m.value)
            return response

        return wrapper


def _files(directory: Path) -> Iterable[Path]:
    return (path for path in sorted(directory.rglob("*")) if path.is_file())


def _text_values(database: Path) -> bytes:
    """Every text value in the warehouse (its file may compress strings, so read them too)."""
    parts: list[str] = []
    with duckdb.connect(str(database), read_only=True) as conn:
        columns = conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
        ).fetchall()
        for schema, table, column in columns:
            parts.extend(str(v) for (v,) in conn.execute(f'SELECT DISTINCT "{column}" FROM {schema}.{table}').fetchall())
    return "\n".join(parts).encode()


def test_no_secret_anywhere_after_faulty_runs_and_refused_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))
    raygun = RaygunApp(
        RaygunEmulatorConfig(applications=[RaygunCredentials(API_KEY, CLIENT_ID, CLIENT_SECRET)], sessions_per_day=12, daily_call_limit=0)
    )
    revenera = RecordingRevenera(ReveneraEmulatorConfig(users={USERNAME: PASSWORD}, clients_per_product=20))
    server = EmulatorServer([raygun, revenera], faults=FaultPlan(RandomFaults(rate=0.2, seed=4242, delay_seconds=0.1))).start()
    environment = {
        "RAYGUN_BASE_URL": server.base_url,
        "RAYGUN_API_KEY": API_KEY,
        "RAYGUN_CLIENT_ID": CLIENT_ID,
        "RAYGUN_CLIENT_SECRET": CLIENT_SECRET,
        "RAYGUN_DAILY_CALL_LIMIT": "0",
        "REVENERA_BASE_URL": server.base_url,
        "REVENERA_USERNAME": USERNAME,
        "REVENERA_PASSWORD": PASSWORD,
        "REVENERA_PRODUCT_IDS": ",".join(PRODUCT_IDS),
        "RUM_ASSETS_PII_SALT": SALT,
        "RUM_ASSETS_RETRY_BASE_DELAY_SECONDS": "0.05",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    database = tmp_path / "warehouse.duckdb"
    instance = dg.DagsterInstance.get()
    days = recent_days(1)
    try:
        debug = {"loggers": {"console": {"config": {"log_level": "DEBUG"}}}}
        results = materialize_days(days, build_resources(database), instance, raise_on_error=False, run_config=debug)
        assert all(result.success for result in results)

        _, daily = all_assets()
        by_key = {key.to_user_string(): asset for asset in daily for key in asset.keys}
        monkeypatch.setenv("RAYGUN_CLIENT_SECRET", BAD_CLIENT_SECRET)
        monkeypatch.setenv("REVENERA_PASSWORD", BAD_PASSWORD)
        refused = [
            dg.materialize(
                [by_key[key]],
                partition_key=days[0].isoformat(),
                resources=build_resources(database),
                instance=instance,
                raise_on_error=False,
            )
            for key in ("raygun/sessions", "revenera/user_activity")
        ]
    finally:
        server.stop()
    for result in refused:
        assert not result.success
        failure = result.get_step_failure_events()[0].step_failure_data.error
        assert failure is not None and "refused" in failure.to_string()

    needles = _configured_secrets()
    needles.update({f"Raygun session key {i}": key.encode() for i, key in enumerate(raygun._keys._keys)})
    needles.update({f"Revenera cookie {i}": value.encode() for i, value in enumerate(sorted(revenera.cookie_values))})
    assert len(needles) > len(_configured_secrets()) + 4

    captured = capfd.readouterr()
    places: dict[str, bytes] = {"stdout": captured.out.encode(), "stderr": captured.err.encode()}
    for run in instance.get_runs():
        places[f"run {run.run_id}"] = serialize_value(run).encode()
        for i, record in enumerate(instance.all_logs(run.run_id)):
            places[f"event {i} of run {run.run_id}"] = serialize_value(record).encode()
    assert sum(1 for name in places if name.startswith("event")) > 100
    for directory in (Path(str(instance.root_directory)), tmp_path / "state", staging):
        for path in _files(directory):
            places[str(path)] = path.read_bytes()
    for path in tmp_path.glob("warehouse.duckdb*"):
        places[str(path)] = path.read_bytes()
    places["warehouse text values"] = _text_values(database)
    assert any(name.endswith(".duckdb") for name in places) and any("call_budget" in name for name in places)
    home = str(instance.root_directory)
    for where in ("stderr", "event ", home, "warehouse text values"):  # the search does see what runs leave
        assert any(PRODUCT_IDS[0].encode() in content for place, content in places.items() if place.startswith(where)), where

    found = sorted({f"{secret} in {place}" for secret, needle in needles.items() for place, content in places.items() if needle in content})
    assert found == [], "\n".join(found[:20])
