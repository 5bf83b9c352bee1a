"""``GET /export/cases.csv`` (dashboard/export_route.py): the console's list as a CSV,
streamed, for those who may see the region, on SQLite and PostgreSQL.

The rows are counted by hand on tiny_store (K1-K4) and on tests/authz_world.py's store;
everyone who can ask asks for every region by a hand-made address (not the console's):
a user outside the region, a wall's token (in the address or the header), the signed-out,
a region no one has, a hostile filter. Nobody gets a row outside their scope, and a bad
value is a 400 that names it, never a half-sent file.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pandas as pd
import pytest

from dashboard.app import create_app
from dashboard.export_route import csv_address
from dashboard.settings import Settings
from data.console_state import ConsoleState
from tests import tiny_store
from tests.auth_helpers import make_user, make_wall_token, sign_in
from tests.authz_world import PRINCIPALS, make_world, response_text

PERIOD = "period=custom&from=2026-03-01&to=2026-03-10"


@pytest.fixture
def tiny(engine):
    """tiny_store's app with a signed-in viewer of the county (C) and of town T2."""
    tiny_store.build(engine)
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    clients = {}
    for name, region in (("county", "C"), ("town2", "T2")):
        client = app.server.test_client()
        sign_in(client, name, make_user(engine, name, "viewer", region=region))
        clients[name] = client
    return app, clients


def test_the_file_name_says_the_deployments_local_time(tiny, engine, monkeypatch):
    """18:30 UTC on 20 March is 02:30 on the 21st in Shanghai (UTC+8), issue 18."""
    from datetime import datetime

    from data import store

    app, clients = tiny
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "Asia/Shanghai")
    monkeypatch.setattr("dashboard.export_route.utcnow", lambda: datetime(2026, 3, 20, 18, 30))
    response = clients["county"].get(f"/export/cases.csv?region=C&{PERIOD}")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="cases_C_20260301-20260310_20260321-0230.csv"')


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    return frame.iloc[:, 0].tolist()


