"""deploy/Dockerfile builds a non-root image of exactly uv.lock, and .dockerignore keeps everything else
(credentials, the developer's environment, data) out of the build context. No Docker engine here: the
file's instructions and the ignore patterns are read as Docker reads them."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

from .files import DOCKERFILE, DOCKERIGNORE, compose


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def _stages() -> list[list[Instruction]]:
    """The Dockerfile's stages, each a list of instructions (continuations joined, comments dropped)."""
    stages: list[list[Instruction]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        keyword, _, arguments = (pending + text).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), arguments.strip()))
    return stages


def _uv_syncs(stage: list[Instruction]) -> list[tuple[int, list[str]]]:
    return [
        (index, shlex.split(instruction.arguments))
        for index, instruction in enumerate(stage)
        if instruction.keyword == "RUN" and "uv sync" in instruction.arguments
    ]


def test_the_locked_dependencies_are_installed_before_the_project_and_without_it() -> None:
    build = _stages()[0]
    syncs = _uv_syncs(build)
    assert len(syncs) == 2
    for _, arguments in syncs:
        assert "--locked" in arguments and "--frozen" not in arguments and "--no-dev" in arguments
    (dependencies_at, dependencies), (project_at, project) = syncs
    assert "--no-install-project" in dependencies
    copied_before = [instruction.arguments for instruction in build[:dependencies_at] if instruction.keyword == "COPY"]
    # and the workspace member's pyproject.toml, without which uv cannot check the lock
    assert copied_before == ["pyproject.toml uv.lock ./", "emulator/pyproject.toml ./emulator/"], (
        "anything else copied here rebuilds the dependency layer when it changes"
    )
    assert "--no-editable" in project and "--no-install-project" not in project
    copied_after = " ".join(instruction.arguments for instruction in build[dependencies_at:project_at] if instruction.keyword == "COPY")
    assert "README.md" in copied_after and "rum_assets" in copied_after  # the wheel's metadata and its code


def test_the_image_runs_as_a_numeric_non_root_user_without_sources_or_uv() -> None:
    runtime = _stages()[-1]
    users = [instruction.arguments for instruction in runtime if instruction.keyword == "USER"]
    assert users and re.fullmatch(r"[1-9][0-9]*(:[1-9][0-9]*)?", users[-1]), users
    copies = [instruction.arguments for instruction in runtime if instruction.keyword == "COPY"]
    assert any(copy.startswith("--from=build /opt/rum_assets/.venv ") for copy in copies), copies
    assert not any(re.search(r"(^|\s)(rum_assets|README\.md|pyproject\.toml|uv\.lock)(\s|$)", copy) for copy in copies), copies
    assert not any("uv" in shlex.split(instruction.arguments) for instruction in runtime if instruction.keyword == "RUN")


def test_the_image_matches_what_compose_expects() -> None:
    runtime = _stages()[-1]
    environment = " ".join(instruction.arguments for instruction in runtime if instruction.keyword == "ENV")
    home = re.search(r"DAGSTER_HOME=(\S+)", environment)
    assert home is not None
    copies = [instruction.arguments for instruction in runtime if instruction.keyword == "COPY"]
    assert f"dagster-postgres.yaml {home.group(1)}/dagster.yaml" in copies
    services = compose({})["services"]
    assert f"dagster-storage:{home.group(1)}/storage" in services["code"]["volumes"]
    command = [instruction.arguments for instruction in runtime if instruction.keyword == "CMD"][-1]
    assert services["code"]["command"] == json.loads(command)  # the exec form is a JSON array
    workspace = services["webserver"]["command"][services["webserver"]["command"].index("-w") + 1]
    assert f"deploy/workspace-compose.yaml {workspace}" in copies
    assert services["daemon"]["command"][-1] == workspace


def _ignored(path: str) -> bool:
    """Docker's .dockerignore rule: the last pattern matching the path or one of its parents decides."""
    decision = False
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        regex = re.compile(
            "".join(".*" if part == "**" else re.escape(part).replace(r"\*", "[^/]*") for part in re.split(r"(\*\*)", pattern))
        )
        parts = path.split("/")
        if any(regex.fullmatch("/".join(parts[:end])) for end in range(1, len(parts) + 1)):
            decision = not negated
    return decision


def test_the_build_context_holds_only_what_the_dockerfile_copies() -> None:
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "deploy/.env",
        "data/rum_assets.duckdb",
        ".dagster_home/dagster.yaml",
        ".tools/bin/uv",
        "artifacts/screenshot.png",
        "rum_assets/__pycache__/definitions.cpython-311.pyc",
        "rum_assets_tests/conftest.py",
    ):
        assert _ignored(path), path
    sources = [
        source
        for stage in _stages()
        for instruction in stage
        if instruction.keyword == "COPY" and not instruction.arguments.startswith("--from")
        for source in instruction.arguments.split()[:-1]
    ]
    assert sources
    for source in sources:
        assert not _ignored(source.rstrip("/")), source
    assert not _ignored("rum_assets/raygun/assets.py")
    assert _ignored("emulator/rum_emulator/server.py")  # the emulator never enters the image
