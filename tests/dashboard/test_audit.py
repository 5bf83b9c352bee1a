"""The audit log through the real code paths: the /login form, a refused callback, an
action through the console's callback, the command line; and /admin/audit, for admins only.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard import audit_hooks
from dashboard.app import create_app
from dashboard.settings import Settings
from dashboard.cli import main
from data import audit, store
from data.console_state import ConsoleState
from data.models import Case
from layouts import ids
from layouts.auth import build_user_badge
from tests import tiny_store
from tests.auth_helpers import (
    callback_body, make_user, make_wall_token, post_callback, router_body, sign_in,
)


@pytest.fixture
def app(sqlite_engine):
    tiny_store.build(sqlite_engine)  # K2: dispatched, in grid G2 of town T1
    app = create_app(Settings(database_url=sqlite_engine.url.render_as_string(
        hide_password=False)))
    yield app
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _engine(app):
    return app.server.extensions["grid_dashboard"]["engine"]


def _log(app, **filters) -> list[audit.AuditRow]:
    return audit.query(_engine(app), limit=1000, **filters).rows


def _client(app, address: str = "127.0.0.1"):
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _urge(app, code: str) -> dict:
    with _engine(app).connect() as conn:
        cid, version = conn.execute(select(Case.id, Case.version)
                                    .where(Case.code == code)).one()
    return callback_body(app, f"{ids.CONSOLE_REFRESH}.data", {
        f"{ids.ACTION_SUBMIT}.n_clicks": 1,
        f"{ids.CONSOLE_ACTION}.data": "urge",
        f"{ids.CONSOLE_TARGETS}.data": [{"id": cid, "version": version, "code": code}],
        f"{ids.ACTION_NOTE}.value": "请尽快处置",
        f"{ids.CONSOLE_STATE}.data": ConsoleState.parse("/region/T1", "").to_store(),
    }, trigger=f"{ids.ACTION_SUBMIT}.n_clicks")


def test_sign_in_failure_and_sign_out_through_the_form(app):
    password = make_user(_engine(app), "t1boss", "commander", "T1")
    client = _client(app, "10.1.2.3")
    assert sign_in(client, "t1boss", "not-the-password").status_code == 401
    assert sign_in(client, "t1boss", password).status_code == 302
    client.get("/logout")
    client.get("/logout")  # nobody signed in any more: nothing to record
    rows = _log(app)[::-1]
    assert [(r.event, r.actor, r.actor_kind, r.target, r.source, r.detail.get("why"))
            for r in rows] == [
        ("sign_in_failed", "-", "anonymous", "t1boss", "10.1.2.3", "wrong"),
        ("sign_in", "t1boss", "user", None, "10.1.2.3", None),
        ("sign_out", "t1boss", "user", None, "10.1.2.3", None),
    ]
    assert password not in repr(rows) and "not-the-password" not in repr(rows)


def test_a_throttled_burst_is_counted_not_written_row_by_row(app):
    client = app.server.test_client()
    for _ in range(12):
        sign_in(client, "ghost", "wrong-password-1")
    with app.server.test_request_context():
        audit_hooks.flush_pending()
    rows = _log(app, kinds=["sign_in_failed"])
    by_why = {r.detail["why"]: r.count for r in rows}
    assert by_why == {"wrong": 5, "throttled": 7} and len(rows) == 2


def test_a_refused_callback_says_who_what_and_from_where_and_a_storm_is_one_row(app):
    token = make_wall_token(_engine(app), "T1", label="lobby wall")
    client = _client(app, "10.9.9.9")
    for _ in range(30):  # a wall's browser retrying the console's action, over and over
        assert post_callback(client, _urge(app, "K2"), token=token).status_code == 403
    with app.server.test_request_context():
        audit_hooks.flush_pending()  # as the admin page does before reading
    (row,) = _log(app)
    assert (row.event, row.actor, row.actor_kind, row.source, row.count) == (
        "refused", "lobby wall", "display", "10.9.9.9", 30)
    assert row.detail["key"] == "auth_display_only"
    assert row.target.startswith("/_dash-update-component") and ids.CONSOLE_REFRESH in row.target
    assert post_callback(client, router_body("/", app=app)).status_code == 403  # signed out
    assert [(r.actor, r.actor_kind, r.detail["key"]) for r in _log(app)][0] == (
        "-", "anonymous", "auth_signed_out")


def test_an_action_through_the_console_and_a_refused_one_are_both_logged(app):
    own = make_user(_engine(app), "t1boss", "commander", "T1")
    other = make_user(_engine(app), "t2boss", "commander", "T2")
    client = _client(app, "10.0.0.5")
    sign_in(client, "t2boss", other)
    refused = post_callback(client, _urge(app, "K2"))  # worded in the form, not a 403
    assert refused.status_code in (200, 403)
    client.get("/logout")
    sign_in(client, "t1boss", own)
    assert post_callback(client, _urge(app, "K2")).status_code == 200
    (done,) = _log(app, kinds=["case_action"])
    assert (done.actor, done.source, done.target, done.result, done.detail["action"]) == (
        "t1boss", "10.0.0.5", "K2", "ok", "urge")
    (no,) = _log(app, kinds=["refused"])
    assert (no.actor, no.detail["key"]) == ("t2boss", "auth_case_refused")


def test_cli_account_and_token_changes_are_logged_and_printed(app, monkeypatch, capsys):
    settings = Settings(database_url=_engine(app).url.render_as_string(hide_password=False))
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct-horse-7\n"))
    assert main(["user", "add", "zhang", "--role", "viewer", "--password-stdin"],
                settings) == 0
    assert main(["user", "disable", "zhang"], settings) == 0
    assert main(["wall-token", "--region", "T2", "--label", "hall"], settings) == 0
    token = capsys.readouterr().out.split("\n")[1]
    assert [(r.event, r.actor, r.actor_kind, r.target) for r in _log(app)[::-1]] == [
        ("user_added", "cli:ops", "cli", "zhang"), ("user_disabled", "cli:ops", "cli", "zhang"),
        ("token_made", "cli:ops", "cli", "token 1")]
    assert main(["audit", "--kind", "user_added,user_disabled"], settings) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 2 and "停用账号" in printed[0] and "新增账号" in printed[1]
    assert all("cli:ops" in line and "zhang" in line for line in printed)
    assert token not in "".join(printed)
    assert main(["audit", "--kind", "logon"], settings) == 2
    assert "kind='logon'" in capsys.readouterr().err
    assert main(["audit", "--prune-before", "2999-01-01"], settings) == 0
    assert "deleted 3 audit entries" in capsys.readouterr().out and _log(app) == []


def test_the_page_is_for_admins_only(app):
    engine = _engine(app)
    passwords = {name: make_user(engine, name, role, region) for name, role, region in [
        ("boss", "admin", None), ("cmd", "commander", None), ("view", "viewer", None)]}
    token = make_wall_token(engine)
    audit.record(engine, audit.SIGN_IN, "marker-user", source="10.7.7.7")
    client = app.server.test_client()

    def shows_rows(response) -> bool:
        return "marker-user" in response.get_data(as_text=True)

    signed_out = client.get("/admin/audit")
    assert signed_out.status_code == 302 and "/login" in signed_out.location
    assert client.get("/admin/audit", headers={"X-Display-Token": token}).status_code == 403
    by_address = client.get(f"/admin/audit?token={token}")  # a wall's address: to the wall
    assert by_address.status_code in (302, 403) and not shows_rows(by_address)
    for name in ("cmd", "view"):
        sign_in(client, name, passwords[name])
        refused = client.get("/admin/audit")
        assert refused.status_code == 403 and not shows_rows(refused)
        client.get("/logout")
    sign_in(client, "boss", passwords["boss"])
    page = client.get("/admin/audit")
    assert page.status_code == 200 and shows_rows(page)
    # the refusals above were logged, with the page as their target
    keys = {(r.actor, r.detail["key"]) for r in _log(app, kinds=["refused"])
            if r.target == "/admin/audit"}
    assert {("cmd", "auth_admin"), ("view", "auth_admin")} <= keys


def test_the_page_filters_pages_and_escapes(app):
    engine = _engine(app)
    password = make_user(engine, "boss", "admin")
    with store.transaction(engine) as conn:
        for n in range(60):  # a day ago, a minute apart; the admin's own sign-in is newer
            audit.record(conn, audit.SIGN_IN, f"user{n:02d}", source="10.0.0.1",
                         at=store.utcnow() - timedelta(days=1, minutes=60 - n))
        audit.record(conn, audit.SIGN_IN_FAILED, "-", target="<script>alert(1)</script>",
                     detail={"why": "wrong"})
    client = app.server.test_client()
    sign_in(client, "boss", password)
    first = client.get("/admin/audit?kind=sign_in&lang=en").get_data(as_text=True)
    # 50 a page: the admin's sign-in, then user59 .. user11
    assert "Audit log" in first and "user59" in first and "user11" in first
    assert "user10" not in first and "<script>alert" not in first
    older = re.search(r'class="audit-older" href="([^"]+)"', first).group(1)
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "user10" in second and "user00" in second and "user11" not in second
    assert "audit-older" not in second and "audit-newer" in second
    failed = client.get("/admin/audit?kind=sign_in_failed").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in failed and "账号或密码错误" in failed
    only = client.get("/admin/audit?actor=user07").get_data(as_text=True)
    assert "user07" in only and "user06" not in only
    future = client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert "没有符合条件的记录" in future
    for bad in ("kind=logon", "since=yesterday", "page=0", "since=2026-02-02&until=2026-02-01"):
        answer = client.get(f"/admin/audit?{bad}")
        assert answer.status_code == 400, bad
        assert bad.split("=")[0] in answer.get_data(as_text=True)
        assert 'class="audit-filters"' in answer.get_data(as_text=True)  # to fix it in


def test_the_badge_links_the_log_for_admins_only(app):
    engine = _engine(app)
    make_user(engine, "boss", "admin")
    make_user(engine, "cmd", "commander")
    from data import users

    def links(name: str) -> list[str]:
        principal = users.principal_for_user(engine, users.get_user(engine, name))
        badge = build_user_badge(principal, "zh")
        return [c.href for c in badge.children if getattr(c, "href", None)]

    assert "/admin/audit" in links("boss") and "/admin/audit" not in links("cmd")
