"""Hostile bodies at ``POST /open311/v2/requests.json``: wrong types, huge strings, NUL bytes,
script tags, bad JSON, wrong content types, truncated multipart, bogus media.

Every body thrown here carries at least one thing that must be refused, so each answer
must be a 4xx in the spec's error format (never a 500), and the store (cases, their
history, intake rows, photo rows) and the media folder must be exactly as before.
Hypothesis draws the bodies (on SQLite, a modest number each); a fixed list runs on
both stores.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image
from sqlalchemy import Engine, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from dashboard.app import create_app
from dashboard.settings import Settings
from data import store
from data.intake import keys
from data.models import Case, CaseEvent, CaseIntake, CaseMedia
from tests import workflow_store as ws

PATH = "/open311/v2/requests.json"
GOOD = {"service_code": "C01", "description": "占道经营", "lat": "39.905", "long": "116.005"}
#: One of these in a body makes it certain to be refused (with the hotline key, which
#: has no officer, in a store whose services are C01-C03).
POISON_TEXT = [
    ("lat", "999"), ("long", "abc"), ("lat", "NaN"), ("long", "1e999"),
    ("service_code", "NOPE"), ("service_code", "C01\x00"), ("description", "a\x00b"),
    ("description", "x" * 4001), ("phone", "<script>alert(1)</script>"),
    ("urgent", "maybe"), ("resolved_on_spot", "true"), ("first_name", "\x07"),
    ("address_string", "\x00" * 3), ("service_code", "'; DROP TABLE cases; --"),
]
POISON_JSON = POISON_TEXT + [
    ("service_code", 5), ("description", ["a"]), ("lat", {"x": 1}), ("long", True),
    ("email", 3), ("device_id", [None]), ("attribute[a]", {"b": []}),
    ("urgent", 2), ("first_name", 1.5),
]
FIELDS = ["service_code", "description", "lat", "long", "address_string", "address_id",
          "first_name", "last_name", "name", "phone", "email", "urgent", "media_url",
          "resolved_on_spot", "resolution_note", "jurisdiction_id", "attribute[x]"]
NASTY = ["<script>alert(1)</script>", "\x00", "'; DROP TABLE cases; --", "x" * 20_000,
         "%00", "\u202e", "\r\n\r\n", "{{7*7}}", "../../etc/passwd", "１２３", ""]

texts = st.one_of(st.text(max_size=80), st.sampled_from(NASTY))
keys_ = st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=20))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (5, 5), (0, 0, 255)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
BOGUS_MEDIA = [b"", b"not an image", PNG[:20], b"GIF89a" + bytes(30), PNG[:-20],
               b"\xff\xd8\xff" + bytes(100), b"%PDF-1.4\n"]


# --- the world -----------------------------------------------------------------------------------

def _world(engine: Engine, media_dir: Path) -> dict:
    ws.build(engine)
    token, _info = keys.add_key(engine, "hostile", rate_per_minute=keys.MAX_RATE_PER_MINUTE)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, media_dir=str(media_dir), intake_max_mb=2))
    return {"app": app, "client": app.server.test_client(), "engine": engine,
            "token": token, "media_dir": media_dir}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("hostile")
    engine = store.make_engine(f"sqlite:///{folder / 'store.sqlite3'}")
    store.init_db(engine)
    found = _world(engine, folder / "media")
    yield found
    found["app"].server.extensions["grid_dashboard"]["engine"].dispose()
    engine.dispose()


def _state(world: dict) -> tuple:
    with world["engine"].connect() as conn:
        counts = tuple(conn.execute(select(func.count()).select_from(table)).scalar()
                       for table in (Case, CaseEvent, CaseIntake, CaseMedia))
    media_dir = world["media_dir"]
    files = sorted(str(p) for p in media_dir.rglob("*")) if media_dir.exists() else []
    return counts, files


def _refused(world: dict, response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code,
                                               response.get_data(as_text=True)[:300])
    body = response.get_json(silent=True)
    assert isinstance(body, list) and body, response.get_data(as_text=True)[:300]
    for item in body:
        assert set(item) == {"code", "description"}
        assert item["code"] == response.status_code


def _post(world: dict, data, content_type: str | None, key: bool = True):
    headers = {"X-Api-Key": world["token"]} if key else {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return world["client"].post(PATH, data=data, headers=headers)


HYPOTHESIS = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow,
                                             HealthCheck.function_scoped_fixture])


# --- hypothesis -----------------------------------------------------------------------------------

@HYPOTHESIS
@given(extra=st.dictionaries(keys_, texts, max_size=8), poison=st.sampled_from(POISON_TEXT),
       base=st.booleans())
def test_hostile_forms(world, extra, poison, base):
    before = _state(world)
    form = {**(GOOD if base else {}), **extra}
    form[poison[0]] = poison[1]
    _refused(world, _post(world, form, "application/x-www-form-urlencoded"))
    assert _state(world) == before


@HYPOTHESIS
@given(extra=st.dictionaries(keys_, json_values, max_size=8),
       poison=st.sampled_from(POISON_JSON), base=st.booleans())
def test_hostile_json(world, extra, poison, base):
    before = _state(world)
    body = {**(GOOD if base else {}), **extra}
    body[poison[0]] = poison[1]
    _refused(world, _post(world, json.dumps(body), "application/json"))
    assert _state(world) == before


@HYPOTHESIS
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)),
       content_type=st.one_of(
           st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                            "multipart/form-data", "multipart/form-data; boundary=x",
                            "text/plain", "application/xml", "image/png",
                            "application/json; charset=latin-1", "", None]),
           st.text(max_size=40)))
def test_hostile_raw_bodies(world, data, content_type):
    before = _state(world)
    try:
        response = _post(world, data, content_type)
    except ValueError:  # the test client itself refuses the header (a newline, say)
        return
    _refused(world, response)
    assert _state(world) == before


@HYPOTHESIS
@given(files=st.lists(st.one_of(st.sampled_from(BOGUS_MEDIA), st.binary(max_size=200)),
                      min_size=1, max_size=5),
       names=st.lists(st.text(max_size=30), min_size=5, max_size=5),
       extra=st.dictionaries(keys_, texts, max_size=4), cut=st.integers(0, 400),
       truncate=st.booleans(), good_fields=st.booleans())
def test_hostile_multipart(world, files, names, extra, cut, truncate, good_fields):
    before = _state(world)
    fields = {**(GOOD if good_fields else {}), **extra}
    values = {k: v for k, v in fields.items()}
    values["media"] = [FileStorage(io.BytesIO(data), filename=name or "x", name="media",
                                   content_type="image/png")
                       for data, name in zip(files, names)]
    try:
        boundary, body = encode_multipart(values)
    except (ValueError, UnicodeError):
        return
    if truncate:
        body = body[:max(0, len(body) - 1 - cut)]
    response = _post(world, body, f"multipart/form-data; boundary={boundary}")
    _refused(world, response)
    assert _state(world) == before


# --- a fixed list, on both stores -----------------------------------------------------------------

FIXED = [
    ("application/json", b'{"service_code": "C01", "description": "x", "lat": 1e999}'),
    ("application/json", b'{"service_code": "C01", "description": "\\u0000"}'),
    ("application/json", b"\xef\xbb\xbf{}"),
    ("application/json", b'{"a": ' * 5000 + b"1" + b"}" * 5000),
    ("application/json", b'{"lat": ' + b"9" * 5000 + b"}"),
    ("application/x-www-form-urlencoded", b"service_code=C01&description=%00&lat=1&long=2"),
    ("application/x-www-form-urlencoded", b"service_code=%ff%fe&description=%e4%b8"),
    ("application/x-www-form-urlencoded",
     b"service_code=C01&description=<script>x</script>&lat=39.905&long=116.005&urgent=2"),
    ("multipart/form-data; boundary=B", b"--B\r\nContent-Disposition: form-data; name=\"media\";"
                                        b" filename=\"a.png\"\r\n\r\n" + PNG[:30]),
    ("multipart/form-data", b"--B\r\n\r\n"),
    ("text/plain", b"service_code=C01"),
]


@pytest.mark.parametrize("content_type, body", FIXED)
def test_fixed_hostile_bodies_on_both_stores(engine, tmp_path, content_type, body):
    found = _world(engine, tmp_path / "media")
    try:
        before = _state(found)
        _refused(found, _post(found, body, content_type))
        assert _state(found) == before
    finally:
        found["app"].server.extensions["grid_dashboard"]["engine"].dispose()


def test_bogus_photos_with_good_fields_leave_nothing(world):
    before = _state(world)
    for bogus in BOGUS_MEDIA:
        form = {**GOOD, "media": [(io.BytesIO(PNG), "ok.png"), (io.BytesIO(bogus), "bad.png")]}
        response = world["client"].post(PATH, data=form, content_type="multipart/form-data",
                                        headers={"X-Api-Key": world["token"]})
        _refused(world, response)
        assert "media" in response.get_json()[0]["description"]
    four = {**GOOD, "media": [(io.BytesIO(PNG), f"{i}.png") for i in range(4)]}
    _refused(world, world["client"].post(PATH, data=four, content_type="multipart/form-data",
                                         headers={"X-Api-Key": world["token"]}))
    assert _state(world) == before
