"""Three nodes share one Raygun v1 budget: session lists first, one session key for all.

Each node is its own process with its own Dagster home, and all share one PostgreSQL call ledger and
warehouse (as on a deployment of several machines). They load 4 overlapping days of
``raygun/sessions`` + ``raygun/session_details`` from the v1 emulator, whose plan allows 120 calls a
day (it answers 429 past that, so an over-spend shows) and which holds 40 sessions a day.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import traceback
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rum_assets.raygun.resource import RaygunResource
from rum_assets.raygun.v1.client import AUTHENTICATE_PATH, SESSION_PATH, SESSIONS_PATH
from rum_assets.raygun.v1.list_reservations import ListReservations, PendingLists
from rum_assets.raygun.v1.session_key_store import SharedSessionKeys
from rum_assets.warehouse.resource import WarehouseResource
from rum_emulator.environment import DEMO_RAYGUN_API_KEY, DEMO_RAYGUN_CLIENT_ID, DEMO_RAYGUN_CLIENT_SECRET
from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
from rum_emulator.server import EmulatorServer

pytestmark = pytest.mark.postgres

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SESSIONS_PER_DAY = 40
DAILY_LIMIT = 120
NODE_DAYS = ((0, 1, 2, 3), (1, 2, 0, 3), (2, 0, 1, 3))
"""Each node's days, as offsets from the first of the 4 days (the last is yesterday, the schedule's day),
in the order it loads them. Every node ends on the same day, so the last details step of all has
sessions without details left and no list still to come: it gets the rest of the budget whichever
node runs it. (Details of a day are fetched only by a run of that day: were the last step's day
fully detailed, the rest would stay unspent, rightly.)"""


def _days() -> list[date]:
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    return [yesterday - timedelta(days=offset) for offset in range(3, -1, -1)]


def _node(env: dict[str, str], days: list[str], planned: Any, results: Any) -> None:
    """One node: its own Dagster home; it plans its days' lists, waits until every node has, then
    runs each day (the day's list, then details)."""
    os.environ.update(env)
    try:
        import dagster as dg

        from rum_assets.definitions import build_definitions
        from rum_assets.raygun import names

        definitions = build_definitions()
        resources = dict(definitions.resources or {})
        assets = [a for a in definitions.assets or [] if isinstance(a, dg.AssetsDefinition) and a.key in names.DAILY_ASSETS]
        outcome: dict[str, Any] = {"runs": []}
        raygun = resources["raygun"].process_config_and_initialize()
        with dg.DagsterInstance.get() as instance, raygun.list_reservations().planned([date.fromisoformat(d) for d in days]) as tags:
            planned.wait(timeout=300)
            for day in days:
                result = dg.materialize(assets, partition_key=day, resources=resources, instance=instance, raise_on_error=False, tags=tags)
                failures = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure and e.step_failure_data.error]
                outcome["runs"].append({"day": day, "success": result.success, "failures": failures})
        results.put(outcome)
    except BaseException:
        results.put({"error": traceback.format_exc()})


