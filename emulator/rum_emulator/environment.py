"""Starting both emulators together, with the demo credentials they accept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from rum_emulator.faults import FAULT_KINDS, FaultKind, FaultPlan, RandomFaults
from rum_emulator.messages import VendorApp
from rum_emulator.server import EmulatorServer

DEMO_RAYGUN_API_KEY = "demo-raygun-api-key"
DEMO_RAYGUN_CLIENT_ID = "demo-raygun-client-id"
DEMO_RAYGUN_CLIENT_SECRET = "demo-raygun-client-secret"
DEMO_RAYGUN_PAT = "demo-raygun-pat"
"""The v3 emulator's demo personal access token (``raygun_v3.config.DEMO_TOKEN``)."""
DEMO_REVENERA_USERNAME = "demo@example.com"
DEMO_REVENERA_PASSWORD = "demo-revenera-password"
DEMO_REVENERA_PRODUCT_IDS = ("2376158762", "2395188568")


@dataclass(frozen=True)
class EmulatorSettings:
    sessions_per_day: int = 150
    v3_sessions_per_day: int | None = None
    """Raygun v3 sessions per day and application (None: ``sessions_per_day``). v3 allows 10 calls a second
    per token and a detail is one call, so this sets how long a v3 day takes: 20 is ~5 s of calls a day."""
    raygun_call_limit: int = 600
    """The demo plays an enterprise plan; the vendor's default (and the resource's) is 50."""
    clients_per_product: int = 2000
    fault_rate: float = 0.0
    """Share of requests (0..1) that get a random fault: rehearse an outage (see ``RandomFaults``)."""
    fault_seed: int = 0
    fault_kinds: tuple[FaultKind, ...] = FAULT_KINDS
    fault_delay_seconds: float = 1.0
    """How long a ``slow`` fault holds its answer."""
    fault_path_prefixes: tuple[str, ...] = ("/",)
    clock: Callable[[], datetime] | None = None
    """Every vendor's "now" (None: the wall clock). A fixed clock makes two runs see the same data (which
    sessions exist, when customers were last seen); Raygun v3 counts calls per window of this clock, so a
    frozen clock needs ``v3_rate_limits=False``."""
    v3_rate_limits: bool = True
    """Raygun v3's 10/s, 600/min and 10,000/day per token; off for tests that freeze the clock."""
    v3_deployment_cadence_days: int = 1
    """Days between two deployments of each Raygun v3 application. The demo's three days each get one (a
    shop deploying daily), so its deployments table is never empty; the v3 emulator's own default is 14."""

    def random_faults(self) -> RandomFaults:
        return RandomFaults(
            rate=self.fault_rate,
            seed=self.fault_seed,
            kinds=self.fault_kinds,
            path_prefixes=self.fault_path_prefixes,
            delay_seconds=self.fault_delay_seconds,
        )


class _Clock(TypedDict, total=False):
    clock: Callable[[], datetime]


class _V3Limits(TypedDict, total=False):
    per_second_limit: int
    per_minute_limit: int
    per_day_limit: int


def build_apps(settings: EmulatorSettings) -> list[VendorApp]:
    from rum_emulator.raygun import RaygunApp, RaygunEmulatorConfig
    from rum_emulator.raygun_v3 import RaygunV3App, RaygunV3EmulatorConfig
    from rum_emulator.revenera import ReveneraApp, ReveneraEmulatorConfig

    clock: _Clock = {"clock": settings.clock} if settings.clock is not None else {}
    limits: _V3Limits = {} if settings.v3_rate_limits else {"per_second_limit": 0, "per_minute_limit": 0, "per_day_limit": 0}
    return [
        RaygunApp(RaygunEmulatorConfig(sessions_per_day=settings.sessions_per_day, daily_call_limit=settings.raygun_call_limit, **clock)),
        RaygunV3App(
            RaygunV3EmulatorConfig(
                sessions_per_day=settings.sessions_per_day if settings.v3_sessions_per_day is None else settings.v3_sessions_per_day,
                deployment_cadence_days=settings.v3_deployment_cadence_days,
                **clock,
                **limits,
            )
        ),  # base URL <emulator>/v3
        ReveneraApp(ReveneraEmulatorConfig(clients_per_product=settings.clients_per_product, **clock)),
    ]


def start_emulator(settings: EmulatorSettings, host: str = "127.0.0.1", port: int = 0, *, background: bool = True) -> EmulatorServer:
    faults = FaultPlan(settings.random_faults())
    server = EmulatorServer(build_apps(settings), host=host, port=port, faults=faults)
    if background:
        server.start()
    return server
