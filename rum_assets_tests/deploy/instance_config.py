"""Instance configurations checked by Dagster itself (its instance schema), without starting an instance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dagster._core.instance.config import dagster_instance_config


def validated(config: Mapping[str, Any], directory: Path) -> Mapping[str, Any]:
    """``config`` as Dagster loads it from ``directory``/dagster.yaml; raises on any invalid setting."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "dagster.yaml").write_text(yaml.safe_dump(dict(config)), encoding="utf-8")
    loaded, _instance_class = dagster_instance_config(str(directory))
    return loaded
