"""The living demo: ``python -m dashboard simulate`` posts realistic cases through the
Open311 API of a running server, so any store's wall comes alive the way a real one does.

It speaks only HTTP to the server's GeoReport v2 doors (it works against any server, this
one or another): ``GET /open311/v2/services.json`` for the categories,
``GET /open311/v2/requests.json`` for where recent cases lie (the hot spots; ``--area``
when there are none), and ``POST /open311/v2/requests.json`` for each case, with an
``Idempotency-Key`` header (a request that got no answer is retried once with the same key,
so it never files twice). Categories are weighted, cases cluster around hot spots, a share
carries photos (multipart ``media`` from :data:`SAMPLE_PHOTOS`, generated drawings), a
share repeats a case posted minutes before (same service, a few metres away: the duplicate
check should flag it), and with an officer's key a share is resolved on the spot.

What it sends is decided by a seeded generator (:class:`CaseGenerator`), apart from the
clock and the network (:func:`run`), so a test can replay it.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import re
import secrets
import statistics
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import urlencode, urlsplit

#: The bundled pictures (drawn by scripts/draw_sample_photos.py; not photographs).
SAMPLE_PHOTOS = Path(__file__).resolve().with_name("sample_photos")
API = "/open311/v2"
#: The field an officer's report sets to close the case on the spot (就地解决).
ON_SPOT_FIELD = "resolved_on_spot"
#: A duplicate repeats one of the cases accepted in this many seconds before it.
DUPLICATE_WINDOW_S = 30 * 60
#: How far (metres) a duplicate lies from the case it repeats: well inside the 50 m check.
DUPLICATE_OFFSET_M = 15.0
#: Spread (metres, one standard deviation) of the cases around a hot spot, and of the
#: scattered ones around an earlier case.
SPOT_SPREAD_M = 120.0
SCATTER_SPREAD_M = 200.0
SCATTERED_SHARE = 0.25
MAX_SPOTS = 12
METRES_PER_DEGREE = 111_320.0

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|m|min|h|hour)\s*$", re.I)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$", re.I)
_PER = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600}

# what a resident or an officer says; realistic text for the demo, not interface words
_PHRASES = ("居民来电反映，已经好几天了", "路过发现，影响通行", "请尽快派人处理",
            "晚上尤其明显，存在安全隐患", "附近居民多次反映", "早高峰时段情况严重",
            "老人小孩经过很危险", "现场拍照上报")
_ROADS = ("人民路", "解放路", "建设路", "中山路", "文化路", "新华路", "幸福路", "青年路",
          "光明街", "东风街")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


class SimulateUsage(ValueError):
    """An option or a server that cannot be used; the message says which and why."""


# --- options ---------------------------------------------------------------------------------

def parse_rate(text: str) -> float:
    """Cases per second from ``2/s``, ``30/m`` or ``600/h``."""
    match = _RATE.match(text or "")
    if not match:
        raise SimulateUsage(f"--rate {text!r}: give cases per second, minute or hour, "
                            "e.g. 2/s, 30/m or 600/h")
    rate = float(match.group(1)) / _PER[match.group(2).lower()]
    if not 0 < rate <= 1000:
        raise SimulateUsage(f"--rate {text!r}: more than 0 and at most 1000/s")
    return rate


def parse_duration(text: str) -> float:
    """Seconds from ``90s``, ``10m`` or ``1h`` (a bare number is seconds)."""
    match = _DURATION.match(text or "")
    if not match:
        raise SimulateUsage(f"--duration {text!r}: give a time like 90s, 10m or 1h")
    seconds = float(match.group(1)) * _PER[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise SimulateUsage(f"--duration {text!r}: longer than nothing")
    return seconds


def parse_share(text: str, option: str) -> float:
    """A share from 0 to 1 (``0.2``), or a percentage (``20%``)."""
    raw = (text or "").strip()
    try:
        share = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise SimulateUsage(f"{option} {text!r}: a share from 0 to 1, e.g. 0.2 or 20%") from None
    if not 0 <= share <= 1:  # NaN fails this too
        raise SimulateUsage(f"{option} {text!r}: a share from 0 to 1, e.g. 0.2 or 20%")
    return share


@dataclass(frozen=True)
class Area:
    """A bounding box in EPSG:4326: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    def __contains__(self, point: tuple[float, float]) -> bool:
        lon, lat = point
        return self.west <= lon <= self.east and self.south <= lat <= self.north


