"""Load test: walls and commanders on a running server, over HTTP on loopback.

    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/load.py \\
        [--minutes 10] [--walls 50] [--commanders 5] [--workers 1 4] \\
        [--server-cmd "python -m dashboard serve --workers {workers} --port {port} --no-feed"]

For each number of workers it starts the server itself (``--server-cmd``, formatted with
``{workers}`` and ``{port}``, run with this DATABASE_URL), waits until it answers, and then,
for ``--minutes``:

* ``--walls`` simulated walls (started together, or spread over ``--ramp`` seconds), each
  a display token's page as a browser has it: the page
  (``GET /wall?token=``), the router's callback (the first load, which returns the wall's
  state), then the wall's refresh callback every ``--refresh`` seconds (5) with the state the
  last answer left, as the page's interval does (never two at once);
* ``--commanders`` commanders, each signed in through ``/login`` like a browser (CSRF field
  included), each in a district (a top-level child) of their own, acting on the cases of
  that district as the console does: a row clicked (``open_case``, then ``show_case`` and
  ``choose_targets``), the action's button (``open_form``), the form sent
  (``submit_action``): reported cases filed, filed ones dispatched (to the department and
  officer the form suggests), dispatched ones resolved, resolved ones closed; a pause of
  ``--think`` seconds between actions.

Every callback is POSTed to ``/_dash-update-component`` with the body Dash's browser side
sends, built from the app's own callback map (:func:`tests.auth_helpers.callback_body`), so
it follows the callbacks' signatures as they change. Measured: p50/p95/p99 of the wall's
first load and refresh and of each commander step and whole action; errors (an HTTP status
other than 200, a refused action, an exception: the target is none; a request that met
a connection the server had just closed as idle is sent again once, as a browser does, and
counted apart as ``reopened``); the server's memory
(RSS of the server process and all its children: every worker, summed) when every wall has
loaded and at the end (growth target < 10 %). With more than one worker count, the ratio of
each figure to the first's. Results: bench/results/load.json.

A ``serve`` without ``--workers`` (before gunicorn) runs the default command with the flag
left out for one worker and refuses more before any run. A request unanswered in 120 s
counts as an error.

The accounts (``bench-load-N``, commanders) and display tokens it makes are its own; the
tokens are revoked at the end. The cases it acts on move along the workflow for real: run
it on a bench store (the city demo on PostgreSQL), never on real data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402  (dash's own dependency)
from sqlalchemy import select  # noqa: E402

from dashboard.app import create_app  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from data import schema, store, users  # noqa: E402
from data.console_state import ConsoleState  # noqa: E402
from data.models import Case, Region  # noqa: E402
from layouts import ids  # noqa: E402
from tests.auth_helpers import callback_body  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_SERVER = "python -m dashboard serve --workers {workers} --port {port} --no-feed"
#: The action a commander takes on a case in each status, and what the form needs.
NEXT_ACTION = {schema.REPORTED: "file", schema.FILED: "dispatch",
               schema.DISPATCHED: "resolve", schema.RESOLVED: "close"}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank) in milliseconds, and the count."""
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))] * 1000, 1)

    return {"n": len(ordered), "p50_ms": rank(0.50), "p95_ms": rank(0.95),
            "p99_ms": rank(0.99), "mean_ms": round(statistics.fmean(ordered) * 1000, 1)}


# --- the server ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """RSS of process ``pid`` and all its descendants (every worker), in MB, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
        except OSError:
            continue
    return round(total_kb / 1024, 1)


def server_command(template: str, workers: int, port: int) -> str:
    """The template filled in. A ``serve`` without ``--workers`` (before gunicorn came) runs
    one worker: the flag is left out for 1 and refused for more."""
    if "--workers {workers}" in template and "--workers" not in subprocess.run(
            [sys.executable, "-m", "dashboard", "serve", "--help"], cwd=ROOT,
            capture_output=True, text=True).stdout:
        if workers != 1:
            raise SystemExit(f"this serve has no --workers: it cannot run {workers} workers")
        template = template.replace(" --workers {workers}", "")
    return template.format(workers=workers, port=port)


