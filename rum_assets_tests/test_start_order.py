"""The suite's start order (conftest.py): long tests first, never two of them adjacent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rum_assets_tests.conftest import LONGEST_FIRST, _long_then_quick


@dataclass
class _Item:
    nodeid: str
    slow: bool = False

    def get_closest_marker(self, name: str) -> Any:
        return object() if name == "slow" and self.slow else None


def test_each_long_test_is_followed_by_a_quick_one_and_nothing_is_lost() -> None:
    long = [_Item(f"{LONGEST_FIRST[0]}::test_a"), _Item(f"{LONGEST_FIRST[0]}::test_b"), _Item(f"{LONGEST_FIRST[1]}::test_c")]
    other_slow = [_Item("rum_assets_tests/x/test_slow.py::test_d", slow=True)]
    quick = [_Item(f"rum_assets_tests/x/test_quick.py::test_{n}") for n in range(5)]
    items = long + other_slow + quick

    ordered = _long_then_quick(items)  # type: ignore[arg-type]  # duck-typed pytest.Item: nodeid and markers

    assert [item.nodeid for item in ordered] == [
        long[0].nodeid,
        quick[0].nodeid,
        long[1].nodeid,
        quick[1].nodeid,
        long[2].nodeid,
        quick[2].nodeid,
        other_slow[0].nodeid,
        quick[3].nodeid,
        quick[4].nodeid,
    ]


def test_with_too_few_quick_tests_the_long_ones_keep_their_order() -> None:
    long = [_Item(f"{LONGEST_FIRST[0]}::test_{n}") for n in range(3)]
    quick = [_Item("rum_assets_tests/x/test_quick.py::test_q")]

    ordered = _long_then_quick(long + quick)  # type: ignore[arg-type]  # duck-typed pytest.Item

    assert [item.nodeid for item in ordered] == [long[0].nodeid, quick[0].nodeid, long[1].nodeid, long[2].nodeid]
