"""Every v3 answer checked against the description's response schema for its operation and status (openapi-core).

``violations(exchange)`` lists what is wrong with one recorded exchange (``recording``), empty when it
keeps the contract. The description is read as published, with two readings it needs to be checkable:

- it lists no 400 for the list endpoints, although a server that enforces their parameters must refuse
  a value outside an enum: a 400 is checked as the description's ``validation-problem-details`` wherever
  the operation lists none (the issue's enforcing server answers so, and ASP.NET does);
- its pages list says ``oneOf: [web-page, mobile-page]``, but neither schema requires a field nor
  forbids others, so every page matches both and no answer could satisfy ``oneOf``: it is read as
  ``anyOf``.

An answer to a path or method the description lacks (the emulator's 404 and 405 for routes it does not
serve) is checked as ``problem-details``. An emulator running an opt-in variant that departs from the
description (``config.response_deviations``) is checked against the description relaxed by exactly that
variant and no more (``RELAXATIONS``). openapi-core is imported on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rum_emulator.raygun_v3.problems import PROBLEM_JSON
from rum_emulator.raygun_v3.recording import Exchange
from rum_emulator.raygun_v3.spec import METHODS, description
from rum_emulator.raygun_v3.validation import SpecRequest

if TYPE_CHECKING:
    from openapi_core import OpenAPI

Spec = dict[str, Any]
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_SPACE = re.compile(r"\s")
VALIDATION_PROBLEM = {"$ref": "#/components/responses/validation-problem-details"}


def _operations(spec: Spec) -> Iterator[dict[str, Any]]:
    for item in spec["paths"].values():
        yield from (item[method] for method in METHODS if method in item)


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema object with ``properties`` anywhere under ``node``."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _list_status(status: str) -> Callable[[Spec], None]:
    def relax(spec: Spec) -> None:
        for operation in _operations(spec):
            operation["responses"].setdefault(status, VALIDATION_PROBLEM)

    return relax


def _pages_any_of(spec: Spec) -> None:
    for path in ("/applications/{application-identifier}/pages", "/applications/{application-identifier}/pages/{page-identifier}"):
        schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        target = schema.get("items", schema)
        target["anyOf"] = target.pop("oneOf")


def _problem_json(spec: Spec) -> None:
    for response in spec["components"]["responses"].values():
        content = response.get("content", {})
        if "application/json" in content and response["description"].lower().endswith("problem details"):
            content[PROBLEM_JSON] = content["application/json"]


def _nullable_not_required(spec: Spec) -> None:
    for schema in _objects(spec):
        nullable = {name for name, prop in schema["properties"].items() if isinstance(prop, dict) and prop.get("nullable")}
        if "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in nullable]


def _optional_nullable(spec: Spec) -> None:
    for schema in _objects(spec):
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            if name not in required and isinstance(prop, dict) and "type" in prop:
                prop["nullable"] = True
                if "enum" in prop:  # OpenAPI 3.0.3: a nullable enum lists null among its values
                    prop["enum"] = [*prop["enum"], None]


READINGS: tuple[Callable[[Spec], None], ...] = (_list_status("400"), _pages_any_of)
RELAXATIONS: dict[str, Callable[[Spec], None]] = {
    "validation_status": _list_status("422"),
    "problem_media_type": _problem_json,
    "omit_null_fields": _nullable_not_required,
    "null_for_absent_fields": _optional_nullable,
}
"""Per opt-in variant (``config.response_deviations``): what the description would have to say for it to hold."""


@cache
def _contract(deviations: frozenset[str]) -> tuple[OpenAPI, Any]:
    from openapi_core import Config, OpenAPI
    from openapi_core.deserializing.media_types.util import json_loads
    from openapi_schema_validator import OAS30Validator

    unknown = deviations - set(RELAXATIONS)
    if unknown:
        raise ValueError(f"no relaxation of the description for {sorted(unknown)}")
    spec = description()
    for adjust in (*READINGS, *(RELAXATIONS[name] for name in sorted(deviations))):
        adjust(spec)
    problem_schema = spec["components"]["responses"]["problem-details"]["content"]["application/json"]["schema"]
    config = Config(
        spec_validator_cls=None, extra_format_validators={"uri": is_uri}, extra_media_type_deserializers={PROBLEM_JSON: json_loads}
    )
    return OpenAPI.from_dict(spec, config=config), OAS30Validator(problem_schema)


def is_uri(value: Any) -> bool:
    """RFC 3986's absolute ``URI``: a scheme, then a hierarchy part, no spaces (jsonschema checks ``uri`` only
    with an optional package, so without this every string would pass)."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(_SCHEME.fullmatch(parts.scheme)) and bool(parts.netloc or parts.path) and not _SPACE.search(value)


class _SpecResponse:
    def __init__(self, exchange: Exchange) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = exchange.status
        self.data = exchange.body
        self.headers = Headers(list(exchange.headers))
        self.content_type = exchange.content_type.lower()


def violations(exchange: Exchange) -> list[str]:
    """What in this answer the description (read as above, relaxed by its variants) does not allow."""
    from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

    api, problem_validator = _contract(exchange.deviations)
    found = []
    for error in api.iter_response_errors(
        SpecRequest(exchange.method, exchange.path, exchange.query, exchange.request_headers, exchange.request_body),
        _SpecResponse(exchange),
    ):
        if isinstance(error, PathNotFound | OperationNotFound):
            return _undescribed(exchange, problem_validator)
        found.append(_message(error))
    return found


def _undescribed(exchange: Exchange, validator: Any) -> list[str]:
    """A path or method the description lacks: only a 404 or 405 problem-details answer is right."""
    if exchange.status not in (404, 405):
        return [f"{exchange.method} {exchange.path} is not in the description, yet was answered {exchange.status}"]
    try:
        body = json.loads(exchange.body)
    except ValueError:
        return ["the problem-details body is not JSON"]
    return [error.message for error in validator.iter_errors(body)]


def _message(error: Exception, most: int = 5) -> str:
    """The schema errors with where they are (the value itself can be a 500-row page: left out)."""
    cause = error.__cause__
    details = [_short(getattr(e, "message", str(e))) + _at(e) for e in getattr(cause, "schema_errors", None) or []]
    if not details:
        return _short(f"{error}{f': {cause}' if cause else ''}")
    more = f"; and {len(details) - most} more" if len(details) > most else ""
    return f"{type(error).__name__}: {'; '.join(details[:most])}{more}"


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _at(schema_error: Any) -> str:
    path = list(getattr(schema_error, "absolute_path", []))
    return f" (at {'/'.join(str(p) for p in path)})" if path else ""
