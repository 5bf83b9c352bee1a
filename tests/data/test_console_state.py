"""The console's state (:mod:`data.console_state`): its address, store and case filter."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from data.console_state import (
    PERIODS, BadAddress, ConsoleState, address_lang, is_console_path, region_of_path,
)
from data.deadlines import chosen_deadline


def test_the_address_is_the_state():
    state = ConsoleState.parse("/region/T1", "?period=7d&src=patrol&src=hotline&status=open"
                                             "&cat=市容环境&closed=show&lang=en&q=K1")
    assert state == ConsoleState(region="T1", period="7d", categories=("市容环境",),
                                 sources=("patrol", "hotline"), statuses=("open",),
                                 hide_closed=False, text="K1", lang="en")
    # the page's store keeps the same dict as before the state was typed
    assert state.to_store() == {
        "region": "T1", "period": "7d", "first": None, "last": None,
        "categories": ["市容环境"], "sources": ["patrol", "hotline"], "statuses": ["open"],
        "hide_closed": False, "text": "K1", "lang": "en", "day": None, "officer": None,
        "alert": None}
    assert ConsoleState.from_store(state.to_store()) == state
    assert ConsoleState.parse("/", "").region is None
    assert ConsoleState.parse("/", "").period == "30d"
    assert ConsoleState.parse("/", "?region=T2").region == "T2"  # older bookmarks
    # the query string made from a state gives the same state back
    for search in ("?period=custom&from=2026-03-01&to=2026-03-10&status=closed",
                   "?period=today&closed=show&q=x", ""):
        state = ConsoleState.parse("/region/G1", search)
        again = ConsoleState.parse("/region/G1", "?" + urlencode(state.to_query(), doseq=True))
        assert again == state


@pytest.mark.parametrize("search, parameter, value", [
    ("?period=week", "period", "week"),
    ("?src=pigeon", "src", "pigeon"),
    ("?status=lost", "status", "lost"),
    ("?period=custom&from=2026-03-10&to=2026-03-01", "to", "2026-03-01"),
    ("?period=custom&from=yesterday&to=2026-03-01", "from", "yesterday"),
    ("?closed=maybe", "closed", "maybe"),
    ("?alert=7x", "alert", "7x"),
    ("?alert=-1", "alert", "-1"),
])
def test_a_bad_address_names_the_parameter(search, parameter, value):
    with pytest.raises(BadAddress) as bad:
        ConsoleState.parse("/", search)
    assert bad.value.values == {"parameter": parameter, "value": value}


def test_the_selected_alert_travels_in_the_address_and_the_store():
    state = ConsoleState.parse("/region/G1", "?period=7d&alert=42")
    assert state.alert == 42 and state.to_query()["alert"] == "42"
    assert ConsoleState.from_store(state.to_store()) == state
    assert ConsoleState.parse("/region/G1", "?" + urlencode(state.to_query(), doseq=True)) == state
    assert state.drilled("G2").alert == 42  # a drill keeps it; the map marks it anywhere
    assert ConsoleState.from_store({**state.to_store(), "alert": "43"}).alert == 43
    for bad in ("4 2", [42], True, 1.5, -3):
        with pytest.raises(BadAddress):
            ConsoleState.from_store({**state.to_store(), "alert": bad})


def test_console_paths():
    assert is_console_path("/") and is_console_path("/region/T1")
    assert not is_console_path("/wall") and not is_console_path("/region/")
    assert region_of_path("/region/REGION%202") == "REGION 2"
    assert region_of_path("/wall") is None


def test_the_language_of_an_address():
    assert address_lang("?lang=en&period=week", "zh") == "en"  # the rest need not be good
    assert address_lang("?lang=fr", "zh") == "zh" and address_lang("", "en") == "en"
    assert ConsoleState.parse("/", "?lang=fr", "en").lang == "en"


def test_the_case_filter_of_each_period():
    today = ConsoleState.parse("/", "?period=today&cat=a&src=app&status=overdue&q=x")
    flt = today.case_filter("T1")
    assert (flt.region_code, flt.days, flt.first, flt.last) == ("T1", 1, None, None)
    assert (flt.categories, flt.sources, flt.statuses, flt.text) == (
        ("a",), ("app",), ("overdue",), "x")
    assert ConsoleState.parse("/", "?period=7d").case_filter(None).days == 7
    default = ConsoleState.parse("/", "").case_filter(None)
    assert (default.days, default.first, default.last) == (
        ConsoleState.parse("/", "?period=30d").case_filter(None).days, None, None)
    custom = ConsoleState.parse("/", "?period=custom&from=2026-03-01&to=2026-03-10")
    flt = custom.case_filter(None)
    assert (flt.first, flt.last, flt.days) == (date(2026, 3, 1), date(2026, 3, 10), None)
    assert set(PERIODS) == {"today", "7d", "30d", "custom"}


def test_a_drill_and_the_controls_make_new_states():
    state = ConsoleState.parse("/region/C", "?period=7d&src=patrol")
    assert state.drilled("T1") == ConsoleState(region="T1", period="7d", sources=("patrol",))
    assert state.drilled("C") is None and state.drilled(None) is None
    moved = state.with_controls("today", None, None, ["a"], [], ["open"], False, "  k  ")
    assert moved == ConsoleState(region="C", period="today", categories=("a",),
                                 statuses=("open",), hide_closed=False, text="k")
    # dates picked make the period custom; custom needs both dates
    picked = state.with_controls("7d", "2026-03-01T00:00:00", "2026-03-10", [], [], [], True,
                                 None, dates_picked=True)
    assert (picked.period, picked.first, picked.last) == ("custom", "2026-03-01", "2026-03-10")
    assert state.with_controls("custom", "2026-03-01", None, [], [], [], True, "") is None
    assert state.with_controls(None, None, None, None, None, None, True, None).period == "30d"


def test_a_chosen_deadline_is_the_end_of_the_local_working_day():
    assert chosen_deadline(date(2026, 3, 20), ZoneInfo("Asia/Shanghai")) == \
        datetime(2026, 3, 20, 10)
    assert chosen_deadline(date(2026, 7, 1), ZoneInfo("America/Los_Angeles")) == \
        datetime(2026, 7, 2, 1)


def test_the_patrol_day_and_officer_travel_in_the_address():
    state = ConsoleState.parse("/region/G1", "?day=2026-03-09&officer=OA%20%E7%BD%91-7")
    assert (state.day, state.officer) == ("2026-03-09", "OA 网-7")
    assert state.to_query() == {"cat": [], "src": [], "status": [], "day": "2026-03-09",
                                "officer": "OA 网-7"}
    assert ConsoleState.from_store(state.to_store()) == state
    again = ConsoleState.parse("/region/G1", "?" + urlencode(state.to_query(), doseq=True))
    assert again == state
    # a drill and the console's controls keep them; an older store has neither
    assert state.drilled("G2").day == "2026-03-09"
    assert state.drilled("G2").officer == "OA 网-7"
    moved = state.with_controls("7d", None, None, [], [], [], True, "")
    assert (moved.day, moved.officer) == ("2026-03-09", "OA 网-7")
    old = {k: v for k, v in state.to_store().items() if k not in ("day", "officer")}
    assert ConsoleState.from_store(old).day is None
    assert ConsoleState.parse("/", "").day is None
    assert ConsoleState.parse("/", "?day=&officer=").officer is None  # blank: none


@pytest.mark.parametrize("search, parameter, value", [
    ("?day=2026-13-01", "day", "2026-13-01"),
    ("?day=09/03/2026", "day", "09/03/2026"),
    ("?officer=%20OA", "officer", " OA"),
    ("?officer=O%0AA", "officer", "O\nA"),
    ("?officer=" + "x" * 65, "officer", "x" * 65),
])
def test_a_bad_patrol_day_or_officer_code_is_a_bad_address(search, parameter, value):
    with pytest.raises(BadAddress) as raised:
        ConsoleState.parse("/region/G1", search)
    assert raised.value.values == {"parameter": parameter, "value": value}


@pytest.mark.parametrize("day, officer", [
    ("2026-02-30", None), (20260301, None), (None, 7), (None, ["OA"]), (None, "\x00"),
])
def test_a_hand_made_store_with_a_bad_day_or_officer_is_refused(day, officer):
    data = {**ConsoleState.parse("/region/G1", "").to_store(), "day": day, "officer": officer}
    with pytest.raises(BadAddress):
        ConsoleState.from_store(data)
