"""The living demo (``python -m dashboard simulate``): its options, its seeded generator, and
a run against a tiny Open311 stand-in served here by http.server (the real API has its own
tests; the end-to-end run on the real app is in test_simulate_live.py)."""

from __future__ import annotations

import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from PIL import Image

from dashboard import simulate
from dashboard.cli import main
from dashboard.settings import Settings
from dashboard.simulate import (
    SAMPLE_PHOTOS, Area, CaseGenerator, Options, Seen, Service, SimulateUsage, parse_area,
    parse_duration, parse_rate, parse_share,
)

SERVICES = [Service("S1", "暴露垃圾"), Service("S2", "井盖破损"), Service("S3", "路灯不亮"),
            Service("S4", "道路破损")]
# three neighbourhoods of recent cases, about 1 km apart
SEEN = [Seen("S1", 120.00 + 0.001 * i, 36.00) for i in range(5)] + \
       [Seen("S2", 120.01, 36.01 + 0.001 * i) for i in range(5)] + \
       [Seen("S4", 120.02, 36.00)]


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), written apart from the module's own offsets."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


# --- options ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, per_second", [
    ("2/s", 2), ("30/m", 0.5), ("600/h", 600 / 3600), ("0.5/s", 0.5), (" 12 / min ", 0.2),
])
def test_rates(text, per_second):
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize("text", ["", "2", "fast", "0/s", "-1/s", "2/d", "2/s/s", "5000/s"])
def test_bad_rates(text):
    with pytest.raises(SimulateUsage, match="--rate"):
        parse_rate(text)


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("10m", 600), ("1h", 3600), ("45", 45),
                                           ("1.5m", 90)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10x", "0m", "-5s", "m", "1h30m"])
def test_bad_durations(text):
    with pytest.raises(SimulateUsage, match="--duration"):
        parse_duration(text)


def test_shares_and_areas():
    assert parse_share("0.2", "--photos") == 0.2
    assert parse_share("35%", "--photos") == pytest.approx(0.35)
    for bad in ("1.5", "-0.1", "nan", "lots", ""):
        with pytest.raises(SimulateUsage, match="--photos"):
            parse_share(bad, "--photos")
    assert parse_area("120,36,120.1,36.1") == Area(120, 36, 120.1, 36.1)
    for bad in ("120,36,120.1", "120.1,36,120,36.1", "36,120,36.1,120.1", "a,b,c,d"):
        with pytest.raises(SimulateUsage, match="--area"):
            parse_area(bad)


@pytest.mark.parametrize("argv, words", [
    (["--rate", "fast"], "--rate 'fast'"),
    (["--duration", "soon"], "--duration 'soon'"),
    (["--photos", "2"], "--photos '2'"),
    (["--area", "1,2,3"], "--area '1,2,3'"),
    (["--url", "file:///etc/passwd"], "--url 'file:///etc/passwd'"),
    (["--url", "ftp://example.org"], "http:// or https://"),
    (["--url", "127.0.0.1:8050"], "http:// or https://"),
    (["--count", "0"], "--count 0"),
    (["--key", " "], "the API key is empty"),
])
def test_bad_options_are_one_line_and_status_2(tmp_path, capsys, argv, words):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    assert main(["simulate", "--key", "k", *argv], settings) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and words in captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""


def test_a_server_that_does_not_answer_is_one_line_and_status_2(tmp_path, capsys):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    assert main(["simulate", "--key", "k", "--url", f"http://127.0.0.1:{port}"],
                settings) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no answer from 127.0.0.1") and err.count("\n") == 1


# --- the generator ---------------------------------------------------------------------------

def _cases(generator: CaseGenerator, n: int, accept: bool = True, step: float = 2.0):
    out = []
    for i in range(n):
        case = generator.next_case(i * step)
        if accept:
            generator.accepted(case, i * step)
        out.append(case)
    return out


def test_the_same_seed_sends_the_same_cases_and_another_seed_others():
    first = _cases(CaseGenerator(SERVICES, SEEN, seed=5, photos=0.3, duplicates=0.2), 60)
    again = _cases(CaseGenerator(SERVICES, SEEN, seed=5, photos=0.3, duplicates=0.2), 60)
    other = _cases(CaseGenerator(SERVICES, SEEN, seed=6, photos=0.3, duplicates=0.2), 60)
    assert first == again
    assert [c.fields() for c in first] != [c.fields() for c in other]


