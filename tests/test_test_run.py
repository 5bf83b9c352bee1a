"""`make test`'s run (scripts/test.sh) starts a PostgreSQL and a Redis of its own, hands
their addresses to pytest, and stops both when the run ends, even a failed one, whose exit
status it passes on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

INNER = '''
import os, pathlib, psycopg, redis

def test_the_servers_answer_then_the_run_fails():
    pg, rd = os.environ["TEST_POSTGRES_URL"], os.environ["TEST_REDIS_URL"]
    with psycopg.connect(pg.replace("+psycopg", "")) as conn:
        folder = conn.execute("SELECT current_setting('data_directory')").fetchone()[0]
    assert redis.Redis.from_url(rd).ping()
    pathlib.Path(os.environ["PROBE_OUT"]).write_text(f"{pg} {rd} {folder}")
    assert False, "a failing test: the run's status must be 1"
'''


def _refused(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_a_failed_run_stops_its_own_servers_and_returns_pytests_status(tmp_path: Path):
    (tmp_path / "test_inner.py").write_text(INNER, encoding="utf-8")
    out = tmp_path / "seen"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEST_POSTGRES", "TEST_REDIS", "PYTEST_"))}
    env.update(PYTHON=sys.executable, PROBE_OUT=str(out))
    done = subprocess.run([str(ROOT / "scripts" / "test.sh"), "-q", "-p", "no:cacheprovider",
                           "-n0", "--rootdir", str(tmp_path), str(tmp_path / "test_inner.py")],
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 1, done.stdout + done.stderr
    pg, rd, folder = out.read_text().split()
    pg_port = int(pg.rsplit(":", 1)[1].split("/")[0])
    redis_port = int(rd.rsplit(":", 1)[1].split("/")[0])
    assert {pg_port, redis_port}.isdisjoint({55432, 56379})  # not the developers' servers
    assert folder.startswith("/tmp/dashboard-test.")
    assert _refused(pg_port) and _refused(redis_port)  # both stopped
    assert not Path(folder).parent.exists()  # and the run's folder removed
