"""The demo feed keeps a demo store moving, in the workflow's order, and never touches real data."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from data import store
from data.demo import county, feed
from tests import tiny_store

AS_OF = datetime(2026, 11, 18, 2, 0)  # 10:00 in Shanghai, a Wednesday: office hours


def _frame(engine, sql):
    with engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn)


def test_a_few_minutes_of_feed(engine):
    county.build_demo(engine, scale="small", seed=9, as_of=AS_OF)
    before = _frame(engine, "SELECT id, status, version FROM cases").set_index("id")
    with engine.connect() as conn:
        version = store.data_version(conn)
    rng = random.Random(1)
    totals = {"reported": 0, "advanced": 0, "patrols_ended": 0, "patrols_started": 0,
              "fixes": 0}
    for minute in range(1, 11):
        done = feed.step(engine, AS_OF + timedelta(minutes=minute), seconds=60, rng=rng)
        for key in totals:
            totals[key] += done[key]
    after = _frame(engine, "SELECT * FROM cases").set_index("id")
    new = after.loc[~after.index.isin(before.index)]
    assert len(new) == totals["reported"] > 0
    assert (new["region_id"].notna()).all() and new["code"].is_unique
    moved = after.loc[before.index][after.loc[before.index, "status"] != before["status"]]
    assert totals["advanced"] >= len(moved) > 0
    # every move is one step along the workflow, dated, with its history row
    order = ["reported", "filed", "dispatched", "resolved", "closed"]
    for case_id, row in moved.iterrows():
        assert order.index(row["status"]) == order.index(before.at[case_id, "status"]) + 1
        assert row["version"] == before.at[case_id, "version"] + 1
    events = _frame(engine, "SELECT case_id, action, at FROM case_events WHERE actor = 'demo'")
    assert len(events) == totals["reported"] + totals["advanced"]
    dispatched = after[(after["status"] == "dispatched") & after.index.isin(moved.index)]
    assert dispatched["due_at"].notna().all()
    with engine.connect() as conn:
        assert store.data_version(conn) > version
    # the demo's patrols still under way at 10:00 get GPS fixes; ones past two hours end
    assert totals["fixes"] > 0
    patrols = _frame(engine, "SELECT started_at, ended_at FROM patrols")
    for column in ("started_at", "ended_at"):
        patrols[column] = pd.to_datetime(patrols[column], format="mixed")
    done = patrols.dropna()
    assert (done["ended_at"] > done["started_at"]).all()
    late = AS_OF + timedelta(minutes=10) - timedelta(minutes=feed.PATROL_MINUTES)
    assert patrols.loc[patrols["ended_at"].isna(), "started_at"].min() >= late


def test_officers_set_out_in_the_morning(engine):
    county.build_demo(engine, scale="small", seed=9, as_of=AS_OF)
    next_morning = AS_OF + timedelta(days=1) - timedelta(hours=1)  # 09:00 local next day
    done = feed.step(engine, next_morning, seconds=3 * 3600, rng=random.Random(2))
    officers = _frame(engine, "SELECT COUNT(*) AS n FROM officers")["n"][0]
    assert officers * 0.5 < done["patrols_started"] <= officers
    with engine.connect() as conn:
        out_now = conn.execute(text("SELECT COUNT(*) FROM patrols WHERE ended_at IS NULL")).scalar()
    assert out_now == done["patrols_started"]  # yesterday's patrols all ended


def test_the_feed_never_writes_into_real_data(engine):
    tiny_store.build(engine)
    with pytest.raises(feed.NotADemo):
        feed.step(engine, datetime(2026, 3, 5, 2, 0), seconds=600)
    assert _frame(engine, "SELECT COUNT(*) AS n FROM cases")["n"][0] == 4
