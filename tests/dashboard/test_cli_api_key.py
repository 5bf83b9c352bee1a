"""``python -m dashboard api-key add|list|revoke``, called as a user calls them."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from dashboard.cli import main
from data import audit, store
from data.intake import keys
from data.models import ApiKey, Officer


@pytest.fixture
def engine(settings):
    engine = store.make_engine(settings.database_url)
    with store.transaction(engine) as conn:
        conn.execute(insert(Officer).values(id=1, code="W007", name="王网格", region_id=5))
    yield engine
    engine.dispose()


def _printed_key(out: str) -> str:
    found = [line for line in out.splitlines() if line.startswith(keys.PREFIX)]
    assert len(found) == 1, out
    return found[0]


def test_add_prints_the_key_once_and_it_works(settings, engine, capsys):
    assert main(["api-key", "add", "12345热线", "--region", "T1", "--rate", "120"],
                settings) == 0
    out = capsys.readouterr().out
    token = _printed_key(out)
    info = keys.check_key(engine, token)
    assert info is not None
    assert (info.name, info.source, info.region_code, info.rate_per_minute) == (
        "12345热线", "hotline", "T1", 120)
    curl = [line for line in out.splitlines() if line.startswith("try it: curl")]
    assert len(curl) == 1 and f"X-Api-Key: {token}" in curl[0]
    assert curl[0].endswith("http://127.0.0.1:8050/open311/v2/requests.json")
    assert out.count(token) == 2  # the key and the curl line; nowhere else
    with engine.connect() as conn:
        assert conn.scalar(select(ApiKey.key_hash)) != token


def test_an_officer_key_defaults_to_patrol_in_the_officers_grid(settings, engine, capsys):
    assert main(["api-key", "add", "王网格的手机", "--officer", "W007",
                 "--base-url", "https://grid.example/"], settings) == 0
    out = capsys.readouterr().out
    assert "source patrol, files in G2, officer W007 王网格" in out
    assert "https://grid.example/open311/v2/requests.json" in out
    info = keys.check_key(engine, _printed_key(out))
    assert (info.source, info.region_code, info.officer_code) == ("patrol", "G2", "W007")


def test_list_shows_every_key_in_a_table(settings, engine, capsys):
    keys.add_key(engine, "12345热线", region_code="T1", rate_per_minute=120)
    keys.add_key(engine, "巡查", officer_code="W007", source="video")
    keys.revoke_key(engine, "巡查")
    assert main(["api-key", "list"], settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "source", "region", "officer", "rate/min", "created",
                                "(UTC)", "last", "used", "revoked"]
    first, second = (line.split() for line in lines[1:])
    assert first[:5] == ["12345热线", "hotline", "T1", "-", "120"]
    assert first[-2:] == ["-", "-"]  # never used, not revoked
    assert second[:6] == ["巡查", "video", "G2", "W007", "600", "(default)"]
    assert second[-1] != "-"
    # the columns line up on screen (a Chinese character takes two columns)
    assert _column(lines[1], "hotline") == _column(lines[0], "source") == \
        _column(lines[2], "video")
    assert _column(lines[1], "120") == _column(lines[0], "rate/min") == \
        _column(lines[2], "600")


def _column(line: str, word: str) -> int:
    """The screen column ``word`` starts at: each Chinese character before it takes two."""
    before = line[:line.index(word)]
    return len(before) + sum(1 for c in before if "\u4e00" <= c <= "\u9fff")


def test_list_of_no_keys_says_how_to_make_one(settings, engine, capsys):
    assert main(["api-key", "list"], settings) == 0
    assert "api-key add NAME" in capsys.readouterr().out


def test_revoke_stops_the_key_and_keeps_it_listed(settings, engine, capsys):
    token, _ = keys.add_key(engine, "app", source="app")
    assert main(["api-key", "revoke", "app"], settings) == 0
    assert "API key app revoked" in capsys.readouterr().out
    assert keys.check_key(engine, token) is None
    assert [k.name for k in keys.list_keys(engine) if k.revoked] == ["app"]
    events = [row.event for row in audit.query(engine).rows]
    assert events == [audit.API_KEY_REVOKED, audit.API_KEY_MADE]
    assert audit.query(engine).rows[0].actor.startswith("cli:")


@pytest.mark.parametrize("argv, words", [
    (["api-key", "add", "x", "--region", "NOPE"], "no region has the code 'NOPE'"),
    (["api-key", "add", "x", "--officer", "W999"], "no grid officer has the code 'W999'"),
    (["api-key", "add", "x", "--source", "online"], "unknown source 'online'"),
    (["api-key", "add", "x", "--rate", "lots"], "--rate 'lots'"),
    (["api-key", "add", "x", "--rate", "0"], "rate 0"),
    (["api-key", "add", " "], "not a usable key name"),
    (["api-key", "revoke", "ghost"], "no API key is named 'ghost'"),
])
def test_errors_are_one_line_status_2_and_nothing_written(settings, engine, capsys, argv,
                                                         words):
    assert main(argv, settings) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert words in err and err.count("\n") == 1 and err.startswith("error: ")
    assert keys.PREFIX not in captured.out
    assert keys.list_keys(engine) == [] and audit.query(engine).rows == []


def test_a_taken_name_is_refused(settings, engine, capsys):
    keys.add_key(engine, "app")
    assert main(["api-key", "add", "app", "--source", "app"], settings) == 2
    assert "an API key named 'app' exists" in capsys.readouterr().err
    assert [k.source for k in keys.list_keys(engine)] == ["hotline"]
