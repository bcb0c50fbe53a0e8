"""The packages' modules import each other without a circle, so each one can be read (and loaded) alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"rum_assets": PROJECT_ROOT / "rum_assets", "rum_emulator": PROJECT_ROOT / "emulator" / "rum_emulator"}


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(tree: ast.Module, modules: set[str]) -> set[str]:
    """What a module imports when it loads: module-level statements, not TYPE_CHECKING blocks or functions."""
    found: set[str] = set()
    statements = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.If | ast.Try):
            statements.extend([*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])])
            statements.extend(statement for handler in getattr(node, "handlers", []) for statement in handler.body)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):  # a name defined by the module itself, not a submodule of it
                found.add(node.module)
    return {name for name in found if name in modules}


def _graph(package: str) -> dict[str, set[str]]:
    root = PACKAGES[package]
    paths = {_module_name(package, root, path): path for path in root.rglob("*.py")}
    return {name: _top_level_imports(ast.parse(path.read_text(encoding="utf-8")), set(paths)) - {name} for name, path in paths.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_module_imports_itself_through_others(package: str) -> None:
    cycle = _cycle({name: {target for target in targets if target.startswith(package)} for name, targets in _graph(package).items()})
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
