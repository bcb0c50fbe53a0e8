"""raygun/page_metrics and raygun/error_metrics land one UTC day of what the v3 emulator serves."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from rum_assets.orchestration.quality import NO_NULL_KEYS, UNIQUE_KEYS
from rum_assets.raygun import names
from rum_assets.raygun.v3.assets import (
    ERROR_METRICS_KEY,
    PAGE_METRICS_KEY,
    ROWS_BY_APPLICATION,
    raygun_error_metrics,
    raygun_page_metric_histograms,
    raygun_page_metrics,
)
from rum_assets.raygun.v3.histograms import APPLICATION_WIDE, HISTOGRAM_METRICS
from rum_assets.raygun.v3.models import DEFAULT_AGGREGATIONS, PAGE_METRICS
from rum_assets_tests.raygun.v3.test_v3_assets_support import (
    DAY,
    RUM_APPS,
    WEB_APP,
    clock,  # noqa: F401  (fixture)
    emulator_histograms,
    emulator_series,
    instant,
    materialize,
    metadata,
    query,
    resources,
    start_v3,  # noqa: F401  (fixture)
)

MIDNIGHT = datetime.combine(DAY, time(0), tzinfo=UTC)


def test_every_page_metric_and_aggregation_of_the_day(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    result = materialize([raygun_page_metrics], resources(server, tmp_path), DAY)
    assert result.success
    stored = query(
        tmp_path,
        "SELECT application_id, metric, aggregation, bucket_start, value FROM raygun.page_metrics WHERE partition_date = ? ORDER BY ALL",
        [DAY],
    )
    expected = []
    for app_id in RUM_APPS:
        for aggregation in DEFAULT_AGGREGATIONS:
            for series in emulator_series(app, app_id, DAY, aggregation, list(PAGE_METRICS)):
                [point] = series["series"]
                expected.append((app_id, series["metric"], aggregation, instant(point["time"]), point["value"]))
    assert stored == sorted(expected)
    assert len(stored) == len(RUM_APPS) * len(PAGE_METRICS) * len(DEFAULT_AGGREGATIONS)
    assert {row[3] for row in stored} == {MIDNIGHT}
    views = {row[0]: row[4] for row in stored if row[1] == "pageViews" and row[2] == "count"}
    assert all(count > 0 for count in views.values())
    meta = metadata(result, PAGE_METRICS_KEY)
    assert meta["dagster/row_count"] == len(stored)
    assert meta[ROWS_BY_APPLICATION] == {a: len(PAGE_METRICS) * len(DEFAULT_AGGREGATIONS) for a in RUM_APPS}
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks[UNIQUE_KEYS] and checks[NO_NULL_KEYS]


def test_error_instances_of_the_day(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    result = materialize([raygun_error_metrics], resources(server, tmp_path), DAY)
    assert result.success
    stored = query(
        tmp_path,
        "SELECT application_id, bucket_start, error_instances FROM raygun.error_metrics WHERE partition_date = ? ORDER BY ALL",
        [DAY],
    )
    expected = []
    for app_id in RUM_APPS:
        [series] = emulator_series(app, app_id, DAY, "count", ["errorInstances"], errors=True)
        expected.extend((app_id, instant(p["time"]), p["value"]) for p in series["series"])
    assert stored == sorted(expected)
    assert [row[1] for row in stored] == [MIDNIGHT, MIDNIGHT]
    assert sum(row[2] for row in stored) > 0
    assert metadata(result, ERROR_METRICS_KEY)["dagster/row_count"] == len(RUM_APPS)


def test_a_rerun_replaces_only_the_loaded_application_of_the_day(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, _ = start_v3()
    assert materialize([raygun_error_metrics], resources(server, tmp_path), DAY).success
    first = query(tmp_path, "SELECT application_id, _run_id FROM raygun.error_metrics ORDER BY ALL")
    assert materialize([raygun_error_metrics], resources(server, tmp_path, application_ids=WEB_APP), DAY).success
    second = dict(query(tmp_path, "SELECT application_id, _run_id FROM raygun.error_metrics ORDER BY ALL"))
    assert len(second) == len(RUM_APPS)
    assert second[WEB_APP] != dict(first)[WEB_APP]
    assert all(second[a] == run for a, run in first if a != WEB_APP)


def test_the_page_histograms_of_the_day_as_sent(start_v3, tmp_path: Path) -> None:  # noqa: F811
    server, app = start_v3()
    result = materialize([raygun_page_metric_histograms], resources(server, tmp_path, v3_histogram_pages=3), DAY)
    assert result.success
    stored = query(
        tmp_path,
        "SELECT application_id, page_identifier, metric, bucket_key, bucket_range, bucket_count FROM raygun.page_metric_histograms "
        "WHERE partition_date = ? ORDER BY ALL",
        [DAY],
    )
    pages = {app_id: sorted({row[1] for row in stored if row[0] == app_id} - {APPLICATION_WIDE}) for app_id in RUM_APPS}
    assert all(1 <= len(found) <= 3 for found in pages.values()), pages
    expected = []
    for app_id in RUM_APPS:
        for page in (None, *pages[app_id]):
            for histogram in emulator_histograms(app, app_id, DAY, list(HISTOGRAM_METRICS), page):
                expected.extend(
                    (app_id, page or APPLICATION_WIDE, histogram["metric"], float(b["key"]), b["range"], b["count"])
                    for b in histogram["buckets"]
                )
    assert stored == sorted(expected)
    assert {row[2] for row in stored} == set(HISTOGRAM_METRICS)
    for app_id in RUM_APPS:  # each page's views are a part of the application's
        views = {page: sum(r[5] for r in stored if r[0] == app_id and r[1] == page and r[2] == "loadTime") for page in pages[app_id]}
        whole = sum(r[5] for r in stored if r[0] == app_id and r[1] == APPLICATION_WIDE and r[2] == "loadTime")
        assert sum(views.values()) <= whole and any(views.values()), views
    assert metadata(result, names.PAGE_METRIC_HISTOGRAMS)["dagster/row_count"] == len(stored)
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks[UNIQUE_KEYS] and checks[NO_NULL_KEYS]