def parse_area(text: str) -> Area:
    """``lon1,lat1,lon2,lat2`` (EPSG:4326, degrees): the south-west and north-east corners."""
    parts = (text or "").split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise SimulateUsage(f"--area {text!r}: four numbers lon1,lat1,lon2,lat2 "
                            "(degrees, EPSG:4326)") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise SimulateUsage(f"--area {text!r}: lon1 < lon2 within -180..180 and "
                            "lat1 < lat2 within -90..90 (longitude first)")
    return Area(west, south, east, north)


def check_url(text: str) -> str:
    """The server's base address, without a trailing slash; only http and https."""
    parts = urlsplit((text or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SimulateUsage(f"--url {text!r}: the server's http:// or https:// address, "
                            "e.g. http://127.0.0.1:8050")
    if parts.query or parts.fragment:
        raise SimulateUsage(f"--url {text!r}: the server's address only, no ?query or #part")
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise SimulateUsage(f"--url {text!r}: the port is not a number") from None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


@dataclass(frozen=True)
class Options:
    """One run of the simulator, checked (see :meth:`parse`)."""

    url: str
    key: str
    rate: float = 2.0  # cases per second
    duration: float | None = None  # seconds; None: until Ctrl-C (or ``count``)
    count: int | None = None  # stop after this many cases
    seed: int = 1
    photos: float = 0.2
    duplicates: float = 0.1
    on_spot: float = 0.0
    area: Area | None = None
    report_every: int = 20
    timeout: float = 10.0

    @classmethod
    def parse(cls, *, url: str, key: str, rate: str = "2/s", duration: str | None = None,
              count: int | None = None, seed: int = 1, photos: str = "0.2",
              duplicates: str = "0.1", on_spot: str = "0", area: str | None = None,
              report_every: int = 20) -> "Options":
        """Options from the command line's text; :class:`SimulateUsage` names a bad one."""
        if not key or not key.strip():
            raise SimulateUsage("--key: the API key is empty (python -m dashboard api-key add)")
        if count is not None and count < 1:
            raise SimulateUsage(f"--count {count}: at least 1")
        if report_every < 1:
            raise SimulateUsage(f"--report-every {report_every}: at least 1")
        return cls(url=check_url(url), key=key.strip(), rate=parse_rate(rate),
                   duration=None if duration is None else parse_duration(duration),
                   count=count, seed=seed, photos=parse_share(photos, "--photos"),
                   duplicates=parse_share(duplicates, "--duplicates"),
                   on_spot=parse_share(on_spot, "--on-spot"),
                   area=None if area is None else parse_area(area), report_every=report_every)


# --- what to send ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Service:
    code: str
    name: str


@dataclass(frozen=True)
class Seen:
    """A recent case the server listed: its service and point."""

    service_code: str
    lon: float
    lat: float


@dataclass(frozen=True)
class PlannedCase:
    """One case to post. ``duplicate_of`` is the number of the earlier case it repeats."""

    number: int
    service_code: str
    lon: float
    lat: float
    description: str
    address: str
    first_name: str
    last_name: str
    phone: str
    photos: tuple[str, ...] = ()
    duplicate_of: int | None = None
    resolved_on_spot: bool = False

    def fields(self) -> dict[str, str]:
        """The GeoReport v2 fields of the request (the key apart)."""
        out = {"service_code": self.service_code, "lat": f"{self.lat:.6f}",
               "long": f"{self.lon:.6f}", "description": self.description,
               "address_string": self.address, "first_name": self.first_name,
               "last_name": self.last_name, "phone": self.phone}
        if self.resolved_on_spot:
            out[ON_SPOT_FIELD] = "true"
        return out


def sample_photo_names() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in SAMPLE_PHOTOS.iterdir()
                        if p.suffix.lower() in (".jpg", ".jpeg", ".png")))


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point ``east_m`` metres east and ``north_m`` north of (lon, lat)."""
    scale = METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat)))
    return lon + east_m / scale, lat + north_m / METRES_PER_DEGREE


class CaseGenerator:
    """Cases to post, decided by a seeded random generator alone.

    ``services`` are the server's categories; ``seen`` recent cases (their points make the
    hot spots, their services add weight); ``area`` bounds every point when given (and
    makes the hot spots when no recent case lies in it). Call :meth:`accepted` with each
    case the server took: duplicates repeat only those.
    """

    def __init__(self, services: Sequence[Service], seen: Sequence[Seen] = (),
                 area: Area | None = None, *, seed: int = 1, photos: float = 0.2,
                 duplicates: float = 0.1, on_spot: float = 0.0,
                 photo_names: Sequence[str] | None = None) -> None:
        if not services:
            raise SimulateUsage("the server lists no services (categories) to report in")
        self.rng = random.Random(seed)
        self.services = list(services)
        self.area = area
        self.photos, self.duplicates, self.on_spot = photos, duplicates, on_spot
        self.photo_names = tuple(photo_names if photo_names is not None
                                 else sample_photo_names())
        points = [(s.lon, s.lat) for s in seen if area is None or (s.lon, s.lat) in area]
        if not points and area is None:
            raise SimulateUsage("the server lists no recent cases with coordinates to find "
                                "hot spots in: give --area lon1,lat1,lon2,lat2")
        self.points = points
        self.weights = self._service_weights(seen)
        self.spots = self._hot_spots()
        self.number = 0
        self.recent: deque[tuple[float, PlannedCase]] = deque()

    def _service_weights(self, seen: Sequence[Seen]) -> list[float]:
        """A few categories make most cases, as in any city: a Zipf-like weight over a
        seeded order, plus each category's share of the recent cases."""
        order = list(range(len(self.services)))
        self.rng.shuffle(order)
        counts = Counter(s.service_code for s in seen)
        total = sum(counts.values()) or 1
        rank = {index: place for place, index in enumerate(order)}
        return [1 / (rank[i] + 1) ** 0.9 + 2 * counts[svc.code] / total
                for i, svc in enumerate(self.services)]

    def _hot_spots(self) -> list[tuple[float, float, int, float]]:
        """(lon, lat, favourite service index, weight) of each hot spot."""
        if self.points:
            centres = self.rng.sample(self.points, min(MAX_SPOTS, len(self.points)))
        else:
            a = self.area
            centres = [(self.rng.uniform(a.west, a.east), self.rng.uniform(a.south, a.north))
                       for _ in range(8)]
        return [(lon, lat, self._pick_service(), 1 / (place + 1))
                for place, (lon, lat) in enumerate(centres)]

    def _pick_service(self) -> int:
        return self.rng.choices(range(len(self.services)), weights=self.weights)[0]

    def _place(self, lon: float, lat: float, spread_m: float) -> tuple[float, float]:
        """A point about ``spread_m`` metres around (lon, lat), inside the area if any."""
        for _ in range(20):
            point = _offset(lon, lat, self.rng.gauss(0, spread_m), self.rng.gauss(0, spread_m))
            if self.area is None or point in self.area:
                return point
        a = self.area
        return (min(max(lon, a.west), a.east), min(max(lat, a.south), a.north))

    def accepted(self, case: PlannedCase, now: float) -> None:
        """The server took ``case`` at ``now`` (seconds): a later duplicate may repeat it."""
        self.recent.append((now, case))

    def next_case(self, now: float) -> PlannedCase:
        """The next case to post at ``now`` (seconds, any clock :meth:`accepted` uses)."""
        while self.recent and self.recent[0][0] < now - DUPLICATE_WINDOW_S:
            self.recent.popleft()
        self.number += 1
        rng = self.rng
        duplicate_of = None
        if self.recent and rng.random() < self.duplicates:
            _, earlier = rng.choice(self.recent)
            angle = rng.uniform(0, 2 * math.pi)
            distance = rng.uniform(0, DUPLICATE_OFFSET_M)
            lon, lat = _offset(earlier.lon, earlier.lat, distance * math.cos(angle),
                               distance * math.sin(angle))
            service = next(s for s in self.services if s.code == earlier.service_code)
            duplicate_of = earlier.number
        elif rng.random() < SCATTERED_SHARE:
            if self.points:
                lon, lat = self._place(*rng.choice(self.points), SCATTER_SPREAD_M)
            else:
                a = self.area
                lon, lat = rng.uniform(a.west, a.east), rng.uniform(a.south, a.north)
            service = self.services[self._pick_service()]
        else:
            spot_lon, spot_lat, favourite, _ = rng.choices(
                self.spots, weights=[s[3] for s in self.spots])[0]
            lon, lat = self._place(spot_lon, spot_lat, SPOT_SPREAD_M)
            index = favourite if rng.random() < 0.5 else self._pick_service()
            service = self.services[index]
        photos: tuple[str, ...] = ()
        if self.photo_names and rng.random() < self.photos:
            photos = tuple(rng.sample(self.photo_names,
                                      min(len(self.photo_names), rng.choice((1, 1, 1, 2, 3)))))
        return PlannedCase(
            number=self.number, service_code=service.code, lon=lon, lat=lat,
            description=f"{service.name}：{rng.choice(_PHRASES)}",
            address=f"{rng.choice(_ROADS)}{rng.randint(1, 300)}号附近",
            first_name="".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2)))),
            last_name=rng.choice(_SURNAMES),
            phone="1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9)),
            photos=photos, duplicate_of=duplicate_of,
            resolved_on_spot=rng.random() < self.on_spot)


