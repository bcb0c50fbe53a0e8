"""``POST /v3/reporting/clientPropertyList/{pid}``: clients with current properties and daily data.

* Clients installed on or before today, sorted by ``clientId`` (16 upper-case hex characters),
  200 per page. ``startAtClientId`` (null first) is inclusive; ``nextClientId`` is the first id of
  the next page and is present only when ``reachedEnd`` is false.
* ``globalFilters``: any known property (current values), ``geography``, ``dateInstalled`` and
  ``dateLastSeen`` (last active day as of today).
* ``properties``: current values to return (absent: only ``clientId``); missing values are ``"<NULL>"``.
* ``retDailyData`` ``{startDate, stopDate, properties}``: ``dailyData`` lists only the days of that
  range on which the client was active, each with the day's values of the daily properties.

A page costs O(page + clients skipped by the filters): the start is found by bisection.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rum_emulator.revenera.data import PROPERTIES, ProductData
from rum_emulator.revenera.validation import BadRequest, client_filter, date_range, days_between

PAGE_SIZE = 200


def _names(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise BadRequest(f"{where} must be a list of property names")
    unknown = [p for p in value if p not in PROPERTIES]
    if unknown:
        raise BadRequest(f"{where}: unknown properties {unknown}")
    return value


def client_property_list(product: ProductData, body: dict[str, Any], today: date, retention: int) -> dict[str, Any]:
    properties = _names(body.get("properties"), "properties")
    daily = body.get("retDailyData")
    daily_days: list[date] = []
    daily_properties: list[str] = []
    if daily is not None:
        if not isinstance(daily, dict):
            raise BadRequest("retDailyData must be an object")
        start, stop = date_range(daily, today, retention, where="retDailyData.")
        daily_days = [d for d in days_between(start, stop) if d <= today]
        daily_properties = _names(daily.get("properties"), "retDailyData.properties")
        not_daily = [p for p in daily_properties if not PROPERTIES[p].daily]
        if not_daily:
            raise BadRequest(f"retDailyData.properties: not available as daily data: {not_daily}")
    start_at = body.get("startAtClientId")
    if start_at is not None and not isinstance(start_at, str):
        raise BadRequest("startAtClientId must be a client id or null")
    keep = client_filter(body, last_seen=lambda client: product.last_seen(client, today))

    clients = product.clients
    page: list[dict[str, Any]] = []
    next_id: str | None = None
    for client in clients[product.position(start_at) if start_at else 0 :]:
        if client.installed > today or (keep is not None and not keep(client, today)):
            continue
        if len(page) == PAGE_SIZE:
            next_id = client.client_id
            break
        row: dict[str, Any] = {"clientId": client.client_id}
        for name in properties:
            value = client.property_on(name, today)
            row[name] = "<NULL>" if value is None else value
        if daily is not None:
            row["dailyData"] = [
                {"date": d.isoformat(), **{p: client.property_on(p, d) for p in daily_properties}}
                for d in daily_days
                if product.is_active(client, d)
            ]
        page.append(row)
    answer: dict[str, Any] = {"result": page, "reachedEnd": next_id is None}
    if next_id is not None:
        answer["nextClientId"] = next_id
    return answer
