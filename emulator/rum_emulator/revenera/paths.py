"""The Revenera emulator's own route table, written from the vendor reference, not from the client.

Keeping a separate table makes the emulator an independent instrument: a path the client gets
wrong fails against the emulator instead of moving with it. Each entry says how sure the reference
is of it: ``confirmed`` (the v3 documentation or the working v3 R client reveneraR uses it exactly)
or ``inferred`` (the reference's rule "/v3 + v2 path + /{productId}"; GET where the v2 body held only
credentials and the product id). ``{pid}`` is the product id path segment; ``download`` is the
emulator's own one-time download URL.
"""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    method: str
    path: str
    evidence: str


ROUTES: dict[str, Route] = {
    "request_csrf": Route("GET", "/v3/request-csrf", "confirmed: v3 documentation (auth section)"),
    "login": Route("POST", "/v3/auth/web", "confirmed: v3 documentation and reveneraR"),
    "logout": Route("POST", "/v3/auth/logout", "confirmed: v3 documentation and reveneraR"),
    "product_properties": Route("GET", "/v3/meta/productProperties/{pid}", "confirmed: reveneraR"),
    "property_values": Route("POST", "/v3/meta/propertyValues/{pid}", "inferred from v2 POST /meta/propertyValues"),
    "event_catalog": Route("GET", "/v3/event-tracking/{pid}", "confirmed: reveneraR (renamed from v2 listEventNames)"),
    "date_range": Route("POST", "/v3/reporting/generic/dateRange/{pid}", "confirmed: reveneraR"),
    "usage_distribution": Route("POST", "/v3/reporting/engagement/usageDistribution/{pid}", "inferred from v2"),
    "event_full_report": Route("POST", "/v3/reporting/eventTracking/advanced/fullReport/{pid}", "inferred from v2"),
    "event_timeline": Route("POST", "/v3/reporting/eventTracking/basic/timeline/{pid}", "inferred from v2"),
    "event_lifetime_histogram": Route("POST", "/v3/reporting/eventTracking/lifetime/histogram/{pid}", "confirmed: v3 documentation"),
    "license_keys": Route("POST", "/v3/licenseKeys/listKeys/{pid}", "inferred from v2 listKeys"),
    "client_property_list": Route("POST", "/v3/reporting/clientPropertyList/{pid}", "confirmed: reveneraR"),
    "raw_list": Route("GET", "/v3/rawEvents/download/listFiles/{pid}", "confirmed: reveneraR"),
    "raw_url": Route("POST", "/v3/rawEvents/download/getDownloadUrl/{pid}", "confirmed: reveneraR"),
    "exceptions_list": Route("GET", "/v3/exceptionTracking/listFiles/{pid}", "inferred from v2 POST /exceptionTracking/listFiles"),
    "exceptions_url": Route(
        "POST", "/v3/exceptionTracking/getDownloadUrl/{pid}", "inferred by analogy with raw events (v2 name not captured)"
    ),
    "exceptions_last_lines": Route(
        "POST", "/v3/exceptionTracking/getLastLines/{pid}", "inferred from v2 POST /exceptionTracking/getLastLines"
    ),
    "custom_list": Route("GET", "/v3/customEventTracking/listFiles/{pid}", "inferred from v2 POST /customEventTracking/listFiles"),
    "custom_url": Route(
        "POST", "/v3/customEventTracking/getDownloadUrl/{pid}", "inferred by analogy with raw events (v2 name not captured)"
    ),
    "custom_last_lines": Route(
        "POST", "/v3/customEventTracking/getLastLines/{pid}", "inferred from v2 POST /customEventTracking/getLastLines"
    ),
    "download": Route("GET", "/download/{token}", "the emulator's own one-time download URLs"),
}


def pattern(name: str) -> str:
    """The route's path as a regular expression with a named ``pid`` (and ``token``) group."""
    return ROUTES[name].path.replace("{pid}", r"(?P<pid>[^/]+)").replace("{token}", r"(?P<token>[A-Za-z0-9_-]+)")
