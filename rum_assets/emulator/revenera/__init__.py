"""The Revenera Usage Intelligence Reporting API v3 emulator."""

from rum_assets.emulator.revenera.app import ReveneraApp
from rum_assets.emulator.revenera.config import ReveneraEmulatorConfig
from rum_assets.emulator.revenera.data import ProductData, expected_active_clients

__all__ = ["ProductData", "ReveneraApp", "ReveneraEmulatorConfig", "expected_active_clients"]