def test_categories_come_from_the_services_and_a_few_make_most_cases():
    cases = _cases(CaseGenerator(SERVICES, SEEN, seed=3, duplicates=0), 2000)
    counts = {s.code: sum(c.service_code == s.code for c in cases) for s in SERVICES}
    assert set(c.service_code for c in cases) == {s.code for s in SERVICES}
    assert max(counts.values()) > 1.5 * min(counts.values())
    assert all(c.description.startswith(next(s.name for s in SERVICES
                                             if s.code == c.service_code) + "：")
               for c in cases)


def test_points_cluster_near_the_recent_cases():
    cases = _cases(CaseGenerator(SERVICES, SEEN, seed=4, duplicates=0), 1000)
    nearest = [min(metres(c.lon, c.lat, s.lon, s.lat) for s in SEEN) for c in cases]
    assert max(nearest) < 2000  # nothing wanders off to another town
    assert sum(d < 300 for d in nearest) > 0.6 * len(nearest)  # most are in hot spots


def test_points_stay_inside_the_area_and_recent_cases_outside_it_are_ignored():
    area = Area(120.005, 35.995, 120.015, 36.015)  # holds SEEN's second neighbourhood only
    gen = CaseGenerator(SERVICES, SEEN, area, seed=8, duplicates=0.3)
    cases = _cases(gen, 800)
    assert all((c.lon, c.lat) in area for c in cases)
    assert all(metres(lon, lat, 120.01, 36.012) < 300 for lon, lat in gen.points)


def test_an_area_alone_makes_the_hot_spots():
    area = Area(116.30, 39.90, 116.40, 39.95)
    cases = _cases(CaseGenerator(SERVICES, [], area, seed=9), 500)
    assert all((c.lon, c.lat) in area for c in cases)
    with pytest.raises(SimulateUsage, match="--area"):
        CaseGenerator(SERVICES, [], None)
    with pytest.raises(SimulateUsage, match="no services"):
        CaseGenerator([], SEEN)


def test_duplicates_repeat_an_accepted_case_of_minutes_before_a_few_metres_away():
    gen = CaseGenerator(SERVICES, SEEN, seed=11, duplicates=0.25)
    cases = _cases(gen, 1200, step=5.0)
    by_number = {c.number: c for c in cases}
    repeats = [c for c in cases if c.duplicate_of is not None]
    assert 0.18 * len(cases) < len(repeats) < 0.32 * len(cases)
    for case in repeats:
        earlier = by_number[case.duplicate_of]
        assert earlier.number < case.number
        assert (case.number - earlier.number) * 5.0 <= simulate.DUPLICATE_WINDOW_S
        assert case.service_code == earlier.service_code
        assert metres(case.lon, case.lat, earlier.lon, earlier.lat) < 20


def test_no_duplicate_of_a_case_the_server_refused():
    gen = CaseGenerator(SERVICES, SEEN, seed=12, duplicates=1.0)
    assert all(c.duplicate_of is None for c in _cases(gen, 50, accept=False))


def test_photos_are_attached_at_the_requested_share_from_the_bundled_pictures():
    cases = _cases(CaseGenerator(SERVICES, SEEN, seed=13, photos=0.4), 1000)
    with_photos = [c for c in cases if c.photos]
    assert 0.33 * len(cases) < len(with_photos) < 0.47 * len(cases)
    assert all(1 <= len(c.photos) <= 3 and len(set(c.photos)) == len(c.photos)
               for c in with_photos)
    assert not any(c.photos for c in
                   _cases(CaseGenerator(SERVICES, SEEN, seed=13, photos=0), 300))
    assert {n for c in with_photos for n in c.photos} <= {p.name for p in
                                                          SAMPLE_PHOTOS.iterdir()}


def test_the_bundled_pictures_are_small_real_images():
    pictures = [p for p in SAMPLE_PHOTOS.iterdir() if p.suffix in (".jpg", ".png")]
    assert 4 <= len(pictures) <= 6
    for path in pictures:
        assert 15_000 < path.stat().st_size < 64_000, path.name
        with Image.open(path) as img:
            assert img.format == {".jpg": "JPEG", ".png": "PNG"}[path.suffix]


