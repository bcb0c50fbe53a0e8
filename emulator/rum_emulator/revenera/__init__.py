"""The Revenera Usage Intelligence Reporting API v3 emulator.

``ReveneraApp(ReveneraEmulatorConfig(...))`` plugs into :class:`rum_emulator.server.EmulatorServer`.
The ``expected_*`` functions (and ``ReveneraApp.expected_export_rows``) say what the reports and
exports must answer (for tests).
"""

from rum_emulator.revenera.app import ReveneraApp
from rum_emulator.revenera.config import ReveneraEmulatorConfig
from rum_emulator.revenera.data import (
    ProductData,
    expected_active_clients,
    expected_event_counts,
    expected_lost_clients,
    expected_new_clients,
)

__all__ = [
    "ProductData",
    "ReveneraApp",
    "ReveneraEmulatorConfig",
    "expected_active_clients",
    "expected_event_counts",
    "expected_lost_clients",
    "expected_new_clients",
]
