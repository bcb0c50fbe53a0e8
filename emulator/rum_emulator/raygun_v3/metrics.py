"""The metrics endpoints: page time series, page histograms and error time series.

Counts agree with the sessions (see ``activity``): ``pageViews`` (whatever the aggregation: a count is
all it can be) and ``errorInstances`` are exact counts of page views and errors in each bucket, and the
``count`` aggregation of a timing metric is its number of samples, the page views. Timing values are
deterministic per (application, bucket, granularity, metric): a median drawn around a typical value,
with the other aggregations in fixed proportion to it (min < median < average < p95 < p99 < max and
sum = average x count). A bucket without page views has no timing value: its point leaves ``value`` out
(the description types it a number, not nullable), or sends null under ``null_for_absent_fields``.

Buckets start at ``start`` rounded down to the granularity (epoch-aligned, so hours and days fall on UTC
boundaries; ``7d`` buckets start at the UTC midnight of ``start``) and run until ``end``. Histograms round
``start`` down and ``end`` up to 15 minutes.

The optional ``filter`` narrows the page metrics to the named pages, in the description's two forms only:
``pageIdentifier = abc123`` or ``pageIdentifier IN (abc123, def456)``; anything else is refused like any
other invalid body (``validation_status``). The views counted are those of the named pages (an unknown
identifier counts none: zero views, no timing values), several pages add up into one answer (the
description promises no per-page split), and the timing medians are drawn per set of pages, so pages
differ. Without a filter the page views are those of every page: the sum over the pages.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

from rum_emulator.raygun_v3.activity import SLOT_MS, Activity
from rum_emulator.raygun_v3.problems import Invalid
from rum_emulator.raygun_v3.timeutil import DAY_MS, day_number, day_start_ms, floor_ms, from_ms, iso_ms, parse_instant

GRANULARITIES = {"15m": 15 * 60_000, "1h": 3_600_000, "4h": 4 * 3_600_000, "12h": 12 * 3_600_000, "1d": DAY_MS, "7d": 7 * DAY_MS}
AGGREGATIONS = ("count", "average", "median", "sum", "min", "max", "p95", "p99")
TIMING: dict[str, tuple[float, int, list[float]]] = {
    # metric -> (typical median, decimals, histogram edges)
    "loadTime": (1800.0, 0, [0, 250, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500, 10000]),
    "firstPaint": (900.0, 0, [0, 250, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000]),
    "firstContentfulPaint": (1100.0, 0, [0, 250, 500, 1000, 1500, 1800, 2500, 3000, 4000, 5000]),
    "firstInputDelay": (12.0, 0, [0, 25, 50, 100, 200, 300, 500, 1000]),
    "largestContentfulPaint": (2200.0, 0, [0, 500, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 7500]),
    "cumulativeLayoutShift": (0.08, 3, [0, 0.05, 0.1, 0.15, 0.25, 0.5, 1]),
    "interactionToNextPaint": (150.0, 0, [0, 50, 100, 200, 300, 500, 1000]),
}
PAGE_METRICS = ("pageViews", *TIMING)
_SPREAD = {"min": 0.15, "median": 1.0, "average": 1.2, "p95": 2.6, "p99": 4.0, "max": 6.0}
_SIGMA = 0.6
"""Log-normal spread of page timings around the bucket median (for histograms)."""
MAX_BUCKETS = 10_000
_PAGE = r"[A-Za-z0-9_-]+"
_ONE_PAGE = re.compile(rf"pageIdentifier = ({_PAGE})")
_SOME_PAGES = re.compile(rf"pageIdentifier IN \(({_PAGE}(?:, *{_PAGE})*)\)")


@dataclass(frozen=True)
class Query:
    start_ms: int
    end_ms: int
    granularity: str
    aggregation: str
    metrics: list[str]
    pages: tuple[str, ...] | None = None
    """The page identifiers of ``filter`` (sorted, distinct); ``None``: no filter, every page."""


def parse_filter(raw: object) -> tuple[str, ...] | None:
    """The page identifiers of a ``filter`` in one of the description's two forms (``Invalid`` otherwise)."""
    if raw is None:
        return None
    text = str(raw).strip()
    if match := _ONE_PAGE.fullmatch(text):
        return (match.group(1),)
    if match := _SOME_PAGES.fullmatch(text):
        return tuple(sorted({part.strip() for part in match.group(1).split(",")}))
    raise Invalid.one("filter", f"filter '{raw}' is not 'pageIdentifier = <id>' or 'pageIdentifier IN (<id>, <id>)'.")


def parse_query(body: Any, *, series: bool) -> Query:
    """A body the description already let through, checked for what it cannot say (``Invalid``, 422).

    The description's schema has made sure of the types, the enums, the required fields and that
    ``start`` and ``end`` are date-times; what is left: a body at all, ``end`` after ``start``, a
    ``granularity`` the emulator buckets by (the schema allows any ``^\\d+[mhd]$``) and a bounded
    number of buckets.
    """
    if not isinstance(body, dict):
        raise Invalid.one("body", "A non-empty request body is required.")
    pages = parse_filter(body.get("filter"))
    errors: dict[str, list[str]] = {}
    moments = {}
    for name in ("start", "end"):
        try:
            moments[name] = floor_ms(parse_instant(body[name]))
        except ValueError:
            errors[name] = [f"'{body[name]}' is a date-time the emulator cannot read."]
    start, end = moments.get("start", 0), moments.get("end", 0)
    if len(moments) == 2 and end <= start:
        errors["end"] = ["end must be after start."]
    granularity = body.get("granularity", "1d")
    if series and granularity not in GRANULARITIES:
        errors["granularity"] = [f"granularity {granularity} is not supported; use one of {', '.join(GRANULARITIES)}."]
    if not errors and series and _bucket_count(start, end, granularity) > MAX_BUCKETS:
        errors["granularity"] = [f"start..end at {granularity} makes more than {MAX_BUCKETS} buckets; use a coarser granularity."]
    if not body["metrics"]:
        errors["metrics"] = ["metrics must name at least one metric."]
    if errors:
        raise Invalid(errors, unprocessable=True)
    return Query(start, end, granularity, body.get("aggregation", "count"), list(body["metrics"]), pages)


