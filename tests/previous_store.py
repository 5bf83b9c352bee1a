"""The store the previous release made (``tests/fixtures/previous_release``), loaded into a
test's store: every table of the test's store dropped, the release's dump run in its place.

SQLite loads ``sqlite.sql`` (``sqlite3 .dump``); PostgreSQL loads ``postgresql.sql``
(``pg_dump --inserts``), so each store's tables are the ones that release's ``init_db``
made on that database. Both hold the same rows (:data:`ROWS`).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select, table

from data import store

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "previous_release"
#: rows per table of the previous release's store, as its README counts them
ROWS = {
    "api_keys": 1, "audit_log": 2, "case_events": 940, "case_intake": 2, "case_links": 1,
    "case_media": 0, "cases": 166, "categories": 59, "departments": 16, "display_tokens": 1,
    "holidays": 1, "mediations": 13, "meta": 7, "officer_regions": 60, "officer_roster": 60,
    "officers": 60, "patrol_points": 570, "patrol_visits": 134, "patrols": 133,
    "region_ancestors": 283, "region_levels": 4, "regions": 76, "return_visits": 82,
    "sessions": 0, "users": 5,
}
#: the tables and indexes releases before the field force (issue 14) did not make
OLDER_RELEASE_LACKS = ("patrol_visits", "mediations", "return_visits", "officer_regions",
                       "officer_roster")
OLDER_RELEASE_LACKS_INDEXES = {"patrols": "ix_patrols_started_region",
                               "cases": "ix_cases_mediated"}


def load(engine: Engine) -> None:
    """Make ``engine``'s store the previous release's (no ``alembic_version`` table)."""
    store.drop_all(engine)
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            raw.driver_connection.executescript((FIXTURES / "sqlite.sql").read_text("utf-8"))
        else:
            # psql's own commands (\restrict) are not SQL; the rest runs as one script
            script = "\n".join(line for line in (FIXTURES / "postgresql.sql")
                               .read_text("utf-8").splitlines() if not line.startswith("\\"))
            with raw.cursor() as cursor:
                cursor.execute(script)
            raw.commit()
    finally:
        raw.invalidate()  # the dump set session options (search_path, foreign_keys): not reused


def make_older(engine: Engine) -> None:
    """Make the loaded store one an older release made: without the field force's tables
    and two indexes added since."""
    with engine.begin() as conn:
        for name in OLDER_RELEASE_LACKS:
            conn.exec_driver_sql(f"DROP TABLE {name}")
        for index in OLDER_RELEASE_LACKS_INDEXES.values():
            conn.exec_driver_sql(f"DROP INDEX {index}")


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of :data:`ROWS`."""
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table(name)))
                for name in ROWS}
