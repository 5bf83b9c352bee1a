"""parse_new_case: every problem code, all reported together, and what is accepted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.intake.fields import (FIELDS, LIMITS, PROBLEM_CODES, IntakeRefused, NewCase,
                                parse_new_case)

GOOD = {"service_code": "C02", "description": "路面塌陷", "lon": "116.005", "lat": "39.905"}


def problems(values) -> set[tuple[str, str]]:
    with pytest.raises(IntakeRefused) as refused:
        parse_new_case(values)
    return {(p.field, p.code) for p in refused.value.problems}


def test_a_form_of_strings_is_parsed_and_stripped():
    got = parse_new_case({**GOOD, "service_code": "  C02 ", "address": " 人民路12号 ",
                          "reporter_name": "", "reporter_phone": "+86 (138) 0000-0000",
                          "urgent": "on", "resolved_on_spot": "0", "extra": [1, 2]})
    assert got == NewCase(service_code="C02", description="路面塌陷", lon=116.005, lat=39.905,
                          region_code=None, address="人民路12号", reporter_name=None,
                          reporter_phone="+86 (138) 0000-0000", urgent=True,
                          resolved_on_spot=False, resolution_note=None)


def test_json_numbers_and_booleans_are_taken_as_they_are():
    got = parse_new_case({"service_code": "C01", "description": "line one\n\tline two",
                          "lon": 116, "lat": -39.5, "urgent": True, "resolved_on_spot": 1})
    assert (got.lon, got.lat, got.urgent, got.resolved_on_spot) == (116.0, -39.5, True, True)
    assert got.description == "line one\n\tline two"


@pytest.mark.parametrize("word,value", [("true", True), ("YES", True), ("1", True),
                                        ("off", False), ("no", False), ("False", False),
                                        (0, False), (None, False)])
def test_yes_no_words(word, value):
    assert parse_new_case({**GOOD, "urgent": word}).urgent is value


def test_a_region_code_alone_is_a_location():
    got = parse_new_case({"service_code": "C01", "description": "x", "region_code": "G1"})
    assert (got.lon, got.lat, got.region_code) == (None, None, "G1")


def test_missing_fields_and_location():
    assert problems({}) == {("service_code", "missing"), ("description", "missing"),
                            ("lat", "missing")}
    assert problems({**GOOD, "description": "   "}) == {("description", "missing")}


def test_a_point_needs_both_coordinates():
    assert problems({**GOOD, "lat": ""}) == {("lat", "missing")}
    assert problems({**GOOD, "lon": None, "region_code": "G1"}) == {("lon", "missing")}


@pytest.mark.parametrize("lon,lat,bad", [
    ("181", "39", "lon"), ("116", "-90.5", "lat"), ("nan", "39", "lon"),
    ("116", "inf", "lat"), (10 ** 400, "39", "lon"), ("1e400", "39", "lon"),
    (float("-inf"), "39", "lon")])
def test_coordinates_out_of_range(lon, lat, bad):
    assert problems({**GOOD, "lon": lon, "lat": lat}) == {(bad, "out_of_range")}


@pytest.mark.parametrize("value", [[116], {"x": 1}, True, "东经116", "1_16", "1" * 100,
                                   "116\x00"])
def test_a_coordinate_that_is_no_number(value):
    assert problems({**GOOD, "lon": value}) == {("lon", "wrong_type")}


@pytest.mark.parametrize("value", [5, 1.5, True, ["C02"], {"code": "C02"}, b"C02"])
def test_text_of_the_wrong_type(value):
    assert problems({**GOOD, "service_code": value}) == {("service_code", "wrong_type")}


@pytest.mark.parametrize("value", ["maybe", 2, [True], "yesyesyesyes"])
def test_a_flag_of_the_wrong_type(value):
    assert problems({**GOOD, "resolved_on_spot": value}) == {("resolved_on_spot", "wrong_type")}


def test_every_text_field_has_its_limit():
    for name, limit in LIMITS.items():
        values = {**GOOD, name: "8" * limit}
        parse_new_case(values)  # at the limit: kept
        assert (name, "too_long") in problems({**GOOD, name: "8" * (limit + 1)}), name


@pytest.mark.parametrize("name,value", [
    ("description", "a\x00b"), ("description", "bell\x07"), ("description", "\x1b[31m"),
    ("description", "half \ud800 pair"), ("address", "line\nbreak"),
    ("reporter_name", "tab\there"), ("region_code", "G\x7f1"), ("resolution_note", "\x00"),
    ("reporter_phone", "138-0000<script>"), ("reporter_phone", "+-()"),
])
def test_bad_text(name, value):
    assert problems({**GOOD, "resolved_on_spot": "1", name: value}) == {(name, "bad_text")}


def test_every_problem_is_reported_at_once_in_field_order():
    with pytest.raises(IntakeRefused) as refused:
        parse_new_case({"service_code": ["C02"], "description": "x" * 4001, "lon": "abc",
                        "lat": 95, "address": "\x00", "reporter_name": 7,
                        "reporter_phone": "call me", "urgent": "sometimes",
                        "resolved_on_spot": {}, "resolution_note": "y" * 2001})
    got = [(p.field, p.code) for p in refused.value.problems]
    assert got == [("service_code", "wrong_type"), ("description", "too_long"),
                   ("lon", "wrong_type"), ("lat", "out_of_range"), ("address", "bad_text"),
                   ("reporter_name", "wrong_type"), ("reporter_phone", "bad_text"),
                   ("urgent", "wrong_type"), ("resolved_on_spot", "wrong_type"),
                   ("resolution_note", "too_long")]
    assert all(p.code in PROBLEM_CODES and p.detail for p in refused.value.problems)
    assert [f for f, _ in got] == [f for f in FIELDS if f != "region_code"]


@pytest.mark.parametrize("values", [None, [], "service_code=C02", 42])
def test_a_body_that_is_no_set_of_fields(values):
    assert problems(values) == {("body", "bad_body")}


# --- whatever arrives: a NewCase or IntakeRefused, never anything else -----------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS + ("other",)), JSON_VALUES, max_size=12))
def test_any_json_body_is_a_case_or_a_refusal(values):
    try:
        got = parse_new_case(values)
    except IntakeRefused as refused:
        assert refused.problems and all(p.code in PROBLEM_CODES for p in refused.problems)
        return
    assert isinstance(got, NewCase) and got.service_code and got.description
    assert (got.lon is None) == (got.lat is None)
    assert got.lon is not None or got.region_code is not None
    for name, limit in LIMITS.items():
        text = getattr(got, name)
        assert text is None or (0 < len(text) <= limit and "\x00" not in text)
