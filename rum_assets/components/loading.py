"""Loading the accounts' ``defs.yaml`` files with Dagster's component tree.

``dg.load_from_defs_folder`` finds the defs module through the project's ``pyproject.toml``, which an
installed wheel does not have; the tree it builds is made here from the module itself, so the
package's ``rum_assets/defs`` loads the same from a checkout and from a wheel. A deployment's own
folder (``RUM_ASSETS_DEFS_DIR``) is loaded the same way, as a package of its own, instead of the
package's (a code location has one component tree).
"""

from __future__ import annotations

import importlib
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

_EXTERNAL_MODULE = "rum_assets_deployment_defs"


@contextmanager
def _loader_notices_silenced() -> Iterator[None]:
    """Dagster's notices about its own loader, which ``dg.load_from_defs_folder`` silences too: silenced
    here around the load alone, so the project's own code still shows any it causes."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Function `load_definitions_from_modules?` is currently in preview", category=dg.PreviewWarning
        )
        # ... and marks each component's definitions with a link to its defs.yaml through beta metadata classes.
        warnings.filterwarnings(
            "ignore", message=r"Class `(CodeReferencesMetadataValue|LocalFileCodeReference)` is currently in beta", category=dg.BetaWarning
        )
        # ... and reads each defs.yaml with pydantic's parse_obj_as, which pydantic 2 marks deprecated.
        warnings.filterwarnings("ignore", message=r"`parse_obj_as` is deprecated", category=DeprecationWarning)
        yield


def load_package_defs() -> dg.Definitions:
    """Every component under ``rum_assets/defs``."""
    module = importlib.import_module("rum_assets.defs")
    with _loader_notices_silenced():
        return dg.ComponentTree.from_module(defs_module=module, project_root=Path(module.__file__ or "").parent.parent).build_defs()


def load_folder_defs(folder: Path) -> dg.Definitions:
    """Every component under ``folder`` (a directory of ``defs.yaml`` sub-folders; no Python needed)."""
    if not folder.is_dir():
        raise ValueError(f"RUM_ASSETS_DEFS_DIR is {str(folder)!r}, which is not a directory")
    module = types.ModuleType(_EXTERNAL_MODULE)
    module.__path__ = [str(folder.resolve())]
    module.__file__ = None  # a namespace package: the tree finds its folder through __path__
    with _loader_notices_silenced():
        return dg.ComponentTree.from_module(defs_module=module, project_root=folder.resolve()).build_defs()