def test_on_the_spot_only_when_asked():
    assert not any(c.resolved_on_spot for c in _cases(CaseGenerator(SERVICES, SEEN), 300))
    spot = _cases(CaseGenerator(SERVICES, SEEN, on_spot=0.5, seed=2), 400)
    share = sum(c.resolved_on_spot for c in spot) / len(spot)
    assert 0.4 < share < 0.6
    assert all(c.fields().get(simulate.ON_SPOT_FIELD) == "true" for c in spot
               if c.resolved_on_spot)


# --- a run against a stand-in server ---------------------------------------------------------

class StandIn:
    """A tiny Open311 server: lists SERVICES and SEEN, records every POST, refuses the
    service code in ``refuse`` with a 400 and hangs up (no answer) on the POSTs whose
    number is in ``drop``."""

    def __init__(self, refuse: str = "", drop: tuple[int, ...] = (),
                 busy: tuple[int, ...] = ()) -> None:
        self.posts: list[dict] = []
        self.refuse, self.drop, self.busy = refuse, drop, busy
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are written apart

            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, body: object, **headers: str) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                if self.path == "/open311/v2/services.json":
                    self._send(200, [{"service_code": s.code, "service_name": s.name}
                                     for s in SERVICES])
                elif self.path == "/open311/v2/requests.json":
                    self._send(200, [{"service_code": s.service_code, "long": s.lon,
                                      "lat": s.lat} for s in SEEN] + [{"lat": None}])
                else:
                    self._send(404, [{"code": 404, "description": "no such path"}])

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                post = {"path": self.path, "headers": dict(self.headers),
                        **stand_in.parse(self.headers["Content-Type"], raw)}
                with stand_in.lock:
                    stand_in.posts.append(post)
                    number = len(stand_in.posts)
                if number in stand_in.drop:
                    self.close_connection = True
                    return
                if number in stand_in.busy:
                    self._send(429, [{"code": 429, "description": "api_key: too many"}],
                               Retry_After="7")
                elif post["fields"]["service_code"] == stand_in.refuse:
                    self._send(400, [{"code": 400, "description": "service_code: refused"}])
                else:
                    self._send(201, [{"service_request_id": f"R{number}"}])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def parse(content_type: str, raw: bytes) -> dict:
        if content_type == "application/x-www-form-urlencoded":
            return {"fields": {k: v[0] for k, v in parse_qs(raw.decode()).items()},
                    "media": []}
        assert content_type.startswith("multipart/form-data; boundary=")
        boundary = content_type.split("boundary=", 1)[1].encode()
        fields, media = {}, []
        assert raw.endswith(b"--" + boundary + b"--\r\n")
        for part in raw.split(b"--" + boundary)[1:-1]:
            head, _, body = part[2:].partition(b"\r\n\r\n")
            assert body.endswith(b"\r\n")
            headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
            disposition = headers["Content-Disposition"]
            name = re.search(r'; name="([^"]*)"', disposition).group(1)
            filename = re.search(r'; filename="([^"]*)"', disposition)
            if filename:
                media.append((name, filename.group(1), headers["Content-Type"], body[:-2]))
            else:
                fields[name] = body[:-2].decode()
        return {"fields": fields, "media": media}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in():
    server = StandIn(refuse="S3")
    yield server
    server.close()


