"""Several workers over one PostgreSQL store and one Redis: nothing correct depends on one
process' memory (README: Several workers).

Two real ``python -m dashboard serve`` processes (A and B) on two ports, over the small
demo built into the test PostgreSQL database and the test Redis, are the two workers: a
request is sent to the one named, so "through A ... served by B" is exact. Everything goes
over HTTP as a browser sends it: the sign-in form, Dash's callbacks, Open311.
One more test starts ``serve --workers 2`` and sees two gunicorn workers answer.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest
import redis
import requests
from sqlalchemy import func, insert, select

from dashboard.app import create_app
from dashboard.settings import Settings
from dashboard.shared_state import namespace
from data import store, users, workflow
from data.console_state import ConsoleState
from data.demo import county
from data.intake import keys as api_keys
from data.models import Case, CaseEvent, Category, Department, Region, RegionLevel
from layouts import ids
from layouts.text import t
from tests.auth_helpers import callback_body, router_body
from tests.conftest import ROOT

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SECRET = "k" * 64  # every process of a deployment signs cookies with the same key


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One ``serve`` process; its output is collected in a thread."""

    def __init__(self, env: dict, *extra: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "serve", "--port", str(self.port), *extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, self.output()
            try:
                if requests.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"serve did not start:\n{self.output()}"
            time.sleep(0.2)

    def stop(self, how: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(how)
        if self.process.returncode is None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture(scope="module")
def deployment(postgres_engine, redis_url):
    """The small demo in the test PostgreSQL database, the test Redis emptied of this
    store's keys, and the environment its servers run in."""
    url = postgres_engine.url.render_as_string(hide_password=False)
    store.drop_all(postgres_engine)
    county.build_demo(postgres_engine, scale="small", seed=7)
    users.ensure_demo_accounts(postgres_engine)
    settings = Settings(database_url=url, redis_url=redis_url, secret_key=SECRET)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(namespace(settings) + "*"):
        client.delete(key)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET,
           "PYTHONPATH": str(ROOT)}
    env.pop("DASHBOARD_TRUSTED_HOSTS", None)
    yield {"url": url, "settings": settings, "env": env, "redis": client,
           "engine": postgres_engine}
    client.close()
    store.drop_all(postgres_engine)  # the next PostgreSQL test makes its schema afresh


@pytest.fixture(scope="module")
def pair(deployment):
    """Workers A and B: two servers on the store, without the demo feed (tests 1-4 must
    not race the feed); and an app in this process that only builds callback bodies."""
    a, b = Server(deployment["env"], "--no-feed"), Server(deployment["env"], "--no-feed")
    try:
        a.wait_ready()
        b.wait_ready()
        app = create_app(deployment["settings"])
        yield a, b, app
        app.server.extensions["grid_dashboard"]["engine"].dispose()
    finally:
        a.stop()
        b.stop()


def _signed_in(server: Server, name: str, password: str) -> requests.Session:
    session = requests.Session()
    form = session.get(server.url + "/login", timeout=10)
    csrf = _CSRF.search(form.text).group(1)
    answer = session.post(server.url + "/login", data={
        "name": name, "password": password, "csrf": csrf, "next": "/"},
        allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return session


def _demo_password(engine, name: str) -> str:
    return next(a.password for a in users.demo_accounts(engine) if a.name == name)


def _callback(session, server: Server, body: dict, token: str | None = None) -> dict:
    headers = {"X-Display-Token": token} if token else {}
    answer = session.post(server.url + "/_dash-update-component", json=body,
                          headers=headers, timeout=30)
    assert answer.status_code in (200, 204), answer.text[:300]
    return answer.json() if answer.status_code == 200 else {}


def _find_prop(tree, component_id: str, prop: str):
    """The value of ``prop`` of the component ``component_id`` in a layout answer."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == component_id and prop in props:
            return props[prop]
        for value in tree.values():
            found = _find_prop(value, component_id, prop)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for value in tree:
            found = _find_prop(value, component_id, prop)
            if found is not None:
                return found
    return None


def _open_wall(server: Server, app, token: str) -> dict:
    """The wall's state as the page holds it after its first picture, from ``server``."""
    page = _callback(requests, server, router_body("/wall", "", app=app), token)
    state = _find_prop(page, ids.WALL_STATE, "data")
    assert state and state["version"] >= 0, json.dumps(page)[:300]
    return state


def _refresh(server: Server, app, token: str, state: dict) -> dict:
    body = callback_body(app, f"{ids.WALL_STATE}.data", {
        f"{ids.WALL_REQUEST}.data": 1, f"{ids.WALL_STATE}.data": state},
        trigger=f"{ids.WALL_REQUEST}.data")
    return _callback(requests, server, body, token)["response"]


def _version(engine) -> int:
    with engine.connect() as conn:
        return store.data_version(conn)


def _dispatch_body(app, case_id: int, version: int, department: int) -> dict:
    return callback_body(app, f"{ids.CONSOLE_REFRESH}.data", {
        f"{ids.ACTION_SUBMIT}.n_clicks": 1,
        f"{ids.CONSOLE_ACTION}.data": "dispatch",
        f"{ids.CONSOLE_TARGETS}.data": [{"id": case_id, "version": version, "code": "x"}],
        f"{ids.ACTION_DEPARTMENT}.value": department,
        f"{ids.CONSOLE_STATE}.data": ConsoleState.parse("/", "").to_store(),
    }, trigger=f"{ids.ACTION_SUBMIT}.n_clicks")


def _a_filed_case(engine) -> tuple[int, int]:
    """A case filed (受理) just now, as an operator does, ready to be dispatched (id,
    version): one of the demo's reported cases, or, at an hour when the demo built for
    "now" holds none awaiting verification, a new one reported in a demo case's grid.
    Filing moves the data version on."""
    with engine.begin() as conn:
        found = conn.execute(
            select(Case.id, Case.version)
            .where(Case.status == "reported", Case.region_id.is_not(None))
            .order_by(Case.id).limit(1)).first()
        if found is None:
            like = conn.execute(
                select(Case.case_class, Case.category, Case.subcategory, Case.source,
                       Case.region_id, Case.lon, Case.lat, Case.location_method)
                .where(Case.region_id.is_not(None)).order_by(Case.id).limit(1)).one()
            made = conn.execute(insert(Case).values(
                code=f"TEST-{time.time_ns()}", case_class=like.case_class,
                category=like.category, subcategory=like.subcategory, source=like.source,
                status="reported", region_id=like.region_id, lon=like.lon, lat=like.lat,
                location_method=like.location_method, reported_at=store.utcnow(),
                version=1)).inserted_primary_key[0]
            found = (made, 1)
    case_id, version = found
    done, = workflow.apply_many(engine, [(case_id, version, {})], "file", actor="operator")
    assert done.ok, done
    return case_id, version + 1


def _department(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(Department.id).order_by(Department.id).limit(1))


def _feedback(answer: dict) -> str:
    return json.dumps(answer["response"][ids.ACTION_FEEDBACK]["children"], ensure_ascii=False)


def test_a_case_filed_and_dispatched_through_a_is_on_b_s_wall_within_one_refresh(
        deployment, pair):
    a, b, app = pair
    engine = deployment["engine"]
    token = users.create_display_token(engine, None, label="test wall on B")
    state = _open_wall(b, app, token)
    # a case through A's intake (Open311), with a key of the hotline
    key, _ = api_keys.add_key(engine, "workers test hotline")
    with engine.connect() as conn:
        service = conn.scalar(select(Category.code).order_by(Category.code).limit(1))
        lon, lat = conn.execute(select(Region.centroid_lon, Region.centroid_lat)
                                .where(Region.depth == select(func.max(Region.depth))
                                       .scalar_subquery()).limit(1)).one()
    filed = requests.post(a.url + "/open311/v2/requests.json", headers={"X-Api-Key": key},
                          data={"service_code": service, "lat": lat, "long": lon,
                                "description": "workers test: a new case"}, timeout=30)
    assert filed.status_code == 201, filed.text
    code = filed.json()[0]["service_request_id"]
    answer = _refresh(b, app, token, state)
    assert code in json.dumps(answer[ids.WALL_TICKER]), "B's ticker lacks the new case"
    assert answer[ids.WALL_STATE]["data"]["operations"]  # a state patch: version and token
    state_version = _version(engine)
    state = {**state, "version": state_version, "token": "unknown-to-both"}

    # a dispatch through A's console, by the demo's commander
    commander = _signed_in(a, "commander", _demo_password(engine, "commander"))
    case_id, version = _a_filed_case(engine)
    done = _callback(commander, a, _dispatch_body(app, case_id, version, _department(engine)))
    assert t("err_case_changed", status="x", version=0)[:6] not in _feedback(done)
    with engine.connect() as conn:
        assert conn.scalar(select(Case.status).where(Case.id == case_id)) == "dispatched"
    after = _version(engine)
    assert after > state_version
    answer = _refresh(b, app, token, state)
    # B did not answer "nothing changed": its next state carries the version after
    ops = json.dumps(answer[ids.WALL_STATE]["data"])
    assert str(after) in ops and ids.WALL_TILES in answer


def test_a_wall_snapshot_made_by_a_serves_b_s_walls_of_the_region(deployment, pair):
    """Walls of one region on two workers: the snapshot A made after a change serves B's
    refresh (B makes none: the shared head is the one A put), and B's wall shows the
    change; the region's 30-day panels are kept once, in Redis."""
    a, b, app = pair
    engine, client = deployment["engine"], deployment["redis"]
    prefix = namespace(deployment["settings"]) + "wall:"
    token = users.create_display_token(engine, None, label="test wall on A and B")
    on_a, on_b = _open_wall(a, app, token), _open_wall(b, app, token)
    _a_filed_case(engine)  # a change: the data version moves on
    after = _version(engine)
    assert after > max(on_a["version"], on_b["version"])
    shared = prefix + "head:" + (on_a["region"] or "*")  # the region the wall shows
    _refresh(a, app, token, on_a)
    head = json.loads(client.get(shared))
    assert head["version"] == after
    answer = _refresh(b, app, token, on_b)
    assert json.loads(client.get(shared))["id"] == head["id"]  # B made none
    assert str(after) in json.dumps(answer[ids.WALL_STATE]["data"])
    assert any(client.scan_iter(prefix + "slow:*"))


def test_two_commanders_on_two_workers_race_for_one_case_and_one_wins(deployment, pair):
    a, b, app = pair
    engine = deployment["engine"]
    password = users.add_user(engine, "commander2", "pw-Race-2026-workers", "commander",
                              None) and "pw-Race-2026-workers"
    first = _signed_in(a, "commander", _demo_password(engine, "commander"))
    second = _signed_in(b, "commander2", password)
    case_id, version = _a_filed_case(engine)
    body = _dispatch_body(app, case_id, version, _department(engine))
    answers: dict[str, dict] = {}
    go = threading.Barrier(2)

    def race(name: str, session, server) -> None:
        go.wait()
        answers[name] = _callback(session, server, body)

    racers = [threading.Thread(target=race, args=("a", first, a)),
              threading.Thread(target=race, args=("b", second, b))]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    changed = t("err_case_changed", status="", version="").split("（")[0]
    said = sorted(_feedback(answers[n]) for n in ("a", "b"))
    lost = [s for s in said if changed in s]
    assert len(lost) == 1, said  # one got the version-conflict answer, the other won
    with engine.connect() as conn:
        status, new_version = conn.execute(select(Case.status, Case.version)
                                           .where(Case.id == case_id)).one()
        dispatches = conn.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.action == "dispatch"))
    assert (status, new_version, dispatches) == ("dispatched", version + 1, 1)


