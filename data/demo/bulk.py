"""Writing the demo's frames fast: one prepared ``executemany`` on SQLite, ``COPY`` on
PostgreSQL, then the sequences moved past the ids written."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text


def _columns(frame: pd.DataFrame) -> list[np.ndarray]:
    """The frame's columns as arrays of plain Python values, ``None`` for missing.

    Times become the text SQLAlchemy itself stores in SQLite (``YYYY-MM-DD HH:MM:SS.ffffff``),
    which PostgreSQL's COPY also reads as a timestamp.
    """
    out: list[np.ndarray] = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            text_ = np.datetime_as_string(column.to_numpy().astype("datetime64[us]"), unit="us")
            values = np.char.replace(text_, "T", " ").astype(object)
        elif pd.api.types.is_bool_dtype(column):
            values = column.to_numpy(dtype=bool).astype(int).astype(object)
        else:
            values = column.to_numpy(dtype=object, copy=True)
        values[column.isna().to_numpy()] = None
        out.append(values)
    return out


def insert_frame(conn: Connection, table, frame: pd.DataFrame, chunk: int = 200_000,
                 written: Callable[[int], None] | None = None) -> None:
    """Insert a frame's rows fast: one prepared ``executemany`` on SQLite, ``COPY`` on
    PostgreSQL; a chunk at a time, so a city's millions of rows never exist as Python
    objects all at once. Only for the demo's trusted, freshly made rows. ``written`` is
    told the number of rows of each chunk once it is in."""
    names = list(frame.columns)
    table_name = table.__tablename__
    sql = f"INSERT INTO {table_name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    for start in range(0, len(frame), chunk):
        rows = list(zip(*_columns(frame.iloc[start:start + chunk])))
        if conn.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table_name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        else:
            conn.exec_driver_sql(sql, rows)
        if written is not None:
            written(len(rows))


@contextmanager
def foreign_keys_checked_after(conn: Connection, tables: list[str],
                               checked: Callable[[int, int], None] | None = None
                               ) -> Iterator[None]:
    """On PostgreSQL, the foreign keys of ``tables`` dropped for the block and made again
    after it, inside the caller's transaction: each is then checked once over the whole
    table (one join) instead of by a trigger per row written, which cost the city's
    20 million rows most of their load time. A row that breaks one fails the transaction
    as before. ``checked(done, total)`` hears each key made again. Elsewhere (SQLite
    checks no foreign keys here), nothing is done."""
    if conn.dialect.name != "postgresql":
        yield
        return
    keys = conn.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables)"),
        {"tables": tables}).all()
    for table, name, _ in keys:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    yield
    for done, (table, name, definition) in enumerate(keys):
        if checked is not None:
            checked(done, len(keys))
        conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    if checked is not None:
        checked(len(keys), len(keys))


def reset_sequences(conn: Connection, tables: list[str]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
