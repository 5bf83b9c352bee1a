"""The case filter: its checks, its period, the names it offers, and the cases it picks."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from data import metrics
from data.cases.filter import CaseFilter, FilterError, filter_options, period_of
from data.cases.listing import case_count
from tests.data.cases.hand_store import FIRST, GONG, JIE, LAST, NOW, SHI, codes, flt


@pytest.mark.parametrize("kw, param", [
    ({"first": "2026-03-01", "last": LAST}, "from"),
    ({"first": FIRST}, "to"),
    ({"first": date(2026, 3, 5), "last": date(2026, 3, 1)}, "from"),
    ({"sources": ("patrol", "carrier-pigeon")}, "source"),
    ({"statuses": ("lost",)}, "status"),
    ({"days": -3}, "days"),
    ({"days": 0}, "days"),
    ({"text": "x" * 201}, "q"),
])
def test_a_bad_value_is_named(kw, param):
    with pytest.raises(FilterError) as caught:
        CaseFilter(**kw)
    assert caught.value.param == param
    assert param in str(caught.value)


def test_the_period_of_a_filter(hand):
    with hand.connect() as conn:
        custom = period_of(conn, flt(), NOW)
        week = period_of(conn, CaseFilter(days=7), NOW)
        default = period_of(conn, CaseFilter(), NOW)
        # data older than the default period: the 30 days up to the newest case
        old = period_of(conn, CaseFilter(), datetime(2026, 6, 1))
    assert (custom.first, custom.last) == (FIRST, LAST)
    assert (week.first, week.last) == (date(2026, 3, 14), date(2026, 3, 20))
    assert (default.first, default.last) == (date(2026, 2, 19), date(2026, 3, 20))
    assert (old.first, old.last) == (date(2026, 2, 19), date(2026, 3, 20))  # A4 on 03-20



def test_filter_options(hand):
    cache = metrics.ResultCache()
    with hand.connect() as conn:
        options = filter_options(conn)
        assert filter_options(conn, cache=cache) == options
        assert filter_options(conn, cache=cache) == options
    assert len(cache) == 1
    assert options["categories"] == sorted([SHI, GONG, JIE])
    assert set(options["subcategories"]) == {"暴露垃圾", "井盖", "违规停车", "占道经营"}


@pytest.mark.parametrize("kw, expected", [
    ({"categories": (SHI,)}, {"A1", "A2", "A6", "A11", "A12"}),
    ({"categories": ("井盖",)}, {"A3", "A5", "A8"}),  # a subcategory
    ({"categories": (GONG, "违规停车")}, {"A3", "A5", "A8", "A4", "A7"}),
    ({"sources": ("patrol",)}, {"A1", "A5", "A11"}),
    ({"statuses": ("open",)}, {"A2", "A3", "A4", "A5", "A6", "A8"}),
    ({"statuses": ("overdue",)}, {"A2"}),  # A8 is suspended; A3 and A6 are not due yet
    ({"statuses": ("closed", "voided")}, {"A1", "A11", "A12", "A7"}),
    ({"text": "a1"}, {"A1", "A11", "A12"}),  # case-insensitive, in the code
    ({"text": "垃圾"}, {"A1", "A6"}),  # A1's description, A6's address
    ({"text": "%"}, {"A4"}),  # a literal percent sign, not a wildcard
    ({"text": "_"}, set()),
    ({"categories": (SHI,), "sources": ("hotline",), "statuses": ("open",)}, {"A2", "A6"}),
    ({"region_code": "T1", "sources": ("app",)}, {"A3", "A12"}),
])
def test_each_filter_alone_and_combined(hand, kw, expected):
    with hand.connect() as conn:
        got = codes(conn, flt(**kw))
        assert case_count(conn, flt(**kw), NOW) == len(expected)
    assert set(got) == expected and len(got) == len(expected)
