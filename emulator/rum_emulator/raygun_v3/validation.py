"""Every request checked against Raygun's description with openapi-core, as a server that enforces it would.

A request outside the description (a value outside an enum such as a list's ``orderby``, ``count`` outside
1..500, a negative ``offset``, a ``filter`` that does not match its pattern, a body that is not the
operation's schema) raises ``Invalid``: the emulator answers it with a problem-details body whose
``errors`` maps each parameter (or body field) to its messages. What the description allows comes back
unmarshalled: ``count`` as an int with its default, ``orderby`` and ``include`` as lists (``orderby`` is
comma separated where the description says ``explode: false``, a repeated parameter elsewhere).

openapi-core is imported here, on first use, and the description is built once per process (about 2 s).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from rum_emulator.raygun_v3.problems import Invalid
from rum_emulator.raygun_v3.spec import description

if TYPE_CHECKING:
    from openapi_core import OpenAPI

    from rum_emulator.messages import Request

SPEC_HOST = "https://api.raygun.com"
"""The description's server host: requests are checked as if sent to it (the emulator's own host differs)."""
_REQUIRED = re.compile(r"'([^']+)' is a required property")


@dataclass(frozen=True)
class Checked:
    """What the description let through: parameters by their description names, and the body."""

    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None


class SpecRequest:
    """A request in the shape openapi-core reads (its ``Request`` protocol), as if sent to the description's host."""

    def __init__(self, method: str, path: str, query: Iterable[tuple[str, str]], headers: Iterable[tuple[str, str]], body: bytes) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        header_list = list(headers)
        self.host_url = SPEC_HOST
        self.path = path
        self.method = method.lower()
        self.body = body or None
        self.content_type = next((value for name, value in header_list if name.lower() == "content-type"), "application/json").lower()
        self.parameters = RequestParameters(query=ImmutableMultiDict(list(query)), header=Headers(header_list))

    @classmethod
    def of(cls, request: Request) -> SpecRequest:
        pairs = [(name, value) for name, values in request.query.items() for value in values]
        return cls(request.method, request.path, pairs, request.headers.items(), request.body)


@cache
def _openapi() -> OpenAPI:
    from openapi_core import Config, OpenAPI

    return OpenAPI.from_dict(description(), config=Config(spec_validator_cls=None))  # rum_assets_tests checks the description itself


def check(request: Request) -> Checked:
    """The request's parameters and body as the description allows them; raises ``Invalid`` otherwise."""
    result = _openapi().unmarshal_request(SpecRequest.of(request))
    if result.errors:
        raise Invalid(_errors_map(result.errors))
    body = request.json() if request.body else None  # the JSON as sent (the unmarshalled body has datetimes)
    return Checked(dict(result.parameters.path), dict(result.parameters.query), body)


def _errors_map(errors: Iterable[Exception]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        for name, message in _messages(error):
            found.setdefault(name, []).append(message)
    return found


def _messages(error: Exception) -> list[tuple[str, str]]:
    from openapi_core.validation.request.exceptions import ParameterValidationError, RequestBodyValidationError

    cause = error.__cause__
    schema_errors = list(getattr(cause, "schema_errors", None) or [])
    if isinstance(error, ParameterValidationError):
        if schema_errors:
            return [(error.name, f"The value is not valid for {error.name}: {e.message}.") for e in schema_errors]
        return [(error.name, f"The value is not valid for {error.name}: {cause or error}.")]
    if isinstance(error, RequestBodyValidationError):
        if not schema_errors:
            return [("body", f"The request body is not valid: {cause or error}.")]
        return [(_body_field(e), f"{e.message}.") for e in schema_errors]
    return [("request", str(error))]


def _body_field(schema_error: Any) -> str:
    """``metrics[1]`` for a value inside the body; the missing property for a ``required`` error."""
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in schema_error.absolute_path).lstrip(".")
    if schema_error.validator == "required":
        missing = _REQUIRED.search(schema_error.message)
        if missing:
            return f"{path}.{missing.group(1)}" if path else missing.group(1)
    return path or "body"
