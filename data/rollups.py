"""Per-region, per-local-day counts kept up to date as cases change (issue 15).

The database's triggers (:mod:`data.rollup_capture`) note every change to a case or to a
counted event in ``rollup_queue``; :func:`apply` turns the queued changes into additions
to :class:`~data.models.Rollup` rows: the contributions of the version of each case the
rollups counted (the earliest queued OLD values, none for a case inserted since) are taken
away and those of its current row added, for the case's region and every ancestor (and
region 0, the whole deployment), so a new case costs a handful of row updates whatever the
history holds. What a row counts is one definition per local day (:data:`FAMILIES`), the
same predicates as :func:`data.metrics._case_rows`; the metrics that depend on ``as_of``
stay direct counts over the few cases they can concern (:mod:`data.metrics`). The same
queue keeps the closings' histograms (:mod:`data.rollup_hours`, ``rollup_hours``: per
region and local day of closing, how many cases took each duration in tenths of an hour),
from which :mod:`data.rollup_medians` reads the median hours to close.

Readers never wait for an applier: :func:`read` adds the changes still queued (as the
reader's own transaction sees them) to the stored rows, and checks that no apply committed
in between (``rollup_state.applied``). Appliers are serialised (PostgreSQL: an advisory
lock; SQLite: its one writer), and a queue longer than :data:`REBUILD_ABOVE` (a bulk load)
is served by :func:`rebuild`, one set-based pass over the cases.
"""

from __future__ import annotations

import weakref
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError
from sqlalchemy import (
    Connection,
    Engine,
    column,
    delete,
    exists,
    func,
    insert,
    inspect,
    select,
    table,
    update,
)

