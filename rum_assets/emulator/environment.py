"""Starting both emulators together, and the environment that points the project at them."""

from __future__ import annotations

from dataclasses import dataclass

from rum_assets.emulator.server import EmulatorServer

DEMO_RAYGUN_API_KEY = "demo-raygun-api-key"
DEMO_RAYGUN_CLIENT_ID = "demo-raygun-client-id"
DEMO_RAYGUN_CLIENT_SECRET = "demo-raygun-client-secret"
DEMO_REVENERA_USERNAME = "demo@example.com"
DEMO_REVENERA_PASSWORD = "demo-revenera-password"
DEMO_REVENERA_PRODUCT_IDS = ("2376158762", "2395188568")


@dataclass(frozen=True)
class EmulatorSettings:
    sessions_per_day: int = 150
    raygun_call_limit: int = 600
    """The demo plays an enterprise plan; the vendor's default (and the resource's) is 50."""
    clients_per_product: int = 2000


def build_apps(settings: EmulatorSettings) -> list[object]:
    from rum_assets.emulator.raygun import RaygunApp, RaygunEmulatorConfig
    from rum_assets.emulator.raygun_v3 import RaygunV3App, RaygunV3EmulatorConfig
    from rum_assets.emulator.revenera import ReveneraApp, ReveneraEmulatorConfig

    return [
        RaygunApp(RaygunEmulatorConfig(sessions_per_day=settings.sessions_per_day, daily_call_limit=settings.raygun_call_limit)),
        RaygunV3App(RaygunV3EmulatorConfig(sessions_per_day=settings.sessions_per_day)),  # base URL <emulator>/v3
        ReveneraApp(ReveneraEmulatorConfig(clients_per_product=settings.clients_per_product)),
    ]


def start_emulator(settings: EmulatorSettings, host: str = "127.0.0.1", port: int = 0, *, background: bool = True) -> EmulatorServer:
    server = EmulatorServer(build_apps(settings), host=host, port=port)  # type: ignore[arg-type]
    if background:
        server.start()
    return server


def emulator_env(base_url: str, settings: EmulatorSettings) -> dict[str, str]:
    """Environment variables that point every resource at the emulator with its demo credentials."""
    return {
        "RAYGUN_BASE_URL": base_url,
        "RAYGUN_API_KEY": DEMO_RAYGUN_API_KEY,
        "RAYGUN_CLIENT_ID": DEMO_RAYGUN_CLIENT_ID,
        "RAYGUN_CLIENT_SECRET": DEMO_RAYGUN_CLIENT_SECRET,
        "RAYGUN_DAILY_CALL_LIMIT": str(settings.raygun_call_limit),
        "REVENERA_BASE_URL": base_url,
        "REVENERA_USERNAME": DEMO_REVENERA_USERNAME,
        "REVENERA_PASSWORD": DEMO_REVENERA_PASSWORD,
        "REVENERA_PRODUCT_IDS": ",".join(DEMO_REVENERA_PRODUCT_IDS),
    }
