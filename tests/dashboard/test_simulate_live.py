"""``simulate`` against the real app served over HTTP, on SQLite and PostgreSQL: the cases
it posts are in the store, with their door, key, photos and duplicate links."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from werkzeug.serving import make_server

from dashboard import simulate
from dashboard.app import create_app
from dashboard.settings import Settings
from data import schema, store
from data.intake import keys
from data.models import Case, CaseIntake, CaseLink, CaseMedia
from tests import workflow_store as ws

AREA = "116.001,39.901,116.029,39.909"  # inside the workflow store's three grids
G1_AREA = "116.001,39.901,116.009,39.909"  # the officer's grid, where their key files


@pytest.fixture
def served(engine: Engine, tmp_path: Path):
    """The workflow store with two recent cases (the hot spots), a hotline key and an
    officer's, served by the app on a free port."""
    ws.build(engine)
    now = store.utcnow()
    with store.transaction(engine) as conn:
        ws.add_case(conn, schema.DISPATCHED, reported_at=now - timedelta(days=1))
        ws.add_case(conn, schema.REPORTED, region_id=ws.G2, lon=116.015, lat=39.905,
                    subcategory=ws.DAILY, reported_at=now - timedelta(hours=3))
    hotline, _ = keys.add_key(engine, "sim-hotline")
    officer, _ = keys.add_key(engine, "sim-officer", officer_code="W1")
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, media_dir=str(tmp_path / "media")))
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "hotline": hotline,
           "officer": officer, "engine": engine, "media": tmp_path / "media"}
    server.shutdown()
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _intake_rows(engine: Engine, key_name: str) -> list:
    key_id = next(k.id for k in keys.list_keys(engine) if k.name == key_name)
    with engine.connect() as conn:
        return conn.execute(
            select(CaseIntake.case_id, CaseIntake.idempotency_key, Case.source, Case.status,
                   Case.lon, Case.lat, Case.region_id)
            .join(Case, Case.id == CaseIntake.case_id)
            .where(CaseIntake.door == schema.OPEN311,
                   CaseIntake.api_key_id == key_id)
        ).all()


def test_the_simulator_files_its_cases_through_the_real_api(served):
    engine = served["engine"]
    with engine.connect() as conn:
        cases_before = conn.scalar(select(func.count()).select_from(Case))
    options = simulate.Options.parse(url=served["url"], key=served["hotline"], rate="50/s",
                                     count=10, seed=4, photos="0.3", duplicates="0.3",
                                     area=AREA)
    tally = simulate.run(options, out=lambda line: None)
    assert (tally.sent, tally.accepted, dict(tally.refused), tally.no_answer) == (10, 10, {}, 0)
    rows = _intake_rows(engine, "sim-hotline")
    assert len(rows) == 10
    assert all(r.idempotency_key.startswith("sim-") for r in rows)
    assert len({r.idempotency_key for r in rows}) == 10
    assert all(r.source == "hotline" and r.status == schema.REPORTED for r in rows)
    assert all(r.region_id in (ws.G1, ws.G2, ws.G3) for r in rows)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case)) == cases_before + 10
        with_photos = conn.scalar(select(func.count(func.distinct(CaseMedia.case_id))))
        flagged = conn.scalar(select(func.count(func.distinct(CaseLink.case_id)))
                              .where(CaseLink.kind == schema.DUPLICATE))
    assert with_photos == tally.photos > 0
    assert len(list(served["media"].rglob("*.*"))) >= with_photos
    assert flagged >= tally.duplicates > 0  # each repeat lies within 50 m of its original


def test_an_officers_key_resolves_on_the_spot_and_a_retry_files_nothing_twice(served):
    engine = served["engine"]
    options = simulate.Options.parse(url=served["url"], key=served["officer"], rate="50/s",
                                     count=6, seed=9, photos="0", duplicates="0",
                                     on_spot="0.5", area=G1_AREA)
    tally = simulate.run(options, out=lambda line: None)
    rows = _intake_rows(engine, "sim-officer")
    assert tally.accepted == len(rows) == 6, tally.summary(1)
    assert all(r.source == "patrol" for r in rows)
    closed = sum(r.status != schema.REPORTED for r in rows)
    assert closed == tally.on_spot > 0
    # the same Idempotency-Key again: the first case comes back, nothing new is filed
    client = simulate.Open311Client(served["url"], served["officer"])
    case = simulate.CaseGenerator([simulate.Service("C01", "占道经营")], [],
                                  simulate.parse_area(G1_AREA)).next_case(0)
    first = client.post(case, "sim-retry-1")
    again = client.post(case, "sim-retry-1")
    client.close()
    assert first.status in (200, 201) and again.status in (200, 201)
    assert first.body[0]["service_request_id"] == again.body[0]["service_request_id"]
    assert len(_intake_rows(engine, "sim-officer")) == 7
