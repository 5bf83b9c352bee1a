"""The ranking boards' choice of metric (data/ranking.py): the wanted one while a child has
it, else the first known one, said so; each metric's direction; ties; the names the wall's
address accepts. Hand-built children first, then one small store."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert

from data import store
from data.models import Case
from data.panels import ranked
from data.ranking import (
    DEFAULT, RANKABLE, UnknownRankMetric, accepted_names, choose_metric, rank, rank_metric,
)
from data.regions import root_region
from tests.tiny_store import build_regions


def child(code: str, **values) -> dict:
    """A child as :func:`data.ranking.child_values` gives it: every rankable figure
    unknown unless given."""
    return {"code": code, "name": f"{code}镇", **{key: None for key in RANKABLE}, **values}


def test_on_time_unknown_for_every_child_falls_back_to_the_first_known_metric():
    # no deadlines: no on-time rate, no closure or handling rate; satisfaction unknown too
    kids = [child("A", median_hours_to_close=30.0, closed=4),
            child("B", median_hours_to_close=None, closed=0),
            child("C", median_hours_to_close=12.5, closed=2)]
    assert choose_metric(DEFAULT, kids) == ("median_hours_to_close", True)
    board = rank(kids)
    assert (board.wanted, board.metric, board.fell_back) == (DEFAULT, "median_hours_to_close",
                                                             True)
    assert board.why == "no_deadlines"  # cases were closed, none had a deadline
    # lower is better: 12.5 h before 30 h; B closed nothing, so no median: last
    assert board.rows["code"].tolist() == ["C", "A", "B"]
    assert board.rows["value"].tolist()[:2] == [12.5, 30.0]
    assert board.kind == "hours"


def test_a_fallback_takes_the_first_known_metric_in_order_not_the_best_looking():
    kids = [child("A", closure_rate=0.5, satisfaction_rate=0.9, closed=1),
            child("B", closure_rate=None, satisfaction_rate=0.8, closed=3)]
    board = rank(kids)
    assert board.metric == "closure_rate"  # before satisfaction in RANKABLE
    assert board.rows["code"].tolist() == ["A", "B"]


def test_one_child_with_the_wanted_figure_keeps_it():
    kids = [child("A", on_time_closure_rate=None, median_hours_to_close=1.0, closed=5),
            child("B", on_time_closure_rate=0.25, median_hours_to_close=9.0, closed=1),
            child("C", on_time_closure_rate=0.75, closed=2)]
    board = rank(kids)
    assert (board.metric, board.fell_back, board.why) == (DEFAULT, False, None)
    assert board.rows["code"].tolist() == ["C", "B", "A"]  # higher first, unknown last


def test_ties_rank_more_cases_closed_first_then_the_childrens_order():
    kids = [child("A", on_time_closure_rate=0.5, closed=2),
            child("B", on_time_closure_rate=0.5, closed=6),
            child("C", on_time_closure_rate=0.9, closed=1),
            child("D", on_time_closure_rate=0.5, closed=2)]
    assert rank(kids).rows["code"].tolist() == ["C", "B", "A", "D"]


def test_asked_for_median_hours_the_quickest_ranks_first():
    kids = [child("A", median_hours_to_close=48.0, on_time_closure_rate=0.9, closed=3),
            child("B", median_hours_to_close=2.5, on_time_closure_rate=0.1, closed=3)]
    board = rank(kids, "median_hours_to_close")
    assert (board.metric, board.fell_back) == ("median_hours_to_close", False)
    assert board.rows["code"].tolist() == ["B", "A"]
    # the same children re-ranked by another metric, nothing counted again
    again = board.by(DEFAULT)
    assert again.rows["code"].tolist() == ["A", "B"] and board.by(board.wanted) is board


def test_a_fallback_from_a_figure_without_deadlines_says_no_such_figure():
    kids = [child("A", satisfaction_rate=None, on_time_closure_rate=0.5, closed=1)]
    board = rank(kids, "satisfaction_rate")
    assert (board.metric, board.why) == ("on_time_closure_rate", "no_figure")
    # nothing closed at all: no case had a chance to be on time, so no "no deadlines"
    quiet = rank([child("A", closed=0), child("B", closed=0)])
    assert (quiet.metric, quiet.why) == ("closed", "no_figure")


def test_no_children_or_no_figure_at_all_keeps_the_wanted_metric():
    assert (rank(()).metric, rank(()).fell_back) == (DEFAULT, False)
    assert rank(()).rows.empty
    nothing = rank([child("A"), child("B")])
    assert (nothing.metric, nothing.fell_back) == (DEFAULT, False)
    assert nothing.rows["code"].tolist() == ["A", "B"]


def test_the_names_the_address_accepts():
    assert rank_metric("median_hours") == "median_hours_to_close"
    assert rank_metric("on_time") == "on_time_closure_rate"
    assert rank_metric("satisfaction_rate") == "satisfaction_rate"
    assert rank_metric("") == rank_metric(None) == DEFAULT
    for bad in ("bogus", "overdue", "Median_Hours", 5, ["closed"]):
        with pytest.raises(UnknownRankMetric) as refused:
            rank_metric(bad)
        assert refused.value.value == bad
        assert "median_hours" in str(refused.value) and repr(bad) in str(refused.value)
    assert set(accepted_names()) >= set(RANKABLE)


def test_a_store_without_deadlines_ranks_by_a_known_metric(engine):
    """Two towns, no case with a deadline: T1 closed two cases in 4 h and 24 h (median
    14.0 h), T2 one in 6 h."""
    with store.transaction(engine) as conn:
        build_regions(conn)
        store.rebuild_region_ancestors(conn)
        conn.execute(insert(Case), [
            {"code": code, "status": "closed", "location_method": "point", "region_id": rid,
             "reported_at": at, "closed_at": closed, "version": 1}
            for code, rid, at, closed in (
                ("K1", 4, datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 12)),
                ("K2", 5, datetime(2026, 3, 3, 8), datetime(2026, 3, 4, 8)),
                ("K3", 6, datetime(2026, 3, 5, 0), datetime(2026, 3, 5, 6)))])
    now = datetime(2026, 3, 10)
    with engine.connect() as conn:
        county = root_region(conn, "C")
        quickest = ranked(conn, county, now, "median_hours_to_close")
        board = ranked(conn, county, now)
    assert quickest.rows["code"].tolist() == ["T2", "T1"]
    assert quickest.rows["value"].tolist() == [6.0, 14.0]
    assert quickest.rows["closed"].tolist() == [1, 2]
    assert board.fell_back and board.why == "no_deadlines"
    # on-time, closure and handling rates are unknown without deadlines (never closed /
    # closed = 100%), satisfaction without ratings: the median hours are the first known
    assert board.metric == "median_hours_to_close"
    assert (board.rows["code"].tolist(), board.rows["value"].tolist()) == (["T2", "T1"],
                                                                           [6.0, 14.0])
