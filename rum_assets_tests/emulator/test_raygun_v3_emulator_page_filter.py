"""The page metrics' ``filter``: the named pages' views and timings only, over real HTTP."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from rum_assets_tests.emulator.raygun_v3_support import WEB, assert_problem, served, small, walk

DAY = {"start": "2026-11-20T00:00:00Z", "end": "2026-11-21T00:00:00Z"}
SERIES = f"/metrics/{WEB}/pages/time-series"
HISTOGRAM = f"/metrics/{WEB}/pages/histogram"
COUNT = {**DAY, "granularity": "1d", "aggregation": "count", "metrics": ["pageViews"]}


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def _views(client: httpx.Client, filter_: str | None = None) -> int:
    body = COUNT if filter_ is None else {**COUNT, "filter": filter_}
    return _post(client, SERIES, body)[0]["series"][0]["value"]


def _sessions_views_per_page(client: httpx.Client) -> Counter[str]:
    sessions = walk(client, f"/applications/{WEB}/sessions", 500, orderby="startedAt")
    details = [client.get(f"/applications/{WEB}/sessions/{s['identifier']}", params={"include": "pageViews"}).json() for s in sessions]
    return Counter(v["pageIdentifier"] for d in details for v in d["pageViews"] if v["viewedAt"].startswith("2026-11-20"))


def test_a_page_filter_counts_that_pages_views_from_the_sessions_and_all_pages_add_up() -> None:
    with served(small(sessions_per_day=40)) as (_, client):
        expected = _sessions_views_per_page(client)
        pages = [p["identifier"] for p in walk(client, f"/applications/{WEB}/pages", 500, orderby="uri")]
        per_page = {page: _views(client, f"pageIdentifier = {page}") for page in pages}
        everything = _views(client)
        two = sorted(expected)[:2]
        both = _views(client, f"pageIdentifier IN ({two[0]}, {two[1]})")
    assert {page: n for page, n in per_page.items() if n} == dict(expected)
    assert sum(per_page.values()) == everything > 0
    assert both == expected[two[0]] + expected[two[1]]
    assert len(expected) > 2


def test_a_page_filter_narrows_the_histogram_and_draws_its_own_timings() -> None:
    with served(small(sessions_per_day=40)) as (_, client):
        busiest = _sessions_views_per_page(client).most_common(2)
        histograms = {
            page: _post(client, HISTOGRAM, {**DAY, "metrics": ["loadTime"], "filter": f"pageIdentifier = {page}"}) for page, _ in busiest
        }
        medians = {
            page: _post(client, SERIES, {**COUNT, "aggregation": "median", "metrics": ["loadTime"], "filter": f"pageIdentifier = {page}"})
            for page, _ in busiest
        }
    for page, views in busiest:
        assert sum(b["count"] for b in histograms[page][0]["buckets"]) == views > 0
    first, second = (page for page, _ in busiest)
    assert histograms[first][0]["buckets"] != histograms[second][0]["buckets"]
    assert medians[first][0]["series"][0]["value"] != medians[second][0]["series"][0]["value"]


def test_an_unknown_page_gives_no_views_and_no_timings() -> None:
    with served(small(sessions_per_day=40)) as (_, client):
        views = _views(client, "pageIdentifier = pgnosuchpage")
        median = _post(
            client, SERIES, {**COUNT, "aggregation": "median", "metrics": ["loadTime"], "filter": "pageIdentifier = pgnosuchpage"}
        )
        histogram = _post(client, HISTOGRAM, {**DAY, "metrics": ["loadTime"], "filter": "pageIdentifier IN (pgnosuchpage)"})
    assert views == 0
    assert "value" not in median[0]["series"][0]
    assert all(b["count"] == 0 for b in histogram[0]["buckets"])


@pytest.mark.parametrize(
    "filter_", ["pageIdentifier eq abc123", "uri = /home", "pageIdentifier IN ()", "pageIdentifier = abc123 OR pageIdentifier = def456"]
)
@pytest.mark.parametrize("status", [400, 422])
def test_a_filter_outside_the_two_published_forms_is_refused(filter_: str, status: int) -> None:
    with served(small(validation_status=status)) as (_, client):
        assert_problem(client.post(HISTOGRAM, json={**DAY, "metrics": ["loadTime"], "filter": filter_}), status, field="filter")
        assert_problem(client.post(SERIES, json={**COUNT, "filter": filter_}), status, field="filter")