def _node_env(base_url: str, postgres_url: str, home: Path) -> dict[str, str]:
    home.mkdir(parents=True)
    shutil.copyfile(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    return {
        "DAGSTER_HOME": str(home),
        "RUM_ASSETS_STATE_DIR": str(home / "state"),
        "RUM_ASSETS_DUCKDB": str(home / "unused.duckdb"),
        "RUM_ASSETS_LEDGER_URL": postgres_url,
        "RUM_ASSETS_WAREHOUSE_URL": postgres_url,
        "RAYGUN_BASE_URL": base_url,
        "RAYGUN_API_KEY": DEMO_RAYGUN_API_KEY,
        "RAYGUN_CLIENT_ID": DEMO_RAYGUN_CLIENT_ID,
        "RAYGUN_CLIENT_SECRET": DEMO_RAYGUN_CLIENT_SECRET,
        "RAYGUN_DAILY_CALL_LIMIT": str(DAILY_LIMIT),
        "RUM_ASSETS_AUTOMATION_STOPPED": "1",
        "RUM_ASSETS_RETRY_BASE_DELAY_SECONDS": "0.05",
        "TMPDIR": str(home),
    }


@pytest.mark.parametrize("where", ["sqlite", "postgres"])
def test_the_stores_take_one_lease_at_a_time_and_swap_only_the_version_read(where: str, postgres_url: str, tmp_path: Path) -> None:
    location = postgres_url if where == "postgres" else tmp_path / "call_budget.sqlite3"
    keys = [SharedSessionKeys(location, "http://127.0.0.1:1", "key", "id", "secret", lease_ttl=timedelta(seconds=30)) for _ in range(2)]
    now = datetime.now(UTC)
    assert keys[0].take_lease(0, now) and not keys[1].take_lease(0, now)  # one renewer at a time
    published = keys[0].publish("the-session-key", now + timedelta(minutes=15))
    assert keys[1].read() == (published, 1)
    assert not keys[1].take_lease(0, now)  # it read an older version: someone replaced that key already
    assert keys[1].take_lease(1, now) and not keys[0].take_lease(1, now)
    assert keys[0].take_lease(1, now + timedelta(seconds=31))  # the other's lease ran out: it died renewing
    reservations = ListReservations(location, "raygun:test", clock=lambda: now)
    reservations.plan([date(2026, 11, 1)], "a")
    reservations.plan([date(2026, 11, 1), date(2026, 11, 2)], "b")
    reservations.release("b", date(2026, 11, 1))
    reservations.landed(now.date() - timedelta(days=1), 900)
    assert reservations.pending() == PendingLists((date(2026, 11, 1), date(2026, 11, 2)), 2 * (2 + 1))


@pytest.mark.slow
@pytest.mark.logs_at("WARNING", why="it is about a spent budget stopping detail fetches, which is logged as a WARNING")
def test_three_nodes_list_every_day_and_details_get_the_rest(postgres_url: str, tmp_path: Path) -> None:
    days = _days()
    app = RaygunApp(RaygunEmulatorConfig(sessions_per_day=SESSIONS_PER_DAY, daily_call_limit=DAILY_LIMIT, limit_retry_after=False))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    planned = context.Barrier(len(NODE_DAYS))
    with EmulatorServer([app]) as server:
        nodes = [
            context.Process(
                target=_node,
                args=(
                    _node_env(server.base_url, postgres_url, tmp_path / f"node{index}"),
                    [days[o].isoformat() for o in offsets],
                    planned,
                    results,
                ),
            )
            for index, offsets in enumerate(NODE_DAYS)
        ]
        for node in nodes:
            node.start()
        outcomes = [results.get(timeout=900) for _ in nodes]
        for node in nodes:
            node.join(timeout=60)
        requests = server.requests_by_path
        base_url = server.base_url
    errors = [o["error"] for o in outcomes if "error" in o]
    assert not errors, "\n".join(errors)
    failures = [(run["day"], run["failures"]) for o in outcomes for run in o["runs"] if not run["success"]]

    with WarehouseResource(url=postgres_url).connection() as conn:
        sessions = conn.execute(
            "SELECT partition_date, count(*), count(DISTINCT session_id) FROM raygun.sessions GROUP BY 1 ORDER BY 1"
        ).fetchall()
        details = conn.execute("SELECT count(*), count(DISTINCT session_id) FROM raygun.session_details").fetchone()
    today = datetime.now(UTC).date()
    figures = {
        "lists_landed": len(sessions),
        "sessions": sum(row[1] for row in sessions),
        "details": details[0] if details else 0,
        "calls": app.calls_used(DEMO_RAYGUN_API_KEY, today),
        "rate_limited": app.rate_limited,
        "authentications": requests.get(AUTHENTICATE_PATH, 0),
        "list_calls": requests.get(SESSIONS_PATH, 0),
        "detail_calls": requests.get(SESSION_PATH, 0),
        "failures": failures,
    }
    print("3-node v1 figures:", figures)
    assert failures == [], figures
    assert [(row[0], row[1], row[2]) for row in sessions] == [(day, SESSIONS_PER_DAY, SESSIONS_PER_DAY) for day in days], figures
    assert details is not None and details[0] == details[1]
    assert app.rate_limited == 0, figures
    assert figures["calls"] == DAILY_LIMIT, figures
    # every call the lists did not need went to details, none twice to the same session (one batch per day at a time)
    assert figures["details"] == figures["detail_calls"] == DAILY_LIMIT - figures["authentications"] - figures["list_calls"], figures
    assert figures["authentications"] < len(NODE_DAYS), figures
    raygun = RaygunResource(
        api_key=DEMO_RAYGUN_API_KEY,
        client_id=DEMO_RAYGUN_CLIENT_ID,
        client_secret=DEMO_RAYGUN_CLIENT_SECRET,
        base_url=base_url,
        ledger_url=postgres_url,
    )
    assert raygun.list_reservations().pending().days == ()  # every plan released, the schedule's day listed
    assert raygun.ledger().used() == DAILY_LIMIT
