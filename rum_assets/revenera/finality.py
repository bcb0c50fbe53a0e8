"""When a daily export file is final, and the run tags the sensor uses to say so.

The vendor lists a day's file once the day is closed, but nothing says a listed file will not be
rewritten (late events). A file is final when its day is before yesterday (UTC), or when its listed
size (``compressedSizeKB``) was the same in two listings at least 30 minutes apart. The sensor keeps
the sizes it saw, with when it first saw them, in its cursor; a run it requests carries the products
it found final and their sizes, and the asset loads a recent file only if the listing still shows
that size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta

from rum_assets.revenera import names

STABLE_FOR = timedelta(minutes=30)
PRODUCTS_TAG = names.PRODUCTS_TAG
FINAL_SIZES_TAG = names.FINAL_SIZES_TAG


def final_by_date(day: date, today: date) -> bool:
    return day < today - timedelta(days=1)


def run_products(tags: Mapping[str, str], configured: list[str]) -> list[str]:
    named = [p.strip() for p in tags.get(PRODUCTS_TAG, "").split(",") if p.strip()]
    return [p for p in configured if p in named] if named else configured


def vouched_sizes(tags: Mapping[str, str]) -> dict[str, float]:
    try:
        data = json.loads(tags.get(FINAL_SIZES_TAG) or "{}")
    except json.JSONDecodeError:
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)} if isinstance(data, dict) else {}
