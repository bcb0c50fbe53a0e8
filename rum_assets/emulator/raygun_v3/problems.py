"""Problem-details error bodies (RFC 9457) as the Raygun v3 API sends them.

Every error is ``{type, title, detail, status, traceId}`` with ``Content-Type: application/problem+json``;
a 422 adds ``errors: {field: [messages]}``. A 429 has no body (the reference says so), so it is not built here.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable

from rum_assets.emulator.server import Response

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
}
_TYPES = {400: "15.5.1", 401: "15.5.2", 403: "15.5.4", 404: "15.5.5", 405: "15.5.6", 422: "15.5.21", 500: "15.6.1"}


def trace_id() -> str:
    """A W3C trace-context id, the form ASP.NET problem details carry."""
    return f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"


def problem(status: int, detail: str, errors: dict[str, list[str]] | None = None, headers: Iterable[tuple[str, str]] = ()) -> Response:
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
    return Response(status, payload, [("Content-Type", "application/problem+json; charset=utf-8"), *headers])


class Invalid(Exception):
    """A request the API understands but refuses (422): ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> Invalid:
        return cls({field: [message]})

    def response(self) -> Response:
        return problem(422, "One or more validation errors occurred.", self.errors)


class NotFound(Exception):
    def response(self) -> Response:
        return problem(404, str(self))
