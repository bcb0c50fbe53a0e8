"""Raygun v3 page histograms (``POST /metrics/{app}/pages/histogram``): the models of its answer, the
``raygun.page_metric_histograms`` table and how one day's answer becomes its rows.

The histogram is what the time series cannot give: the time series has no p75 aggregation, and the share
of page views under a web-vitals threshold needs the distribution. Buckets are stored as sent, one row
per (application, page, metric, bucket): the application-wide histogram under ``page_identifier``
``APPLICATION_WIDE``, and one per recently seen page (``filter: pageIdentifier = <page>``); ``bucket_key`` is the bucket's lower bound, and the next bucket's key
its exclusive upper bound (``range``: ``{lower} - {upper}``, the last one open).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from pydantic import RootModel

from rum_assets.raygun.v3.models import V3Model
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.tables import Column, Table

HISTOGRAM_METRICS = (
    "loadTime",
    "firstPaint",
    "firstContentfulPaint",
    "firstInputDelay",
    "largestContentfulPaint",
    "cumulativeLayoutShift",
    "interactionToNextPaint",
)
"""The description's enum for the histogram's ``metrics`` (pageViews is not one)."""


class HistogramBucket(V3Model):
    key: float
    range: str | None = None
    count: int


class Histogram(V3Model):
    metric: str
    buckets: list[HistogramBucket]


class HistogramList(RootModel[list[Histogram]]):
    pass


APPLICATION_WIDE = "(all pages)"
"""``page_identifier`` of the application-wide histogram (a key column is NOT NULL, and no Raygun
identifier has parentheses or spaces)."""

PAGE_METRIC_HISTOGRAMS = Table(
    schema="raygun",
    name="page_metric_histograms",
    description="The day's page-timing histograms of each Raygun v3 application and its recently seen pages: one row per page, metric and bucket.",
    key_columns=("page_identifier", "metric", "bucket_key"),
    scope_columns=("account", "application_id"),
    columns=(
        Column("partition_date", "DATE", "UTC day the histogram covers (the Dagster partition)", nullable=False),
        Column("application_id", "VARCHAR", "Raygun v3 application identifier", nullable=False),
        ACCOUNT_COLUMN,
        Column(
            "page_identifier",
            "VARCHAR",
            f"Raygun page identifier of a one-page histogram, or '{APPLICATION_WIDE}' for the application's (rows written "
            "before per-page histograms get that value)",
            nullable=False,
            default=APPLICATION_WIDE,
        ),
        Column("metric", "VARCHAR", "loadTime, largestContentfulPaint, ... (the API's metric name)", nullable=False),
        Column(
            "bucket_key",
            "DOUBLE",
            "Lower bound of the bucket: milliseconds for timings, a score for cumulativeLayoutShift",
            nullable=False,
        ),
        Column("bucket_range", "VARCHAR", "The bucket as the API labels it: inclusive lower and exclusive upper bound"),
        Column("bucket_count", "BIGINT", "Page views whose value falls in the bucket (count)"),
    ),
)


def histogram_rows(histograms: Iterable[Histogram], app: str, day: date, page: str = APPLICATION_WIDE) -> Iterator[dict[str, Any]]:
    for histogram in histograms:
        for bucket in histogram.buckets:
            yield {
                "partition_date": day,
                "application_id": app,
                "page_identifier": page,
                "metric": histogram.metric,
                "bucket_key": bucket.key,
                "bucket_range": bucket.range,
                "bucket_count": bucket.count,
            }
