"""Two Raygun v3 tokens and two Revenera logins, each a defs.yaml, land one day into the same tables.

Every request goes over HTTP to the emulators on 127.0.0.1; the accounts come from a defs folder the
test writes (``RUM_ASSETS_DEFS_DIR``), loaded by the code location as a deployment loads them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from rum_assets.definitions import build_definitions as load_defs
from rum_assets.raygun.v3.client import token_scope
from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun_v3 import ALL_SCOPES, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.revenera import ReveneraApp, ReveneraEmulatorConfig
from rum_emulator.server import EmulatorServer

TODAY = datetime.now(UTC).date()
DAY = TODAY - timedelta(days=5)
"""A complete day both emulators serve, inside the daily partitions."""
TOKENS = {"north": "north-token-0001", "south": "south-token-0002"}
APPLICATIONS = {"north": "wb7k2q", "south": "mb4x9r"}
LOGINS = {"east": ("east@example.com", "east-password"), "west": ("west@example.com", "west-password")}
PRODUCTS = {"east": "2376158762", "west": "2395188568"}


@pytest.fixture
def raygun_v3() -> Iterator[tuple[EmulatorServer, RaygunV3App]]:
    clock = FakeClock(datetime.combine(TODAY - timedelta(days=2), time(9, 30), tzinfo=UTC))
    app = RaygunV3App(
        RaygunV3EmulatorConfig(
            tokens={token: ALL_SCOPES for token in TOKENS.values()},
            clock=clock,
            sessions_per_day=30,
            per_second_limit=0,
            per_minute_limit=0,
        )
    )
    server = EmulatorServer([app]).start()
    yield server, app
    server.stop()


@pytest.fixture
def revenera() -> Iterator[EmulatorServer]:
    clock = FakeClock(datetime.combine(TODAY, time(9), tzinfo=UTC))
    app = ReveneraApp(ReveneraEmulatorConfig(users=dict(LOGINS.values()), clock=clock, clients_per_product=60))
    server = EmulatorServer([app]).start()
    yield server
    server.stop()


def write_component(folder: Path, component: str, attributes: dict[str, object]) -> None:
    """One account's defs.yaml; ``attributes`` are written as given (secrets as ``{{ env.VAR }}`` text)."""
    folder.mkdir(parents=True)
    (folder / "defs.yaml").write_text(yaml.safe_dump({"type": f"rum_assets.components.{component}", "attributes": attributes}))


def write_accounts(folder: Path, raygun_url: str, revenera_url: str) -> None:
    for account, application in APPLICATIONS.items():
        attributes = {
            "account": account,
            "pat": f"{{{{ env.RAYGUN_PAT_{account.upper()} }}}}",
            "v3_base_url": f"{raygun_url}/v3",
            "applications": [application],
            "v3_daily_call_limit": 0,
        }
        write_component(folder / f"raygun_{account}", "RaygunComponent", attributes)
    for account, product in PRODUCTS.items():
        attributes = {
            "account": account,
            "username": f"{{{{ env.REVENERA_USERNAME_{account.upper()} }}}}",
            "password": f"{{{{ env.REVENERA_PASSWORD_{account.upper()} }}}}",
            "products": [product],
            "exports": ["raw"],
            "base_url": revenera_url,
        }
        write_component(folder / f"revenera_{account}", "ReveneraComponent", attributes)