def _grid_feature(figure: dict, region_id: int) -> dict:
    for trace in figure["data"]:
        for feature in (trace.get("geojson") or {}).get("features", []):
            if str(feature["id"]) == str(region_id):
                return feature["geometry"]
    raise AssertionError(f"region {region_id} is not on the map")


def test_a_regions_import_shows_on_a_running_wall_served_by_a_worker(deployment, pair,
                                                                      tmp_path):
    import shapely
    from shapely import affinity

    a, b, app = pair
    engine = deployment["engine"]
    token = users.create_display_token(engine, None, label="test wall, boundaries")
    state = _open_wall(b, app, token)
    with engine.connect() as conn:
        depth = conn.scalar(select(func.max(Region.depth)))
        rid, code, name, parent_id, wkb = conn.execute(
            select(Region.id, Region.code, Region.name, Region.parent_id, Region.geometry)
            .where(Region.depth == depth).order_by(Region.id).limit(1)).one()
        parent = conn.scalar(select(Region.code).where(Region.id == parent_id))
        levels = dict(conn.execute(select(RegionLevel.depth, RegionLevel.name)).all())
    moved = affinity.translate(shapely.from_wkb(wkb), xoff=0.002, yoff=0.002)
    geojson = tmp_path / "grid.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": shapely.geometry.mapping(moved),
        "properties": {"code": code, "name": name, "parent": parent}}]}), encoding="utf-8")
    mapping = tmp_path / "grid.toml"
    mapping.write_text(f'[source]\nlevel = "{levels[depth]}"\nparent_level = '
                       f'"{levels[depth - 1]}"\ncrs = "EPSG:4326"\n\n[columns]\ncode = "code"\n'
                       'name = "name"\nparent = "parent"\n', encoding="utf-8")
    imported = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", "regions", str(geojson), "--mapping",
         str(mapping)], cwd=ROOT, env=deployment["env"], capture_output=True, text=True,
        timeout=120)
    assert imported.returncode == 0, imported.stderr
    answer = _refresh(b, app, token, state)
    figure = answer[ids.WALL_MAP]["figure"]
    assert "data" in figure, "the map should be drawn afresh on the new boundaries"
    drawn = shapely.geometry.shape(_grid_feature(figure, rid)).bounds
    was = shapely.from_wkb(wkb).bounds
    # drawn where the import put it (to the map's rounding), not where it was
    assert all(abs(d - m) < 2e-4 for d, m in zip(drawn, moved.bounds)), (drawn, moved.bounds)
    assert all(abs(d - w) > 1e-3 for d, w in zip(drawn, was))


