"""The wall's live counts as one process keeps counting them, refresh after refresh, on
both stores: the statements are made once per process with the moment as a parameter, so
time passing with no change to the data, and changes written through another connection,
must show exactly as the registry counts them at each moment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from data import report, store, wall
from data.models import Case
from data.regions import root_region
from tests.data.test_metrics import build, d

NOW = d(9, 12)
G2 = 5  # the hand store's grid G2 (region id), whose K2 is 5½ days past its deadline


@pytest.fixture
def hand(engine):
    build(engine)
    return engine


def _registry(engine, moment) -> tuple[int, int]:
    """Open and overdue at ``moment`` as ``dashboard summary`` counts them."""
    day = report.summarize(engine, "C", moment.date(), moment.date(), now=moment)["metrics"]
    return day["open"], day["overdue"]


def test_time_passing_moves_overdue_and_long_unfixed_with_no_change_to_the_data(hand):
    with hand.connect() as conn:
        county = root_region(conn, "C")
        tree = wall.Subtree.of(conn, county)
        seen = {}
        for moment in (NOW, NOW + timedelta(days=2), NOW - timedelta(days=6)):
            live = wall.live_counts(conn, county, moment, tree)
            seen[moment] = live
            assert (int(live["open"].sum()), int(live["overdue"].sum())) == \
                _registry(hand, moment)
    # K2 crosses LONG_UNFIXED (7 days past due) between the first two moments
    assert seen[NOW].loc[G2, "long_unfixed"] == 0
    assert seen[NOW + timedelta(days=2)].loc[G2, "long_unfixed"] == 1
    assert seen[NOW].loc[G2, "overdue"] == 1
    assert seen[NOW - timedelta(days=6)].loc[G2, "overdue"] == 0  # not yet due then


def test_a_case_closed_and_a_case_moved_through_another_connection_show_next_count(hand):
    with hand.connect() as reader:
        county = root_region(reader, "C")
        tree = wall.Subtree.of(reader, county)
        before = wall.grid_values(reader, county, NOW, tree=tree)
        reader.rollback()  # a refresh ends its read; the next one sees what was written
        with store.transaction(hand) as writer:  # another connection: K2 moves to G1
            k2 = writer.scalar(Case.__table__.select().with_only_columns(Case.id)
                               .where(Case.code == "K2"))
            writer.execute(update(Case).where(Case.id == k2).values(region_id=4))
            writer.execute(insert(Case).values(
                id=900, code="NEW", region_id=6, status="reported", reported_at=NOW - timedelta(hours=1),
                location_method="point", version=1))
        moved = wall.grid_values(reader, county, NOW, tree=tree)
        reader.rollback()
        with store.transaction(hand) as writer:  # and then closed
            writer.execute(update(Case).where(Case.id == k2).values(
                status="closed", closed_at=NOW - timedelta(hours=2)))
        closed = wall.grid_values(reader, county, NOW, tree=tree)
        reader.rollback()
    assert (before.loc[4, "overdue"], before.loc[5, "overdue"]) == (0, 1)
    assert (moved.loc[4, "overdue"], moved.loc[5, "overdue"]) == (1, 0)
    assert (moved.loc[4, "open"], moved.loc[5, "open"]) == (before.loc[4, "open"] + 1,
                                                             before.loc[5, "open"] - 1)
    assert moved.loc[6, "reported_week"] == before.loc[6, "reported_week"] + 1
    assert moved.loc[6, "open"] == before.loc[6, "open"] + 1
    assert (closed.loc[4, "open"], closed.loc[4, "overdue"]) == (before.loc[4, "open"], 0)
    assert int(closed["open"].sum()) == _registry(hand, NOW)[0]
