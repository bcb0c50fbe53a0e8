"""Problem-details error bodies as the description gives them, and the two refusals endpoints raise.

Every error is ``{type, title, detail, status, traceId}`` (the description's ``problem-details``); a
refused request adds ``errors: {field: [messages]}`` (its ``validation-problem-details``). The
description types both ``application/json``; ASP.NET, which the ``traceId`` suggests, sends
``application/problem+json``, so the media type is the caller's choice. A 429 has no body (the
description gives it none), so it is not built here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable

from rum_emulator.messages import Response

TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "One or more validation errors occurred.",
    500: "Internal Server Error",
}
_TYPES = {400: "15.5.1", 401: "15.5.2", 403: "15.5.4", 404: "15.5.5", 405: "15.5.6", 422: "15.5.21", 500: "15.6.1"}
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"


def trace_id() -> str:
    """A W3C trace-context id, the form ASP.NET problem details carry."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


def problem(
    status: int,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: Iterable[tuple[str, str]] = (),
    media_type: str = JSON,
) -> Response:
    body: dict[str, object] = {
        "type": f"https://tools.ietf.org/html/rfc9110#section-{_TYPES.get(status, '15.5.1')}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "traceId": trace_id(),
    }
    if errors is not None:
        body["errors"] = errors
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return Response(status, payload, [("Content-Type", f"{media_type}; charset=utf-8"), *headers])


class Invalid(Exception):
    """A refused request: ``errors`` maps each parameter or body field to its messages.

    ``unprocessable``: the request is inside the description but the emulator cannot answer it (an
    ``end`` before ``start``): 422, which the description lists for the metrics endpoints. Otherwise
    the request is outside the description, answered with the configured validation status.
    """

    def __init__(self, errors: dict[str, list[str]], *, unprocessable: bool = False) -> None:
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))
        self.errors = errors
        self.unprocessable = unprocessable

    @classmethod
    def one(cls, field: str, message: str, *, unprocessable: bool = False) -> Invalid:
        return cls({field: [message]}, unprocessable=unprocessable)


class NotFound(Exception):
    """An application or session that does not exist (404); the message is the problem's detail."""
