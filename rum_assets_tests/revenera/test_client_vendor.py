"""Requests as the vendor expects them, against the emulator: paths, headers, v2-style failures, event usage."""

from __future__ import annotations

import json

import pytest

from rum_assets.revenera.client import ReveneraClient
from rum_assets.revenera.paths import ENDPOINTS, parse_path_overrides
from rum_assets.revenera.resource import ReveneraResource
from rum_assets.transport.errors import NotFoundError, PayloadError
from rum_assets.transport.http import RetryPolicy
from rum_assets_tests.fakes import FakeClock
from rum_emulator.environment import DEMO_REVENERA_PASSWORD, DEMO_REVENERA_USERNAME
from rum_emulator.faults import FaultRule

from .conftest import DAY, make_client

PID = "2376158762"


def _client(base_url: str, **options: object) -> ReveneraClient:
    return ReveneraClient(
        base_url, DEMO_REVENERA_USERNAME, DEMO_REVENERA_PASSWORD, policy=RetryPolicy(max_attempts=2, base_delay_seconds=0.01), **options
    )  # type: ignore[arg-type]


def test_a_wrong_inferred_path_names_itself_and_how_to_override_it(start_revenera, monkeypatch: pytest.MonkeyPatch) -> None:
    server, _ = start_revenera()
    monkeypatch.setitem(ENDPOINTS, "custom_list", ENDPOINTS["custom_list"]._replace(path="/v3/customEvents/listFiles/{pid}"))
    with _client(server.base_url) as client, pytest.raises(NotFoundError) as raised:
        client.list_export_files("cust", PID)
    message = str(raised.value)
    assert f"GET /v3/customEvents/listFiles/{PID}" in message
    assert "is inferred" in message and "REVENERA_PATH_OVERRIDES" in message and "'custom_list'" in message

    overrides = parse_path_overrides(json.dumps({"custom_list": "/v3/customEventTracking/listFiles/{pid}"}))
    with _client(server.base_url, path_overrides=overrides) as client:
        assert client.list_export_files("cust", PID).daily_files  # type: ignore[union-attr]
    assert server.requests_by_path[f"/v3/customEventTracking/listFiles/{PID}"] == 1


def test_path_overrides_are_read_and_checked_by_the_resource(start_revenera) -> None:
    server, _ = start_revenera()
    resource = ReveneraResource(
        username=DEMO_REVENERA_USERNAME,
        password=DEMO_REVENERA_PASSWORD,
        product_ids=PID,
        base_url=server.base_url,
        path_overrides=json.dumps({"custom_list": "/v3/nowhere/{pid}"}),
        client_name="rum-pipeline",
        client_version="2.1",
    )
    with resource.get_client() as client, pytest.raises(NotFoundError, match="comes from REVENERA_PATH_OVERRIDES"):
        assert client._http.headers["RUI-Client"] == "rum-pipeline" and client._http.headers["RUI-Client-Version"] == "2.1"
        client.list_export_files("cust", PID)
    with pytest.raises(ValueError, match="unknown endpoints"):
        parse_path_overrides('{"no_such": "/v3/x/{pid}"}')
    with pytest.raises(ValueError, match="must contain"):
        parse_path_overrides('{"custom_list": "/v3/x"}')


def test_default_headers_are_the_vendor_examples(start_revenera) -> None:
    server, _ = start_revenera()
    with make_client(server.base_url) as client:
        assert (client._http.headers["RUI-Client"], client._http.headers["RUI-Client-Version"]) == ("Postman", "0.0.1")
        client.product_properties(PID)  # the emulator refuses calls without both headers


@pytest.mark.parametrize("shape", ["forbidden", "redirect", "v2_body", "status"])
def test_an_expired_session_in_any_shape_logs_in_once_more(start_revenera, clock: FakeClock, shape: str) -> None:
    server, _ = start_revenera(failure_shape=shape, session_ttl_seconds=600)
    with make_client(server.base_url) as client:
        client.product_properties(PID)
        clock.advance(601)
        assert client.product_properties(PID).result
        assert client.logins == 2
    assert server.requests_by_path[f"/v3/meta/productProperties/{PID}"] == 2 + 1


def test_a_v2_status_body_is_a_payload_error_with_the_reason(start_revenera) -> None:
    server, _ = start_revenera(v2_failure_endpoints=("usage_distribution",))
    with make_client(server.base_url) as client, pytest.raises(PayloadError) as raised:
        client.usage_distribution(PID, DAY)
    assert "the vendor answered status 'SYNTAX ERROR'" in str(raised.value) and f"usageDistribution/{PID}" in str(raised.value)


def test_event_usage_asks_advanced_events_by_name_and_basic_ones_from_the_timeline(start_revenera) -> None:
    server, app = start_revenera()
    with make_client(server.base_url) as client:
        catalog = client.event_catalog(PID)
        usage = client.event_usage(PID, DAY, catalog)
    tracked = {
        (c.category, e.event_name): "ADVANCED" if e.advanced else "BASIC"
        for c in catalog.result
        for e in c.category_event_names
        if e.advanced or e.basic
    }
    assert {(u.category, u.name): u.tracking for u in usage} == tracked
    assert {"ADVANCED", "BASIC"} <= set(tracked.values())
    sent = {path.rsplit("/", 2)[-2]: body for path, body in app.received if path.endswith(PID) and body}
    advanced_sent = [(e["category"], e["name"]) for e in sent["fullReport"]["events"]]
    assert sorted(advanced_sent, key=str) == sorted((k for k, v in tracked.items() if v == "ADVANCED"), key=str)
    assert all(e["name"] for e in sent["timeline"]["events"])


def test_combination_entries_are_kept(start_revenera) -> None:
    server, _ = start_revenera()
    body = {
        "result": [
            {"category": "File", "name": "Open", "eventCounts": 3},
            {"combiLabel": "Open or Save", "eventCounts": 5, "uniqueUsersUsedAtLeastOnce": 2},
        ]
    }
    server.faults.add(FaultRule("/v3/reporting/eventTracking/advanced/fullReport", status=200, body=json.dumps(body).encode()))
    with make_client(server.base_url) as client:
        usage = client.event_usage(PID, DAY)
    combi = [u for u in usage if u.combi_label]
    assert [(u.combi_label, u.name, u.event_counts, u.unique_users_used_at_least_once) for u in combi] == [("Open or Save", None, 5, 2)]


def test_client_property_list_sends_both_date_bounds(start_revenera) -> None:
    server, app = start_revenera()
    with make_client(server.base_url) as client:
        next(client.iter_client_pages(PID, DAY, ["ram"], ["prodVersion"]))
    body = next(b for p, b in app.received if "clientPropertyList" in p)
    for name in ("dateInstalled", "dateLastSeen"):
        assert {"min", "max"} <= set(body["globalFilters"][name])
    assert body["globalFilters"]["dateInstalled"]["max"] == body["globalFilters"]["dateLastSeen"]["min"] == DAY.isoformat()


def test_a_segmented_request_answered_unsegmented_fails_clearly(start_revenera) -> None:
    server, _ = start_revenera()
    server.faults.add(
        FaultRule("/v3/reporting/generic/dateRange", status=200, body=json.dumps({"result": {DAY.isoformat(): {"active": 4}}}).encode())
    )
    with (
        make_client(server.base_url) as client,
        pytest.raises(PayloadError, match=r"asked to segment by 'prodEdition' but the answer for .* is not segmented"),
    ):
        client.user_activity(PID, DAY, segment_property="prodEdition")
