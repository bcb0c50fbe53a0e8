"""The Raygun API v3 emulator (applications, RUM sessions, pages, customers, error groups, metrics)."""

from rum_assets.emulator.raygun_v3.app import RaygunV3App
from rum_assets.emulator.raygun_v3.config import ALL_SCOPES, DEMO_TOKEN, ApplicationSpec, RaygunV3EmulatorConfig

__all__ = ["ALL_SCOPES", "DEMO_TOKEN", "ApplicationSpec", "RaygunV3App", "RaygunV3EmulatorConfig"]
