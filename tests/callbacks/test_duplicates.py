"""The case detail of a live case and its duplicate decisions (callbacks/duplicates.py,
layouts/case_extras.py), called directly in a request of the app and, for hand-made
bodies, over HTTP.

The store is :mod:`tests.workflow_store`'s (grids G1, G2, G3 under town T1); the live
parts (the intake row, photos, the duplicate link) are inserted by hand.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from dash import no_update
from flask import g
from sqlalchemy import insert, select, update

from callbacks import console as console_cb
from callbacks import duplicates as cb
from callbacks import pages, wall
from dashboard.app import create_app
from dashboard.settings import Settings
from data import schema, store
from data.console_state import ConsoleState
from data.models import Case, CaseEvent, CaseIntake, CaseLink, CaseMedia
from data.users import Principal
from layouts import ids
from tests import workflow_store as ws
from tests.auth_helpers import callback_body, make_user, make_wall_token, post_callback, sign_in
from tests.workflow_store import NOW

PHONE = "13800138000"
REPORTER = "李大爷"


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}",
                              media_dir=str(tmp_path / "media")))
    ws.build(_engine(app))
    return app


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


def _pair(app, newer_region: int = ws.G1) -> dict:
    """An older filed case in G1 and a newer reported one 12 m away (in ``newer_region``)
    that came in at the hotline desk with a photo, and the hint that joins them."""
    engine = _engine(app)
    with store.transaction(engine) as conn:
        older = ws.add_case(conn, schema.FILED, reported_at=NOW - timedelta(hours=5))
        newer = ws.add_case(conn, schema.REPORTED, region_id=newer_region,
                            reported_at=NOW - timedelta(hours=1))
        conn.execute(update(Case).where(Case.id == newer).values(
            reporter=REPORTER, source="hotline"))
        conn.execute(insert(CaseIntake).values(
            case_id=newer, door=schema.DESK, user_name="接线员小王", reporter_phone=PHONE,
            received_at=NOW - timedelta(hours=1)))
        photo = conn.execute(insert(CaseMedia).values(
            case_id=newer, position=1, filename=f"{newer}-a.jpg", content_type="image/jpeg",
            size=10, width=4, height=3, sha256="0" * 64, created_at=NOW)).inserted_primary_key[0]
        conn.execute(insert(CaseLink).values(
            case_id=newer, other_id=older, kind=schema.DUPLICATE, state=schema.SUSPECTED,
            distance_m=12.0, created_at=NOW))
        codes = dict(conn.execute(select(Case.id, Case.code)
                                  .where(Case.id.in_([older, newer]))).all())
    return {"older": older, "newer": newer, "photo": photo,
            "older_code": codes[older], "newer_code": codes[newer]}


REGION_CODES = {rid: code for rid, code, *_ in ws.REGIONS}


@contextmanager
def _as(app, role: str = "admin", region: int | None = None, kind: str = "user"):
    """A request of ``app`` made by a principal of ``role`` scoped to ``region``."""
    with app.server.test_request_context("/"):
        g._principal = Principal("张指挥", role, region, REGION_CODES.get(region), kind=kind,
                                 engine=_engine(app))
        yield


def _state(lang: str = "zh") -> dict:
    return ConsoleState.parse("/", "" if lang == "zh" else f"?lang={lang}").to_store()


def _walk(component):
    if isinstance(component, (list, tuple)):
        for c in component:
            yield from _walk(c)
        return
    if component is None or isinstance(component, (str, int, float)):
        return
    yield component
    yield from _walk(getattr(component, "children", None))


def _texts(component) -> str:
    out = []

    def add(value):
        if isinstance(value, (str, int, float)):
            out.append(str(value))
        elif isinstance(value, (list, tuple)):
            for v in value:
                add(v)
        elif value is not None:
            add(getattr(value, "children", None))
    add(component)
    return " ".join(out)


def _decision_buttons(component) -> list[dict]:
    return [c.id for c in _walk(component)
            if isinstance(getattr(c, "id", None), dict) and c.id["type"] == "console-duplicate"]


def _snapshot(app) -> tuple:
    engine = _engine(app)
    with engine.connect() as conn:
        return (tuple(conn.execute(select(Case.id, Case.status, Case.version)
                                   .order_by(Case.id)).all()),
                tuple(conn.execute(select(CaseEvent.id)).all()),
                tuple(conn.execute(select(CaseLink.state)).all()), store.data_version(conn))


def _button(pair: dict, decision: str = "merge", **override) -> dict:
    values = {"newer": pair["newer"], "older": pair["older"], "newer_version": 1,
              "older_version": 1, **override}
    return ids.duplicate_button(decision, values["newer"], values["older"],
                                values["newer_version"], values["older_version"])


# --- what the detail shows -----------------------------------------------------------------

def test_the_detail_shows_the_door_the_reporter_the_photos_and_the_hint(app):
    pair = _pair(app)
    with _as(app):
        shown = console_cb.show_case(pair["newer"], 0, _state())
        older = console_cb.show_case(pair["older"], 0, _state("en"))
    text = _texts(shown)
    for expected in ("受理渠道", "热线", "接入方式", "热线受理台", "接线员小王", REPORTER, PHONE,
                     "疑似重复", pair["older_code"], "12"):
        assert expected in text, expected
    images = [c for c in _walk(shown) if type(c).__name__ == "Img"]
    assert [i.src for i in images] == [f"/media/{pair['photo']}"]
    links = [c for c in _walk(shown) if type(c).__name__ == "A" and
             getattr(c, "href", None) == f"/media/{pair['photo']}"]
    assert len(links) == 1
    # the link opens the other case; both decisions are offered to an admin
    opener = [c.id for c in _walk(shown) if isinstance(getattr(c, "id", None), dict)
              and c.id["type"] == "console-linked-case"]
    assert opener == [ids.linked_case(pair["older"])]
    assert {b["decision"] for b in _decision_buttons(shown)} == {"merge", "dismiss"}
    # the older case shows the hint too, the other way round, and no intake (imported)
    assert pair["newer_code"] in _texts(older) and "Possible duplicate" in _texts(older)
    assert PHONE not in _texts(older) and "Came in through" not in _texts(older)


def test_the_buttons_are_offered_only_to_who_may_act_on_both_cases(app):
    pair = _pair(app, newer_region=ws.G2)  # the newer in G2, the older in G1
    with _as(app, "viewer", ws.T1):
        viewer = console_cb.show_case(pair["newer"], 0, _state())
    with _as(app, "commander", ws.G1):
        g1 = console_cb.show_case(pair["older"], 0, _state())
    with _as(app, "commander", ws.T1):
        t1 = console_cb.show_case(pair["older"], 0, _state())
    assert "疑似重复" in _texts(viewer) and _decision_buttons(viewer) == []
    # G1's commander sees the older case's hint, but not the other case's code, and no button
    assert "辖区外的另一案卷" in _texts(g1) and pair["newer_code"] not in _texts(g1)
    assert _decision_buttons(g1) == []
    assert len(_decision_buttons(t1)) == 2


def test_a_merge_shows_on_both_cases(app):
    pair = _pair(app)
    with _as(app):
        said, refresh = cb.decide_duplicate([1], 3, _state(), trigger=_button(pair))
        older = console_cb.show_case(pair["older"], 4, _state())
        newer = console_cb.show_case(pair["newer"], 4, _state())
    assert said == f"已将 {pair['newer_code']} 作为重复并入 {pair['older_code']}"
    assert refresh == 4
    assert "已合并" in _texts(older) and pair["newer_code"] in _texts(older)
    assert REPORTER in _texts(older)  # the merged reporter, in the older case's history
    assert "作废（重复），已并入" in _texts(newer) and pair["older_code"] in _texts(newer)
    assert "已作废" in _texts(newer)
    assert _decision_buttons(older) == [] and _decision_buttons(newer) == []


def test_dismiss_clears_the_hint(app):
    pair = _pair(app)
    with _as(app, "commander", ws.T1):
        said, refresh = cb.decide_duplicate([0, 1], 0, _state("en"),
                                            trigger=_button(pair, "dismiss"))
        shown = console_cb.show_case(pair["newer"], 1, _state())
    assert said == f"{pair['newer_code']} is no longer marked a duplicate of " \
                   f"{pair['older_code']}" and refresh == 1
    assert "疑似重复" not in _texts(shown) and "已排除重复提示" in _texts(shown)


@pytest.mark.parametrize("who", [
    ("commander", ws.G1, "user"),  # sees the older (G1) but not the newer (G2)
    ("commander", ws.G2, "user"),
    ("viewer", ws.T1, "user"),
    ("operator", ws.T1, "user"),
    ("viewer", None, "display"),  # a wall's token
])
def test_who_may_not_act_on_both_cases_is_refused_and_nothing_is_written(app, who):
    pair = _pair(app, newer_region=ws.G2)
    before = _snapshot(app)
    role, region, kind = who
    with _as(app, role, region, kind):
        for decision in ("merge", "dismiss"):
            said, refresh = cb.decide_duplicate([1], 0, _state(), trigger=_button(pair,
                                                                                decision))
            assert refresh is no_update and said, (who, decision)
            assert pair["newer_code"] not in said and "G2" not in said
    assert _snapshot(app) == before


def test_hand_made_decisions_are_refused_and_nothing_is_written(app):
    pair = _pair(app)
    other = _pair(app, newer_region=ws.G2)
    before = _snapshot(app)
    with _as(app, "commander", ws.G1):
        answers = {
            # the newer and the older swapped: the older would be voided
            "swapped": _button(pair, newer=pair["older"], older=pair["newer"]),
            # one of the ids is a case of G2, outside the commander's grid
            "outside": _button(pair, newer=other["newer"]),
            "unknown": _button(pair, older=987654),
            "not_an_id": _button(pair, older="1 OR 1=1"),
            "stale": _button(pair, older_version=7),
            "bad_version": _button(pair, newer_version="1"),
        }
        said = {name: cb.decide_duplicate([1], 0, _state("en"), trigger=trigger)
                for name, trigger in answers.items()}
        silent = cb.decide_duplicate([1], 0, _state(), trigger={**_button(pair),
                                                                "decision": "drop"})
    assert "newer case into the older" in said["swapped"][0]
    assert said["outside"][0] == said["unknown"][0] and "outside your area" in said["outside"][0]
    assert other["newer_code"] not in said["outside"][0]
    assert "whole number" in said["not_an_id"][0] and "whole number" in said["bad_version"][0]
    assert "changed in the meantime" in said["stale"][0] and said["stale"][1] == 1
    assert silent == (no_update, no_update)
    assert _snapshot(app) == before


def test_no_click_does_nothing_and_a_pair_link_opens_the_other_case(app):
    pair = _pair(app)
    with _as(app):
        assert cb.decide_duplicate([0, 0], 0, _state(), trigger=_button(pair)) == (
            no_update, no_update)
    assert cb.open_linked([1], trigger=ids.linked_case(pair["older"])) == pair["older"]
    assert cb.open_linked([0], trigger=ids.linked_case(pair["older"])) is no_update
    assert cb.open_linked([1], trigger={"type": "console-linked-case", "case": "x"}) \
        is no_update


# --- over HTTP, as a browser (or someone with curl) sends it ----------------------------------

def _decide_body(app, trigger: dict) -> dict:
    sent = callback_body(app, f"{ids.DUPLICATE_FEEDBACK}.children",
                         {f"{ids.CONSOLE_STATE}.data": _state("en"),
                          f"{ids.CONSOLE_REFRESH}.data": 0})
    sent["inputs"][0] = [{"id": trigger, "property": "n_clicks", "value": 1}]
    sent["changedPropIds"] = [json.dumps(trigger, separators=(",", ":"), sort_keys=True)
                              + ".n_clicks"]
    return sent


def test_over_http_a_forged_pair_and_a_wall_token_are_refused(app):
    pair = _pair(app)
    other = _pair(app, newer_region=ws.G2)
    engine = _engine(app)
    client = app.server.test_client()
    sign_in(client, "g1", make_user(engine, "g1", "commander", "G1"))
    wall_client = app.server.test_client()
    token = make_wall_token(engine, "T1")
    before = _snapshot(app)
    forged = _decide_body(app, _button(pair, newer=other["newer"]))
    answer = post_callback(client, forged)
    assert answer.status_code == 200
    words = answer.get_json()["response"][ids.DUPLICATE_FEEDBACK]["children"]
    assert "outside your area" in words and other["newer_code"] not in words
    refused = post_callback(wall_client, _decide_body(app, _button(pair)), token=token)
    assert refused.status_code == 403
    # a wall never reads a case's detail: its token is refused show_case's callback too
    detail = callback_body(app, f"{ids.CONSOLE_DETAIL}.children",
                           {f"{ids.CONSOLE_CASE}.data": pair["newer"],
                            f"{ids.CONSOLE_STATE}.data": _state()})
    shown = post_callback(wall_client, detail, token=token)
    assert shown.status_code == 403 and PHONE not in shown.get_data(as_text=True)
    assert _snapshot(app) == before
    # and the honest decision, by a commander of both, goes through
    ok = post_callback(client, _decide_body(app, _button(pair)))
    assert pair["older_code"] in ok.get_json()["response"][ids.DUPLICATE_FEEDBACK]["children"]
    with engine.connect() as conn:
        assert conn.scalar(select(Case.status).where(Case.id == pair["newer"])) == \
            schema.VOIDED


def test_a_display_token_cannot_read_the_reporter_even_past_the_guard(app):
    pair = _pair(app)
    with _as(app, "viewer", None, "display"):
        shown = console_cb.show_case(pair["newer"], 0, _state())
    assert isinstance(shown, str) and PHONE not in shown and REPORTER not in shown
    # the wall's and the router's callbacks (the only ones a token may run) never import
    # the case detail
    for module in (wall, pages):
        assert "case_detail" not in Path(module.__file__).read_text(encoding="utf-8")
