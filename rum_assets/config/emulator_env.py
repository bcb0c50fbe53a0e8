"""The environment variables that point the project at a running emulator, with its demo credentials.

The emulator is its own distribution (``rum_emulator``, in ``emulator/``) and never imports the project;
the project, where the emulator is installed (a checkout: the demo, the tests, the bench), imports it.
"""

from __future__ import annotations

from rum_assets.config import env_vars
from rum_emulator.environment import (
    DEMO_RAYGUN_API_KEY,
    DEMO_RAYGUN_CLIENT_ID,
    DEMO_RAYGUN_CLIENT_SECRET,
    DEMO_RAYGUN_PAT,
    DEMO_REVENERA_PASSWORD,
    DEMO_REVENERA_PRODUCT_IDS,
    DEMO_REVENERA_USERNAME,
    EmulatorSettings,
)


def emulator_env(base_url: str, settings: EmulatorSettings) -> dict[str, str]:
    """Environment variables that point every resource at the emulator with its demo credentials
    (Raygun v1 and v3 both, so the demo lands rows of each)."""
    return {
        env_vars.RAYGUN_BASE_URL.name: base_url,
        env_vars.RAYGUN_API_KEY.name: DEMO_RAYGUN_API_KEY,
        env_vars.RAYGUN_CLIENT_ID.name: DEMO_RAYGUN_CLIENT_ID,
        env_vars.RAYGUN_CLIENT_SECRET.name: DEMO_RAYGUN_CLIENT_SECRET,
        env_vars.RAYGUN_DAILY_CALL_LIMIT.name: str(settings.raygun_call_limit),
        env_vars.RAYGUN_PAT.name: DEMO_RAYGUN_PAT,
        env_vars.RAYGUN_V3_BASE_URL.name: base_url + "/v3",
        env_vars.REVENERA_BASE_URL.name: base_url,
        env_vars.REVENERA_USERNAME.name: DEMO_REVENERA_USERNAME,
        env_vars.REVENERA_PASSWORD.name: DEMO_REVENERA_PASSWORD,
        env_vars.REVENERA_PRODUCT_IDS.name: ",".join(DEMO_REVENERA_PRODUCT_IDS),
    }
