"""The Revenera emulator keeps its own route table: it never borrows the client's paths."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import rum_emulator as emulator_package
from rum_emulator.revenera.paths import ROUTES, pattern

EMULATOR_DIR = Path(emulator_package.__file__).parent


def _imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_emulator_module_imports_a_client_package() -> None:
    offenders = {
        str(path.relative_to(EMULATOR_DIR)): sorted(
            m for m in _imported_modules(path) if m.startswith(("rum_assets.revenera", "rum_assets.raygun"))
        )
        for path in EMULATOR_DIR.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_emulator_loads_no_client_module() -> None:
    code = "import sys, rum_emulator.revenera; print(sorted(m for m in sys.modules if m.startswith('rum_assets.revenera')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_route_table_has_the_reference_paths() -> None:
    confirmed = {
        "request_csrf": ("GET", "/v3/request-csrf"),
        "login": ("POST", "/v3/auth/web"),
        "logout": ("POST", "/v3/auth/logout"),
        "product_properties": ("GET", "/v3/meta/productProperties/{pid}"),
        "event_catalog": ("GET", "/v3/event-tracking/{pid}"),
        "date_range": ("POST", "/v3/reporting/generic/dateRange/{pid}"),
        "client_property_list": ("POST", "/v3/reporting/clientPropertyList/{pid}"),
        "raw_list": ("GET", "/v3/rawEvents/download/listFiles/{pid}"),
        "raw_url": ("POST", "/v3/rawEvents/download/getDownloadUrl/{pid}"),
        "event_lifetime_histogram": ("POST", "/v3/reporting/eventTracking/lifetime/histogram/{pid}"),
    }
    for name, (method, path) in confirmed.items():
        assert (ROUTES[name].method, ROUTES[name].path) == (method, path)
        assert ROUTES[name].evidence.startswith("confirmed")
    assert all(r.evidence for r in ROUTES.values())
    assert pattern("raw_url") == r"/v3/rawEvents/download/getDownloadUrl/(?P<pid>[^/]+)"
