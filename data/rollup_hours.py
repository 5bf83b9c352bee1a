"""The median of hours to close, followed as cases change (issue 15).

The registry's ``median_hours_to_close`` is the median of each closed case's duration
(closed_at - reported_at) taken in whole tenths of an hour (6 minutes), rounded to the
nearest (a duration exactly halfway between two tenths goes up): :func:`tenths`. A median
of such durations is a median of a histogram, and histograms add up: ``rollup_hours``
(:class:`~data.models.RollupHours`) holds, per region (its descendants' cases included,
region 0 the whole deployment) and local day of closing, how many cases closed with each
duration, and a period's median for a region merges its days' histograms (:func:`median`).

The histograms are kept by the rollups' machinery (:mod:`data.rollups`): the capture
triggers' queue applied (:func:`case_closing` of a case's counted and current versions,
:func:`add` to the stored rows), the column-at-once rebuild
(:mod:`data.rollup_rebuild`, :func:`tree_rows` here) and the rollups' check. The direct
count (:func:`data.metrics._median_hours` with a scope, or ``source="direct"``) computes
the same durations in SQL (:class:`data.sql.duration_tenths`), so both give the same
figure to the last digit (tests/data/test_rollups.py).

A row's ``counts`` packs its (tenths, how many) pairs, by tenths, as little-endian int32s
(:func:`pack`, :func:`unpack`): a period's rows are joined and read as one array.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, select, tuple_

from data.models import RollupHours
from data.sql import conflict_insert

__all__ = ["TENTH_US", "add", "case_closing", "median", "own_frame", "pack", "tenths",
           "tenths_array", "tree_rows", "unpack", "up_the_tree", "write_rows"]

#: A tenth of an hour in microseconds.
TENTH_US = 360_000_000
_HALF_US = TENTH_US // 2
_US = timedelta(microseconds=1)
_PAIR = np.dtype("<i4")
#: region -> local day number -> {tenths: how many}, signed (what to add to the rows)
Hours = dict


# --- the definition -------------------------------------------------------------------------

def tenths(reported_at: datetime, closed_at: datetime) -> int:
    """The duration from ``reported_at`` to ``closed_at`` in whole tenths of an hour,
    rounded to the nearest, a half up (exact: integer microseconds)."""
    return ((closed_at - reported_at) // _US + _HALF_US) // TENTH_US


def tenths_array(reported_us: np.ndarray, closed_us: np.ndarray) -> np.ndarray:
    """:func:`tenths` over whole columns of int64 microseconds since 1970."""
    return (np.asarray(closed_us, np.int64) - np.asarray(reported_us, np.int64)
            + _HALF_US) // TENTH_US


def median(values, counts) -> float | None:
    """The registry's median, in hours, of durations ``values`` (tenths of an hour, in any
    order, repeats allowed) each counted ``counts`` times: the middle value, or the mean of
    the two middle values for an even count; None when nothing is counted."""
    values = np.asarray(values, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    if values.size == 0:
        return None
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span <= 4 * values.size + 65_536:  # durations are mostly hours, not years
        each = np.bincount(values - low, weights=counts, minlength=span)
        present = np.flatnonzero(each)
        unique, each = present + low, each[present]
    else:
        unique, where = np.unique(values, return_inverse=True)
        each = np.bincount(where.reshape(-1), weights=counts)
    cumulative = np.cumsum(each.astype(np.int64))
    total = int(cumulative[-1]) if cumulative.size else 0
    if total <= 0:
        return None
    lower = int(unique[np.searchsorted(cumulative, (total - 1) // 2, side="right")])
    upper = int(unique[np.searchsorted(cumulative, total // 2, side="right")])
    return (lower + upper) / 20


# --- rows -------------------------------------------------------------------------------------

def pack(values, counts) -> bytes:
    """(tenths, how many) pairs as a row's ``counts`` (``values`` in ascending order)."""
    pairs = np.empty((len(values), 2), dtype=_PAIR)
    pairs[:, 0] = values
    pairs[:, 1] = counts
    return pairs.tobytes()


def unpack(blob: bytes) -> np.ndarray:
    """A row's (or several rows' joined) ``counts`` as an (n, 2) int64 array."""
    return np.frombuffer(blob, dtype=_PAIR).reshape(-1, 2).astype(np.int64)


def case_closing(row) -> tuple[datetime, int] | None:
    """(closed_at, its duration in tenths) of a case version that counts in the median
    (closed, with a report time), else None. ``row`` maps case columns to values."""
    reported, closed = row["reported_at"], row["closed_at"]
    if reported is None or closed is None:
        return None
    return closed, tenths(reported, closed)


def up_the_tree(own: Hours, ancestors: dict[int, list[int]], everything: int) -> Hours:
    """Each region's own histogram changes added to its ancestors' (``ancestors``: itself
    included) and to region ``everything``; what adds up to nothing dropped."""
    tree: Hours = {}
    for region, days in own.items():
        for target in (*ancestors.get(region, ()), everything):
            into = tree.setdefault(target, {})
            for day, changes in days.items():
                held = into.setdefault(day, {})
                for value, n in changes.items():
                    held[value] = held.get(value, 0) + n
    out: Hours = {}
    for region, days in tree.items():
        for day, changes in days.items():
            kept = {v: n for v, n in changes.items() if n}
            if kept:
                out.setdefault(region, {})[day] = kept
    return out


