"""The command line, called as a user calls it (``main(argv)``), on a hand-built store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.settings import Settings
from data import store

ROOT = Path(__file__).resolve().parents[2]


def test_summary_json_has_the_documented_shape_and_hand_counted_values(settings, capsys):
    assert main(["summary", "--region", "C", "--from", "2026-03-01", "--to", "2026-03-10",
                 "--json"], settings) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"region", "period", "metrics", "previous", "children"}
    assert out["region"]["code"] == "C"
    assert (out["period"]["from"], out["period"]["to"]) == ("2026-03-01", "2026-03-10")
    m = out["metrics"]
    # K1..K4 reported; K4 voided so 3 filed; K1 and K3 closed; K1 on time.
    assert (m["reported"], m["filed"], m["closed"], m["closed_on_time"]) == (4, 3, 2, 1)
    # due to close: K1, K2 (due 03-04, open), K3 -> closure 2/3, on time 1/3
    assert m["due_to_close"] == 3
    assert m["closure_rate"] == pytest.approx(2 / 3)
    assert m["on_time_closure_rate"] == pytest.approx(1 / 3)
    assert [c["code"] for c in out["children"]] == ["T1", "T2"]
    assert [c["metrics"]["reported"] for c in out["children"]] == [2, 2]


def test_summary_text_is_chinese_by_default(settings, capsys):
    assert main(["summary", "--region", "T1", "--from", "2026-03-01", "--to", "2026-03-10"],
                settings) == 0
    out = capsys.readouterr().out
    assert "城关镇" in out and "结案率" in out and "50.0%" in out


@pytest.mark.parametrize("argv, chinese, english", [
    (["summary", "--region", "NOPE"], "错误：没有编码为 'NOPE' 的区域",
     "error: no region has the code 'NOPE'"),
    (["summary", "--from", "2026-03-01"], "错误：请同时给出 --from 和 --to，或都不给",
     "error: give both --from and --to, or neither"),
    (["summary", "--from", "2026-03-10", "--to", "2026-03-01"],
     "错误：时段起点（2026-03-10）晚于终点（2026-03-01）",
     "error: the period starts (2026-03-10) after it ends (2026-03-01)"),
])
def test_errors_are_one_clear_line_and_status_2(settings, capsys, argv, chinese, english):
    """In the run's language (issue 18): Chinese by default, English with --lang en."""
    assert main(argv, settings) == 2
    assert capsys.readouterr().err == chinese + "\n"
    assert main([*argv, "--lang", "en"], settings) == 2
    assert capsys.readouterr().err == english + "\n"


def test_a_malformed_date_is_refused_by_the_parser(settings, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["summary", "--from", "2026-13-01", "--to", "2026-03-01"], settings)
    assert exit_.value.code == 2
    assert "'2026-13-01' is not a date" in capsys.readouterr().err


def test_python_dash_m_runs_as_a_module(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)  # an empty store: summary reads one, it no longer makes one
    engine.dispose()
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "dashboard", "summary", "--json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["metrics"]["reported"] == 0


@pytest.mark.parametrize("argv", [["summary"], ["user", "list"], ["wall-token", "--list"],
                                  ["audit"], ["api-key", "list"]])
def test_a_command_reading_a_store_refuses_a_mistyped_path_and_makes_no_file(tmp_path,
                                                                             capsys, argv):
    missing = tmp_path / "typo" / "dashbaord.sqlite3"
    settings = Settings(database_url=f"sqlite:///{missing}")
    assert main(argv, settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：没有找到数据库文件 ") and str(missing) in err
    assert "python -m dashboard demo" in err and err.count("\n") == 1
    assert not missing.exists() and not missing.parent.exists()
    assert main([*argv, "--lang", "en"], settings) == 2
    assert f"no store at {missing}" in capsys.readouterr().err


def test_demo_refuses_to_wipe_imported_data_unless_told(settings, capsys):
    # the tiny store is "imported" data: no meta.source = demo
    assert main(["demo", "--scale", "small"], settings) == 2
    err = capsys.readouterr().err
    assert "中是导入的数据（4 件案件），demo 会删除它们" in err and "--replace" in err
    engine = store.make_engine(settings.database_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM cases").scalar() == 4
    assert main(["demo", "--scale", "small", "--replace"], settings) == 0
    assert "演示县已生成（small，种子 42）" in capsys.readouterr().out
    # a demo store may be rebuilt freely
    assert main(["demo", "--scale", "small", "--seed", "3"], settings) == 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM cases").scalar() > 4
    engine.dispose()


def test_serve_keeps_the_demo_moving_but_not_real_data(settings, tmp_path):
    import time

    from dashboard.background import Background
    from dashboard.serving import demo_feed_job
    from dashboard.shared_state import LeaderLock
    from data.demo import county

    real = store.make_engine(settings.database_url)
    assert demo_feed_job(real, every=0.05) is None  # the tiny store is not the demo
    real.dispose()
    engine = store.make_engine(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    county.build_demo(engine, scale="small", seed=4)
    with engine.connect() as conn:
        before = store.data_version(conn)
    job = demo_feed_job(engine, every=0.05)
    assert job is not None
    background = Background(LeaderLock())  # SQLite: this process leads
    background.add("demo-feed", 0.05, job)
    background.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if store.data_version(conn) > before:
                break
        time.sleep(0.1)
    background.stop()
    with engine.connect() as conn:
        assert store.data_version(conn) > before
