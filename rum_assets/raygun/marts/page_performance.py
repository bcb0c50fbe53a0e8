"""``raygun/page_performance_daily``: page views, load time and the Core Web Vitals per application,
page and day.

Where each number comes from, and why some are NULL:

- v1 (pulse) page views carry a load time each: per page and per application (``(all pages)``) the load
  time percentiles are computed here, ``percentile_cont`` (linear interpolation between the nearest
  ranks). The pulse API reports no web vitals: those columns are NULL on v1 rows.
- v3 page views carry no timings; Raygun computes them. The ``(all pages)`` row: where the day's
  application-wide histogram (``page_metric_histograms``, page_identifier ``(all pages)``) has samples
  of a metric, its p50, p75 and p95 and the rating shares are estimated from it (``histogram_sql``);
  otherwise p50 and p95 are the time series' median and p95, and p75 and the shares are NULL (the time
  series has no p75 aggregation). A v3 page row takes the same figures from its page's own histogram
  (joined on application_id and page_identifier); a page without one (beyond RAYGUN_V3_HISTOGRAM_PAGES,
  or no samples) has NULL timings: the time series is fetched application-wide only.
"""

from __future__ import annotations

from rum_assets.orchestration.mart_checks import TotalCheck
from rum_assets.orchestration.marts import DayParam, Headline, Mart, SqlPart
from rum_assets.raygun import names
from rum_assets.raygun.marts import keys
from rum_assets.raygun.marts.histogram_sql import HISTOGRAMS, QUANTILES, THRESHOLDS, metric_stats_sql
from rum_assets.raygun.v3.histograms import APPLICATION_WIDE
from rum_assets.warehouse.accounts import ACCOUNT_COLUMN
from rum_assets.warehouse.marts import select_list
from rum_assets.warehouse.tables import Column, Table

ALL_PAGES = "(all pages)"

_NO_V1 = "NULL on v1 rows: the pulse API reports no web vitals"
_HISTOGRAM = "v3: estimated from the day's histogram of the page, or of the application on '(all pages)'"
_NO_P75 = f"{_HISTOGRAM}; NULL without one: the v3 time series has no p75 aggregation"
_NO_VIEWS = f"{_HISTOGRAM}; NULL without one, and on v1 rows: the pulse API reports no web vitals"


def _vital(name: str, label: str, unit: str) -> tuple[Column, ...]:
    return (
        Column(
            f"{name}_p50{unit}",
            "DOUBLE",
            f"{label} median ({unit.strip('_') or 'score'}; {_HISTOGRAM}, else the time-series median; {_NO_V1})",
        ),
        Column(f"{name}_p75{unit}", "DOUBLE", f"{label} p75 ({unit.strip('_') or 'score'}; {_NO_P75}; {_NO_V1})"),
        Column(
            f"{name}_p95{unit}", "DOUBLE", f"{label} p95 ({unit.strip('_') or 'score'}; {_HISTOGRAM}, else the time-series p95; {_NO_V1})"
        ),
    )


def _rated(name: str, label: str, metric: str, unit: str) -> tuple[Column, ...]:
    good, poor = (f"{limit:g}{unit}" for limit in THRESHOLDS[metric])
    return (
        Column(f"{name}_rating", "VARCHAR", f"{label} at p75: good (<= {good}), needs improvement, poor (> {poor}); NULL without p75"),
        Column(f"{name}_good_share", "DOUBLE", f"Share of views with {label} <= {good} (0..1; {_NO_VIEWS})"),
        Column(f"{name}_needs_improvement_share", "DOUBLE", f"Share of views with {label} in ({good}, {poor}] (0..1; {_NO_VIEWS})"),
        Column(f"{name}_poor_share", "DOUBLE", f"Share of views with {label} > {poor} (0..1; {_NO_VIEWS})"),
    )


