"""The Open311 GeoReport v2 door against the spec's field lists (wiki.open311.org/GeoReport_v2):
every endpoint's fields and their types, the filters, the statuses, the error format, and
that no public answer ever carries a reporter's name or phone or an officer's name.

The field lists below are written out from the spec, not imported from the code under test.
"""

from __future__ import annotations

import io
import json
import re
import socket
import threading
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, func, insert, select, update
from waitress import wasyncore
from werkzeug.test import EnvironBuilder, run_wsgi_app

from dashboard import http_guard
from dashboard.app import create_app
from dashboard.settings import Settings
from data import audit, schema, store
from data.intake import keys
from data.models import Case, CaseEvent, CaseIntake, CaseLink, CaseMedia
from tests import workflow_store as ws
from tests.auth_helpers import make_user, make_wall_token, sign_in

SERVICE_FIELDS = {"service_code": str, "service_name": str, "description": str,
                  "metadata": bool, "type": str, "keywords": str, "group": str}
REQUEST_FIELDS = {
    "service_request_id": (str,), "status": (str,), "status_notes": (str, type(None)),
    "service_name": (str, type(None)), "service_code": (str, type(None)),
    "description": (str, type(None)), "agency_responsible": (str, type(None)),
    "service_notice": (str, type(None)), "requested_datetime": (str,),
    "updated_datetime": (str, type(None)), "expected_datetime": (str, type(None)),
    "address": (str, type(None)), "address_id": (str, type(None)),
    "zipcode": (str, type(None)), "lat": (float, type(None)), "long": (float, type(None)),
    "media_url": (str, type(None)),
}
W3C_SHANGHAI = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
REPORTER, PHONE = "李秘密", "13912345678"
OFFICER_NAMES = [name for _i, _c, name, _r in ws.OFFICERS]


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _set(conn, case_id: int, **values) -> None:
    conn.execute(update(Case).where(Case.id == case_id).values(**values))


@pytest.fixture
def world(engine: Engine) -> dict:
    """The workflow store with cases relative to the real clock (the routes ask it):
    an open dispatched case with a reporter and a phone, a closed one, a voided one merged
    into the first, one of another service, and one older than the 90-day window."""
    ws.build(engine)
    now = store.utcnow().replace(microsecond=0)
    with store.transaction(engine) as conn:
        ids = {
            "open": ws.add_case(conn, schema.DISPATCHED, reported_at=now - timedelta(days=3)),
            "closed": ws.add_case(conn, schema.CLOSED, reported_at=now - timedelta(days=5)),
            "merged": ws.add_case(conn, schema.VOIDED, reported_at=now - timedelta(days=2)),
            "other": ws.add_case(conn, schema.REPORTED, subcategory=ws.DAILY, region_id=ws.G2,
                                 lon=116.015, reported_at=now - timedelta(days=1)),
            "old": ws.add_case(conn, schema.REPORTED, reported_at=now - timedelta(days=120)),
        }
        _set(conn, ids["open"], reporter=REPORTER, description="井盖缺失 <script>x</script>",
             address="人民路1号", officer_id=ws.O1)
        conn.execute(insert(CaseIntake).values(case_id=ids["open"], door=schema.OPEN311,
                                               reporter_phone=PHONE, received_at=now))
        _set(conn, ids["merged"], reporter=REPORTER)
        conn.execute(insert(CaseLink).values(case_id=ids["merged"], other_id=ids["open"],
                                             kind=schema.DUPLICATE, state=schema.MERGED,
                                             created_at=now, decided_at=now,
                                             decided_by="boss"))
        codes = dict(conn.execute(select(Case.id, Case.code)).all())
    app = create_app(Settings(database_url=_url(engine)))
    yield {"client": app.server.test_client(), "ids": ids, "now": now, "engine": engine,
           "codes": {name: codes[i] for name, i in ids.items()}}
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _get(world: dict, path: str, status: int = 200):
    response = world["client"].get("/open311/v2/" + path)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def _public(text: str) -> None:
    assert REPORTER not in text and PHONE not in text
    for name in OFFICER_NAMES:
        assert name not in text


def _check_request(item: dict) -> None:
    assert set(item) == set(REQUEST_FIELDS)
    for field, types in REQUEST_FIELDS.items():
        assert isinstance(item[field], types), (field, item[field])
    assert item["status"] in ("open", "closed")
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        if item[field] is not None:
            assert W3C_SHANGHAI.match(item[field]), (field, item[field])


