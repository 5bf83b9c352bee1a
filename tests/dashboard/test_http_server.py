"""The server survives idle connections: hundreds of sockets opened and left silent (no
sign-in needed to open one) must not stop it answering a wall or a console.

Against a real ``python -m dashboard serve`` on the tiny county, and against waitress in a
thread with :func:`dashboard.http_guard.server_options` (and, to show the attack is real,
with waitress' own defaults, which it stops)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import waitress
from waitress import wasyncore

from dashboard import http_guard
from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from tests import tiny_store
from tests.conftest import ROOT


def _idle_sockets(port: int, count: int) -> list[socket.socket]:
    """``count`` connections to ``port`` that never send a byte."""
    opened = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))  # completes in the kernel's backlog at least
        opened.append(sock)
    return opened


def _answer_time(port: int, timeout: float) -> float | None:
    """Seconds until ``GET /healthz`` is answered, or None if not within ``timeout``."""
    started = time.monotonic()
    try:
        with closing(socket.create_connection(("127.0.0.1", port), timeout=timeout)) as sock:
            sock.settimeout(max(0.1, timeout - (time.monotonic() - started)))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            head = sock.recv(64)
    except OSError:  # socket.timeout included
        return None
    return time.monotonic() - started if head.startswith(b"HTTP/1.1 200") else None


def _status_of_huge_post(port: int, path: str, length: int) -> bytes:
    """The status the server gives a POST announcing a ``length``-byte body (sent no
    further than its first kilobyte)."""
    with closing(socket.create_connection(("127.0.0.1", port), timeout=5)) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     f"application/json\r\nContent-Length: {length}\r\n\r\n".encode()
                     + b"x" * 1024)
        return sock.recv(64).split(b" ")[1]


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def tiny_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'tiny.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    engine.dispose()
    return url


@contextmanager
def _running(server, app) -> Iterator[int]:
    """``server`` (waitress, serving ``app``) run in a thread; yields its port. At the end
    its loop closes everything itself (closing its sockets from here would pull them from
    under its poll)."""
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)
        app.server.extensions["grid_dashboard"]["engine"].dispose()


@contextmanager
def _waitress(url: str, **options) -> Iterator[int]:
    """The app served by waitress in a thread with ``options``; yields its port."""
    app = create_app(Settings(database_url=url))
    server = waitress.create_server(app.server, host="127.0.0.1", port=0, **options)
    with _running(server, app) as port:
        yield port


def test_a_real_serve_answers_with_300_idle_connections_open(tiny_url):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": tiny_url, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "serve", "--port", str(port), "--no-feed"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    idle: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 60
        while _answer_time(port, 1.0) is None:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "serve did not start within a minute"
            time.sleep(0.3)
        idle = [sock for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4")
                for sock in _idle_sockets_from(source, port, 100)]
        time.sleep(1.5)  # the server has taken them all in (as many as it will)
        took = _answer_time(port, 5.0)
        assert took is not None and took < 3, f"not answered with 300 idle sockets: {took}"
        # a 100 MB body is refused from its headers, before a byte of it is read
        for path in ("/_dash-update-component", "/login"):
            assert _status_of_huge_post(port, path, 100 * 1024 * 1024) == b"413"
        assert _status_of_huge_post(port, "/_dash-update-component", 5 * 1024 * 1024) == b"413"
    finally:
        for sock in idle:
            sock.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_waitress_defaults_stop_answering_after_100_idle_connections(tiny_url):
    """The finding, reproduced: waitress' own limits (100 connections, idle ones kept
    120 s) let 150 silent sockets shut everyone out; so the tests here can fail."""
    with _waitress(tiny_url, threads=2) as port:
        assert _answer_time(port, 5.0) is not None
        idle = _idle_sockets(port, 150)
        try:
            time.sleep(1.5)
            assert _answer_time(port, 2.0) is None
        finally:
            for sock in idle:
                sock.close()


def test_idle_connections_are_closed_after_the_idle_timeout(tiny_url):
    """With a small connection limit, silent sockets fill it; they are closed after
    ``idle_timeout`` and a real request gets through within seconds."""
    options = http_guard.server_options(
        Settings(connection_limit=20, idle_timeout=1, server_threads=2), open_files=20000)
    with _waitress(tiny_url, **options) as port:
        idle = _idle_sockets(port, 40)
        try:
            time.sleep(0.5)
            took = _answer_time(port, 8.0)
            assert took is not None, "idle connections were never closed"
        finally:
            for sock in idle:
                sock.close()


def _idle_sockets_from(source: str, port: int, count: int) -> list[socket.socket]:
    """``count`` silent connections to ``port`` from the loopback address ``source``."""
    opened = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((source, 0))
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
        opened.append(sock)
    return opened


def test_one_address_cannot_fill_the_server(tiny_url):
    """100 silent sockets from one machine (127.0.0.2), a limit of 50 connections in all
    and 20 per address: the machine keeps 20, the rest are closed at once, and everyone
    else (127.0.0.1) is answered. Without the cap the 50 would all be the silent ones."""
    settings = Settings(database_url=tiny_url, connection_limit=50, connections_per_client=20,
                        idle_timeout=60, server_threads=2)
    app = create_app(settings)
    server = http_guard.make_server(app, "127.0.0.1", 0, settings)
    with _running(server, app) as port:
        idle = _idle_sockets_from("127.0.0.2", port, 100)
        try:
            _check_the_cap(port, idle)
        finally:
            for sock in idle:
                sock.close()


def _check_the_cap(port: int, idle: list[socket.socket]) -> None:
    """Others are answered at once, and the capped address keeps only its share."""
    time.sleep(1.5)
    took = _answer_time(port, 3.0)
    assert took is not None and took < 2, "one address filled the server"
    closed = 0
    for sock in idle:
        sock.setblocking(True)
        sock.settimeout(0.01)
        try:
            closed += sock.recv(1) == b""  # closed by the server
        except OSError:  # still open (timed out), or reset
            pass
    assert 70 <= closed <= 80  # all but the 20 it may keep


def test_server_options_make_a_waitress_server():
    """Every option is one waitress 3 knows (it refuses unknown ones)."""
    adjustments = waitress.adjustments.Adjustments(
        host="127.0.0.1", port=0, **http_guard.server_options(Settings(), open_files=4096))
    assert adjustments.connection_limit == 1000 and adjustments.channel_timeout == 15
    assert adjustments.asyncore_use_poll is True
    assert Path(waitress.__file__).parent.name == "waitress"