from data import rollup_hours, rollup_postpones, rollup_rebuild, schema
from data.models import (
    ROLLUP_COUNTS,
    Case,
    CaseEvent,
    RegionAncestor,
    Rollup,
    RollupHours,
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

__all__ = ["COUNTS", "apply", "catch_up", "install", "read", "read_consistently", "rebuild",
           "rebuild_hours", "settled", "status"]

COUNTS: tuple[str, ...] = ROLLUP_COUNTS
#: A queue longer than this is served by a rebuild (one pass over the cases) instead.
REBUILD_ABOVE = 20_000
_LOCK_KEY = 0x15_2011_0F  # pg advisory lock of the appliers
_EPOCH = date(1970, 1, 1)
_STATE_ID = 1
#: How long a rebuild that is not to wait waits for the cases' lock (PostgreSQL), in ms.
_NOT_WAITING_MS = 3000
_UNLOCATED = -1
_ALL = 0
_EVENT_KEY = {"dispatch": "dispatches", "return": "returns", "rework": "reworks"}
_TABLES = ("rollups", "rollup_queue", "rollup_state", "rollup_hours", "rollup_postpones")


def day_number(day: date) -> int:
    """The rollups' number of a local date (days since 1970-01-01)."""
    return (day - _EPOCH).days


# --- what a case contributes --------------------------------------------------------------

_INDEX = {key: i for i, key in enumerate(COUNTS)}
_SATISFIED = frozenset((schema.SATISFIED, schema.BASICALLY_SATISFIED))
_ACCEPTED = frozenset(schema.ACCEPTED_STATUSES)
#: region -> day -> one number per count, signed (what to add to the rollups)
Tally = dict


class _Days:
    """Local day numbers of naive-UTC moments, worked out once per quarter hour (every
    zone's offset is a whole number of quarter hours and changes on one, so a local
    midnight never falls inside a quarter hour of UTC)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.known: dict[tuple, int] = {}

    def __call__(self, moment: datetime) -> int:
        slot = (moment.year, moment.month, moment.day, moment.hour, moment.minute // 15)
        day = self.known.get(slot)
        if day is None:
            start = datetime(*slot[:4], slot[4] * 15, tzinfo=timezone.utc)
            day = self.known[slot] = (start.astimezone(self.tz).date() - _EPOCH).days
        return day


def open_span(status, reported_at, closed_at, voided_at, due_at):
    """(open from, overdue from, leave) of a case, None for what never happens.

    The registry's "open at t" (reported by t, not voided by t, not closed by t) is
    ``open_from <= t < leave`` (leave None: still open), with leave the earlier of
    voided_at (a voided case) and closed_at; a voided case without voided_at and a closed
    one without closed_at are never open. "Overdue at t" adds: not suspended, due_at < t;
    so from max(reported_at, due_at), exclusive at due_at itself (which only the current
    day's direct count sees)."""
    if reported_at is None or (status == schema.VOIDED and voided_at is None) or (
            closed_at is None and status == schema.CLOSED):
        return None, None, None
    leave = closed_at
    if status == schema.VOIDED and (closed_at is None or voided_at < closed_at):
        leave = voided_at
    if leave is not None and reported_at >= leave:
        return None, None, None
    overdue_from = None
    if due_at is not None and status != schema.SUSPENDED and (leave is None or due_at < leave):
        overdue_from = max(reported_at, due_at)
    return reported_at, overdue_from, leave


def case_counts(row) -> list[tuple[str, datetime]]:
    """The counts a case version adds, each with the moment whose local day it is of:
    the predicates of :func:`data.metrics._case_rows`, split by the time they hang on.
    ``row`` maps :data:`CASE_COLUMNS` to values."""
    out: list[tuple[str, datetime]] = []
    status, reported = row["status"], row["reported_at"]
    dispute = row["case_class"] == schema.DISPUTE
    outcome = row["mediation_outcome"]
    success = outcome == schema.MEDIATION_SUCCESS
    dispatched, resolved, closed = row["dispatched_at"], row["resolved_at"], row["closed_at"]
    due, mediated = row["due_at"], row["mediated_at"]
    if reported is not None:
        out.append(("reported", reported))
        if status in _ACCEPTED:
            out.append(("filed", reported))
        if dispute and status != schema.VOIDED:
            out.append(("disputes_screened", reported))
            if success and mediated is not None:
                out.append(("screened_success", reported))
    if dispatched is not None:
        out.append(("dispatched", dispatched))
    if resolved is not None:
        level = row["resolved_level"]
        out.append(("resolved", resolved))
        if level is not None:
            out.append(("resolved_with_level", resolved))
            if level == schema.GRID_LEVEL:
                out.append(("resolved_in_grid", resolved))
        if due is not None:
            out.append(("resolved_with_deadline", resolved))
    if closed is not None:
        satisfaction = row["satisfaction"]
        out.append(("closed", closed))
        if due is not None:
            out.append(("closed_with_deadline", closed))
            if closed <= due:
                out.append(("closed_on_time", closed))
        if satisfaction is not None:
            out.append(("rated", closed))
            if satisfaction in _SATISFIED:
                out.append(("satisfied", closed))
    if mediated is not None and dispute and outcome is not None:
        out.append(("disputes_mediated", mediated))
        if success:
            out.append(("mediation_successes", mediated))
    if due is not None:
        if status not in (schema.VOIDED, schema.REPORTED) and closed is None:
            out.append(("due_open", due))
        if status != schema.VOIDED and dispatched is not None and resolved is None:
            out.append(("due_unhandled", due))
    open_from, overdue_from, leave = open_span(status, reported, closed, row["voided_at"], due)
    if open_from is not None:
        out.append(("open_in", open_from))
        if leave is not None:
            out.append(("open_out", leave))
        if due is not None:
            out.append(("timed_open_in", open_from))
            if leave is not None:
                out.append(("timed_open_out", leave))
        if due is not None or dispatched is not None:  # its clock has started
            out.append(("clocked_open_in", open_from))
            if leave is not None:
                out.append(("clocked_open_out", leave))
        if overdue_from is not None:
            out.append(("overdue_in", overdue_from))
            if leave is not None:
                out.append(("overdue_out", leave))
    return out


def _region(value) -> int:
    return _UNLOCATED if value is None else int(value)


def _add_case(tally: Tally, row, sign: int, days: _Days, region=...) -> None:
    own = tally.setdefault(_region(row["region_id"] if region is ... else region), {})
    for key, moment in case_counts(row):
        day = days(moment)
        counts = own.get(day)
        if counts is None:
            counts = own[day] = [0] * len(COUNTS)
        counts[_INDEX[key]] += sign


def _add_event(tally: Tally, region, action, at, sign: int, days: _Days) -> None:
    key = _EVENT_KEY.get(action)
    if key is None or at is None:
        return
    own = tally.setdefault(_region(region), {})
    day = days(at)
    counts = own.get(day)
    if counts is None:
        counts = own[day] = [0] * len(COUNTS)
    counts[_INDEX[key]] += sign


def _ancestors(conn: Connection, own: dict) -> dict[int, list[int]]:
    """Every ancestor (itself included) of each located region of ``own``."""
    regions = [r for r in own if r != _UNLOCATED]
    ancestors: dict[int, list[int]] = {}
    for start in range(0, len(regions), 900):
        for descendant, ancestor in conn.execute(
                select(RegionAncestor.descendant_id, RegionAncestor.ancestor_id)
                .where(RegionAncestor.descendant_id.in_(regions[start:start + 900]))):
            ancestors.setdefault(descendant, []).append(ancestor)
    return ancestors


def _up_the_tree(conn: Connection, own: Tally) -> Tally:
    """Each region's own counts added to every ancestor (itself included) and to region 0;
    rows that add nothing dropped."""
    ancestors = _ancestors(conn, own)
    tree: Tally = {}
    width = len(COUNTS)
    for region, days in own.items():
        for target in (*ancestors.get(region, ()), _ALL):
            into = tree.setdefault(target, {})
            for day, counts in days.items():
                held = into.get(day)
                if held is None:
                    into[day] = list(counts)
                else:
                    for i in range(width):
                        held[i] += counts[i]
    return {region: {day: c for day, c in days.items() if any(c)}
            for region, days in tree.items()}


# --- the queue ----------------------------------------------------------------------------

_OLD = [getattr(RollupQueue, f"o_{c}") for c in CASE_COLUMNS]
_NOW = [getattr(Case, c).label(f"n_{c}") for c in CASE_COLUMNS]


def _queued(conn: Connection, limit: int | None = None) -> list:
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
    return conn.execute(query).mappings().all()


def _first_cases(queue: list) -> dict[int, object]:
    """Each queued case's first queue row (its OLD values are what the rollups counted)."""
    first_case: dict[int, object] = {}
    for q in queue:
        if q["kind"].startswith("c"):
            first_case.setdefault(q["case_id"], q)
    return first_case


def hour_deltas(conn: Connection, queue: list, tz: ZoneInfo) -> rollup_hours.Hours:
    """What the queued changes add to each (region, day) histogram of the tree: the
    counted version's closing taken away, the current row's added
    (:func:`data.rollup_hours.case_closing`)."""
    if not queue:
        return {}
    days = _Days(tz)
    own: rollup_hours.Hours = {}

    def add(region, row, sign: int) -> None:
        closing = rollup_hours.case_closing(row)
        if closing is not None:
            held = own.setdefault(_region(region), {}).setdefault(days(closing[0]), {})
            held[closing[1]] = held.get(closing[1], 0) + sign

    for q in _first_cases(queue).values():
        if q["kind"] != "ci":  # inserted since the last apply: nothing counted yet
            add(q["o_region_id"], {"reported_at": q["o_reported_at"],
                                   "closed_at": q["o_closed_at"]}, -1)
        if q["n_id"] is not None:
            add(q["n_region_id"], {"reported_at": q["n_reported_at"],
                                   "closed_at": q["n_closed_at"]}, 1)
    return rollup_hours.up_the_tree(own, _ancestors(conn, own), _ALL)


def _deltas(conn: Connection, queue: list, tz: ZoneInfo) -> Tally:
    """What the queued changes add to each (region, day) row of the tree."""
    if not queue:
        return {}
    days = _Days(tz)
    own: Tally = {}
    first_case: dict[int, object] = {}
    first_event: dict[int, object] = {}
    current_region: dict[int, object] = {}
    for q in queue:
        current_region.setdefault(q["case_id"], q["n_region_id"])
        if q["kind"].startswith("c"):
            first_case.setdefault(q["case_id"], q)
        else:
            first_event.setdefault(q["event_id"], q)
    counted_region: dict[int, object] = {}
    fresh: set[int] = set()
    moved: list[int] = []
    for case_id, q in first_case.items():
        if q["kind"] == "ci":  # inserted since the last apply: nothing counted yet
            fresh.add(case_id)
        else:  # take away the version the rollups hold
            old = {c: q[f"o_{c}"] for c in CASE_COLUMNS}
            _add_case(own, old, -1, days)
            counted_region[case_id] = old["region_id"]
        if q["n_id"] is not None:
            _add_case(own, {c: q[f"n_{c}"] for c in CASE_COLUMNS}, 1, days)
            if case_id in counted_region and counted_region[case_id] != q["n_region_id"]:
                moved.append(case_id)
    for q in first_event.values():
        case_id = q["case_id"]
        if q["kind"] != "ei" and case_id not in fresh:
            region = counted_region.get(case_id, current_region.get(case_id))
            _add_event(own, region, q["o_action"], q["o_at"], -1, days)
        if q["e_id"] is not None:
            _add_event(own, q["e_region_id"], q["e_action"], q["e_at"], 1, days)
    if moved:  # a case that moved region takes its already counted events with it
        for case_id, action, at in conn.execute(
                select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at)
                .where(CaseEvent.case_id.in_(moved), CaseEvent.action.in_(EVENT_ACTIONS),
                       ~exists().where(RollupQueue.event_id == CaseEvent.id))):
            _add_event(own, counted_region[case_id], action, at, -1, days)
            _add_event(own, current_region[case_id], action, at, 1, days)
    return _up_the_tree(conn, own)


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
    for a store made before issue 15: the migration calls it, then :func:`rebuild`). The
    closings' histograms (``rollup_hours``) are revision 0005's, the postponed
    cases by day (``rollup_postpones``) 0006's: a store on its way there has none yet, and
    :func:`rebuild` and :func:`apply` leave them out until it has."""
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
    Runs in ``conn``'s transaction; writers wait for it (a rare, whole-store operation).
    The counting is :mod:`data.rollup_rebuild`'s (whole columns at once): the same
    predicates as :func:`case_counts`, which :func:`apply` uses one case at a time."""
    install(conn)
    _lock(conn)
    if conn.dialect.name == "postgresql":  # writers wait (or, not waiting, we give up)
        if not wait:
            # not at once, as NOWAIT would: autovacuum's ANALYZE of cases holds a lock
            # this one conflicts with, and gives way after deadlock_timeout (1 s) to a
            # waiting request; a writer's transaction still open after this gives up
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{_NOT_WAITING_MS}ms'")
        conn.exec_driver_sql("LOCK TABLE cases, case_events IN SHARE MODE")
        if not wait:
            conn.exec_driver_sql("RESET lock_timeout")
    tz = deployment_timezone(conn)
    # whole columns at once, not case by case; the closings' histograms in the same pass
    hours = "rollup_hours" in inspect(conn).get_table_names()  # not on the way to 0005
    rows, hour_rows = rollup_rebuild.all_rows(conn, tz, hours)
    conn.execute(delete(Rollup))
    conn.execute(delete(RollupQueue))
    rollup_rebuild.write_rows(conn, rows)
    if hours:
        conn.execute(delete(RollupHours))
        rollup_hours.write_rows(conn, hour_rows)
    if "rollup_postpones" in inspect(conn).get_table_names():  # not on the way to 0006
        rollup_postpones.rebuild(conn, _Days(tz))
    conn.execute(update(RollupState).where(RollupState.id == _STATE_ID)
                 .values(zone=tz.key, regions_version=regions_version(conn)))
    return len(rows)


