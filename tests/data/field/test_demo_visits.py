"""The demo county and its live feed write where patrols went (patrol_visits)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import text

from data.demo import county, feed
from data.intake.placement import forget_locators

AS_OF = datetime(2026, 11, 18, 2, 0)  # 10:00 in Shanghai


def _frame(engine, sql):
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn)


def test_the_demo_and_its_feed_write_visits(engine):
    forget_locators()
    county.build_demo(engine, scale="small", seed=9, as_of=AS_OF)
    patrols = _frame(engine, "SELECT p.id, p.region_id, p.distance_m, "
                             "(SELECT COUNT(*) FROM patrol_points pp WHERE pp.patrol_id = p.id) "
                             "AS fixes FROM patrols p")
    visits = _frame(engine, "SELECT * FROM patrol_visits")
    # every patrol has a visit; an untracked one exactly one, in its own grid
    assert set(visits["patrol_id"]) == set(patrols["id"])
    untracked = patrols[patrols["fixes"] == 0].merge(visits, left_on="id",
                                                     right_on="patrol_id")
    assert len(untracked) == (patrols["fixes"] == 0).sum()
    assert (untracked["region_id_x"] == untracked["region_id_y"]).all()
    assert (untracked["fixes_y"] == 0).all()
    # a tracked patrol: its visits hold its fixes (all but the few that wander out of every
    # grid) and its distance is its visits' (plus any segment ending outside)
    tracked = visits[visits["fixes"] > 0].groupby("patrol_id")[["fixes", "distance_m"]].sum()
    own = patrols.set_index("id").loc[tracked.index]
    assert (tracked["fixes"] <= own["fixes"]).all()
    assert tracked["fixes"].sum() >= 0.99 * own["fixes"].sum()
    assert (tracked["distance_m"] <= own["distance_m"] + 1).all()

    next_morning = AS_OF + timedelta(days=1) - timedelta(hours=1)  # 09:00 local next day
    done = feed.step(engine, next_morning, seconds=3 * 3600, rng=random.Random(2))
    today = _frame(engine, "SELECT v.region_id, v.day, v.fixes, p.region_id AS home "
                           "FROM patrol_visits v JOIN patrols p ON p.id = v.patrol_id "
                           "WHERE p.ended_at IS NULL")
    assert len(today) == done["patrols_started"] > 0
    assert (pd.to_datetime(today["day"]).dt.date == date(2026, 11, 19)).all()
    assert (today["region_id"] == today["home"]).all()  # set out from their grid's centre
    assert (today["fixes"] == 1).all()
    feed.step(engine, next_morning + timedelta(minutes=1), seconds=60, rng=random.Random(3))
    walked = _frame(engine, "SELECT SUM(v.fixes) AS n FROM patrol_visits v "
                            "JOIN patrols p ON p.id = v.patrol_id WHERE p.ended_at IS NULL")
    assert walked["n"][0] > len(today)
