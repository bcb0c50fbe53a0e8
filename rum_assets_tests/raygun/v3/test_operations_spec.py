"""The client's table of v3 operations, and the order each list sends, against Raygun's published description."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

import rum_assets
from rum_assets.raygun.v3 import client
from rum_assets.raygun.v3.operations import (
    LIST_APPLICATIONS,
    LIST_CUSTOMERS,
    LIST_DEPLOYMENTS,
    LIST_ERROR_GROUPS,
    LIST_PAGES,
    LIST_SESSIONS,
    OPERATIONS,
    Operation,
)
from rum_emulator.raygun_v3.spec import SPEC_PATH

SPEC = SPEC_PATH
"""Raygun's description as the repository ships it (copied unchanged from the vendor's published file)."""
METHODS = ("get", "put", "post", "delete", "patch")
ORDERS = {
    LIST_APPLICATIONS: client.APPLICATIONS_ORDER,
    LIST_SESSIONS: ("startedAt",),
    LIST_PAGES: client.PAGES_ORDER,
    LIST_CUSTOMERS: client.CUSTOMERS_ORDER,
    LIST_ERROR_GROUPS: client.ERROR_GROUPS_ORDER,
    LIST_DEPLOYMENTS: client.DEPLOYMENTS_ORDER,
}


@cache
def _spec() -> dict[str, Any]:
    with SPEC.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _described() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId -> (method, path template, operation) for every operation of the description."""
    found = {}
    for template, item in _spec()["paths"].items():
        for method in METHODS:
            if method in item:
                found[item[method]["operationId"]] = (method.upper(), template, item[method])
    return found


def _orderby(operation: dict[str, Any]) -> dict[str, Any] | None:
    return next((p for p in operation.get("parameters", []) if p.get("name") == "orderby" and p.get("in") == "query"), None)


def test_every_operation_is_the_descriptions_own_with_its_scope() -> None:
    described = _described()
    for operation_id, ours in OPERATIONS.items():
        assert operation_id in described, f"{operation_id} is not in the description"
        method, template, operation = described[operation_id]
        [requirement] = operation["security"]
        assert (ours.method, ours.template) == (method, template), operation_id
        assert [ours.scope] == requirement["personal_access_token"], operation_id


def test_each_list_sends_orderby_its_description_allows_in_its_style() -> None:
    described = _described()
    for ours, order in ORDERS.items():
        parameter = _orderby(described[ours.operation_id][2])
        assert parameter is not None, ours.operation_id
        allowed = parameter["schema"]["items"]["enum"]
        assert order and all(value in allowed for value in order), (ours.operation_id, order, allowed)
        assert len(set(order)) == len(order)  # uniqueItems
        assert ours.orderby_exploded == parameter.get("explode", True), ours.operation_id  # form style explodes by default
    assert {op for op in OPERATIONS.values() if op.orderby_exploded is not None} == set(ORDERS)


def test_customers_can_only_be_ordered_by_three_fields() -> None:
    parameter = _orderby(_described()[LIST_CUSTOMERS.operation_id][2])
    assert parameter is not None
    assert {value.removesuffix(" desc") for value in parameter["schema"]["items"]["enum"]} == {"isAnonymous", "firstSeenAt", "lastSeenAt"}


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (LIST_PAGES, {"orderby": "uri,name"}),
        (LIST_CUSTOMERS, {"orderby": ["lastSeenAt desc", "firstSeenAt desc"]}),
    ],
)
def test_orderby_parameters_follow_the_style(operation: Operation, expected: dict[str, Any]) -> None:
    assert operation.orderby(ORDERS[operation]) == expected


def test_paths_encode_their_values() -> None:
    assert LIST_SESSIONS.path("a/b c") == "/applications/a%2Fb%20c/sessions"
    assert OPERATIONS["get-session-by-identifier"].endpoint("app", "s1") == "GET /applications/app/sessions/s1"
    with pytest.raises(ValueError, match="takes 1 values, not 2"):
        LIST_PAGES.path("a", "b")


def test_the_vendor_notes_give_each_operation_its_scope() -> None:
    notes = (Path(rum_assets.__file__).parent.parent / "docs" / "vendors.md").read_text(encoding="utf-8")
    rows = [line for line in notes.splitlines() if line.startswith("| ") and "` | `" in line]
    for operation in OPERATIONS.values():
        listed = [row for row in rows if f"`{operation.operation_id}`" in row]
        assert listed, f"docs/vendors.md does not list {operation.operation_id}"
        assert all(row.rstrip().endswith(f"`{operation.scope}` |") for row in listed), listed