TABLE = Table(
    schema="raygun",
    name="page_performance_daily",
    description="Page views, load time and Core Web Vitals per application, page and UTC day.",
    key_columns=("source_api", "application_id", "page"),
    scope_columns=(ACCOUNT_COLUMN.name,),
    columns=(
        ACCOUNT_COLUMN,
        Column("partition_date", "DATE", "UTC day of the page views (the Dagster partition)", nullable=False),
        keys.SOURCE_API,
        keys.APPLICATION,
        Column(
            "page",
            "VARCHAR",
            f"Page URL (v1), page URI or mobile view name (v3, from raygun.pages), or '{ALL_PAGES}' for the application",
            nullable=False,
        ),
        Column("page_scope", "VARCHAR", "page (one page) or application (every page of the application)", nullable=False),
        Column(
            "page_views",
            "BIGINT",
            "Page views (count): of the fetched session details on page rows; on v3 application rows the API's pageViews count",
        ),
        Column(
            "load_time_p50_ms",
            "DOUBLE",
            f"Load time median in milliseconds (v1: percentile_cont over the views; {_HISTOGRAM}, else the time-series median)",
        ),
        Column("load_time_p75_ms", "DOUBLE", f"Load time p75 in milliseconds (v1: percentile_cont over the views; {_NO_P75})"),
        Column(
            "load_time_p95_ms",
            "DOUBLE",
            f"Load time p95 in milliseconds (v1: percentile_cont over the views; {_HISTOGRAM}, else the time-series p95)",
        ),
        *_vital("lcp", "Largest Contentful Paint", "_ms"),
        *_vital("inp", "Interaction to Next Paint", "_ms"),
        *_vital("cls", "Cumulative Layout Shift", ""),
        *_vital("fcp", "First Contentful Paint", "_ms"),
        *_vital("fid", "First Input Delay (read where INP is absent)", "_ms"),
        Column("interactivity_metric", "VARCHAR", "INP where the day has INP samples, else FID where it has FID, else NULL"),
        *_rated("lcp", "LCP", "largestContentfulPaint", " ms"),
        *_rated("inp", "INP", "interactionToNextPaint", " ms"),
        *_rated("cls", "CLS", "cumulativeLayoutShift", ""),
    ),
)

_LOAD_TIMES = {
    "load_time_p50_ms": "percentile_cont(0.5) WITHIN GROUP (ORDER BY pv.loading_time_ms)",
    "load_time_p75_ms": "percentile_cont(0.75) WITHIN GROUP (ORDER BY pv.loading_time_ms)",
    "load_time_p95_ms": "percentile_cont(0.95) WITHIN GROUP (ORDER BY pv.loading_time_ms)",
}


def _views(page: str, scope: str, join: str = "", where: str = "pv.source_api = 'v1'", timings: dict[str, str] | None = None) -> str:
    """``timings``: the timing columns (default: v1's load times over the views)."""
    columns = {
        "account": "pv.account",
        "partition_date": "pv.partition_date",
        "source_api": "pv.source_api",
        "application_id": "pv.application_id",
        "page": page,
        "page_scope": f"'{scope}'",
        "page_views": "count(*)",
        **(_LOAD_TIMES if timings is None else timings),
    }
    group = "pv.account, pv.partition_date, pv.source_api, pv.application_id" + ("" if scope == "application" else f", {page}")
    return f"SELECT {select_list(TABLE, columns)} FROM raygun.page_views AS pv {join} WHERE pv.partition_date = ? AND pv.account = ? AND {where} GROUP BY {group}"


def _metric(metric: str, aggregation: str) -> str:
    return f"max(m.value) FILTER (WHERE m.metric = '{metric}' AND m.aggregation = '{aggregation}')"


_V3_METRICS = {
    "load_time": "loadTime",
    "lcp": "largestContentfulPaint",
    "inp": "interactionToNextPaint",
    "cls": "cumulativeLayoutShift",
    "fcp": "firstContentfulPaint",
    "fid": "firstInputDelay",
}


def _ts(name: str, metric: str) -> str:
    return f"{_metric(metric, 'median')} AS {name}_median, {_metric(metric, 'p95')} AS {name}_p95"


_TIME_SERIES = (
    "SELECT m.account, m.partition_date, m.application_id, "
    f"CAST({_metric('pageViews', 'count')} AS BIGINT) AS page_views, "
    + ", ".join(_ts(name, metric) for name, metric in _V3_METRICS.items())
    + " FROM raygun.page_metrics AS m WHERE m.partition_date = ? AND m.account = ? GROUP BY m.account, m.partition_date, m.application_id"
)


def _pivot(name: str, metric: str) -> str:
    stats = ["samples", *QUANTILES, *(["good_share", "needs_improvement_share", "poor_share"] if metric in THRESHOLDS else [])]
    return ", ".join(f"max(s.{stat}) FILTER (WHERE s.metric = '{metric}') AS {name}_{stat}" for stat in stats)


