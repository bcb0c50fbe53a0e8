"""The report and metadata endpoints, computed from :mod:`data` so that they agree with the exports."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from rum_assets.emulator.revenera.data import EVENT_CATALOG, Client, ProductData
from rum_assets.emulator.revenera.requests import BadRequest, client_filter, date_range, days_between, segment_label

STATUSES = ("new", "active", "lost")
PRODUCT_PROPERTIES = [
    ("Product Properties", [("prodVersion", "Product Version"), ("prodEdition", "Product Edition"), ("prodBuild", "Product Build"), ("prodLanguage", "Product Language"), ("licenseType", "License Type")]),
    ("System Properties", [("os.platform", "OS Platform"), ("geography.country", "Country"), ("geography.continent", "Continent"), ("ram", "RAM (MB)"), ("cpuCores", "CPU Cores")]),
    ("Custom Properties", [("C01", "Team Size")]),
]


def product_properties(product: ProductData) -> dict[str, Any]:
    return {
        "result": [
            {
                "category": category,
                "properties": [
                    {
                        "name": name, "friendlyName": friendly, "filterType": "standard",
                        "dataType": "number" if name in ("ram", "cpuCores") else "string",
                        "supportsRegex": name not in ("ram", "cpuCores"), "supportsMeta": True, "supportsNull": True,
                    }
                    for name, friendly in properties
                ],
            }
            for category, properties in PRODUCT_PROPERTIES
        ]
    }


def property_values(product: ProductData, body: dict[str, Any], today: date) -> dict[str, Any]:
    name = body.get("property")
    if not isinstance(name, str):
        raise BadRequest("property is required")
    values = sorted({str(c.properties_on(today).get(name, "<NULL>")) for c in product.clients})
    after = body.get("startAfter")
    if after is not None:
        values = [v for v in values if v > str(after)]
    page = values[:100]
    answer: dict[str, Any] = {"result": [{"value": v, "shortName": v} for v in page]}
    if len(values) > 100:
        answer["lastValue"] = page[-1]
    return answer


def event_catalog(product: ProductData) -> dict[str, Any]:
    first_seen = min(c.installed for c in product.clients).isoformat() if product.clients else "2026-01-01"
    return {
        "result": [
            {
                "category": category,
                "categoryEventNames": [
                    {"eventName": name, "basic": True, "advanced": n % 2 == 0, "dateFirstSeen": first_seen} for n, name in enumerate(names)
                ],
            }
            for category, names in EVENT_CATALOG.items()
        ]
    }


def _period_start(day: date, split: str | None) -> date | None:
    if split == "day":
        return day
    if split == "week":
        return day - timedelta(days=day.weekday())
    if split == "month":
        return day.replace(day=1)
    return None


def _lost_day(product: ProductData, client: Client, day: date, quiet: int, reported: str, today: date) -> bool:
    """Whether ``client`` counts as lost on ``day`` under the requested rule."""
    if reported == "dateLastSeen":
        return product.is_lost_after(client, day, quiet, today)
    return product.is_lost_after(client, day - timedelta(days=quiet), quiet, today + timedelta(days=1))


def date_range_report(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    start, stop = date_range(body, today, retention)
    split = body.get("dateSplit")
    if split not in (None, "day", "week", "month"):
        raise BadRequest("dateSplit must be day, week, month or null")
    statuses = body.get("clientStatus")
    if not isinstance(statuses, list) or not 1 <= len(statuses) <= 3 or not set(statuses) <= set(STATUSES):
        raise BadRequest("clientStatus must list 1 to 3 of new, active, lost")
    quiet, reported = 30, "dateLastSeen"
    if "lost" in statuses:
        quiet = body.get("daysUntilDeclaredLost")
        reported = body.get("dateReportedLost")
        if not isinstance(quiet, int) or quiet < 1:
            raise BadRequest("daysUntilDeclaredLost is required with clientStatus lost (a positive integer)")
        if reported not in ("dateLastSeen", "dateDeclaredLost"):
            raise BadRequest("dateReportedLost must be dateLastSeen or dateDeclaredLost with clientStatus lost")
    if body.get("groupBy", "clientId") != "clientId":
        raise BadRequest("groupBy: only clientId is supported by this emulator")
    levels = body.get("levels") or {}
    if not isinstance(levels, dict) or len(levels) > 3 or (split and len(levels) > 1):
        raise BadRequest("levels: at most 3, and only 1 with dateSplit")
    level = levels.get("level1")
    if levels and level is None:
        raise BadRequest("levels must start at level1")
    if level is not None and (not isinstance(level, dict) or not isinstance(level.get("property"), str) or not isinstance(level.get("segments"), list)):
        raise BadRequest("levels.level1 needs a property and a list of segments")

    # period -> segment -> status -> set of client ids (or counts for new/lost)
    counts: dict[date | None, dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    for day in days_between(start, stop):
        keep = client_filter(body, day)
        period = _period_start(day, split)
        for client in product.clients:
            if day < client.installed or not keep(client):
                continue
            labels = ["(all)"]
            if level is not None:
                value = client.properties_on(day).get(level["property"])
                if value is None:
                    raise BadRequest(f"levels.level1.property {level['property']!r} is not a known property")
                labels = [lab for n, seg in enumerate(level["segments"]) if (lab := segment_label(seg, value, f"levels.level1.segments[{n}]"))]
            for label in labels:
                bucket = counts[period][label]
                if "active" in statuses and product.is_active(client, day):
                    bucket["active"].add(client.client_id)
                if "new" in statuses and day == client.installed:
                    bucket["new"].add(client.client_id)
                if "lost" in statuses and _lost_day(product, client, day, quiet, reported, today):
                    bucket["lost"].add(client.client_id)

    def totals(label_counts: dict[str, set[str]]) -> dict[str, int]:
        return {status: len(label_counts.get(status, set())) for status in statuses}

    def shape(per_segment: dict[str, dict[str, set[str]]]) -> dict[str, Any]:
        if level is None:
            return totals(per_segment.get("(all)", {}))
        return {"level1": {label: {"totals": totals(values)} for label, values in sorted(per_segment.items())}}

    if split is None:
        return {"result": shape(counts[None])}
    periods = sorted({_period_start(d, split) for d in days_between(start, stop)})  # type: ignore[type-var]
    return {"result": {p.isoformat(): shape(counts[p]) for p in periods}}  # type: ignore[union-attr]


def _selected_events(body: dict[str, Any]) -> list[tuple[str, str]]:
    events = body.get("events")
    every = [(c, n) for c, names in EVENT_CATALOG.items() for n in names]
    if events is None:
        return every
    if not isinstance(events, list) or not all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in events):
        raise BadRequest("events must be a list of {category, name}")
    return [(e.get("category"), e["name"]) for e in events]  # type: ignore[misc]


def event_full_report(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    start, stop = date_range(body, today, retention)
    wanted = _selected_events(body)
    counts: Counter[tuple[str, str]] = Counter()
    users: dict[tuple[str, str], set[str]] = defaultdict(set)
    sessions: set[str] = set()
    active: set[str] = set()
    for day in days_between(start, stop):
        keep = client_filter(body, day)
        for client in product.clients:
            if not keep(client) or not product.is_active(client, day):
                continue
            active.add(client.client_id)
            for event in product.events_of(client, day):
                sessions.add(event["sessionId"])
                key = (event["eventCategory"], event["eventName"])
                counts[key] += 1
                users[key].add(client.client_id)
    result = []
    for category, name in wanted:
        key = (category, name)
        used = len(users[key])
        result.append(
            {
                "category": category,
                "name": name,
                "eventCounts": counts[key],
                "uniqueUsersUsedAtLeastOnce": used,
                "uniqueUsersNeverUsed": len(active) - used,
                "averageEventCountPerUserAtLeastOnce": round(counts[key] / used, 4) if used else 0,
                "averageEventCountPerUserAll": round(counts[key] / len(active), 4) if active else 0,
                "averageEventCountPerSessionAll": round(counts[key] / len(sessions), 4) if sessions else 0,
            }
        )
    return {"result": result}


def event_timeline(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    start, stop = date_range(body, today, retention)
    split = body.get("dateSplit", "day")
    if split not in ("day", "week", "month"):
        raise BadRequest("dateSplit must be day, week or month")
    wanted = _selected_events(body)
    per_period: dict[date, Counter[tuple[str, str]]] = defaultdict(Counter)
    for day in days_between(start, stop):
        period = _period_start(day, split)
        assert period is not None
        per_period[period].update()
        for client in product.clients:
            for event in product.events_of(client, day):
                per_period[period][(event["eventCategory"], event["eventName"])] += 1
    return {
        "result": {
            period.isoformat(): [{"category": c, "name": n, "value": per_period[period][(c, n)]} for c, n in wanted]
            for period in sorted(per_period)
        }
    }


def event_lifetime_histogram(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    report = event_full_report(product, body, today, retention)["result"]
    used = [{"category": e["category"], "name": e["name"], "value": e["uniqueUsersUsedAtLeastOnce"]} for e in report]
    never = [{"category": e["category"], "name": e["name"], "value": e["uniqueUsersNeverUsed"]} for e in report]
    buckets = {"1 - 2": [], "3 - 9": [], "10+": []}  # type: dict[str, list[dict[str, Any]]]
    for e in report:
        average = e["averageEventCountPerUserAtLeastOnce"]
        label = "1 - 2" if average < 3 else "3 - 9" if average < 10 else "10+"
        buckets[label].append({"category": e["category"], "name": e["name"], "value": e["uniqueUsersUsedAtLeastOnce"]})
    return {"result": {"summary": {"usedAtLeastOnce": used, "neverUsed": never}, "histograms": {"eventCount": buckets}}}


def usage_distribution(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    start, stop = date_range(body, today, retention)
    active_days: Counter[str] = Counter()
    for client in product.clients:
        days = sum(product.is_active(client, d) for d in days_between(start, stop))
        if days:
            active_days[client.client_id] = days
    histogram: Counter[int] = Counter(active_days.values())
    return {"result": {"activeDays": {str(days): {"users": users} for days, users in sorted(histogram.items())}}}


def license_keys(product: ProductData, body: dict[str, Any], today: date) -> dict[str, Any]:
    keep = client_filter({"globalFilters": {}}, today)
    wanted = (body.get("filters") or {}).get("licenseKey")
    keys = []
    for client in product.clients:
        if not keep(client):
            continue
        key = f"{client.client_id[:4]}-{client.client_id[4:8]}-{client.client_id[8:12]}"
        if wanted and wanted.get("value") not in (key, None) and wanted.get("type") == "string":
            continue
        keys.append(
            {
                "licenseKey": key, "licenseType": client.license_type,
                "expiryDate": (client.installed + timedelta(days=365)).isoformat(),
                "allowed": True, "blocked": False, "activated": client.license_type == "purchased",
                "expired": client.installed + timedelta(days=365) < today,
            }
        )
    return {"result": keys}
