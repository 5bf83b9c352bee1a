"""``python -m dashboard user ...`` and ``wall-token ...``, called as a user calls them.

In English (the words are checked here); Chinese, the default, is checked in
tests/dashboard/test_cli_language.py."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.settings import Settings
from data import store, users
from tests import tiny_store

PASSWORD = "correct-horse-7"


@pytest.fixture
def settings(settings):
    return settings.with_(language="en")


@pytest.fixture
def engine(settings):
    engine = store.make_engine(settings.database_url)
    yield engine
    engine.dispose()


def _stdin(monkeypatch, text: str, tty: bool = False) -> None:
    stream = io.StringIO(text)
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", stream)


def test_user_add_reads_the_password_from_stdin_and_stores_its_hash(settings, engine,
                                                                    monkeypatch, capsys):
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["user", "add", "zhang", "--role", "commander", "--region", "T1",
                 "--password-stdin"], settings) == 0
    assert "zhang" in capsys.readouterr().out
    user = users.authenticate(engine, "zhang", PASSWORD)
    assert user is not None and (user.role, user.region_code) == ("commander", "T1")
    assert users.authenticate(engine, "zhang", PASSWORD + "\n") is None  # newline not kept


def test_user_add_asks_twice_at_a_terminal(settings, engine, monkeypatch, capsys):
    _stdin(monkeypatch, "", tty=True)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "add", "li", "--role", "viewer"], settings) == 0
    assert users.authenticate(engine, "li", PASSWORD) is not None
    answers = iter([PASSWORD, PASSWORD + "x"])
    assert main(["user", "add", "wang", "--role", "viewer"], settings) == 2
    assert "differ" in capsys.readouterr().err
    assert [u.name for u in users.list_users(engine)] == ["li"]


@pytest.mark.parametrize("argv, stdin, words", [
    (["user", "add", "zhang", "--role", "viewer", "--region", "NOPE", "--password-stdin"],
     PASSWORD, "no region has the code 'NOPE'"),
    (["user", "add", "zhang", "--role", "boss", "--password-stdin"], PASSWORD,
     "unknown role 'boss'"),
    (["user", "add", "zhang", "--role", "viewer", "--password-stdin"], "short", "at least 8"),
    (["user", "add", "zhang", "--role", "viewer", "--password-stdin"], "", "empty"),
    (["user", "add", "zhang", "--role", "viewer"], PASSWORD, "--password-stdin"),
    (["user", "passwd", "ghost", "--password-stdin"], PASSWORD, "no account is named 'ghost'"),
    (["user", "disable", "ghost"], "", "no account is named 'ghost'"),
    (["wall-token", "--region", "NOPE"], "", "no region has the code 'NOPE'"),
    (["wall-token"], "", "give --region"),
    (["wall-token", "--revoke", "42"], "", "no display token has the id 42"),
])
def test_errors_are_one_line_status_2_and_nothing_written(settings, engine, monkeypatch, capsys,
                                                         argv, stdin, words):
    _stdin(monkeypatch, stdin + "\n")
    assert main(argv, settings) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and err.startswith("error: ")
    assert users.list_users(engine) == [] and users.list_display_tokens(engine) == []


def test_a_taken_name_is_refused_before_the_password_is_asked(settings, engine, monkeypatch,
                                                              capsys):
    users.add_user(engine, "zhang", PASSWORD, "viewer")
    _stdin(monkeypatch, "", tty=True)
    monkeypatch.setattr("getpass.getpass",
                        lambda prompt="": pytest.fail("asked for a password in vain"))
    assert main(["user", "add", "zhang", "--role", "admin"], settings) == 2
    assert "exists" in capsys.readouterr().err
    assert users.get_user(engine, "zhang").role == "viewer"


def test_list_passwd_and_disable(settings, engine, monkeypatch, capsys):
    users.add_user(engine, "zhang", PASSWORD, "viewer", "T2")
    users.add_user(engine, "boss", PASSWORD, "admin")
    assert main(["user", "list"], settings) == 0
    zone, *lines = capsys.readouterr().out.splitlines()
    assert zone == "times in UTC"  # the tiny store's zone
    assert [line.split()[:4] for line in lines] == [["boss", "admin", "*", "active"],
                                                   ["zhang", "viewer", "T2", "active"]]
    _stdin(monkeypatch, "a-new-password\n")
    assert main(["user", "passwd", "zhang", "--password-stdin"], settings) == 0
    assert users.authenticate(engine, "zhang", PASSWORD) is None
    assert users.authenticate(engine, "zhang", "a-new-password") is not None
    assert main(["user", "disable", "zhang"], settings) == 0
    assert users.authenticate(engine, "zhang", "a-new-password") is None
    capsys.readouterr()
    main(["user", "list"], settings)
    assert "disabled" in capsys.readouterr().out.splitlines()[2]


def test_wall_token_prints_the_token_and_the_address_then_lists_and_revokes(settings, engine,
                                                                          capsys):
    assert main(["wall-token", "--region", "T1", "--label", "room 2",
                 "--base-url", "http://10.0.0.5:8050/"], settings) == 0
    out = capsys.readouterr().out
    address = re.search(r"http://10\.0\.0\.5:8050/wall\?token=(\S+)", out)
    assert address, out
    token = address.group(1)
    scope = users.check_display_token(engine, token)
    assert scope is not None and scope.region_code == "T1" and scope.label == "room 2"
    assert main(["wall-token", "--region", "*"], settings) == 0
    everything = re.search(r"/wall\?token=(\S+)", capsys.readouterr().out).group(1)
    assert users.check_display_token(engine, everything).region_id is None
    assert main(["wall-token", "--list"], settings) == 0
    zone, *listed = capsys.readouterr().out.splitlines()
    assert zone == "times in UTC"
    assert [line.split()[:3] for line in listed] == [["1", "T1", "active"],
                                                    ["2", "*", "active"]]
    assert token not in "".join(listed)  # the list never shows a token
    assert main(["wall-token", "--revoke", "1"], settings) == 0
    assert users.check_display_token(engine, token) is None
    assert users.check_display_token(engine, everything) is not None


def test_demo_prints_its_accounts_and_they_sign_in(tmp_path, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    assert main(["--lang", "en", "demo", "--scale", "small"], settings) == 0
    out = capsys.readouterr().out
    printed = re.findall(r"^\s+(\S+)\s+password (\S+)\s+(\S+)", out, flags=re.M)
    assert {name for name, _, _ in printed} == {"admin", "commander", "town", "viewer",
                                             "operator"}
    engine = store.make_engine(settings.database_url)
    for name, password, role in printed:
        user = users.authenticate(engine, name, password)
        assert user is not None and user.role == role
    engine.dispose()


def test_serve_never_makes_accounts_in_a_store_of_imported_data(settings, engine, capsys,
                                                                monkeypatch):
    """It prints how to make the first admin and a wall address instead (issue 18)."""
    from dashboard.cli_serve import announce_access

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr("sys.executable", "/opt/py/bin/python")
    announce_access(engine, "en", "http://127.0.0.1:8050")
    assert capsys.readouterr().out.splitlines() == [
        "the store has no accounts yet, so nobody can pass the sign-in page. Make the first "
        "admin (it asks for the password twice):",
        "  /opt/py/bin/python -m dashboard user add admin --role admin",
        "a wall address (no sign-in; bookmark it on the wall's browser; the token is shown "
        "once):",
        "  /opt/py/bin/python -m dashboard wall-token --region '*' --base-url "
        "http://127.0.0.1:8050"]
    assert users.list_users(engine) == [] and users.list_display_tokens(engine) == []
    users.add_user(engine, "boss", PASSWORD, "admin")  # once there is an account: nothing
    announce_access(engine, "en", "http://127.0.0.1:8050")
    assert capsys.readouterr().out == ""


def test_the_readme_lists_the_demo_accounts(tmp_path):
    """The README's sign-in section gives the same names and passwords the demo makes."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Signing in", 1)[1].split("\n## ", 1)[0]
    engine = store.make_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    store.init_db(engine)
    tiny_store.build(engine)
    for account in users.demo_accounts(engine):
        assert re.search(rf"`{account.name}`\s*\|\s*`{re.escape(account.password)}`", section), \
            account.name
    engine.dispose()


