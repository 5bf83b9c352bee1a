"""The wall's live counts: per region, the counts that move all day (open and overdue now,
reported and closed today, reported this week, long unfixed), read from indexes alone, and
kept up to date refresh after refresh at the cost of what changed (:func:`held_live`).

The registry's definitions are :mod:`data.metrics`'; these are the same conditions, counted
per region in one pass over an index (:func:`live_counts`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection, DateTime, Engine, Integer, Text, bindparam, case, cast, func, null, or_, select,
    union, union_all,
)

from data import rollup_capture, rollups, schema
from data.metrics import local_date, open_at, open_statuses, period_for
from data.models import Case, Region, RegionAncestor, RollupQueue, RollupState
from data.panels import leaves_under
from data.regions import RegionInfo
from data.store import deployment_timezone

#: Cases more than this past their deadline (and not suspended) are flagged on the map.
LONG_UNFIXED = timedelta(days=7)

@dataclass(frozen=True)
class Windows:
    """The wall's periods, as local dates: today, this week (Monday on), the last 30 days."""

    today: date
    week_start: date
    month_start: date

    @classmethod
    def at(cls, now_utc: datetime, tz: ZoneInfo) -> "Windows":
        today = local_date(now_utc, tz)
        return cls(today, today - timedelta(days=today.weekday()), today - timedelta(days=29))


@dataclass(frozen=True)
class Subtree:
    """The region ids a wall reads, worked out once per region: every region under it
    (itself included; all regions and -1 for unlocated cases when it is the whole
    deployment), its leaf regions, and whether those are all the deployment's leaves."""

    ids: tuple[int, ...]
    leaves: tuple[int, ...]
    whole: bool

    @classmethod
    def of(cls, conn: Connection, region: "RegionInfo | None") -> "Subtree":
        leaves = tuple(row[0] for row in conn.execute(leaves_under(region)))
        whole = region is None or len(leaves) == len(conn.execute(leaves_under(None)).all())
        return cls(tuple(_subtree_ids(conn, region)), leaves, whole)

    @cached_property
    def position(self) -> np.ndarray:
        """Where each region id (shifted by one, so -1 is 0) sits in :attr:`ids`, -1 for
        none: counting per region is then one array look-up and a ``bincount``."""
        ids = np.asarray(self.ids, dtype=np.int64)
        table = np.full(int(ids.max(initial=-1)) + 2, -1, dtype=np.int64)
        table[ids + 1] = np.arange(len(ids))
        return table

    @cached_property
    def id_array(self) -> np.ndarray:
        """:attr:`ids` as an array."""
        return np.asarray(self.ids, dtype=np.int64)

    @cached_property
    def index(self) -> pd.Index:
        """:attr:`ids` as the index of :func:`live_counts`."""
        return pd.Index(self.ids, name="id")

    @cached_property
    def leaf_index(self) -> pd.Index:
        """:attr:`leaves` as the index of :func:`grid_values`."""
        return pd.Index(self.leaves, name="id")

    @cached_property
    def leaf_rows(self) -> np.ndarray:
        """The rows of :attr:`leaves` in :attr:`ids`."""
        return self.position[np.asarray(self.leaves, dtype=np.int64) + 1]

    def rows_of(self, regions: np.ndarray) -> np.ndarray:
        """The rows in :attr:`ids` of ``regions`` (ids, -1 for none); those outside the
        subtree are left out."""
        table = self.position
        regions = regions[regions + 1 < len(table)]
        at = table[regions + 1]
        return at[at >= 0]



def live_counts(conn: Connection, region: RegionInfo | None, now: datetime,
                tree: Subtree | None = None, tz: ZoneInfo | None = None) -> pd.DataFrame:
    """Per region under ``region`` (every level, -1 for unlocated cases): the counts that
    move all day. ``open`` and ``overdue`` are the registry's definitions at ``now``;
    ``reported_today``, ``closed_today`` and ``reported_week`` count the registry's
    ``reported``/``closed`` over today and this week; ``long_unfixed`` counts open cases
    more than :data:`LONG_UNFIXED` past their deadline; ``open_with_deadline`` the open
    cases that have one (no open case with a deadline: ``overdue`` is unknown, issue 17).

    Each query reads one index and never the table (``ix_cases_open_region``: the open
    cases, partial; ``ix_cases_reported_region``, ``ix_cases_closed_hours``: a time
    range) and sends the region of each case it counts (:func:`_regions_of`); numpy
    counts them per region, and drops those outside the region's subtree. A refresh of
    a city's wall after one new case costs milliseconds, whatever the history behind it.
    ``tz``: the deployment's time zone when the caller read it already."""
    tz = deployment_timezone(conn) if tz is None else tz
    if tree is None:
        tree = Subtree(tuple(_subtree_ids(conn, region)), (), region is None)
    return pd.DataFrame(_count(conn, tree, now, tz), index=tree.index, columns=COLUMNS)


