"""The store's tables as typed SQLAlchemy 2 models.

Times are stored as naive UTC datetimes; the deployment's time zone (``meta.timezone``)
turns them into local days and hours. Geometry is stored as WKB and handled with shapely,
so SQLite and PostgreSQL hold exactly the same bytes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    case,
    column,
    func,
    or_,
)
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from data.schema import OPEN_STATUSES


class Base(DeclarativeBase):
    """Declarative base of every table of the store."""


class Meta(Base):
    """Key/value facts about the deployment: time zone, centre name, data version."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RegionLevel(Base):
    """A level of the region hierarchy; levels are data, named per deployment."""

    __tablename__ = "region_levels"

    depth: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(64), default="")


class Region(Base):
    """A district, town, community, grid (or whatever the deployment's levels are)."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(64))
    depth: Mapped[int] = mapped_column(Integer, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary)
    centroid_lon: Mapped[float | None] = mapped_column(Float)
    centroid_lat: Mapped[float | None] = mapped_column(Float)
    min_lon: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)


class RegionAncestor(Base):
    """Closure table: one row per (ancestor, descendant) pair, itself included at distance 0.

    It lets one ``GROUP BY`` count a region's cases and each child's in a single query.
    """

    __tablename__ = "region_ancestors"

    ancestor_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id"), primary_key=True, index=True
    )
    distance: Mapped[int] = mapped_column(Integer)


class Department(Base):
    """A department cases are dispatched to (城管局, 住建局, ... or LA's BOS, LASAN)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Officer(Base):
    """A grid officer (网格员), attached to the grid they patrol."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))


class Category(Base):
    """One row of the routing table: subcategory → class, department, time limit."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    case_class: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(100))
    subcategory: Mapped[str] = mapped_column(String(100), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    time_limit: Mapped[float] = mapped_column(Float)
    time_unit: Mapped[str] = mapped_column(String(16))
    #: the time limit of an urgent case (急要件) of the subcategory, where the table gives one
    urgent_time_limit: Mapped[float | None] = mapped_column(Float)
    urgent_time_unit: Mapped[str | None] = mapped_column(String(16))
    #: the Open311 service code the category table gives, where it differs from ``code``
    service_code: Mapped[str | None] = mapped_column(String(64))
    filing_condition: Mapped[str | None] = mapped_column(Text)
    closing_condition: Mapped[str | None] = mapped_column(Text)


def category_by_code(query, code):
    """``query`` (a select over categories) narrowed to the one category a service code
    names: its Open311 ``service_code`` where the table gives one (preferred), else its own
    ``code``, which the desk, the alerts and the Open311 door always accept too (issue 17)."""
    return (query.where(or_(Category.service_code == code, Category.code == code))
            .order_by(case((Category.service_code == code, 0), else_=1)).limit(1))


#: The Open311 ``service_code`` a category is listed under: the table's, else its code.
CATEGORY_SERVICE_CODE = func.coalesce(Category.service_code, Category.code)


class HolidayDay(Base):
    """A day the centre marks off or on itself, over the holiday calendar of the
    ``chinesecalendar`` package (:mod:`data.holidays`): working days count deadlines."""

    __tablename__ = "holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class Case(Base):
    """A case (事件/案卷): one code for life, a timestamp per workflow step."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    case_class: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100), index=True)
    source: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    location_method: Mapped[str] = mapped_column(String(8))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    reporter: Mapped[str | None] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(DateTime)
    filed_at: Mapped[datetime | None] = mapped_column(DateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_level: Mapped[str | None] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    mediation_outcome: Mapped[str | None] = mapped_column(String(16))
    mediated_at: Mapped[datetime | None] = mapped_column(DateTime)
    photos_before: Mapped[str | None] = mapped_column(Text)
    photos_after: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_region_reported", "region_id", "reported_at"),
        Index("ix_cases_region_closed", "region_id", "closed_at"),
        Index("ix_cases_due", "due_at"),
        Index("ix_cases_reported", "reported_at"),
        # one per workflow time: "what happened since the period began" is then a few index
        # range lookups (see metrics._touched), not a scan of every case ever
        Index("ix_cases_dispatched", "dispatched_at"),
        Index("ix_cases_resolved", "resolved_at"),
        Index("ix_cases_closed", "closed_at"),
        # the median of hours to close reads a period's closings from the index alone
        Index("ix_cases_closed_hours", "closed_at", "region_id", "reported_at"),
        Index("ix_cases_voided", "voided_at"),
        Index("ix_cases_mediated", "mediated_at"),
        # the live intake's duplicate check: same subcategory, reported in the last hours
        Index("ix_cases_subcategory_reported", "subcategory", "reported_at"),
        # the wall's live counts (data.wall.live_counts) read only these indexes, never the
        # table: the open cases with all the open/overdue test needs (partial: the few
        # open cases of a store of millions; status first, so that the planner prefers it
        # to ix_cases_status for the same lookup), and the regions of the
        # cases reported in a range of times (today, this week; closed: ix_cases_closed_hours)
        Index("ix_cases_open_region", "status", "region_id", "reported_at", "due_at",
              "closed_at", "voided_at",
              sqlite_where=column("status").in_(OPEN_STATUSES),
              postgresql_where=column("status").in_(OPEN_STATUSES)),
        Index("ix_cases_reported_region", "reported_at", "region_id"),
        # a period that has ended still counts as due the cases whose deadline fell in it
        # and that were closed (resolved) only after it: late cases, a few in a hundred,
        # held alone by these (data.rollup_read.as_of_rows)
        Index("ix_cases_late_close", "due_at", "closed_at", "region_id",
              sqlite_where=column("closed_at") > column("due_at"),
              postgresql_where=column("closed_at") > column("due_at")),
        Index("ix_cases_late_resolve", "due_at", "resolved_at", "region_id",
              sqlite_where=column("resolved_at") > column("due_at"),
              postgresql_where=column("resolved_at") > column("due_at")),
    )


class CaseEvent(Base):
    """Append-only history of a case: who did what, from which status to which, when."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_case_events_action_at", "action", "at"),)


