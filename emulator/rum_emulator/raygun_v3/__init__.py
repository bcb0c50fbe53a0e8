"""The Raygun API v3 emulator (applications, RUM sessions, pages, customers, error groups, metrics).

Mounted under ``/v3``: give a client the base URL ``<emulator>/v3`` where the real one is
``https://api.raygun.com/v3``. Raygun's published OpenAPI description (``openapi/``) is the contract:
the emulator takes its operations and scopes from it and validates every request against it; ``app``
documents the order of checks, ``config`` the opt-in variants, ``contract`` checks answers against it.
"""

from rum_emulator.raygun_v3.app import RaygunV3App
from rum_emulator.raygun_v3.config import ALL_SCOPES, DEMO_TOKEN, ApplicationSpec, RaygunV3EmulatorConfig

__all__ = ["ALL_SCOPES", "DEMO_TOKEN", "ApplicationSpec", "RaygunV3App", "RaygunV3EmulatorConfig"]