def test_the_csv_holds_the_rows_counted_by_hand(tiny):
    app, clients = tiny
    county = clients["county"]
    response = county.get(f"/export/cases.csv?region=C&{PERIOD}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{response.headers["Content-Disposition"].split(chr(34))[1]}"')
    assert response.headers["Content-Disposition"].split('"')[1].startswith("cases_C_20260301")
    assert response.data.startswith("\ufeff案卷编号,".encode("utf-8"))
    # newest first: K4 (3-4), K3 (3-3), K2 (3-2 09:00), K1 (3-2 08:00)
    assert _codes(response) == ["K4", "K3", "K2", "K1"]
    assert _codes(county.get(f"/export/cases.csv?region=T1&{PERIOD}")) == ["K2", "K1"]
    assert _codes(county.get(f"/export/cases.csv?region=C&{PERIOD}&status=closed")) == \
        ["K3", "K1"]
    # the grid's own sort and filters, as the console's address carries them
    state = ConsoleState.parse("/region/C", "?" + PERIOD + "&lang=en")
    address = csv_address(state, "C", [{"colId": "code", "sort": "asc"}],
                          {"status": {"filterType": "set", "values": ["closed", "voided"]}})
    response = county.get(address)
    assert _codes(response) == ["K1", "K3", "K4"]
    assert response.data.startswith("\ufeffCase code,".encode("utf-8"))  # lang=en


def test_without_a_region_the_user_gets_their_own(tiny):
    _, clients = tiny
    assert _codes(clients["town2"].get(f"/export/cases.csv?{PERIOD}")) == ["K4", "K3"]


def test_a_user_outside_the_region_gets_no_row(tiny):
    _, clients = tiny
    for address in (f"/export/cases.csv?region=T1&{PERIOD}", f"/export/cases.csv?region=C&{PERIOD}",
                    f"/export/cases.csv?region=G1&{PERIOD}", f"/export/cases.csv?region=NOPE&{PERIOD}",
                    f"/export/cases.csv?region=T2&region=T1&{PERIOD}"):
        response = clients["town2"].get(address)
        if response.status_code == 200:  # a repeated region: the first is read, T2's own
            assert set(_codes(response)) <= {"K3", "K4"}, address
            continue
        assert response.status_code == 403, address
        text = response.get_data(as_text=True)
        assert "K1" not in text and "K2" not in text and "auth_out_of_scope" in text


def test_bad_values_are_400_naming_them(tiny):
    _, clients = tiny
    county = clients["county"]
    for address, named in (("/export/cases.csv?region=C&period=forever", "period"),
                           (f"/export/cases.csv?region=C&{PERIOD}&sort=not-json", "sort"),
                           (f"/export/cases.csv?region=C&{PERIOD}&sort="
                            + quote('[{"colId": "password_hash", "sort": "asc"}]'), "sort"),
                           (f"/export/cases.csv?region=C&{PERIOD}&filter="
                            + quote('{"nope": {"filterType": "text"}}'), "nope")):
        response = county.get(address)
        assert response.status_code == 400, address
        assert response.mimetype == "application/json", address
        assert named in response.get_data(as_text=True), address


def test_everyone_who_can_ask_by_hand(tmp_path):
    """Every principal of tests/authz_world.py, every region, a hand-made address."""
    world = make_world(f"sqlite:///{tmp_path / 'export.sqlite3'}")
    try:
        for target in ("T1", "T2", None, "NOPE"):
            path = "/export/cases.csv?period=30d" + (f"&region={target}" if target else "")
            for who in PRINCIPALS:
                client, token = world.clients[who.name]
                answers = [world.get(who, path)]
                if token:  # the wall's token in the address as well as in the header
                    answers.append(client.get(f"{path}&token={token}"))
                for response in answers:
                    text = response_text(response)
                    where = f"{path} as {who.name}: {response.status_code} {text[:200]}"
                    leaked = [m for m in who.hidden() if m in text]
                    assert not leaked, where
                    may = (not who.display and who.scope is not None and target != "NOPE"
                           and (who.scope == "*" or target in (who.scope, None)))
                    if may:
                        own = {"T1": "CASE-T1-", "T2": "CASE-T2-"}.get(target or who.scope,
                                                                       "CASE-T")
                        assert response.status_code == 200 and own in text, where
                        if who.scope == "*" and target is None:
                            assert "CASE-NOWHERE" not in text  # the list holds located cases
                    elif target == "NOPE" and who.scope == "*" and not who.display:
                        assert response.status_code == 404, where  # unscoped: told so
                    else:
                        assert response.status_code in (302, 403), where
                        assert "CASE-" not in text, where
                        if who.scope is None:  # signed out: to the login page, and back
                            assert response.headers["Location"].startswith("/login?next=")
    finally:
        world.engine.dispose()


def test_a_wall_token_never_exports(sqlite_engine):
    tiny_store.build(sqlite_engine)
    app = create_app(Settings(
        database_url=sqlite_engine.url.render_as_string(hide_password=False)))
    token = make_wall_token(sqlite_engine, None)  # the whole county's wall
    client = app.server.test_client()
    for response in (client.get(f"/export/cases.csv?region=C&{PERIOD}&token={token}"),
                     client.get(f"/export/cases.csv?region=C&{PERIOD}",
                                headers={"X-Display-Token": token})):
        assert response.status_code in (302, 403)
        assert "K1" not in response.get_data(as_text=True)


def test_the_xlsx_cap_is_a_setting():
    from dashboard.settings import SettingsError

    assert Settings.from_env({}).export_xlsx_max_rows == 50_000
    assert Settings.from_env({"DASHBOARD_EXPORT_XLSX_MAX_ROWS": "20000"}
                             ).export_xlsx_max_rows == 20_000
    for raw, words in (("0", "at least 1"), ("many", "whole number"),
                       ("1048576", "expected 1 to 1,048,575")):
        with pytest.raises(SettingsError, match=words):
            Settings.from_env({"DASHBOARD_EXPORT_XLSX_MAX_ROWS": raw})