class Patrol(Base):
    """One patrol of a grid by its officer; the GPS track is in :class:`PatrolPoint`."""

    __tablename__ = "patrols"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    distance_m: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_patrols_region_started", "region_id", "started_at"),
        # which grids were patrolled in a period: a range of this index, nothing else read
        Index("ix_patrols_started_region", "started_at", "region_id"),
        # who is on patrol now (data.wall.officers_on_patrol): the patrols started in the
        # last hours and not ended, read from this index alone
        Index("ix_patrols_started_ended", "started_at", "ended_at", "region_id",
              "officer_id"),
    )


class PatrolPoint(Base):
    """One GPS fix of a patrol track (WGS-84)."""

    __tablename__ = "patrol_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrols.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)


class User(Base):
    """A person who signs in: a role, and the region they may see and act in.

    ``region_id`` None means the whole deployment. Only a hash of the password is kept
    (werkzeug's salted scrypt), never the password itself.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class DisplayToken(Base):
    """A long-lived, read-only key a wall screen opens ``/wall?token=...`` with.

    Only the SHA-256 of the token is stored (the token itself is shown once, when made);
    ``region_id`` None means the whole deployment.
    """

    __tablename__ = "display_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """One line of the audit log: who did what, when, from where (:mod:`data.audit`).

    Append-only, apart from ``count`` and ``last_at``, which aggregate a storm of identical
    refusals into one line. ``at`` is indexed alone so that "the last month" and a retention
    purge (``DELETE ... WHERE at < ...``) are index range scans.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    event: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    actor_kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str | None] = mapped_column(String(200))
    target: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=1)
    last_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_event_at", "event", "at"),
        Index("ix_audit_log_actor_at", "actor", "at"),
    )


