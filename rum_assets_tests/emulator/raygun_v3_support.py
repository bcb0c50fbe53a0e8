"""Helpers shared by the ``test_raygun_v3_emulator*`` files: the v3 app on a loopback server, record checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from rum_assets_tests.fakes import FakeClock
from rum_emulator.raygun_v3 import DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig
from rum_emulator.server import EmulatorServer

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
WEB, MOBILE, NO_RUM = "wb7k2q", "mb4x9r", "in3p8t"
AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")
PROBLEM_KEYS = {"type", "title", "detail", "status", "traceId"}
STR, INT, BOOL, NULL = str, int, bool, type(None)
SESSION = {
    "identifier": STR, "applicationIdentifier": STR, "customerIdentifier": STR, "isActive": BOOL, "startedAt": STR,
    "updatedAt": STR, "endedAt": (STR, NULL), "ipAddress": STR, "countryCode": (STR, NULL), "platformName": STR,
    "operatingSystemName": STR, "operatingSystemVersion": (STR, NULL), "browserName": STR, "browserVersion": (STR, NULL),
    "viewportWidth": INT, "viewportHeight": INT, "deploymentVersion": (STR, NULL), "applicationUrl": STR,
}  # fmt: skip
LISTS = {
    "/applications": "name",
    f"/applications/{WEB}/sessions": "startedAt",
    f"/applications/{WEB}/pages": "uri",
    f"/applications/{MOBILE}/pages": "name",
    f"/applications/{WEB}/customers": "firstSeenAt",
    f"/applications/{WEB}/error-groups": "createdAt",
    f"/applications/{WEB}/deployments": "deployedAt",
}
"""Every list the emulator serves, with an ``orderby`` of its description's enum that orders it totally."""


@contextmanager
def served(config: RaygunV3EmulatorConfig | None = None) -> Iterator[tuple[RaygunV3App, httpx.Client]]:
    """The v3 app on a loopback server, and a client whose base URL is ``<server>/v3`` (as a real client's is)."""
    app = RaygunV3App(config)
    with EmulatorServer([app]) as server, httpx.Client(base_url=f"{server.base_url}/v3", headers=AUTH, timeout=30) as client:
        yield app, client


def conforms(record: dict[str, Any], model: dict[str, Any], where: str, optional: frozenset[str] = frozenset()) -> None:
    """``record`` has every field of ``model`` but the ``optional`` ones, and no other."""
    assert set(model) - optional <= set(record) <= set(model), f"{where}: keys differ: {set(record) ^ set(model)}"
    for name, allowed in model.items():
        if name not in record:
            continue
        value = record[name]
        assert isinstance(value, allowed) and not (isinstance(value, bool) and allowed is not BOOL), f"{where}.{name}={value!r}"
        if name.endswith("At") and value is not None:
            assert TIMESTAMP.fullmatch(value), f"{where}.{name}={value!r}"


def assert_problem(
    response: httpx.Response,
    status: int,
    *,
    field: str | None = None,
    mentions: str | None = None,
    media_type: str = "application/json",
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers.get("x-raygun-requestid")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    if field is not None:
        assert field in body["errors"] and all(isinstance(m, str) for m in body["errors"][field]), body
    if mentions is not None:
        assert mentions in body["detail"], body
    return body


def walk(client: httpx.Client, path: str, count: int, **params: Any) -> list[dict[str, Any]]:
    """Every row of a list endpoint by offset paging, stopping at a short page (bounded)."""
    rows: list[dict[str, Any]] = []
    for _ in range(10_000):
        response = client.get(path, params={**params, "count": count, "offset": len(rows)})
        assert response.status_code == 200, response.text
        page = response.json()
        assert isinstance(page, list) and len(page) <= count
        rows.extend(page)
        if len(page) < count:
            return rows
    raise AssertionError(f"{path} did not end")


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["identifier"] for row in rows]


LIMITS_OFF: dict[str, Any] = {"per_second_limit": 0, "per_minute_limit": 0, "per_day_limit": 0}
"""The clock is frozen in most tests, so the per-second window would refuse their eleventh call."""


def small(clock: FakeClock | None = None, **overrides: Any) -> RaygunV3EmulatorConfig:
    """A config small enough to list every session: 7 a day over 3 retained days plus today."""
    settings: dict[str, Any] = {
        "sessions_per_day": 7,
        "retention_days": 3,
        "clock": clock or FakeClock(NOW),
        "heavy_session_rate": 0.0,
        **LIMITS_OFF,
    }
    return RaygunV3EmulatorConfig(**{**settings, **overrides})


def retained_ids(app: RaygunV3App, identifier: str, now: datetime, retention: int) -> list[str]:
    return [sid for back in range(retention, -1, -1) for sid in app.sessions_on(identifier, now.date() - timedelta(days=back))]
