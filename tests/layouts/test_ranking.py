"""How a ranking board reads (layouts/ranking.py): its title names what it ranks and, after
a fallback, why; values carry their unit; bars for hours run from the best to the worst."""

from __future__ import annotations

import pytest

from data.ranking import RANKABLE, rank
from layouts import console
from layouts.ranking import SLIVER, rank_fills, ranking_title
from layouts.text import TEXT
from layouts.wall import build_ranking


def child(code: str, **values) -> dict:
    return {"code": code, "name": f"{code}镇", **{key: None for key in RANKABLE}, **values}


NO_DEADLINES = [child("A", median_hours_to_close=10.0, closed=3),
                child("B", median_hours_to_close=4.0, closed=2),
                child("C", median_hours_to_close=34.0, closed=1),
                child("D", closed=0)]


def _texts(component) -> list[str]:
    """Every text inside a component, in order."""
    children = getattr(component, "children", component)
    if isinstance(children, str):
        return [children]
    out = []
    for part in children if isinstance(children, list) else [children]:
        if part is not None:
            out.extend(_texts(part))
    return out


def test_the_title_names_the_metric_ranked_and_why_it_fell_back():
    timed = rank([child("A", on_time_closure_rate=0.5, closed=1)])
    assert ranking_title(timed, "zh") == "按期结案率排名·近30日"
    assert ranking_title(timed, "en", period=False) == "On-time closure ranking"
    fallen = rank(NO_DEADLINES)
    assert ranking_title(fallen, "zh") == "结案用时中位数排名 · 无处置时限"
    assert ranking_title(fallen, "en") == "Median time to close · no time limits"
    chosen = rank(NO_DEADLINES, "median_hours_to_close")  # asked for: no reason given
    assert ranking_title(chosen, "zh") == "结案用时中位数排名·近30日"
    unrated = rank([child("A", on_time_closure_rate=0.5, closed=1)], "satisfaction_rate")
    assert ranking_title(unrated, "zh") == "按期结案率排名 · 无满意率数据"
    assert ranking_title(unrated, "en") == "On-time closure ranking · no satisfaction rate"


@pytest.mark.parametrize("key", [f"rank_by_{metric}" for metric in RANKABLE])
def test_every_rankable_metric_has_a_title_in_both_languages(key):
    assert key in TEXT["zh"] and key in TEXT["en"]


def test_the_walls_board_shows_hours_with_their_unit_and_bars_from_best_to_worst():
    board = rank(NO_DEADLINES)
    # B 4 h (best) full, C 34 h (worst) a sliver, A 10 h: (34 - 10) / (34 - 4) = 0.8 of the way
    fills = rank_fills(board)
    assert fills[0] == 1.0 and fills[2] == SLIVER and fills[3] == 0.0
    assert fills[1] == pytest.approx(SLIVER + (1 - SLIVER) * 0.8)
    rows = build_ranking(board, "zh")
    assert [getattr(row, "data-code") for row in rows] == ["B", "A", "C", "D"]
    assert [_texts(row)[-1] for row in rows] == ["4.0h", "10.0h", "34.0h", "—"]
    assert rows[1].children[2].children.style["width"] == f"{fills[1] * 100:.1f}%"


def test_rates_fill_their_own_share_and_counts_the_largest():
    rates = rank([child("A", on_time_closure_rate=0.75, closed=1),
                  child("B", on_time_closure_rate=0.2, closed=1)])
    assert rank_fills(rates) == [0.75, 0.2]
    counts = rank([child("A", closed=8), child("B", closed=2)], "closed")
    assert rank_fills(counts) == [1.0, 0.25]
    assert [_texts(row)[-1] for row in build_ranking(counts, "en")] == ["8", "2"]


def test_the_consoles_board_and_its_title_say_the_same():
    board = rank(NO_DEADLINES)
    items = console.build_ranking(board, {}, "zh").children
    assert [_texts(item)[1:] for item in items] == [["B镇", "4.0h"], ["A镇", "10.0h"],
                                                   ["C镇", "34.0h"], ["D镇", "—"]]
    title = console.build_ranking_title(board, "zh")
    assert title.children == "结案用时中位数排名 · 无处置时限"
    assert title.title == "按期结案率：所有下级均无数据，改按结案时长中位数(小时)排名"
    timed = console.build_ranking_title(rank([child("A", on_time_closure_rate=1.0)]), "en")
    assert (timed.children, timed.title) == ("On-time closure ranking", None)
