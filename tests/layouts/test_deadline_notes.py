"""How figures that stand on deadlines read (issue 17): "—" with 无处置时限 and the reason on
hover when none of their basis has a deadline, "覆盖62%" beside one over part of it, and
nothing extra over the whole; on the wall's tiles, the console's tiles and the summary."""

from __future__ import annotations

from layouts import console
from layouts.format import coverage_share, deadline_note
from layouts.wall import TILES, tile_texts

KEYS = [key for key, *_ in TILES]


def test_coverage_never_rounds_to_all_or_nothing():
    assert [coverage_share(c) for c in (0.004, 0.01, 0.625, 0.999, 0.9999)] == [
        "<1%", "1%", "62%", "99%", "99%"]


def test_a_rate_never_rounds_to_all_or_nothing():
    from layouts.format import format_value

    assert [format_value(v, "rate") for v in (1.0, 0.9997, 0.9994, 0.0, 0.0004, 0.5)] == [
        "100.0%", ">99.9%", "99.9%", "0.0%", "<0.1%", "50.0%"]


def test_the_notes_follow_the_basis():
    none = {"closure_rate": None, "deadline_coverage": 0.0}
    assert deadline_note("closure_rate", none)[0] == "无处置时限"
    assert "导入分类表" in deadline_note("closure_rate", none)[1]
    assert deadline_note("closure_rate", none, "en")[0] == "No deadlines"
    # nothing fell due at all: a plain "—", no reason to give
    assert deadline_note("closure_rate", {"closure_rate": None, "deadline_coverage": None}) \
        == ("", "")
    part = {"closure_rate": 0.5, "deadline_coverage": 0.625}
    assert deadline_note("closure_rate", part)[0] == "覆盖 62% 的案件"
    assert deadline_note("closure_rate", part, short=True)[0] == "覆盖62%"
    assert deadline_note("closure_rate", {"closure_rate": 0.5, "deadline_coverage": 1.0}) \
        == ("", "")
    # overdue is None only for want of deadlines, whatever the coverage says
    assert deadline_note("overdue", {"overdue": None, "open_deadline_coverage": None})[0] \
        == "无处置时限"
    assert deadline_note("reported", {"reported": None}) == ("", "")


def test_the_walls_tiles_say_why_and_how_much():
    counters = {key: 1 for key in KEYS}
    counters.update({"overdue": None, "open_deadline_coverage": 0.0,
                     "closure_rate": 0.8, "closure_rate_previous": 0.7,
                     "on_time_closure_rate": 0.5, "on_time_closure_rate_previous": None,
                     "deadline_coverage": 0.625, "patrol_coverage": 0.5})
    shown = dict(zip(KEYS, tile_texts(counters, "zh")))
    assert shown["overdue"][:2] == ["—", "无处置时限"] and "分类表" in shown["overdue"][2]
    assert shown["closure_rate"][:2] == ["80.0%", "覆盖62% · 较上期 +10.0个百分点"]
    assert "62%" in shown["closure_rate"][2]
    assert shown["on_time_closure_rate"][:2] == ["50.0%", "覆盖62% · 较上期 —"]
    assert len(shown["patrol_coverage"]) == 1  # a figure of no deadline: as before
    counters.update({"overdue": 3, "open_deadline_coverage": 1.0, "deadline_coverage": 1.0})
    shown = dict(zip(KEYS, tile_texts(counters, "en")))
    assert shown["overdue"] == ["3", "", ""]
    assert shown["closure_rate"] == ["80.0%", "vs previous +10.0 pp", ""]


def test_the_consoles_tiles_carry_the_note_and_its_reason():
    metrics = {"closure_rate": None, "deadline_coverage": 0.0, "overdue": 4,
               "open_deadline_coverage": 0.5, "reported": 10}
    tiles = {tile.children[1].to_plotly_json()["props"]["data-metric"]: tile
             for tile in console.build_tiles(metrics, {}, "zh")}
    closure, overdue, reported = tiles["closure_rate"], tiles["overdue"], tiles["reported"]
    assert closure.children[-1].children == "无处置时限" and "分类表" in closure.title
    assert overdue.children[-1].children == "覆盖 50% 的案件"
    assert len(reported.children) == 3 and "title" not in reported.to_plotly_json()["props"]


def test_a_running_period_says_its_change_is_against_the_same_span():
    """Issue 18: the wall's 30 days run until now, so their change is against the 30 days
    before up to the same time (较同期); a period that has ended keeps 较上期."""
    counters = {key: 1 for key in KEYS}
    counters.update({"closure_rate": 0.8, "closure_rate_previous": 0.75,
                     "deadline_coverage": 1.0, "same_span": True})
    shown = dict(zip(KEYS, tile_texts(counters, "zh")))
    assert shown["closure_rate"][1] == "较同期 +5.0个百分点"
    assert dict(zip(KEYS, tile_texts(counters, "en")))["closure_rate"][1] == \
        "vs same span +5.0 pp"
    tiles = console.build_tiles({"reported": 12}, {"reported": 10}, "zh", same_span=True)
    assert tiles[0].children[1].to_plotly_json()["props"]["data-metric"] == "reported"
    assert tiles[0].children[2].children == "较上期同期 +20.0%"      # 12 against 10
    ended = console.build_tiles({"reported": 12}, {"reported": 10}, "zh")
    assert ended[0].children[2].children == "较上期 +20.0%"