class SignInSession(Base):
    """One sign-in on the console: the session cookie carries a random id, of which only
    the SHA-256 is kept here. Signing out (or a password change, or disabling the account)
    sets ``ended_at``, and from then on a copy of the cookie is refused."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- live intake (data/intake): the doors cases come in through ---------------------------------


class ApiKey(Base):
    """A writer's key for the intake API (``python -m dashboard api-key add``).

    Only the SHA-256 of the key is stored (the key is shown once, when made). ``source`` is
    the channel every case filed with it gets (:data:`data.schema.SOURCES`); ``region_id``
    None lets it file anywhere, else only under that region; ``officer_id`` names the grid
    officer whose phone holds it (their reports record them). ``rate_per_minute`` None: the
    deployment's default (``Settings.intake_rate_per_minute``).
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    rate_per_minute: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class CaseIntake(Base):
    """How a case made by a live door came in: one row per such case (imported and demo
    cases have none). The reporter's phone is kept here, never in a public read; a retried
    request with the same ``Idempotency-Key`` under the same API key finds its first case
    by the unique pair (``api_key_id``, ``idempotency_key``)."""

    __tablename__ = "case_intake"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True,
                                         autoincrement=False)
    door: Mapped[str] = mapped_column(String(16))  # "open311" | "desk"
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    user_name: Mapped[str | None] = mapped_column(String(64))  # the desk's operator
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("api_key_id", "idempotency_key",
                                       name="uq_case_intake_idempotency"),)


class CaseMedia(Base):
    """A photo sent with a case: the file (re-encoded, metadata stripped) lies under the
    deployment's media folder as ``filename``; served only to signed-in users in scope."""

    __tablename__ = "case_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 in the order sent
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CaseLink(Base):
    """A suspected duplicate (疑似重复): ``case_id`` (the newer) lies near ``other_id`` (an
    older open case of the same subcategory). ``state`` is ``suspected``, then
    ``dismissed`` or ``merged`` by a commander (``decided_by`` at ``decided_at``)."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "duplicate"
    state: Mapped[str] = mapped_column(String(16))
    distance_m: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("case_id", "other_id", "kind",
                                       name="uq_case_links_pair"),)


# --- the field force (issue 14): the roster, where patrols went, mediations, return visits ----


class OfficerRoster(Base):
    """An officer's roster facts (``python -m dashboard import officers``; the demo writes
    them too). ``role`` is one of :data:`data.schema.OFFICER_ROLES`. An officer a roster
    re-import no longer lists is kept, ``active`` False from ``left_at`` on: their patrols,
    cases and assessment history stay. An officer with no row here (a store made before
    the roster existed) counts as active, role ``other``."""

    __tablename__ = "officer_roster"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True,
                                            autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(DateTime)  # first listed
    left_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class OfficerRegion(Base):
    """A region an officer serves: one row per grid (or community) of the roster's
    ``region_code`` list. ``officers.region_id`` stays the first of them (the home grid);
    an officer with no rows here serves ``officers.region_id`` alone."""

    __tablename__ = "officer_regions"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True,
                                           index=True)


class PatrolVisit(Base):
    """Where a patrol went: one row per (patrol, leaf region, local day) its fixes fell in,
    so a patrol crossing midnight or a grid boundary counts in each day and grid it
    touched. ``seconds`` and ``distance_m`` are the track's segments ending in this grid
    on this day (a segment longer than the patrol gap is not counted); ``first_at`` /
    ``last_at`` the first and last fix here (naive UTC). Patrol coverage and the officers'
    assessment read this table, never the raw fixes. A patrol with no fixes has no rows
    (patrols made before this table existed get one row from their own region and start:
    the baseline migration, ``db upgrade``)."""

    __tablename__ = "patrol_visits"

    patrol_id: Mapped[int] = mapped_column(ForeignKey("patrols.id"), primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    first_at: Mapped[datetime] = mapped_column(DateTime)
    last_at: Mapped[datetime] = mapped_column(DateTime)
    fixes: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)

    __table_args__ = (
        Index("ix_patrol_visits_first_region", "first_at", "region_id"),
        Index("ix_patrol_visits_region_first", "region_id", "first_at"),
        Index("ix_patrol_visits_officer_first", "officer_id", "first_at"),
    )


class Mediation(Base):
    """One mediation of a dispute (调解): its outcome (:data:`data.schema.MEDIATION_OUTCOMES`),
    kind (:data:`data.schema.MEDIATION_KINDS`), the mediator (an officer, or a name), the
    agreement or note. The case's ``mediation_outcome`` / ``mediated_at`` hold its latest
    mediation, which the registry counts (a dispute mediated twice counts once, by its last
    outcome). ``origin`` is ``console`` or ``import``."""

    __tablename__ = "mediations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(24))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    mediator: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(100))
    origin: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_mediations_officer_at", "officer_id", "at"),
                      Index("ix_mediations_at", "at"))


class ReturnVisit(Base):
    """One return visit (回访) of a closed case: the resident's satisfaction
    (:data:`data.schema.VISIT_RESULTS`, ``unreached`` when nobody answered), the channel
    (:data:`data.schema.VISIT_CHANNELS`), a note, and whether the commander reopened the case
    (rework) after a 不满意. The case's ``satisfaction`` holds its latest *reached* visit's
    answer; an unreached visit leaves it as it was. ``origin`` is ``console`` or ``import``."""

    __tablename__ = "return_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    satisfaction: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(100))
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(16))

    __table_args__ = (Index("ix_return_visits_at", "at"),)


# --- early warning (issue 16, data/alerts): the alerts the rules raise, and their cases ------

class Alert(Base):
    """One condition a rule found (:class:`data.alerts.finding.Finding`), kept once by its
    ``key``: its ``level`` (red/orange/yellow), region, when it started and was first and
    last found, and what people did (``state`` new → acknowledged → assigned → closed;
    ``closed_by`` "system" when its condition no longer held). ``facts`` is the JSON its
    explanation is worded from; ``version`` moves with every change of state or level."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    level: Mapped[str] = mapped_column(String(8))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    assigned_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by: Mapped[str | None] = mapped_column(String(100))
    close_note: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text, default="{}")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_alerts_state_region", "state", "region_id"),
                      Index("ix_alerts_region_state", "region_id", "state"))


