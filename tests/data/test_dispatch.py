"""Dispatch suggestions on hand-built officers, patrols and fixes, on both stores.

Each test builds only the patrols its rule needs; the expected officer is known by
construction (see the map in ``tests/workflow_store.py``). Distances are checked against an
equirectangular estimate, a different formula from the module's haversine that agrees to
well under a metre at these few hundred metres.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, event

from data import dispatch, schema, store, workflow
from tests import workflow_store as ws
from tests.workflow_store import NOW

G1_CENTRE, G2_CENTRE, G3_CENTRE = (116.005, 39.905), (116.015, 39.905), (116.025, 39.905)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: fine for points a few km apart."""
    mean_lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(mean_lat)
    dy = math.radians(b[1] - a[1])
    return 6_371_008.8 * math.hypot(dx, dy)


@pytest.fixture
def ds(engine: Engine) -> Engine:
    ws.build(engine)
    return engine


def _case(engine: Engine, **kwargs) -> int:
    with store.transaction(engine) as conn:
        return ws.add_case(conn, schema.FILED, **kwargs)


def test_on_duty_in_the_grid_comes_first(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G2, lon=G2_CENTRE[0], lat=G2_CENTRE[1])
    with store.transaction(ds) as conn:
        # O2 set out 13 hours ago and never closed the patrol: not on duty any more
        ws.add_patrol(conn, ws.O2, ws.G2, NOW - timedelta(hours=13))
        # O3 is out in G2 now, 0.001° east of the case
        ws.add_patrol(conn, ws.O3, ws.G2, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=5), 116.016, 39.905)])
        # O4 stands on the case but patrols another grid
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=1), *G2_CENTRE)])
    s = dispatch.suggest(ds, case_id, NOW)
    assert (s.officer_id, s.officer_reason) == (ws.O3, "on_duty")
    assert s.officer_distance_m == pytest.approx(metres(G2_CENTRE, (116.016, 39.905)), abs=0.5)
    assert (s.department_id, s.department_reason) == (ws.CGJ, "category")
    assert (s.due_at, s.due_reason) == (NOW + timedelta(hours=2), "category")
    # the pick list: O3 on duty, then O2 (assigned, not out), then O4 by its fix
    near = dispatch.officers_near(ds, case_id, NOW)
    assert [(o.id, o.reason) for o in near] == [
        (ws.O3, "on_duty"), (ws.O2, "assigned"), (ws.O4, "nearest_fix")]
    assert near[2].distance_m == pytest.approx(0.0, abs=0.01)
    assert near[0].last_seen_at == NOW - timedelta(minutes=5) and near[1].last_seen_at is None
    assert (near[0].code, near[0].name, near[0].region_id) == ("W3", "李强", ws.G2)


def test_the_grids_own_officer_before_one_covering_it(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G2, lon=G2_CENTRE[0], lat=G2_CENTRE[1])
    with store.transaction(ds) as conn:
        ws.add_patrol(conn, ws.O3, ws.G2, NOW - timedelta(hours=2),
                      fixes=[(NOW - timedelta(minutes=3), 116.019, 39.909)])
        ws.add_patrol(conn, ws.O1, ws.G2, NOW - timedelta(hours=1),  # covering, nearer
                      fixes=[(NOW - timedelta(minutes=3), *G2_CENTRE)])
    near = dispatch.officers_near(ds, case_id, NOW, limit=2)
    assert [(o.id, o.reason) for o in near] == [(ws.O3, "on_duty"), (ws.O1, "on_duty")]


def test_a_vacant_grid_patrolled_by_a_neighbour(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G3, lon=G3_CENTRE[0], lat=G3_CENTRE[1])
    with store.transaction(ds) as conn:
        ws.add_patrol(conn, ws.O1, ws.G3, NOW - timedelta(minutes=30),
                      fixes=[(NOW - timedelta(minutes=1), 116.029, 39.909)])
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(minutes=30),
                      fixes=[(NOW - timedelta(minutes=1), *G3_CENTRE)])
    s = dispatch.suggest(ds, case_id, NOW)
    assert (s.officer_id, s.officer_reason) == (ws.O1, "on_duty")