#: The columns of :func:`live_counts`.
COLUMNS = ["open", "overdue", "long_unfixed", "reported_today", "closed_today",
           "reported_week", "open_with_deadline", "open_clocked"]


def _count(conn: Connection, tree: Subtree, now: datetime, tz: ZoneInfo,
           regions: list[int] | None = None) -> np.ndarray:
    """The values of :func:`live_counts` (rows: ``tree.ids``, columns: :data:`COLUMNS`);
    with ``regions`` (ids, -1 for unlocated cases), only the cases of those regions are
    read, and only their rows hold counts."""
    w = Windows.at(now, tz)
    today = period_for(w.today, w.today, tz)
    week = period_for(w.week_start, w.today, tz)
    params = {"now": now, "long_before": now - LONG_UNFIXED, "today_start": today.start,
              "today_end": today.end, "week_start": week.start, "week_end": week.end}
    only = ""
    if regions is not None:
        params["regions"] = [r for r in regions if r != -1]
        only = "in_or_none" if -1 in regions else "in"
    values = np.zeros((len(tree.ids), len(COLUMNS)), dtype=np.int64)
    for query, spec in _live_queries(conn.dialect.name, only):
        lists = _regions_of(conn, query, params)
        for listed, (names, packed) in zip(lists, spec):
            for name, found in zip(names, _unpack(listed) if packed else [listed]):
                # cases of regions outside the subtree are dropped here
                values[:, COLUMNS.index(name)] += np.bincount(tree.rows_of(found),
                                                              minlength=len(tree.ids))
    return values


def _live_queries(dialect: str, only: str = "") -> list[tuple[object, list]]:
    """The statements of :func:`live_counts` for a store's dialect, made once per process
    (their moments are parameters: ``now``, ``long_before``, today's and this week's
    bounds), each with the counts its columns are: building them anew on every refresh
    cost more than a city's index takes to read. ``only``: ``"in"`` counts only the cases
    of the regions of the ``regions`` parameter (a list), ``"in_or_none"`` those and the
    unlocated ones (:func:`held_live`'s recount of the regions a change touched)."""
    held = _LIVE_QUERIES.get((dialect, only))
    if held is not None:
        return held
    c = Case
    regions = c.region_id.in_(bindparam("regions", expanding=True))
    narrow = {"": [], "in": [regions], "in_or_none": [or_(regions, c.region_id.is_(None))]}[only]
    now, long_before = bindparam("now", type_=DateTime), bindparam("long_before", type_=DateTime)
    today_start = bindparam("today_start", type_=DateTime)
    today_end = bindparam("today_end", type_=DateTime)
    week_start = bindparam("week_start", type_=DateTime)
    week_end = bindparam("week_end", type_=DateTime)
    # open at now, as metrics.open_at says: with consistent data these are the cases of the
    # open statuses (the partial index, whose condition the query states word for word,
    # so both stores' planners use it); cases of other statuses closed or voided "later
    # than now" are counted too, to match exactly (an index range, empty on a running
    # store)
    open_status, open_now = open_statuses(), open_at(now)
    later = union(select(c.id).where(c.closed_at > now), select(c.id).where(c.voided_at > now))
    # the open cases' three counts as one list: each case's region and three bits (open
    # at now; not suspended and past its deadline; more than LONG_UNFIXED past it), so
    # the store evaluates each condition once and sends one text (:func:`_unpack`)
    packed = ((func.coalesce(c.region_id, -1) + 1) * 32 + case((open_now, 1), else_=0)
              + case(((c.status != schema.SUSPENDED) & (c.due_at < now), 2), else_=0)
              + case((c.due_at < long_before, 4), else_=0)
              + case((c.due_at.is_not(None), 8), else_=0)
              + case((c.due_at.is_not(None) | c.dispatched_at.is_not(None), 16), else_=0))
    open_names = ["open", "overdue", "long_unfixed", "open_with_deadline", "open_clocked"]
    # each statement with what each of its columns lists: the counts, and whether packed
    held = [
        (_regions_query(dialect, [open_status, *narrow], [None], place=packed),
         [(open_names, True)]),
        (_regions_query(dialect, [c.id.in_(later), ~open_status, *narrow], [None],
                        place=packed), [(open_names, True)]),
        (_regions_query(dialect, [c.reported_at >= week_start, c.reported_at < week_end,
                                  *narrow],
                        [None, (c.reported_at >= today_start) & (c.reported_at < today_end)]),
         [(["reported_week"], False), (["reported_today"], False)]),
        (_regions_query(dialect, [c.closed_at >= today_start, c.closed_at < today_end,
                                  *narrow], [None]), [(["closed_today"], False)]),
    ]
    if only and dialect in ("sqlite", "postgresql"):
        # a few regions' cases: one statement of one row (each list a subquery), not four
        held = [(select(*[query.with_only_columns(column).scalar_subquery()
                          for query, _ in held for column in query.selected_columns]),
                 [listed for _, spec in held for listed in spec])]
    _LIVE_QUERIES[(dialect, only)] = held
    return held


