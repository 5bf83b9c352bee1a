"""One language per run (issue 18): Chinese by default, English with ``--lang en`` (before
or after the command) or ``DASHBOARD_LANGUAGE=en``; and the times a person reads, in the
deployment's zone. On the tiny store; ``serve`` once in a subprocess, on a store with no
accounts. Every expected line is written out by hand."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import update

from dashboard.cli import main
from data import store, users
from data.models import DisplayToken
from tests.conftest import ROOT
from tests.data.field.test_roster_import import ROWS, write_csv, write_toml

PASSWORD = "correct-horse-7"


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_user_and_wall_token_speak_chinese_by_default_and_english_when_asked(
        settings, capsys, monkeypatch):
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["user", "add", "zhang", "--role", "commander", "--region", "T1",
                 "--password-stdin"], settings) == 0
    assert capsys.readouterr().out == "账号 zhang 已建立：指挥员，T1\n"
    _stdin(monkeypatch, PASSWORD + "\n")
    assert main(["--lang", "en", "user", "add", "li", "--role", "viewer",
                 "--password-stdin"], settings) == 0
    assert capsys.readouterr().out == "account li created: viewer, the whole deployment\n"
    assert main(["user", "disable", "li"], settings) == 0
    assert capsys.readouterr().out == "账号 li 已停用；其会话全部结束\n"
    assert main(["user", "disable", "li", "--lang", "en"], settings) == 0
    assert capsys.readouterr().out == "account li disabled; its sessions end\n"
    assert main(["user", "disable", "ghost"], settings) == 2
    assert capsys.readouterr().err == "错误：没有名为 ghost 的账号\n"
    assert main(["user", "disable", "ghost"], settings.with_(language="en")) == 2
    assert capsys.readouterr().err == "error: no account is named 'ghost'\n"

    assert main(["wall-token", "--region", "*", "--base-url", "http://10.0.0.5:8050"],
                settings) == 0
    said = capsys.readouterr().out.splitlines()
    assert said[0] == "全辖区的大屏令牌（只显示这一次，请像钥匙一样保管）："
    assert said[2] == f"大屏收藏地址：http://10.0.0.5:8050/wall?token={said[1]}"
    assert main(["wall-token", "--revoke", "1", "--lang", "en"], settings) == 0
    assert capsys.readouterr().out == ("display token 1 revoked: its walls show a notice "
                                       "from their next refresh\n")
    assert main(["wall-token"], settings) == 2
    assert capsys.readouterr().err == ("错误：请给出 --region 编码（全辖区用 --region '*'）、"
                                       "--list 或 --revoke 编号\n")


def test_the_setting_decides_when_no_lang_is_given_and_lang_wins(settings, capsys):
    english = settings.with_(language="en")  # DASHBOARD_LANGUAGE=en
    assert main(["summary", "--region", "T1", "--from", "2026-03-01", "--to", "2026-03-10"],
                english) == 0
    out = capsys.readouterr().out
    assert "Closure rate" in out and "结案率" not in out
    assert main(["summary", "--region", "T1", "--from", "2026-03-01", "--to", "2026-03-10",
                 "--lang", "zh"], english) == 0
    out = capsys.readouterr().out
    assert "结案率" in out and "Closure rate" not in out


def test_the_import_report_is_one_language_notes_included(settings, tmp_path, capsys):
    # a blank row in the file: the report's note, which was English in a Chinese report
    rows = [*ROWS[:2], ["", "", "", "", ""], *ROWS[2:]]
    path, mapping = write_csv(tmp_path / "r.csv", rows), write_toml(tmp_path / "m.toml")
    argv = ["import", "officers", str(path), "--mapping", str(mapping)]
    assert main(argv, settings) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"导入网格员名册：{path}", "读取 4 行；新增 4，更新 0，未变 0，拒收 0",
        "名册不再列出、设为离岗 0 人（保留其历史）", "r.csv：跳过了 1 个空行"]
    assert main([*argv, "--lang", "en"], settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "4 rows read: 0 new, 0 updated, 4 unchanged, 0 rejected"
    assert lines[-1] == "r.csv: 1 empty row(s) skipped"
    assert not any("\u4e00" <= c <= "\u9fff" for line in lines[1:] for c in line)


def test_wall_token_list_shows_local_time_and_names_the_zone(settings, capsys):
    engine = store.make_engine(settings.database_url)
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", "Asia/Shanghai")
    users.create_display_token(engine, "T1", label="指挥大厅")
    users.revoke_display_token(engine, 1)
    with store.transaction(engine) as conn:  # made 18:30 UTC, revoked 20:05 UTC
        conn.execute(update(DisplayToken).values(created_at=datetime(2026, 3, 20, 18, 30),
                                                 revoked_at=datetime(2026, 3, 20, 20, 5)))
    engine.dispose()
    assert main(["wall-token", "--list"], settings) == 0
    zone, row = capsys.readouterr().out.splitlines()
    assert zone == "时间按 Asia/Shanghai 时区"
    # Shanghai is UTC+8: 18:30 -> 02:30 and 20:05 -> 04:05 of the next day
    assert row.split() == ["1", "T1", "2026-03-21", "04:05", "已吊销", "建于", "2026-03-21",
                           "02:30", "指挥大厅"]
    assert main(["wall-token", "--list", "--lang", "en"], settings) == 0
    zone, row = capsys.readouterr().out.splitlines()
    assert zone == "times in Asia/Shanghai"
    assert row.split() == ["1", "T1", "revoked", "2026-03-21", "04:05", "created",
                           "2026-03-21", "02:30", "指挥大厅"]


def _command() -> str:
    """How ``serve``'s child names itself: its Python relative to the working directory."""
    python = Path(sys.executable)
    return str(python.relative_to(ROOT) if python.is_relative_to(ROOT) else python)


def test_serve_on_a_store_with_no_accounts_prints_how_to_make_them(settings, tmp_path):
    """The tiny store holds imported data and no account: nobody could pass the sign-in
    page, so ``serve`` prints the exact commands (default language: Chinese)."""
    url = settings.database_url
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("DASHBOARD_LANGUAGE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "serve", "--port", str(port), "--no-feed"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not lines or not lines[-1].startswith("服务地址"):
            assert time.monotonic() < deadline and process.poll() is None, lines
            lines.append(process.stdout.readline().rstrip("\n"))
    finally:
        process.terminate()
        process.wait(timeout=10)
    command = f"DATABASE_URL={url} {_command()} -m dashboard"
    assert lines == [
        "数据库中还没有任何账号，登录页无人能进。建立第一个管理员（会提示输入两次密码）：",
        f"  {command} user add admin --role admin",
        "大屏地址（无需登录，收藏到大屏的浏览器；令牌只显示一次）：",
        f"  {command} wall-token --region '*' --base-url http://127.0.0.1:{port}",
        f"服务地址：http://127.0.0.1:{port}/",
    ]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_run_asks_for_the_demo_explicitly():
    """``make run`` on a fresh clone builds the demo county: now only because it says so."""
    done = subprocess.run(["make", "-n", "run", "PY=python"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert "python -m dashboard serve --demo-if-empty --host 127.0.0.1 --port 8050" in \
        done.stdout.splitlines()