def test_serve_prints_the_demo_wall_address_derived_from_the_signing_key(settings, engine,
                                                                          capsys):
    from dashboard.cli_serve import announce_access

    with store.transaction(engine) as conn:
        store.set_meta(conn, "source", "demo")
    announce_access(engine, "en", "http://127.0.0.1:8050", "k" * 64)
    out = capsys.readouterr().out
    token = re.search(r"http://127\.0\.0\.1:8050/wall\?token=(\S+)", out).group(1)
    assert users.check_display_token(engine, token) is not None
    with engine.connect() as conn:
        assert token not in " ".join(conn.exec_driver_sql("SELECT value FROM meta").scalars())
    announce_access(engine, "en", "http://127.0.0.1:8050", "k" * 64)  # a restart: the same
    assert f"/wall?token={token}" in capsys.readouterr().out


def test_user_signout_ends_the_accounts_sessions_and_says_how_many(settings, engine, capsys):
    from data import sessions

    user = users.add_user(engine, "zhang", PASSWORD, "viewer")
    live = [sessions.start(engine, user.id) for _ in range(2)]
    assert main(["user", "list"], settings) == 0
    assert capsys.readouterr().out.rstrip().endswith("  2 signed in")
    assert main(["user", "signout", "zhang"], settings) == 0
    assert capsys.readouterr().out.strip() == "account zhang: 2 sessions ended"
    main(["user", "list"], settings)
    assert capsys.readouterr().out.rstrip().endswith("  0 signed in")
    assert all(sessions.user_of(engine, sid) is None for sid in live)
    assert main(["user", "signout", "ghost"], settings) == 2
    assert "no account is named 'ghost'" in capsys.readouterr().err
