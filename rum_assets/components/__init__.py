"""Accounts as Dagster components: each Raygun account and Revenera login is one ``defs.yaml``."""

from rum_assets.components.raygun_component import RaygunComponent
from rum_assets.components.revenera_component import ReveneraComponent

__all__ = ["RaygunComponent", "ReveneraComponent"]