class AlertCase(Base):
    """A case behind an alert (the cases its rule counted)."""

    __tablename__ = "alert_cases"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True,
                                         index=True)


# --- rollups (issue 15: counts maintained as cases change, data/rollups.py) ----------------

class RollupQueue(Base):
    """Changes to cases and to counted events not yet added to :class:`Rollup`, written by
    the database's own triggers (:mod:`data.rollup_capture`). ``kind``: ``ci``/``cu``/``cd``
    a case inserted, updated or deleted (``o_*``: the values it had before), ``ei``/``eu``/
    ``ed`` an event (``o_action``/``o_at``: before)."""

    __tablename__ = "rollup_queue"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(2))
    o_region_id: Mapped[int | None] = mapped_column(Integer)
    o_status: Mapped[str | None] = mapped_column(String(16))
    o_case_class: Mapped[str | None] = mapped_column(String(16))
    o_reported_at: Mapped[datetime | None] = mapped_column(DateTime)
    o_dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    o_resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    o_closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    o_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    o_mediated_at: Mapped[datetime | None] = mapped_column(DateTime)
    o_voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    o_resolved_level: Mapped[str | None] = mapped_column(String(16))
    o_satisfaction: Mapped[str | None] = mapped_column(String(24))
    o_mediation_outcome: Mapped[str | None] = mapped_column(String(16))
    o_action: Mapped[str | None] = mapped_column(String(16))
    o_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_rollup_queue_event", "event_id"),)


