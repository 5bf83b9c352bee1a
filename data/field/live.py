"""The patrol feed from officers' phones: start a patrol, stop it, add a batch of timed GPS
fixes. :mod:`dashboard.patrol_api` serves it (``POST /api/patrols``, ``POST
/api/patrols/ID/points``) with an officer's API key; any script may call it too.

The rules, each tested in ``tests/data/field/test_live.py``:

* **Whose.** An officer reaches only their own patrols: another officer's patrol id is
  :class:`PatrolNotFound`, worded exactly as an id that does not exist, so ids tell nothing.
  An officer the roster lists as inactive (``officer_roster.active`` False) is refused
  (:class:`OfficerRefused`).
* **One open patrol per officer.** Starting while one is open returns it (``result``
  ``already_open``), unless it has been silent for longer than the patrol gap (a phone that
  died without stopping): that one is closed at its last fix and a new one starts
  (``closed_patrol_id`` names it).
* **A retried start** with the same client key (the API's ``Idempotency-Key``) within
  :data:`IDEMPOTENCY_WINDOW` returns the patrol the first one started, open or stopped
  (``result`` ``replayed``). The key is kept in the start's audit row: ``patrols`` has no
  column for it until the migrations of issue 15.
* **Where.** ``patrols.region_id`` is the officer's home grid (``officers.region_id``);
  an officer without one sends the start with a position (``lon``, ``lat``), whose grid it
  is (:func:`data.field.tracks.locate_points`) and which is kept as the first fix.
* **Times** are ISO 8601 text with an offset (``2026-11-18T10:00:00+08:00``, ``...Z``):
  a time without one is refused, never read in some zone (a phone knows its offset; a
  guessed zone draws a track hours off). A Python ``datetime`` is taken as the store takes
  times: naive is UTC. A start or stop time may be :data:`FUTURE_SKEW` ahead of the
  server's clock and :data:`MAX_LATE` behind it.
* **A fix**: ``at``, ``lon`` in [-180, 180], ``lat`` in [-90, 90] (numbers, not text),
  ``accuracy_m`` optional (a number, 0 or more: checked, not kept: ``patrol_points`` has no
  column for it); at most :data:`FUTURE_SKEW` ahead of the server's clock, not before the
  patrol's start minus :data:`START_SKEW`, and on a stopped patrol not after its end
  (phones upload late: the patrol's own fixes are still taken after the stop). Other
  members of a fix are ignored.
* **Duplicates and order.** A fix at the same instant as a stored one, or as one before it
  in the batch, is skipped and counted (the first one stays). Fixes out of order are
  taken and counted: the track is read by time.
* **A batch is taken whole or refused whole**: more than ``max_points`` fixes is
  :class:`BatchTooLarge` before the store is touched; any bad fix is :class:`Refused`
  naming every problem (its index, field and code), and nothing is written.
* **One transaction per write**: the patrol or its fixes, the patrol's visits and distance
  (:func:`data.field.tracks.rebuild_visits`), the data version (walls redraw: the wall's
  officers layer shows the latest fix) and the audit row.

Concurrent writes of one officer are serialised on the officer's row (a no-op update, the
first statement of each write), so two starts never make two open patrols and two batches
never store the same instant twice.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numpy as np
from sqlalchemy import Connection, Engine, func, insert, select, update

from data import audit, store
from data.field import tracks
from data.models import AuditEntry, Officer, OfficerRoster, Patrol, PatrolPoint, Region

#: How far ahead of the server's clock a phone's time may be (clocks drift).
FUTURE_SKEW = timedelta(minutes=5)
#: How long before its patrol's start a fix may be (the phone's first fix came first).
START_SKEW = timedelta(minutes=2)
#: How late a start or stop may be sent (a phone offline for a day).
MAX_LATE = timedelta(hours=24)
#: How long a start's client key is remembered.
IDEMPOTENCY_WINDOW = timedelta(hours=24)
#: A client key: 1 to this many printable ASCII characters.
CLIENT_KEY_MAX = 128

STARTED, ALREADY_OPEN, REPLAYED = "started", "already_open", "replayed"
STOPPED, ALREADY_STOPPED = "stopped", "already_stopped"


class Problem(NamedTuple):
    """One thing wrong with a request: ``index`` of the fix (None: not a fix's), ``field``
    (the caller's name), ``code`` (a stable word) and ``detail`` (one English sentence)."""

    index: int | None
    field: str
    code: str
    detail: str

    @property
    def where(self) -> str:
        """``points[3].at``, or the field alone."""
        return self.field if self.index is None else f"points[{self.index}].{self.field}"


class LiveError(Exception):
    """A write that was not done; nothing was written. ``key`` names why."""

    key = "patrol_refused"


class Refused(LiveError):
    """Bad input: ``problems`` names every one."""

    key = "patrol_bad_input"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("Refused needs at least one problem")
        super().__init__("; ".join(f"{p.where}: {p.detail}" for p in self.problems))


class PatrolNotFound(LiveError):
    """No patrol of this officer has this id (another officer's is not theirs)."""

    key = "patrol_not_found"

    def __init__(self, patrol_id: object) -> None:
        self.patrol_id = patrol_id
        super().__init__(f"no patrol {patrol_id!r} of yours")


class OfficerRefused(LiveError):
    """The officer is unknown or no longer active: they record no patrol."""

    def __init__(self, key: str, officer_id: int) -> None:
        self.key, self.officer_id = key, officer_id
        super().__init__(f"officer {officer_id}: "
                         + ("not active" if key == "officer_inactive" else "unknown"))


class BatchTooLarge(LiveError):
    """More fixes than a batch may carry; nothing was read."""

    key = "patrol_batch_too_large"

    def __init__(self, count: int, maximum: int) -> None:
        self.count, self.maximum = count, maximum
        super().__init__(f"{count} fixes: a batch carries at most {maximum}")


@dataclass(frozen=True)
class PatrolState:
    """A patrol after a start or a stop (times naive UTC). ``result``: :data:`STARTED`,
    :data:`ALREADY_OPEN`, :data:`REPLAYED`, :data:`STOPPED` or :data:`ALREADY_STOPPED`;
    ``closed_patrol_id``: the silent patrol a start closed, if it did."""

    id: int
    officer_id: int
    region_id: int
    region_code: str
    started_at: datetime
    ended_at: datetime | None
    fixes: int
    result: str
    closed_patrol_id: int | None = None

    @property
    def open(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class PointsResult:
    """What one batch did: fixes ``received``, ``added``, skipped as ``duplicates``,
    ``out_of_order`` among the added (earlier than a fix before them: stored, or sent
    before them in the batch); the patrol's ``fixes`` and its track's first and last time
    afterwards (naive UTC)."""

    patrol_id: int
    received: int
    added: int
    duplicates: int
    out_of_order: int
    fixes: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True)
class Fix:
    """One checked fix (``at`` naive UTC)."""

    index: int
    at: datetime
    lon: float
    lat: float


# --- reading the input ------------------------------------------------------------------------

def parse_time(value: object, field: str = "at", index: int | None = None
               ) -> tuple[datetime | None, Problem | None]:
    """``value`` as a naive UTC time, or the problem with it. Text is ISO 8601 with an
    offset (``Z`` too); a ``datetime`` is taken as the store takes it (naive: UTC)."""
    if isinstance(value, datetime):
        return store.naive_utc(value), None
    if not isinstance(value, str):
        return None, Problem(index, field, "not_a_time",
                             "expected ISO 8601 text such as 2026-11-18T10:00:00+08:00")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text) if 10 < len(text) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None:
        return None, Problem(index, field, "not_a_time",
                             f"{_quote(value)} is not an ISO 8601 time such as "
                             "2026-11-18T10:00:00+08:00")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None, Problem(index, field, "no_offset",
                             f"{_quote(value)} has no UTC offset; add one (+08:00 or Z)")
    return parsed.astimezone(timezone.utc).replace(tzinfo=None), None


def parse_client_key(value: object) -> str | None:
    """A start's client key (1 to :data:`CLIENT_KEY_MAX` printable ASCII characters), None
    for none; :class:`Refused` for anything else."""
    if value is None:
        return None
    if (not isinstance(value, str) or not 0 < len(value) <= CLIENT_KEY_MAX
            or not all(" " <= c <= "~" for c in value)):
        raise Refused([Problem(None, "Idempotency-Key", "bad_key",
                               f"1 to {CLIENT_KEY_MAX} printable ASCII characters")])
    return value


def _number(value: object, field: str, index: int | None, low: float, high: float
            ) -> tuple[float | None, Problem | None]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, Problem(index, field, "not_a_number",
                             f"expected a number, got {_quote(value)}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        return None, Problem(index, field, "out_of_range",
                             f"{_quote(value)} is outside {low:g} to {high:g}")
    return number, None


def parse_position(lon: object, lat: object, index: int | None = None
                   ) -> tuple[tuple[float, float] | None, list[Problem]]:
    """(lon, lat) checked as WGS-84 degrees, or the problems with them."""
    x, bad_x = _number(lon, "lon", index, -180.0, 180.0)
    y, bad_y = _number(lat, "lat", index, -90.0, 90.0)
    problems = [p for p in (bad_x, bad_y) if p is not None]
    return (None if problems else (x, y)), problems


def parse_fixes(points: object, max_points: int) -> tuple[list[Fix], list[Problem]]:
    """The batch's fixes as sent, checked on their own (not against a patrol), and every
    problem. :class:`BatchTooLarge` past ``max_points`` before a fix is looked at."""
    if not isinstance(points, list):
        return [], [Problem(None, "points", "not_a_list", "expected a list of fixes")]
    if len(points) > max_points:
        raise BatchTooLarge(len(points), max_points)
    if not points:
        return [], [Problem(None, "points", "empty", "expected at least one fix")]
    fixes, problems = [], []
    for index, item in enumerate(points):
        fix, found = _parse_fix(index, item)
        problems += found
        if fix is not None:
            fixes.append(fix)
    return fixes, problems


def _parse_fix(index: int, item: object) -> tuple[Fix | None, list[Problem]]:
    if not isinstance(item, Mapping):
        return None, [Problem(index, "fix", "not_an_object",
                              "expected an object with at, lon and lat")]
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for field, low, high in (("at", 0, 0), ("lon", -180.0, 180.0), ("lat", -90.0, 90.0),
                             ("accuracy_m", 0.0, 1e6)):
        raw = item.get(field)
        if raw is None:
            if field != "accuracy_m":
                problems.append(Problem(index, field, "missing", "required"))
            continue
        value, problem = (parse_time(raw, field, index) if field == "at"
                          else _number(raw, field, index, low, high))
        if problem is not None:
            problems.append(problem)
        values[field] = value
    if problems:
        return None, problems
    return Fix(index, values["at"], values["lon"], values["lat"]), []


def _quote(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# --- the officer and their patrol -----------------------------------------------------------------

def officer_active(conn: Connection, officer_id: int) -> bool:
    """Whether ``officer_id`` is an officer who may record patrols: known, and active on
    the roster (an officer with no roster row counts as active)."""
    row = conn.execute(select(Officer.id, OfficerRoster.active)
                       .outerjoin(OfficerRoster, OfficerRoster.officer_id == Officer.id)
                       .where(Officer.id == officer_id)).one_or_none()
    return row is not None and row.active is not False


def _lock_officer(conn: Connection, officer_id: int) -> int | None:
    """Serialise this officer's writes (a no-op update takes the row's lock on PostgreSQL
    and the write lock on SQLite, before anything is read); their home grid. Refuses an
    unknown or inactive officer."""
    found = conn.execute(update(Officer).where(Officer.id == officer_id)
                         .values(code=Officer.code).returning(Officer.region_id)).one_or_none()
    if found is None:
        raise OfficerRefused("officer_unknown", officer_id)
    if not officer_active(conn, officer_id):
        raise OfficerRefused("officer_inactive", officer_id)
    return found.region_id


def _patrol(conn: Connection, officer_id: int, patrol_id: object):
    """The officer's patrol ``patrol_id`` (with its region code): another officer's and a
    missing one alike raise :class:`PatrolNotFound`."""
    if isinstance(patrol_id, bool) or not isinstance(patrol_id, int) \
            or not 0 < patrol_id < 2**31:
        raise PatrolNotFound(patrol_id)
    row = conn.execute(select(Patrol.id, Patrol.officer_id, Patrol.region_id,
                              Region.code.label("region_code"), Patrol.started_at,
                              Patrol.ended_at)
                       .join(Region, Region.id == Patrol.region_id)
                       .where(Patrol.id == patrol_id, Patrol.officer_id == officer_id)
                       ).one_or_none()
    if row is None:
        raise PatrolNotFound(patrol_id)
    return row


def _track_span(conn: Connection, patrol_id: int) -> tuple[int, datetime | None,
                                                           datetime | None]:
    row = conn.execute(select(func.count(), func.min(PatrolPoint.at), func.max(PatrolPoint.at))
                       .where(PatrolPoint.patrol_id == patrol_id)).one()
    return int(row[0]), row[1], row[2]


def _state(conn: Connection, patrol_id: int, officer_id: int, result: str,
           closed: int | None = None) -> PatrolState:
    row = _patrol(conn, officer_id, patrol_id)
    fixes, _first, _last = _track_span(conn, patrol_id)
    return PatrolState(id=row.id, officer_id=row.officer_id, region_id=row.region_id,
                       region_code=row.region_code, started_at=row.started_at,
                       ended_at=row.ended_at, fixes=fixes, result=result,
                       closed_patrol_id=closed)


def _check_when(at: datetime, now: datetime, field: str = "at") -> None:
    if at > now + FUTURE_SKEW:
        raise Refused([Problem(None, field, "in_future",
                               f"{_utc(at)} is more than {_minutes(FUTURE_SKEW)} minutes "
                               "ahead of the server's clock")])
    if at < now - MAX_LATE:
        raise Refused([Problem(None, field, "too_old",
                               f"{_utc(at)} is more than "
                               f"{int(MAX_LATE.total_seconds() // 3600)} hours ago")])


def _utc(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _when(value: object, now: datetime) -> datetime:
    if value is None:
        return now
    at, problem = parse_time(value)
    if problem is not None:
        raise Refused([problem])
    _check_when(at, now)
    return at


def _who(who: audit.Who | None) -> audit.Who:
    return who if who is not None else audit.Who("live", audit.CLI)


# --- start ------------------------------------------------------------------------------------

def start_patrol(engine: Engine | Connection, officer_id: int, *, at: object = None,
                 client_key: str | None = None, lon: object = None, lat: object = None,
                 gap_minutes: int = 30, who: audit.Who | None = None,
                 now: datetime | None = None) -> PatrolState:
    """Start a patrol of ``officer_id`` (see the module for every rule).

    Parameters
    ----------
    at
        When it started: ISO 8601 text with an offset, or a datetime (naive: UTC); None:
        ``now``.
    client_key
        The caller's key for this start: a retry with it returns the same patrol.
    lon, lat
        Where the officer is (optional; needed when they have no home grid): kept as the
        new patrol's first fix.
    gap_minutes
        An open patrol silent longer than this is closed, not returned.
    who, now
        Who, for the audit row; the server's clock (naive UTC; default now).

    Raises
    ------
    Refused, OfficerRefused
    """
    now = store.naive_utc(now)
    started_at = _when(at, now)
    client_key = parse_client_key(client_key)
    position = None
    if lon is not None or lat is not None:
        position, problems = parse_position(lon, lat)
        if problems:
            raise Refused(problems)
    with store.transaction(engine) as conn:
        home = _lock_officer(conn, officer_id)
        if client_key is not None:
            replayed = _replayed(conn, officer_id, client_key, now)
            if replayed is not None:
                return _state(conn, replayed, officer_id, REPLAYED)
        closed = None
        current = _open_patrol(conn, officer_id)
        if current is not None:
            last = _track_span(conn, current.id)[2] or current.started_at
            if started_at - max(last, current.started_at) <= timedelta(minutes=gap_minutes):
                return _state(conn, current.id, officer_id, ALREADY_OPEN)
            closed = _close_silent(conn, current.id, max(last, current.started_at), who, now)
        region_id = home if home is not None else _region_of(conn, officer_id, position)
        patrol_id = conn.execute(insert(Patrol).values(
            officer_id=officer_id, region_id=region_id, started_at=started_at, ended_at=None,
            distance_m=0.0).returning(Patrol.id)).scalar_one()
        if position is not None:
            conn.execute(insert(PatrolPoint).values(patrol_id=patrol_id, at=started_at,
                                                    lon=position[0], lat=position[1]))
            tracks.rebuild_visits(conn, [patrol_id], gap_minutes=gap_minutes)
        state = _state(conn, patrol_id, officer_id, STARTED, closed)
        store.bump_data_version(conn)
        _audit(conn, audit.PATROL_STARTED, who, state, now, idempotency_key=client_key,
               started_at=started_at.isoformat(), closed_patrol_id=closed)
    return state


def _open_patrol(conn: Connection, officer_id: int):
    return conn.execute(select(Patrol.id, Patrol.started_at)
                        .where(Patrol.officer_id == officer_id, Patrol.ended_at.is_(None))
                        .order_by(Patrol.started_at.desc(), Patrol.id.desc()).limit(1)
                        ).one_or_none()


def _close_silent(conn: Connection, patrol_id: int, ended_at: datetime,
                  who: audit.Who | None, now: datetime) -> int:
    """Close a patrol its phone left open, at its last fix."""
    conn.execute(update(Patrol).where(Patrol.id == patrol_id).values(ended_at=ended_at))
    officer_id = conn.scalar(select(Patrol.officer_id).where(Patrol.id == patrol_id))
    _audit(conn, audit.PATROL_STOPPED, who, _state(conn, patrol_id, officer_id, STOPPED), now,
           why="silent")
    return patrol_id


def _region_of(conn: Connection, officer_id: int,
               position: tuple[float, float] | None) -> int:
    """The grid of the start's position, for an officer with no home grid."""
    code = conn.scalar(select(Officer.code).where(Officer.id == officer_id))
    if position is None:
        raise Refused([Problem(None, "lon", "no_region",
                               f"officer {code} has no home grid: send the start with "
                               "lon and lat")])
    found = tracks.locate_points(conn, np.array([position[0]]), np.array([position[1]]))
    if len(found) == 0 or int(found[0]) < 0:
        raise Refused([Problem(None, "lon", "outside",
                               f"officer {code} has no home grid and ({position[0]:g}, "
                               f"{position[1]:g}) is in no grid")])
    return int(found[0])


def _replayed(conn: Connection, officer_id: int, client_key: str, now: datetime
              ) -> int | None:
    """The patrol a start of this officer with ``client_key`` made within
    :data:`IDEMPOTENCY_WINDOW`, from the starts' audit rows."""
    rows = conn.execute(select(AuditEntry.detail).where(
        AuditEntry.event == audit.PATROL_STARTED,
        AuditEntry.at >= now - IDEMPOTENCY_WINDOW,
        AuditEntry.detail.contains(json.dumps(client_key), autoescape=True))).scalars()
    for text in rows:
        try:
            detail = json.loads(text)
        except ValueError:
            continue
        if (detail.get("officer_id") == officer_id
                and detail.get("idempotency_key") == client_key):
            return int(detail["patrol_id"])
    return None


# --- stop -------------------------------------------------------------------------------------

def stop_patrol(engine: Engine | Connection, officer_id: int, patrol_id: object, *,
                at: object = None, who: audit.Who | None = None,
                now: datetime | None = None) -> PatrolState:
    """Stop the officer's patrol ``patrol_id`` at ``at`` (as :func:`start_patrol` reads
    it; None: now). Its end is never before its last stored fix. A stopped patrol is
    returned as it is (``already_stopped``: a retried stop changes nothing).

    Raises
    ------
    PatrolNotFound, Refused, OfficerRefused
    """
    now = store.naive_utc(now)
    ended_at = _when(at, now)
    with store.transaction(engine) as conn:
        _lock_officer(conn, officer_id)
        patrol = _patrol(conn, officer_id, patrol_id)
        if patrol.ended_at is not None:
            return _state(conn, patrol.id, officer_id, ALREADY_STOPPED)
        if ended_at < patrol.started_at:
            raise Refused([Problem(None, "at", "before_start",
                                   f"the patrol started at {_utc(patrol.started_at)}, "
                                   f"after {_utc(ended_at)}")])
        last = _track_span(conn, patrol.id)[2]
        ended_at = max(ended_at, last) if last is not None else ended_at
        conn.execute(update(Patrol).where(Patrol.id == patrol.id).values(ended_at=ended_at))
        state = _state(conn, patrol.id, officer_id, STOPPED)
        store.bump_data_version(conn)
        _audit(conn, audit.PATROL_STOPPED, who, state, now, ended_at=ended_at.isoformat())
    return state


# --- points -----------------------------------------------------------------------------------

def add_points(engine: Engine | Connection, officer_id: int, patrol_id: object,
               fixes: Sequence[Mapping[str, Any]], *, max_points: int, gap_minutes: int = 30,
               who: audit.Who | None = None, now: datetime | None = None) -> PointsResult:
    """Add a batch of fixes (each ``{"at", "lon", "lat", "accuracy_m"?}`` as sent) to the
    officer's patrol ``patrol_id``: all of them or none (see the module for the rules).

    Raises
    ------
    BatchTooLarge
        More than ``max_points`` fixes (before anything else is looked at).
    PatrolNotFound, OfficerRefused
    Refused
        Naming every bad fix (index, field, code); nothing was written.
    """
    now = store.naive_utc(now)
    checked, problems = parse_fixes(fixes, max_points)
    with store.transaction(engine) as conn:
        _lock_officer(conn, officer_id)
        patrol = _patrol(conn, officer_id, patrol_id)
        problems += _against_patrol(checked, patrol, now)
        if problems:
            raise Refused(sorted(problems, key=lambda p: -1 if p.index is None else p.index))
        rows, duplicates, out_of_order = _new_rows(conn, patrol.id, checked)
        if rows:
            conn.execute(insert(PatrolPoint), rows)
            tracks.rebuild_visits(conn, [patrol.id], gap_minutes=gap_minutes)
            store.bump_data_version(conn)
        total, first_at, last_at = _track_span(conn, patrol.id)
        result = PointsResult(patrol_id=patrol.id, received=len(checked), added=len(rows),
                              duplicates=duplicates, out_of_order=out_of_order, fixes=total,
                              first_at=first_at, last_at=last_at)
        _audit(conn, audit.PATROL_POINTS, who, patrol, now, received=result.received,
               added=result.added, duplicates=duplicates, out_of_order=out_of_order)
    return result


def _new_rows(conn: Connection, patrol_id: int, fixes: list[Fix]
              ) -> tuple[list[dict], int, int]:
    """The rows of the fixes not stored yet (in the order sent), the duplicates skipped
    and how many of the rows come before a fix stored or sent before them."""
    stored = set(conn.execute(select(PatrolPoint.at).where(
        PatrolPoint.patrol_id == patrol_id,
        PatrolPoint.at.between(min(f.at for f in fixes), max(f.at for f in fixes))
    )).scalars())
    latest = _track_span(conn, patrol_id)[2]
    rows, duplicates, out_of_order = [], 0, 0
    for fix in fixes:
        if fix.at in stored:
            duplicates += 1
            continue
        if latest is not None and fix.at < latest:
            out_of_order += 1
        latest = fix.at if latest is None else max(latest, fix.at)
        stored.add(fix.at)
        rows.append({"patrol_id": patrol_id, "at": fix.at, "lon": fix.lon, "lat": fix.lat})
    return rows, duplicates, out_of_order


def _against_patrol(fixes: list[Fix], patrol, now: datetime) -> list[Problem]:
    """The problems of well-formed fixes with this patrol and the server's clock."""
    problems = []
    earliest = patrol.started_at - START_SKEW
    for fix in fixes:
        if fix.at > now + FUTURE_SKEW:
            problems.append(Problem(fix.index, "at", "in_future",
                                    f"more than {_minutes(FUTURE_SKEW)} minutes ahead of "
                                    "the server's clock"))
        elif fix.at < earliest:
            problems.append(Problem(fix.index, "at", "before_start",
                                    f"more than {_minutes(START_SKEW)} minutes before the "
                                    f"patrol started ({_utc(patrol.started_at)})"))
        elif patrol.ended_at is not None and fix.at > patrol.ended_at:
            problems.append(Problem(fix.index, "at", "after_end",
                                    f"after the patrol was stopped "
                                    f"({_utc(patrol.ended_at)})"))
    return problems


# --- the audit row ----------------------------------------------------------------------------

def _audit(conn: Connection, event: str, who: audit.Who | None, patrol: Any,
           now: datetime, **facts: object) -> None:
    """The write's audit row, in its transaction: which patrol (a :class:`PatrolState` or
    a row of :func:`_patrol`), whose, where."""
    detail = {"patrol_id": patrol.id, "officer_id": patrol.officer_id,
              **{k: v for k, v in facts.items() if v is not None}}
    audit.record(conn, event, _who(who), target=f"patrol {patrol.id}",
                 region=patrol.region_code, detail=detail, at=now, result=audit.OK)
