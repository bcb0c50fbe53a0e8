"""Turning a vendor response into a typed model, with errors that name the field at fault."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from rum_assets.transport.errors import PayloadError
from rum_assets.transport.http import CallContext, body_snippet

ModelT = TypeVar("ModelT", bound=BaseModel)


def response_json(response: httpx.Response, context: CallContext) -> Any:
    try:
        return response.json()
    except ValueError:
        raise PayloadError(
            context.vendor,
            context.endpoint,
            f"the response is not JSON (Content-Type {response.headers.get('content-type')!r}): {body_snippet(response, 120)!r}",
            day=context.day,
            status=response.status_code,
            secrets=context.secrets,
        ) from None


def validate_payload(model: type[ModelT], payload: Any, context: CallContext) -> ModelT:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        field = ".".join(str(part) for part in first["loc"]) or "<root>"
        found = repr(first.get("input"))[:80]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise PayloadError(
            context.vendor,
            context.endpoint,
            f"field '{field}' breaks the contract: {first['msg']}; found {found}{more}",
            day=context.day,
            secrets=context.secrets,
        ) from None


def parse_response(model: type[ModelT], response: httpx.Response, context: CallContext) -> ModelT:
    return validate_payload(model, response_json(response, context), context)
