"""Secret fields of a ``defs.yaml``: only ``{{ env.VAR }}`` references, kept as ``dg.EnvVar``.

A secret reaches the resource as the variable's name, read when a run starts and never shown in the
UI, exactly as the environment-configured account's secrets do. Dagster's templating would put the
value itself into the resource, so these fields are resolved from the raw YAML text instead. A
literal value is refused when the account's definitions are built, with an error naming the field
and never the value (Dagster's own resolution errors quote the YAML line, so the refusal is not
raised while resolving).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

import dagster as dg

_ENV_REFERENCE = re.compile(r"^\{\{\s*(?:env\.([A-Za-z_][A-Za-z0-9_]*)|env\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\))\s*\}\}$")


@dataclass(frozen=True)
class LiteralSecret:
    """A secret field that held something other than an environment reference (its value is not kept)."""

    field: str


class LiteralSecretError(ValueError):
    """A defs.yaml names a secret literally."""


def _resolve_secret(context: dg.ResolutionContext, raw: Any) -> dg.EnvVar | LiteralSecret | None:
    if raw is None:
        return None
    field = ".".join(str(part) for part in context.path) or "a secret field"
    match = _ENV_REFERENCE.match(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        return LiteralSecret(field)
    return dg.EnvVar(match.group(1) or match.group(2))


Secret = Annotated[
    Any,
    dg.Resolver(
        _resolve_secret,
        model_field_type=str | None,
        inject_before_resolve=False,
        description="A secret, as an environment reference: '{{ env.VARIABLE }}' (a literal value is refused).",
        examples=["{{ env.ACME_RAYGUN_PAT }}"],
    ),
]
"""A secret attribute: its YAML is a ``{{ env.VAR }}`` string, its resolved value a ``dg.EnvVar``."""


def secret_value(component: str, account: str, value: dg.EnvVar | LiteralSecret | None) -> dg.EnvVar | None:
    """The reference to hand a resource; a literal fails naming the component, account and field."""
    if isinstance(value, LiteralSecret):
        raise LiteralSecretError(
            f"{component} {account!r}: {value.field} holds a literal value; secrets in a defs.yaml must be environment "
            f"references such as '{{{{ env.MY_SECRET }}}}' (the value is not shown)"
        )
    return value