def rebuild_hours(conn: Connection) -> int:
    """Count the closings' histograms (``rollup_hours``) alone, from the closed cases (a
    store given them by an upgrade, revision 0005; cheaper than :func:`rebuild`). The
    queue is applied to the counts first, writers waiting (PostgreSQL: the cases locked),
    so the histograms count the cases as they are with nothing queued, as the counts do.
    Returns the histogram rows written."""
    install(conn)
    RollupHours.__table__.create(conn, checkfirst=True)
    if conn.dialect.name == "postgresql":  # writers wait until the transaction ends
        conn.exec_driver_sql("LOCK TABLE cases, case_events IN SHARE MODE")
    if apply(conn, hours=False) == -1:  # the counts were rebuilt: the histograms with them
        return conn.scalar(select(func.count()).select_from(RollupHours))
    rows = rollup_rebuild.hour_rows(conn, deployment_timezone(conn))
    conn.execute(delete(RollupHours))
    rollup_hours.write_rows(conn, rows)
    return len(rows)


def _rows(tree: Tally) -> list[tuple]:
    """The tally as (region, day, counts...) rows in key order."""
    return [(region, day, *tree[region][day])
            for region in sorted(tree) for day in sorted(tree[region])]


def apply(conn: Connection, wait: bool = True, hours: bool = True) -> int | None:
    """Add the queued changes to the rollups (with ``hours``, to the closings' histograms
    too) in ``conn``'s transaction (the caller commits) and empty those queue rows; rebuild
    instead when the rollups were made for another time zone or regions version, or the
    queue is longer than :data:`REBUILD_ABOVE`. Returns how many queue rows were applied
    (-1: rebuilt), None when another applier is at work and ``wait`` is False."""
    if not _lock(conn, wait):
        return None
    if not _fresh(conn, _state(conn)):
        rebuild(conn, wait)
        return -1
    queue = _queued(conn, REBUILD_ABOVE + 1)
    if not queue:
        return 0
    if len(queue) > REBUILD_ABOVE:
        rebuild(conn, wait)
        return -1
    tz = deployment_timezone(conn)
    _add(conn, _deltas(conn, queue, tz))
    if hours:  # (a store at the code's revision has them; an upgrade to 0005 says no)
        rollup_hours.add(conn, hour_deltas(conn, queue, tz))
    if hours and has_tables(conn):  # (not on the way to 0006: the upgrade to 0005 says no)
        rollup_postpones.refresh(conn, (q["case_id"] for q in queue), _Days(tz))
    seqs = [q["seq"] for q in queue]
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


