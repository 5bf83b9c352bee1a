"""Benchmark of the live intake: sustained accepted cases per second through the Open311 API,
with a wall open.

    .venv/bin/python bench/intake.py [--scale county|small] [--seconds 30] [--threads 8]
                                     [--postgres URL | --no-postgres] [--no-sqlite]

For each store (SQLite: the demo county kept under bench/data/, copied afresh for each run;
PostgreSQL: ``--postgres`` or ``TEST_POSTGRES_URL``, where the demo county is built when the
database holds no demo) it starts the real server in a subprocess (``python -m dashboard
serve --no-feed``: waitress through dashboard.http_guard, the per-key rate lifted so the
limiter does not cap the run), makes an API key, and then:

* ``idle``: a single client posts 2 cases a second while a wall polls every second;
* ``load``: ``--threads`` clients post as fast as the server answers, for ``--seconds``
  (no photos, 10% duplicates), while the wall keeps polling.

Each client is :mod:`dashboard.simulate`'s (one kept-alive connection, an Idempotency-Key
per request, the generator's hot spots and categories). The wall is a thread calling the
wall's refresh callback inside the app, as bench/wall.py does, with a display token, once a
second; a refresh that finds the data changed is timed. Reported: accepted cases per second
over the load (the first 3 s left out), median and p95 per request, refusals by status, and
the wall's changed-refresh median and p95 idle and under load. Targets: >= 200 accepted/s
on SQLite, p95 < 50 ms. The machine is shared and noisy: read medians and ratios.
Results: bench/results/intake.json.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wall import walk_components  # noqa: E402
from callbacks import wall as wall_callbacks  # noqa: E402
from dashboard import simulate  # noqa: E402
from dashboard.app import create_app  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import store, users  # noqa: E402
from data.demo import county  # noqa: E402
from data.intake import keys  # noqa: E402
from data.store import data_version  # noqa: E402

DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
WARM_UP_S = 3.0


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"median_ms": None, "p95_ms": None, "runs": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(p95 * 1000, 2), "runs": len(ordered)}


def sqlite_store(scale: str) -> str:
    """A fresh copy of the demo county (built once under bench/data/)."""
    kept = DATA / f"intake-{scale}.sqlite3"
    if not kept.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        engine = store.make_engine(f"sqlite:///{kept}.tmp")
        report = county.build_demo(engine, scale=scale, seed=42)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        shutil.move(f"{kept}.tmp", kept)
        print(f"built {kept.name}: {report.cases} cases, {report.grids} grids "
              f"in {report.seconds:.0f} s", flush=True)
    run = DATA / f"intake-{scale}-run.sqlite3"
    for extra in ("", "-wal", "-shm"):
        Path(f"{run}{extra}").unlink(missing_ok=True)
    shutil.copyfile(kept, run)
    return f"sqlite:///{run}"


def postgres_store(url: str, scale: str) -> str:
    """The PostgreSQL database at ``url``, holding the demo county (built if it does not)."""
    engine = store.make_engine(url)
    store.init_db(engine)
    with engine.connect() as conn:
        source = store.get_meta(conn, "source")
    if source != "demo":
        began = time.perf_counter()
        county.build_demo(engine, scale=scale, seed=42)
        print(f"built the demo county ({scale}) on PostgreSQL in "
              f"{time.perf_counter() - began:.0f} s", flush=True)
    engine.dispose()
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python -m dashboard serve --no-feed`` on ``url`` in a subprocess."""

    def __init__(self, url: str, media_dir: Path) -> None:
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "DASHBOARD_INTAKE_RATE": "10000000",
               "DASHBOARD_MEDIA_DIR": str(media_dir), "SECRET_KEY": secrets.token_hex(32)}
        self.process = subprocess.Popen(
            [PYTHON, "-m", "dashboard", "serve", "--no-feed", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.process.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("the server did not answer within 3 minutes")

    def cpu_seconds(self) -> float:
        """The server process' CPU time so far (user + system, from /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Wall:
    """A wall open on the whole deployment: the refresh callback once a second, inside an
    app of this process on the same store (as bench/wall.py calls it)."""

    def __init__(self, url: str) -> None:
        self.app = create_app(Settings(database_url=url, wall_refresh_seconds=1))
        self.engine = self.app.server.extensions["grid_dashboard"]["engine"]
        self.token = users.create_display_token(self.engine, None, label="bench intake")
        self.changed: dict[str, list[float]] = {"idle": [], "load": []}
        self.unchanged: list[float] = []
        self.phase = "idle"
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="wall", daemon=True)

    def _run(self) -> None:
        with self.app.server.test_request_context(headers={"X-Display-Token": self.token}):
            page = wall_callbacks.render_wall("")
            state = next(c.data for c in walk_components(page)
                         if getattr(c, "id", None) == "wall-state")
            while not self._stop.wait(1.0):
                with self.engine.connect() as conn:
                    version = data_version(conn)
                began = time.perf_counter()
                wall_callbacks.refresh_wall(1, state)
                seconds = time.perf_counter() - began
                if version != state["version"]:
                    self.changed[self.phase].append(seconds)
                    state["version"] = version
                else:
                    self.unchanged.append(seconds)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=30)
        users.revoke_display_token(self.engine, users.check_display_token(self.engine,
                                                                          self.token).id)
        self.engine.dispose()


class Client(threading.Thread):
    """One API client posting cases until ``stop_at``, at ``rate`` a second (None: as fast
    as the server answers)."""

    def __init__(self, url: str, key: str, services, seen, seed: int, stop_at: float,
                 rate: float | None = None) -> None:
        super().__init__(daemon=True)
        self.client = simulate.Open311Client(url, key)
        self.generator = simulate.CaseGenerator(services, seen, seed=seed, photos=0,
                                                duplicates=0.1)
        self.stop_at, self.rate, self.seed = stop_at, rate, seed
        self.answers: list[tuple[float, int, float]] = []  # (finished at, status, seconds)

    def run(self) -> None:
        next_at = time.monotonic()
        while time.monotonic() < self.stop_at:
            if self.rate:
                time.sleep(max(0.0, next_at - time.monotonic()))
                next_at += 1 / self.rate
            case = self.generator.next_case(time.monotonic())
            answer = self.client.post(case, f"bench-{self.seed}-{case.number}-"
                                            f"{secrets.token_hex(4)}")
            self.answers.append((time.monotonic(), answer.status, answer.seconds))
            if answer.accepted:
                self.generator.accepted(case, time.monotonic())
        self.client.close()


def bench_store(url: str, seconds: float, threads: int, media_dir: Path) -> dict[str, object]:
    engine = store.make_engine(url)
    key, _ = keys.add_key(engine, f"bench-{secrets.token_hex(4)}", source="app")
    engine.dispose()
    server = Server(url, media_dir)
    wall = Wall(url)
    out: dict[str, object] = {}
    try:
        probe = simulate.Open311Client(server.url, key)
        services, seen = probe.services(), probe.recent()
        probe.close()
        out["services"], out["hot_spot_cases"] = len(services), len(seen)
        wall.start()
        time.sleep(2)
        idle = Client(server.url, key, services, seen, 0, time.monotonic() + 12, rate=2)
        idle.start()
        idle.join()
        wall.phase = "load"
        began = time.monotonic()
        server_cpu, own_cpu = server.cpu_seconds(), time.process_time()
        clients = [Client(server.url, key, services, seen, 1 + i, began + seconds)
                   for i in range(threads)]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        server_cpu = server.cpu_seconds() - server_cpu
        own_cpu = time.process_time() - own_cpu
    finally:
        wall.stop()
        server.stop()
    answers = [a for c in clients for a in c.answers if a[0] >= began + WARM_UP_S]
    window = seconds - WARM_UP_S
    accepted = [a for a in answers if a[1] in (200, 201)]
    out["threads"] = threads
    out["seconds_measured"] = window
    out["accepted_per_second"] = round(len(accepted) / window, 1)
    out["requests"] = len(answers)
    # the machine's cores are shared by the server, the clients and the wall: what one
    # request costs the server's process (its CPU seconds over the load) is its price
    load_answers = sum(len(c.answers) for c in clients)
    out["server_cpu_ms_per_request"] = round(1000 * server_cpu / max(1, load_answers), 2)
    out["server_requests_per_cpu_second"] = round(
        load_answers / server_cpu, 1) if server_cpu else None
    out["load_generator_and_wall_cpu_share"] = round(own_cpu / (own_cpu + server_cpu), 2) \
        if own_cpu + server_cpu else None
    out["statuses"] = dict(Counter(a[1] for a in answers))
    out["per_request"] = _stats([a[2] for a in answers])
    out["idle_per_request"] = _stats([a[2] for a in idle.answers])
    out["wall_changed_refresh_idle"] = _stats(wall.changed["idle"])
    out["wall_changed_refresh_under_load"] = _stats(wall.changed["load"])
    out["wall_unchanged_refresh"] = _stats(wall.unchanged)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "county"], default="county")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL"),
                        help="PostgreSQL URL (default: TEST_POSTGRES_URL)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--out", default=str(RESULTS / "intake.json"))
    args = parser.parse_args()
    stores = []
    if not args.no_sqlite:
        stores.append(("sqlite", lambda: sqlite_store(args.scale)))
    if args.postgres and not args.no_postgres:
        stores.append(("postgresql", lambda: postgres_store(args.postgres, args.scale)))
    results: dict[str, object] = {}
    media_dir = DATA / "intake-media"
    for name, make in stores:
        entry = bench_store(make(), args.seconds, args.threads, media_dir)
        results[f"{name}_{args.scale}"] = entry
        print(json.dumps({name: entry}, indent=2), flush=True)
    shutil.rmtree(media_dir, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
