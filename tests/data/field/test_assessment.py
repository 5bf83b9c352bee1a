"""The officers' assessment on a hand-counted store (tests/data/field/assessment_store.py),
on SQLite and PostgreSQL. Every expected number below is counted by hand from that store.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete

from data import store
from data.field.assessment import (
    COLUMNS, DEFAULT_WEIGHTS, FIGURE_KEYS, FIGURES, WeightsError, assess, load_weights,
    score_shares,
)
from data.metrics import ResultCache, period_for
from data.models import Mediation
from tests.data.field import assessment_store as world

W1, W2, W3, W4, W5, W6, W7 = 1, 2, 3, 4, 5, 6, 7


def _assess(engine, region=None, period=world.WEEK, as_of=world.AS_OF, weights=None):
    with engine.connect() as conn:
        return assess(conn, region, period, as_of, weights)


@pytest.fixture
def county(engine):
    world.build(engine)
    return engine


def test_figures_of_the_week(county) -> None:
    frame = _assess(county)
    assert list(frame.columns) == list(COLUMNS)
    # W6 left in February: not in the week's frame
    assert set(frame.index) == {W1, W2, W3, W4, W5, W7}
    w1 = frame.loc[W1]
    # patrol 1: 03-02 in G1 and G2, 03-03 in G2; patrol 2: 03-05 in G3; patrol 3 was 03-01
    assert w1["patrol_days"] == 3
    assert w1["patrol_hours"] == pytest.approx((1200 + 600 + 1200 + 3600) / 3600)
    assert w1["patrol_km"] == pytest.approx(4.7)
    assert w1["grids_covered"] == 3
    # own grids G1, G2 x 7 days; visited (G1, 02), (G2, 02), (G2, 03)
    assert w1["own_grid_coverage"] == pytest.approx(3 / 14)
    # K10 (the intake names W1) and K11; K12 voided, K13 hotline, K14 before the week
    assert w1["cases_found"] == 2
    assert w1["resolved_on_spot"] == 1  # K10 at grid level; K11 by the community
    # W1's cases: K11 on time, K13 late, K15 past due and open; K16 has no deadline
    assert w1["on_time_closure_rate"] == pytest.approx(1 / 3)
    # K11 satisfied, K13 dissatisfied; K16's visit reached nobody: left out
    assert w1["satisfaction_rate"] == pytest.approx(1 / 2)
    assert w1["mediations"] == 1  # the one of 03-05; 03-01 is before the week
    w2 = frame.loc[W2]
    assert (w2["patrol_days"], w2["patrol_hours"], w2["patrol_km"], w2["grids_covered"]) \
        == (2, 3, 9, 1)
    assert w2["own_grid_coverage"] == pytest.approx(2 / 7)
    assert w2["cases_found"] == 0  # K10 is W2's case, but W1 found it
    assert w2["on_time_closure_rate"] == 1 and w2["satisfaction_rate"] == 1  # K10
    assert w2["mediations"] == 2  # K20 mediated twice: two sittings
    w7 = frame.loc[W7]  # serves the town T2: own grids = G3, never visited
    assert w7["own_grid_coverage"] == 0 and w7["patrol_days"] == 0
    assert pd.isna(w7["on_time_closure_rate"]) and pd.isna(w7["satisfaction_rate"])


def test_scores_ranks_ties_and_standings(county) -> None:
    frame = _assess(county)
    # bests among the ranked (W1, W2, W5, W7): days 3, hours 3, km 9, grids 3, own 2/7,
    # found 2, on spot 1, on time 1, satisfaction 1, mediations 2
    # W1: 15 + 10*(11/6)/3 + 5*4.7/9 + 5 + 20*0.75 + 15 + 10 + 10/3 + 2.5 + 2.5 = 77.06
    # W2 = W5: 10 + 10 + 5 + 5/3 + 20 + 0 + 0 + 10 + 5 + 5 = 66.67; W7: 0
    assert frame.loc[W1, "score"] == 77.1
    assert frame.loc[W2, "score"] == frame.loc[W5, "score"] == 66.7
    assert frame.loc[W7, "score"] == 0.0
    assert list(frame.index) == [W1, W5, W2, W7, W4, W3]  # rank, standing, name (刘 < 李)
    assert list(frame["rank"].astype("float").fillna(-1)) == [1, 2, 2, 4, -1, -1]
    assert str(frame["rank"].dtype) == "Int64"
    assert list(frame["tied"]) == [False, True, True, False, False, False]
    assert list(frame["standing"]) == ["ranked"] * 4 + ["too_little_data", "inactive"]
    assert frame.loc[W3, "active"] == False  # noqa: E712 (numpy bool)
    assert pd.isna(frame.loc[W4, "score"]) and pd.isna(frame.loc[W3, "score"])
    assert frame.loc[W5, "role"] == "other"  # no roster row
    assert frame.loc[W1, "home_region"] == "城关镇第1网格"


def test_ranking_group_is_the_region(county) -> None:
    town = _assess(county, region=world.T1)
    assert list(town.index) == [W1, W2]
    assert list(town["tied"]) == [False, False]
    grid = _assess(county, region=world.G3)
    # G3: W5 (home), W7 (its town), W4 (joined late), W3 (left); W6 left before the week
    assert list(grid.index) == [W5, W7, W4, W3]
    # W5 alone at the top: every figure it has above 0 is the best; found and on spot are
    # 0 for everyone in the group and tell no one apart
    assert grid.loc[W5, "score"] == 100.0
    assert grid.loc[W7, "score"] == 0.0


def test_too_little_data_is_capped_by_the_elapsed_days(county) -> None:
    # as of 03-03 23:59 only two days of the week have begun: W4 (joined 03-07) has none
    frame = _assess(county, as_of=datetime(2026, 3, 3, 15, 59))
    assert frame.loc[W4, "standing"] == "too_little_data"
    assert frame.loc[W1, "standing"] == "ranked"
    # own grids x elapsed days: (G1, 02), (G2, 02), (G2, 03) of 2 x 2
    assert frame.loc[W1, "own_grid_coverage"] == pytest.approx(3 / 4)
    # a one-day period (03-07) ranks W4: on the roster that day
    day = period_for(date(2026, 3, 7), date(2026, 3, 7), world.ZONE)
    one = _assess(county, period=day, as_of=datetime(2026, 3, 7, 15, 59))
    assert one.loc[W4, "standing"] == "ranked"
    # a period not begun yet: nobody is ranked, coverage has no basis; W3 left before it
    later = period_for(date(2026, 3, 9), date(2026, 3, 15), world.ZONE)
    frame = _assess(county, period=later)
    assert W3 not in frame.index
    assert set(frame["standing"]) == {"too_little_data"}
    assert frame["own_grid_coverage"].isna().all()


def test_unknown_figures_spread_their_weight(county) -> None:
    only = {key: 0 for key in FIGURE_KEYS} | {"patrol_days": 1, "mediations": 1}
    frame = _assess(county, weights=only)
    # W1: (3/3 + 1/2) / 2 = 75; W2: (2/3 + 2/2) / 2 = 83.3
    assert frame.loc[W1, "score"] == 75.0 and frame.loc[W2, "score"] == 83.3
    with store.transaction(county) as conn:
        conn.execute(delete(Mediation))
        store.bump_data_version(conn)
    frame = _assess(county, weights=only)
    # no mediation recorded at all: unknown, not 0; its weight goes to patrol_days
    assert frame["mediations"].isna().all()
    assert frame.loc[W1, "score"] == 100.0 and frame.loc[W2, "score"] == 66.7


def test_an_empty_store_and_no_officers(engine) -> None:
    world.tiny_store.build(engine)
    frame = _assess(engine)
    assert frame.empty and list(frame.columns) == list(COLUMNS)


def test_cache_keeps_the_frame(county) -> None:
    cache = ResultCache()
    with county.connect() as conn:
        first = assess(conn, None, world.WEEK, world.AS_OF, cache=cache)
        again = assess(conn, None, world.WEEK, world.AS_OF, cache=cache)
    assert len(cache) == 1
    pd.testing.assert_frame_equal(first, again)


# --- weights ----------------------------------------------------------------------------------

def test_default_weights_are_documented() -> None:
    assert set(DEFAULT_WEIGHTS) == set(FIGURE_KEYS) == {f.key for f in FIGURES}
    assert sum(DEFAULT_WEIGHTS.values()) == 100
    shares = {key: share for key, _, share in score_shares()}
    assert shares["own_grid_coverage"] == 20.0 and shares["mediations"] == 5.0


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "weights.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_load_weights(tmp_path: Path) -> None:
    weights = load_weights(_file(tmp_path, "[weights]\npatrol_days = 30\nmediations = 0\n"
                                           "[ranking]\nmin_days = 5\n"))
    assert weights["patrol_days"] == 30 and weights["mediations"] == 0
    assert weights["patrol_km"] == 5  # not named: the default
    assert weights["min_days"] == 5
    shares = {key: (weight, share) for key, weight, share in score_shares(weights)}
    assert shares["patrol_days"] == (30, pytest.approx(100 * 30 / 110))
    assert "mediations" not in shares  # weight 0: not part of the score


@pytest.mark.parametrize("body, words", [
    ("[weights]\npatrol_speed = 3\n", ["[weights] patrol_speed = 3", "no such figure"]),
    ("[weights]\npatrol_days = -1\n", ["[weights] patrol_days = -1", ">= 0"]),
    ("[weights]\npatrol_days = \"high\"\n", ["patrol_days = 'high'", "a number"]),
    ("[weights]\npatrol_days = true\n", ["patrol_days = True", "a number"]),
    ("[weights]\npatrol_days = nan\n", ["patrol_days = nan", "finite"]),
    ("[ranking]\nmin_days = 0\n", ["[ranking] min_days = 0", "whole number"]),
    ("[ranking]\nmax_days = 3\n", ["[ranking] max_days = 3", "no such setting"]),
    ("[scores]\na = 1\n", ["[scores]", "not a table"]),
    ("weights = 3\n", ["weights = 3", "expected a table"]),
    ("[weights\n", ["not a TOML file"]),
    ("[weights]\n" + "".join(f"{k} = 0\n" for k in DEFAULT_WEIGHTS), ["every weight is 0"]),
])
def test_weights_file_errors(tmp_path: Path, body: str, words: list[str]) -> None:
    path = _file(tmp_path, body)
    with pytest.raises(WeightsError) as caught:
        load_weights(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for word in words:
        assert word in message


def test_missing_weights_file(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="cannot be read"):
        load_weights(tmp_path / "nope.toml")
