"""The Raygun v3 operations the client calls, as Raygun's published OpenAPI description gives them.

Each is the description's ``operationId``, method, path template and the personal access token scope
its ``security`` entry names. A 403 from the real API does not say which scope is missing, so the
error names it from here; a test reads the description and checks this table against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

_VARIABLE = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    """The description's path, e.g. ``/applications/{application-identifier}/sessions``."""
    scope: str
    orderby_exploded: bool | None = None
    """How a list takes several ``orderby`` values: True repeats the parameter (the description leaves
    ``explode`` at its default), False joins them with commas (``explode: false``); None: not a list."""

    def orderby(self, values: tuple[str, ...]) -> dict[str, str | list[str]]:
        """The query parameters that ask for ``values``, in priority order."""
        if self.orderby_exploded is None:
            raise ValueError(f"{self.operation_id} takes no orderby")
        return {"orderby": list(values) if self.orderby_exploded else ",".join(values)}

    def path(self, *values: str) -> str:
        """The template with its variables replaced, in order, by ``values`` (each percent-encoded)."""
        names = _VARIABLE.findall(self.template)
        if len(names) != len(values):
            raise ValueError(f"{self.template} takes {len(names)} values, not {len(values)}")
        parts = iter(quote(value, safe="") for value in values)
        return _VARIABLE.sub(lambda _: next(parts), self.template)

    def endpoint(self, *values: str) -> str:
        """``METHOD /path`` as errors name it."""
        return f"{self.method} {self.path(*values)}"


_APP = "/applications/{application-identifier}"

LIST_APPLICATIONS = Operation("list-applications", "GET", "/applications", "applications:read", orderby_exploded=False)
LIST_SESSIONS = Operation("list-sessions", "GET", f"{_APP}/sessions", "rum.sessions:read", orderby_exploded=True)
GET_SESSION = Operation("get-session-by-identifier", "GET", f"{_APP}/sessions/{{session-identifier}}", "rum.sessions:read")
LIST_PAGES = Operation("list-pages", "GET", f"{_APP}/pages", "rum.pages:read", orderby_exploded=False)
LIST_CUSTOMERS = Operation("list-customers", "GET", f"{_APP}/customers", "customers:read", orderby_exploded=True)
LIST_ERROR_GROUPS = Operation("list-error-groups", "GET", f"{_APP}/error-groups", "cr.errors:read", orderby_exploded=False)
LIST_DEPLOYMENTS = Operation("list-deployments", "GET", f"{_APP}/deployments", "deployments:read", orderby_exploded=False)
PAGE_TIME_SERIES = Operation("metrics-pages-time-series", "POST", "/metrics/{application-identifier}/pages/time-series", "metrics:pages")
PAGE_HISTOGRAM = Operation("metrics-pages-histogram", "POST", "/metrics/{application-identifier}/pages/histogram", "metrics:pages")
ERROR_TIME_SERIES = Operation(
    "metrics-errors-time-series", "POST", "/metrics/{application-identifier}/errors/time-series", "metrics:errors"
)

OPERATIONS: dict[str, Operation] = {
    op.operation_id: op
    for op in (
        LIST_APPLICATIONS,
        LIST_SESSIONS,
        GET_SESSION,
        LIST_PAGES,
        LIST_CUSTOMERS,
        LIST_ERROR_GROUPS,
        LIST_DEPLOYMENTS,
        PAGE_TIME_SERIES,
        PAGE_HISTOGRAM,
        ERROR_TIME_SERIES,
    )
}
"""Every operation the client calls, by ``operationId``."""