def _first_bucket(start_ms: int, granularity: str) -> int:
    size = GRANULARITIES[granularity]
    if size > DAY_MS:
        return start_ms - (start_ms - day_start_ms(0)) % DAY_MS
    return start_ms - start_ms % size


def _bucket_count(start_ms: int, end_ms: int, granularity: str) -> int:
    return -(-(end_ms - _first_bucket(start_ms, granularity)) // GRANULARITIES[granularity])


def _unit(*parts: object) -> float:
    raw = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return (int.from_bytes(raw, "little") + 1) / (2**64 + 1)


def _median(seed: str, app: str, bucket: int, granularity: str, metric: str) -> float:
    u1, u2 = _unit(seed, app, bucket, granularity, metric, 1), _unit(seed, app, bucket, granularity, metric, 2)
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    return TIMING[metric][0] * math.exp(0.25 * z)


def _value(metric: str, aggregation: str, median: float, samples: int) -> float | int | None:
    if aggregation == "count" or metric == "pageViews":
        return samples
    if samples == 0:
        return None
    decimals = TIMING[metric][1]
    if aggregation == "sum":
        return round(median * _SPREAD["average"] * samples, decimals)
    return round(median * _SPREAD[aggregation], decimals)


class Metrics:
    """Answers the metrics endpoints for one application."""

    def __init__(self, seed: str, app_identifier: str, activity: Activity) -> None:
        self.seed = seed
        self.app = app_identifier
        self.activity = activity

    def _pages(self, query: Query) -> tuple[frozenset[int] | None, str]:
        """The page indexes of the filter (``None``: all) and the seed part its timings are drawn under."""
        if query.pages is None:
            return None, self.app
        index = {page.identifier: k for k, page in enumerate(self.activity.source.catalog.pages)}
        return frozenset(index[p] for p in query.pages if p in index), f"{self.app}/{','.join(query.pages)}"

    def _buckets(self, query: Query) -> list[int]:
        size = GRANULARITIES[query.granularity]
        return list(range(_first_bucket(query.start_ms, query.granularity), query.end_ms, size))

    def page_series(self, query: Query, now_ms: int, first_day_ms: int, *, nulls: bool = False) -> list[dict[str, Any]]:
        """``nulls``: a point without a value says ``"value": null`` instead of leaving it out."""
        size = GRANULARITIES[query.granularity]
        first_day = day_number(from_ms(first_day_ms).date())
        pages, drawn_for = self._pages(query)
        buckets = [(start, self.activity.total(start, start + size, now_ms, first_day, pages)[0]) for start in self._buckets(query)]
        result = []
        for metric in query.metrics:
            series = []
            for start, views in buckets:
                median = 0.0 if metric == "pageViews" else _median(self.seed, drawn_for, start, query.granularity, metric)
                value = _value(metric, query.aggregation, median, views)
                series.append({"time": iso_ms(start), "value": value} if value is not None or nulls else {"time": iso_ms(start)})
            result.append({"aggregation": query.aggregation, "metric": metric, "series": series})
        return result

    def error_series(self, query: Query, now_ms: int, first_day_ms: int) -> list[dict[str, Any]]:
        size = GRANULARITIES[query.granularity]
        first_day = day_number(from_ms(first_day_ms).date())
        series = [
            {"time": iso_ms(start), "value": self.activity.total(start, start + size, now_ms, first_day)[1]}
            for start in self._buckets(query)
        ]
        return [{"aggregation": "count", "metric": "errorInstances", "series": series}]

    def histogram(self, query: Query, now_ms: int, first_day_ms: int) -> list[dict[str, Any]]:
        start = query.start_ms - query.start_ms % SLOT_MS
        end = -(-query.end_ms // SLOT_MS) * SLOT_MS
        pages, drawn_for = self._pages(query)
        samples = self.activity.total(start, end, now_ms, day_number(from_ms(first_day_ms).date()), pages)[0]
        result = []
        for metric in query.metrics:
            typical, decimals, edges = TIMING[metric]
            median = typical * math.exp(0.25 * (2 * _unit(self.seed, drawn_for, start, end, metric) - 1))
            cdf = [0.0] + [0.5 * (1 + math.erf(math.log(edge / median) / (_SIGMA * math.sqrt(2)))) for edge in edges[1:]] + [1.0]
            shares = [samples * (high - low) for low, high in zip(cdf, cdf[1:], strict=False)]
            counts = [int(share) for share in shares]
            # Largest remainders: the buckets add up to the page views exactly.
            for k in sorted(range(len(shares)), key=lambda k: counts[k] - shares[k])[: samples - sum(counts)]:
                counts[k] += 1
            labels = [f"{_fmt(low, decimals)}-{_fmt(high, decimals)}" for low, high in zip(edges, edges[1:], strict=False)] + [
                f"{_fmt(edges[-1], decimals)}+"
            ]
            result.append(
                {
                    "metric": metric,
                    "buckets": [
                        {"key": edge, "range": label, "count": count} for edge, label, count in zip(edges, labels, counts, strict=True)
                    ],
                }
            )
        return result


def _fmt(value: float, decimals: int) -> str:
    return f"{value:g}" if decimals else str(int(value))