def _add(conn: Connection, tree: Tally) -> None:
    """``n = n + delta`` upserts, in key order (two appliers never deadlock; they are
    serialised anyway)."""
    stored = rollup_rebuild.stored_counts(conn)  # fewer on the way up from before 0008
    rows = [{"region_id": r[0], "day": r[1],
             **{k: v for k, v in zip(COUNTS, r[2:]) if k in stored}} for r in _rows(tree)]
    if not rows:
        return
    target = Rollup.__table__ if stored == COUNTS else table(
        "rollups", *(column(k) for k in ("region_id", "day", *stored)))
    statement = conflict_insert(conn)(target)
    statement = statement.on_conflict_do_update(
        index_elements=[target.c.region_id, target.c.day],
        set_={k: target.c[k] + statement.excluded[k] for k in stored})
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


def settled(conn: Connection) -> bool:
    """Whether the rollups are current as they stand: made for the store's zone and
    regions, nothing queued (what reads kept rows alone, not adding the queue, checks)."""
    return (has_tables(conn) and _fresh(conn, _state(conn))
            and conn.scalar(select(RollupQueue.seq).limit(1)) is None)


_BEFORE = ("open_in", "open_out", "overdue_in", "overdue_out", "timed_open_in", "timed_open_out",
           "clocked_open_in", "clocked_open_out")


