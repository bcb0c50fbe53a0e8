"""The Raygun Real User Monitoring v1 ("pulse") API emulator."""

from rum_assets.emulator.raygun.app import RaygunApp
from rum_assets.emulator.raygun.config import RaygunCredentials, RaygunEmulatorConfig

__all__ = ["RaygunApp", "RaygunCredentials", "RaygunEmulatorConfig"]