def test_the_assigned_officer_when_nobody_is_on_patrol_there(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G2, lon=G2_CENTRE[0], lat=G2_CENTRE[1])
    with store.transaction(ds) as conn:
        # O3's patrol of G2 ended ten minutes ago; O4 is right on the case
        ws.add_patrol(conn, ws.O3, ws.G2, NOW - timedelta(hours=2), NOW - timedelta(minutes=10),
                      fixes=[(NOW - timedelta(minutes=11), *G2_CENTRE)])
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=1), *G2_CENTRE)])
    s = dispatch.suggest(ds, case_id, NOW)
    # two officers are assigned to G2; the lower id answers
    assert (s.officer_id, s.officer_reason, s.officer_distance_m) == (ws.O2, "assigned", None)
    near = dispatch.officers_near(ds, case_id, NOW)
    assert [(o.id, o.reason) for o in near] == [
        (ws.O2, "assigned"), (ws.O3, "assigned"), (ws.O4, "nearest_fix")]


def test_the_nearest_latest_fix_in_the_last_twelve_hours(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G3, lon=G3_CENTRE[0], lat=G3_CENTRE[1])
    o4_at = (116.027, 39.905)
    with store.transaction(ds) as conn:
        # O1 passed the case three hours ago, but was last seen in G1
        ws.add_patrol(conn, ws.O1, ws.G1, NOW - timedelta(hours=4), NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(hours=3), *G3_CENTRE),
                             (NOW - timedelta(minutes=70), *G1_CENTRE)])
        # O2 stood on the case 13 hours ago: too old to say where O2 is
        ws.add_patrol(conn, ws.O2, ws.G2, NOW - timedelta(hours=14), NOW - timedelta(hours=12.5),
                      fixes=[(NOW - timedelta(hours=13), *G3_CENTRE)])
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=20), *o4_at)])
        # a fix after "now" (a later view of the data) is not known at now
        ws.add_patrol(conn, ws.O3, ws.G2, NOW + timedelta(hours=1),
                      fixes=[(NOW + timedelta(hours=1), *G3_CENTRE)])
    s = dispatch.suggest(ds, case_id, NOW)
    assert (s.officer_id, s.officer_reason) == (ws.O4, "nearest_fix")
    assert s.officer_distance_m == pytest.approx(metres(G3_CENTRE, o4_at), abs=0.5)
    near = dispatch.officers_near(ds, case_id, NOW)
    assert [(o.id, o.reason) for o in near] == [(ws.O4, "nearest_fix"), (ws.O1, "nearest_fix")]
    assert near[1].distance_m == pytest.approx(metres(G3_CENTRE, G1_CENTRE), abs=0.5)
    assert near[1].last_seen_at == NOW - timedelta(minutes=70)
    assert [o.id for o in dispatch.officers_near(ds, case_id, NOW, limit=1)] == [ws.O4]


def test_a_case_without_a_point_is_measured_from_its_grid(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G3, lon=None, lat=None)
    with store.transaction(ds) as conn:
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=2), 116.025, 39.9075)])
    s = dispatch.suggest(ds, case_id, NOW)
    assert (s.officer_id, s.officer_reason) == (ws.O4, "nearest_fix")
    assert s.officer_distance_m == pytest.approx(metres(G3_CENTRE, (116.025, 39.9075)), abs=0.5)


def test_why_there_is_no_officer(ds: Engine) -> None:
    nowhere = _case(ds, region_id=None, lon=None, lat=None)
    vacant = _case(ds, region_id=ws.G3, lon=G3_CENTRE[0], lat=G3_CENTRE[1])
    got = dispatch.suggest_many(ds, [nowhere, vacant], NOW)
    assert (got[vacant].officer_id, got[vacant].officer_reason) == (None, "no_officer_seen")
    with store.transaction(ds) as conn:
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=2), *G1_CENTRE)])
    s = dispatch.suggest(ds, nowhere, NOW)
    assert (s.officer_id, s.officer_reason, s.officer_distance_m) == (None, "no_location", None)
    assert dispatch.officers_near(ds, nowhere, NOW) == []


def test_deadlines_in_working_days_across_a_weekend(ds: Engine) -> None:
    case_id = _case(ds, subcategory=ws.DAILY)
    # Friday 2026-11-20 10:00 in Shanghai + 3 working days: Wednesday 11-25 10:00 (02:00 UTC)
    friday = datetime(2026, 11, 20, 2, 0)
    s = dispatch.suggest(ds, case_id, friday)
    assert (s.due_at, s.department_id) == (datetime(2026, 11, 25, 2, 0), ws.ZJJ)
    # Saturday: the clock starts on Monday 08:30 (data/deadlines.py), due Thursday 08:30
    saturday = datetime(2026, 11, 21, 2, 0)
    assert dispatch.suggest(ds, case_id, saturday).due_at == datetime(2026, 11, 26, 0, 30)
    # hours run through the weekend
    hourly = _case(ds, subcategory=ws.HOURLY)
    assert dispatch.suggest(ds, hourly, saturday).due_at == datetime(2026, 11, 21, 4, 0)


