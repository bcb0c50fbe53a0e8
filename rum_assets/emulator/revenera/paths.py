"""Route patterns of the Revenera emulator, from the project's one table of Revenera paths.

That table (``rum_assets/revenera/paths.py``: name -> method, path, evidence "confirmed [source]" or
"inferred ...") is shared with the client, so a path corrected there moves both sides at once. The
emulator adds only its own download route. ``{pid}`` is the product id path segment.
"""

from __future__ import annotations

from rum_assets.revenera.paths import ENDPOINTS, Endpoint

ROUTES: dict[str, Endpoint] = {**ENDPOINTS, "download": Endpoint("GET", "/download/{token}", "the emulator's one-time download URLs")}


def pattern(name: str) -> str:
    """The endpoint's path as a regular expression with a named ``pid`` (and ``token``) group."""
    return ROUTES[name].path.replace("{pid}", r"(?P<pid>[^/]+)").replace("{token}", r"(?P<token>[A-Za-z0-9_-]+)")
