"""The baseline: the store's schema when migrations began, and the adoption of a store
made before them.

Revision ID: 0001
Revises: (none)
Created: 2026-12-03

Written out from ``alembic revision --autogenerate`` against an empty store, then reviewed:
it never reads :mod:`data.models`, whose schema will move on. On an empty store it creates
every table. A store made by an earlier release (no ``alembic_version``) has some of these
tables already: only the tables and indexes it lacks are made (older releases added tables
and indexes, never columns), and patrols kept before ``patrol_visits`` existed get one
visit each, from their own grid and the local day they started (what ``init_db`` did
before migrations). What was done is appended to ``config.attributes["notes"]``.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


class _Schema:
    """Creates what the store lacks: a table not there yet, an index not there yet."""

    def __init__(self, bind: sa.Connection) -> None:
        self.bind = bind
        # alembic_version is made by alembic itself before the first revision runs
        self.existing = set(sa.inspect(bind).get_table_names()) - {"alembic_version"}
        self.tables: list[str] = []
        self.indexes: list[str] = []

    def table(self, name: str, *elements: sa.SchemaItem) -> None:
        if name not in self.existing:
            op.create_table(name, *elements)
            self.tables.append(name)

    def index(self, name: str, table: str, columns: list[str]) -> None:
        if table in self.existing and name in {
                index["name"] for index in sa.inspect(self.bind).get_indexes(table)}:
            return
        op.create_index(name, table, columns)
        if table in self.existing:  # a new table's indexes go without saying
            self.indexes.append(name)


def upgrade() -> None:
    """Create the tables and indexes the store lacks, then backfill patrol visits."""
    schema = _Schema(op.get_bind())
    for part in (_deployment, _people, _cases_and_roster, _patrols_and_history,
                 _case_records_and_visits):
        part(schema)
    visits = _backfill_patrol_visits(schema.bind)
    notes = op.get_context().config.attributes.setdefault("notes", [])
    if schema.existing and schema.tables:
        notes.append(f"0001: tables created: {', '.join(schema.tables)}")
    elif schema.tables:
        notes.append(f"0001: {len(schema.tables)} tables created (an empty store)")
    if schema.indexes:
        notes.append(f"0001: indexes created: {', '.join(schema.indexes)}")
    if visits:
        notes.append(f"0001: patrol_visits: {visits} rows backfilled (one per patrol kept "
                     "without visits)")


def downgrade() -> None:
    """The baseline is not undone (that would drop every table): restore a backup."""
    raise NotImplementedError("revision 0001 is the baseline: restore a backup instead")


# --- the backfill, frozen as it was at this revision -------------------------------------------

_META = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
_PATROLS = sa.table("patrols", sa.column("id", sa.Integer), sa.column("officer_id", sa.Integer),
                    sa.column("region_id", sa.Integer), sa.column("started_at", sa.DateTime),
                    sa.column("ended_at", sa.DateTime), sa.column("distance_m", sa.Float))
_VISITS = sa.table("patrol_visits", sa.column("patrol_id", sa.Integer),
                   sa.column("region_id", sa.Integer), sa.column("day", sa.Date),
                   sa.column("officer_id", sa.Integer), sa.column("first_at", sa.DateTime),
                   sa.column("last_at", sa.DateTime), sa.column("fixes", sa.Integer),
                   sa.column("seconds", sa.Float), sa.column("distance_m", sa.Float))


def _backfill_patrol_visits(bind: sa.Connection) -> int:
    """When no patrol has a visit (a store made before ``patrol_visits``), give every
    patrol one: its own grid, the local day it started (``meta.timezone``, default
    Asia/Shanghai), its whole time and distance, no fixes. Returns the rows written."""
    if bind.scalar(sa.select(_VISITS.c.patrol_id).limit(1)) is not None:
        return 0
    rows = bind.execute(sa.select(_PATROLS)).all()
    if not rows:
        return 0
    name = bind.scalar(sa.select(_META.c.value).where(_META.c.key == "timezone"))
    try:
        tz = ZoneInfo(name or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"meta.timezone={name!r} is not a known IANA time zone") from None
    patrols = pd.DataFrame(rows, columns=["id", "officer_id", "region_id", "started_at",
                                          "ended_at", "distance_m"])
    started = pd.to_datetime(patrols["started_at"]).astype("datetime64[us]")
    ended = pd.to_datetime(patrols["ended_at"]).astype("datetime64[us]")
    seconds = (ended - started).dt.total_seconds().clip(lower=0).fillna(0.0)
    days = started.dt.tz_localize("UTC").dt.tz_convert(tz).dt.tz_localize(None).dt.date
    last = ended.fillna(started)
    distance = pd.to_numeric(patrols["distance_m"]).fillna(0.0)
    records = [{"patrol_id": int(p), "region_id": int(r), "day": d, "officer_id": int(o),
                "first_at": f.to_pydatetime(), "last_at": la.to_pydatetime(), "fixes": 0,
                "seconds": float(s), "distance_m": float(m)}
               for p, r, d, o, f, la, s, m in zip(
                   patrols["id"], patrols["region_id"], days, patrols["officer_id"], started,
                   last, seconds, distance)]
    for start in range(0, len(records), 50_000):
        bind.execute(sa.insert(_VISITS), records[start:start + 50_000])
    return len(records)


def _deployment(s: _Schema) -> None:
    """The deployment's facts, levels and regions, departments, holidays, the audit log."""
    s.table('audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('actor_kind', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.Column('target', sa.String(length=300), nullable=True),
        sa.Column('region', sa.String(length=64), nullable=True),
        sa.Column('result', sa.String(length=16), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    s.index('ix_audit_log_actor_at', 'audit_log', ['actor', 'at'])
    s.index('ix_audit_log_at', 'audit_log', ['at'])
    s.index('ix_audit_log_event_at', 'audit_log', ['event', 'at'])
    s.table('departments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'))
    s.table('holidays',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('day'))
    s.table('meta',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key'))
    s.table('region_levels',
        sa.Column('depth', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('name_en', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('depth'),
        sa.UniqueConstraint('name'))
    s.table('regions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('level', sa.String(length=64), nullable=False),
        sa.Column('depth', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('geometry', sa.LargeBinary(), nullable=True),
        sa.Column('centroid_lon', sa.Float(), nullable=True),
        sa.Column('centroid_lat', sa.Float(), nullable=True),
        sa.Column('min_lon', sa.Float(), nullable=True),
        sa.Column('min_lat', sa.Float(), nullable=True),
        sa.Column('max_lon', sa.Float(), nullable=True),
        sa.Column('max_lat', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['parent_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'))
    s.index('ix_regions_depth', 'regions', ['depth'])
    s.index('ix_regions_parent_id', 'regions', ['parent_id'])


def _people(s: _Schema) -> None:
    """The routing table, officers, the closure table, users, wall tokens, API keys."""
    s.table('categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('case_class', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=100), nullable=False),
        sa.Column('subcategory', sa.String(length=100), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('time_limit', sa.Float(), nullable=False),
        sa.Column('time_unit', sa.String(length=16), nullable=False),
        sa.Column('filing_condition', sa.Text(), nullable=True),
        sa.Column('closing_condition', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('subcategory'))
    s.table('display_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'))
    s.table('officers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('phone', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'))
    s.index('ix_officers_region_id', 'officers', ['region_id'])
    s.table('region_ancestors',
        sa.Column('ancestor_id', sa.Integer(), nullable=False),
        sa.Column('descendant_id', sa.Integer(), nullable=False),
        sa.Column('distance', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['ancestor_id'], ['regions.id']),
        sa.ForeignKeyConstraint(['descendant_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('ancestor_id', 'descendant_id'))
    s.index('ix_region_ancestors_descendant_id', 'region_ancestors', ['descendant_id'])
    s.table('users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'))
    s.table('api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('rate_per_minute', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'),
        sa.UniqueConstraint('name'))


def _cases_and_roster(s: _Schema) -> None:
    """Cases, and the officers' roster and regions."""
    s.table('cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('external_id', sa.String(length=128), nullable=True),
        sa.Column('case_class', sa.String(length=16), nullable=True),
        sa.Column('category', sa.String(length=100), nullable=True),
        sa.Column('subcategory', sa.String(length=100), nullable=True),
        sa.Column('source', sa.String(length=32), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('address', sa.Text(), nullable=True),
        sa.Column('lon', sa.Float(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=True),
        sa.Column('location_method', sa.String(length=8), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('reporter', sa.String(length=100), nullable=True),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.Column('filed_at', sa.DateTime(), nullable=True),
        sa.Column('dispatched_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('voided_at', sa.DateTime(), nullable=True),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_level', sa.String(length=16), nullable=True),
        sa.Column('satisfaction', sa.String(length=24), nullable=True),
        sa.Column('mediation_outcome', sa.String(length=16), nullable=True),
        sa.Column('mediated_at', sa.DateTime(), nullable=True),
        sa.Column('photos_before', sa.Text(), nullable=True),
        sa.Column('photos_after', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id']),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('external_id'))
    s.index('ix_cases_closed', 'cases', ['closed_at'])
    s.index('ix_cases_dispatched', 'cases', ['dispatched_at'])
    s.index('ix_cases_due', 'cases', ['due_at'])
    s.index('ix_cases_mediated', 'cases', ['mediated_at'])
    s.index('ix_cases_region_closed', 'cases', ['region_id', 'closed_at'])
    s.index('ix_cases_region_reported', 'cases', ['region_id', 'reported_at'])
    s.index('ix_cases_reported', 'cases', ['reported_at'])
    s.index('ix_cases_resolved', 'cases', ['resolved_at'])
    s.index('ix_cases_status', 'cases', ['status'])
    s.index('ix_cases_subcategory', 'cases', ['subcategory'])
    s.index('ix_cases_subcategory_reported', 'cases', ['subcategory', 'reported_at'])
    s.index('ix_cases_voided', 'cases', ['voided_at'])
    s.table('officer_regions',
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('officer_id', 'region_id'))
    s.index('ix_officer_regions_region_id', 'officer_regions', ['region_id'])
    s.table('officer_roster',
        sa.Column('officer_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('joined_at', sa.DateTime(), nullable=False),
        sa.Column('left_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.PrimaryKeyConstraint('officer_id'))


def _patrols_and_history(s: _Schema) -> None:
    """Patrols, sign-in sessions, case events, how live cases came in."""
    s.table('patrols',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('distance_m', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('id'))
    s.index('ix_patrols_officer_id', 'patrols', ['officer_id'])
    s.index('ix_patrols_region_started', 'patrols', ['region_id', 'started_at'])
    s.index('ix_patrols_started_region', 'patrols', ['started_at', 'region_id'])
    s.table('sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id_hash'))
    s.index('ix_sessions_last_seen_at', 'sessions', ['last_seen_at'])
    s.index('ix_sessions_user_id', 'sessions', ['user_id'])
    s.table('case_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('from_status', sa.String(length=16), nullable=True),
        sa.Column('to_status', sa.String(length=16), nullable=True),
        sa.Column('actor', sa.String(length=100), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.PrimaryKeyConstraint('id'))
    s.index('ix_case_events_action_at', 'case_events', ['action', 'at'])
    s.index('ix_case_events_case_id', 'case_events', ['case_id'])
    s.table('case_intake',
        sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('door', sa.String(length=16), nullable=False),
        sa.Column('api_key_id', sa.Integer(), nullable=True),
        sa.Column('user_name', sa.String(length=64), nullable=True),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('reporter_phone', sa.String(length=32), nullable=True),
        sa.Column('idempotency_key', sa.String(length=128), nullable=True),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id']),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.PrimaryKeyConstraint('case_id'),
        sa.UniqueConstraint('api_key_id', 'idempotency_key', name='uq_case_intake_idempotency'))


def _case_records_and_visits(s: _Schema) -> None:
    """Duplicate links, photos, mediations, fixes, patrol visits, return visits."""
    s.table('case_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('other_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('distance_m', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by', sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['other_id'], ['cases.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'other_id', 'kind', name='uq_case_links_pair'))
    s.index('ix_case_links_case_id', 'case_links', ['case_id'])
    s.index('ix_case_links_other_id', 'case_links', ['other_id'])
    s.table('case_media',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=80), nullable=False),
        sa.Column('content_type', sa.String(length=32), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('filename'))
    s.index('ix_case_media_case_id', 'case_media', ['case_id'])
    s.table('mediations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=True),
        sa.Column('officer_id', sa.Integer(), nullable=True),
        sa.Column('mediator', sa.String(length=100), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=100), nullable=True),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.PrimaryKeyConstraint('id'))
    s.index('ix_mediations_at', 'mediations', ['at'])
    s.index('ix_mediations_case_id', 'mediations', ['case_id'])
    s.index('ix_mediations_officer_at', 'mediations', ['officer_id', 'at'])
    s.table('patrol_points',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('patrol_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('lon', sa.Float(), nullable=False),
        sa.Column('lat', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id']),
        sa.PrimaryKeyConstraint('id'))
    s.index('ix_patrol_points_patrol_id', 'patrol_points', ['patrol_id'])
    s.table('patrol_visits',
        sa.Column('patrol_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('officer_id', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(), nullable=False),
        sa.Column('last_at', sa.DateTime(), nullable=False),
        sa.Column('fixes', sa.Integer(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('distance_m', sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(['officer_id'], ['officers.id']),
        sa.ForeignKeyConstraint(['patrol_id'], ['patrols.id']),
        sa.ForeignKeyConstraint(['region_id'], ['regions.id']),
        sa.PrimaryKeyConstraint('patrol_id', 'region_id', 'day'))
    s.index('ix_patrol_visits_first_region', 'patrol_visits', ['first_at', 'region_id'])
    s.index('ix_patrol_visits_officer_first', 'patrol_visits', ['officer_id', 'first_at'])
    s.index('ix_patrol_visits_region_first', 'patrol_visits', ['region_id', 'first_at'])
    s.table('return_visits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('satisfaction', sa.String(length=24), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=100), nullable=True),
        sa.Column('reopened', sa.Boolean(), nullable=False),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id']),
        sa.PrimaryKeyConstraint('id'))
    s.index('ix_return_visits_at', 'return_visits', ['at'])
    s.index('ix_return_visits_case_id', 'return_visits', ['case_id'])