def test_without_a_category_row(ds: Engine) -> None:
    unknown = _case(ds, subcategory="不在分类表中")
    blank = _case(ds, subcategory=None)
    orphan = _case(ds, subcategory=ws.ORPHAN)
    got = dispatch.suggest_many(ds, [unknown, blank, orphan], NOW)
    assert [(got[c].department_id, got[c].department_reason, got[c].due_at, got[c].due_reason)
            for c in (unknown, blank, orphan)] == [
        (None, "no_category", None, "no_category"),
        (None, "no_subcategory", None, "no_subcategory"),
        (None, "category_has_no_department", NOW + timedelta(hours=24), "category")]


def test_suggest_many_agrees_with_suggest_in_a_fixed_number_of_queries(ds: Engine) -> None:
    with store.transaction(ds) as conn:
        ws.add_patrol(conn, ws.O3, ws.G2, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=5), 116.016, 39.905)])
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=5), 116.021, 39.901)])
    grids = [(ws.G1, G1_CENTRE), (ws.G2, G2_CENTRE), (ws.G3, G3_CENTRE), (None, (None, None))]
    subs = [ws.HOURLY, ws.DAILY, ws.ORPHAN, "不在分类表中", None]
    ids = [_case(ds, region_id=g, lon=p[0], lat=p[1], subcategory=subs[i % len(subs)])
           for i, (g, p) in enumerate(grids * 10)]

    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        statements.append(statement)

    event.listen(ds, "before_cursor_execute", count)
    try:
        few = dispatch.suggest_many(ds, ids[:4], NOW)
        n_few = len(statements)
        statements.clear()
        many = dispatch.suggest_many(ds, ids, NOW)
        n_many = len(statements)
    finally:
        event.remove(ds, "before_cursor_execute", count)
    assert n_many == n_few
    assert list(many) == ids and {k: many[k] for k in few} == few
    for case_id in ids[:8]:  # one of each grid and subcategory kind, one by one
        assert dispatch.suggest(ds, case_id, NOW) == many[case_id]


def test_unknown_cases_are_named(ds: Engine) -> None:
    known = _case(ds)
    with pytest.raises(workflow.CaseNotFound) as caught:
        dispatch.suggest_many(ds, [known, 901, 902], NOW)
    assert caught.value.values["case_ids"] == [901, 902] and "901, 902" in str(caught.value)
    with pytest.raises(workflow.CaseNotFound):
        dispatch.officers_near(ds, 903, NOW)
    assert dispatch.suggest_many(ds, [], NOW) == {}


def test_departments_for_the_pick_list(ds: Engine) -> None:
    assert [(d.id, d.code, d.name) for d in dispatch.departments(ds)] == [
        (ws.CGJ, "CGJ", "县城市管理局"), (ws.SWJ, "SWJ", "县水务局"),
        (ws.ZJJ, "ZJJ", "县住房和城乡建设局")]


def test_suggestions_feed_a_batch_dispatch(ds: Engine) -> None:
    with store.transaction(ds) as conn:
        ws.add_patrol(conn, ws.O3, ws.G2, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=5), *G2_CENTRE)])
    a = _case(ds, region_id=ws.G1, subcategory=ws.HOURLY)
    b = _case(ds, region_id=ws.G2, lon=G2_CENTRE[0], lat=G2_CENTRE[1], subcategory=ws.DAILY)
    got = dispatch.suggest_many(ds, [a, b], NOW)
    items = [(c, 1, {"department_id": got[c].department_id, "officer_id": got[c].officer_id})
             for c in (a, b)]
    results = workflow.apply_many(ds, items, "dispatch", actor="指挥员", now=NOW)
    assert [(r.state.department_id, r.state.officer_id, r.state.due_at) for r in results] == [
        (ws.CGJ, ws.O1, NOW + timedelta(hours=2)),
        # Wednesday 10:00 + 3 working days: Monday 11-23 10:00 (02:00 UTC)
        (ws.ZJJ, ws.O3, datetime(2026, 11, 23, 2, 0))]