_HISTOGRAM_PIVOT = (
    "SELECT s.account, s.application_id, s.page_identifier, "
    + ", ".join(_pivot(name, metric) for name, metric in _V3_METRICS.items())
    + f" FROM ({metric_stats_sql()}) AS s GROUP BY s.account, s.application_id, s.page_identifier"
)


def _rating(p75: str, metric: str) -> str:
    good, poor = THRESHOLDS[metric]
    return (
        f"CASE WHEN {p75} IS NULL THEN NULL WHEN {p75} <= {good} THEN 'good' WHEN {p75} <= {poor} THEN 'needs improvement' ELSE 'poor' END"
    )


def _v3_application(with_histograms: bool) -> str:
    """The application row: Raygun's time series, and where the day's histogram has samples of a metric,
    its p50, p75 and p95 all from the histogram (so the three are estimated alike and ordered)."""
    columns = {
        "account": "ts.account",
        "partition_date": "ts.partition_date",
        "source_api": "'v3'",
        "application_id": "ts.application_id",
        "page": f"'{ALL_PAGES}'",
        "page_scope": "'application'",
        "page_views": "ts.page_views",
    }
    inp = "h.inp_samples > 0 OR ts.inp_median IS NOT NULL" if with_histograms else "ts.inp_median IS NOT NULL"
    fid = "h.fid_samples > 0 OR ts.fid_median IS NOT NULL" if with_histograms else "ts.fid_median IS NOT NULL"
    columns["interactivity_metric"] = f"CASE WHEN {inp} THEN 'INP' WHEN {fid} THEN 'FID' END"
    for name, metric in _V3_METRICS.items():
        unit = "" if name == "cls" else "_ms"
        if not with_histograms:
            columns[f"{name}_p50{unit}"], columns[f"{name}_p95{unit}"] = f"ts.{name}_median", f"ts.{name}_p95"
            continue
        sampled = f"h.{name}_samples > 0"
        columns[f"{name}_p50{unit}"] = f"CASE WHEN {sampled} THEN h.{name}_p50 ELSE ts.{name}_median END"
        columns[f"{name}_p75{unit}"] = f"h.{name}_p75"
        columns[f"{name}_p95{unit}"] = f"CASE WHEN {sampled} THEN h.{name}_p95 ELSE ts.{name}_p95 END"
        if metric in THRESHOLDS:
            columns[f"{name}_rating"] = _rating(f"h.{name}_p75", metric)
            for share in ("good", "needs_improvement", "poor"):
                columns[f"{name}_{share}_share"] = f"h.{name}_{share}_share"
    histograms = (
        f" LEFT JOIN ({_HISTOGRAM_PIVOT}) AS h ON h.account = ts.account AND h.application_id = ts.application_id "
        f"AND h.page_identifier = '{APPLICATION_WIDE}'"
        if with_histograms
        else ""
    )
    return f"SELECT {select_list(TABLE, columns)} FROM ({_TIME_SERIES}) AS ts{histograms}"


_DAY: tuple[DayParam, ...] = ("day", "account")
"""What every part binds: the day and the account, of each base table it reads."""


def _page_timings() -> dict[str, str]:
    """A v3 page row's timings: its page's histogram where it has samples of a metric (one histogram row
    per page view, so ``max`` only lifts it through the GROUP BY)."""
    columns = {}
    inp, fid = "max(h.inp_samples) > 0", "max(h.fid_samples) > 0"
    columns["interactivity_metric"] = f"CASE WHEN {inp} THEN 'INP' WHEN {fid} THEN 'FID' END"
    for name, metric in _V3_METRICS.items():
        unit = "" if name == "cls" else "_ms"
        for quantile in QUANTILES:
            columns[f"{name}_{quantile}{unit}"] = f"max(h.{name}_{quantile})"
        if metric in THRESHOLDS:
            columns[f"{name}_rating"] = _rating(f"max(h.{name}_p75)", metric)
            for share in ("good", "needs_improvement", "poor"):
                columns[f"{name}_{share}_share"] = f"max(h.{name}_{share}_share)"
    return columns


_V3_PAGE_JOIN = (
    "LEFT JOIN raygun.pages AS p ON p.account = pv.account AND p.identifier = pv.page_identifier AND p.application_id = pv.application_id"
)
_V3_PAGE_HISTOGRAM_JOIN = (
    f" LEFT JOIN ({_HISTOGRAM_PIVOT}) AS h ON h.account = pv.account AND h.application_id = pv.application_id "
    "AND h.page_identifier = pv.page_identifier"
)
_V3_PAGE = "coalesce(p.uri, p.name, pv.page_identifier, '(unknown)')"
"""A v3 page view's page: its catalog URI or name. Not ``pv.page``: v3 rows written before it was NULL hold
Raygun's link to the page view there (applicationUrl), which is no page."""

