"""The one path that makes every new case, whatever door it came through.

:func:`preview` says what a new case would become before it is saved (the hotline desk
shows it): its grid, category, department, deadline and suspected duplicates.
:func:`create_case` saves it, in one transaction: the case, its ``report`` event naming the
door, its ``case_intake`` row, its photos, its duplicate hints and the data version, so a
wall's next refresh shows it. Either all of it is written or none (photos already written
to disk are removed again when the transaction fails).

Decisions, deliberately:

* The deadline (``due_at``) is counted from the report, with the category's time limit
  (:func:`data.deadlines.deadline`, working days from the store's calendar), so a new case
  shows when it is due from the first minute. Dispatching it re-dates it from the dispatch
  as :mod:`data.workflow` does for every case.
* The case's code is ``SJ`` + the local date + a 7-digit serial drawn from the counter
  ``meta.intake_serial`` (``SJ202611180000042``): unique across doors and servers, and
  never the demo's (5 digits after the date) or its feed's (20 digits) codes.
* The reporter (``cases.reporter``) is the name given, else, for an officer's key, the
  officer's name. The phone is kept only in ``case_intake.reporter_phone``.
* 就地解决 (resolved on the spot) is an officer's alone (a door with ``officer_id``): the
  case is born ``resolved`` at grid level, filed, dispatched and resolved at the report's
  moment, with the officer on it, and history ``report``, ``file``, ``resolve``; the
  in-grid resolution rate counts it (:data:`data.metric_registry.METRICS`).
* An ``idempotency_key`` finds the first case made with it by the same API key (the desk:
  by the same user), which is returned (``replayed``) and nothing is written. Two requests
  racing with one key under an API key meet the unique constraint: the loser's
  transaction is rolled back and it returns the winner's case. (The desk has no key id,
  so a race there is not guarded by the constraint; a person does not race themselves.)
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from data import audit as audit_log
from data import schema, store
from data.deadlines import LIMIT_COLUMNS, deadline, limit_for
from data.holidays import work_calendar
from data.intake import media
from data.intake.duplicates import Suspect, find_suspects, flag
from data.intake.fields import FIELDS, IntakeRefused, NewCase, Problem, bad_characters
from data.intake.placement import Placement, locator, place
from data.models import (
    Case, CaseEvent, CaseIntake, CaseLink, Category, Department, Officer, category_by_code,
)

#: The ``meta`` counter case codes are numbered by.
SERIAL_KEY = "intake_serial"
#: The note of the ``resolve`` event of a case resolved on the spot without a note.
ON_SPOT_NOTE = "就地解决"
#: The longest ``Idempotency-Key`` kept (``case_intake.idempotency_key``).
KEY_LENGTH = 128


# The statements every new case runs, built once (building a statement costs more than
# running it on a small table).
_CATEGORY = category_by_code(
    select(Category.case_class, Category.category, Category.subcategory,
           Category.department_id, Department.name, *LIMIT_COLUMNS)
    .outerjoin(Department, Department.id == Category.department_id), bindparam("code"))
_REPLAY = (select(CaseIntake.case_id, Case.code, Case.due_at)
           .join(Case, Case.id == CaseIntake.case_id)
           .where(CaseIntake.idempotency_key == bindparam("key")))
_REPLAY_BY_API_KEY = _REPLAY.where(CaseIntake.api_key_id == bindparam("api_key_id")).limit(1)
_REPLAY_AT_DESK = _REPLAY.where(CaseIntake.api_key_id.is_(None),
                                CaseIntake.door == bindparam("door"),
                                CaseIntake.user_name == bindparam("user_name")).limit(1)
_LINKED = (select(CaseLink.other_id)
           .where(CaseLink.case_id == bindparam("case_id"), CaseLink.kind == schema.DUPLICATE)
           .order_by(CaseLink.id))
_OFFICER_NAME = select(Officer.name).where(Officer.id == bindparam("officer_id"))
_INSERT_CASE = insert(Case)
_INSERT_EVENT = insert(CaseEvent)
_INSERT_INTAKE = insert(CaseIntake)


@dataclass(frozen=True)
class Door:
    """Who brings a case in: the door's ``kind`` (:data:`data.schema.OPEN311` or
    :data:`~data.schema.DESK`), the ``source`` channel the case gets
    (:data:`data.schema.SOURCES`), the ``actor`` named in its history (the API key's or
    the operator's name), the region it may file under (``region_id``; None: anywhere), and
    the API key, grid officer and signed-in user behind it, as far as there are any."""

    kind: str
    source: str
    actor: str
    region_id: int | None = None
    api_key_id: int | None = None
    officer_id: int | None = None
    user_name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in schema.DOORS:
            raise ValueError(f"door kind must be one of {schema.DOORS}, got {self.kind!r}")
        if self.source not in schema.SOURCES:
            raise ValueError(f"source must be one of {schema.SOURCES}, got {self.source!r}")
        if not isinstance(self.actor, str) or not self.actor.strip():
            raise ValueError("a door must name its actor")


@dataclass(frozen=True)
class Preview:
    """What a new case would become: where it lands, its category row (class, category,
    subcategory, department, time limit), its deadline (naive UTC) and its suspects."""

    placement: Placement
    case_class: str
    category: str
    subcategory: str
    department_id: int | None
    department_name: str | None
    time_limit: float
    time_unit: str
    due_at: datetime | None
    suspects: tuple[Suspect, ...]


@dataclass(frozen=True)
class Created:
    """A case made (or found again, ``replayed``), with the older cases it may repeat and
    its deadline (naive UTC; what the caller is told to expect)."""

    case_id: int
    code: str
    replayed: bool
    suspected: tuple[int, ...]
    due_at: datetime | None = None


def unknown_service(code: str) -> Problem:
    """The problem of a service code no category has."""
    return Problem("service_code", "unknown_service", f"no service has the code {code!r}")


def service_problem(conn: Connection, values: Mapping[str, object]) -> Problem | None:
    """``unknown_service`` when ``values`` name a service code (as text) no category has:
    a door whose other fields were refused names this one in the same answer."""
    code = values.get("service_code")
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        return None  # missing or malformed: parse_new_case names it
    if conn.execute(_CATEGORY, {"code": code.strip()}).first() is not None:
        return None
    return unknown_service(code.strip())


def door_note(door: Door) -> str:
    """The ``report`` event's note: which door, and whose key or desk
    (``open311 · key hotline-12345``, ``desk · operator1``)."""
    if door.api_key_id is not None:
        return f"{door.kind} · key {door.actor.removeprefix('key:')}"
    return f"{door.kind} · {door.user_name or door.actor}"


def preview(conn: Connection, new: NewCase, door: Door, now: datetime, *,
            radius_m: float = 50.0, hours: float = 72.0, tz: ZoneInfo | None = None
            ) -> Preview:
    """What ``new`` would become if ``door`` filed it at ``now`` (naive UTC); ``tz`` is
    the deployment's time zone when the caller has read it already.

    Raises
    ------
    IntakeRefused
        Every problem at once: the placement's (``outside_regions``, ``unknown_region``),
        ``unknown_service`` (no category has ``service_code`` as its code),
        ``region_not_allowed`` (the case lands outside the door's region) and
        ``not_allowed`` (``resolved_on_spot`` from a door without an officer).
    """
    problems: list[Problem] = []
    placement = None
    try:
        placement = place(conn, lon=new.lon, lat=new.lat, region_code=new.region_code)
    except IntakeRefused as refused:
        problems += refused.problems
    row = conn.execute(_CATEGORY, {"code": new.service_code}).first()
    if row is None:
        problems.append(unknown_service(new.service_code))
    if placement is not None and door.region_id is not None \
            and not locator(conn).within(placement.region_id, door.region_id):
        field = "region_code" if placement.method == schema.LOCATED_BY_CODE else "lat"
        problems.append(Problem(field, "region_not_allowed",
                                f"{placement.region_code} lies outside the region this "
                                "door may file in"))
    if new.resolved_on_spot and door.officer_id is None:
        problems.append(Problem("resolved_on_spot", "not_allowed",
                                "only a grid officer's key may resolve a case on the spot"))
    if problems:
        order = {name: i for i, name in enumerate(FIELDS)}
        raise IntakeRefused(sorted(problems, key=lambda p: order.get(p.field, len(order))))
    assert placement is not None and row is not None
    time_limit, time_unit = limit_for(row, new.urgent)
    calendar = work_calendar(conn) if time_unit in schema.CALENDAR_UNITS else None
    due_at = deadline(now, time_limit, time_unit, tz or store.deployment_timezone(conn),
                      calendar)
    suspects = find_suspects(conn, subcategory=row.subcategory, lon=placement.lon,
                             lat=placement.lat, region_id=placement.region_id, now=now,
                             radius_m=radius_m, hours=hours)
    return Preview(placement, row.case_class, row.category, row.subcategory,
                   row.department_id, row.name, time_limit, time_unit, due_at,
                   tuple(suspects))


def create_case(engine: Engine | Connection, new: NewCase, door: Door,
                now: datetime | None = None, *, idempotency_key: str | None = None,
                photos: Sequence[media.Photo] = (), media_dir: Path | None = None,
                radius_m: float = 50.0, hours: float = 72.0,
                audit: audit_log.Who | None = None) -> Created:
    """Save a new case, in one transaction; see the module for what is written.

    Parameters
    ----------
    engine
        The store (a connection already in a transaction is used as it is).
    new
        The case, checked by :func:`data.intake.fields.parse_new_case`.
    door
        Who brings it in.
    now
        When it was reported (naive UTC, or aware and converted; default: now).
    idempotency_key
        A retried request's key: the first case made with it is returned, nothing written.
    photos
        Photos prepared by :func:`data.intake.media.prepare`, kept under ``media_dir``.
    radius_m, hours
        How near and how recent an open case of the same subcategory is a suspect.
    audit
        Who files it and from where: the audit log's ``case_action`` row (action
        ``report``) is written in the same transaction (a replay writes none).

    Raises
    ------
    IntakeRefused
        As :func:`preview` does, or for an unusable ``idempotency_key``; nothing written.
    sqlalchemy.exc.SQLAlchemyError
        The store failed; nothing written, no photo left on disk.
    """
    now = store.naive_utc(now)
    key = _idempotency_key(idempotency_key)
    written: list[Path] = []
    try:
        with _one_writer(engine), store.transaction(engine) as conn:
            if key is not None:
                first = _replay(conn, door, key)
                if first is not None:
                    return first
            tz = store.deployment_timezone(conn)
            seen = preview(conn, new, door, now, radius_m=radius_m, hours=hours, tz=tz)
            case_id, code = _insert_case(conn, new, door, seen, now, tz)
            _insert_history(conn, case_id, new, door, now)
            conn.execute(_INSERT_INTAKE, {
                "case_id": case_id, "door": door.kind, "api_key_id": door.api_key_id,
                "user_name": door.user_name, "officer_id": door.officer_id,
                "reporter_phone": new.reporter_phone, "idempotency_key": key,
                "received_at": now})
            if photos:
                written = _store_photos(conn, case_id, photos, media_dir)
            flag(conn, case_id, seen.suspects, now)
            if audit is not None:
                audit_log.record_case_action(
                    conn, audit, action="report", case_id=case_id, code=code, ok=True,
                    at=now, detail={"door": door.kind, "source": door.source,
                                    "region": seen.placement.region_code})
            store.bump_data_version(conn)
    except IntegrityError:
        _remove_photos(written)
        if key is not None and isinstance(engine, Engine):
            with engine.connect() as conn:  # a racing request with the same key won
                first = _replay(conn, door, key)
            if first is not None:
                return first
        raise
    except BaseException:
        _remove_photos(written)
        raise
    return Created(case_id, code, False, tuple(s.case_id for s in seen.suspects), seen.due_at)


#: SQLite lets one connection write at a time; a second one waits in SQLite's busy handler,
#: which sleeps in growing steps (up to 100 ms) and retries. This process' writers of new
#: cases queue here instead, in order, each starting its transaction when the last ended
#: (another process still waits in SQLite's handler, as before).
_SQLITE_WRITER = threading.Lock()


def _one_writer(engine: Engine | Connection):
    if isinstance(engine, Engine) and engine.dialect.name == "sqlite":
        return _SQLITE_WRITER
    return nullcontext()


def _idempotency_key(key: object) -> str | None:
    """The key as kept (stripped; blank is none), or a refusal naming what is wrong."""
    if key is None:
        return None
    if not isinstance(key, str):
        raise IntakeRefused([Problem("idempotency_key", "wrong_type",
                                     "the Idempotency-Key must be text")])
    key = key.strip()
    if not key:
        return None
    if len(key) > KEY_LENGTH:
        raise IntakeRefused([Problem("idempotency_key", "too_long",
                                     f"the Idempotency-Key holds {len(key)} characters; "
                                     f"at most {KEY_LENGTH} are kept")])
    why = bad_characters(key)
    if why is not None:
        raise IntakeRefused([Problem("idempotency_key", "bad_text",
                                     f"the Idempotency-Key {why}")])
    return key


def _replay(conn: Connection, door: Door, key: str) -> Created | None:
    """The case made earlier with ``key`` by the same API key (the desk: the same user)."""
    if door.api_key_id is not None:
        row = conn.execute(_REPLAY_BY_API_KEY, {"key": key, "api_key_id": door.api_key_id}
                           ).first()
    elif door.user_name is not None:
        row = conn.execute(_REPLAY_AT_DESK, {"key": key, "door": door.kind,
                                             "user_name": door.user_name}).first()
    else:  # nobody to tell one caller's keys from another's: no replay
        return None
    if row is None:
        return None
    others = conn.scalars(_LINKED, {"case_id": row.case_id}).all()
    return Created(row.case_id, row.code, True, tuple(others), row.due_at)


def _insert_case(conn: Connection, new: NewCase, door: Door, seen: Preview,
                 now: datetime, tz: ZoneInfo) -> tuple[int, str]:
    """The case row (its code dated by the local day in ``tz``); returns its id and code."""
    local_day = now.replace(tzinfo=timezone.utc).astimezone(tz)
    code = f"SJ{local_day:%Y%m%d}{store.next_serial(conn, SERIAL_KEY):07d}"
    reporter = new.reporter_name
    if reporter is None and door.officer_id is not None:
        reporter = conn.scalar(_OFFICER_NAME, {"officer_id": door.officer_id})
    where = seen.placement
    values = dict(
        code=code, case_class=seen.case_class, category=seen.category,
        subcategory=seen.subcategory, source=door.source, status=schema.REPORTED,
        urgent=new.urgent, description=new.description, address=new.address,
        lon=where.lon, lat=where.lat, region_id=where.region_id,
        location_method=where.method, department_id=seen.department_id, reporter=reporter,
        reported_at=now, due_at=seen.due_at, version=1, updated_at=now)
    if new.resolved_on_spot:
        values.update(status=schema.RESOLVED, filed_at=now, dispatched_at=now,
                      resolved_at=now, resolved_level=schema.GRID_LEVEL,
                      officer_id=door.officer_id)
    case_id = conn.execute(_INSERT_CASE, values).inserted_primary_key[0]
    return int(case_id), code


def _insert_history(conn: Connection, case_id: int, new: NewCase, door: Door,
                    now: datetime) -> None:
    """The ``report`` event naming the door; for a case resolved on the spot, its
    ``file`` and ``resolve`` events too (in that order, at the same moment)."""
    events = [("report", None, schema.REPORTED, door_note(door))]
    if new.resolved_on_spot:
        events += [("file", schema.REPORTED, schema.FILED, None),
                   ("resolve", schema.FILED, schema.RESOLVED,
                    new.resolution_note or ON_SPOT_NOTE)]
    conn.execute(_INSERT_EVENT, [
        {"case_id": case_id, "action": action, "from_status": before, "to_status": after,
         "actor": door.actor, "note": note, "at": now}
        for action, before, after, note in events])


def _store_photos(conn: Connection, case_id: int, photos: Sequence[media.Photo],
                  media_dir: Path | None) -> list[Path]:
    """The photos written under ``media_dir`` with their ``case_media`` rows."""
    if media_dir is None:
        raise ValueError("photos need a media_dir to be kept in")
    return media.store(conn, case_id, photos, media_dir)


def _remove_photos(paths: list[Path]) -> None:
    """Take back the files of a case that was not saved."""
    media.remove(paths)
