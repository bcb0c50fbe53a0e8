"""The Raygun Real User Monitoring v1 ("pulse") API emulator."""

from rum_emulator.raygun.app import RaygunApp
from rum_emulator.raygun.config import RaygunCredentials, RaygunEmulatorConfig

__all__ = ["RaygunApp", "RaygunCredentials", "RaygunEmulatorConfig"]
