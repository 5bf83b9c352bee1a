"""Per-region, per-local-day counts kept up to date as cases change (issue 15).

The database's triggers (:mod:`data.rollup_capture`) note every change to a case or to a
counted event in ``rollup_queue``; :func:`apply` turns the queued changes into additions
to :class:`~data.models.Rollup` rows: the contributions of the version of each case the
rollups counted (the earliest queued OLD values, none for a case inserted since) are taken
away and those of its current row added, for the case's region and every ancestor (and
region 0, the whole deployment), so a new case costs a handful of row updates whatever the
history holds. What a row counts is one definition per local day (:data:`FAMILIES`), the
same predicates as :func:`data.metrics._case_rows`; the metrics that depend on ``as_of``
stay direct counts over the few cases they can concern (:mod:`data.metrics`).

Readers never wait for an applier: :func:`read` adds the changes still queued (as the
reader's own transaction sees them) to the stored rows, and checks that no apply committed
in between (``rollup_state.applied``). Appliers are serialised (PostgreSQL: an advisory
lock; SQLite: its one writer), and a queue longer than :data:`REBUILD_ABOVE` (a bulk load)
is served by :func:`rebuild`, one set-based pass over the cases.
"""

from __future__ import annotations

import weakref
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy.exc import OperationalError
from sqlalchemy import Connection, Engine, delete, exists, func, insert, inspect, select, update

from data import schema
from data.models import (
    ROLLUP_COUNTS,
    Case,
    CaseEvent,
    RegionAncestor,
    Rollup,
    RollupQueue,
    RollupState,
)
from data.rollup_capture import (
    CASE_COLUMNS,
    EVENT_ACTIONS,
    ensure,
    drop_statements,
)
from data.sql import conflict_insert
from data.store import deployment_timezone, regions_version

__all__ = ["COUNTS", "apply", "catch_up", "install", "rebuild", "read", "status"]

COUNTS: tuple[str, ...] = ROLLUP_COUNTS
#: A queue longer than this is served by a rebuild (one pass over the cases) instead.
REBUILD_ABOVE = 20_000
_LOCK_KEY = 0x15_2011_0F  # pg advisory lock of the appliers
_EPOCH = date(1970, 1, 1)
_STATE_ID = 1
_UNLOCATED = -1
_ALL = 0
_EVENT_KEY = {"dispatch": "dispatches", "return": "returns", "rework": "reworks"}
_TABLES = ("rollups", "rollup_queue", "rollup_state")


def day_number(day: date) -> int:
    """The rollups' number of a local date (days since 1970-01-01)."""
    return (day - _EPOCH).days


# --- what a case contributes --------------------------------------------------------------

def _days(values: pd.Series, tz: ZoneInfo) -> np.ndarray:
    """Local day numbers of naive-UTC times (NaT stays NaT-like: masked by the caller)."""
    moments = pd.to_datetime(values)
    local = moments.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None)
    return local.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")


def _times(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column])


