"""SQL that reads the same on SQLite and PostgreSQL: the dialect shims in one place.

Each shim is a SQLAlchemy expression compiled differently per dialect (``@compiles``), or a
helper that picks the dialect's statement, so the queries of :mod:`data` never test the
dialect themselves.
"""

from __future__ import annotations

from datetime import datetime

from collections.abc import Iterator, Sequence

from sqlalchemy import (Connection, DateTime, Float, Integer, String, any_, bindparam, case,
                        func, literal)
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


# --- a duration in whole tenths of an hour -----------------------------------------------------

_TENTH_US = 360_000_000  # data.rollup_hours.TENTH_US
#: tenths added before and taken after the division, so that it floors (a duration more
#: than 1,100 years negative would not): integer division truncates towards zero
_TENTHS_BIAS = 10_000_000


class duration_tenths(FunctionElement):
    """``duration_tenths(start, end)``: the time from one naive timestamp to another in
    whole tenths of an hour, rounded to the nearest, a half up, computed on integer
    microseconds in either dialect (no floating point): exactly
    :func:`data.rollup_hours.tenths`."""

    type = Integer()
    inherit_cache = True
    name = "duration_tenths"


def _tenths_sql(start_us: str, end_us: str) -> str:
    bias = _TENTH_US // 2 + _TENTHS_BIAS * _TENTH_US
    return f"(({end_us} - {start_us} + {bias}) / {_TENTH_US} - {_TENTHS_BIAS})"


@compiles(duration_tenths, "sqlite")
def _duration_tenths_sqlite(element, compiler, **kw):  # pragma: no cover - dialect glue
    # stored as text 'YYYY-MM-DD HH:MM:SS[.ffffff]': the whole seconds, then the digits
    # after the point (padded to six); strftime would round the fraction to milliseconds
    def micros(clause) -> str:
        text_ = compiler.process(clause, **kw)
        return (f"(CAST(strftime('%s', substr({text_}, 1, 19)) AS INTEGER) * 1000000 + "
                f"CAST(substr(substr({text_}, 21) || '000000', 1, 6) AS INTEGER))")

    start, end = element.clauses
    return _tenths_sql(micros(start), micros(end))


@compiles(duration_tenths, "postgresql")
def _duration_tenths_pg(element, compiler, **kw):  # pragma: no cover - dialect glue
    # extract gives numeric (exact microseconds)
    def micros(clause) -> str:
        return f"CAST(extract(epoch from {compiler.process(clause, **kw)}) * 1000000 AS bigint)"

    start, end = element.clauses
    return _tenths_sql(micros(start), micros(end))


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


# --- a column SQLite's planner must not read an index of ---------------------------------------

class sqlite_unindexed(FunctionElement):
    """A column as it is on PostgreSQL, whose planner weighs each index by its statistics;
    wrapped on SQLite (``coalesce(c, c)``, the same value), whose planner would otherwise
    take that column's index for a range far wider than another condition's (e.g. a
    covering index that holds it beside the narrow range's column)."""

    inherit_cache = True
    name = "sqlite_unindexed"

    @property
    def type(self):  # the column's own type
        return self.clauses.clauses[0].type


@compiles(sqlite_unindexed, "sqlite")
def _sqlite_unindexed_sqlite(element, compiler, **kw):  # pragma: no cover - dialect glue
    column = compiler.process(element.clauses.clauses[0], **kw)
    return f"coalesce({column}, {column})"


@compiles(sqlite_unindexed)
def _sqlite_unindexed_other(element, compiler, **kw):  # pragma: no cover - dialect glue
    return compiler.process(element.clauses.clauses[0], **kw)


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


def id_chunks(conn: Connection, column: ColumnElement, ids: Sequence[int]
              ) -> Iterator[ColumnElement[bool]]:
    """Conditions "``column`` is one of ``ids``", as few as the dialect allows: on
    PostgreSQL one array parameter (``= ANY(...)``), which psycopg sends as it is, where an
    ``IN`` list of thousands of parameters costs more to convert on the client than the
    query on the server; elsewhere ``IN`` lists of at most 5,000 (under SQLite's limit)."""
    if not ids:
        return
    if conn.dialect.name == "postgresql":
        yield column == any_(bindparam("ids", list(ids), type_=postgresql.ARRAY(Integer)))
        return
    for start in range(0, len(ids), _ID_CHUNK):
        yield column.in_(ids[start:start + _ID_CHUNK])


#: Ids per ``IN`` list (:func:`id_chunks`), under SQLite's and drivers' bind limits.
_ID_CHUNK = 5000


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
