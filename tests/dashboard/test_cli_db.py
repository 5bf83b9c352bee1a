"""``db upgrade`` and ``db current`` on the previous release's store, and every command
that opens a store refusing one behind, with one line that says to run ``db upgrade``.
On SQLite and PostgreSQL."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dashboard.app import create_app
from dashboard.cli import main
from dashboard.settings import Settings
from data import store
from tests import previous_store

BEHIND = ("error: the store's schema is at revision none (the store predates migrations), "
          "the code needs 0008: run `python -m dashboard db upgrade` (back up the store "
          "first)\n")


@pytest.fixture
def behind(engine: Engine, tmp_path: Path) -> Settings:
    """Settings on the previous release's store (no revision yet)."""
    previous_store.load(engine)
    return Settings(database_url=engine.url.render_as_string(hide_password=False),
                    secret_key_file=str(tmp_path / "secret_key"), language="en")


def _free_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


@pytest.mark.parametrize("argv", [
    ["serve", "--no-feed", "--host", "127.0.0.1", "--port", _free_port()],  # a port it may use
    ["summary"],
    ["user", "list"],
    ["officers"],
    ["demo", "--scale", "small"],  # would drop the store's tables: refused before that
])
def test_a_store_behind_is_refused_with_one_line_and_status_2(behind, capsys, argv):
    assert main(argv, behind) == 2
    captured = capsys.readouterr()
    assert captured.err == BEHIND
    assert main(argv, behind.with_(language="zh")) == 2  # the default: in Chinese
    assert capsys.readouterr().err == ("错误：数据库建于迁移机制之前（没有结构版本），程序需要 "
                                       "0008：请先备份，再运行 `python -m dashboard db upgrade`\n")
    assert "serving" not in captured.out
    assert previous_store.row_counts(store.make_engine(behind.database_url)) \
        == previous_store.ROWS


def test_db_current_says_the_store_is_behind_and_exits_1(behind, capsys):
    assert main(["db", "current"], behind) == 1
    assert capsys.readouterr().out == (
        "store revision: none (the store predates migrations)\n"
        "code revision:  0008 (head)\n" + BEHIND.removeprefix("error: "))


def test_db_upgrade_says_what_it_did_then_that_nothing_is_left_to_do(behind, capsys):
    engine = store.make_engine(behind.database_url)
    previous_store.make_older(engine)

    assert main(["db", "upgrade"], behind) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "upgraded the store from revision none (the store predates migrations) to 0008\n"
        "  0001: tables created: officer_regions, officer_roster, mediations, "
        "patrol_visits, return_visits\n"
        "  0001: indexes created: ix_cases_mediated, ix_patrols_started_region\n"
        "  0001: patrol_visits: 133 rows backfilled (one per patrol kept without visits)\n")
    assert re.fullmatch(r"  0002: rollups made: [1-9]\d* rows counted from the cases; capture "
                        r"triggers on cases and case_events\n"
                        r"  0005: hours to close made: [1-9]\d* rows \(region, day\) counted "
                        r"from the closed cases\n"
                        r"  0006: postponed cases by day: [1-9]\d* rows from the postpone events"
                        r"; capture triggers note postpone events\n"
                        r"  0008: deadline coverage: rollups counted again \([1-9]\d* rows\); "
                        r"the category table can hold urgent time limits and Open311 service "
                        r"codes\n",
                        out.split("visits)\n", 1)[1])
    assert main(["db", "upgrade"], behind) == 0
    assert capsys.readouterr().out == "the store is at revision 0008 already: nothing to do\n"
    assert main(["db", "current"], behind) == 0
    assert capsys.readouterr().out == ("store revision: 0008\ncode revision:  0008 (head)\n"
                                       "the store is up to date\n")


def test_the_upgraded_store_serves_the_summary_and_the_app(behind, capsys):
    assert main(["db", "upgrade"], behind) == 0
    capsys.readouterr()
    assert main(["summary", "--from", "2026-11-01", "--to", "2026-11-30", "--json"],
                behind) == 0
    assert '"reported": ' in capsys.readouterr().out
    app = create_app(behind)
    client = app.server.test_client()
    assert client.get("/login").status_code == 200


def test_a_store_of_a_newer_release_is_an_error_for_db_current(engine, capsys):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff'"))
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    assert main(["db", "current"], settings) == 2
    out, err = capsys.readouterr()
    assert out.startswith("store revision: ffff\n")
    assert err.startswith("error: the store's schema is at revision ffff, which this code "
                          "does not know")


def test_db_current_on_an_empty_store_exits_1_and_creates_nothing(engine, capsys):
    store.drop_all(engine)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    assert main(["db", "current"], settings) == 1
    assert "store revision: empty\n" in capsys.readouterr().out
    assert store.inspect(engine).get_table_names() == []
