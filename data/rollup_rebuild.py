"""Counting every case into the rollups at once, column by column (issue 15).

:func:`data.rollups.rebuild` (a demo built, a regions import, a store upgraded, a bulk
load) recounts the whole store. The per-case path of :func:`data.rollups.apply`
(:func:`~data.rollups.case_counts`, :func:`~data.rollups.open_span` on one row at a time)
cost about 40 s for a county's 240,000 cases; here the same predicates are worked out
over whole columns with numpy: the cases are read a chunk at a time as plain driver rows
(no SQLAlchemy rows), each count's cases and moments picked by masks, the moments' local
days found once per quarter hour of UTC as :class:`~data.rollups._Days` does (every zone's
offset is a whole number of quarter hours), the (region, day, count) triples added up by
pandas, and the regions' counts carried up the tree by one merge with the closure table.
Exactness is the point: tests/data/test_rollups.py compares the rows with the per-case
path's on stores with DST and unlocated cases. The same pass gives the closings'
histograms (:func:`all_rows`; :func:`hour_rows` reads only the closed cases, for the
upgrade that makes them), which tests/data/test_rollup_hours.py compares with those the
queue keeps.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Connection, inspect

from data import rollup_hours, schema
from data.models import ROLLUP_COUNTS, Case, CaseEvent, RegionAncestor
from data.rollup_capture import EVENT_ACTIONS

__all__ = ["all_rows", "hour_rows", "tree_rows", "write_rows"]

_CHUNK = 200_000
_UNLOCATED = -1
_ALL = 0
_INDEX = {key: i for i, key in enumerate(ROLLUP_COUNTS)}
_EVENT_KEY = {"dispatch": "dispatches", "return": "returns", "rework": "reworks"}
_TIMES = ("reported_at", "dispatched_at", "resolved_at", "closed_at", "due_at",
          "mediated_at", "voided_at")
_NAT = np.iinfo(np.int64).min  # a missing moment, as numpy's NaT is in int64
_SLOT_US = 15 * 60 * 1_000_000  # a quarter hour in microseconds
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _quoted(*values: str) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


#: The text predicates of the counts, worked out by the database as one bit each (no
#: text reaches Python): name -> SQL condition
_FLAGS: dict[str, str] = {
    "voided": f"status = {_quoted(schema.VOIDED)}",
    "waiting": f"status = {_quoted(schema.REPORTED)}",
    "closed_status": f"status = {_quoted(schema.CLOSED)}",
    "suspended": f"status = {_quoted(schema.SUSPENDED)}",
    "accepted": f"status IN ({_quoted(*schema.ACCEPTED_STATUSES)})",
    "dispute": f"case_class = {_quoted(schema.DISPUTE)}",
    "success": f"mediation_outcome = {_quoted(schema.MEDIATION_SUCCESS)}",
    "outcome": "mediation_outcome IS NOT NULL",
    "level": "resolved_level IS NOT NULL",
    "grid": f"resolved_level = {_quoted(schema.GRID_LEVEL)}",
    "rated": "satisfaction IS NOT NULL",
    "satisfied": f"satisfaction IN ({_quoted(schema.SATISFIED, schema.BASICALLY_SATISFIED)})",
}
_FLAG_SQL = " + ".join(f"(CASE WHEN {condition} THEN {1 << bit} ELSE 0 END)"
                       for bit, condition in enumerate(_FLAGS.values()))
_CASE_SQL = f"SELECT id, region_id, {_FLAG_SQL}, {', '.join(_TIMES)} FROM {{table}}"


def _ints(values, missing: int) -> np.ndarray:
    """Integers (ids), ``missing`` for None."""
    column = pd.Series(values, dtype="float64")  # None -> NaN; ids are far below 2**53
    return column.fillna(missing).to_numpy(dtype=np.int64)


def _moments(values, sqlite: bool) -> np.ndarray:
    """Naive-UTC times as int64 microseconds since 1970, :data:`_NAT` for none."""
    times = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if times.dtype.kind != "M":  # (a driver's datetimes arrive as datetime64 already)
        if sqlite:  # SQLAlchemy's text: 'YYYY-MM-DD HH:MM:SS.ffffff'
            times = pd.to_datetime(times.astype(object), format="ISO8601")
        else:
            times = pd.to_datetime(times.astype(object))
    return times.to_numpy(dtype="datetime64[us]").view(np.int64)


class _SlotDays:
    """Local day numbers of quarter-hour slots, each worked out once (as ``_Days``)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.known: dict[int, int] = {}

    def __call__(self, moments: np.ndarray) -> np.ndarray:
        slots = moments // _SLOT_US
        unique, inverse = np.unique(slots, return_inverse=True)
        days = np.empty(len(unique), dtype=np.int64)
        for i, slot in enumerate(unique.tolist()):
            day = self.known.get(slot)
            if day is None:
                start = _UTC_EPOCH + timedelta(microseconds=slot * _SLOT_US)
                local = start.astimezone(self.tz)
                day = self.known[slot] = (local.date() - _UTC_EPOCH.date()).days
            days[i] = day
        return days[inverse.reshape(-1)]