def test_the_sign_in_throttle_holds_across_workers(deployment, pair):
    from dashboard.throttle import NAME_ATTEMPTS

    a, b, _ = pair
    engine = deployment["engine"]
    users.add_user(engine, "guessed", "pw-Right-2026-workers", "viewer", None)
    statuses = []
    for attempt in range(NAME_ATTEMPTS + 2):
        server = (a, b)[attempt % 2]  # wrong passwords, alternately through A and B
        session = requests.Session()
        csrf = _CSRF.search(session.get(server.url + "/login", timeout=10).text).group(1)
        statuses.append(session.post(server.url + "/login", data={
            "name": "guessed", "password": f"wrong-{attempt}", "csrf": csrf, "next": "/"},
            allow_redirects=False, timeout=10).status_code)
    # the limit in total, not per worker (which would let 2 x the limit through)
    assert statuses == [401] * NAME_ATTEMPTS + [429, 429]
    session = requests.Session()  # the right password is held back too, on either worker
    csrf = _CSRF.search(session.get(a.url + "/login", timeout=10).text).group(1)
    assert session.post(a.url + "/login", data={
        "name": "guessed", "password": "pw-Right-2026-workers", "csrf": csrf, "next": "/"},
        allow_redirects=False, timeout=10).status_code == 429


