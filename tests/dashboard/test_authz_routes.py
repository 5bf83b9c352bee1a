"""The authorization matrix of the routes: every route of the app's server (a route
added later fails :func:`test_every_route_is_in_the_matrix` until it is listed here)
asked by everyone who can ask (tests/authz_world.py): what holds no data answers
everyone alike, pages are shells (their data comes through callbacks, which
test_authz_matrix.py covers) for those who may open them, the PDF prints only a region
the user may see, and no response holds a name from outside the asker's scope.
"""

from __future__ import annotations

import pytest

from data.store import utcnow
from layouts import ids
from tests.auth_helpers import make_user, post_callback, sign_in
from tests.authz_world import (
    MARKERS, PRINCIPALS, STATE, World, body, console_state, make_world, response_text,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    world = make_world(f"sqlite:///{tmp_path_factory.mktemp('authz') / 'routes.sqlite3'}")
    yield world
    world.engine.dispose()


def _week() -> str:
    year, week, _ = utcnow().isocalendar()
    return f"{year}-W{week:02d}"


#: Routes that hold no data: the same answer for everyone, and no name from the store.
PUBLIC = {
    "/static/<path:filename>": ["/static/nothing.txt"],
    "/assets/<path:filename>": ["/assets/auth.js"],
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": [
        "/_dash-component-suites/dash/nothing.v1.js"],
    "/_dash-layout": ["/_dash-layout"],
    "/_dash-dependencies": ["/_dash-dependencies"],
    "/_reload-hash": ["/_reload-hash"],
    "/_favicon.ico": ["/_favicon.ico"],
    "/healthz": ["/healthz"],
    "/login": ["/login", "/login?lang=en"],
}
#: Pages: Dash's shell (the data comes through callbacks), which a principal gets, is sent
#: to the login page or is told no: (path, signed out, a wall's token, a user).
PAGES = {
    "/": [("/", 302, 403, 200)],
    "/<path:path>": [("/region/T1", 302, 403, 200), ("/region/T2", 302, 403, 200),
                     ("/wall", 403, 200, 200), ("/wall?region=T2", 403, 200, 200),
                     ("/briefing?region=T2", 302, 200, 200), ("/no-such-page", 302, 403, 200),
                     ("/officers", 302, 403, 200), ("/officers/T2", 302, 403, 200)],
}
#: Routes with their own test below.
OWN_TEST = {"/_dash-update-component": "the callback matrix", "/logout": "test_logout",
            "/briefing.pdf": "test_the_pdf_route", "/admin/audit": "test_the_audit_page",
            # the GeoReport API: public reads of public fields, writes with an API key
            **{rule: "tests/dashboard/test_open311_contract.py" for rule in (
                "/open311/v2/discovery.json", "/open311/v2/services.json",
                "/open311/v2/services/<path:name>", "/open311/v2/requests.json",
                "/open311/v2/requests/<path:name>", "/open311/v2/<path:rest>",
                "/open311/<path:rest>")},
            "/media/<int:media_id>": "tests/dashboard/test_media_route.py",
            "/export/cases.csv": "tests/dashboard/test_export_route.py",
            # the patrol feed: an officer's API key, their own patrols only
            **{rule: "tests/dashboard/test_patrol_api.py" for rule in (
                "/api/patrols", "/api/patrols/<int:patrol_id>/points",
                "/api/patrols/<path:rest>")}}


def test_every_route_is_in_the_matrix(world):
    rules = {rule.rule for rule in world.app.server.url_map.iter_rules()}
    assert rules == set(PUBLIC) | set(PAGES) | set(OWN_TEST)


def test_routes_that_hold_no_data_answer_everyone_alike(world):
    every = [m for names in MARKERS.values() for m in names] + ["County-Root"]
    for rule, paths in PUBLIC.items():
        for path in paths:
            statuses = set()
            for who in PRINCIPALS:
                response = world.get(who, path)
                text = response_text(response)
                assert not [m for m in every if m in text], f"{path} as {who.name}"
                statuses.add(response.status_code)
            assert len(statuses) == 1, f"{path} answers differently by who asks: {statuses}"


