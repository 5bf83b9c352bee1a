"""The officers' roster: who the field force is, what role each has, which regions each
serves, and who has left (``python -m dashboard import officers FILE --mapping M.toml``).

Readers every other part of the field force uses:

- :func:`served_regions`: every officer's served regions (``officer_regions`` rows, else
  the officer's ``officers.region_id``);
- :func:`roster`: one row per officer with role, active, joined/left and home region
  (an officer without a roster row, from a store made before the roster existed, is role
  ``other`` and active).

The import follows the plan of :mod:`data.importer` (read, check every row before writing,
one error per bad row, ``ImportFailed`` or ``--skip-bad-rows`` with a rejects CSV, one
transaction). A roster mapping::

    [source]
    encoding = "gbk"             # CSV only; default UTF-8 (with or without BOM)

    [columns]
    external_id = "工号"          # the officer's id, kept as officers.code (required)
    name = "姓名"                 # required
    phone = "电话"
    role = "岗位"                 # 专职网格员, 兼职网格员, 网格长, 社区民警, 其他 (or full_time...)
    region_code = "网格编码"       # one or more region codes, separated by ";" (required)

    [role_values]                # optional: source value -> role key
    "专职" = "full_time"

A role is recognised by its key (:data:`data.schema.OFFICER_ROLES`), its Chinese word, the
short forms 专职/兼职, or the mapping's ``[role_values]``; an empty role is ``other``. Every
region code must exist (a row error names the unknown one). The first code is the officer's
home (``officers.region_id``); ``officer_regions`` is replaced by the row's list.

A re-import updates officers by external id; an officer the file no longer lists is made
inactive (``active`` False, ``left_at`` the import's time), never deleted, so their patrols,
cases and assessment history stay; one who reappears is active again (``left_at`` cleared,
``joined_at`` kept). Re-importing the same file changes nothing.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select, update

from data import schema, store
from data.import_checks import RowError
from data.importer import ImportReport, finish_errors, open_source, row_errors
from data.mapping import Mapping
from data.models import Officer, OfficerRegion, OfficerRoster, Region
from data.readers import SourceTable

#: The Chinese words (and short forms) of the roles, as a roster file writes them.
ROLE_WORDS: dict[str, str] = {
    "专职网格员": schema.FULL_TIME, "专职": schema.FULL_TIME,
    "兼职网格员": schema.PART_TIME, "兼职": schema.PART_TIME,
    "网格长": schema.GRID_HEAD, "社区民警": schema.POLICE, "其他": schema.OTHER_ROLE,
}
CODE_SEPARATOR = ";"

ROSTER_COLUMNS = ["code", "name", "phone", "role", "active", "joined_at", "left_at",
                  "home_region_id"]


# --- readers ------------------------------------------------------------------------------

def served_regions(conn: Connection) -> pd.DataFrame:
    """Every officer's served regions, one row per (officer_id, region_id): the officer's
    ``officer_regions`` rows, else (none) the officer's ``officers.region_id``. Officers
    with neither have no row. Sorted by officer_id, region_id."""
    listed = pd.DataFrame(conn.execute(select(OfficerRegion.officer_id,
                                              OfficerRegion.region_id)).all(),
                          columns=["officer_id", "region_id"])
    homes = pd.DataFrame(conn.execute(select(Officer.id, Officer.region_id)
                                      .where(Officer.region_id.is_not(None))).all(),
                         columns=["officer_id", "region_id"])
    homes = homes[~homes["officer_id"].isin(listed["officer_id"])]
    both = pd.concat([listed, homes], ignore_index=True).astype("int64")
    return both.sort_values(["officer_id", "region_id"]).reset_index(drop=True)


def roster(conn: Connection) -> pd.DataFrame:
    """Every officer, indexed by officer_id, with columns code, name, phone, role, active
    (bool), joined_at, left_at (naive UTC or None) and home_region_id (``officers.region_id``,
    or None). An officer without a roster row is role ``other``, active, joined/left None."""
    rows = conn.execute(
        select(Officer.id, Officer.code, Officer.name, Officer.phone, OfficerRoster.role,
               OfficerRoster.active, OfficerRoster.joined_at, OfficerRoster.left_at,
               Officer.region_id)
        .outerjoin(OfficerRoster, OfficerRoster.officer_id == Officer.id)
        .order_by(Officer.id)).all()
    frame = pd.DataFrame(rows, columns=["officer_id"] + ROSTER_COLUMNS)
    frame["role"] = frame["role"].fillna(schema.OTHER_ROLE)
    frame["active"] = frame["active"].map(lambda v: True if v is None or pd.isna(v)
                                          else bool(v)).astype(bool)
    for name in ("joined_at", "left_at", "home_region_id", "phone"):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame.set_index("officer_id")


def active_officer_ids(conn: Connection) -> set[int]:
    """The ids of the officers who are active (no roster row counts as active)."""
    inactive = set(conn.scalars(select(OfficerRoster.officer_id)
                                .where(OfficerRoster.active.is_(False))))
    return set(conn.scalars(select(Officer.id))) - inactive


def is_active(conn: Connection, officer_id: int) -> bool:
    """Whether the officer is active (an officer without a roster row is)."""
    active = conn.scalar(select(OfficerRoster.active)
                         .where(OfficerRoster.officer_id == officer_id))
    return active is None or bool(active)
