"""data/intake/open311.py without a server: the POST field mapping, the names problems are
reported under, W3C datetimes and the filters' refusals."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from data import store
from data.intake import open311 as georeport
from data.intake.fields import IntakeRefused

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_post_fields_map_to_the_intake_names():
    form = {"service_code": "C01", "description": "井盖缺失", "lat": "39.905",
            "long": "116.005", "address_string": "人民路1号", "address_id": "G1",
            "first_name": "三", "last_name": "张", "phone": "13800000000", "urgent": "true",
            "resolved_on_spot": "1", "resolution_note": "已处理"}
    assert georeport.to_new_case_values(form) == {
        "service_code": "C01", "description": "井盖缺失", "lat": "39.905", "lon": "116.005",
        "address": "人民路1号", "region_code": "G1", "reporter_name": "张三",
        "reporter_phone": "13800000000", "urgent": "true", "resolved_on_spot": "1",
        "resolution_note": "已处理"}


@pytest.mark.parametrize("first, last, expected", [
    ("三", "张", "张三"),  # a Chinese name: the family name first, no space
    ("Jane", "Doe", "Jane Doe"),  # any other: as the spec's fields read
    ("Li", "王", "Li 王"), (" 伟 ", "", "伟"), ("", "王", "王"),
])
def test_a_reporter_s_name_is_written_the_way_it_is_said(first, last, expected):
    values = georeport.to_new_case_values({"first_name": first, "last_name": last})
    assert values["reporter_name"] == expected


def test_name_and_region_code_are_accepted_too():
    values = georeport.to_new_case_values({"name": "王五", "region_code": "G2"})
    assert values == {"reporter_name": "王五", "region_code": "G2"}
    # address_id wins over region_code when both are sent
    assert georeport.to_new_case_values({"address_id": "G1", "region_code": "G2"}) == {
        "region_code": "G1"}


def test_json_types_pass_through_for_the_parser_and_nulls_are_absent():
    values = georeport.to_new_case_values({"lat": 39.9, "long": 116.0, "urgent": True,
                                           "description": None, "address_string": None})
    assert values == {"lat": 39.9, "lon": 116.0, "urgent": True}


def test_ignored_fields_are_accepted_when_text():
    form = {"email": "a@b.c", "device_id": "d", "account_id": "7", "jurisdiction_id": "x",
            "media_url": "http://example.invalid/a.jpg", "attribute[WHISPAWN]": "1",
            "api_key": "k", "anything": "else"}
    assert georeport.to_new_case_values(form) == {}


@pytest.mark.parametrize("form, field", [
    ({"email": 5}, "email"), ({"device_id": ["a"]}, "device_id"),
    ({"attribute[x]": {"a": 1}}, "attribute[x]"), ({"first_name": 3}, "first_name"),
    ({"name": True}, "name"),
])
def test_a_value_that_is_not_text_is_wrong_type(form, field):
    with pytest.raises(IntakeRefused) as refused:
        georeport.to_new_case_values(form)
    assert [(p.field, p.code) for p in refused.value.problems] == [(field, "wrong_type")]


def test_field_names_are_the_callers():
    assert georeport.field_name("lon") == "long"
    assert georeport.field_name("address") == "address_string"
    assert georeport.field_name("reporter_phone") == "phone"
    assert georeport.field_name("region_code") == "address_id"
    assert georeport.field_name("region_code", {"region_code": "G1"}) == "region_code"
    assert georeport.field_name("reporter_name", {"name": "x"}) == "name"
    assert georeport.field_name("reporter_name", {"last_name": "x"}) == "last_name"
    assert georeport.field_name("reporter_name", {"first_name": "x"}) == "first_name"
    assert georeport.field_name("description") == "description"


@pytest.mark.parametrize("text, expected", [
    ("2026-11-18T10:00:00+08:00", datetime(2026, 11, 18, 2)),
    ("2026-11-18T02:00:00Z", datetime(2026, 11, 18, 2)),
    ("2026-11-18T10:00:00", datetime(2026, 11, 18, 2)),  # no offset: the deployment's
    ("2026-11-18", datetime(2026, 11, 17, 16)),
])
def test_w3c_datetimes(text, expected):
    assert georeport.parse_datetime(text, "start_date", SHANGHAI) == expected


@pytest.mark.parametrize("value", ["", "tomorrow", "2026-11-31", "2026-11-18T25:00:00Z",
                                   "\x00", "9" * 500, 5, None, ["2026-11-18"]])
def test_bad_datetimes_are_a_problem_of_the_field(value):
    with pytest.raises(IntakeRefused) as refused:
        georeport.parse_datetime(value, "end_date", SHANGHAI)
    [problem] = refused.value.problems
    assert (problem.field, problem.code) == ("end_date", "wrong_type")
    assert len(problem.detail) < 200


def test_every_bad_filter_is_named_at_once(sqlite_engine):
    with sqlite_engine.connect() as conn:
        with pytest.raises(IntakeRefused) as refused:
            georeport.requests(conn, service_codes=5, start="soon", end="later",
                               status="pending", now=store.utcnow())
    assert [(p.field, p.code) for p in refused.value.problems] == [
        ("service_code", "wrong_type"), ("start_date", "wrong_type"),
        ("end_date", "wrong_type"), ("status", "out_of_range")]
