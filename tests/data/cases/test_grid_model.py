"""The grid's sort and filter models, translated into SQL (or refused)."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import func, select

from data.cases.filter import FilterError
from data.cases.listing import case_page
from data.models import Case
from layouts.text import word
from tests.data.cases.hand_store import CASES, GONG, NOW, codes, flt


def test_sort_models(hand):
    f = flt()
    with hand.connect() as conn:
        by_code = codes(conn, f, sort_model=[{"colId": "code", "sort": "asc"}])
        by_light = codes(conn, f, sort_model=[{"colId": "stage_light", "sort": "desc"}])
        by_place = codes(conn, f, sort_model=[{"colId": "place", "sort": "asc"},
                                              {"colId": "reported_at", "sort": "asc"}])
        by_overdue = codes(conn, f, sort_model=[{"colId": "overdue_hours", "sort": "desc"}])
    assert by_code == sorted(by_code) and by_code[:3] == ["A1", "A11", "A12"]
    # red (A6, A2: ties newest id first), yellow A5, green A4 A3, then no light
    assert by_light[:5] == ["A6", "A2", "A5", "A4", "A3"]
    assert by_place == ["A1", "A8", "A11", "A2", "A12", "A3", "A4", "A7", "A6", "A5"]
    assert by_overdue[0] == "A2"


@pytest.mark.parametrize("model, expected", [
    ({"stage_light": {"filterType": "set", "values": ["red"]}}, {"A2", "A6"}),
    ({"stage_light": {"filterType": "text", "type": "equals", "filter": "黄灯"}}, {"A5"}),
    ({"status": {"filterType": "text", "type": "contains", "filter": "已派遣"}}, {"A2", "A3"}),
    ({"status": {"filterType": "text", "type": "equals", "filter": "Resolved"}}, {"A6"}),
    ({"status": {"filterType": "set", "values": ["closed", "voided"]}},
     {"A1", "A11", "A12", "A7"}),
    ({"overdue_hours": {"filterType": "number", "type": "greaterThan", "filter": 100}}, {"A2"}),
    ({"reported_at": {"filterType": "date", "type": "inRange",
                      "dateFrom": "2026-03-10 00:00:00", "dateTo": "2026-03-15 00:00:00"}},
     {"A2", "A12", "A6"}),
    ({"reported_at": {"filterType": "date", "type": "lessThan",
                      "dateFrom": "2026-03-05 00:00:00"}}, {"A1"}),
    ({"place": {"filterType": "text", "type": "contains", "filter": "青山"}},
     {"A5", "A6", "A7"}),
    ({"code": {"filterType": "text", "operator": "OR", "conditions": [
        {"filterType": "text", "type": "equals", "filter": "a1"},
        {"filterType": "text", "type": "equals", "filter": "A12"}]}}, {"A1", "A12"}),
    ({"department": {"filterType": "text", "type": "blank"}}, {"A4", "A5", "A7"}),
    ({"urgent": {"filterType": "set", "values": [True]}}, {"A4", "A11"}),
    ({"code": {"filterType": "text", "type": "contains", "filter": "%' OR 1=1 --"}}, set()),
    ({"category": {"filterType": "set", "values": [GONG]},
      "source": {"filterType": "set", "values": ["patrol"]}}, {"A5"}),
])
def test_filter_models(hand, model, expected):
    with hand.connect() as conn:
        rows, total = case_page(conn, flt(), NOW, end_row=100, filter_model=model,
                                 label=partial(word, lang="zh"))
    assert {r["code"] for r in rows} == expected and total == len(expected)


@pytest.mark.parametrize("kw", [
    {"sort_model": [{"colId": "description", "sort": "asc"}]},  # not a grid column
    {"sort_model": [{"colId": "code; DROP TABLE cases", "sort": "asc"}]},
    {"sort_model": [{"colId": "code", "sort": "asc; DROP TABLE cases"}]},
    {"sort_model": "code"},
    {"filter_model": {"code); DROP TABLE cases; --": {"filterType": "text", "type": "contains",
                                                       "filter": "x"}}},
    {"filter_model": {"code": {"filterType": "text", "type": "regex", "filter": "x"}}},
    {"filter_model": {"code": {"filterType": "number", "type": "equals", "filter": 1}}},
    {"filter_model": {"version": {"filterType": "number", "type": "equals",
                                  "filter": "1 OR 1=1"}}},
    {"filter_model": {"reported_at": {"filterType": "date", "type": "equals",
                                      "dateFrom": "yesterday"}}},
    {"filter_model": {"stage_light": {"filterType": "set", "values": ["purple"]}}},
    {"filter_model": ["code"]},
    {"filter_model": {"code": {"filterType": "text", "operator": "OR", "conditions": [
        {"filterType": "text", "operator": "OR", "conditions": [
            {"filterType": "text", "type": "equals", "filter": "A1"}]}]}}},  # nested
    {"filter_model": {"code": {"filterType": "text", "operator": "XOR", "conditions": [
        {"filterType": "text", "type": "equals", "filter": "A1"}]}}},
])
def test_bad_sort_and_filter_models_are_refused(hand, kw):
    with hand.connect() as conn:
        with pytest.raises(FilterError):
            case_page(conn, flt(), NOW, **kw)
        assert conn.scalar(select(func.count()).select_from(Case)) == len(CASES)
