"""Every environment variable the code reads is declared once and listed in the README."""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

from rum_assets.config import env_vars

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\b(?:RAYGUN|REVENERA|RUM_ASSETS|DAGSTER_PG)_[A-Z0-9_]*[A-Z0-9]\b")


def _names_in_code() -> set[str]:
    """Variable-like names inside the string literals of the package, less Python names that a string
    happens to mention (``__all__`` lists, for instance); env_vars.py's own constants don't count as such."""
    in_strings: set[str] = set()
    identifiers: set[str] = set()
    for path in (PROJECT_ROOT / "rum_assets").rglob("*.py"):
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if token.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)):
                    in_strings |= set(NAME.findall(token.string))
                elif token.type == tokenize.NAME and path.name != "env_vars.py":
                    identifiers.add(token.string)
    return in_strings - identifiers


def _names_in_readme_table() -> set[str]:
    rows = [line for line in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    return {name for row in rows for name in NAME.findall(row.split("|")[1])}


def test_every_variable_named_in_the_code_is_declared() -> None:
    declared = {variable.name for variable in env_vars.ALL}
    assert _names_in_code() - declared == set(), "declare these in rum_assets/config/env_vars.py"


def test_the_readme_lists_every_declared_variable() -> None:
    declared = {variable.name for variable in env_vars.ALL}
    assert declared - _names_in_readme_table() == set(), "add these to the README's configuration table"


def test_secrets_are_marked() -> None:
    secrets = {variable.name for variable in env_vars.ALL if variable.secret}
    assert {"RAYGUN_API_KEY", "RAYGUN_CLIENT_SECRET", "REVENERA_PASSWORD", "RUM_ASSETS_PII_SALT"} <= secrets
