"""Every answer the v3 emulator gives keeps Raygun's published description (checked with openapi-core).

Each variant of the emulator is driven through every endpoint it serves, successes and every error
status, and each recorded answer is checked against the description's response schema for its
operation and status (``contract.violations``). The checker itself is shown to catch each kind of break.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from rum_assets_tests.emulator.raygun_v3_support import LISTS, MOBILE, NO_RUM, NOW, WEB, served, small
from rum_emulator.raygun_v3 import ALL_SCOPES, DEMO_TOKEN, RaygunV3App, RaygunV3EmulatorConfig, contract, recording
from rum_emulator.raygun_v3.recording import Exchange
from rum_emulator.raygun_v3.spec import description
from rum_emulator.raygun_v3.timeutil import day_number

VARIANTS: dict[str, dict[str, Any]] = {
    "strict": {},
    "stable_default_order": {"stable_default_order": True},
    "scope_named_in_403": {"scope_named_in_403": True},
    "validation_status_422": {"validation_status": 422},
    "problem_json": {"problem_media_type": "application/problem+json"},
    "omit_null_fields": {"omit_null_fields": True},
    "null_for_absent_fields": {"null_for_absent_fields": True},
}
pytestmark = pytest.mark.v3_contract_checked_here  # every answer here is checked whole, by the tests themselves
SERIES = {"start": "2026-11-18T00:00:00Z", "end": "2026-11-21T00:00:00Z", "granularity": "1h"}


def _exercise(app: RaygunV3App, client: httpx.Client) -> None:
    """One pass over everything the emulator serves, then every error it answers."""
    for path, order in LISTS.items():
        client.get(path, params={"count": 500})
        client.get(path, params={"count": 3, "offset": 2, "orderby": f"{order} desc"})
    for application in (WEB, MOBILE, NO_RUM):
        for path in ("pages", "customers", "error-groups", "deployments", "sessions"):
            client.get(f"/applications/{application}/{path}", params={"count": 500})
    client.get(f"/applications/{WEB}/sessions", params={"count": 500, "orderby": ["countryCode", "startedAt"]})
    client.get(f"/applications/{WEB}/sessions", params={"filter": "xhr.uri eq https://shop.example.com/api/cart"})
    for application in (WEB, MOBILE):
        ordinary = app.sessions_on(application, NOW.date() - timedelta(days=1))[:2]
        for sid, include in zip(ordinary * 2, (None, "pageViews", "errors", "pageViews,errors"), strict=False):
            client.get(f"/applications/{application}/sessions/{sid}", params={"include": include} if include else {})
        client.get(f"/applications/{application}/sessions/{app.sessions_on(application, NOW.date())[-1]}", params={"include": "pageViews"})
    client.get(f"/applications/{WEB}/sessions/{_heavy(app)}", params={"include": "pageViews,errors"})  # 500 of each
    for aggregation in ("count", "median", "p99"):
        for application in (WEB, NO_RUM):
            body = {**SERIES, "aggregation": aggregation, "metrics": ["pageViews", "loadTime", "cumulativeLayoutShift"]}
            client.post(f"/metrics/{application}/pages/time-series", json=body)
    client.post(
        f"/metrics/{WEB}/pages/histogram", json={"start": SERIES["start"], "end": SERIES["end"], "metrics": ["loadTime", "firstInputDelay"]}
    )
    client.post(f"/metrics/{WEB}/errors/time-series", json={**SERIES, "aggregation": "count", "metrics": ["errorInstances"]})
    _errors(client)


def _heavy(app: RaygunV3App) -> str:
    """A session of yesterday with more than 500 page views and errors (the detail caps each list at 500)."""
    day = NOW.date() - timedelta(days=1)
    source, n = app.sources[WEB], app.session_count(WEB, day)
    i = next(i for i in range(n) if source.core(day_number(day), i, n).views > 500)
    return app.sessions_on(WEB, day)[i]


def _errors(client: httpx.Client) -> None:
    client.get(f"/applications/{WEB}/pages", params={"orderby": "identifier", "count": "0"})  # 400
    client.get(f"/applications/{WEB}/sessions/000000000000", params={"include": "crashes"})  # 400
    client.post(f"/metrics/{WEB}/pages/time-series", json={**SERIES, "metrics": ["loadTime"]})  # 400: no aggregation
    client.post(f"/metrics/{WEB}/pages/time-series", json={**SERIES, "aggregation": "count", "metrics": []})  # 422
    client.get("/applications", headers={"Authorization": "Bearer unknown"})  # 401
    client.get(f"/applications/{WEB}/error-groups", headers={"Authorization": "Bearer narrow"})  # 403
    client.get("/applications/nope/deployments")  # 404
    client.get(f"/applications/{WEB}/sessions/zzzzzzzzzzzz")  # 404
    client.get(f"/applications/{WEB}/not-served")  # 404, a path the description lacks
    client.post("/applications")  # 405


def _config(**variant: Any) -> RaygunV3EmulatorConfig:
    tokens = {DEMO_TOKEN: ALL_SCOPES, "narrow": ALL_SCOPES - {"cr.errors:read"}}
    return small(sessions_per_day=30, retention_days=30, customers_per_application=40, heavy_session_rate=0.05, tokens=tokens, **variant)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_answer_of_every_variant_keeps_the_description(variant: str) -> None:
    with recording.recorded() as exchanges:
        with served(_config(**VARIANTS[variant])) as (app, client):
            _exercise(app, client)
        with served(small(per_minute_limit=1, **VARIANTS[variant])) as (_, client):
            client.get("/applications")
            client.get("/applications")  # 429
    refused = 422 if variant == "validation_status_422" else 400
    assert {exchange.status for exchange in exchanges} >= {200, refused, 401, 403, 404, 405, 422, 429}
    assert any(e.body.count(b'"startedAt"') == 500 for e in exchanges if e.path.endswith("/sessions"))
    assert any(e.body.count(b'"viewedAt"') == 500 for e in exchanges)
    broken = {exchange.describe(): problems for exchange in exchanges if (problems := contract.violations(exchange))}
    assert not broken, json.dumps(broken, indent=1)[:4000]


def test_every_served_operation_is_exercised() -> None:
    with recording.recorded() as exchanges, served(_config()) as (app, client):
        _exercise(app, client)
    answered = {operation.operation_id for operation, _ in app.served for e in exchanges if _answers(operation, e)}
    assert answered == {operation.operation_id for operation, _ in app.served}


def _answers(operation: Any, exchange: Exchange) -> bool:
    return operation.method == exchange.method and re.fullmatch(operation.pattern, exchange.path) is not None and exchange.status == 200


# -- the checker catches what breaks the contract ------------------------------------------------

SESSION_PATH = f"/v3/applications/{WEB}/sessions"


def _exchange(
    path: str, body: Any, status: int = 200, media_type: str = "application/json", deviations: frozenset[str] = frozenset()
) -> Exchange:
    raw = json.dumps(body).encode()
    return Exchange("GET", path, (), (), b"", status, (("Content-Type", f"{media_type}; charset=utf-8"),), raw, deviations)


def _session(**changes: Any) -> dict[str, Any]:
    with served(small()) as (_, client):
        session = client.get(f"/applications/{WEB}/sessions", params={"count": 1, "orderby": "startedAt"}).json()[0]
    return {key: value for key, value in {**session, **changes}.items() if value != "<absent>"}


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([{"identifier": "x"}], "required property"),
        (["<session>", {"countryCode": "nz"}], "does not match"),
        (["<session>", {"isActive": "yes"}], "is not of type 'boolean'"),
        (["<session>", {"applicationUrl": "HomeScreen"}], "is not a 'uri'"),
        (["<session>", {"ipAddress": "300.1.1.1"}], "is not valid under any"),
        (["<session>", {"endedAt": "<absent>"}], "'endedAt' is a required property"),
        (["<session>", {"startedAt": "yesterday"}], "is not a 'date-time'"),
    ],
)
def test_the_check_finds_a_broken_session_list(body: list[Any], complaint: str) -> None:
    rows = [_session(**body[1])] if body[0] == "<session>" else body
    found = contract.violations(_exchange(SESSION_PATH, rows))
    assert any(complaint in problem for problem in found), found


def test_the_check_finds_wrong_statuses_media_types_and_nulls_unless_the_variant_allows_them() -> None:
    problem = {"type": "t", "title": "x", "status": 403, "traceId": "00-a-b-00"}
    group = {
        "identifier": "g",
        "applicationIdentifier": "a",
        "message": "m",
        "status": "active",
        "lastOccurredAt": "x",
        "createdAt": "2026-11-21T09:00:00Z",
    }
    groups = f"/v3/applications/{WEB}/error-groups"
    assert contract.violations(_exchange(SESSION_PATH, {"message": "boom"}, status=500))
    assert contract.violations(_exchange("/v3/applications", problem, status=403, media_type="application/problem+json"))
    assert not contract.violations(
        _exchange("/v3/applications", problem, 403, "application/problem+json", frozenset({"problem_media_type"}))
    )
    assert contract.violations(_exchange(groups, [{**group, "resolvedIn": None}]))
    assert not contract.violations(_exchange(groups, [{**group, "resolvedIn": None}], deviations=frozenset({"null_for_absent_fields"})))
    assert contract.violations(_exchange(groups, [{**group, "status": "snoozed"}], deviations=frozenset({"null_for_absent_fields"})))
    assert contract.violations(_exchange("/v3/applications", {**problem, "status": 422}, status=422))
    assert contract.violations(_exchange("/v3/applications", {**problem, "status": 400}, status=400))  # a 400 carries its errors map
    assert not contract.violations(_exchange("/v3/applications", {**problem, "status": 400, "errors": {"orderby": ["no"]}}, status=400))
    assert not contract.violations(_exchange(SESSION_PATH, [_session(endedAt="<absent>")], deviations=frozenset({"omit_null_fields"})))
    assert contract.violations(_exchange("/v3/applications/x/not-served", {"title": "x"}, status=404))
    assert contract.violations(_exchange("/v3/applications/x/not-served", problem, status=200))
    with pytest.raises(ValueError, match="no relaxation"):
        contract.violations(_exchange(SESSION_PATH, [], deviations=frozenset({"made_up"})))


def test_the_published_pages_schema_cannot_be_met_so_the_check_reads_its_one_of_as_any_of() -> None:
    page = [
        {
            "identifier": "p",
            "applicationIdentifier": WEB,
            "uri": "https://shop.example.com/",
            "type": "web",
            "lastSeenAt": "2026-11-21T09:00:00Z",
        }
    ]
    published = OpenAPI.from_dict(description())
    request = MockRequest("https://api.raygun.com", "get", f"/v3/applications/{WEB}/pages", headers={"Authorization": "Bearer t"})
    errors = list(published.iter_response_errors(request, MockResponse(json.dumps(page).encode())))
    assert any("is valid under each of" in str(getattr(e.__cause__, "schema_errors", "")) for e in errors), errors
    assert not contract.violations(_exchange(f"/v3/applications/{WEB}/pages", page))
