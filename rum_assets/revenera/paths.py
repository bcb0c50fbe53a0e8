"""Every Revenera v3 path the client calls and the emulator serves, with how sure we are of it.

This is the one table to change when the real API turns out to differ (see shared/api/revenera.md).

``confirmed``: the v3 documentation or working v3 client code (reveneraR) uses it exactly.
``inferred``: derived from the v2 path by the rule "/v3 + v2 path + /{productId}".
"""

from __future__ import annotations

from typing import NamedTuple

class Endpoint(NamedTuple):
    method: str
    path: str
    evidence: str


ENDPOINTS: dict[str, Endpoint] = {
    "request_csrf": Endpoint("GET", "/v3/request-csrf", "confirmed [C-v3doc]"),
    "login": Endpoint("POST", "/v3/auth/web", "confirmed [C-v3doc][C-R]"),
    "logout": Endpoint("POST", "/v3/auth/logout", "confirmed [C-v3doc][C-R]"),
    "product_properties": Endpoint("GET", "/v3/meta/productProperties/{pid}", "confirmed [C-R]"),
    "property_values": Endpoint("POST", "/v3/meta/propertyValues/{pid}", "inferred from v2"),
    "event_catalog": Endpoint("GET", "/v3/event-tracking/{pid}", "confirmed [C-R]"),
    "date_range": Endpoint("POST", "/v3/reporting/generic/dateRange/{pid}", "confirmed [C-R]"),
    "usage_distribution": Endpoint("POST", "/v3/reporting/engagement/usageDistribution/{pid}", "inferred from v2"),
    "event_full_report": Endpoint("POST", "/v3/reporting/eventTracking/advanced/fullReport/{pid}", "inferred from v2"),
    "event_timeline": Endpoint("POST", "/v3/reporting/eventTracking/basic/timeline/{pid}", "inferred from v2"),
    "event_lifetime_histogram": Endpoint("POST", "/v3/reporting/eventTracking/lifetime/histogram/{pid}", "confirmed [C-v3doc]"),
    "license_keys": Endpoint("POST", "/v3/licenseKeys/listKeys/{pid}", "inferred from v2"),
    "client_property_list": Endpoint("POST", "/v3/reporting/clientPropertyList/{pid}", "confirmed [C-R]"),
    "raw_list": Endpoint("GET", "/v3/rawEvents/download/listFiles/{pid}", "confirmed [C-R]"),
    "raw_url": Endpoint("POST", "/v3/rawEvents/download/getDownloadUrl/{pid}", "confirmed [C-R]"),
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
