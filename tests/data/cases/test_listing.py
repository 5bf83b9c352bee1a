"""The case list: which cases, its rows, its pages, its times."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from data.cases import listing
from data.cases.detail import case_detail
from data.cases.filter import FilterError
from data.regions import UnknownRegion
from tests.data.cases.hand_store import IDS, NOW, SHI, build, codes, flt


def test_the_list_is_the_region_s_cases_reported_in_the_period(hand):
    with hand.connect() as conn:
        county = codes(conn, flt())
        whole = codes(conn, flt(region_code=None))
        town = codes(conn, flt(region_code="T1"))
        grid = codes(conn, flt(region_code="G3"))
        assert listing.case_count(conn, flt(), NOW) == 10
        with pytest.raises(UnknownRegion):
            listing.case_page(conn, flt(region_code="NOPE"), NOW)
    # newest first; A9 was reported before the period, A10 is unlocated
    assert county == ["A4", "A5", "A3", "A6", "A12", "A2", "A11", "A8", "A7", "A1"]
    assert whole == ["A4", "A5", "A3", "A6", "A12", "A10", "A2", "A11", "A8", "A7", "A1"]
    assert town == ["A4", "A3", "A12", "A2", "A11", "A8", "A1"]
    assert grid == ["A5", "A6", "A7"]



def test_rows_carry_what_the_grid_shows(hand):
    with hand.connect() as conn:
        rows, _ = listing.case_page(conn, flt(), NOW, end_row=100)
    by_code = {r["code"]: r for r in rows}
    assert list(rows[0]) == list(listing.ROW_COLUMNS)
    a2 = by_code["A2"]
    assert a2 == {
        "id": IDS["A2"], "code": "A2", "reported_at": "2026-03-10 00:00:00", "category": SHI,
        "subcategory": "暴露垃圾", "source": "hotline", "status": "dispatched", "urgent": False,
        "place": "城关第1网格", "department": "城管局", "officer": "张三",
        "due_at": "2026-03-12 00:00:00", "stage_light": "red", "overdue_hours": 204.0,
        "version": 1}
    lights = {code: r["stage_light"] for code, r in by_code.items()}
    assert lights == {"A1": None, "A2": "red", "A3": "green", "A4": "green", "A5": "yellow",
                      "A6": "red", "A7": None, "A8": None, "A11": None, "A12": None}
    assert by_code["A8"]["overdue_hours"] is None  # suspended
    assert by_code["A11"]["urgent"] is True


def test_paging_edges(hand):
    f = flt()
    with hand.connect() as conn:
        first, total = listing.case_page(conn, f, NOW, start_row=0, end_row=4)
        last, total_last = listing.case_page(conn, f, NOW, start_row=8, end_row=12)
        beyond, total_beyond = listing.case_page(conn, f, NOW, start_row=12, end_row=20)
        nothing, _ = listing.case_page(conn, f, NOW, start_row=3, end_row=3)
        empty, zero = listing.case_page(conn, flt(text="no such thing"), NOW)
        for bad in ({"start_row": -1}, {"start_row": 5, "end_row": 2},
                    {"end_row": listing.MAX_PAGE + 1}, {"start_row": "0"}):
            with pytest.raises(FilterError):
                listing.case_page(conn, f, NOW, **bad)
    assert [r["code"] for r in first] == ["A4", "A5", "A3", "A6"] and total == 10
    assert [r["code"] for r in last] == ["A7", "A1"] and total_last == 10
    assert beyond == [] and total_beyond == 10
    assert nothing == []
    assert empty == [] and zero == 0



def test_times_are_local(engine):
    build(engine, tz="Asia/Shanghai")
    with engine.connect() as conn:
        a2 = case_detail(conn, IDS["A2"], NOW)
        rows, _ = listing.case_page(conn, flt(region_code="G1"), NOW,
                                    filter_model={"code": {"filterType": "text",
                                                           "type": "equals", "filter": "A2"}})
    assert a2["reported_at"] == "2026-03-10 08:00:00" and a2["timeline"][0]["at"] == \
        "2026-03-10 08:00:00"
    assert rows[0]["reported_at"] == "2026-03-10 08:00:00"


def test_the_top_region_s_unfiltered_list_is_counted_from_the_index(hand):
    """The county's unfiltered list (the console's landing page) is counted as "reported in
    the period" less "unlocated": two index-only counts, never a count that reads every
    row for its region, and never a lookup of the region tree."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()).lower())

    with hand.connect() as conn:
        event.listen(conn, "before_cursor_execute", record)
        total = listing.case_count(conn, flt(), NOW)
        event.remove(conn, "before_cursor_execute", record)
    counts = [s for s in seen if "count(" in s]
    assert total == 10  # A1-A8, A11, A12: counted by hand in hand_store
    assert counts and any("region_id is null" in s for s in counts)
    assert not any("region_id is not null" in s or "region_ancestors" in s for s in counts)