# --- services ----------------------------------------------------------------------------------

def test_services_are_the_category_table(world):
    found = _get(world, "services.json")
    assert [s["service_code"] for s in found] == ["C01", "C02", "C03"]
    for item in found:
        assert set(item) == set(SERVICE_FIELDS)
        for field, kind in SERVICE_FIELDS.items():
            assert isinstance(item[field], kind), (field, item[field])
        assert item["metadata"] is False and item["type"] == "realtime"
    first = found[0]
    assert (first["service_name"], first["group"]) == (ws.HOURLY, "市容环境")
    assert "incident" in first["keywords"].split(",")


def test_service_definition(world):
    assert _get(world, "services/C02.json") == {"service_code": "C02", "attributes": []}
    errors = _get(world, "services/NOPE.json", 404)
    assert errors[0]["code"] == 404 and "NOPE" in errors[0]["description"]


# --- requests ----------------------------------------------------------------------------------

def test_requests_default_window_is_ninety_days_newest_first(world):
    found = _get(world, "requests.json")
    codes = world["codes"]
    assert [r["service_request_id"] for r in found] == [
        codes["other"], codes["merged"], codes["open"], codes["closed"]]
    for item in found:
        _check_request(item)


def test_one_request_has_public_fields_only(world):
    code = world["codes"]["open"]
    response = world["client"].get(f"/open311/v2/requests/{code}.json")
    assert response.status_code == 200
    _public(response.get_data(as_text=True))
    [item] = response.get_json()
    _check_request(item)
    assert item["service_request_id"] == code
    assert (item["status"], item["status_notes"]) == ("open", "dispatched")
    assert (item["service_code"], item["service_name"]) == ("C01", ws.HOURLY)
    assert item["agency_responsible"] == "县城市管理局"
    assert item["description"] == "井盖缺失 <script>x</script>"  # JSON, never HTML
    assert (item["address"], item["address_id"]) == ("人民路1号", "G1")
    assert (item["lat"], item["long"]) == (39.905, 116.005)
    assert item["media_url"] == "" and item["zipcode"] is None
    # dispatched two days after NOW of workflow_store: 2026-11-20 02:00 UTC, 10:00 local
    assert item["expected_datetime"] == "2026-11-20T10:00:00+08:00"
    reported = world["now"] - timedelta(days=3)
    assert datetime.fromisoformat(item["requested_datetime"]).replace(tzinfo=None) \
        == reported + timedelta(hours=8)


def test_statuses_closed_voided_and_merged(world):
    codes = world["codes"]
    closed = _get(world, f"requests/{codes['closed']}.json")[0]
    assert (closed["status"], closed["status_notes"]) == ("closed", "closed")
    merged = _get(world, f"requests/{codes['merged']}.json")[0]
    assert merged["status"] == "closed"
    assert merged["status_notes"] == f"duplicate of {codes['open']}"


def test_no_public_read_names_a_reporter_phone_or_officer(world):
    codes = world["codes"]
    for path in ["requests.json", "requests.json?status=open,closed",
                 f"requests.json?service_request_id={codes['open']},{codes['merged']}",
                 f"requests/{codes['open']}.json", f"requests/{codes['merged']}.json",
                 "services.json", "services/C01.json", "discovery.json"]:
        response = world["client"].get("/open311/v2/" + path)
        assert response.status_code == 200, path
        _public(response.get_data(as_text=True))


def _ids(world: dict, query: str) -> set[str]:
    return {r["service_request_id"] for r in _get(world, "requests.json?" + query)}


def test_filters(world):
    codes = world["codes"]
    assert _ids(world, "status=open") == {codes["open"], codes["other"]}
    assert _ids(world, "status=closed") == {codes["closed"], codes["merged"]}
    assert _ids(world, "status=open,closed") == _ids(world, "")
    assert _ids(world, "service_code=C02") == {codes["other"]}
    assert _ids(world, "service_code=C02,C01&status=closed") == {codes["closed"],
                                                                   codes["merged"]}
    assert _ids(world, "service_code=NOPE") == set()
    # several ids override every other filter (the old case is outside the window)
    assert _ids(world, f"service_request_id={codes['old']},{codes['open']}&status=closed"
                ) == {codes["old"], codes["open"]}
    assert _ids(world, "service_request_id=NOPE") == set()


