"""SQL that reads the same on SQLite and PostgreSQL: the dialect shims in one place.

Each shim is a SQLAlchemy expression compiled differently per dialect (``@compiles``), or a
helper that picks the dialect's statement, so the queries of :mod:`data` never test the
dialect themselves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, DateTime, Float, String, case, func, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


# --- a portable "hours since the epoch" for durations ---------------------------------------

class epoch_hours(FunctionElement):
    """Hours since an epoch of a naive timestamp column, in either dialect; differences
    are durations in hours."""

    type = Float()
    inherit_cache = True
    name = "epoch_hours"


@compiles(epoch_hours, "sqlite")
def _epoch_hours_sqlite(element, compiler, **kw):  # pragma: no cover - dialect glue
    return f"(julianday({compiler.process(element.clauses, **kw)}) * 24.0)"


@compiles(epoch_hours, "postgresql")
def _epoch_hours_pg(element, compiler, **kw):  # pragma: no cover - dialect glue
    # date_part gives double precision (extract gives numeric: slower, and Decimals)
    return f"(date_part('epoch', {compiler.process(element.clauses, **kw)}) / 3600.0)"


def now_hours(now: datetime) -> ColumnElement:
    """:class:`epoch_hours` of the moment ``now`` (a bound naive-UTC timestamp)."""
    return epoch_hours(literal(now, DateTime()))


# --- a timestamp cut to its hour --------------------------------------------------------------

class utc_hour(FunctionElement):
    """A naive UTC timestamp cut to its hour, as text ``YYYY-MM-DD HH`` (portable)."""

    type = String()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element, compiler, **kw):  # pragma: no cover - dialect glue
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.clauses, **kw)})"


@compiles(utc_hour, "postgresql")
def _utc_hour_pg(element, compiler, **kw):  # pragma: no cover - dialect glue
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD HH24')"


# --- counting and inserting -------------------------------------------------------------------

def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows meet ``condition`` (0, not NULL, for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def conflict_insert(conn: Connection):
    """The dialect's ``insert`` that knows ``ON CONFLICT`` (``.on_conflict_do_nothing``),
    or None for a dialect without one."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert
    if conn.dialect.name == "sqlite":
        return sqlite.insert
    return None


# --- reading grouped counts -----------------------------------------------------------------

#: The region key of an unlocated case in per-region counts.
UNLOCATED = -1


def region_key(column: ColumnElement) -> ColumnElement[int]:
    """The region a row is counted in, -1 for unlocated cases. (Grouping by an expression,
    not the bare column, also keeps SQLite from walking a region index row by row.)"""
    return func.coalesce(column, UNLOCATED).label("region")


def plain_rows(result) -> list[tuple]:
    """Result rows as plain tuples straight from the driver's cursor, for queries whose
    columns are numbers and texts (no type needs SQLAlchemy's processing; PostgreSQL's
    numerics come as Decimal). Building SQLAlchemy rows costs several times the query
    on large results, and pandas reads Row objects a hundred times slower still."""
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return [tuple(row) for row in rows]
