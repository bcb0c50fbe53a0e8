"""Raygun v3 error answers (RFC 7807 problem details) turned into the project's errors."""

from __future__ import annotations

from datetime import date
from typing import Unpack

import httpx
from pydantic import ValidationError

from rum_assets.raygun.v3.models import Problem
from rum_assets.transport.errors import AuthenticationError, ErrorDetails, NotFoundError, VendorError, VendorHTTPError
from rum_assets.transport.http import body_snippet

VENDOR = "Raygun v3"
REQUEST_ID_HEADER = "X-Raygun-RequestId"


class MissingScopeError(AuthenticationError):
    """The token is valid but lacks the scope an endpoint needs (HTTP 403). ``scope`` is the one the
    operation's description names (see :mod:`rum_assets.raygun.v3.operations`)."""

    def __init__(self, endpoint: str, problem: str, *, scope: str, **kwargs: Unpack[ErrorDetails]) -> None:
        self.scope = scope
        super().__init__(VENDOR, endpoint, problem, **kwargs)


def parse_problem(response: httpx.Response) -> Problem | None:
    try:
        payload = response.json()
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    try:
        return Problem.model_validate(payload)
    except ValidationError:
        return None


def describe(response: httpx.Response) -> str:
    """The problem's title and detail, field errors and the request id, on one line."""
    problem = parse_problem(response)
    if problem is None:
        text = body_snippet(response) or response.reason_phrase or "no body"
    else:
        parts = [part for part in (problem.title, problem.detail) if part]
        text = ": ".join(parts) if parts else body_snippet(response)
        if problem.errors:
            fields = "; ".join(f"{name}: {', '.join(messages)}" for name, messages in problem.errors.items())
            text += f" [{fields}]"
        if problem.trace_id:
            text += f" (traceId {problem.trace_id})"
    request_id = response.headers.get(REQUEST_ID_HEADER)
    if request_id:
        text += f" ({REQUEST_ID_HEADER} {request_id})"
    return text


def error_for(
    response: httpx.Response,
    endpoint: str,
    *,
    day: date | None,
    scope: str,
    secrets: tuple[str, ...],
    what: str | None = None,
) -> VendorError:
    """The error to raise for a non-2xx answer that retries did not resolve; ``scope`` is the one the
    operation needs."""
    status = response.status_code
    problem = describe(response)
    if status == 401:
        return AuthenticationError(
            VENDOR,
            endpoint,
            f"the personal access token is missing, expired or revoked: check RAYGUN_PAT ({problem})",
            day=day,
            status=status,
            secrets=secrets,
        )
    if status == 403:
        # The real API's 403 does not name the scope; the operation's description does.
        return MissingScopeError(
            endpoint,
            f"the token lacks {scope}: add it in Raygun's personal access token settings ({problem})",
            scope=scope,
            day=day,
            status=status,
            secrets=secrets,
        )
    if status == 404:
        return NotFoundError(VENDOR, endpoint, f"{what or 'the resource'} is unknown ({problem})", day=day, status=status, secrets=secrets)
    return VendorHTTPError(VENDOR, endpoint, problem, day=day, status=status, secrets=secrets)
