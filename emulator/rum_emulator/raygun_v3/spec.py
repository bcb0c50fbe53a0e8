"""Raygun's published v3 description, read once per process: its operations, their paths and scopes.

``openapi/raygun-v3-openapi.yml`` is Raygun's own OpenAPI 3.0.3 description, copied unchanged. The
emulator takes from it what a hand-kept table would otherwise guess: which method and path template each
operation has, and the personal access token scope its ``security`` entry names.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).with_name("openapi") / "raygun-v3-openapi.yml"
SERVER_PREFIX = "/v3"
"""The path of the description's server (``https://api.raygun.com/v3``): every operation path is below it."""
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    """Upper case, as the server's ``Request.method``."""
    template: str
    """The description's path, e.g. ``/applications/{application-identifier}/sessions``."""
    security: tuple[frozenset[str], ...]
    """Its ``security`` entry: alternatives, each the scopes a token needs all of."""

    @property
    def scopes(self) -> frozenset[str]:
        """Every scope the ``security`` entry names."""
        return frozenset().union(*self.security)

    def allows(self, granted: frozenset[str]) -> bool:
        return any(needed <= granted for needed in self.security)

    @property
    def pattern(self) -> str:
        """A regular expression for the full request path (with ``/v3``); each template variable is a named group."""
        parts = re.split(r"\{([^}]+)\}", self.template)
        regex = "".join(re.escape(part) if n % 2 == 0 else f"(?P<{_group(part)}>[^/]+)" for n, part in enumerate(parts))
        return re.escape(SERVER_PREFIX) + regex

    def path_parameters(self, groups: dict[str, str]) -> dict[str, str]:
        """Regex groups back to the description's parameter names (``application-identifier``)."""
        names = re.findall(r"\{([^}]+)\}", self.template)
        return {name: groups[_group(name)] for name in names}


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


@cache
def _load() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def description() -> dict[str, Any]:
    """A fresh copy of the description as a dict (callers may change their copy)."""
    return copy.deepcopy(_load())


@cache
def operations() -> dict[str, Operation]:
    """Every operation of the description by ``operationId``."""
    spec = _load()
    found: dict[str, Operation] = {}
    for template, item in spec["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            requirements = operation.get("security", spec.get("security", []))
            security = tuple(frozenset(scope for names in requirement.values() for scope in names) for requirement in requirements)
            found[operation["operationId"]] = Operation(operation["operationId"], method.upper(), template, security)
    return found