#: The per-day counts a :class:`Rollup` row holds (data.rollups says which day each is of).
ROLLUP_COUNTS: tuple[str, ...] = (
    "reported", "filed", "disputes_screened", "screened_success",
    "dispatched",
    "resolved", "resolved_with_level", "resolved_in_grid", "resolved_with_deadline",
    "closed", "closed_on_time", "closed_with_deadline", "rated", "satisfied",
    "disputes_mediated", "mediation_successes",
    "due_open", "due_unhandled",
    "dispatches", "returns", "reworks",
    "open_in", "open_out", "overdue_in", "overdue_out", "timed_open_in", "timed_open_out",
    "clocked_open_in", "clocked_open_out",
)


class Rollup(Base):
    """Counts of a region's cases (all its descendants' included; region 0 is the whole
    deployment, unlocated cases too) per local day of the deployment's time zone."""

    __tablename__ = "rollups"

    region_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    reported: Mapped[int] = mapped_column(Integer, default=0)
    filed: Mapped[int] = mapped_column(Integer, default=0)
    disputes_screened: Mapped[int] = mapped_column(Integer, default=0)
    screened_success: Mapped[int] = mapped_column(Integer, default=0)
    dispatched: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolved_with_level: Mapped[int] = mapped_column(Integer, default=0)
    resolved_in_grid: Mapped[int] = mapped_column(Integer, default=0)
    resolved_with_deadline: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    closed_with_deadline: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    disputes_mediated: Mapped[int] = mapped_column(Integer, default=0)
    mediation_successes: Mapped[int] = mapped_column(Integer, default=0)
    due_open: Mapped[int] = mapped_column(Integer, default=0)
    due_unhandled: Mapped[int] = mapped_column(Integer, default=0)
    dispatches: Mapped[int] = mapped_column(Integer, default=0)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    reworks: Mapped[int] = mapped_column(Integer, default=0)
    open_in: Mapped[int] = mapped_column(Integer, default=0)
    open_out: Mapped[int] = mapped_column(Integer, default=0)
    overdue_in: Mapped[int] = mapped_column(Integer, default=0)
    overdue_out: Mapped[int] = mapped_column(Integer, default=0)
    timed_open_in: Mapped[int] = mapped_column(Integer, default=0)
    timed_open_out: Mapped[int] = mapped_column(Integer, default=0)
    clocked_open_in: Mapped[int] = mapped_column(Integer, default=0)
    clocked_open_out: Mapped[int] = mapped_column(Integer, default=0)


class RollupHours(Base):
    """The durations (closed_at - reported_at, in whole tenths of an hour, rounded to the
    nearest) of the cases closed on a local day, per region (all its descendants' cases;
    region 0 is the whole deployment, unlocated cases too): the histogram the registry's
    median hours to close is read from (:mod:`data.rollup_hours`). ``counts`` packs the
    (tenths, how many) pairs, by tenths, as little-endian int32s."""

    __tablename__ = "rollup_hours"

    region_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    counts: Mapped[bytes] = mapped_column(LargeBinary)


class RollupPostpone(Base):
    """A case postponed on a local day (one row however many postpones that day), with the
    case's region (-1: unlocated): the distinct postponed cases of a period, which the
    per-day counts cannot hold (:mod:`data.rollup_postpones`)."""

    __tablename__ = "rollup_postpones"

    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    region_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_rollup_postpones_day", "day", "region_id", "case_id"),)


class RollupState(Base):
    """What the rollups were built for (one row): the time zone their days are local to,
    the regions version their ancestors come from, and how many times changes were
    applied (readers compare it to see a consistent picture)."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    zone: Mapped[str] = mapped_column(String(64))
    regions_version: Mapped[int] = mapped_column(Integer)
    applied: Mapped[int] = mapped_column(Integer, default=0)


def _create_rollup_triggers(target, connection, **_kw) -> None:  # pragma: no cover - DDL glue
    from sqlalchemy import inspect

    from data.rollup_capture import ensure

    if {"cases", "case_events", "rollup_queue"} <= set(inspect(connection).get_table_names()):
        ensure(connection)


event.listen(Base.metadata, "after_create", _create_rollup_triggers)
