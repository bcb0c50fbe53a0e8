"""The emulator is its own distribution: it imports nothing of the project, and the project's wheel lacks it."""

from __future__ import annotations

import os
import pkgutil
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import rum_emulator

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_every_emulator_module_imports_without_the_project() -> None:
    modules = sorted(info.name for info in pkgutil.walk_packages(rum_emulator.__path__, "rum_emulator."))
    assert len(modules) > 30, modules
    script = f"import importlib, sys\nfor name in {modules!r}:\n    importlib.import_module(name)\nprint(sorted(m for m in sys.modules if m.split('.')[0] == 'rum_assets'))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT / "emulator")
    assert result.stdout.strip() == "[]"


def test_the_project_wheel_ships_without_the_emulator(tmp_path: Path) -> None:
    uv = shutil.which("uv") or str(PROJECT_ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed (make installs it into .tools/)")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    subprocess.run([uv, "build", "--wheel", "--out-dir", str(tmp_path), str(PROJECT_ROOT)], check=True, capture_output=True, env=env)
    (wheel,) = tmp_path.glob("rum_assets-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.startswith("rum_assets/raygun/v3/") for name in names)
    assert not [name for name in names if "emulator" in name.split("/")[0] or name.startswith("rum_emulator")]
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines() if line.startswith("Requires-Dist:")]
    assert not [line for line in requires if "emulator" in line or "openapi" in line], requires


def test_the_console_commands_say_how_to_get_the_emulator_where_it_is_not_installed() -> None:
    script = "import sys; sys.modules['rum_emulator'] = None; from rum_assets.cli import main; raise SystemExit(main(['demo']))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert "needs the emulator" in result.stderr and "pip install ./emulator" in result.stderr
    assert "Done in" not in result.stdout
