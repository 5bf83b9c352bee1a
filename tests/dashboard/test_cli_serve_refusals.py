"""``serve`` refuses what cannot work in one line and exit 2, before anything starts
(issue 18): a port that is no port, a port another program holds, a store it does not
support; and the store's address is never printed with its password."""

from __future__ import annotations

import socket
from types import SimpleNamespace

from dashboard import cli
from dashboard.settings import Settings
from tests import tiny_store


def _refused(argv, settings, capsys) -> str:
    assert cli.main(argv, settings=settings) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line
    return err


def test_a_port_out_of_range_is_refused(settings, capsys):
    for port in ("80000", "0", "65536"):
        err = _refused(["serve", "--port", port, "--no-feed"], settings, capsys)
        assert err == f"错误：--port {port}：端口是 1 到 65535 之间的数\n"
        err = _refused(["--lang", "en", "serve", "--port", port, "--no-feed"], settings, capsys)
        assert err == f"error: --port {port}: a port is a number from 1 to 65535\n"
    err = _refused(["serve", "--dev", "--port", "70000", "--lang", "en"], settings, capsys)
    assert "--port 70000: a port is a number from 1 to 65535" in err


def test_a_port_another_program_holds_is_refused(settings, capsys):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        err = _refused(["serve", "--host", "127.0.0.1", "--port", str(port), "--no-feed"],
                       settings, capsys)
        assert err.startswith(f"错误：127.0.0.1 上的端口 {port} 无法使用（")
        assert err.endswith("已有别的服务占用？停掉它，或换一个 --port\n")
        err = _refused(["serve", "--host", "127.0.0.1", "--port", str(port), "--no-feed"],
                       settings.with_(language="en"), capsys)  # DASHBOARD_LANGUAGE=en
    assert err.startswith(f"error: port {port} on 127.0.0.1 cannot be used (")
    assert "choose another --port" in err


def test_an_unsupported_store_is_named_with_the_supported_ones(capsys):
    mysql = Settings(database_url="mysql://ops:s3cret@db.example/dash")
    for argv in (["serve", "--port", "8058", "--no-feed"], ["summary"]):
        err = _refused(["--lang", "en", *argv], mysql, capsys)
        assert "'mysql' stores are not supported" in err and "s3cret" not in err
        assert "SQLite (sqlite:///PATH) or PostgreSQL" in err
        err = _refused(argv, mysql, capsys)
        assert err == ("错误：不支持 'mysql' 数据库（mysql://ops:***@db.example/dash）：本系统"
                       "运行于 SQLite（sqlite:///路径）或 PostgreSQL"
                       "（postgresql+psycopg://用户@主机/库名）\n")
    err = _refused(["summary", "--lang", "en"], Settings(database_url="not an address"),
                   capsys)
    assert "is not a database address" in err
    err = _refused(["summary"], Settings(database_url="not an address"), capsys)
    assert err.startswith("错误：数据库地址（DATABASE_URL）不是数据库地址")


def _never_build(monkeypatch) -> None:
    """Should the refusal go, fail at once rather than build the county and serve it."""
    from data.demo import county

    def build_demo(*args, **kwargs):
        raise AssertionError("serve built the demo county it was not asked for")

    monkeypatch.setattr(county, "build_demo", build_demo)


def test_a_sqlite_path_that_does_not_exist_is_refused_and_nothing_is_made(tmp_path, capsys,
                                                                         monkeypatch):
    """A mistyped path never becomes a new folder with a fresh demo in it (issue 18)."""
    _never_build(monkeypatch)
    missing = tmp_path / "typo" / "dashbaord.sqlite3"
    settings = Settings(database_url=f"sqlite:///{missing}")
    err = _refused(["serve", "--port", "8058", "--no-feed"], settings, capsys)
    assert err == (f"错误：没有找到数据库文件 {missing}（DATABASE_URL=sqlite:///{missing}）："
                   "路径写错了？要在这里生成演示县，运行 `python -m dashboard demo`，"
                   "或给 serve 加 --demo-if-empty\n")
    err = _refused(["serve", "--dev", "--port", "8058", "--lang", "en"], settings, capsys)
    assert err == (f"error: no store at {missing} (DATABASE_URL=sqlite:///{missing}): a "
                   "mistyped path? To build the demo county there, run `python -m dashboard "
                   "demo`, or add --demo-if-empty to serve\n")
    assert not (tmp_path / "typo").exists()


def test_an_empty_store_is_refused_unless_the_demo_is_asked_for(tmp_path, capsys,
                                                               monkeypatch):
    from dashboard import serving
    from data import store
    from data.demo import county

    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)  # the file exists, and holds no region
    _never_build(monkeypatch)
    err = _refused(["serve", "--port", "8058", "--no-feed", "--lang", "en"],
                   Settings(database_url=url), capsys)
    assert err == (f"error: the store {url} holds no regions yet: import regions and cases "
                   "(README: Importing real data), or build the demo county: `python -m "
                   "dashboard demo` (or add --demo-if-empty to serve)\n")
    assert store.holds_no_regions(engine)
    asked: list[object] = []

    def build_demo(engine, progress=None):  # the tiny store stands in for the county
        asked.append(engine)
        tiny_store.build(engine)
        return SimpleNamespace(grids=3, cases=4)

    monkeypatch.setattr(county, "build_demo", build_demo)
    serving.prepare(engine, Settings(database_url=url), demo_if_empty=True, lang="zh")
    assert asked == [engine] and not store.holds_no_regions(engine)
    assert capsys.readouterr().out == ("按 --demo-if-empty 的要求，数据库为空：先生成演示县"
                                       "（约一分钟）……\n演示县已就绪：3 个网格，4 件案件\n")
    engine.dispose()
