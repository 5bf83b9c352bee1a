"""The demo's officers' roster (issue 14): a role for each officer and the grid each serves.

Derived from the officers alone, with no random draws (so adding the roster changed nothing
else the seed makes): in each community the officer of its first grid (by code) is the
grid head (网格长); every sixth other officer (by id) is part-time (兼职网格员); the rest
are full-time (专职网格员). Everyone is active, listed since before the demo's first case,
and serves their home grid (one ``officer_regions`` row each).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from data import schema
from data.demo.world import CASE_DAYS

PART_TIME_EVERY = 6


def roster_rows(officers: pd.DataFrame, leaf: pd.DataFrame, as_of: datetime
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``officer_roster`` and ``officer_regions`` rows of the demo's ``officers``
    (columns id, region_id) over its grids ``leaf`` (columns id, code, parent_id)."""
    grids = leaf[["id", "code", "parent_id"]].rename(columns={"id": "region_id"})
    people = officers[["id", "region_id"]].merge(grids, on="region_id", how="left")
    first = people.sort_values("code").groupby("parent_id", dropna=False)["id"].transform(
        "first")
    head = (people["id"] == first.reindex(people.index)).to_numpy()
    part = (people["id"] % PART_TIME_EVERY == 0).to_numpy() & ~head
    role = np.where(head, schema.GRID_HEAD, np.where(part, schema.PART_TIME, schema.FULL_TIME))
    joined = as_of - timedelta(days=CASE_DAYS + 30)
    n = len(people)
    roster = pd.DataFrame({
        "officer_id": people["id"].to_numpy(), "role": role, "active": np.ones(n, dtype=bool),
        "joined_at": pd.Series([joined] * n, dtype="datetime64[us]"),
        "left_at": pd.Series([pd.NaT] * n, dtype="datetime64[us]"),
        "updated_at": pd.Series([as_of] * n, dtype="datetime64[us]"),
    })
    served = people[["id", "region_id"]].rename(columns={"id": "officer_id"})
    return roster, served.reset_index(drop=True)