def case_contributions(frame: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """(region, day, every count) of the case versions in ``frame`` (the columns of
    :data:`CASE_COLUMNS` and a ``sign``, +1 to add, -1 to take away); region -1 for
    unlocated cases. The predicates are :func:`data.metrics._case_rows`' own."""
    if frame.empty:
        return _empty()
    f = frame
    status, kind = f["status"], f["case_class"]
    t = {c: _times(f, c) for c in ("reported_at", "dispatched_at", "resolved_at",
                                   "closed_at", "due_at", "mediated_at", "voided_at")}
    dispute = kind == schema.DISPUTE
    success = f["mediation_outcome"] == schema.MEDIATION_SUCCESS
    screened = dispute & (status != schema.VOIDED)
    level = f["resolved_level"]
    satisfaction = f["satisfaction"]
    families = {
        "reported_at": {
            "reported": pd.Series(True, index=f.index),
            "filed": status.isin(schema.ACCEPTED_STATUSES),
            "disputes_screened": screened,
            "screened_success": screened & success & t["mediated_at"].notna(),
        },
        "dispatched_at": {"dispatched": pd.Series(True, index=f.index)},
        "resolved_at": {
            "resolved": pd.Series(True, index=f.index),
            "resolved_with_level": level.notna(),
            "resolved_in_grid": level == schema.GRID_LEVEL,
        },
        "closed_at": {
            "closed": pd.Series(True, index=f.index),
            "closed_on_time": t["due_at"].notna() & (t["closed_at"] <= t["due_at"]),
            "closed_with_deadline": t["due_at"].notna(),
            "rated": satisfaction.notna(),
            "satisfied": satisfaction.isin([schema.SATISFIED, schema.BASICALLY_SATISFIED]),
        },
        "mediated_at": {
            "disputes_mediated": dispute & f["mediation_outcome"].notna(),
            "mediation_successes": dispute & success,
        },
        "due_at": {
            "due_open": ~status.isin([schema.VOIDED, schema.REPORTED])
            & t["closed_at"].isna(),
            "due_unhandled": (status != schema.VOIDED) & t["dispatched_at"].notna()
            & t["resolved_at"].isna(),
        },
    }
    span = open_spans(f, t)
    t["open_from"], t["open_until"] = span["start"], span["leave"]
    t["overdue_from"], t["overdue_until"] = span["overdue_start"], span["overdue_leave"]
    families.update({
        "open_from": {"open_in": span["open"]},
        "open_until": {"open_out": span["open"]},
        "overdue_from": {"overdue_in": span["overdue"]},
        "overdue_until": {"overdue_out": span["overdue"]},
    })
    region = f["region_id"].fillna(_UNLOCATED).astype("int64").to_numpy()
    sign = f["sign"].astype("int64").to_numpy()
    parts = []
    for column, counts in families.items():
        present = t[column].notna().to_numpy()
        if not present.any():
            continue
        part = pd.DataFrame({"region": region[present],
                             "day": _days(t[column][present], tz)})
        for key, mask in counts.items():
            part[key] = np.where(mask.fillna(False).to_numpy()[present], sign[present], 0)
        parts.append(part)
    return _sum(parts)


def open_spans(f: pd.DataFrame, t: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """When each case is open and overdue, as half-open spans [start, leave) (leave NaT:
    still open), with whether it is ever open (``open``) or overdue (``overdue``).

    The registry's "open at t" (reported by t, not voided by t, not closed by t) is
    ``start <= t < leave`` with start = reported_at and leave the earlier of voided_at
    (a voided case) and closed_at; a voided case without voided_at, and a closed one
    without closed_at, are never open. "Overdue at t" adds: not suspended, due_at < t, so
    it starts at max(reported_at, due_at) (exclusive at due_at itself, which only the
    current day's direct count sees)."""
    if t is None:
        t = {c: pd.to_datetime(f[c]) for c in ("reported_at", "closed_at", "voided_at",
                                                "due_at")}
    status = f["status"]
    voided = (status == schema.VOIDED).to_numpy()
    closed_at, voided_at = t["closed_at"], t["voided_at"]
    leave = closed_at.where(~(voided & voided_at.notna().to_numpy()
                              & (closed_at.isna() | (voided_at < closed_at)).to_numpy()),
                            voided_at)
    never = (voided & voided_at.isna().to_numpy()) | (
        closed_at.isna() & (status == schema.CLOSED)).to_numpy()
    start = t["reported_at"]
    is_open = pd.Series(~never, index=f.index) & start.notna() & (
        leave.isna() | (start < leave))
    due = t["due_at"]
    overdue_start = pd.concat([start, due], axis=1).max(axis=1, skipna=False)
    is_overdue = (pd.Series(~never, index=f.index) & start.notna() & due.notna()
                  & (status != schema.SUSPENDED)
                  & (leave.isna() | ((start < leave) & (due < leave))))
    return pd.DataFrame({"start": start, "leave": leave, "open": is_open,
                         "overdue_start": overdue_start, "overdue_leave": leave,
                         "overdue": is_overdue}, index=f.index)


def event_contributions(frame: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """(region, day, counts) of events (``region_id``, ``action``, ``at``, ``sign``)."""
    frame = frame[frame["action"].isin(EVENT_ACTIONS)]
    if frame.empty:
        return _empty()
    part = pd.DataFrame({
        "region": frame["region_id"].fillna(_UNLOCATED).astype("int64").to_numpy(),
        "day": _days(_times(frame, "at"), tz)})
    sign = frame["sign"].astype("int64").to_numpy()
    action = frame["action"].to_numpy()
    for name, key in _EVENT_KEY.items():
        part[key] = np.where(action == name, sign, 0)
    return _sum([part])


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=["region", "day", *COUNTS], dtype="int64")


def _sum(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _empty()
    frame = pd.concat(parts, ignore_index=True)
    for key in COUNTS:
        if key not in frame:
            frame[key] = 0
    frame[list(COUNTS)] = frame[list(COUNTS)].fillna(0).astype("int64")
    return frame.groupby(["region", "day"], as_index=False)[list(COUNTS)].sum()


def _up_the_tree(conn: Connection, own: pd.DataFrame) -> pd.DataFrame:
    """Each region's own counts added to every ancestor (itself included) and to region 0;
    rows that add nothing dropped."""
    if own.empty:
        return own
    regions = [int(r) for r in own["region"].unique() if r != _UNLOCATED]
    links = []
    for start in range(0, len(regions), 900):
        links.extend(conn.execute(
            select(RegionAncestor.descendant_id, RegionAncestor.ancestor_id)
            .where(RegionAncestor.descendant_id.in_(regions[start:start + 900]))).all())
    closure = pd.DataFrame(links, columns=["region", "ancestor"], dtype="int64")
    located = own.merge(closure, on="region").drop(columns="region")
    located = located.rename(columns={"ancestor": "region"})
    everything = own.assign(region=_ALL)
    tree = pd.concat([located, everything], ignore_index=True)
    tree = tree.groupby(["region", "day"], as_index=False)[list(COUNTS)].sum()
    return tree[(tree[list(COUNTS)] != 0).any(axis=1)].reset_index(drop=True)


# --- the queue ----------------------------------------------------------------------------

_OLD = [getattr(RollupQueue, f"o_{c}") for c in CASE_COLUMNS]
_NOW = [getattr(Case, c).label(f"n_{c}") for c in CASE_COLUMNS]


def _queued(conn: Connection, limit: int | None = None) -> pd.DataFrame:
    """The queue with each case's and event's current row, read in ONE statement (one
    snapshot on PostgreSQL too, so a change committed meanwhile is wholly in or out)."""
    current_case = Case.__table__.alias("event_case")
    query = (
        select(RollupQueue.seq, RollupQueue.case_id, RollupQueue.event_id, RollupQueue.kind,
               *_OLD, RollupQueue.o_action, RollupQueue.o_at,
               Case.id.label("n_id"), *_NOW,
               CaseEvent.id.label("e_id"), CaseEvent.action.label("e_action"),
               CaseEvent.at.label("e_at"), current_case.c.region_id.label("e_region_id"))
        .select_from(RollupQueue)
        .outerjoin(Case, Case.id == RollupQueue.case_id)
        .outerjoin(CaseEvent, CaseEvent.id == RollupQueue.event_id)
        .outerjoin(current_case, current_case.c.id == CaseEvent.case_id)
        .order_by(RollupQueue.seq)
    )
    if limit is not None:
        query = query.limit(limit)
    result = conn.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _deltas(conn: Connection, queue: pd.DataFrame, tz: ZoneInfo) -> pd.DataFrame:
    """What the queued changes add to each (region, day) row of the tree."""
    if queue.empty:
        return _empty()
    parts = []
    cases = queue[queue["kind"].str.startswith("c")]
    first = cases.drop_duplicates("case_id", keep="first")
    counted = first[first["kind"] != "ci"]  # the version the rollups hold
    old = counted[["o_" + c for c in CASE_COLUMNS]].copy()
    old.columns = list(CASE_COLUMNS)
    parts.append(case_contributions(old.assign(sign=-1), tz))
    now = first[first["n_id"].notna()]
    new = now[["n_" + c for c in CASE_COLUMNS]].copy()
    new.columns = list(CASE_COLUMNS)
    parts.append(case_contributions(new.assign(sign=1), tz))

    # the region each queued case's events were counted in (its counted version's)
    counted_region = {int(k): v for k, v in zip(counted["case_id"], counted["o_region_id"])}
    fresh = set(int(k) for k in first.loc[first["kind"] == "ci", "case_id"])
    current_region = {int(k): v for k, v in zip(queue["case_id"], queue["n_region_id"])}

    def region_counted_in(case_id: int):
        if case_id in counted_region:
            return counted_region[case_id]
        return current_region.get(case_id)

    events = queue[queue["kind"].str.startswith("e")]
    if not events.empty:
        first_ev = events.drop_duplicates("event_id", keep="first")
        before = first_ev[(first_ev["kind"] != "ei")
                          & ~first_ev["case_id"].astype("int64").isin(fresh)]
        if not before.empty:
            parts.append(event_contributions(pd.DataFrame({
                "region_id": [region_counted_in(int(c)) for c in before["case_id"]],
                "action": before["o_action"].to_numpy(), "at": before["o_at"].to_numpy(),
                "sign": -1}), tz))
        after = first_ev[first_ev["e_id"].notna()]
        if not after.empty:
            parts.append(event_contributions(pd.DataFrame({
                "region_id": after["e_region_id"].to_numpy(),
                "action": after["e_action"].to_numpy(), "at": after["e_at"].to_numpy(),
                "sign": 1}), tz))

    # a case that moved region takes its already counted events with it
    moved = counted[counted["n_id"].notna()]
    moved = moved[[not _same(a, b) for a, b in zip(moved["o_region_id"], moved["n_region_id"])]]
    if not moved.empty:
        ids = [int(c) for c in moved["case_id"]]
        rows = conn.execute(
            select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at)
            .where(CaseEvent.case_id.in_(ids), CaseEvent.action.in_(EVENT_ACTIONS),
                   ~exists().where(RollupQueue.event_id == CaseEvent.id))).all()
        if rows:
            held = pd.DataFrame(rows, columns=["case_id", "action", "at"])
            old_region = dict(zip(moved["case_id"].astype("int64"), moved["o_region_id"]))
            new_region = dict(zip(moved["case_id"].astype("int64"), moved["n_region_id"]))
            parts.append(event_contributions(held.assign(
                region_id=[old_region[c] for c in held["case_id"]], sign=-1), tz))
            parts.append(event_contributions(held.assign(
                region_id=[new_region[c] for c in held["case_id"]], sign=1), tz))
    own = _sum(parts)
    own = own[(own[list(COUNTS)] != 0).any(axis=1)]
    return _up_the_tree(conn, own)


def _same(a, b) -> bool:
    a = None if a is None or pd.isna(a) else int(a)
    b = None if b is None or pd.isna(b) else int(b)
    return a == b


# --- state, install, rebuild, apply ------------------------------------------------------------

_HAVE_TABLES: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def has_tables(conn: Connection) -> bool:
    """Whether the store has the rollup tables (remembered per engine once it has)."""
    if conn.engine in _HAVE_TABLES:
        return True
    if set(_TABLES) <= set(inspect(conn).get_table_names()):
        _HAVE_TABLES.add(conn.engine)
        return True
    return False


def install(conn: Connection) -> None:
    """Make the rollup tables and the capture triggers where they are missing (idempotent;
    for a store made before issue 15: the migration calls it, then :func:`rebuild`)."""
    for table in (RollupQueue.__table__, Rollup.__table__, RollupState.__table__):
        table.create(conn, checkfirst=True)
        for index in table.indexes:
            index.create(conn, checkfirst=True)
    ensure(conn)


def drop_capture(conn: Connection) -> None:
    """Remove the triggers (a bulk loader does, then ends with :func:`rebuild`, which
    makes them again)."""
    for statement in drop_statements(conn.dialect.name):
        conn.exec_driver_sql(statement)


def _lock(conn: Connection, wait: bool = True) -> bool:
    """Become the one applier (until the transaction ends). Without ``wait``, False when
    another applier holds the lock (PostgreSQL; SQLite's writer lock waits as set)."""
    if conn.dialect.name == "postgresql":
        if wait:
            conn.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
        elif not conn.scalar(select(func.pg_try_advisory_xact_lock(_LOCK_KEY))):
            return False
    # the first write takes SQLite's writer lock, so what follows reads a settled store
    bumped = conn.execute(update(RollupState).where(RollupState.id == _STATE_ID)
                          .values(applied=RollupState.applied + 1)).rowcount
    if not bumped:
        conn.execute(insert(RollupState).values(id=_STATE_ID, zone="", regions_version=-1,
                                                applied=1))
    return True


def _state(conn: Connection):
    return conn.execute(select(RollupState.zone, RollupState.regions_version,
                               RollupState.applied)
                        .where(RollupState.id == _STATE_ID)).first()


def _fresh(conn: Connection, state) -> bool:
    return (state is not None and state.zone == deployment_timezone(conn).key
            and state.regions_version == regions_version(conn))


def rebuild(conn: Connection, wait: bool = True) -> int:
    """Count every case and counted event again into the rollups (one pass, set-based),
    empty the queue, and make the capture triggers if missing. Returns the rows written.
    Runs in ``conn``'s transaction; writers wait for it (a rare, whole-store operation)."""
    install(conn)
    _lock(conn)
    if conn.dialect.name == "postgresql":  # writers wait (or, not waiting, we give up)
        conn.exec_driver_sql("LOCK TABLE cases, case_events IN SHARE MODE"
                             + ("" if wait else " NOWAIT"))
    tz = deployment_timezone(conn)
    result = conn.execute(select(*(getattr(Case, c) for c in CASE_COLUMNS)))
    frame = pd.DataFrame(result.all(), columns=list(CASE_COLUMNS))
    own = [case_contributions(frame.assign(sign=1), tz)]
    del frame
    result = conn.execute(select(Case.region_id, CaseEvent.action, CaseEvent.at)
                          .join(Case, Case.id == CaseEvent.case_id)
                          .where(CaseEvent.action.in_(EVENT_ACTIONS)))
    events = pd.DataFrame(result.all(), columns=["region_id", "action", "at"])
    own.append(event_contributions(events.assign(sign=1), tz))
    del events
    tree = _up_the_tree(conn, _sum(own))
    conn.execute(delete(Rollup))
    conn.execute(delete(RollupQueue))
    if not tree.empty:
        from data.demo.bulk import insert_frame

        insert_frame(conn, Rollup, tree.rename(columns={"region": "region_id"})
                     .sort_values(["region_id", "day"]))
    conn.execute(update(RollupState).where(RollupState.id == _STATE_ID)
                 .values(zone=tz.key, regions_version=regions_version(conn)))
    return len(tree)


def apply(conn: Connection, wait: bool = True) -> int | None:
    """Add the queued changes to the rollups in ``conn``'s transaction (the caller
    commits) and empty those queue rows; rebuild instead when the rollups were made for
    another time zone or regions version, or the queue is longer than
    :data:`REBUILD_ABOVE`. Returns how many queue rows were applied (-1: rebuilt), None
    when another applier is at work and ``wait`` is False."""
    if not _lock(conn, wait):
        return None
    if not _fresh(conn, _state(conn)):
        rebuild(conn, wait)
        return -1
    queue = _queued(conn, REBUILD_ABOVE + 1)
    if queue.empty:
        return 0
    if len(queue) > REBUILD_ABOVE:
        rebuild(conn, wait)
        return -1
    tree = _deltas(conn, queue, deployment_timezone(conn))
    _add(conn, tree)
    seqs = [int(s) for s in queue["seq"]]
    for start in range(0, len(seqs), 900):
        conn.execute(delete(RollupQueue).where(RollupQueue.seq.in_(seqs[start:start + 900])))
    return len(seqs)


def settle(conn: Connection) -> None:
    """After a bulk write in ``conn``'s transaction: rebuild when the queue is longer than
    :data:`REBUILD_ABOVE` (one pass now, rather than the next reader's request)."""
    if not has_tables(conn):
        return
    queued = conn.scalar(select(func.count()).select_from(
        select(RollupQueue.seq).limit(REBUILD_ABOVE + 1).subquery()))
    if queued > REBUILD_ABOVE:
        rebuild(conn)


def _add(conn: Connection, tree: pd.DataFrame) -> None:
    """``n = n + delta`` upserts, in key order (two appliers never deadlock; they are
    serialised anyway)."""
    if tree.empty:
        return
    tree = tree.sort_values(["region", "day"])
    rows = [{"region_id": int(r.region), "day": int(r.day),
             **{k: int(getattr(r, k)) for k in COUNTS}} for r in tree.itertuples(index=False)]
    upsert = conflict_insert(conn)
    statement = upsert(Rollup)
    statement = statement.on_conflict_do_update(
        index_elements=[Rollup.region_id, Rollup.day],
        set_={k: getattr(Rollup, k) + getattr(statement.excluded, k) for k in COUNTS})
    for start in range(0, len(rows), 500):
        conn.execute(statement, rows[start:start + 500])



def catch_up(engine: Engine, wait: bool = True) -> int | None:
    """:func:`apply` in a transaction of its own (committed). Not waiting, None also
    when a writer holds the tables a rebuild must read still (PostgreSQL)."""
    try:
        with engine.begin() as conn:
            return apply(conn, wait)
    except OperationalError:
        if wait:
            raise
        return None  # lock not available now: readers add the queue themselves


def _may_apply_aside(conn: Connection) -> bool:
    """Whether changes can be applied on another connection without waiting for this
    one: never on an in-memory SQLite store (another connection is another store), nor
    while this SQLite connection holds uncommitted writes (the writer lock)."""
    if conn.dialect.name != "sqlite":
        return True
    database = conn.engine.url.database
    if not database or database == ":memory:":
        return False
    return not conn.connection.dbapi_connection.in_transaction


_BEFORE = ("open_in", "open_out", "overdue_in", "overdue_out")


def read(conn: Connection, group_ids: list[int] | None, first: date, last: date,
         before: date | None = None) -> dict[int, dict[str, int]] | None:
    """Sums of every count over the local days ``first`` .. ``last`` for each group (None:
    the whole deployment, key 0), queued changes included, and under ``before_<key>`` the
    sums of the open/overdue ins and outs over every day before ``before``; None when the
    store has no rollups or they are stale and cannot be rebuilt now (the caller counts
    directly)."""
    if not has_tables(conn):
        return None
    if _may_apply_aside(conn):
        pending = conn.scalar(select(RollupQueue.seq).limit(1)) is not None
        if pending or not _fresh(conn, _state(conn)):
            catch_up(conn.engine, wait=False)
    keys = [_ALL] if group_ids is None else list(group_ids)
    lo, hi = day_number(first), day_number(last)
    for _attempt in range(3):
        state = _state(conn)
        if not _fresh(conn, state):
            return None
        query = (select(Rollup.region_id, *(func.sum(getattr(Rollup, k)) for k in COUNTS))
                 .where(Rollup.region_id.in_(keys), Rollup.day >= lo, Rollup.day <= hi)
                 .group_by(Rollup.region_id))
        zero = {k: 0 for k in (*COUNTS, *(f"before_{b}" for b in _BEFORE))}
        sums = {g: dict(zero) for g in keys}
        for row in conn.execute(query):
            sums[int(row[0])].update({k: int(v or 0) for k, v in zip(COUNTS, row[1:])})
        if before is not None:
            cut = day_number(before)
            history = (select(Rollup.region_id, *(func.sum(getattr(Rollup, b)) for b in _BEFORE))
                       .where(Rollup.region_id.in_(keys), Rollup.day < cut)
                       .group_by(Rollup.region_id))
            for row in conn.execute(history):
                sums[int(row[0])].update({f"before_{b}": int(v or 0)
                                          for b, v in zip(_BEFORE, row[1:])})
        queue = _queued(conn)
        if not queue.empty:
            tree = _deltas(conn, queue, deployment_timezone(conn))
            tree = tree[tree["region"].isin(keys)]
            within = tree[(tree["day"] >= lo) & (tree["day"] <= hi)]
            for region, frame in within.groupby("region"):
                for k in COUNTS:
                    sums[int(region)][k] += int(frame[k].sum())
            if before is not None:
                earlier = tree[tree["day"] < day_number(before)]
                for region, frame in earlier.groupby("region"):
                    for b in _BEFORE:
                        sums[int(region)][f"before_{b}"] += int(frame[b].sum())
        after = _state(conn)
        if after is not None and after.applied == state.applied:
            return sums
    return None


def status(conn: Connection) -> dict[str, object]:
    """What ``db rollups`` shows: whether the store has rollups, the zone and regions
    version they were built for, the queue's length and the rows held."""
    if not has_tables(conn):
        return {"installed": False}
    state = _state(conn)
    return {
        "installed": True,
        "zone": None if state is None else state.zone,
        "regions_version": None if state is None else state.regions_version,
        "fresh": _fresh(conn, state),
        "queued": conn.scalar(select(func.count()).select_from(RollupQueue)),
        "rows": conn.scalar(select(func.count()).select_from(Rollup)),
        "store_zone": deployment_timezone(conn).key,
    }