def test_a_run_posts_the_generated_cases_with_keys_photos_and_counts_refusals(stand_in):
    options = Options.parse(url=stand_in.url, key="secret-key", rate="1000/s", count=40,
                            seed=21, photos="0.5", duplicates="0.2", report_every=10)
    lines: list[str] = []
    tally = simulate.run(options, out=lines.append)
    planned = _cases(CaseGenerator(SERVICES, SEEN, seed=21, photos=0.5, duplicates=0.2), 40,
                     accept=False)  # what the seed decides, duplicates aside
    posts = stand_in.posts
    assert len(posts) == 40 == tally.sent
    assert all(p["path"] == "/open311/v2/requests.json" for p in posts)
    assert all(p["fields"]["api_key"] == "secret-key" for p in posts)
    keys = [p["headers"]["Idempotency-Key"] for p in posts]
    assert len(set(keys)) == 40
    assert posts[0]["fields"]["service_code"] == planned[0].service_code
    assert {p["fields"]["service_code"] for p in posts} <= {s.code for s in SERVICES}
    for post in posts:
        fields = post["fields"]
        assert -180 <= float(fields["long"]) <= 180 and -90 <= float(fields["lat"]) <= 90
        assert fields["description"] and fields["first_name"] and fields["phone"]
        for name, filename, kind, data in post["media"]:
            assert name == "media"
            assert data == (SAMPLE_PHOTOS / filename).read_bytes()
            assert kind == ("image/png" if filename.endswith(".png") else "image/jpeg")
    with_media = sum(bool(p["media"]) for p in posts)
    assert 8 <= with_media <= 32
    refused = sum(p["fields"]["service_code"] == "S3" for p in posts)
    assert refused > 0 and tally.refused == {400: refused} and tally.accepted == 40 - refused
    assert tally.photos == sum(bool(p["media"]) and p["fields"]["service_code"] != "S3"
                               for p in posts)
    assert sum(line.lstrip()[0].isdigit() and "sent" in line for line in lines) == 4
    assert "refused" in lines[-1] and f"(400×{refused})" in lines[-1]
    assert "service_code: refused" in lines[-1]


def test_a_post_without_an_answer_is_retried_once_with_the_same_key():
    server = StandIn(drop=(2,))
    try:
        options = Options.parse(url=server.url, key="k", rate="1000/s", count=3, seed=1)
        tally = simulate.run(options, out=lambda line: None)
    finally:
        server.close()
    keys = [p["headers"]["Idempotency-Key"] for p in server.posts]
    assert len(keys) == 4 and keys[1] == keys[2] and len(set(keys)) == 3
    assert server.posts[1]["fields"] == server.posts[2]["fields"]
    assert tally.sent == 3 and tally.accepted == 3 and tally.no_answer == 0


def test_a_duration_at_a_rate_sends_that_many_cases(stand_in):
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    options = Options.parse(url=stand_in.url, key="k", rate="2/s", duration="10s")
    tally = simulate.run(options, out=lambda line: None, clock=lambda: now[0], sleep=sleep)
    assert tally.sent == len(stand_in.posts) == 20


def test_ctrl_c_prints_the_summary(stand_in):
    now, calls = [0.0], []

    def sleep(seconds: float) -> None:  # the clock moves only here: every case waits
        calls.append(seconds)
        if len(calls) == 3:
            raise KeyboardInterrupt
        now[0] += seconds

    lines: list[str] = []
    options = Options.parse(url=stand_in.url, key="k", rate="100/s")
    tally = simulate.run(options, out=lines.append, clock=lambda: now[0], sleep=sleep)
    assert tally.sent == len(stand_in.posts) == 3
    assert lines[-2] == "interrupted" and lines[-1].startswith("sent 3 in ")


def test_the_command_exits_0_and_prints_the_summary(stand_in, tmp_path, capsys):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    assert main(["simulate", "--url", stand_in.url + "/", "--key", "k", "--rate", "500/s",
                 "--count", "12", "--seed", "3", "--report-every", "5"], settings) == 0
    out = capsys.readouterr().out
    assert len(stand_in.posts) == 12
    assert "sent 12 in" in out and "latency per request: p50" in out
    assert out.count("  sent ") == 2  # a line every 5 cases


def test_a_429_with_retry_after_pauses_the_run_as_the_server_asks():
    server = StandIn(busy=(3,))
    now, times = [0.0], []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    original = server.parse

    def parse(content_type: str, raw: bytes) -> dict:  # when each POST arrived
        times.append(now[0])
        return original(content_type, raw)

    server.parse = parse
    lines: list[str] = []
    try:
        options = Options.parse(url=server.url, key="k", rate="1/s", count=5)
        tally = simulate.run(options, out=lines.append, clock=lambda: now[0], sleep=sleep)
    finally:
        server.close()
    assert tally.refused == {429: 1} and tally.accepted == 4
    assert times == [0.0, 1.0, 2.0, 9.0, 10.0]  # 7 s after the 429, then the rate again
    assert "HTTP 429: waiting 7 s as the server asks" in lines