MART = Mart(
    key=keys.PAGE_PERFORMANCE_DAILY,
    table=TABLE,
    group_name=keys.MARTS_GROUP,
    description=(
        "How fast the pages are, per Raygun application, page and UTC day: page views, load time and the Core Web "
        "Vitals (LCP, INP, CLS, FCP; FID where INP is absent) at p50, p75 and p95, each page's rating at p75 by the "
        "published thresholds (LCP 2.5 s / 4 s, INP 200 ms / 500 ms, CLS 0.1 / 0.25) and the share of views per rating. "
        "v1 rows: load times of the fetched session details (percentile_cont). v3 rows: views per page from the session "
        "details, percentiles and rating shares estimated from the page's own histogram of the day "
        "(raygun/page_metric_histograms, views spread evenly within a bucket; NULL for a page without one), and on the "
        "'(all pages)' row from the application-wide histogram, else the time series' median and p95. A figure the "
        "vendor does not give is NULL, and its column says why. Replaced per day in the warehouse; re-materialized when "
        "a base day changes."
    ),
    deps=(names.SESSION_DETAILS, names.PAGES, names.PAGE_METRICS, names.PAGE_METRIC_HISTOGRAMS),
    parts=(
        SqlPart(_views("coalesce(pv.page, '(unknown)')", "page"), ("raygun.page_views",), _DAY),
        SqlPart(_views(f"'{ALL_PAGES}'", "application"), ("raygun.page_views",), _DAY),
        SqlPart(
            _views(_V3_PAGE, "page", join=_V3_PAGE_JOIN + _V3_PAGE_HISTOGRAM_JOIN, where="pv.source_api = 'v3'", timings=_page_timings()),
            ("raygun.page_views", "raygun.pages", HISTOGRAMS),
            ("day", *_DAY),
        ),
        SqlPart(
            _views(_V3_PAGE, "page", join=_V3_PAGE_JOIN, where="pv.source_api = 'v3'", timings={}),
            ("raygun.page_views", "raygun.pages"),
            _DAY,
            absent=(HISTOGRAMS,),
        ),
        SqlPart(_v3_application(True), ("raygun.page_metrics", HISTOGRAMS), (*_DAY, "day")),
        SqlPart(_v3_application(False), ("raygun.page_metrics",), _DAY, absent=(HISTOGRAMS,)),
    ),
    base_days_sql="SELECT DISTINCT partition_date FROM raygun.page_views WHERE account = ?",
    headlines=(
        Headline(
            "raygun/page_views",
            f"SELECT sum(page_views) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND page_scope = 'page'",
            "int",
        ),
        *(
            Headline(
                f"raygun/{column}",
                f"SELECT max({column}) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND page_scope = 'application'",
                "float",
            )
            for column in ("load_time_p75_ms", "lcp_p75_ms", "inp_p75_ms", "cls_p75", "lcp_p50_ms", "inp_p50_ms", "cls_p50")
        ),
    ),
    preview_columns=(
        "source_api",
        "application_id",
        "page",
        "page_views",
        "load_time_p50_ms",
        "load_time_p75_ms",
        "load_time_p95_ms",
        "lcp_p50_ms",
        "lcp_p95_ms",
        "inp_p50_ms",
        "cls_p50",
    ),
    preview_order="page_scope, source_api, application_id, page_views DESC, page",
    shares=tuple(f"{v}_{r}_share" for v in ("lcp", "inp", "cls") for r in ("good", "needs_improvement", "poor")),
    percentiles=tuple(
        (f"{v}_p50{u}", f"{v}_p75{u}", f"{v}_p95{u}")
        for v, u in (("load_time", "_ms"), ("lcp", "_ms"), ("inp", "_ms"), ("cls", ""), ("fcp", "_ms"), ("fid", "_ms"))
    ),
    totals=(
        TotalCheck(
            "page_views",
            "The page views of the page rows equal raygun.page_views' rows of the day.",
            f"SELECT sum(page_views) FROM {TABLE.qualified_name} WHERE partition_date = ? AND account = ? AND page_scope = 'page'",
            "SELECT count(*) FROM raygun.page_views WHERE partition_date = ? AND account = ?",
        ),
    ),
)