class Server:
    """The server under test, started from the command template in its own session (so it
    and its workers stop together) with this DATABASE_URL."""

    def __init__(self, template: str, workers: int, url: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = server_command(template, workers, self.port)
        self.log = log.open("w")
        env = {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
        argv = shlex.split(command)
        if argv[0] == "python":  # this interpreter (the project's environment)
            argv[0] = sys.executable
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.command = command

    def wait_ready(self, timeout: float) -> float:
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server ended (status {self.process.returncode}) "
                                   f"before answering: see {self.log.name}")
            try:
                if requests.get(f"{self.base}/login", timeout=5).status_code == 200:
                    return time.monotonic() - began
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s: {self.command}")

    def rss_mb(self) -> float:
        return tree_rss_mb(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the server's own session
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- who asks -----------------------------------------------------------------------------------

@dataclass
class Tally:
    """Latencies by kind and errors, shared by every simulated client (a lock each write)."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)  # idle connections the server closed
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.times.setdefault(kind, []).append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what[:300])

    def reopen(self, what: str) -> None:
        with self.lock:
            self.reopened.append(what[:300])


class Bodies:
    """Callback request bodies, from a local app's callback map (not served: read only)."""

    def __init__(self, url: str) -> None:
        self.app = create_app(Settings(database_url=url))
        self.action_all = next(
            item["id"] for entry in self.app.callback_map.values()
            for item in entry.get("inputs", []) if '"ALL"' in item["id"]
            and "console-action-button" in item["id"]) + ".n_clicks"

    def body(self, output: str, values: dict, trigger: str | None = None) -> dict:
        return callback_body(self.app, output, values, trigger)


#: Seconds the server keeps a silent connection open (``DASHBOARD_IDLE_TIMEOUT``).
IDLE_TIMEOUT = Settings.from_env().idle_timeout


def post(session: requests.Session, base: str, body: dict, tally: Tally, kind: str
         ) -> dict | None:
    """POST one callback; its latency under ``kind``; None (and an error) unless a 200.

    A request sent on a connection silent for the server's idle timeout or longer, which
    the server closed as idle while it went out, is sent again once on a new connection,
    as a browser does (README: a browser reopens a closed one by itself); each such
    reopening is counted (``reopened``), never hidden. Any other failure is an error."""
    began = time.perf_counter()
    idle = time.monotonic() - getattr(session, "last_answer", time.monotonic())
    try:
        try:
            answer = session.post(f"{base}/_dash-update-component", json=body, timeout=120)
        except requests.ConnectionError as exc:
            if idle < IDLE_TIMEOUT - 1:
                raise
            tally.reopen(f"{kind}: silent {idle:.1f} s: {type(exc).__name__}: {exc}")
            answer = session.post(f"{base}/_dash-update-component", json=body, timeout=120)
    except requests.RequestException as exc:
        tally.error(f"{kind}: {type(exc).__name__} (connection silent {idle:.1f} s): {exc}")
        return None
    session.last_answer = time.monotonic()
    tally.add(kind, time.perf_counter() - began)
    if answer.status_code == 204:  # every output no_update
        return {}
    if answer.status_code != 200:
        tally.error(f"{kind}: HTTP {answer.status_code}: {answer.text[:200]}")
        return None
    return answer.json().get("response", {})


def find_data(tree: object, component_id: str) -> object:
    """The ``data`` of the component ``component_id`` anywhere in a layout's JSON."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props.get("data")
        for value in tree.values():
            found = find_data(value, component_id)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for value in tree:
            found = find_data(value, component_id)
            if found is not None:
                return found
    return None


def patched(value: object, update: object) -> object:
    """``update`` applied to ``value`` as Dash's browser side does: a whole new value, or
    a ``Patch``'s operations (the wall's state comes back as ``Assign`` of its version)."""
    if not (isinstance(update, dict) and "__dash_patch_update" in update):
        return update
    value = json.loads(json.dumps(value))
    for operation in update["operations"]:
        *path, last = operation["location"]
        target = value
        for key in path:
            target = target[key]
        if operation["operation"] == "Assign":
            target[last] = operation["params"]["value"]
        elif operation["operation"] == "Merge":
            target[last].update(operation["params"]["value"])
        else:
            raise ValueError(f"a patch operation this bench does not apply: {operation}")
    return value


def run_wall(base: str, token: str, bodies: Bodies, tally: Tally, refresh: float,
             stop: threading.Event, loaded: threading.Barrier, delay: float = 0.0) -> None:
    """One wall: after ``delay`` seconds its page, its first load, then a refresh every
    ``refresh`` seconds."""
    time.sleep(delay)
    session = requests.Session()
    session.headers["X-Display-Token"] = token  # as assets/auth.js sends it
    search = f"?token={token}"
    state = None
    try:
        page = session.get(f"{base}/wall{search}", timeout=120)
        if page.status_code != 200:
            tally.error(f"wall page: HTTP {page.status_code}")
        first = post(session, base, bodies.body(f"{ids.PAGE}.children", {
            f"{ids.URL}.pathname": "/wall", f"{ids.URL}.search": search}), tally,
            "wall_first_load")
        state = find_data(first, ids.WALL_STATE) if first is not None else None
        if first is not None and state is None:
            tally.error("wall first load: no wall state in the page")
    finally:
        loaded.wait()
    tick = 0
    next_at = time.monotonic() + random.uniform(0, refresh)  # walls are not in step
    while state is not None and not stop.is_set():
        if stop.wait(max(0.0, next_at - time.monotonic())):
            break
        next_at += refresh
        tick += 1
        answer = post(session, base, bodies.body(f"{ids.WALL_STATE}.data", {
            f"{ids.WALL_REQUEST}.data": tick, f"{ids.WALL_STATE}.data": state},
            trigger=f"{ids.WALL_REQUEST}.data"), tally, "wall_refresh")
        if answer and ids.WALL_STATE in answer:
            state = patched(state, answer[ids.WALL_STATE]["data"])


def sign_in(base: str, name: str, password: str) -> requests.Session:
    """A browser's sign-in through the form, CSRF field included."""
    session = requests.Session()
    form = session.get(f"{base}/login", timeout=60)
    csrf = _CSRF.search(form.text).group(1)
    answer = session.post(f"{base}/login", data={"name": name, "password": password,
                                                 "csrf": csrf, "next": "/"},
                          allow_redirects=False, timeout=60)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in of {name} failed: HTTP {answer.status_code}")
    return session


def act_once(session: requests.Session, base: str, bodies: Bodies, tally: Tally,
             state: dict, case: list) -> bool:
    """One action of a commander on ``case`` ([id, status]) through the console's
    callbacks; the case's status moves on when it worked."""
    case_id, status = case
    action = NEXT_ACTION[status]
    began = time.perf_counter()
    opened = post(session, base, bodies.body(f"{ids.CONSOLE_CASE}.data", {
        f"{ids.CONSOLE_GRID}.cellClicked": {"rowId": str(case_id), "colId": "code"}},
        trigger=f"{ids.CONSOLE_GRID}.cellClicked"), tally, "console_open_case")
    if opened is None:
        return False
    shown = post(session, base, bodies.body(f"{ids.CONSOLE_DETAIL}.children", {
        f"{ids.CONSOLE_CASE}.data": case_id, f"{ids.CONSOLE_STATE}.data": state},
        trigger=f"{ids.CONSOLE_CASE}.data"), tally, "console_show_case")
    chosen = post(session, base, bodies.body(f"{ids.CONSOLE_TARGETS}.data", {
        f"{ids.CONSOLE_CASE}.data": case_id, f"{ids.CONSOLE_STATE}.data": state},
        trigger=f"{ids.CONSOLE_CASE}.data"), tally, "console_targets")
    if shown is None or not chosen or ids.CONSOLE_TARGETS not in chosen:
        tally.error(f"open case {case_id}: no targets")
        return False
    targets = chosen[ids.CONSOLE_TARGETS]["data"]
    body = bodies.body(f"{ids.CONSOLE_ACTION}.data", {
        bodies.action_all: [{"id": ids.action_button(action), "property": "n_clicks",
                             "value": 1}],
        f"{ids.CONSOLE_TARGETS}.data": targets, f"{ids.CONSOLE_STATE}.data": state},
        trigger=bodies.action_all)
    # the button clicked, as the browser names it (not the pattern that matches it)
    body["changedPropIds"] = [json.dumps(ids.action_button(action), separators=(",", ":"),
                                         sort_keys=True) + ".n_clicks"]
    form = post(session, base, body, tally, "console_open_form")
    if not form or ids.CONSOLE_ACTION not in form:
        tally.error(f"form {action} of case {case_id}: {json.dumps(form)[:200]}")
        return False
    values = {f"{ids.ACTION_SUBMIT}.n_clicks": 1, f"{ids.CONSOLE_ACTION}.data": action,
              f"{ids.CONSOLE_TARGETS}.data": targets, f"{ids.ACTION_NOTE}.value": "load test",
              f"{ids.CONSOLE_STATE}.data": state, f"{ids.CONSOLE_REFRESH}.data": 0}
    if action == "dispatch":
        values[f"{ids.ACTION_DEPARTMENT}.value"] = form[ids.ACTION_DEPARTMENT]["value"]
        values[f"{ids.ACTION_OFFICER}.value"] = form[ids.ACTION_OFFICER]["value"]
    if action == "resolve":
        values[f"{ids.ACTION_LEVEL}.value"] = "grid"
    done = post(session, base, bodies.body(f"{ids.CONSOLE_REFRESH}.data", values,
                                           trigger=f"{ids.ACTION_SUBMIT}.n_clicks"),
                tally, "console_submit")
    if not done or ids.CONSOLE_REFRESH not in done:
        said = (done or {}).get(ids.ACTION_FEEDBACK, {}).get("children")
        tally.error(f"{action} of case {case_id} refused: {said}")
        return False
    tally.add("action_total", time.perf_counter() - began)
    case[1] = {"file": schema.FILED, "dispatch": schema.DISPATCHED,
               "resolve": schema.RESOLVED, "close": schema.CLOSED}[action]
    return True


def guarded(tally: Tally, target):
    """``target`` run so that an exception is counted as an error, not lost with its
    thread."""
    def run(*args) -> None:
        try:
            target(*args)
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            tally.error(f"{target.__name__}: {type(exc).__name__}: {exc}")
    return run


def run_commander(base: str, name: str, password: str, district: str, cases: list[list],
                  bodies: Bodies, tally: Tally, think: float, stop: threading.Event) -> None:
    session = sign_in(base, name, password)
    state = ConsoleState.parse(f"/region/{district}", "").to_store()
    while not stop.is_set():
        live = [case for case in cases if case[1] in NEXT_ACTION]
        if not live:
            tally.error(f"{name}: no case left to act on in {district}")
            return
        act_once(session, base, bodies, tally, state, random.choice(live))
        stop.wait(think)


# --- the run --------------------------------------------------------------------------------------

def prepare(url: str, walls: int, commanders: int, per_commander: int
            ) -> tuple[list[str], list[tuple[str, str, str, list[list]]], list[int]]:
    """Display tokens for the walls (one in five the whole deployment, the rest a district
    each in turn), the commanders (account, password, district, open cases of the district)
    and the tokens' ids (to revoke)."""
    engine = store.make_engine(url)
    with engine.connect() as conn:
        root = conn.execute(select(Region.id).where(Region.parent_id.is_(None))
                            .order_by(Region.code)).scalars().first()
        districts = conn.execute(select(Region.code, Region.id).where(
            Region.parent_id == root).order_by(Region.code)).all()
    if len(districts) < commanders:
        raise SystemExit(f"the store has {len(districts)} top-level regions; each of the "
                         f"{commanders} commanders needs one of their own")
    tokens, token_ids = [], []
    for i in range(walls):
        region = None if i % 5 == 0 else districts[i % len(districts)][0]
        token = users.create_display_token(engine, region, label=f"bench load wall {i}")
        tokens.append(token)
        token_ids.append(users.check_display_token(engine, token).id)
    people = []
    known = {user.name for user in users.list_users(engine)}
    for i in range(commanders):
        code, region_id = districts[i]
        name, password = f"bench-load-{i + 1}", "Bench-" + secrets.token_urlsafe(12)
        if name in known:
            users.set_password(engine, name, password)
        else:
            users.add_user(engine, name, password, "commander", code)
        people.append((name, password, code, _open_cases(engine, region_id, per_commander)))
    engine.dispose()
    return tokens, people, token_ids


def _open_cases(engine, region_id: int, limit: int) -> list[list]:
    """Up to ``limit`` recent cases of the region that an action can move along."""
    from data.models import RegionAncestor  # the region's whole subtree

    with engine.connect() as conn:
        rows = conn.execute(
            select(Case.id, Case.status)
            .join(RegionAncestor, RegionAncestor.descendant_id == Case.region_id)
            .where(RegionAncestor.ancestor_id == region_id,
                   Case.status.in_(list(NEXT_ACTION)))
            .order_by(Case.id.desc()).limit(limit)).all()
    return [[case_id, status] for case_id, status in rows]


def run_once(args: argparse.Namespace, workers: int, bodies: Bodies) -> dict:
    url = os.environ["DATABASE_URL"]
    tokens, people, token_ids = prepare(url, args.walls, args.commanders, args.cases_each)
    RESULTS.mkdir(parents=True, exist_ok=True)
    server = Server(args.server_cmd, workers, url, RESULTS / f"load-server-{workers}.log")
    out: dict[str, object] = {"workers": workers, "command": server.command,
                              "walls": args.walls, "commanders": args.commanders,
                              "minutes": args.minutes, "refresh_seconds": args.refresh,
                              "ramp_seconds": args.ramp}
    try:
        out["ready_seconds"] = round(server.wait_ready(args.ready_timeout), 1)
        out["rss_idle_mb"] = server.rss_mb()
        tally, stop = Tally(), threading.Event()
        loaded = threading.Barrier(args.walls + 1)
        threads = [threading.Thread(target=guarded(tally, run_wall), daemon=True, args=(
            server.base, token, bodies, tally, args.refresh, stop, loaded,
            args.ramp * i / max(len(tokens), 1)))
            for i, token in enumerate(tokens)]
        for thread in threads:
            thread.start()
        loaded.wait()  # every wall has its first load (or failed it)
        out["rss_start_mb"] = server.rss_mb()
        for name, password, district, cases in people:
            threads.append(threading.Thread(target=guarded(tally, run_commander), daemon=True,
                                            args=(
                server.base, name, password, district, cases, bodies, tally, args.think,
                stop)))
            threads[-1].start()
        began = time.monotonic()
        samples = [(0.0, out["rss_start_mb"])]
        while time.monotonic() - began < args.minutes * 60:
            time.sleep(min(30.0, max(0.0, args.minutes * 60 - (time.monotonic() - began))))
            samples.append((round(time.monotonic() - began), server.rss_mb()))
        out["rss_end_mb"] = server.rss_mb()
        stop.set()
        for thread in threads:
            thread.join(timeout=150)
        out["rss_growth"] = round(out["rss_end_mb"] / out["rss_start_mb"] - 1, 4)
        out["rss_samples_mb"] = samples
        out["latency"] = {kind: percentiles(values) for kind, values in
                          sorted(tally.times.items())}
        out["errors"] = len(tally.errors)
        out["error_examples"] = tally.errors[:10]
        out["reopened"] = len(tally.reopened)
        out["reopened_examples"] = tally.reopened[:5]
        out["refreshes_per_second"] = round(
            len(tally.times.get("wall_refresh", [])) / (args.minutes * 60), 2)
        out["actions"] = len(tally.times.get("action_total", []))
    finally:
        server.stop()
        engine = store.make_engine(url)
        for token_id in token_ids:
            users.revoke_display_token(engine, token_id)
        engine.dispose()
    return out


def ratios(first: dict, other: dict) -> dict:
    """``other``'s figures over ``first``'s (p50 and p95 of each latency, memory)."""
    out: dict[str, object] = {}
    for kind, stats in other["latency"].items():
        base = first["latency"].get(kind, {})
        for key in ("p50_ms", "p95_ms", "p99_ms"):
            if base.get(key) and key in stats:
                out[f"{kind}.{key}"] = round(stats[key] / base[key], 3)
    out["rss_end_mb"] = round(other["rss_end_mb"] / first["rss_end_mb"], 3)
    out["refreshes_per_second"] = round(other["refreshes_per_second"]
                                        / max(first["refreshes_per_second"], 1e-9), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--walls", type=int, default=50)
    parser.add_argument("--commanders", type=int, default=5)
    parser.add_argument("--refresh", type=float, default=5.0, help="a wall's refresh (s)")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="seconds over which the walls' first loads are spread (default "
                             "0: all at once, as after a restart)")
    parser.add_argument("--think", type=float, default=2.0,
                        help="a commander's pause between actions (s)")
    parser.add_argument("--cases-each", type=int, default=400,
                        help="open cases each commander may act on")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--server-cmd", default=DEFAULT_SERVER,
                        help="the server's command; {workers} and {port} are filled in, "
                             f"python is this interpreter (default: {DEFAULT_SERVER!r})")
    parser.add_argument("--ready-timeout", type=float, default=600)
    parser.add_argument("--out", default=str(RESULTS / "load.json"))
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL to the store to serve (the city demo on PostgreSQL)")
    for workers in args.workers:  # a count the server cannot run is refused before any run
        server_command(args.server_cmd, workers, 0)
    bodies = Bodies(os.environ["DATABASE_URL"])
    runs = []
    for workers in args.workers:
        print(f"--- {workers} worker(s): {args.walls} walls, {args.commanders} commanders, "
              f"{args.minutes} min", flush=True)
        runs.append(run_once(args, workers, bodies))
        print(json.dumps(runs[-1], indent=2, ensure_ascii=False), flush=True)
    result: dict[str, object] = {"database": store.make_engine(
        os.environ["DATABASE_URL"]).url.render_as_string(hide_password=True), "runs": runs}
    if len(runs) > 1:
        result["ratio_to_first"] = {str(run["workers"]): ratios(runs[0], run)
                                    for run in runs[1:]}
        print(json.dumps(result["ratio_to_first"], indent=2), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written {out}")


if __name__ == "__main__":
    main()
