"""``serve`` refuses what cannot work in one line and exit 2, before anything starts
(issue 18): a port that is no port, a port another program holds, a store it does not
support; and the store's address is never printed with its password."""

from __future__ import annotations

import socket

from dashboard import cli
from dashboard.settings import Settings


def _refused(argv, settings, capsys) -> str:
    assert cli.main(argv, settings=settings) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line
    return err


def test_a_port_out_of_range_is_refused(settings, capsys):
    for port in ("80000", "0", "65536"):
        err = _refused(["serve", "--port", port, "--no-feed"], settings, capsys)
        assert err == f"error: --port {port}: a port is a number from 1 to 65535\n"
    err = _refused(["serve", "--dev", "--port", "70000"], settings, capsys)
    assert "--port 70000: a port is a number from 1 to 65535" in err


def test_a_port_another_program_holds_is_refused(settings, capsys):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        err = _refused(["serve", "--host", "127.0.0.1", "--port", str(port), "--no-feed"],
                       settings, capsys)
    assert err.startswith(f"error: port {port} on 127.0.0.1 cannot be used (")
    assert "choose another --port" in err


def test_an_unsupported_store_is_named_with_the_supported_ones(capsys):
    mysql = Settings(database_url="mysql://ops:s3cret@db.example/dash")
    for argv in (["serve", "--port", "8058", "--no-feed"], ["summary"]):
        err = _refused(argv, mysql, capsys)
        assert "'mysql' stores are not supported" in err and "s3cret" not in err
        assert "SQLite (sqlite:///PATH) or PostgreSQL" in err
    err = _refused(["summary"], Settings(database_url="not an address"), capsys)
    assert "is not a database address" in err
