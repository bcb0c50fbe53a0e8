"""Percentiles and web-vitals rating shares estimated from Raygun v3 page histograms, in SQL.

A bucket holds ``n`` views between its key ``lo`` and the next bucket's key ``hi``. The views are taken
as spread evenly within their bucket (the last, open bucket as all just above its lower bound: at
or under a threshold only if the threshold is above its key), so:

- the q-quantile is ``lo + (q * total - below) / n * (hi - lo)`` in the bucket where the running count
  first reaches ``q * total`` (``below``: views in the buckets before it);
- the share of views at or under a threshold T is ``sum(n * clamp((T - lo) / (hi - lo), 0, 1)) / total``,
  exact where T is a bucket edge, as the published thresholds are in Raygun's buckets.

Good is at or under the first threshold, poor above the second (web.dev's Core Web Vitals thresholds).
"""

from __future__ import annotations

HISTOGRAMS = "raygun.page_metric_histograms"

THRESHOLDS = {"largestContentfulPaint": (2500, 4000), "interactionToNextPaint": (200, 500), "cumulativeLayoutShift": (0.1, 0.25)}
"""Metric -> (good at or under, poor above): LCP 2.5 s / 4 s, INP 200 ms / 500 ms, CLS 0.1 / 0.25."""

QUANTILES = {"p50": 0.5, "p75": 0.75, "p95": 0.95}


def _double(value: object) -> str:
    return f"CAST({value} AS DOUBLE PRECISION)"


_BUCKETS = (
    "SELECT h.account, h.application_id, h.page_identifier, h.metric, h.bucket_key AS lo, "
    "lead(h.bucket_key) OVER (PARTITION BY h.account, h.application_id, h.page_identifier, h.metric ORDER BY h.bucket_key) AS hi, "
    f"{_double('h.bucket_count')} AS n, "
    f"{_double('coalesce(sum(h.bucket_count) OVER (PARTITION BY h.account, h.application_id, h.page_identifier, h.metric ORDER BY h.bucket_key ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)')} AS below, "
    f"{_double('sum(h.bucket_count) OVER (PARTITION BY h.account, h.application_id, h.page_identifier, h.metric)')} AS total "
    f"FROM {HISTOGRAMS} AS h WHERE h.partition_date = ?"
)


def _quantile(q: float) -> str:
    target = f"{q} * b.total"
    return (
        f"min(CASE WHEN b.n > 0 AND b.below < {target} AND {target} <= b.below + b.n "
        f"THEN b.lo + ({target} - b.below) / b.n * (coalesce(b.hi, b.lo) - b.lo) END)"
    )


def _share_at_or_under(threshold: str) -> str:
    within = f"CASE WHEN b.hi IS NULL THEN (CASE WHEN b.lo < {threshold} THEN {_double(1)} ELSE {_double(0)} END) ELSE greatest({_double(0)}, least({_double(1)}, ({threshold} - b.lo) / (b.hi - b.lo))) END"
    return f"sum(b.n * {within}) / NULLIF(max(b.total), 0)"


def _threshold(index: int) -> str:
    cases = " ".join(f"WHEN '{metric}' THEN {_double(limits[index])}" for metric, limits in THRESHOLDS.items())
    return f"(CASE b.metric {cases} END)"


def metric_stats_sql() -> str:
    """Per (account, application_id, page_identifier, metric) of the day (one ``?``): samples, p50, p75, p95 and, for LCP, INP and
    CLS, the good, needs-improvement and poor shares."""
    good, poor = _share_at_or_under(_threshold(0)), _share_at_or_under(_threshold(1))
    quantiles = ", ".join(f"{_quantile(q)} AS {name}" for name, q in QUANTILES.items())
    return (
        f"SELECT b.account, b.application_id, b.page_identifier, b.metric, max(b.total) AS samples, {quantiles}, {good} AS good_share, "
        f"{poor} - {good} AS needs_improvement_share, 1 - {poor} AS poor_share "
        f"FROM ({_BUCKETS}) AS b GROUP BY b.account, b.application_id, b.page_identifier, b.metric"
    )
