"""The tests the edit-run loop (``make test-fast``) leaves out because they were measured slow.

``slow_tests.txt`` beside this file lists them, one ``path::test_function`` a line: each took
``THRESHOLD_SECONDS`` or more (its slowest parameter) in a full run. ``conftest.py`` marks them ``slow``,
like the end-to-end tests, so ``make test`` still runs every one. ``make slow-tests`` measures the whole
suite again and rewrites the list (``python -m rum_assets_tests.slow_tests JUNIT_XML``): a test that
became slow joins it, one that became fast leaves it. A listed test that no longer exists fails
``test_slow_tests.py``.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

LIST = Path(__file__).with_name("slow_tests.txt")
THRESHOLD_SECONDS = 3.0
_HEADER = f"""# Tests measured at {THRESHOLD_SECONDS:g} s or more in a full run: `make test-fast` leaves them out, `make test` runs them.
# Written by `make slow-tests` (rum_assets_tests/slow_tests.py); edit by hand only to add one.
"""


def function_id(nodeid: str) -> str:
    """``path::test_function``, without the parameters."""
    return nodeid.split("[", 1)[0]


def listed() -> frozenset[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines() if LIST.exists() else []
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def measured_slow(junit_xml: Path, threshold: float = THRESHOLD_SECONDS) -> list[str]:
    """Test functions of a JUnit report whose slowest case took ``threshold`` seconds or more."""
    slow = set()
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        if float(case.get("time") or 0) >= threshold:
            path = str(case.get("classname", "")).replace(".", "/") + ".py"
            slow.add(function_id(f"{path}::{case.get('name', '')}"))
    return sorted(slow)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m rum_assets_tests.slow_tests JUNIT_XML", file=sys.stderr)
        return 2
    tests = measured_slow(Path(argv[0]))
    LIST.write_text(_HEADER + "".join(f"{test}\n" for test in tests), encoding="utf-8")
    print(f"{len(tests)} tests of {THRESHOLD_SECONDS:g} s or more written to {LIST}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