def _case_triples(flags: np.ndarray, times: dict[str, np.ndarray]):
    """(count, mask, moments) of every count: :func:`data.rollups.case_counts` and
    :func:`data.rollups.open_span`, over whole columns."""
    f = {name: (flags & (1 << bit)) != 0 for bit, name in enumerate(_FLAGS)}
    has = {name: times[name] != _NAT for name in _TIMES}
    r, d, res, c = (times[n] for n in ("reported_at", "dispatched_at", "resolved_at",
                                       "closed_at"))
    due, med, v = times["due_at"], times["mediated_at"], times["voided_at"]
    voided = f["voided"]
    screened = has["reported_at"] & f["dispute"] & ~voided
    out = [
        ("reported", has["reported_at"], r),
        ("filed", has["reported_at"] & f["accepted"], r),
        ("disputes_screened", screened, r),
        ("screened_success", screened & f["success"] & has["mediated_at"], r),
        ("dispatched", has["dispatched_at"], d),
        ("resolved", has["resolved_at"], res),
        ("resolved_with_level", has["resolved_at"] & f["level"], res),
        ("resolved_in_grid", has["resolved_at"] & f["grid"], res),
        ("resolved_with_deadline", has["resolved_at"] & has["due_at"], res),
        ("closed", has["closed_at"], c),
        ("closed_with_deadline", has["closed_at"] & has["due_at"], c),
        ("closed_on_time", has["closed_at"] & has["due_at"] & (c <= due), c),
        ("rated", has["closed_at"] & f["rated"], c),
        ("satisfied", has["closed_at"] & f["satisfied"], c),
    ]
    mediated = has["mediated_at"] & f["dispute"] & f["outcome"]
    out += [("disputes_mediated", mediated, med),
            ("mediation_successes", mediated & f["success"], med)]
    out += [("due_open", has["due_at"] & ~voided & ~f["waiting"] & ~has["closed_at"], due),
            ("due_unhandled", has["due_at"] & ~voided & has["dispatched_at"]
             & ~has["resolved_at"], due)]
    # open_span: never open without a report, voided without voided_at, closed without
    # closed_at; leave is the earlier of voided_at (a voided case) and closed_at
    valid = (has["reported_at"] & ~(voided & ~has["voided_at"])
             & ~(~has["closed_at"] & f["closed_status"]))
    by_void = voided & (~has["closed_at"] | (v < c))
    leave = np.where(by_void, v, c)
    has_leave = leave != _NAT
    valid &= ~(has_leave & (r >= leave))
    overdue = valid & has["due_at"] & ~f["suspended"] & (~has_leave | (due < leave))
    clocked = has["due_at"] | has["dispatched_at"]  # its clock has started
    out += [("open_in", valid, r),
            ("open_out", valid & has_leave, leave),
            ("overdue_in", overdue, np.maximum(r, due)),
            ("overdue_out", overdue & has_leave, leave),
            ("timed_open_in", valid & has["due_at"], r),
            ("timed_open_out", valid & has["due_at"] & has_leave, leave),
            ("clocked_open_in", valid & clocked, r),
            ("clocked_open_out", valid & clocked & has_leave, leave)]
    return out


# a (region, day, count) triple as one int64: region + 1 (< 2**22), day + 2**20, count
_DAY_SHIFT, _REGION_SHIFT, _DAY_BIAS = 5, 26, 1 << 20


def _count(region: np.ndarray, triples, days: _SlotDays) -> tuple[np.ndarray, np.ndarray]:
    """(triple codes, how many) of one chunk's contributions."""
    regions, moments, keys = [], [], []
    for key, mask, at in triples:
        mask = np.asarray(mask, dtype=bool)
        regions.append(region[mask])
        moments.append(at[mask])
        keys.append(np.full(int(mask.sum()), _INDEX[key], dtype=np.int64))
    day = days(np.concatenate(moments)) + _DAY_BIAS
    code = (((np.concatenate(regions) + 1) << _REGION_SHIFT) | (day << _DAY_SHIFT)
            | np.concatenate(keys))
    return np.unique(code, return_counts=True)


