"""The shell commands that a deployment file's header comment and the README's code blocks give."""

from __future__ import annotations

import re
from pathlib import Path

_FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _joined(lines: list[str]) -> list[str]:
    """Lines with their ``\\`` continuations joined, blanks and comments dropped."""
    commands: list[str] = []
    pending = ""
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.endswith("\\"):
            pending += text[:-1].strip() + " "
            continue
        commands.append(pending + text)
        pending = ""
    return commands


def header_commands(path: Path) -> list[str]:
    """Commands indented under the file's leading comment (``#   command``)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if line.startswith("#   "):
            lines.append(line[4:])
    return _joined(lines)


def readme_section(readme: Path, section: str) -> str:
    """The text of the README's ``## section``, its ``###`` subsections included."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def readme_commands(readme: Path, section: str) -> list[str]:
    """Commands in the code blocks of the README's ``## section``."""
    return [command for block in _FENCE.findall(readme_section(readme, section)) for command in _joined(block.splitlines())]
