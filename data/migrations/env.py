"""Alembic's environment for the store.

:mod:`data.migrate` runs it with the connection to migrate in ``config.attributes
["connection"]`` (already in a transaction, under the store's migration lock). A developer
may also run the ``alembic`` command line with ``alembic.ini`` at the project's root: the
store is then ``DATABASE_URL``'s (or ``sqlalchemy.url``'s). ``target_metadata`` is the
models' schema, for ``alembic revision --autogenerate``; the revisions themselves never
read it (a revision is the schema as it was when written).
"""

from __future__ import annotations

import os

from alembic import context

from data.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")


def run() -> None:
    """Migrate the handed connection, or the store the environment names."""
    if context.is_offline_mode():
        raise SystemExit("the store's revisions read the store they upgrade (to adopt one made "
                         "before migrations): offline SQL scripts (--sql) are not supported")
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from data import migrate, store  # the command line: open the store and take the lock

    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL (or sqlalchemy.url in alembic.ini) to the store")
    engine = store.make_engine(url)
    try:
        with engine.begin() as connection:
            migrate.lock(connection)
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


run()
