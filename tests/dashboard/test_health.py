"""``GET /healthz`` (dashboard/health.py): it asks the store, on SQLite and PostgreSQL.

200 with the counters of ``meta`` and the age of the newest case when the store answers,
to someone signed out; 503 with one fixed reason (no host, no driver message) when it does
not; and cheap: no count over the cases, the newest case read through its index.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, event, text

from dashboard import health, services
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from tests import tiny_store


def _app(engine):
    return create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))


def test_healthz_reports_the_counters_and_the_newest_case(engine):
    tiny_store.build(engine)
    newest = datetime(2026, 3, 4, 9)  # K4, the newest of tiny_store's cases, by hand
    with store.transaction(engine) as conn:
        store.set_meta(conn, store.DATA_VERSION, "41")
        store.set_meta(conn, store.REGIONS_VERSION, "7")
    app = _app(engine)
    response = app.server.test_client().get("/healthz")  # no session, no token
    expected_age = (store.utcnow() - newest).total_seconds()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"status", "data_version", "regions_version",
                         "newest_case_age_seconds"}
    assert (body["status"], body["data_version"], body["regions_version"]) == ("ok", 41, 7)
    assert abs(body["newest_case_age_seconds"] - expected_age) < 5


def test_healthz_of_a_store_without_cases(engine):
    app = _app(engine)
    body = app.server.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["newest_case_age_seconds"] is None


def test_a_new_case_moves_the_age(engine):
    tiny_store.build(engine)
    app = _app(engine)
    with store.transaction(engine) as conn:
        conn.execute(text("UPDATE cases SET reported_at = :at WHERE code = 'K2'"),
                     {"at": store.utcnow() - timedelta(minutes=10)})
    age = app.server.test_client().get("/healthz").get_json()["newest_case_age_seconds"]
    assert 595 <= age <= 610


@pytest.mark.parametrize("broken", [
    "postgresql+psycopg://postgres@127.0.0.1:1/no_such_store?connect_timeout=2",
    "sqlite:////nonexistent-folder/nowhere/store.sqlite3",
])
def test_a_store_that_does_not_answer_is_503_with_a_short_reason(sqlite_engine, broken):
    app = _app(sqlite_engine)
    app.server.extensions[services.EXTENSION]["engine"] = create_engine(broken)
    response = app.server.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": health.UNAVAILABLE}
    text_ = response.get_data(as_text=True)
    assert "127.0.0.1" not in text_ and "nowhere" not in text_


def test_a_store_without_tables_is_503(sqlite_engine):
    app = _app(sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE meta")
    assert app.server.test_client().get("/healthz").status_code == 503


def test_healthz_counts_nothing_and_reads_the_newest_case_by_its_index(engine):
    tiny_store.build(engine)
    app = _app(engine)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement.lower())

    served_by = app.server.extensions[services.EXTENSION]["engine"]
    event.listen(served_by, "before_cursor_execute", record)
    try:
        assert app.server.test_client().get("/healthz").status_code == 200
    finally:
        event.remove(served_by, "before_cursor_execute", record)
    reads = [s for s in statements if "cases" in s]
    assert reads and not [s for s in statements if "count(" in s]
    (newest,) = reads
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + newest))
            assert "ix_cases_reported" in plan, plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")  # tiny tables: ask the planner
            plan = " ".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + newest))
            assert "ix_cases_reported" in plan, plan