def add(conn: Connection, tree: Hours) -> None:
    """Add histogram changes to the stored rows: each row concerned read, changed and
    written back (appliers are serialised: :func:`data.rollups.apply` holds their lock);
    a row left counting nothing is deleted."""
    keys = sorted((region, day) for region, days in tree.items() for day in days)
    if not keys:
        return
    stored: dict[tuple[int, int], bytes] = {}
    for start in range(0, len(keys), 400):
        part = keys[start:start + 400]
        for region, day, blob in conn.execute(
                select(RollupHours.region_id, RollupHours.day, RollupHours.counts)
                .where(tuple_(RollupHours.region_id, RollupHours.day).in_(part))):
            stored[(region, day)] = bytes(blob)
    writes, gone = [], []
    for region, day in keys:
        held: dict[int, int] = {}
        if (region, day) in stored:
            pairs = unpack(stored[(region, day)])
            held = dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist()))
        for value, n in tree[region][day].items():
            held[value] = held.get(value, 0) + n
        values = sorted(v for v, n in held.items() if n)
        if values:
            writes.append({"region_id": region, "day": day,
                           "counts": pack(values, [held[v] for v in values])})
        elif (region, day) in stored:
            gone.append((region, day))
    for start in range(0, len(gone), 400):
        conn.execute(delete(RollupHours).where(
            tuple_(RollupHours.region_id, RollupHours.day).in_(gone[start:start + 400])))
    if writes:
        statement = conflict_insert(conn)(RollupHours)
        statement = statement.on_conflict_do_update(
            index_elements=[RollupHours.region_id, RollupHours.day],
            set_={"counts": statement.excluded.counts})
        for start in range(0, len(writes), 500):
            conn.execute(statement, writes[start:start + 500])


# --- the rebuild's part (whole columns) ------------------------------------------------------

def own_frame(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Each region's own (region, day, tenths, n), in key order, from chunks of (region,
    closing day, tenths) of closed cases."""
    if not parts:
        return pd.DataFrame({name: np.empty(0, np.int64)
                             for name in ("region", "day", "tenths", "n")})
    region, day, value, n = _summed(*(np.concatenate([p[i] for p in parts]).astype(np.int64)
                                      for i in range(3)), None)
    return pd.DataFrame({"region": region, "day": day, "tenths": value, "n": n})


# one int64 key of (region, day, tenths) when each is in range, so one sort adds them up
_REGION_BITS, _DAY_BITS, _TENTH_BITS = 22, 17, 24


def _summed(region: np.ndarray, day: np.ndarray, value: np.ndarray,
            n: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """(region, day, tenths, n) summed per distinct (region, day, tenths), in key order
    (``n`` None: one each)."""
    n = np.ones(len(region), np.int64) if n is None else n
    if not len(region):
        return region, day, value, n
    day_bias, value_bias = 1 << (_DAY_BITS - 1), 1 << (_TENTH_BITS - 1)
    fits = (region.min() >= -1 and region.max() < (1 << _REGION_BITS) - 1
            and -day_bias <= day.min() and day.max() < day_bias
            and -value_bias <= value.min() and value.max() < value_bias)
    if fits:
        code = (((region + 1) << (_DAY_BITS + _TENTH_BITS)) | ((day + day_bias) << _TENTH_BITS)
                | (value + value_bias))
        order = np.argsort(code, kind="stable")
        code = code[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    else:  # a duration of centuries, a day far from now: sort on the three keys
        order = np.lexsort((value, day, region))
        r, d, v = region[order], day[order], value[order]
        starts = np.flatnonzero(np.r_[True, (r[1:] != r[:-1]) | (d[1:] != d[:-1])
                                      | (v[1:] != v[:-1])])
    first = order[starts]
    return region[first], day[first], value[first], np.add.reduceat(n[order], starts)


def tree_rows(own: pd.DataFrame, closure: pd.DataFrame) -> list[tuple[int, int, bytes]]:
    """Every ``rollup_hours`` row, (region, day, counts) in key order, from each region's
    own histogram and ``closure`` (region -> target: each ancestor, itself included, and
    region 0; every region of ``own`` in it)."""
    if own.empty:
        return []
    closure = closure.sort_values(["region", "target"], kind="stable")
    links, targets = (closure[c].to_numpy(dtype=np.int64) for c in ("region", "target"))
    regions, first, each = np.unique(links, return_index=True, return_counts=True)
    region = own["region"].to_numpy(dtype=np.int64)
    where = np.searchsorted(regions, region)
    repeat = each[where]
    row = np.repeat(np.arange(len(own)), repeat)
    within = np.arange(len(row)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    target = targets[np.repeat(first[where], repeat) + within]
    target, day, value, n = _summed(
        target, own["day"].to_numpy(dtype=np.int64)[row],
        own["tenths"].to_numpy(dtype=np.int64)[row], own["n"].to_numpy(dtype=np.int64)[row])
    pairs = np.empty((len(target), 2), dtype=_PAIR)
    pairs[:, 0] = value
    pairs[:, 1] = n
    buffer = pairs.tobytes()
    starts = np.flatnonzero(np.r_[True, (target[1:] != target[:-1]) | (day[1:] != day[:-1])])
    ends = np.r_[starts[1:], len(target)]
    size = 2 * _PAIR.itemsize
    return [(t, d, buffer[s:e]) for t, d, s, e in
            zip(target[starts].tolist(), day[starts].tolist(), (starts * size).tolist(),
                (ends * size).tolist())]


def write_rows(conn: Connection, rows: list[tuple[int, int, bytes]],
               chunk: int = 50_000) -> None:
    """Insert the rows into an emptied ``rollup_hours`` (``COPY`` on PostgreSQL)."""
    table = RollupHours.__tablename__
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} (region_id, day, counts) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    for start in range(0, len(rows), chunk):
        conn.exec_driver_sql(f"INSERT INTO {table} (region_id, day, counts) VALUES (?, ?, ?)",
                             rows[start:start + chunk])