def _unpack(codes: np.ndarray) -> list[np.ndarray]:
    """The regions of the cases open at now, overdue, long unfixed, and open with a
    deadline, and open with its clock started (dispatched or with a deadline), from the
    packed list of :func:`_live_queries` (region + 1, times 32, plus five bits)."""
    regions = (codes >> 5) - 1
    is_open = (codes & 1) != 0
    overdue = is_open & ((codes & 2) != 0)
    return [regions[is_open], regions[overdue], regions[overdue & ((codes & 4) != 0)],
            regions[is_open & ((codes & 8) != 0)], regions[is_open & ((codes & 16) != 0)]]


_LIVE_QUERIES: dict[tuple[str, str], list] = {}


def _regions_query(dialect: str, where: list, conditions, place=None):
    """The statement of :func:`_regions_of`: for each of ``conditions`` (None: every
    case), the regions (-1 for none) of the cases that meet ``where`` and the condition.

    The store sends each list as one text (``group_concat``/``string_agg``, which leave
    out the cases a condition turns to NULL) that numpy reads at once: counting per
    region in SQL and fetching ten thousand rows one by one through the driver cost a
    city's wall tens of milliseconds, reading the index one. ``place``: what is listed
    of each case (default its region, -1 for none)."""
    place = func.coalesce(Case.region_id, -1) if place is None else place
    chosen = [place if condition is None else case((condition, place))
              for condition in conditions]
    if dialect == "sqlite":
        return select(*[func.group_concat(e) for e in chosen]).where(*where)
    if dialect == "postgresql":
        return select(*[func.string_agg(cast(e, Text), ",") for e in chosen]).where(*where)
    return select(*chosen).where(*where)  # another store: row by row


def _regions_of(conn: Connection, query, params: dict) -> list[np.ndarray]:
    """The region lists :func:`_regions_query`'s ``query`` selects, as arrays, one entry
    per case."""
    if conn.dialect.name not in ("sqlite", "postgresql"):
        rows = np.array(conn.execute(query, params).all(), dtype=object)
        width = len(query.selected_columns)
        return [np.array([v for v in rows[:, i] if v is not None], dtype=np.int64)
                if len(rows) else np.zeros(0, dtype=np.int64) for i in range(width)]
    texts = conn.execute(query, params).one()
    return [np.fromstring(text, dtype=np.int64, sep=",") if text
            else np.zeros(0, dtype=np.int64) for text in texts]


def _subtree_ids(conn: Connection, region: RegionInfo | None) -> list[int]:
    """Every region id under ``region`` (itself included); all, and -1, for None."""
    if region is None:
        return [rid for (rid,) in conn.execute(select(Region.id))] + [-1]
    return [rid for (rid,) in conn.execute(
        select(RegionAncestor.descendant_id).where(RegionAncestor.ancestor_id == region.id))]