def read_consistently(conn: Connection, once):
    """``once(deltas)`` over one consistent picture of the rollups: it reads the kept rows
    it needs and adds ``deltas`` (the changes still queued, as the reader's transaction
    sees them: :func:`_deltas`' region -> day -> counts), and its result is returned when
    no apply committed meanwhile (``rollup_state.applied`` unchanged; else it runs
    again). The queue is applied first where that needs no waiting for this connection.
    None when the store has no rollups or they are stale and cannot be rebuilt now (the
    caller counts directly)."""
    if not has_tables(conn):
        return None
    if _may_apply_aside(conn):
        pending = conn.scalar(select(RollupQueue.seq).limit(1)) is not None
        if pending or not _fresh(conn, _state(conn)):
            catch_up(conn.engine, wait=False)
    for _attempt in range(3):
        state = _state(conn)
        if not _fresh(conn, state):
            return None
        queue = _queued(conn)
        result = once(_deltas(conn, queue, deployment_timezone(conn)) if queue else {})
        after = _state(conn)
        if after is not None and after.applied == state.applied:
            return result
    return None


def read(conn: Connection, group_ids: list[int] | None, first: date, last: date,
         before: date | None = None) -> dict[int, dict[str, int]] | None:
    """Sums of every count over the local days ``first`` .. ``last`` for each group (None:
    the whole deployment, key 0), queued changes included, and under ``before_<key>`` the
    sums of the open/overdue ins and outs over every day before ``before``; None when the
    store has no rollups or they are stale and cannot be rebuilt now (the caller counts
    directly)."""
    keys = [_ALL] if group_ids is None else list(group_ids)
    lo, hi = day_number(first), day_number(last)
    cut = None if before is None else day_number(before)

    def once(deltas: Tally) -> dict[int, dict[str, int]]:
        query = (select(Rollup.region_id, *(func.sum(getattr(Rollup, k)) for k in COUNTS))
                 .where(Rollup.region_id.in_(keys), Rollup.day >= lo, Rollup.day <= hi)
                 .group_by(Rollup.region_id))
        zero = {k: 0 for k in (*COUNTS, *(f"before_{b}" for b in _BEFORE))}
        sums = {g: dict(zero) for g in keys}
        for row in conn.execute(query):
            sums[int(row[0])].update({k: int(v or 0) for k, v in zip(COUNTS, row[1:])})
        if cut is not None:
            history = (select(Rollup.region_id, *(func.sum(getattr(Rollup, b)) for b in _BEFORE))
                       .where(Rollup.region_id.in_(keys), Rollup.day < cut)
                       .group_by(Rollup.region_id))
            for row in conn.execute(history):
                sums[int(row[0])].update({f"before_{b}": int(v or 0)
                                          for b, v in zip(_BEFORE, row[1:])})
        for region, days in deltas.items():
            if region not in sums:
                continue
            into = sums[region]
            for day, counts in days.items():
                if lo <= day <= hi:
                    for k, n in zip(COUNTS, counts):
                        into[k] += n
                if cut is not None and day < cut:
                    for b in _BEFORE:
                        into[f"before_{b}"] += counts[_INDEX[b]]
        return sums

    return read_consistently(conn, once)


# what data.rollup_medians reads the histograms with, as the counts' read() does
STATE_ID = _STATE_ID
queued, state, may_apply_aside = _queued, _state, _may_apply_aside


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
        "hour_rows": conn.scalar(select(func.count()).select_from(RollupHours)),
        "store_zone": deployment_timezone(conn).key,
    }