def test_pages_are_shells_for_those_who_may_open_them(world):
    every = [m for names in MARKERS.values() for m in names] + ["County-Root"]
    for rule, samples in PAGES.items():
        for path, signed_out, wall, user in samples:
            for who in PRINCIPALS:
                response = world.get(who, path)
                expected = signed_out if who.scope is None else wall if who.display else user
                # a region-scoped user opening the console's top lands on their region
                lands = path == "/" and who.scope not in (None, "*") and not who.display
                assert response.status_code == (302 if lands else expected), \
                    f"{path} as {who.name}"
                text = response_text(response)
                assert not [m for m in every if m in text], f"{path} as {who.name}"
                if lands:
                    assert response.headers["Location"] == f"/region/{who.scope}"
                elif response.status_code == 302:
                    assert response.headers["Location"].startswith("/login?next=")


def test_callbacks_answer_nothing_but_post(world):
    """A GET of the callbacks' address: refused to a wall and to nobody; a user gets the
    page shell (the catch-all route), with no data."""
    every = [m for names in MARKERS.values() for m in names] + ["County-Root"]
    for who in PRINCIPALS:
        response = world.get(who, "/_dash-update-component")
        expected = {403} if who.scope is None or who.display else {200, 405}
        assert response.status_code in expected, who.name
        assert not [m for m in every if m in response_text(response)], who.name


def test_the_pdf_route(world, monkeypatch):
    """``/briefing.pdf`` prints only a region the signed-in user may see (Chromium is
    replaced by a stand-in that records what it was asked to print)."""
    from dashboard import briefing_export

    printed: list = []

    def capture(*args, **kwargs):
        printed.append(next(a for a in args if isinstance(a, briefing_export.BriefingRequest)))
        raise briefing_export.BriefingExportFailed("stand-in: nothing printed")

    monkeypatch.setattr(briefing_export, "capture", capture)
    for region, scope in (("T1", "T1"), ("T2", "T2"), ("", "*"), ("NOPE", "NOPE")):
        for who in PRINCIPALS:
            printed.clear()
            path = f"/briefing.pdf?week={_week()}" + (f"&region={region}" if region else "")
            response = world.get(who, path)
            where = f"{path} as {who.name}: {response.status_code}"
            text = response_text(response)
            assert not [m for m in who.hidden() if m in text], where
            may = (who.scope is not None and not who.display
                   and (who.scope == "*" and scope != "NOPE" or who.scope == scope))
            if may:
                assert [p.region for p in printed] == [region or "C"], where
            else:
                assert printed == [] and response.status_code in (302, 403, 404), where
                if who.scope not in (None, "*"):  # unknown and out of scope alike
                    assert response.status_code == 403, where


def test_the_audit_page(world):
    """The audit log is an admin's: anyone else is sent to sign in or refused, and sees
    no row of it."""
    expected = {"signed-out": 302, "admin": 200}
    refused = world.get(PRINCIPALS[4], "/briefing.pdf?week=2026-W01&region=T1")
    assert refused.status_code == 403  # commander-T2 asking for T1: a row of the log
    for who in PRINCIPALS:
        response = world.get(who, "/admin/audit")
        assert response.status_code == expected.get(who.name, 403), who.name
        text = response_text(response)
        if who.name != "admin":
            assert "briefing.pdf" not in text and "commander-T2" not in text, who.name
        else:
            assert "commander-T2" in text


def test_logout(world):
    """Sign-out ends the session for every kind of asker (fresh accounts: the matrix's
    own sessions stay)."""
    for name, role, region in (("bye-viewer", "viewer", "T1"), ("bye-admin", "admin", None)):
        client = world.app.server.test_client()
        sign_in(client, name, make_user(world.engine, name, role, region))
        assert client.get("/logout").status_code == 302
        refused = post_callback(client, body(world, "update_panels", {
            STATE: console_state("T1"), f"{ids.CONSOLE_REFRESH}.data": 0}))
        assert refused.status_code == 403 and "Town-One" not in response_text(refused)
    for who in (PRINCIPALS[0], PRINCIPALS[1]):  # signed out, a wall: nothing to end
        assert world.get(who, "/logout").status_code == 302