# --- kept up to date: a refresh recounts only the regions a change touched -----------------

#: Beyond this many regions touched since the last count (an import, a day's first
#: refresh after a long pause), :func:`held_live` counts everything again.
MAX_TOUCHED = 2000
#: A count older than this is made afresh rather than brought up to date.
MAX_GAP = timedelta(hours=1)
#: A change queue longer than this is not read by a wall (a bulk write; the rollups'
#: next apply empties it): the wall counts everything.
MAX_QUEUED = 20000


@dataclass(frozen=True)
class Held:
    """A region's live counts (:func:`live_counts`' values) at moment ``at``, and what
    they are up to date with: the regions (:func:`data.wall.regions_fingerprint`), the
    local day and week, and the rollups' change queue as read before counting (the
    number of times it was applied, ``applied``, None: the store keeps no queue, or it
    could not be read whole; the highest row number then, ``last``; and on PostgreSQL the
    numbers of the rows seen, ``seen``)."""

    regions: tuple
    windows: Windows
    at: datetime
    applied: int | None
    last: int | None
    seen: frozenset
    values: np.ndarray


@dataclass(frozen=True)
class Queued:
    """The rollups' change queue as one statement read it: how many times it was applied
    (rows leave the queue only in a transaction that adds one to this,
    :func:`data.rollups.apply` and ``rebuild``), its highest row number, and per row of
    a case change read, the regions it touched (before and after, -1 for none)."""

    applied: int | None
    last: int | None
    rows: dict


def held_live(conn: Connection, region: RegionInfo | None, now: datetime, tree: Subtree,
              tz: ZoneInfo, cache: dict, regions: tuple
              ) -> tuple[pd.DataFrame, np.ndarray | None]:
    """:func:`live_counts` of ``region`` at ``now``, brought up to date from the counts
    ``cache`` holds of it (a dict the caller keeps; its entry is replaced, never changed
    in place, so threads may share it): only the regions a change touched since are
    counted again, each wholly, by the same statements narrowed to those regions. Also
    returns the rows of ``tree.ids`` that were counted again (None: every row).

    Which regions a change touched comes from the store, never from this process's
    memory: the rollups' change queue (:mod:`data.rollup_capture`'s triggers note every
    change of a case with the region it had) holds the changes not yet applied, and its
    rows leave it only with ``rollup_state.applied`` moving on, which sends this back to
    a whole count. Time passing touches the regions of the cases whose deadline, report,
    closing or voiding lies between the two moments (:func:`_crossed`, index ranges). A
    new local day, other regions (``regions``: :func:`data.wall.regions_fingerprint`), a
    count more than :data:`MAX_GAP` old or more than :data:`MAX_TOUCHED` regions touched:
    everything is counted again. A region counted twice is counted right twice: a change
    seen early is simply counted again later."""
    key = ("live", None if region is None else region.id)
    windows = Windows.at(now, tz)
    held = cache.get(key)
    # SQLite has one writer at a time, so a queue row's number is its commit order: only
    # the rows after the last one seen are read. PostgreSQL's writers may commit out of
    # order: the whole queue is read (it holds the changes since the last apply) and the
    # rows seen are told apart by number
    ordered = conn.dialect.name == "sqlite"
    after = -1  # PostgreSQL: every row
    if ordered:  # SQLite: those after the last seen; none for a whole count (its number)
        after = _NONE_AFTER if held is None or held.last is None else held.last
    queued = _queued(conn, after)  # read BEFORE counting: what commits after is seen next
    rows = None
    if (held is not None and queued.applied is not None and held.applied == queued.applied
            and held.regions == regions and held.windows == windows
            and abs(now - held.at) <= MAX_GAP and len(held.values) == len(tree.ids)):
        touched = set()
        for seq, moved in queued.rows.items():
            if seq not in held.seen:
                touched.update(moved)
        touched.update(_crossed(conn, min(held.at, now), max(held.at, now)))
        if len(touched) <= MAX_TOUCHED:
            rows = np.unique(tree.rows_of(np.fromiter(touched, dtype=np.int64,
                                                      count=len(touched))))
            values = held.values
            if len(rows):
                values = values.copy()
                ids = tree.id_array[rows].tolist()
                values[rows] = _count(conn, tree, now, tz, regions=ids)[rows]
    if rows is None:
        values = _count(conn, tree, now, tz)
    cache[key] = Held(regions, windows, now, queued.applied, queued.last,
                      frozenset() if ordered else frozenset(queued.rows), values)
    return pd.DataFrame(values, index=tree.index, columns=_COLUMN_INDEX, copy=False), rows