@pytest.fixture
def two_accounts(raygun_v3, revenera, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    raygun_server, _ = raygun_v3
    write_accounts(tmp_path / "defs", raygun_server.base_url, revenera.base_url)
    for name in (
        "RAYGUN_PAT",
        "RAYGUN_API_KEY",
        "RAYGUN_CLIENT_ID",
        "RAYGUN_CLIENT_SECRET",
        "REVENERA_PASSWORD",
        "RUM_ASSETS_WAREHOUSE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RUM_ASSETS_LEDGER_URL", "")
    for account, token in TOKENS.items():
        monkeypatch.setenv(f"RAYGUN_PAT_{account.upper()}", token)
    for account, (username, password) in LOGINS.items():
        monkeypatch.setenv(f"REVENERA_USERNAME_{account.upper()}", username)
        monkeypatch.setenv(f"REVENERA_PASSWORD_{account.upper()}", password)
    monkeypatch.setenv("RUM_ASSETS_DEFS_DIR", str(tmp_path / "defs"))
    monkeypatch.setenv("RUM_ASSETS_DUCKDB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("RUM_ASSETS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RUM_ASSETS_RETRY_BASE_DELAY_SECONDS", "0.01")
    return load_defs()


def run_job(definitions: dg.Definitions, name: str) -> dict[str, int]:
    """Run an account's daily job for DAY; the row count each asset reported, by asset key."""
    result = definitions.resolve_job_def(name).execute_in_process(
        partition_key=DAY.isoformat(), instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return {
        event.asset_key.to_user_string(): event.step_materialization_data.materialization.metadata["dagster/row_count"].value
        for event in result.get_asset_materialization_events()
    }


def materialize(definitions: dg.Definitions, keys: list[dg.AssetKey]) -> dg.ExecuteInProcessResult:
    job = definitions.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(partition_key=DAY.isoformat(), asset_selection=keys, instance=dg.DagsterInstance.ephemeral())


def query(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def test_each_account_has_its_own_assets_resource_and_job(two_accounts: dg.Definitions) -> None:
    keys = {key.to_user_string() for key in two_accounts.resolve_asset_graph().get_all_asset_keys()}
    assert {"raygun/sessions", "raygun/north/sessions", "raygun/south/session_details", "revenera/east/user_activity"} <= keys
    assert {"raygun_north", "raygun_south", "revenera_east", "revenera_west", "raygun", "revenera", "warehouse"} <= set(
        two_accounts.resources or {}
    )
    assert isinstance(two_accounts.resources["raygun_north"].pat, dg.EnvVar)  # shown by name in the UI, read at run time
    for job in ("raygun_north_daily", "raygun_south_daily", "revenera_east_daily", "revenera_west_daily", "raygun_daily"):
        two_accounts.resolve_job_def(job)


@pytest.mark.slow
def test_two_accounts_of_each_vendor_land_in_the_same_tables_with_their_own_budgets(
    two_accounts: dg.Definitions, raygun_v3, tmp_path: Path
) -> None:
    _, raygun_app = raygun_v3
    row_counts: dict[str, int] = {}
    for job in ("raygun_north_daily", "raygun_south_daily", "revenera_east_daily", "revenera_west_daily"):
        row_counts |= run_job(two_accounts, job)
    # each account's materialization counts its own rows of the shared table
    assert row_counts["raygun/north/sessions"] == row_counts["raygun/south/sessions"] == 30

    sessions = query(tmp_path, "SELECT account, application_id, count(*) FROM raygun.sessions GROUP BY ALL ORDER BY ALL")
    assert sessions == [("north", APPLICATIONS["north"], 30), ("south", APPLICATIONS["south"], 30)]
    details = query(tmp_path, "SELECT account, application_id, count(*) > 0 FROM raygun.session_details GROUP BY ALL ORDER BY ALL")
    assert details == [("north", APPLICATIONS["north"], True), ("south", APPLICATIONS["south"], True)]
    activity = query(tmp_path, "SELECT DISTINCT account, product_id FROM revenera.user_activity ORDER BY ALL")
    assert activity == [("east", PRODUCTS["east"]), ("west", PRODUCTS["west"])]
    exports = [dg.AssetKey(["revenera", account, "raw_events"]) for account in PRODUCTS]
    assert materialize(two_accounts, exports).success
    events = query(tmp_path, "SELECT account, product_id, count(*) > 0 FROM revenera.raw_events GROUP BY ALL ORDER BY ALL")
    assert events == [("east", PRODUCTS["east"], True), ("west", PRODUCTS["west"], True)]

    with sqlite3.connect(tmp_path / "state" / "call_budget.sqlite3") as ledger:
        used = dict(ledger.execute("SELECT scope, used FROM call_budget WHERE day = ?", [TODAY.isoformat()]).fetchall())
    calls = raygun_app.calls_by_token
    assert {token_scope(token): calls[token] for token in TOKENS.values()} == used
    assert all(count > 0 for count in used.values())

    # account north's day again: south's rows of the day are kept
    run_job(two_accounts, "raygun_north_daily")
    assert query(tmp_path, "SELECT account, count(*) FROM raygun.sessions GROUP BY ALL ORDER BY ALL") == [("north", 30), ("south", 30)]

    # each account's marts, computed from its own rows: 30 sessions each, each login's product its own DAU
    marts = [dg.AssetKey(["raygun", account, "sessions_daily"]) for account in TOKENS]
    marts += [dg.AssetKey(["revenera", account, "usage_daily"]) for account in PRODUCTS]
    result = materialize(two_accounts, marts)
    mart_checks = [c for c in result.get_asset_check_evaluations() if c.check_name != "freshness_check"]  # a past day is overdue
    assert mart_checks and all(c.passed for c in mart_checks), [c.check_name for c in mart_checks if not c.passed]
    sessions_daily = query(
        tmp_path, "SELECT account, application_id, sessions FROM raygun.sessions_daily WHERE dimension = 'all' ORDER BY ALL"
    )
    assert sessions_daily == [("north", APPLICATIONS["north"], 30), ("south", APPLICATIONS["south"], 30)]
    usage = query(tmp_path, "SELECT DISTINCT account, product_id FROM revenera.usage_daily WHERE prod_version = '(all)' ORDER BY ALL")
    assert usage == [("east", PRODUCTS["east"]), ("west", PRODUCTS["west"])]
