"""Every Revenera v3 path the client calls and the emulator serves, with how sure we are of it.

This is the one table to change when the real API turns out to differ (docs/vendors.md says what each path rests on).

``confirmed``: the v3 documentation or working v3 client code (reveneraR) uses it exactly.
``inferred``: derived from the v2 path by the rule "/v3 + v2 path + /{productId}".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import NamedTuple

PATH_OVERRIDES_ENV = "REVENERA_PATH_OVERRIDES"


class Endpoint(NamedTuple):
    method: str
    path: str
    evidence: str


ENDPOINTS: dict[str, Endpoint] = {
    "request_csrf": Endpoint("GET", "/v3/request-csrf", "confirmed (v3 reference)"),
    "login": Endpoint("POST", "/v3/auth/web", "confirmed (v3 reference and the public R client)"),
    "logout": Endpoint("POST", "/v3/auth/logout", "confirmed (v3 reference and the public R client)"),
    "product_properties": Endpoint("GET", "/v3/meta/productProperties/{pid}", "confirmed (public R client)"),
    "property_values": Endpoint("POST", "/v3/meta/propertyValues/{pid}", "inferred from v2"),
    "event_catalog": Endpoint("GET", "/v3/event-tracking/{pid}", "confirmed (public R client)"),
    "date_range": Endpoint("POST", "/v3/reporting/generic/dateRange/{pid}", "confirmed (public R client)"),
    "usage_distribution": Endpoint("POST", "/v3/reporting/engagement/usageDistribution/{pid}", "inferred from v2"),
    "event_full_report": Endpoint("POST", "/v3/reporting/eventTracking/advanced/fullReport/{pid}", "inferred from v2"),
    "event_timeline": Endpoint("POST", "/v3/reporting/eventTracking/basic/timeline/{pid}", "inferred from v2"),
    "event_lifetime_histogram": Endpoint("POST", "/v3/reporting/eventTracking/lifetime/histogram/{pid}", "confirmed (v3 reference)"),
    "license_keys": Endpoint("POST", "/v3/licenseKeys/listKeys/{pid}", "inferred from v2"),
    "client_property_list": Endpoint("POST", "/v3/reporting/clientPropertyList/{pid}", "confirmed (public R client)"),
    "raw_list": Endpoint("GET", "/v3/rawEvents/download/listFiles/{pid}", "confirmed (public R client)"),
    "raw_url": Endpoint("POST", "/v3/rawEvents/download/getDownloadUrl/{pid}", "confirmed (public R client)"),
    "exceptions_list": Endpoint("GET", "/v3/exceptionTracking/listFiles/{pid}", "inferred from v2"),
    "exceptions_url": Endpoint("POST", "/v3/exceptionTracking/getDownloadUrl/{pid}", "inferred (v2 name not captured)"),
    "exceptions_last_lines": Endpoint("POST", "/v3/exceptionTracking/getLastLines/{pid}", "inferred from v2"),
    "custom_list": Endpoint("GET", "/v3/customEventTracking/listFiles/{pid}", "inferred from v2"),
    "custom_url": Endpoint("POST", "/v3/customEventTracking/getDownloadUrl/{pid}", "inferred (v2 name not captured)"),
    "custom_last_lines": Endpoint("POST", "/v3/customEventTracking/getLastLines/{pid}", "inferred from v2"),
}


def url_path(name: str, product_id: str | None = None) -> str:
    endpoint = ENDPOINTS[name]
    return endpoint.path.replace("{pid}", product_id) if product_id is not None else endpoint.path


def is_inferred(name: str) -> bool:
    return ENDPOINTS[name].evidence.startswith("inferred")


def parse_path_overrides(text: str | None) -> dict[str, str]:
    """``REVENERA_PATH_OVERRIDES``: a JSON object, endpoint name -> path template (``{pid}`` for the product id)."""
    if not text or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f'{PATH_OVERRIDES_ENV} is not JSON ({exc}); expected e.g. {{"custom_list": "/v3/customEventTracking/listFiles/{{pid}}"}}'
        ) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"{PATH_OVERRIDES_ENV} must be a JSON object of endpoint name -> path template")
    unknown = sorted(set(data) - set(ENDPOINTS))
    if unknown:
        raise ValueError(f"{PATH_OVERRIDES_ENV} names unknown endpoints {unknown}; known: {sorted(ENDPOINTS)}")
    for name, template in data.items():
        if not template.startswith("/"):
            raise ValueError(f"{PATH_OVERRIDES_ENV}[{name!r}] must be a path starting with '/', not {template!r}")
        if "{pid}" in ENDPOINTS[name].path and "{pid}" not in template:
            raise ValueError(f"{PATH_OVERRIDES_ENV}[{name!r}] must contain {{pid}} where the product id goes")
    return data


class PathTable:
    """The paths one client calls: :data:`ENDPOINTS`, with any overrides from ``REVENERA_PATH_OVERRIDES``."""

    def __init__(self, overrides: Mapping[str, str] | None = None) -> None:
        self.overrides = dict(overrides or {})
        unknown = set(self.overrides) - set(ENDPOINTS)
        if unknown:
            raise ValueError(f"{PATH_OVERRIDES_ENV} names unknown endpoints {sorted(unknown)}")

    def method(self, name: str) -> str:
        return ENDPOINTS[name].method

    def path(self, name: str, product_id: str | None = None) -> str:
        template = self.overrides.get(name, ENDPOINTS[name].path)
        return template.replace("{pid}", product_id) if product_id is not None else template

    def not_found_hint(self, name: str) -> str:
        """What to tell an operator when the vendor answers 404 on ``name``."""
        example = json.dumps({name: ENDPOINTS[name].path})
        if name in self.overrides:
            return f"this path comes from {PATH_OVERRIDES_ENV} (key {name!r}); check it, or remove the key to use the built-in path {ENDPOINTS[name].path}"
        if is_inferred(name):
            return (
                f"this path is inferred ({ENDPOINTS[name].evidence}), not confirmed by the vendor's v3 documentation; "
                f"if Revenera serves it elsewhere, set {PATH_OVERRIDES_ENV} with the key {name!r}, e.g. {PATH_OVERRIDES_ENV}='{example}' "
                "with the right path"
            )
        return f"this path is confirmed ({ENDPOINTS[name].evidence}); check the product id and your access to it"
