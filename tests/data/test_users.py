"""Accounts, region scope and display tokens, on both stores (data/users.py)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from data import store, users
from data.models import DisplayToken, Meta, User
from data.users import AccountError, Principal
from tests import tiny_store

PASSWORD = "correct-horse-7"
KEY = "a-signing-key-for-tests-" + "0" * 40


def _user_count(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(User))


@pytest.fixture
def county(engine):
    """The tiny county: C → T1 (G1, G2), T2 (G3); ids 1..6 as in tests/tiny_store.py."""
    tiny_store.build(engine)
    return engine


def test_the_password_is_stored_hashed_and_checks(county):
    users.add_user(county, "zhang", PASSWORD, "viewer", "T1")
    with county.connect() as conn:
        stored = conn.scalar(select(User.password_hash).where(User.name == "zhang"))
        everything = " ".join(str(v) for row in conn.execute(select(User)).all() for v in row)
    assert PASSWORD not in everything
    assert stored != PASSWORD and stored.startswith(("scrypt:", "pbkdf2:"))
    assert check_password_hash(stored, PASSWORD)  # werkzeug itself, not our wrapper
    user = users.authenticate(county, "zhang", PASSWORD)
    assert user is not None and (user.name, user.role, user.region_code) == ("zhang", "viewer",
                                                                            "T1")


def test_wrong_password_unknown_name_and_disabled_account_are_all_refused_alike(county):
    users.add_user(county, "zhang", PASSWORD, "commander")
    assert users.authenticate(county, "zhang", PASSWORD + "x") is None
    assert users.authenticate(county, "li", PASSWORD) is None
    assert users.authenticate(county, "zhang", "") is None
    users.disable(county, "zhang")
    assert users.authenticate(county, "zhang", PASSWORD) is None
    assert users.get_user(county, "zhang").disabled


def test_a_new_password_replaces_the_old_and_changes_the_session_stamp(county):
    before = users.add_user(county, "zhang", PASSWORD, "viewer")
    users.set_password(county, "zhang", "another-good-one")
    assert users.authenticate(county, "zhang", PASSWORD) is None
    after = users.authenticate(county, "zhang", "another-good-one")
    assert after is not None and after.stamp != before.stamp


@pytest.mark.parametrize("name, password, role, region, key", [
    ("zhang", "", "viewer", None, "auth_empty_password"),
    ("zhang", "   ", "viewer", None, "auth_empty_password"),
    ("zhang", "short1", "viewer", None, "auth_short_password"),
    ("zhang", "password", "viewer", None, "auth_weak_password"),
    ("zhang", "aaaaaaaaaa", "viewer", None, "auth_weak_password"),
    ("zhang", "zhang-2026!", "viewer", None, "auth_weak_password"),
    ("zhang", PASSWORD, "boss", None, "auth_unknown_role"),
    ("zhang", PASSWORD, "viewer", "NOPE", "auth_unknown_region"),
    ("", PASSWORD, "viewer", None, "auth_bad_name"),
    ("two words", PASSWORD, "viewer", None, "auth_bad_name"),
])
def test_bad_accounts_are_refused_with_a_reason_and_nothing_written(county, name, password,
                                                                    role, region, key):
    with pytest.raises(AccountError) as refused:
        users.add_user(county, name, password, role, region)
    assert refused.value.key == key
    assert str(refused.value)  # an English line for the command line
    assert _user_count(county) == 0


def test_a_taken_name_is_refused(county):
    users.add_user(county, "zhang", PASSWORD, "viewer")
    with pytest.raises(AccountError) as refused:
        users.add_user(county, "zhang", "other-pass-99", "admin")
    assert refused.value.key == "auth_duplicate_name" and refused.value.values == {
        "name": "zhang"}
    assert _user_count(county) == 1
    assert users.get_user(county, "zhang").role == "viewer"


def test_unknown_account_operations_say_which_name(county):
    for call in (lambda: users.set_password(county, "ghost", PASSWORD),
                 lambda: users.disable(county, "ghost"),
                 lambda: users.get_user(county, "ghost")):
        with pytest.raises(AccountError) as refused:
            call()
        assert refused.value.key == "auth_unknown_user" and "ghost" in str(refused.value)


# --- scope -----------------------------------------------------------------------------------

def _principal(engine, region_id, role="viewer", kind="user") -> Principal:
    return Principal(name="p", role=role, region_id=region_id, region_code=None, kind=kind,
                     engine=engine)


def test_a_town_scope_covers_its_grids_and_nothing_else(county):
    town = _principal(county, 2)  # T1: G1 (4) and G2 (5)
    assert [town.can_see(r) for r in (1, 2, 3, 4, 5, 6)] == [False, True, False, True, True,
                                                               False]
    assert not town.can_see(None)  # the whole deployment is wider than a town
    assert town.covers([4, 5, 2]) and not town.covers([4, 6])
    county_wide = _principal(county, 1)
    assert all(county_wide.can_see(r) for r in range(1, 7))
    assert not county_wide.can_see(None)
    everyone = _principal(county, None)
    assert everyone.can_see(None) and everyone.can_see(6)


def test_only_commanders_and_admins_may_act_and_a_display_never(county):
    assert not _principal(county, 2, "viewer").can_act(4)
    assert _principal(county, 2, "commander").can_act(4)
    assert not _principal(county, 2, "commander").can_act(6)  # another town's grid
    assert _principal(county, None, "admin").can_act(None)
    assert not _principal(county, None, "display", kind="display").can_act(4)


def test_the_closure_table_follows_a_moved_region(county):
    """Scope is read from region_ancestors, so it follows the hierarchy as it is stored."""
    from sqlalchemy import update

    from data.models import Region

    town = _principal(county, 2)
    assert not town.can_see(6)
    with store.transaction(county) as conn:
        conn.execute(update(Region).where(Region.id == 6).values(parent_id=2))
        store.rebuild_region_ancestors(conn)
    assert town.can_see(6)


# --- display tokens ---------------------------------------------------------------------------

def test_a_display_token_is_shown_once_and_stored_only_as_a_hash(county):
    token = users.create_display_token(county, "T1", label="room 2")
    assert len(token) >= 40
    with county.connect() as conn:
        rows = conn.execute(select(DisplayToken)).all()
        meta = conn.execute(select(Meta.value)).scalars().all()
    stored = " ".join(str(v) for row in rows for v in row)
    assert token not in stored and token not in " ".join(meta)
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    scope = users.check_display_token(county, token)
    assert scope is not None and (scope.region_id, scope.region_code, scope.label) == (
        2, "T1", "room 2")


def test_unknown_and_revoked_tokens_give_nothing(county):
    token = users.create_display_token(county, None)
    other = users.create_display_token(county, "T2")
    assert users.check_display_token(county, token).region_id is None
    assert users.check_display_token(county, token + "x") is None
    assert users.check_display_token(county, "") is None
    assert users.check_display_token(county, None) is None
    first = users.list_display_tokens(county)[0]
    users.revoke_display_token(county, first.id)
    assert users.check_display_token(county, token) is None
    assert users.check_display_token(county, other) is not None  # only that one
    listed = users.list_display_tokens(county)
    assert [t.revoked_at is not None for t in listed] == [True, False]
    with pytest.raises(AccountError) as refused:
        users.revoke_display_token(county, 999)
    assert refused.value.key == "auth_unknown_token"


def test_a_token_for_an_unknown_region_is_refused(county):
    with pytest.raises(AccountError) as refused:
        users.create_display_token(county, "NOPE")
    assert refused.value.key == "auth_unknown_region"
    assert users.list_display_tokens(county) == []


def test_the_principal_of_a_token_is_read_only(county):
    info = users.check_display_token(county, users.create_display_token(county, "T1"))
    principal = users.principal_for_token(county, info)
    assert principal.is_display and principal.can_see(4) and not principal.can_act(4)
    assert not principal.can_see(6)


# --- the signing key and the demo's accounts ----------------------------------------------------

def test_secrets_an_older_release_kept_in_meta_are_read_then_forgotten(county):
    assert users.legacy_secret_key(county) is None
    with store.transaction(county) as conn:
        store.set_meta(conn, "source", "demo")
    clear = users.create_display_token(county, None, label="demo wall")
    other = users.create_display_token(county, "T1")
    with store.transaction(county) as conn:
        store.set_meta(conn, users.SECRET_KEY_META, "k" * 64)
        store.set_meta(conn, users.DEMO_TOKEN_META, clear)
    assert users.legacy_secret_key(county) == "k" * 64
    users.forget_legacy_secrets(county)
    assert users.legacy_secret_key(county) is None
    with county.connect() as conn:
        everything = " ".join(conn.execute(select(Meta.value)).scalars().all())
    assert "k" * 64 not in everything and clear not in everything
    assert users.check_display_token(county, clear) is None  # it was readable: revoked
    assert users.check_display_token(county, other) is not None  # only that one


def test_demo_accounts_only_on_the_demo_and_only_once(county):
    assert users.ensure_demo_accounts(county) == []  # tiny_store is not the demo
    assert _user_count(county) == 0
    assert users.demo_wall_token(county, KEY) is None
    with store.transaction(county) as conn:
        store.set_meta(conn, "source", "demo")
    made = users.ensure_demo_accounts(county)
    assert {(a.name, a.role, a.region_code) for a in made} == {
        ("admin", "admin", None), ("commander", "commander", "C"),
        ("town", "commander", "T1"), ("viewer", "viewer", "C"),
        ("operator", "operator", "T1")}
    for account in made:
        assert users.authenticate(county, account.name, account.password) is not None
    assert users.ensure_demo_accounts(county) == []  # accounts exist: nothing more
    assert _user_count(county) == 5


def test_the_demo_wall_token_is_the_same_each_start_until_revoked(county):
    with store.transaction(county) as conn:
        store.set_meta(conn, "source", "demo")
    token = users.demo_wall_token(county, KEY)
    assert token and users.demo_wall_token(county, KEY) == token
    assert users.check_display_token(county, token).region_id is None
    users.revoke_display_token(county, users.list_display_tokens(county)[0].id)
    fresh = users.demo_wall_token(county, KEY)
    assert fresh != token and users.check_display_token(county, fresh) is not None
    assert users.demo_wall_token(county, KEY) == fresh
    assert len(users.list_display_tokens(county)) == 2


def test_the_demo_wall_token_is_kept_only_as_a_hash_and_follows_the_key(county):
    """The README says the store keeps only tokens' hashes: the demo's is no exception."""
    with store.transaction(county) as conn:
        store.set_meta(conn, "source", "demo")
    token = users.demo_wall_token(county, KEY)
    with county.connect() as conn:
        meta = " ".join(conn.execute(select(Meta.value)).scalars().all())
        tokens = " ".join(str(v) for row in conn.execute(select(DisplayToken)).all()
                          for v in row)
    assert token not in meta and token not in tokens
    other_key = users.demo_wall_token(county, "another-key-" + "x" * 40)
    assert other_key != token  # without the key, the token cannot be worked out


def test_the_sign_in_page_hints_only_demo_passwords_that_still_work(county):
    assert users.demo_sign_in_hints(county) == ([], None)
    with store.transaction(county) as conn:
        store.set_meta(conn, "source", "demo")
    made = users.ensure_demo_accounts(county)
    token = users.demo_wall_token(county, KEY)
    cache: dict = {}
    hints, wall = users.demo_sign_in_hints(county, cache, secret_key=KEY)
    assert hints == made and wall == token
    assert users.demo_sign_in_hints(county, cache)[1] is None  # no key, no token
    users.set_password(county, "admin", "changed-by-the-operator")
    users.disable(county, "viewer")
    hints, _ = users.demo_sign_in_hints(county, cache)
    assert [a.name for a in hints] == [a.name for a in made if a.name not in ("admin", "viewer")]


# --- password rules (zxcvbn) ---------------------------------------------------------------------

@pytest.mark.parametrize("password", [
    "12341234", "qwertyuiop", "1qaz2wsx", "password123", "iloveyou", "abcd1234efgh",
    "qy-guanli-2026", "qy-zhihui-2026", "qy-zhenji-2026", "qy-chakan-2026",  # the demo's
    "qy-shouli-2026",
    "Zhang2026", "dashboard2026",
])
def test_common_patterned_and_published_passwords_are_refused(county, password):
    with pytest.raises(AccountError) as refused:
        users.add_user(county, "zhang", password, "viewer")
    assert refused.value.key == "auth_weak_password"
    assert "too easy to guess" in str(refused.value)
    assert _user_count(county) == 0


def test_a_weak_new_password_is_refused_and_the_old_one_kept(county):
    users.add_user(county, "zhang", PASSWORD, "viewer")
    for weak in ("1qaz2wsx", "qy-zhihui-2026"):
        with pytest.raises(AccountError):
            users.set_password(county, "zhang", weak)
    assert users.authenticate(county, "zhang", PASSWORD) is not None


def test_strong_passwords_pass_including_the_test_helpers_and_very_long_ones(county):
    from tests.auth_helpers import make_user

    for n in range(5):  # generated ones are random: try a few
        assert make_user(county, f"helper{n}", "viewer")
    users.add_user(county, "li", "Mountain-Kettle-49-Orchid", "viewer")
    users.add_user(county, "wang", "x9!Kq" * 40, "viewer")  # past zxcvbn's 72 characters
    assert _user_count(county) == 7


def test_the_demo_accounts_are_made_with_the_passwords_nobody_may_choose(county):
    with store.transaction(county) as conn:
        store.set_meta(conn, "source", "demo")
    for account in users.ensure_demo_accounts(county):
        assert users.authenticate(county, account.name, account.password) is not None
        with pytest.raises(AccountError):
            users.set_password(county, account.name, account.password)


# --- session records ------------------------------------------------------------------------------

def test_a_session_lives_until_ended_or_unused_for_its_hours(county):
    from datetime import timedelta

    from data import sessions
    from data.models import SignInSession

    user = users.add_user(county, "zhang", PASSWORD, "viewer")
    start = store.utcnow()
    sid = sessions.start(county, user.id, now=start)
    with county.connect() as conn:
        stored = conn.execute(select(SignInSession.id_hash)).scalars().all()
    assert sid not in stored and stored == [hashlib.sha256(sid.encode()).hexdigest()]
    assert sessions.user_of(county, sid, now=start) == user.id
    later = start + timedelta(hours=sessions.SESSION_HOURS - 1)
    assert sessions.user_of(county, sid, now=later) == user.id  # used: its clock restarts
    idle = later + timedelta(hours=sessions.SESSION_HOURS, seconds=1)
    assert sessions.user_of(county, sid, now=idle) is None
    assert sessions.user_of(county, sid + "x", now=start) is None
    assert sessions.user_of(county, None) is None and sessions.user_of(county, 123) is None
    other = sessions.start(county, user.id)
    sessions.end(county, other)
    assert sessions.user_of(county, other) is None


def test_a_new_password_disabling_and_signout_end_every_session_of_that_account(county):
    from data import sessions

    zhang = users.add_user(county, "zhang", PASSWORD, "viewer")
    li = users.add_user(county, "li", "Mountain-Kettle-49-Orchid", "viewer")
    first, second = sessions.start(county, zhang.id), sessions.start(county, zhang.id)
    hers = sessions.start(county, li.id)
    users.set_password(county, "zhang", "another-good-one")
    assert sessions.user_of(county, first) is None and sessions.user_of(county, second) is None
    assert sessions.user_of(county, hers) == li.id  # only that account's
    third = sessions.start(county, zhang.id)
    assert users.sign_out_everywhere(county, "zhang") == 1
    assert sessions.user_of(county, third) is None
    users.disable(county, "li")
    assert sessions.user_of(county, hers) is None


def test_demo_accounts_reads_nothing_after_its_connection_is_given_back(county):
    """The sign-in page's 503s under a burst: a result read after its connection went
    back to the pool fails when that connection is closed or taken meanwhile. With a pool
    that closes every connection given back, any such read fails every time."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    closing = create_engine(county.url.render_as_string(hide_password=False),
                            poolclass=NullPool)
    try:
        accounts = users.demo_accounts(closing)
        assert [a.name for a in accounts] == ["admin", "commander", "town", "viewer", "operator"]
        assert next(a for a in accounts if a.name == "town").region_code == "T1"
    finally:
        closing.dispose()


