"""The console's 调解 and 回访 (callbacks/followup.py, layouts/followup.py), called directly in a
request of the app as someone, and over HTTP with hand-made bodies.

The store is :mod:`tests.workflow_store`'s (grids G1, G2, G3 under town T1; officer O1 in
G1, O2 and O3 in G2); a dispute is one of its cases with ``case_class`` set.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from dash import no_update
from flask import g
from sqlalchemy import func, select, update

from callbacks import console as console_cb
from callbacks import followup as cb
from dashboard.app import create_app
from dashboard.settings import Settings
from data import schema, store
from data.console_state import ConsoleState
from data.models import Case, Mediation, ReturnVisit
from data.users import Principal
from layouts import ids
from layouts.followup import HIDDEN, SHOWN
from tests import workflow_store as ws
from layouts.text import t
from tests.auth_helpers import callback_body, make_user, post_callback, sign_in

REGION_CODES = {rid: code for rid, code, *_ in ws.REGIONS}


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}"))
    ws.build(_engine(app))
    return app


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


def _case(app, status: str, klass: str = schema.INCIDENT, region_id: int = ws.G1) -> int:
    with store.transaction(_engine(app)) as conn:
        case_id = ws.add_case(conn, status, region_id=region_id)
        conn.execute(update(Case).where(Case.id == case_id).values(case_class=klass))
    return case_id


@contextmanager
def _as(app, role: str = "commander", region: int | None = ws.T1):
    with app.server.test_request_context("/"):
        g._principal = Principal("张指挥", role, region, REGION_CODES.get(region),
                                 engine=_engine(app))
        yield


def _state(lang: str = "zh") -> dict:
    return ConsoleState.parse("/", "" if lang == "zh" else f"?lang={lang}").to_store()


def _buttons(*args):
    buttons, target, form, step = cb.followup_buttons(*args)
    assert form == HIDDEN and step is None  # a form left open closes
    return buttons, target


def _steps(buttons) -> list[str]:
    return [b.id["step"] for b in buttons[0].children] if buttons else []


def _count(app, table) -> int:
    with _engine(app).connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def _submit(step, target, **fields):
    values = dict(outcome=None, kind=None, officer=None, name=None, agreement=None,
                  satisfaction=None, channel=None, note=None, reopen=[], due=None)
    values.update(fields)
    return cb.submit_followup(1, step, target, values["outcome"], values["kind"],
                              values["officer"], values["name"], values["agreement"],
                              values["satisfaction"], values["channel"], values["note"],
                              values["reopen"], values["due"], 0, _state("en"))


def test_the_buttons_follow_the_case_and_the_asker(app):
    dispute = _case(app, schema.RESOLVED, schema.DISPUTE)
    closed_dispute = _case(app, schema.CLOSED, schema.DISPUTE)
    closed = _case(app, schema.CLOSED)
    open_incident = _case(app, schema.DISPATCHED)
    with _as(app):
        assert _steps(_buttons(dispute, 0, _state())[0]) == ["mediate"]
        assert _steps(_buttons(closed_dispute, 0, _state())[0]) == [
            "mediate", "visit"]
        buttons, target = _buttons(closed, 0, _state())
        assert _steps(buttons) == ["visit"] and target == {"id": closed, "version": 1}
        assert _buttons(open_incident, 0, _state()) == ([], None)
    with _as(app, role="viewer"):
        assert _buttons(closed, 0, _state()) == ([], None)
    with _as(app, region=ws.G2):  # a commander of another grid
        assert _buttons(closed, 0, _state()) == ([], None)


def test_a_mediation_recorded_through_the_form(app):
    dispute = _case(app, schema.RESOLVED, schema.DISPUTE)
    trigger = ids.followup_button("mediate")
    with _as(app):
        _, target = _buttons(dispute, 0, _state())
        step, form, mediate, visit, officers, said = cb.open_followup(
            [1], None, target, _state(), trigger=trigger)
        assert (step, form, mediate, visit, said) == ("mediate", SHOWN, SHOWN, HIDDEN, "")
        assert officers == [{"label": "张伟 (W1)", "value": ws.O1}]
        said, bump, style = _submit("mediate", target, outcome="referred",
                                    kind="pre_litigation", officer=ws.O1, agreement="转法院")
    assert "recorded" in said and bump == 1 and style == HIDDEN
    with _engine(app).connect() as conn:
        row = conn.execute(select(Case.mediation_outcome, Case.version)
                           .where(Case.id == dispute)).one()
        officer = conn.scalar(select(Mediation.officer_id))
    assert tuple(row) == ("referred", 2) and officer == ws.O1
    with _as(app):  # the detail lists it
        detail = json.dumps(console_cb.show_case(dispute, 1, _state("en")), default=str,
                            ensure_ascii=False)
    assert "Referred to court or arbitration" in detail and "张伟" in detail


def test_a_stale_form_hears_the_case_changed_and_nothing_is_written(app):
    closed = _case(app, schema.CLOSED)
    with _as(app):
        said, bump, style = _submit("visit", {"id": closed, "version": 0},
                                    satisfaction="satisfied")
    assert "changed in the meantime" in said and bump == 1 and style is no_update
    assert _count(app, ReturnVisit) == 0


def test_a_dissatisfied_visit_reopens_when_asked(app):
    closed = _case(app, schema.CLOSED)
    with _as(app):
        said, bump, _ = _submit("visit", {"id": closed, "version": 1},
                                satisfaction="dissatisfied", channel="phone", note="还没修好",
                                reopen=["reopen"])
    assert "dispatched again" in said
    with _engine(app).connect() as conn:
        assert conn.scalar(select(Case.status).where(Case.id == closed)) == schema.DISPATCHED
    assert cb.show_reopen("dissatisfied") == (SHOWN, no_update)
    assert cb.show_reopen("satisfied") == (HIDDEN, [])


def test_refusals_write_nothing(app):
    dispute = _case(app, schema.RESOLVED, schema.DISPUTE)
    target = {"id": dispute, "version": 1}
    with _as(app, role="viewer"):
        said, *_ = _submit("mediate", target, outcome="success", name="甲")
        assert said == t("auth_role", "en")
    with _as(app, region=ws.G2):
        said, *_ = _submit("mediate", target, outcome="success", name="甲")
        assert "outside your area" in said
    with _as(app):
        # an officer who does not serve the case's grid (O2 is G2's), and odd values
        for officer in (ws.O2, "1", True, 999):
            said, *_ = _submit("mediate", target, outcome="success", officer=officer)
            assert said == ("This officer does not serve the case's grid: pick one from the "
                            "list or type a name"), officer
        said, *_ = _submit("mediate", target, outcome="draw", name="甲")
        assert "not a mediation outcome" in said
        for bad in ({"id": "1; drop", "version": 1}, {"id": dispute}, [dispute], "x"):
            said, *_ = _submit("mediate", bad, outcome="success", name="甲")
            assert said and "Traceback" not in said
    assert _count(app, Mediation) == 0


def test_hand_made_bodies_over_http(app):
    dispute = _case(app, schema.RESOLVED, schema.DISPUTE)
    engine = _engine(app)
    viewer, commander = app.server.test_client(), app.server.test_client()
    sign_in(viewer, "v", make_user(engine, "v", "viewer", "T1"))
    sign_in(commander, "c", make_user(engine, "c", "commander", "T1"))
    body = callback_body(app, f"{ids.FOLLOWUP_FEEDBACK}.children", {
        f"{ids.FOLLOWUP_SUBMIT}.n_clicks": 1, f"{ids.FOLLOWUP_KIND}.data": "mediate",
        f"{ids.FOLLOWUP_CASE}.data": {"id": dispute, "version": 1},
        f"{ids.MEDIATE_OUTCOME}.value": "success", f"{ids.MEDIATE_NAME}.value": "老李",
        f"{ids.CONSOLE_STATE}.data": _state("en")}, trigger=f"{ids.FOLLOWUP_SUBMIT}.n_clicks")
    refused = post_callback(viewer, body)
    assert refused.status_code == 200 and _count(app, Mediation) == 0
    # the case named as a string of digits is the same case; as garbage it is refused
    garbled = json.loads(json.dumps(body))
    for entry in garbled["state"]:
        if entry["id"] == ids.FOLLOWUP_CASE:
            entry["value"] = {"id": "x", "version": 1}
    assert post_callback(commander, garbled).status_code in (200, 400, 403)
    assert _count(app, Mediation) == 0
    done = post_callback(commander, body)
    assert done.status_code == 200 and _count(app, Mediation) == 1
