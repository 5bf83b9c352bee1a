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
``joined_at`` kept). Re-importing the same file changes nothing. An officer already in
the store without a roster row (an older store's, made before the roster existed) gets one
at the first import: listed, with the file's role and ``joined_at`` that import's time; not
listed, inactive with role ``other``. An officer whose row is rejected (``--skip-bad-rows``)
is still on the roster: neither updated nor made inactive.
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
from data.importer import (
    ImportReport, Progress, finish_errors, open_source, row_errors, tell,
)
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
#: What ``officers.name`` and ``officers.phone`` hold (characters); a longer cell is a row
#: error, like the limits every import shares (:data:`data.import_checks.FIELD_LIMITS`).
STORE_LIMITS = {"name": 100, "phone": 32}

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


# --- the import ---------------------------------------------------------------------------

def import_officers(engine: Engine, path: Path, mapping_path: Path, *,
                    skip_bad_rows: bool = False, rejects_path: Path | None = None,
                    now: datetime | None = None, progress: Progress | None = None
                    ) -> ImportReport:
    """Import the officers' roster from ``path`` as ``mapping_path`` says (kind "officers").

    Upserts officers by external id (``officers.code``); those the file no longer lists are
    made inactive at ``now`` (naive UTC; default the current time), never deleted. The
    report counts rows read, new, updated, unchanged, left (made inactive) and rejected.
    """
    began = time.perf_counter()
    path, mapping_path = Path(path), Path(mapping_path)
    mapping, table = open_source(path, mapping_path, "officers", progress)
    now = store.naive_utc(now)
    n = len(table.frame)
    report = ImportReport(file=str(path), kind="officers", rows_read=n, notes=list(table.notes))
    tell(progress, "check", 0, n)
    errors = _cell_errors(table, mapping)
    text_of = {name: table.frame[mapping.columns[name]] if name in mapping.columns
               else pd.Series([""] * n) for name in ("external_id", "name", "phone", "role",
                                                     "region_code")}
    _check_ids(table, mapping, text_of["external_id"], errors)
    _check_names(table, mapping, text_of["name"], errors)
    roles = _roles(table, mapping, text_of["role"], errors)
    with store.transaction(engine) as conn:
        region_by_code = dict(conn.execute(select(Region.code, Region.id)).all())
        served = _served_lists(table, mapping, text_of["region_code"], region_by_code, errors)
        bad = finish_errors(path, table, errors, skip_bad_rows, rejects_path, report)
        listed = [{"code": text_of["external_id"].iat[i], "name": text_of["name"].iat[i],
                   "phone": text_of["phone"].iat[i] or None, "role": roles[i],
                   "regions": served[i]} for i in range(n) if i not in bad]
        # an officer whose row was rejected is still on the roster: not "left"
        kept = set(text_of["external_id"]) - {""}
        tell(progress, "check", n, n)
        tell(progress, "write", 0, len(listed))
        _write(conn, listed, kept, now, report)
        tell(progress, "write", len(listed), len(listed))
        if report.imported or report.updated or report.left:
            store.bump_data_version(conn)
    report.seconds = time.perf_counter() - began
    return report


def _cell_errors(table: SourceTable, mapping: Mapping) -> list[RowError]:
    """The shared checks (:func:`data.importer.row_errors`; ``region_code`` holds a list
    here, so it is held to the limit of "every other column", not one code's), then the
    store's widths of a name and a phone."""
    columns = {("region_codes" if key == "region_code" else key): column
               for key, column in mapping.columns.items()}
    errors = row_errors(table, Mapping(path=mapping.path, kind=mapping.kind,
                                       source=mapping.source, columns=columns))
    for key, limit in STORE_LIMITS.items():
        if key not in mapping.columns:
            continue
        column = mapping.columns[key]
        for i, value in enumerate(table.frame[column]):
            if len(value) > limit:
                errors.append(RowError(i, table.row_label(i), column, value,
                                       f"{len(value):,} characters; an officer's {key} may "
                                       f"have at most {limit}"))
    return errors


def _check_ids(table: SourceTable, mapping: Mapping, ids: pd.Series,
               errors: list[RowError]) -> None:
    """Each row's officer id: an empty one, or one an earlier row has, is an error."""
    column, label = mapping.columns["external_id"], table.row_label
    first_at: dict[str, int] = {}
    for i, value in enumerate(ids):
        if value == "":
            errors.append(RowError(i, label(i), column, "", "the officer id is empty"))
        elif value in first_at:
            errors.append(RowError(i, label(i), column, value,
                                   f"the same officer id is on {label(first_at[value])}"))
        else:
            first_at[value] = i


def _check_names(table: SourceTable, mapping: Mapping, names: pd.Series,
                 errors: list[RowError]) -> None:
    column = mapping.columns["name"]
    for i in np.flatnonzero((names == "").to_numpy()):
        errors.append(RowError(i, table.row_label(i), column, "", "the officer's name is empty"))


def _roles(table: SourceTable, mapping: Mapping, values: pd.Series,
           errors: list[RowError]) -> list[str | None]:
    """Each row's role key: through ``[role_values]``, else by key or Chinese word; empty is
    ``other``; anything else is an error naming the accepted values."""
    own = mapping.values.get("role_values", {})
    accepted = list(dict.fromkeys([*own, *schema.OFFICER_ROLES, *ROLE_WORDS]))
    roles: list[str | None] = []
    for i, value in enumerate(values):
        role = own.get(value) or (value if value in schema.OFFICER_ROLES else
                                  ROLE_WORDS.get(value))
        if value == "" and role is None:
            role = schema.OTHER_ROLE
        if role is None:
            errors.append(RowError(i, table.row_label(i), mapping.columns["role"], value,
                                   f"unknown role; accepted: {', '.join(accepted)} "
                                   "(or add it to the mapping's [role_values])"))
        roles.append(role)
    return roles


def _served_lists(table: SourceTable, mapping: Mapping, values: pd.Series,
                  region_by_code: dict[str, int], errors: list[RowError]) -> list[list[int]]:
    """Each row's served regions, in the file's order (the first is the home), from codes
    separated by ``;``: none, or a code no region has, is an error."""
    column, label = mapping.columns["region_code"], table.row_label
    lists: list[list[int]] = []
    for i, value in enumerate(values):
        codes = list(dict.fromkeys(c.strip() for c in value.split(CODE_SEPARATOR)
                                   if c.strip()))
        unknown = [c for c in codes if c not in region_by_code]
        if not codes:
            errors.append(RowError(i, label(i), column, value,
                                   "no region code: an officer serves at least one region"))
        elif unknown:
            errors.append(RowError(i, label(i), column, value,
                                   f"unknown region code(s) {', '.join(map(repr, unknown))}: "
                                   "no region has them (import the regions first)"))
        lists.append([region_by_code[c] for c in codes if c in region_by_code])
    return lists


def _write(conn: Connection, listed: list[dict], kept: set[str], now: datetime,
           report: ImportReport) -> None:
    """Upsert the listed officers, their roster rows and served regions; make the officers
    the file no longer lists inactive."""
    stored = {row.code: row for row in conn.execute(
        select(Officer.id, Officer.code, Officer.name, Officer.phone, Officer.region_id,
               OfficerRoster.role, OfficerRoster.active, OfficerRoster.officer_id.label("rid"))
        .outerjoin(OfficerRoster, OfficerRoster.officer_id == Officer.id))}
    serving: dict[int, list[int]] = {}
    for officer_id, region_id in conn.execute(select(OfficerRegion.officer_id,
                                                     OfficerRegion.region_id)):
        serving.setdefault(officer_id, []).append(region_id)
    for row in listed:
        old = stored.get(row["code"])
        if old is None:
            officer_id = conn.execute(insert(Officer).values(
                code=row["code"], name=row["name"], phone=row["phone"],
                region_id=row["regions"][0]).returning(Officer.id)).scalar_one()
            conn.execute(insert(OfficerRoster).values(
                officer_id=officer_id, role=row["role"], active=True, joined_at=now,
                left_at=None, updated_at=now))
            _replace_regions(conn, officer_id, row["regions"])
            report.imported += 1
            continue
        same = (old.name == row["name"] and old.phone == row["phone"]
                and old.region_id == row["regions"][0] and old.rid is not None
                and old.role == row["role"] and bool(old.active)
                and sorted(serving.get(old.id, [])) == sorted(row["regions"]))
        if same:
            report.unchanged += 1
            continue
        conn.execute(update(Officer).where(Officer.id == old.id).values(
            name=row["name"], phone=row["phone"], region_id=row["regions"][0]))
        if old.rid is None:
            conn.execute(insert(OfficerRoster).values(
                officer_id=old.id, role=row["role"], active=True, joined_at=now, left_at=None,
                updated_at=now))
        else:
            conn.execute(update(OfficerRoster).where(OfficerRoster.officer_id == old.id)
                         .values(role=row["role"], active=True, left_at=None, updated_at=now))
        _replace_regions(conn, old.id, row["regions"])
        report.updated += 1
    _mark_left(conn, [old for code, old in stored.items() if code not in kept], now, report)


def _replace_regions(conn: Connection, officer_id: int, regions: list[int]) -> None:
    conn.execute(delete(OfficerRegion).where(OfficerRegion.officer_id == officer_id))
    conn.execute(insert(OfficerRegion), [{"officer_id": officer_id, "region_id": r}
                                         for r in regions])


def _mark_left(conn: Connection, gone: list, now: datetime, report: ImportReport) -> None:
    """Officers no longer listed: inactive from ``now``; their rows and history stay. One
    without a roster row (made before the roster existed) gets one, role ``other``."""
    for old in gone:
        if old.rid is None:
            conn.execute(insert(OfficerRoster).values(
                officer_id=old.id, role=schema.OTHER_ROLE, active=False, joined_at=now,
                left_at=now, updated_at=now))
        elif old.active:
            conn.execute(update(OfficerRoster).where(OfficerRoster.officer_id == old.id)
                         .values(active=False, left_at=now, updated_at=now))
        else:
            continue
        report.left += 1