@pytest.fixture(scope="module")
def gunicorn(deployment, pair):
    """``serve --workers 2`` with the demo feed stepping every second, once A and B (which
    would hold the deployment's lead) stopped."""
    for server in pair[:2]:
        server.process.send_signal(signal.SIGTERM)  # both at once: they let the lead go
    for server in pair[:2]:
        server.stop()
    server = Server(deployment["env"], "--workers", "2", "--feed-every", "1")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop(signal.SIGINT)  # gunicorn's quick shutdown


def _booted(server: Server) -> list[str]:
    return re.findall(r"Booting worker with pid: (\d+)", server.output())


def _leaders(server: Server) -> list[str]:
    """The pids that said they lead the background work with the demo feed."""
    return re.findall(r"background work: [^:\s]+:(\d+) leads \(demo-feed", server.output())


def test_serve_with_two_workers_starts_two_worker_processes_that_answer(gunicorn):
    booted = _wait_for(lambda: _booted(gunicorn) if len(_booted(gunicorn)) >= 2 else None,
                       30, "two workers booted")
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(gunicorn.process.pid)],
                              capture_output=True, text=True).stdout.split()
    assert sorted(children) == sorted(booted) and len(set(booted)) == 2
    for _ in range(10):  # they answer (a new connection each time)
        assert requests.get(gunicorn.url + "/login", timeout=10,
                            headers={"Connection": "close"}).status_code == 200


