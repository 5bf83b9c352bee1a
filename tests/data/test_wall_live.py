"""The wall's live counts kept up to date refresh after refresh (data.wall_live.held_live),
on both stores: after each kind of change the counts kept equal a whole count made afresh
(and the registry's open and overdue), and only the regions the change touched were
counted again. The hand store of the metric tests, read around 2026-03-09 12:00 UTC."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from shapely import box, to_wkb
from sqlalchemy import delete, func, insert, select, update

from data import report, rollups, store, wall, wall_live
from data.models import Case, Region, RollupQueue
from data.regions import root_region
from tests.data.test_metrics import G1, G2, G3, build, d

NOW = d(9, 12)


@pytest.fixture
def hand(engine):
    build(engine)
    return engine


class Wall:
    """A wall of the county kept by one process: its cache lives across refreshes, each
    refresh reads on a connection of its own (as each request does)."""

    def __init__(self, engine, cache: dict | None = None) -> None:
        self.engine = engine
        self.cache = {} if cache is None else cache

    def refresh(self, moment=NOW):
        """(counts kept, rows counted again or None for all, a whole count afresh)."""
        with self.engine.connect() as conn:
            county = root_region(conn, "C")
            tz = store.deployment_timezone(conn)
            tree = wall.Subtree.of(conn, county)
            fingerprint = wall.regions_fingerprint(conn)
            kept, rows = wall_live.held_live(conn, county, moment, tree, tz, self.cache,
                                             fingerprint)
            whole = wall.live_counts(conn, county, moment, tree, tz)
        return kept, (None if rows is None else set(tree.ids[r] for r in rows)), whole


def _registry(engine, moment) -> tuple[int, int]:
    """Open and overdue at ``moment`` as ``dashboard summary`` counts them."""
    day = report.summarize(engine, "C", moment.date(), moment.date(), now=moment)["metrics"]
    return day["open"], day["overdue"]


def _case_id(engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(Case.id).where(Case.code == code))


def _write(engine, *statements) -> None:
    with store.transaction(engine) as conn:
        for statement in statements:
            conn.execute(statement)
        store.bump_data_version(conn)


_IDS = itertools.count(900)  # the hand store's cases have ids given (PostgreSQL's sequence
# did not move)


def _new_case(code: str, region, **values):
    return insert(Case).values(id=next(_IDS), code=code, region_id=region, status="reported",
                               reported_at=NOW - timedelta(hours=1), location_method="point",
                               version=1, **values)


def test_the_first_refresh_counts_everything_and_a_refresh_with_no_change_nothing(hand):
    wall_ = Wall(hand)
    kept, rows, whole = wall_.refresh()
    assert rows is None and kept.equals(whole)
    kept, rows, whole = wall_.refresh()
    assert rows == set() and kept.equals(whole)
    assert (int(kept["open"].sum()), int(kept["overdue"].sum())) == _registry(hand, NOW)


def test_a_new_case_recounts_its_grid_only(hand):
    wall_ = Wall(hand)
    before, _, _ = wall_.refresh()
    _write(hand, _new_case("NEW", G3, due_at=NOW - timedelta(minutes=5)))
    kept, rows, whole = wall_.refresh()
    assert rows == {G3}
    assert kept.equals(whole)
    assert kept.loc[G3, "open"] == before.loc[G3, "open"] + 1
    assert kept.loc[G3, "overdue"] == before.loc[G3, "overdue"] + 1
    assert kept.loc[G3, "reported_today"] == before.loc[G3, "reported_today"] + 1
    assert (int(kept["open"].sum()), int(kept["overdue"].sum())) == _registry(hand, NOW)


def test_a_closed_case_and_a_voided_case_leave_the_open_counts(hand):
    wall_ = Wall(hand)
    before, _, _ = wall_.refresh()
    k2, k9 = _case_id(hand, "K2"), _case_id(hand, "K9")  # open in G2 (overdue), G3
    _write(hand, update(Case).where(Case.id == k2).values(status="closed",
                                                          closed_at=NOW - timedelta(hours=2)))
    kept, rows, whole = wall_.refresh()
    assert rows == {G2} and kept.equals(whole)
    assert (kept.loc[G2, "open"], kept.loc[G2, "overdue"]) == (before.loc[G2, "open"] - 1, 0)
    assert kept.loc[G2, "closed_today"] == before.loc[G2, "closed_today"] + 1
    _write(hand, update(Case).where(Case.id == k9).values(status="voided",
                                                          voided_at=NOW - timedelta(hours=1)))
    kept, rows, whole = wall_.refresh()
    assert rows == {G3} and kept.equals(whole)
    assert kept.loc[G3, "open"] == before.loc[G3, "open"] - 1
    assert (int(kept["open"].sum()), int(kept["overdue"].sum())) == _registry(hand, NOW)


def test_a_case_moved_recounts_the_grid_it_left_and_the_one_it_joined(hand):
    wall_ = Wall(hand)
    before, _, _ = wall_.refresh()
    k2 = _case_id(hand, "K2")  # open and overdue in G2
    _write(hand, update(Case).where(Case.id == k2).values(region_id=G1))
    kept, rows, whole = wall_.refresh()
    assert rows == {G1, G2} and kept.equals(whole)
    assert (kept.loc[G1, "overdue"], kept.loc[G2, "overdue"]) == (1, 0)
    assert kept.loc[G1, "open"] == before.loc[G1, "open"] + 1
    # and out of every grid (unlocated): the county still counts it
    _write(hand, update(Case).where(Case.id == k2).values(region_id=None))
    kept, rows, whole = wall_.refresh()
    assert rows == {G1} and kept.equals(whole)  # -1 (no region) lies outside C's subtree
    assert kept.loc[G1, "open"] == before.loc[G1, "open"]
    assert int(kept["open"].sum()) == _registry(hand, NOW)[0]


def test_a_deleted_case_and_several_changes_between_two_refreshes(hand):
    wall_ = Wall(hand)
    wall_.refresh()
    k6, k7 = _case_id(hand, "K6"), _case_id(hand, "K7")  # open in G2, suspended in G1
    _write(hand, delete(Case).where(Case.id == k6))
    _write(hand, update(Case).where(Case.id == k7).values(status="dispatched"))
    _write(hand, _new_case("A", G3), _new_case("B", G3))
    kept, rows, whole = wall_.refresh()
    assert rows == {G1, G2, G3} and kept.equals(whole)
    assert kept.loc[G1, "overdue"] == 1  # K7 no longer suspended, past its deadline
    assert (int(kept["open"].sum()), int(kept["overdue"].sum())) == _registry(hand, NOW)


def test_time_passing_recounts_the_grids_whose_cases_crossed_a_deadline(hand):
    wall_ = Wall(hand)
    _write(hand, _new_case("SOON", G3, due_at=NOW + timedelta(minutes=30)))
    first, _, _ = wall_.refresh()
    assert first.loc[G3, "overdue"] == 0
    later = NOW + timedelta(minutes=40)  # no change to the data
    kept, rows, whole = wall_.refresh(later)
    assert G3 in rows and G1 not in rows and kept.equals(whole)
    assert kept.loc[G3, "overdue"] == 1
    assert (int(kept["open"].sum()), int(kept["overdue"].sum())) == _registry(hand, later)
    # K2 (due 03-04 00:00) passes LONG_UNFIXED on 03-11 00:00: a new day counts anew
    kept, rows, whole = wall_.refresh(d(11, 1))
    assert rows is None and kept.equals(whole) and kept.loc[G2, "long_unfixed"] == 1


def test_rollups_applied_between_refreshes_make_a_whole_count(hand):
    wall_ = Wall(hand)
    wall_.refresh()
    _write(hand, _new_case("NEW", G1))
    rollups.catch_up(hand)  # the queue is emptied: the change is read whole
    with hand.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(RollupQueue)) == 0
    _write(hand, _new_case("NEXT", G2))
    kept, rows, whole = wall_.refresh()
    assert rows is None and kept.equals(whole)
    assert kept.loc[G1, "reported_today"] == whole.loc[G1, "reported_today"] == 1 + 1
    # and incremental again from there
    _write(hand, _new_case("THIRD", G3))
    kept, rows, whole = wall_.refresh()
    assert rows == {G3} and kept.equals(whole)


def test_a_restart_or_another_worker_counts_whole_and_agrees(hand):
    first = Wall(hand)
    first.refresh()
    _write(hand, _new_case("NEW", G1))
    kept, rows, _ = first.refresh()
    other = Wall(hand)  # another process: nothing held
    theirs, their_rows, whole = other.refresh()
    assert rows == {G1} and their_rows is None
    assert kept.equals(theirs) and theirs.equals(whole)


def test_a_regions_import_counts_whole_on_the_new_regions(hand):
    held = {}
    snap_before = _snapshot(hand, held)
    assert 7 not in snap_before["grids"].index
    with store.transaction(hand) as conn:  # a new grid G4 under T2, and a case in it
        conn.execute(insert(Region).values(id=7, code="G4", name="G4", level="网格",
                                           depth=2, parent_id=3,
                                           geometry=to_wkb(box(7, 0, 8, 1))))
        store.rebuild_region_ancestors(conn)
        store.bump_regions_version(conn)
        conn.execute(_new_case("IN-G4", 7))
        store.bump_data_version(conn)
    snap = _snapshot(hand, held)
    with hand.connect() as conn:
        county = root_region(conn, "C")
        whole = wall.grid_values(conn, county, NOW)
    assert snap["grids"].equals(whole)
    assert snap["grids"].loc[7, "open"] == 1
    assert snap["counters"]["open"] == _registry(hand, NOW)[0]


def _snapshot(engine, cache: dict) -> dict:
    with engine.connect() as conn:
        return wall.snapshot(conn, "C", NOW, cache)


def test_a_snapshot_kept_by_one_process_matches_a_fresh_one_after_changes(hand):
    held = {}
    _snapshot(hand, held)
    k2 = _case_id(hand, "K2")
    _write(hand, _new_case("NEW", G3, due_at=NOW - timedelta(hours=1)),
           update(Case).where(Case.id == k2).values(region_id=G1))
    kept = _snapshot(hand, held)
    fresh = _snapshot(hand, {})
    assert kept["grids"].equals(fresh["grids"])
    for key in ("open", "overdue", "reported_today", "closed_today", "reported_week"):
        assert kept["counters"][key] == fresh["counters"][key]
    assert (kept["counters"]["open"], kept["counters"]["overdue"]) == _registry(hand, NOW)
