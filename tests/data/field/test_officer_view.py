"""The officers view's address and the wall's top and bottom five
(:mod:`data.field.officer_view`), on hand-built frames and on the assessment's
hand-counted store (tests/data/field/assessment_store.py: its ranks are counted there)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from data.console_state import BadAddress
from data.field.officer_view import (
    OfficersState, ends_of, is_officers_path, officer_console_target, officers_region_of_path,
    wall_officers, wall_period,
)
from data.regions import root_region
from tests.data.field import assessment_store as county_store


@pytest.fixture
def county(engine):
    county_store.build(engine)
    return engine


@pytest.mark.parametrize("path, officers, code", [
    ("/officers", True, None), ("/officers/", True, None), ("/officers/T1", True, "T1"),
    ("/officers/REGION%202", True, "REGION 2"), ("/officers/%E5%9F%8E", True, "城"),
    ("/officers/T1/x", False, None), ("/officersT1", False, None), ("/region/T1", False, None),
    ("/", False, None), (None, False, None),
])
def test_the_view_s_paths(path, officers, code):
    assert is_officers_path(path) is officers
    assert officers_region_of_path(path) == code


def test_the_address_gives_the_console_s_period_and_language():
    state = OfficersState.parse("/officers/T1", "?period=custom&from=2026-03-02&to=2026-03-08"
                                "&lang=en&src=nonsense&cat=x")  # the console's filters: ignored
    assert state == OfficersState("T1", "custom", "2026-03-02", "2026-03-08", "en")
    assert state.to_query() == {"period": "custom", "from": "2026-03-02", "to": "2026-03-08"}
    assert OfficersState.parse("/officers", "").to_query() == {}
    assert OfficersState.parse("/officers", "?period=7d&lang=xx", "en") == OfficersState(
        None, "7d", None, None, "en")
    for bad, parameter in (("?period=week", "period"), ("?period=custom&from=2026-03-09"
                                                        "&to=2026-03-01", "to"),
                           ("?period=custom&from=March", "from")):
        with pytest.raises(BadAddress) as raised:
            OfficersState.parse("/officers/T1", bad)
        assert raised.value.values["parameter"] == parameter


def test_the_period_controls_move_the_state():
    state = OfficersState("T1", lang="en")
    assert state.with_period("7d", None, None) == OfficersState("T1", "7d", lang="en")
    assert state.with_period("today", "2026-03-01", "2026-03-02", dates_picked=True) == \
        OfficersState("T1", "custom", "2026-03-01", "2026-03-02", "en")
    assert state.with_period("custom", "2026-03-01", None) is None  # one date: wait
    assert state.with_period("custom", "2026-03-05", "2026-03-01") is None
    assert state.with_period(None, None, None) == OfficersState("T1", "30d", lang="en")


def _frame(standings: list[str]) -> pd.DataFrame:
    """Officers 1..n, ranked in order among the ranked ones, scores 100, 90, ..."""
    rows, rank = [], 0
    for n, standing in enumerate(standings, start=1):
        ranked = standing == "ranked"
        rank += ranked
        rows.append({"officer_id": n, "code": f"W{n}", "name": f"Name{n}",
                     "home_region": f"G{n}", "standing": standing, "tied": False,
                     "score": 100.0 - 10 * rank if ranked else np.nan,
                     "rank": rank if ranked else pd.NA})
    frame = pd.DataFrame(rows, columns=["officer_id", "code", "name", "home_region",
                                        "standing", "tied", "score", "rank"]
                         ).set_index("officer_id")
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


def test_the_wall_takes_five_from_each_end_and_counts_who_is_left_out():
    frame = _frame(["ranked"] * 12 + ["too_little_data"] * 2 + ["inactive"])
    ends = ends_of(frame)
    assert [o["name"] for o in ends["top"]] == ["Name1", "Name2", "Name3", "Name4", "Name5"]
    assert [o["rank"] for o in ends["bottom"]] == [8, 9, 10, 11, 12]
    assert (ends["ranked"], ends["too_little_data"], ends["inactive"]) == (12, 2, 1)
    assert ends["top"][0] == {"officer_id": 1, "code": "W1", "name": "Name1",
                              "home_region": "G1", "score": 90.0, "rank": 1, "tied": False}
    # seven ranked: the top five, then the two left, each once
    seven = ends_of(_frame(["ranked"] * 7))
    assert [o["rank"] for o in seven["top"]] == [1, 2, 3, 4, 5]
    assert [o["rank"] for o in seven["bottom"]] == [6, 7]
    # three ranked: all in the top, no bottom
    three = ends_of(_frame(["ranked"] * 3 + ["too_little_data"]))
    assert [o["rank"] for o in three["top"]] == [1, 2, 3] and three["bottom"] == []
    empty = ends_of(_frame([]))
    assert (empty["top"], empty["bottom"], empty["too_little_data"]) == ([], [], 0)


def test_the_wall_s_officers_on_the_counted_store(county):
    """The week 03-02..03-08 (the 7 days up to local 03-08 23:59) of the assessment's
    store: W1 first (77.1), W5 and W2 tied second (66.7, 刘洋 before 李娜), W7 fourth (0.0);
    W4 joined on 03-07 (too little data), W3 left (inactive), W6 left before the week."""
    with county.connect() as conn:
        period = wall_period(conn, county_store.AS_OF)
        assert (period.first, period.last) == (date(2026, 3, 2), date(2026, 3, 8))
        ends = wall_officers(conn, None, county_store.AS_OF)
        town = wall_officers(conn, root_region(conn, "T1"), county_store.AS_OF)
    assert [(o["name"], o["rank"], o["tied"], o["score"]) for o in ends["top"]] == [
        ("张伟", 1, False, 77.1), ("刘洋", 2, True, 66.7), ("李娜", 2, True, 66.7),
        ("杨帆", 4, False, 0.0)]
    assert ends["bottom"] == []
    assert (ends["too_little_data"], ends["inactive"]) == (1, 1)
    assert ends["top"][0]["home_region"] and ends["top"][0]["code"] == "W1"
    # the town T1 (G1, G2): only those serving it, W1 and W2
    assert {o["code"] for o in town["top"]} == {"W1", "W2"}


def test_where_a_click_on_an_officer_leads(county):
    with county.connect() as conn:
        one = officer_console_target(conn, 1)
        seven = officer_console_target(conn, 7)
        assert officer_console_target(conn, 999) is None
    assert (one.code, one.home_region_id, one.home_code) == ("W1", 4, "G1")
    assert (seven.code, seven.home_code) == ("W7", "T2")