def test_background_work_runs_in_one_worker_and_another_takes_over(deployment, gunicorn):
    engine, key = deployment["engine"], namespace(deployment["settings"]) + "leader"
    first = _wait_for(lambda: _leaders(gunicorn), 20, "a worker leads the background work")
    assert len(first) == 1  # one of the two leads, the other does not
    leader = first[0]
    assert deployment["redis"].get(key).decode().endswith(f":{leader}")
    before = _version(engine)
    _wait_for(lambda: _version(engine) > before, 15, "the demo feed moves the store")
    time.sleep(1)
    assert _leaders(gunicorn) == first  # still one leader, the feed in one worker only
    os.kill(int(leader), signal.SIGTERM)  # that worker stops (gunicorn starts another)
    taken = _wait_for(lambda: _leaders(gunicorn)[1:], 20, "another worker takes over")
    assert taken[0] != leader and len(taken) == 1
    assert deployment["redis"].get(key).decode().endswith(f":{taken[0]}")
    before = _version(engine)
    _wait_for(lambda: _version(engine) > before, 15, "the feed moves on under the new leader")


def test_serve_refuses_several_workers_on_sqlite(tmp_path, capsys):
    from dashboard.cli import main

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'one.sqlite3'}")
    assert main(["serve", "--workers", "2"], settings) == 2
    said = capsys.readouterr()
    line = said.err.strip()
    assert len(line.splitlines()) == 1 and "PostgreSQL" in line and "_SQLITE_WRITER" in line
    assert "demo county" not in said.out  # refused before anything was built


def test_the_documented_gunicorn_command_serves_dashboard_wsgi_app(tmp_path):
    from tests import tiny_store

    url = f"sqlite:///{tmp_path / 'tiny.sqlite3'}"
    engine = store.make_engine(url)
    store.init_db(engine)
    tiny_store.build(engine)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(  # README: Several workers (one worker: SQLite)
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
         "--threads", "2", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
         "dashboard.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        def answers() -> bool:
            assert process.poll() is None, process.stdout.read()
            try:
                page = requests.get(f"http://127.0.0.1:{port}/login", timeout=2)
            except requests.RequestException:
                return False
            return page.status_code == 200 and 'name="csrf"' in page.text
        _wait_for(answers, 60, "gunicorn serves dashboard.wsgi:app")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
