"""Page and error time-series metrics for one UTC day against the v3 emulator."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from rum_assets.raygun.v3.histograms import HISTOGRAM_METRICS
from rum_assets.raygun.v3.models import DEFAULT_AGGREGATIONS, PAGE_METRICS
from rum_assets.raygun.v3.problems import MissingScopeError
from rum_assets_tests.fakes import FakeClock
from rum_assets_tests.raygun.v3.conftest import WEB_APP, fake_time_client
from rum_emulator.raygun_v3 import ALL_SCOPES

DAY = date(2026, 11, 18)


def test_every_page_metric_and_aggregation_for_one_day(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(sessions_per_day=200)
    with fake_time_client(server, clock, tmp_path) as client:
        series = client.page_metrics(WEB_APP, DAY)
        errors = client.error_metrics(WEB_APP, DAY)
    assert len(recording.answers) == len(DEFAULT_AGGREGATIONS) + 1  # one call per aggregation, one for errors
    assert {(s.aggregation, s.metric) for s in series} == {(a, m) for a in DEFAULT_AGGREGATIONS for m in PAGE_METRICS}
    for one in series:
        assert [point.time.date() for point in one.series] == [DAY]
    views = next(s for s in series if s.aggregation == "count" and s.metric == "pageViews")
    assert views.series[0].value and views.series[0].value > 0
    assert [(s.aggregation, s.metric) for s in errors] == [("count", "errorInstances")]
    assert errors[0].series[0].time.date() == DAY


def test_metrics_scope_is_named(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    token = "token-without-error-metrics"
    server, _, _ = start_v3(tokens={token: ALL_SCOPES - {"metrics:errors"}})
    with fake_time_client(server, clock, tmp_path, token=token) as client:
        assert client.page_metrics(WEB_APP, DAY, aggregations=("count",))
        with pytest.raises(
            MissingScopeError,
            match=r"Raygun v3 POST /metrics/wb7k2q/errors/time-series for day 2026-11-18 \(HTTP 403\): the token lacks metrics:errors: add it in Raygun's personal access token settings",
        ):
            client.error_metrics(WEB_APP, DAY)


def test_the_page_histograms_of_a_day_in_one_call(start_v3, clock: FakeClock, tmp_path: Path) -> None:
    server, _, recording = start_v3(sessions_per_day=200)
    with fake_time_client(server, clock, tmp_path) as client:
        histograms = client.page_histograms(WEB_APP, DAY)
        [views] = client.page_metrics(WEB_APP, DAY, metrics=("pageViews",), aggregations=("count",))
    assert len(recording.answers) == 2
    assert [h.metric for h in histograms] == list(HISTOGRAM_METRICS)
    for histogram in histograms:
        keys = [bucket.key for bucket in histogram.buckets]
        assert keys == sorted(keys) and keys[0] == 0
        assert sum(bucket.count for bucket in histogram.buckets) == views.series[0].value, "every page view in one bucket"
