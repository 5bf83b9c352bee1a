"""The roster in the console's dispatch form: an officer who left is not offered and a
dispatch to one is refused in words; an officer serving the grid through the roster is
offered. On the tiny store (G1 = region 4, G2 = 5), in a request of the app."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import insert, select

from callbacks import console as cb
from callbacks.console_targets import dispatch_choices
from dashboard.app import create_app
from dashboard.settings import Settings
from data import schema, store
from data.console_state import ConsoleState
from data.models import Case, Department, Officer, OfficerRegion, OfficerRoster
from data.users import Principal
from tests import tiny_store

NOW = datetime(2026, 3, 5, 8)


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    engine = app.server.extensions["grid_dashboard"]["engine"]
    tiny_store.build(engine)
    with store.transaction(engine) as conn:
        conn.execute(insert(Department).values(id=1, code="CGJ", name="城管局"))
        conn.execute(insert(Officer), [
            {"id": 1, "code": "W1", "name": "张伟", "region_id": 4},
            {"id": 2, "code": "W2", "name": "李娜", "region_id": 4},  # left
            {"id": 3, "code": "W3", "name": "王芳", "region_id": 5},  # serves G1 too
        ])
        conn.execute(insert(OfficerRoster), [
            {"officer_id": 2, "role": schema.FULL_TIME, "active": False,
             "joined_at": datetime(2026, 1, 1), "left_at": datetime(2026, 3, 1),
             "updated_at": datetime(2026, 3, 1)}])
        conn.execute(insert(OfficerRegion), [{"officer_id": 3, "region_id": 5},
                                             {"officer_id": 3, "region_id": 4}])
        conn.execute(insert(Case).values(
            code="K5", status=schema.FILED, location_method="point", region_id=4,
            reported_at=datetime(2026, 3, 4, 8), filed_at=datetime(2026, 3, 4, 9), version=1))
    return app


@contextmanager
def _as_admin(app):
    engine = app.server.extensions["grid_dashboard"]["engine"]
    with app.server.test_request_context("/"):
        g._principal = Principal("tester", "admin", None, None, engine=engine)
        yield engine


def test_the_form_offers_active_officers_and_those_serving_the_grid(app):
    with _as_admin(app) as engine:
        with engine.connect() as conn:
            case_id = conn.scalar(select(Case.id).where(Case.code == "K5"))
        _, officers, _, officer, _ = dispatch_choices([case_id], NOW)
    assert [(o.code, o.reason) for o in officers] == [("W1", "assigned"), ("W3", "assigned")]
    assert officer == 1


def test_a_dispatch_to_an_officer_who_left_is_refused_in_words(app):
    state = ConsoleState.parse("/region/C", "").to_store()
    with _as_admin(app) as engine:
        with engine.connect() as conn:
            case_id = conn.scalar(select(Case.id).where(Case.code == "K5"))
        said, *_ = cb.submit_action(1, "dispatch", [{"id": case_id, "version": 1,
                                                     "code": "K5"}],
                                    None, 1, 2, None, None, None, 3, state)
    assert "该网格员已离岗，不能派遣" in str(said)
    with app.server.extensions["grid_dashboard"]["engine"].connect() as conn:
        assert conn.scalar(select(Case.status).where(Case.code == "K5")) == schema.FILED
