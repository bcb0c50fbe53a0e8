"""Metadata and registry endpoints: product properties, property values, the event catalog, license keys."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rum_emulator.revenera.data import ANCHOR, EVENT_CATALOG, PROPERTIES, ProductData
from rum_emulator.revenera.validation import BadRequest, matcher

PROPERTY_VALUES_PAGE = 100
GRANULAR = {"geography": ("continent", "country", "usState"), "os": ("platform",)}
"""Properties that need a ``granularity`` in propertyValues (reference 4.2)."""


def product_properties(product: ProductData) -> dict[str, Any]:
    """``{"result": [{"category", "properties": [{name, friendlyName, filterType, dataType, supports*}]}]}``."""
    categories: dict[str, list[dict[str, Any]]] = {}
    for spec in PROPERTIES.values():
        categories.setdefault(spec.category, []).append(
            {
                "name": spec.name,
                "friendlyName": spec.friendly_name,
                "filterType": "standard",
                "dataType": spec.data_type,
                "supportsRegex": spec.data_type == "string" and not spec.name.startswith("geography."),
                "supportsMeta": spec.data_type == "string",
                "supportsNull": spec.data_type != "date",
            }
        )
    return {"result": [{"category": category, "properties": properties} for category, properties in categories.items()]}


def property_values(product: ProductData, body: dict[str, Any], today: date) -> dict[str, Any]:
    """``{"result": [{"value", "shortName"}], "lastValue"?}``: the distinct current values, 100 per page.

    ``geography``/``os`` take a ``granularity``; the dotted names (``geography.country``) work too.
    ``filter`` (string/regex) narrows the list; ``startAfter`` continues after a ``lastValue``."""
    name = body.get("property")
    if not isinstance(name, str) or not name:
        raise BadRequest("property is required")
    if name in GRANULAR:
        granularity = body.get("granularity")
        if granularity not in GRANULAR[name]:
            raise BadRequest(f"granularity must be one of {', '.join(GRANULAR[name])} for property {name}")
        name = f"{name}.{granularity}"
    if name not in PROPERTIES:
        raise BadRequest(f"property {name!r} is not a known property")
    values = sorted({str(c.property_on(name, today)) for c in product.installed_by(today)})
    if body.get("filter") is not None:
        keep = matcher(body["filter"], "filter")
        values = [v for v in values if keep(v)]
    after = body.get("startAfter")
    if after is not None:
        values = [v for v in values if v > str(after)]
    page = values[:PROPERTY_VALUES_PAGE]
    answer: dict[str, Any] = {"result": [{"value": v, "shortName": v} for v in page]}
    if len(values) > PROPERTY_VALUES_PAGE:
        answer["lastValue"] = page[-1]
    return answer


def event_catalog(product: ProductData) -> dict[str, Any]:
    """``{"result": [{"category", "categoryEventNames": [{eventName, basic, advanced, dateFirstSeen}]}]}``.

    Every event is collected as basic; every other one also as advanced. ``dateFirstSeen`` is a fixed
    day per event before any install (so it never depends on the clock)."""
    result = []
    for c_index, (category, names) in enumerate(EVENT_CATALOG.items()):
        events = [
            {
                "eventName": name,
                "basic": True,
                "advanced": n % 2 == 0,
                "dateFirstSeen": (ANCHOR - timedelta(days=400 - 7 * c_index - n)).isoformat(),
            }
            for n, name in enumerate(names)
        ]
        result.append({"category": category, "categoryEventNames": events})
    return {"result": result}


def license_key_of(client_id: str) -> str:
    return f"{client_id[:4]}-{client_id[4:8]}-{client_id[8:12]}-{client_id[12:]}"


def license_keys(product: ProductData, body: dict[str, Any], today: date) -> dict[str, Any]:
    """``{"result": [{licenseKey, licenseType, expiryDate, allowed, blocked, activated, expired}]}``.

    One key per installed client with a trial or purchased license (freeware has none). ``filters``
    may hold ``licenseKey`` and ``licenseType`` (string/stringArray/regex). Read only; no paging (the
    v2 paging was not captured)."""
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise BadRequest("filters must be an object")
    unknown = set(filters) - {"licenseKey", "licenseType"}
    if unknown:
        raise BadRequest(f"filters: only licenseKey and licenseType are supported, not {sorted(unknown)}")
    checks = {name: matcher(spec, f"filters.{name}") for name, spec in filters.items()}
    keys = []
    for client in product.installed_by(today):
        if client.license_type == "freeware":
            continue
        days = 30 if client.license_type == "trial" else 365
        expiry = client.installed + timedelta(days=days)
        row = {
            "licenseKey": license_key_of(client.client_id),
            "licenseType": client.license_type,
            "expiryDate": expiry.isoformat(),
            "allowed": client.index % 97 != 0,
            "blocked": client.index % 97 == 0,
            "activated": client.license_type == "purchased",
            "expired": expiry < today,
        }
        if all(check(row[name]) for name, check in checks.items()):
            keys.append(row)
    return {"result": keys}
