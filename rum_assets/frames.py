"""The clients' typed results as pandas DataFrames, for exploring a vendor's API from a notebook.

The assets never need this (rows go to the warehouse in batches); a person trying a filter, a report or
a day's sessions by hand usually wants a table to look at::

    from rum_assets.frames import to_frame
    with RaygunClient(base_url, api_key, client_id, client_secret) as raygun:
        sessions = to_frame(s for page in raygun.iter_session_pages(day) for s in page.sessions)
    sessions[["id", "session_start", "status"]].head()
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pydantic import BaseModel


def to_frame(records: Iterable[BaseModel], *, by_alias: bool = False) -> pd.DataFrame:
    """One row per record; nested models become dotted columns (``user.email``), lists stay as lists.

    ``by_alias=True`` names columns as the vendor does (``sessionStart``) instead of our field names.
    """
    rows = [record.model_dump(mode="python", by_alias=by_alias) for record in records]
    if not rows:
        return pd.DataFrame()
    return pd.json_normalize(rows, sep=".")
