"""The progress display of long commands (dashboard/progress.py) and the ``demo`` and
``import`` commands that draw it: one updating line on a terminal, occasional plain lines in
a log, nothing when quiet; the commands' reports on stdout are the same either way."""

from __future__ import annotations

import io
import json

import pytest

from dashboard import progress
from dashboard.cli import main
from dashboard.settings import Settings
from data import store
from tests.data.test_importer import GRID_TOML, write_grids, write_toml


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _drawn(tty: bool, every: float = 10.0) -> tuple[progress.TerminalProgress, io.StringIO,
                                                    FakeClock]:
    stream, clock = io.StringIO(), FakeClock()
    return progress.TerminalProgress(stream, "en", tty=tty, every=every, clock=clock), stream, \
        clock


def test_a_log_gets_a_line_every_few_seconds_and_the_end_of_a_stage_it_showed():
    bar, stream, clock = _drawn(tty=False, every=10.0)
    bar("write", 0, 1000)
    for done in range(100, 1000, 100):  # nine calls, 3 s apart: 27 s in all
        clock.now += 3
        bar("write", done, 1000)
    clock.now += 3
    bar("write", 1000, 1000)
    bar("write", 1000, 1000)  # told twice: ended once
    bar("index", 0, 2)  # a quick stage: no line
    bar("index", 2, 2)
    clock.now += 11
    bar("keys", 0, 1)  # ten seconds since the last line
    bar("keys", 1, 1)
    assert "\r" not in stream.getvalue()
    # ten seconds on (t=12), ten more (t=24), the end (t=30); the next line at t=41
    assert stream.getvalue().splitlines() == [
        "writing to the store: 400/1,000 (40%)  elapsed 0:12",
        "writing to the store: 800/1,000 (80%)  elapsed 0:24",
        "writing to the store: 1,000/1,000 (100%)  elapsed 0:30",
        "checking the links: …  elapsed 0:41",
        "checking the links: ✓  elapsed 0:41",
    ]


def test_a_quick_command_leaves_nothing_in_a_log():
    bar, stream, clock = _drawn(tty=False, every=10.0)
    for stage in ("read", "check", "write"):
        bar(stage, 0, 5)
        clock.now += 1
        bar(stage, 5, 5)
    bar.close()
    assert stream.getvalue() == ""


def test_a_terminal_gets_one_line_rewritten_in_place_per_stage():
    bar, stream, clock = _drawn(tty=True)
    bar("write", 0, 10)
    clock.now += 75
    bar("write", 10, 10)
    bar("read", 0, 1)
    bar("read", 1, 1)
    bar.close()
    text = stream.getvalue()
    # two stages: two lines, each drawn over itself with \r; the last ended by close()
    assert text.count("\n") == 2
    first, second = text.split("\n")[:2]
    assert first.split("\r")[1:] == ["writing to the store: 0/10 (0%)  elapsed 0:00",
                                     "writing to the store: 10/10 (100%)  elapsed 1:15"]
    assert second.split("\r")[-1].rstrip() == "reading the file: ✓  elapsed 1:15"


def test_chinese_words_by_default_and_every_stage_is_worded_in_both_languages():
    assert progress.stage_words("write") == "写入数据库"
    assert set(progress.WORDS["zh"]) == set(progress.WORDS["en"])
    assert progress.for_terminal(True) is None
    with progress.shown(True) as bar:
        assert bar is None


def _fresh_settings(tmp_path, name: str) -> Settings:
    url = f"sqlite:///{tmp_path / name}"
    engine = store.make_engine(url)
    store.init_db(engine)
    engine.dispose()
    return Settings(database_url=url, language="en")


@pytest.fixture
def every_call_logged(monkeypatch):
    """A line in the log for every call (the commands here are quicker than 10 s)."""
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)


def test_import_prints_progress_on_stderr_and_the_same_report_with_or_without(
        tmp_path, capsys, every_call_logged):
    grids = write_grids(tmp_path / "grids.geojson")
    mapping = write_toml(tmp_path / "grids.toml", GRID_TOML)
    reports = {}
    for quiet in (False, True):
        settings = _fresh_settings(tmp_path, f"q{quiet}.sqlite3")
        argv = ["import", "regions", str(grids), "--mapping", str(mapping), "--json"]
        assert main(argv + (["--quiet"] if quiet else []), settings) == 0
        out, err = capsys.readouterr()
        reports[quiet] = {k: v for k, v in json.loads(out).items() if k != "seconds"}
        if quiet:
            assert err == ""
        else:  # not a terminal here: plain lines, each stage begun and ended
            lines = err.splitlines()
            assert lines[0].startswith("reading the file: …")
            assert "checking rows: 4/4 (100%)" in err
            assert lines[-1].startswith("writing to the store: 4/4 (100%)")
    assert reports[False] == reports[True]
    assert reports[True]["imported"] == 4


def test_demo_prints_its_stages_and_quiet_prints_nothing(tmp_path, capsys, every_call_logged):
    settings = _fresh_settings(tmp_path, "demo.sqlite3")
    assert main(["demo", "--scale", "small", "--seed", "5"], settings) == 0
    out, err = capsys.readouterr()
    stages = [line.split(":")[0] for line in err.splitlines()]
    assert list(dict.fromkeys(stages)) == ["drawing the regions", "generating the demo",
                                           "writing to the store", "building indexes",
                                           "rollups"]
    assert "demo county built (small" in out and "writing" not in out
    last_write = [line for line in err.splitlines() if line.startswith("writing")][-1]
    assert "(100%)" in last_write
    assert main(["demo", "--scale", "small", "--seed", "5", "--quiet"], settings) == 0
    out, err = capsys.readouterr()
    assert err == "" and "demo county built (small" in out


@pytest.mark.parametrize("language, word", [("zh", "写入数据库"), ("en", "writing")])
def test_the_words_follow_the_language_setting(tmp_path, capsys, every_call_logged, language,
                                               word):
    grids = write_grids(tmp_path / "grids.geojson")
    mapping = write_toml(tmp_path / "grids.toml", GRID_TOML)
    settings = _fresh_settings(tmp_path, "lang.sqlite3")
    settings = Settings(database_url=settings.database_url, language=language)
    assert main(["import", "regions", str(grids), "--mapping", str(mapping)], settings) == 0
    assert word in capsys.readouterr().err
