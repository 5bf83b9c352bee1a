"""The median hours to close read from the closings' histograms (issue 15).

:mod:`data.rollups` keeps ``rollup_hours`` (:mod:`data.rollup_hours`: per region and local
day of closing, how many cases took each duration in tenths of an hour) as cases change;
:func:`medians` merges a period's days for each region asked about, the queued changes
added as :func:`data.rollups.read` adds them to the counts, and takes the registry's
median. :func:`data.metrics.compute` reads it when it has no scope; the direct count of
:mod:`data.metrics` is the definition it must equal (tests/data/test_rollup_hours.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import Connection, and_, func, select

from data import rollup_hours, rollups
from data.models import Meta, RollupHours, RollupQueue, RollupState
from data.sql import plain_rows
from data.store import DEFAULT_TIMEZONE, REGIONS_VERSION, deployment_timezone

__all__ = ["medians"]


def medians(conn: Connection, group_ids: list[int] | None, first: date,
            last: date, less: dict[int, np.ndarray] | None = None
            ) -> dict[int, float | None] | None:
    """The registry's median hours to close of each group (None: the whole deployment, key
    0) over the local days ``first`` .. ``last``, from the closings' histograms with the
    queued changes added (as :func:`data.rollups.read` adds them); None when the store has
    no rollups or they are stale and cannot be rebuilt now (the caller counts directly).

    A console click asks for two periods of a few regions, so the usual path is two
    statements: the rows with the rollups' state and the store's zone and regions version
    (one snapshot), then the state's ``applied`` with whether anything is queued; the
    same ``applied`` and an empty queue mean nothing changed the rows in between.

    ``less``: per group, (tenths, how many) pairs to take off the days' histograms (the
    closings of a cut day after its cut, :func:`data.metrics.compute`)."""
    if not rollups.has_tables(conn):
        return None
    keys = [0] if group_ids is None else list(dict.fromkeys(group_ids))
    lo, hi = rollups.day_number(first), rollups.day_number(last)
    aside = rollups.may_apply_aside(conn)
    for attempt in range(3):
        state, stored = _hours_snapshot(conn, keys, lo, hi)
        if state is None or not _snapshot_fresh(state):
            if aside and attempt == 0:
                rollups.catch_up(conn.engine, wait=False)
                continue
            return None
        applied, queued = conn.execute(
            select(RollupState.applied, select(func.min(RollupQueue.seq)).scalar_subquery())
            .where(RollupState.id == rollups.STATE_ID)).one()
        if applied != state.applied:
            continue
        changes: dict[int, list[tuple[int, int]]] = {}
        if queued is not None:
            if aside and attempt == 0:
                rollups.catch_up(conn.engine, wait=False)
                continue
            queue = rollups.queued(conn)
            for region, days in rollups.hour_deltas(conn, queue,
                                                    deployment_timezone(conn)).items():
                if region in stored:
                    changes[region] = [pair for day, counted in days.items()
                                       if lo <= day <= hi for pair in counted.items()]
            after = rollups.state(conn)
            if after is None or after.applied != state.applied:
                continue
        out: dict[int, float | None] = {}
        for g in keys:
            pairs = rollup_hours.unpack(b"".join(stored[g]))
            if changes.get(g):
                pairs = np.concatenate([pairs, np.array(changes[g], dtype=np.int64)])
            if less is not None and g in less and len(less[g]):
                taken = np.asarray(less[g], dtype=np.int64).copy()
                taken[:, 1] *= -1
                pairs = np.concatenate([pairs.astype(np.int64), taken])
            out[g] = rollup_hours.median(pairs[:, 0], pairs[:, 1])
        return out
    return None


def _meta_value(key: str):
    return select(Meta.value).where(Meta.key == key).scalar_subquery()


def _hours_snapshot(conn: Connection, keys: list[int], lo: int, hi: int):
    """(the rollups' state with the store's zone and regions version, None without a
    state row; each key's histogram rows over the days ``lo`` .. ``hi``), in one
    statement."""
    query = (
        select(RollupState.zone, RollupState.regions_version, RollupState.applied,
               _meta_value("timezone").label("store_zone"),
               _meta_value(REGIONS_VERSION).label("store_regions_version"),
               RollupHours.region_id, RollupHours.counts)
        .select_from(RollupState)
        .outerjoin(RollupHours, and_(RollupHours.region_id.in_(keys), RollupHours.day >= lo,
                                     RollupHours.day <= hi))
        .where(RollupState.id == rollups.STATE_ID))
    rows = _binary_rows(conn, query)
    if not rows:
        return None, {}
    stored: dict[int, list[bytes]] = {g: [] for g in keys}
    for row in rows:
        if row[5] is not None:
            stored[int(row[5])].append(bytes(row[6]))
    zone, version, applied, store_zone, store_version = rows[0][:5]
    return _Snapshot(zone, version, applied, store_zone or DEFAULT_TIMEZONE,
                     int(store_version or 0)), stored


def _binary_rows(conn: Connection, query) -> list[tuple]:
    """The query's rows as plain tuples; on PostgreSQL in binary (a period's histograms
    of a city are a megabyte: as hex text, twice that to send and to decode), on the
    connection's own transaction."""
    if conn.dialect.name != "postgresql":
        return plain_rows(conn.execute(query))
    compiled = query.compile(dialect=conn.dialect,
                             compile_kwargs={"render_postcompile": True})
    with conn.connection.driver_connection.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _Snapshot:
    zone: str
    regions_version: int
    applied: int
    store_zone: str
    store_regions_version: int


def _snapshot_fresh(state: _Snapshot) -> bool:
    """:func:`data.rollups`' freshness of a snapshot (the zone named in ``meta``, as
    :func:`data.store.deployment_timezone` reads it)."""
    return (state.zone == state.store_zone
            and state.regions_version == state.store_regions_version)