def test_date_filters(world):
    codes, now = world["codes"], world["now"]
    local = lambda t: (t + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S") + "%2B08:00"  # noqa: E731
    utc = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    start = now - timedelta(days=4)
    assert _ids(world, f"start_date={local(start)}") == {
        codes["open"], codes["merged"], codes["other"]}
    assert _ids(world, f"start_date={utc(start)}&end_date={utc(now - timedelta(days=2, hours=1))}"
                ) == {codes["open"]}
    # only an end: the 90 days before it
    assert _ids(world, f"end_date={utc(now - timedelta(days=4))}") == {codes["closed"]}
    assert _ids(world, f"start_date={utc(now - timedelta(days=200))}") == {
        codes[name] for name in ("open", "closed", "merged", "other", "old")}


@pytest.mark.parametrize("query, field", [
    ("start_date=yesterday", "start_date"), ("end_date=2026-13-01", "end_date"),
    ("start_date=2026-11-10T00:00:00Z&end_date=2026-11-01T00:00:00Z", "end_date"),
    ("status=pending", "status"), ("start_date=%00", "start_date"),
])
def test_bad_filters_are_400_naming_the_parameter(world, query, field):
    errors = _get(world, "requests.json?" + query, 400)
    assert all(set(e) == {"code", "description"} and e["code"] == 400 for e in errors)
    assert errors[0]["description"].startswith(field + ":")


def test_unknown_request_and_formats(world):
    assert _get(world, "requests/NOPE.json", 404)[0]["code"] == 404
    assert _get(world, "requests/%00.json", 404)[0]["code"] == 404
    assert "json" in _get(world, "services.xml", 400)[0]["description"].lower()
    assert "json" in _get(world, f"requests/{world['codes']['open']}.xml", 400)[0][
        "description"].lower()
    assert _get(world, "tokens/x.json", 404)[0]["code"] == 404
    response = world["client"].delete("/open311/v2/requests.json")
    assert response.status_code == 405 and response.get_json()[0]["code"] == 405
    assert "POST" in response.headers["Allow"]


def test_reads_need_no_sign_in_and_write_nothing(world):
    with world["engine"].connect() as conn:
        before = store.data_version(conn), conn.execute(select(func.count(Case.id))).scalar()
    _get(world, "requests.json")
    with world["engine"].connect() as conn:
        after = store.data_version(conn), conn.execute(select(func.count(Case.id))).scalar()
    assert before == after


def test_store_down_is_503(world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from data.intake import open311 as georeport

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(georeport, "requests", down)
    errors = _get(world, "requests.json", 503)
    assert errors[0]["code"] == 503


# --- POST requests.json --------------------------------------------------------------------------

POST_RESPONSE_FIELDS = {"service_request_id", "service_notice", "account_id", "token"}
GOOD = {"service_code": "C01", "description": "占道经营，人行道被堵", "lat": "39.905",
        "long": "116.005", "address_string": "人民路8号", "first_name": "秘密",
        "last_name": "李", "phone": PHONE, "email": "a@b.example", "device_id": "d-1"}


def _png(size: tuple[int, int] = (6, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def writer(world: dict, tmp_path: Path) -> dict:
    """``world`` with API keys (a hotline's, a grid officer's, one for G2 only, one of 2
    requests a minute, a revoked one) and an app whose photos go to ``tmp_path``."""
    engine = world["engine"]
    tokens = {name: keys.add_key(engine, name, **options)[0] for name, options in {
        "hotline": {}, "officer": {"officer_code": "W1"}, "g2": {"region_code": "G2"},
        "slow": {"rate_per_minute": 2}, "gone": {}}.items()}
    keys.revoke_key(engine, "gone")
    media_dir = tmp_path / "media"
    app = create_app(Settings(database_url=_url(engine), media_dir=str(media_dir),
                              intake_max_mb=1))
    yield {**world, "client": app.server.test_client(), "tokens": tokens,
           "media_dir": media_dir}
    app.server.extensions["grid_dashboard"]["engine"].dispose()


def _post(w: dict, data=None, *, key: str | None = "hotline", json_body=None,
          headers: dict | None = None, **kwargs):
    headers = dict(headers or {})
    if key is not None:
        headers["X-Api-Key"] = w["tokens"][key]
    return w["client"].post("/open311/v2/requests.json", data=data, json=json_body,
                            headers=headers, **kwargs)


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(table)).scalar()
                     for table in (Case, CaseEvent, CaseIntake, CaseMedia))


def _errors(response, status: int) -> list[dict]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, list) and body
    for item in body:
        assert set(item) == {"code", "description"} and item["code"] == status
        assert isinstance(item["description"], str)
    return body


def test_a_posted_request_comes_back_with_public_fields_only(writer):
    response = _post(writer, GOOD)
    assert response.status_code == 201, response.get_data(as_text=True)
    [created] = response.get_json()
    assert set(created) == POST_RESPONSE_FIELDS
    assert created["account_id"] is None and created["token"] is None
    assert isinstance(created["service_notice"], str)
    code = created["service_request_id"]
    with writer["engine"].connect() as conn:
        case = conn.execute(select(Case.__table__).where(Case.code == code)).one()
        intake = conn.execute(select(CaseIntake.__table__)
                              .where(CaseIntake.case_id == case.id)).one()
        note = conn.scalar(select(CaseEvent.note).where(CaseEvent.case_id == case.id,
                                                        CaseEvent.action == "report"))
    assert (case.source, case.region_id, case.reporter) == ("hotline", ws.G1, "李秘密")
    assert (intake.door, intake.reporter_phone) == (schema.OPEN311, PHONE)
    assert "open311" in note
    for path in [f"requests/{code}.json", f"requests.json?service_request_id={code}",
                 "requests.json"]:
        text = writer["client"].get("/open311/v2/" + path).get_data(as_text=True)
        _public(text)
        assert "秘密" not in text
    [item] = _get(writer, f"requests/{code}.json")
    _check_request(item)
    assert (item["service_code"], item["status"], item["address_id"]) == ("C01", "open", "G1")
    assert (item["long"], item["lat"], item["address"]) == (116.005, 39.905, "人民路8号")
    assert item["description"] == GOOD["description"]
    assert item["media_url"] == ""


def test_json_and_multipart_with_photos(writer):
    body = {**GOOD, "lat": 39.905, "long": 116.015, "urgent": True, "attribute[x]": "1"}
    response = _post(writer, json_body=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    with writer["engine"].connect() as conn:
        case = conn.execute(select(Case.__table__).where(
            Case.code == response.get_json()[0]["service_request_id"])).one()
    assert (case.region_id, case.urgent) == (ws.G2, True)
    form = {**GOOD, "media": [(io.BytesIO(_png()), "a.png"), (io.BytesIO(_png()), "b.png")]}
    response = _post(writer, form, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    with writer["engine"].connect() as conn:
        assert conn.execute(select(func.count(CaseMedia.id))).scalar() == 2
    assert len(list(writer["media_dir"].rglob("*.png"))) == 2


def test_every_problem_is_named_in_the_callers_words(writer):
    before = _counts(writer["engine"])
    response = _post(writer, {"service_code": "C01", "long": "abc", "lat": "39.9",
                              "phone": "call me", "email": "x"})
    errors = _errors(response, 400)
    fields = [e["description"].split(":")[0] for e in errors]
    assert fields == ["description", "long", "phone"]
    # an unknown service is named in the same answer as the fields' problems
    errors = _errors(_post(writer, {"service_code": "NOPE", "lat": "39.9"}), 400)
    fields = [e["description"].split(":")[0] for e in errors]
    assert fields == ["description", "long", "service_code"]
    assert "NOPE" in errors[-1]["description"]
    assert _counts(writer["engine"]) == before


@pytest.mark.parametrize("change, field", [
    ({"service_code": "NOPE"}, "service_code"), ({"long": "100.0"}, "lat"),
    ({"lat": None, "long": None, "address_id": "NOPE"}, "address_id"),
    ({"lat": None, "long": None, "region_code": "NOPE"}, "region_code"),
    ({"resolved_on_spot": "true"}, "resolved_on_spot"),
])
def test_refusals_of_the_store(writer, change, field):
    form = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    errors = _errors(_post(writer, form), 400)
    assert errors[0]["description"].startswith(field + ":")


def test_a_regional_key_files_only_in_its_region(writer):
    assert _post(writer, GOOD, key="g2").status_code == 400
    assert _post(writer, {**GOOD, "long": "116.015"}, key="g2").status_code == 201


def test_keys(writer):
    before = _counts(writer["engine"])
    for key, headers in [(None, {}), (None, {"X-Api-Key": "o311_" + "x" * 43}),
                         ("gone", {}), (None, {"X-Api-Key": "o311_"})]:
        errors = _errors(_post(writer, GOOD, key=key, headers=headers), 403)
        assert "api_key" in errors[0]["description"]
    assert _counts(writer["engine"]) == before
    # the key in the address or the body, as the spec has it
    token = writer["tokens"]["hotline"]
    assert writer["client"].post(f"/open311/v2/requests.json?api_key={token}",
                                 data=GOOD).status_code == 201
    assert _post(writer, {**GOOD, "api_key": token}, key=None).status_code == 201
    assert _post(writer, json_body={**GOOD, "api_key": 5}, key=None).status_code == 403
    assert _post(writer, {**GOOD, "api_key": token + "\x00"}, key=None).status_code == 403


def test_refusals_are_audited_without_the_key(writer):
    token = writer["tokens"]["gone"]
    _post(writer, GOOD, key="gone")
    _post(writer, {"service_code": "C01"}, key="officer")
    rows = audit.query(writer["engine"], kinds=[audit.REFUSED]).rows
    reasons = {(r.actor, r.detail.get("key")) for r in rows}
    assert ("-", "open311_403") in reasons and ("key:officer", "open311_400") in reasons
    assert all(token not in str(r) for r in rows)


def test_a_filed_case_is_audited_as_its_key_and_a_replay_is_not(writer):
    headers = {"Idempotency-Key": "audit-1"}
    code = _post(writer, GOOD, headers=headers).get_json()[0]["service_request_id"]
    assert _post(writer, GOOD, headers=headers).status_code == 200  # the replay
    rows = [r for r in audit.query(writer["engine"], kinds=[audit.CASE_ACTION]).rows
            if r.target == code]
    assert len(rows) == 1
    row = rows[0]
    assert (row.actor, row.actor_kind, row.result) == ("key:hotline", audit.API_KEY, audit.OK)
    assert row.detail["action"] == "report" and row.detail["door"] == "open311"
    assert writer["tokens"]["hotline"] not in str(row)


def test_rate_limit_is_429_with_retry_after(writer):
    assert _post(writer, GOOD, key="slow").status_code == 201
    assert _post(writer, {"service_code": "C01"}, key="slow").status_code == 400
    response = _post(writer, GOOD, key="slow")
    _errors(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert _post(writer, GOOD).status_code == 201  # another key is not slowed


class _Unreadable(io.RawIOBase):
    """A body of ``size`` bytes that fails the test if the server reads a byte of it."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size, self.position = size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size if whence == io.SEEK_END else offset
        return self.position

    def readinto(self, _buffer) -> int:
        raise AssertionError("the body was read")


def test_too_large_is_413_before_reading(writer):
    before = _counts(writer["engine"])
    response = _post(writer, input_stream=_Unreadable(1024 * 1024 + 1),
                     headers={"Content-Type": "application/json"})
    _errors(response, 413)
    # a chunked body of unknown length (as werkzeug's own server passes one on)
    chunked = EnvironBuilder(path="/open311/v2/requests.json", method="POST",
                             input_stream=_Unreadable(0),
                             headers={"Transfer-Encoding": "chunked",
                                      "Content-Type": "application/json",
                                      "X-Api-Key": writer["tokens"]["hotline"]}).get_environ()
    del chunked["CONTENT_LENGTH"]  # the test client would put it back: call the app itself
    body, status, _headers = run_wsgi_app(writer["client"].application, chunked,
                                          buffered=True)
    assert status.startswith("411")
    assert json.loads(b"".join(body))[0]["code"] == 411
    assert _counts(writer["engine"]) == before
    # under the intake's limit but over max_request_mb elsewhere would be fine here:
    # a photo-sized body is read (4 MB is the console's limit, 1 MB this app's intake)
    big = {**GOOD, "description": "x" * 5000}
    assert _errors(_post(writer, big), 400)[0]["description"].startswith("description:")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "",
                                          "application/x-json"])
def test_other_body_types_are_415(writer, content_type):
    response = _post(writer, data=b'{"service_code": "C01"}',
                     headers={"Content-Type": content_type} if content_type else {})
    _errors(response, 415)


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b'"text"', b"\xff\xfe\x00", b"null",
                                  b"[" * 100_000])
def test_bad_json_is_400(writer, body):
    response = _post(writer, data=body, headers={"Content-Type": "application/json"})
    assert _errors(response, 400)[0]["description"].startswith("body:")


def test_idempotent_retry_returns_the_first_case(writer):
    headers = {"Idempotency-Key": "retry-1"}
    first = _post(writer, GOOD, headers=headers)
    assert first.status_code == 201
    before = _counts(writer["engine"])
    again = _post(writer, {**GOOD, "description": "changed"}, headers=headers)
    assert again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == first.get_json()[0][
        "service_request_id"]
    assert _counts(writer["engine"]) == before
    # another key's same Idempotency-Key is another request
    assert _post(writer, GOOD, key="officer", headers=headers).status_code == 201
    for bad in ["x" * 129, "tab\there", "中文"]:
        errors = _errors(_post(writer, GOOD, headers={"Idempotency-Key": bad}), 400)
        assert errors[0]["description"].startswith("Idempotency-Key:")


def test_an_officers_key_resolves_on_the_spot(writer):
    form = {**GOOD, "resolved_on_spot": "true", "resolution_note": "当场劝离"}
    del form["first_name"], form["last_name"]
    response = _post(writer, form, key="officer")
    assert response.status_code == 201, response.get_data(as_text=True)
    code = response.get_json()[0]["service_request_id"]
    with writer["engine"].connect() as conn:
        case = conn.execute(select(Case.__table__).where(Case.code == code)).one()
    assert (case.source, case.officer_id, case.status, case.resolved_level) == (
        "patrol", ws.O1, schema.RESOLVED, schema.GRID_LEVEL)
    [item] = _get(writer, f"requests/{code}.json")
    assert (item["status"], item["status_notes"]) == ("open", schema.RESOLVED)
    response = writer["client"].get(f"/open311/v2/requests/{code}.json")
    _public(response.get_data(as_text=True))  # the officer's name is the reporter: hidden


# --- the real server: the intake's body limit is this path's only ---------------------------------

def _first_status(port: int, path: str, length: int, body: bytes = b"x" * 1024) -> bytes:
    """The status waitress gives a POST announcing ``length`` bytes and sending ``body``."""
    with closing(socket.create_connection(("127.0.0.1", port), timeout=20)) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     f"application/json\r\nContent-Length: {length}\r\n\r\n".encode() + body)
        return sock.recv(64).split(b" ")[1]


def test_waitress_takes_intake_sized_bodies_on_this_path_only(sqlite_engine):
    ws.build(sqlite_engine)
    settings = Settings(database_url=_url(sqlite_engine), max_request_mb=1, intake_max_mb=3)
    app = create_app(settings)
    server = http_guard.make_server(app, "127.0.0.1", 0, settings)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        port = int(server.effective_port)
        mb = 1024 * 1024
        assert _first_status(port, "/open311/v2/requests.json", 4 * mb) == b"413"
        assert _first_status(port, "/_dash-update-component", 2 * mb) == b"413"
        assert _first_status(port, "/login", 2 * mb) == b"413"
        # 2 MB reaches the door (which wants a key): past waitress and Flask's 1 MB
        body = json.dumps({"description": "x" * (2 * mb)}).encode()
        assert _first_status(port, "/open311/v2/requests.json", len(body), body) == b"403"
    finally:
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=5)
        server.task_dispatcher.shutdown(timeout=1)
        app.server.extensions["grid_dashboard"]["engine"].dispose()


def test_a_session_is_no_key_and_reads_are_the_same_for_everyone(writer):
    anonymous = writer["client"].application.test_client()
    signed_in = writer["client"].application.test_client()
    sign_in(signed_in, "boss", make_user(writer["engine"], "boss", "admin"))
    token = make_wall_token(writer["engine"])
    for path in ["requests.json", f"requests/{writer['codes']['open']}.json", "services.json"]:
        bodies = {client.get("/open311/v2/" + path, headers=headers).get_data()
                  for client, headers in [(anonymous, {}), (signed_in, {}),
                                          (anonymous, {"X-Display-Token": token})]}
        assert len(bodies) == 1, path
    before = _counts(writer["engine"])
    _errors(signed_in.post("/open311/v2/requests.json", data=GOOD), 403)
    assert _counts(writer["engine"]) == before


def test_chinese_is_sent_as_utf8_text_not_escapes(world):
    """A hotline system's log of our answers stays readable: the category's Chinese name is
    in the body's bytes as UTF-8, not as ``\\uXXXX`` escapes."""
    body = world["client"].get("/open311/v2/services.json").get_data()
    assert ws.HOURLY.encode("utf-8") in body
    assert b"\\u" not in body
