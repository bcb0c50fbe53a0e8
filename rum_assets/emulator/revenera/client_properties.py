"""``clientPropertyList``: clients with their current properties and daily data, 200 per page."""

from __future__ import annotations

from bisect import bisect_left
from datetime import date
from typing import Any

from rum_assets.emulator.revenera.data import ProductData
from rum_assets.emulator.revenera.requests import BadRequest, client_filter, date_range, days_between

PAGE_SIZE = 200
DAILY_PROPERTIES = {
    "prodEdition", "prodVersion", "prodLanguage", "prodBuild", "licenseType", "os.platform",
    "geography.continent", "geography.country",
}


def client_property_list(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    properties = body.get("properties") or []
    if not isinstance(properties, list) or not all(isinstance(p, str) for p in properties):
        raise BadRequest("properties must be a list of property names")
    daily = body.get("retDailyData")
    daily_days: list[date] = []
    daily_properties: list[str] = []
    if daily is not None:
        if not isinstance(daily, dict):
            raise BadRequest("retDailyData must be an object")
        start, stop = date_range(daily, today, retention)
        daily_days = days_between(start, stop)
        daily_properties = daily.get("properties") or []
        unknown = set(daily_properties) - DAILY_PROPERTIES
        if unknown:
            raise BadRequest(f"retDailyData.properties not available daily: {sorted(unknown)}")
    start_at = body.get("startAtClientId")
    if start_at is not None and not isinstance(start_at, str):
        raise BadRequest("startAtClientId must be a client id or null")
    keep = client_filter(body, today, last_seen=lambda client: product.last_seen(client, today))
    clients = product.clients
    position = bisect_left([c.client_id for c in clients], start_at) if start_at else 0
    page: list[dict[str, Any]] = []
    next_id: str | None = None
    for client in clients[position:]:
        if not keep(client):
            continue
        if len(page) == PAGE_SIZE:
            next_id = client.client_id
            break
        current = client.properties_on(today)
        unknown = [p for p in properties if p not in current]
        if unknown:
            raise BadRequest(f"properties not known: {unknown}")
        row: dict[str, Any] = {"clientId": client.client_id, **{p: current[p] for p in properties}}
        if daily is not None:
            row["dailyData"] = [
                {"date": d.isoformat(), **{p: client.properties_on(d)[p] for p in daily_properties}}
                for d in daily_days
                if product.is_active(client, d)
            ]
        page.append(row)
    answer: dict[str, Any] = {"result": page, "reachedEnd": next_id is None}
    if next_id is not None:
        answer["nextClientId"] = next_id
    return answer