def _chunks(conn: Connection, sql: str):
    """The statement's rows a chunk at a time, as one column (a pandas Series) per
    selected column: numbers, texts or datetimes as pandas reads them (never each value
    turned back into a Python object: that cost most of a city's rebuild)."""
    result = conn.exec_driver_sql(sql)
    try:
        while True:
            rows = result.cursor.fetchmany(_CHUNK)
            if not rows:
                return
            frame = pd.DataFrame.from_records(rows)
            yield [frame[column] for column in frame.columns]
    finally:
        result.close()


def _closings(region: np.ndarray, reported: np.ndarray, closed: np.ndarray,
              days: _SlotDays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(region, local day of closing, duration in tenths) of a chunk's closed cases
    (:func:`data.rollup_hours.case_closing` over whole columns)."""
    mask = (reported != _NAT) & (closed != _NAT)
    return (region[mask], days(closed[mask]),
            rollup_hours.tenths_array(reported[mask], closed[mask]))


def _own_counts(conn: Connection, tz: ZoneInfo,
                hours: list | None = None) -> pd.DataFrame:
    """Each region's own counts per local day: columns region, day and one per count;
    with ``hours``, each chunk's closings (:func:`_closings`) appended to it."""
    sqlite = conn.dialect.name == "sqlite"
    days = _SlotDays(tz)
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    ids, regions = [], []
    for values in _chunks(conn, _CASE_SQL.format(table=Case.__tablename__)):
        ids.append(_ints(values[0], -1))
        regions.append(_ints(values[1], _UNLOCATED))
        times = {name: _moments(values[3 + i], sqlite) for i, name in enumerate(_TIMES)}
        parts.append(_count(regions[-1], _case_triples(_ints(values[2], 0), times), days))
        if hours is not None:
            hours.append(_closings(regions[-1], times["reported_at"], times["closed_at"], days))
    # events: each counted in its case's region, found by the case's id
    ids = np.concatenate(ids) if ids else np.empty(0, np.int64)
    regions = np.concatenate(regions) if regions else np.empty(0, np.int64)
    order = np.argsort(ids, kind="stable")
    ids, regions = ids[order], regions[order]
    keys = list(_EVENT_KEY.items())
    action = " ".join(f"WHEN {_quoted(name)} THEN {i}" for i, (name, _) in enumerate(keys))
    for values in _chunks(conn, f"SELECT case_id, CASE action {action} END, at "
                                f"FROM {CaseEvent.__tablename__} "
                                f"WHERE action IN ({_quoted(*EVENT_ACTIONS)})"):
        case_ids = _ints(values[0], -1)
        place = np.minimum(np.searchsorted(ids, case_ids), max(len(ids) - 1, 0))
        known = (ids[place] == case_ids) if len(ids) else np.zeros(len(case_ids), bool)
        kinds = _ints(values[1], -1)
        moments = _moments(values[2], sqlite)
        counted = known & (moments != _NAT)
        triples = [(key, counted & (kinds == i), moments) for i, (_, key) in enumerate(keys)]
        parts.append(_count(regions[place] if len(ids) else case_ids, triples, days))
    width = len(ROLLUP_COUNTS)
    codes = np.concatenate([c for c, _ in parts]) if parts else np.empty(0, np.int64)
    counts = np.concatenate([n for _, n in parts]) if parts else np.empty(0, np.int64)
    codes, where = np.unique(codes, return_inverse=True)
    counts = np.bincount(where.reshape(-1), weights=counts, minlength=len(codes)).astype(np.int64)
    pairs, row = np.unique(codes >> _DAY_SHIFT, return_inverse=True)
    wide = np.zeros((len(pairs), width), dtype=np.int64)
    wide[row.reshape(-1), codes & ((1 << _DAY_SHIFT) - 1)] = counts
    frame = pd.DataFrame(wide, columns=list(range(width)))
    frame.insert(0, "day", (pairs & ((1 << (_REGION_SHIFT - _DAY_SHIFT)) - 1)) - _DAY_BIAS)
    frame.insert(0, "region", (pairs >> (_REGION_SHIFT - _DAY_SHIFT)) - 1)
    return frame


def _closure(conn: Connection, regions: np.ndarray) -> pd.DataFrame:
    """(region, target) for each of ``regions``: every ancestor of it in
    ``regions_ancestors`` (itself included), and region 0 (unlocated cases too)."""
    sql = f"SELECT descendant_id, ancestor_id FROM {RegionAncestor.__tablename__}"
    closure = pd.DataFrame(conn.exec_driver_sql(sql).fetchall(),
                           columns=["region", "target"]).astype(np.int64)
    closure = closure[closure["region"].isin(regions)]
    everyone = pd.DataFrame({"region": regions, "target": np.full(len(regions), _ALL)})
    return pd.concat([closure, everyone], ignore_index=True)


def tree_rows(conn: Connection, tz: ZoneInfo) -> np.ndarray:
    """Every rollup row, (region, day, counts...) in key order as an int64 array: each
    region's own counts added to every ancestor of it in ``regions_ancestors`` (itself
    included) and to region 0 (unlocated cases too); rows that count nothing left out."""
    return all_rows(conn, tz, hours=False)[0]


def all_rows(conn: Connection, tz: ZoneInfo,
             hours: bool = True) -> tuple[np.ndarray, list[tuple[int, int, bytes]]]:
    """:func:`tree_rows` and, with ``hours``, every ``rollup_hours`` row
    (:func:`data.rollup_hours.tree_rows`), from one pass over the cases."""
    closings: list | None = [] if hours else None
    own = _own_counts(conn, tz, closings)
    hour_rows = []
    if closings is not None:
        hour_own = rollup_hours.own_frame(closings)
        del closings[:]
        hour_rows = rollup_hours.tree_rows(
            hour_own, _closure(conn, hour_own["region"].unique()))
        del hour_own
    width = len(ROLLUP_COUNTS)
    closure = _closure(conn, own["region"].unique())
    tree = (own.merge(closure, on="region").drop(columns="region")
            .groupby(["target", "day"], sort=True)[list(range(width))].sum())
    values = tree.to_numpy(dtype=np.int64)
    keep = values.any(axis=1)
    index = tree.index[keep]
    keys = np.column_stack([index.get_level_values(0).to_numpy(dtype=np.int64),
                            index.get_level_values(1).to_numpy(dtype=np.int64)])
    return np.concatenate([keys.reshape(-1, 2), values[keep]], axis=1), hour_rows


def hour_rows(conn: Connection, tz: ZoneInfo) -> list[tuple[int, int, bytes]]:
    """Every ``rollup_hours`` row alone, from the closed cases only (a store given the
    histograms by an upgrade: revision 0005)."""
    sqlite = conn.dialect.name == "sqlite"
    days = _SlotDays(tz)
    closings = []
    for values in _chunks(conn, f"SELECT region_id, reported_at, closed_at FROM "
                                f"{Case.__tablename__} WHERE closed_at IS NOT NULL"):
        closings.append(_closings(_ints(values[0], _UNLOCATED), _moments(values[1], sqlite),
                                  _moments(values[2], sqlite), days))
    own = rollup_hours.own_frame(closings)
    return rollup_hours.tree_rows(own, _closure(conn, own["region"].unique()))


#: Set in a connection's ``info`` while :func:`data.migrate.upgrade` runs on it.
UPGRADING = "upgrading"


def stored_counts(conn: Connection) -> tuple[str, ...]:
    """The counts the store's ``rollups`` table has columns for: all of
    :data:`~data.models.ROLLUP_COUNTS`, but fewer in a store on its way up from an older
    revision (revision 0008 adds three and counts them again), which only an upgrade's
    connection (:data:`UPGRADING`) can meet, and only it asks the table."""
    if not conn.info.get(UPGRADING):
        return ROLLUP_COUNTS
    have = {c["name"] for c in inspect(conn).get_columns("rollups")}
    return tuple(name for name in ROLLUP_COUNTS if name in have)


def write_rows(conn: Connection, rows: np.ndarray, chunk: int = 100_000) -> None:
    """Insert the rows into an emptied ``rollups``: one prepared ``executemany`` per chunk
    on SQLite, ``COPY`` on PostgreSQL. A store on its way up from an older revision gets
    the counts its table has (revision 0008 adds three and counts them again)."""
    names = ("region_id", "day", *ROLLUP_COUNTS)
    stored = stored_counts(conn)
    if len(stored) < len(ROLLUP_COUNTS):
        kept = [0, 1, *(2 + ROLLUP_COUNTS.index(name) for name in stored)]
        rows, names = rows[:, kept], ("region_id", "day", *stored)
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        if conn.dialect.name == "postgresql":
            buffer = io.StringIO()
            np.savetxt(buffer, part, fmt="%d", delimiter="\t")
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY rollups ({', '.join(names)}) FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
        else:
            marks = ", ".join("?" * len(names))
            conn.exec_driver_sql(f"INSERT INTO rollups ({', '.join(names)}) VALUES ({marks})",
                                 [tuple(row) for row in part.tolist()])