_COLUMN_INDEX = pd.Index(COLUMNS)
_NONE_AFTER = 2 ** 62  # a queue row number above any: the queue's rows are not read


def _queued(conn: Connection, after: int) -> Queued:
    """The rollups' change queue, for :func:`held_live`: the rows numbered above
    ``after``, in one statement (one snapshot: the applied count, the highest number and
    the rows agree)."""
    if not _capturing(conn):
        return Queued(None, None, {})
    statement = _QUEUE.get("statement")
    if statement is None:
        q, c = RollupQueue, Case
        # no state row yet: never applied (the first apply makes it, data.rollups._lock)
        number = cast(null(), Integer)
        state = select(func.coalesce(func.max(RollupState.applied), 0),
                       select(func.max(q.seq)).scalar_subquery(), cast(null(), Text),
                       number, number, number)
        changes = (select(number, q.seq, q.kind, q.o_region_id, c.id, c.region_id)
                   .select_from(q).outerjoin(c, c.id == q.case_id)
                   .where(q.seq > bindparam("after", type_=Integer),
                          q.kind.in_(("ci", "cu", "cd"))).limit(MAX_QUEUED + 1))
        statement = _QUEUE["statement"] = union_all(state, changes.subquery().select())
    applied, last, rows = None, None, {}
    for first, seq, kind, old, case_id, now_region in conn.execute(statement,
                                                                   {"after": after}):
        if kind is None:  # the state row: applied, highest number
            applied, last = first, seq
            continue
        moved = set()
        if kind != "ci":
            moved.add(-1 if old is None else old)
        if case_id is not None:
            moved.add(-1 if now_region is None else now_region)
        rows[seq] = tuple(moved)
    if len(rows) > MAX_QUEUED or applied is None:
        return Queued(None, None, {})
    # an empty queue: numbering starts again at 1 (rows leave only with ``applied`` moving)
    return Queued(int(applied), 0 if last is None else int(last), rows)


_QUEUE: dict[str, object] = {}
_CAPTURING: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def _capturing(conn: Connection) -> bool:
    """Whether the store notes its changes in the rollups' queue: the tables and every
    capture trigger are there (remembered per engine once they are; without them every
    refresh counts everything)."""
    if conn.engine in _CAPTURING:
        return True
    wanted = {"sqlite": set(rollup_capture.TRIGGER_NAMES),
              "postgresql": {"rollup_case", "rollup_event"}}.get(conn.dialect.name)
    if wanted and rollups.has_tables(conn) and wanted <= rollup_capture.present(conn):
        _CAPTURING.add(conn.engine)
        return True
    return False


def _crossed(conn: Connection, first: datetime, last: datetime) -> set[int]:
    """The regions (-1 for none) of the cases whose counts may differ between the moments
    ``first`` and ``last`` with no change to them: a deadline passed (overdue) or passed
    :data:`LONG_UNFIXED` ago, or a report, closing or voiding dated between them. Index
    ranges of a few seconds' cases."""
    if first == last:
        return set()
    statement = _QUEUE.get("crossed")
    if statement is None:
        c = Case
        lo, hi = bindparam("lo", type_=DateTime), bindparam("hi", type_=DateTime)
        long_lo = bindparam("long_lo", type_=DateTime)
        long_hi = bindparam("long_hi", type_=DateTime)
        place = func.coalesce(c.region_id, -1)
        statement = _QUEUE["crossed"] = union(*(
            select(place).where(column >= low, column <= high)
            for column, low, high in ((c.due_at, lo, hi), (c.due_at, long_lo, long_hi),
                                      (c.reported_at, lo, hi), (c.closed_at, lo, hi),
                                      (c.voided_at, lo, hi))))
    params = {"lo": first, "hi": last, "long_lo": first - LONG_UNFIXED,
              "long_hi": last - LONG_UNFIXED}
    return {int(r) for (r,) in conn.execute(statement, params)}