# --- the server ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """The server's answer to one request: status 0 when there was none."""

    status: int
    body: object
    seconds: float
    reason: str = ""
    retry_after: float | None = None  # seconds, from a 429's or a 503's Retry-After

    @property
    def accepted(self) -> bool:
        return self.status in (200, 201)


def _multipart(fields: dict[str, str], files: Iterable[tuple[str, str, bytes]]
               ) -> tuple[bytes, str]:
    """A multipart/form-data body: the fields, then each (field, filename, bytes)."""
    boundary = f"sim-{secrets.token_hex(12)}"
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                      f'\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        kind = "image/png" if filename.lower().endswith(".png") else "image/jpeg"
        chunks.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                      f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode())
        chunks.append(data + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Open311Client:
    """The GeoReport v2 doors of one server over one kept-alive HTTP connection (one
    client per thread)."""

    def __init__(self, url: str, key: str, timeout: float = 10.0) -> None:
        parts = urlsplit(check_url(url))
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname, parts.port
        self.prefix = parts.path.rstrip("/") + API
        self.key, self.timeout = key, timeout
        self._conn: http.client.HTTPConnection | None = None
        self._photo_bytes: dict[str, bytes] = {}

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self._conn = kind(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        """One request; a dropped kept-alive connection is reopened once."""
        began = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, self.prefix + path, body=body, headers=headers or {})
                reply = conn.getresponse()
                raw = reply.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2 or not isinstance(
                        exc, (http.client.RemoteDisconnected, BrokenPipeError,
                              ConnectionResetError)):
                    return Answer(0, None, time.perf_counter() - began,
                                  f"{type(exc).__name__}: {exc}")
        seconds = time.perf_counter() - began
        if reply.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            data = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            data = raw[:200].decode("utf-8", "replace")
        return Answer(reply.status, data, seconds,
                      retry_after=_seconds_or_none(reply.getheader("Retry-After")))

    def _read(self, path: str) -> object:
        answer = self.request("GET", path, headers={"Accept": "application/json"})
        if answer.status == 0:
            raise SimulateUsage(f"no answer from {self.host}:{self.port}: {answer.reason}")
        if answer.status != 200:
            raise SimulateUsage(f"GET {self.prefix}{path}: HTTP {answer.status} "
                                f"{describe(answer.body)} (is this a dashboard with the "
                                "Open311 API?)")
        return answer.body

    def services(self) -> list[Service]:
        """The server's services (categories)."""
        body = self._read("/services.json")
        rows = body if isinstance(body, list) else []
        return [Service(str(row["service_code"]), str(row.get("service_name") or
                                                      row["service_code"]))
                for row in rows if isinstance(row, dict) and row.get("service_code")]

    def recent(self) -> list[Seen]:
        """Recent cases with coordinates (the server's default window)."""
        body = self._read("/requests.json")
        out = []
        for row in body if isinstance(body, list) else []:
            try:
                lon, lat = float(row["long"]), float(row["lat"])
            except (KeyError, TypeError, ValueError):
                continue
            if math.isfinite(lon) and math.isfinite(lat):
                out.append(Seen(str(row.get("service_code") or ""), lon, lat))
        return out

    def post(self, case: PlannedCase, idempotency_key: str) -> Answer:
        """File ``case``: form-encoded, or multipart with its photos as ``media``."""
        fields = {"api_key": self.key, **case.fields()}
        headers = {"Idempotency-Key": idempotency_key, "Accept": "application/json"}
        if case.photos:
            files = [("media", name, self._photo(name)) for name in case.photos]
            body, kind = _multipart(fields, files)
        else:
            body, kind = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers["Content-Type"] = kind
        return self.request("POST", "/requests.json", body, headers)

    def _photo(self, name: str) -> bytes:
        if name not in self._photo_bytes:
            self._photo_bytes[name] = (SAMPLE_PHOTOS / name).read_bytes()
        return self._photo_bytes[name]


def _seconds_or_none(text: str | None) -> float | None:
    try:
        seconds = float(text) if text else None
    except ValueError:  # an HTTP date: not worth parsing for a demo
        return None
    return seconds if seconds is not None and 0 <= seconds <= 3600 else None


def describe(body: object) -> str:
    """The first refusal's description in a GeoReport error body, briefly."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("description", ""))[:160]
    return str(body or "")[:160]


# --- a run -----------------------------------------------------------------------------------

@dataclass
class Tally:
    """What a run sent and what came back."""

    sent: int = 0
    accepted: int = 0
    refused: Counter = field(default_factory=Counter)  # status -> how many
    no_answer: int = 0
    duplicates: int = 0
    photos: int = 0
    on_spot: int = 0
    latencies: list[float] = field(default_factory=list)
    last_refusal: str = ""

    def add(self, case: PlannedCase, answer: Answer) -> None:
        self.sent += 1
        if answer.status == 0:
            self.no_answer += 1
            self.last_refusal = answer.reason
            return
        self.latencies.append(answer.seconds)
        if answer.accepted:
            self.accepted += 1
            self.duplicates += case.duplicate_of is not None
            self.photos += bool(case.photos)
            self.on_spot += case.resolved_on_spot
        else:
            self.refused[answer.status] += 1
            self.last_refusal = f"HTTP {answer.status} {describe(answer.body)}"

    def percentile(self, share: float) -> float | None:
        """The latency (ms) under which ``share`` of the answered requests came back."""
        if not self.latencies:
            return None
        if share == 0.5:
            return statistics.median(self.latencies) * 1000
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] * 1000

    def progress_line(self, elapsed: float) -> str:
        refused = sum(self.refused.values())
        return (f"{elapsed:7.1f} s  sent {self.sent}  accepted {self.accepted}  "
                f"refused {refused}  no answer {self.no_answer}")

    def summary(self, elapsed: float) -> str:
        refused = ", ".join(f"{code}×{n}" for code, n in sorted(self.refused.items()))
        p50, p95 = self.percentile(0.5), self.percentile(0.95)
        latency = ("no answers" if p50 is None
                   else f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        lines = [
            f"sent {self.sent} in {elapsed:.1f} s "
            f"({self.sent / elapsed if elapsed > 0 else 0:.1f}/s): accepted {self.accepted} "
            f"(duplicates {self.duplicates}, with photos {self.photos}, "
            f"on the spot {self.on_spot}), refused {sum(self.refused.values())}"
            f"{f' ({refused})' if refused else ''}, no answer {self.no_answer}",
            f"latency per request: {latency}",
        ]
        if self.last_refusal:
            lines.append(f"last refusal: {self.last_refusal}")
        return "\n".join(lines)


def run(options: Options, out: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep) -> Tally:
    """Post cases at ``options.rate`` until the duration or count is reached, or Ctrl-C;
    print a line every ``report_every`` cases and the summary. Refusals are counted, never
    raised; :class:`SimulateUsage` when the server cannot be asked at all."""
    client = Open311Client(options.url, options.key, options.timeout)
    generator = CaseGenerator(client.services(), client.recent(), options.area,
                              seed=options.seed, photos=options.photos,
                              duplicates=options.duplicates, on_spot=options.on_spot)
    out(f"simulating at {options.rate:g}/s against {options.url} "
        f"({len(generator.services)} services, {len(generator.spots)} hot spots; Ctrl-C stops)")
    run_id = secrets.token_hex(6)  # a new run never replays an earlier run's cases
    tally, start = Tally(), clock()
    next_at = start
    try:
        while ((options.duration is None or max(next_at, clock()) - start
                < options.duration - 1e-9)
               and (options.count is None or tally.sent < options.count)):
            wait = next_at - clock()
            if wait > 0:
                sleep(wait)
            case = generator.next_case(clock())
            key = f"sim-{run_id}-{case.number}"
            answer = client.post(case, key)
            if answer.status == 0:  # no answer: once more with the same key, never twice filed
                answer = client.post(case, key)
            tally.add(case, answer)
            if answer.accepted:
                generator.accepted(case, clock())
            if tally.sent % options.report_every == 0:
                out(tally.progress_line(clock() - start))
            next_at = max(next_at + 1 / options.rate, clock() - 1)  # no burst after a stall
            if answer.status in (429, 503) and answer.retry_after:  # the server asks a pause
                out(f"HTTP {answer.status}: waiting {answer.retry_after:g} s as the server asks")
                next_at = max(next_at, clock() + answer.retry_after)
    except KeyboardInterrupt:
        out("interrupted")
    finally:
        client.close()
    out(tally.summary(clock() - start))
    return tally