def test_a_long_import_holding_sqlites_write_lock_does_not_hold_up_a_console(sqlite_engine):
    """Checking a session notes its use (a write) at most once a minute; with another
    writer holding the lock it gives up at once instead of waiting 30 s, and the session
    still counts."""
    import time
    from datetime import timedelta

    from sqlalchemy import text

    from data import sessions
    from data.models import SignInSession

    tiny_store.build(sqlite_engine)
    user = users.add_user(sqlite_engine, "zhang", PASSWORD, "viewer")
    earlier = store.utcnow() - timedelta(minutes=5)
    sid = sessions.start(sqlite_engine, user.id, now=earlier)
    importer = sqlite_engine.connect()
    importer.exec_driver_sql("BEGIN IMMEDIATE")  # what a long import holds
    try:
        began = time.monotonic()
        assert sessions.user_of(sqlite_engine, sid) == user.id
        assert time.monotonic() - began < 5
    finally:
        importer.rollback()
        importer.close()
    with sqlite_engine.connect() as conn:
        assert conn.scalar(select(SignInSession.last_seen_at)) == earlier  # not noted then
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == sessions.SQLITE_WAIT_MS
    assert sessions.user_of(sqlite_engine, sid) == user.id
    with sqlite_engine.connect() as conn:
        assert conn.scalar(select(SignInSession.last_seen_at)) > earlier  # noted now
