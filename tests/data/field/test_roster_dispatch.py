"""The roster in dispatch: an inactive officer is neither suggested nor offered, and a
dispatch to one is refused; an officer serving a grid through ``officer_regions`` counts as
that grid's officer. On the workflow store's map (``tests/workflow_store.py``): O1 in G1,
O2 and O3 in G2, nobody in G3, O4 a floater."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, insert

from data import dispatch, schema, store, workflow
from data.models import OfficerRegion, OfficerRoster
from layouts.text import t_error
from tests import workflow_store as ws
from tests.workflow_store import NOW

G2_CENTRE, G3_CENTRE = (116.015, 39.905), (116.025, 39.905)


@pytest.fixture
def ds(engine: Engine) -> Engine:
    ws.build(engine)
    return engine


def _leave(conn, officer_id: int) -> None:
    conn.execute(insert(OfficerRoster).values(
        officer_id=officer_id, role=schema.FULL_TIME, active=False,
        joined_at=NOW - timedelta(days=90), left_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1)))


def _case(engine: Engine, status: str = schema.FILED, **kwargs) -> int:
    with store.transaction(engine) as conn:
        return ws.add_case(conn, status, **kwargs)


def test_an_inactive_officer_is_not_suggested_or_offered(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G2, lon=G2_CENTRE[0], lat=G2_CENTRE[1])
    with store.transaction(ds) as conn:
        _leave(conn, ws.O2)
        # O2 (left) is even out on G2 with a fix on the case: still not offered
        ws.add_patrol(conn, ws.O2, ws.G2, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=2), *G2_CENTRE)])
        ws.add_patrol(conn, ws.O4, ws.G1, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=2), 116.012, 39.905)])
    s = dispatch.suggest(ds, case_id, NOW)
    assert (s.officer_id, s.officer_reason) == (ws.O3, "assigned")
    near = dispatch.officers_near(ds, case_id, NOW, limit=None)
    assert [(o.id, o.reason) for o in near] == [(ws.O3, "assigned"), (ws.O4, "nearest_fix")]


def test_an_officer_serving_a_grid_through_the_roster_counts_for_it(ds: Engine) -> None:
    case_id = _case(ds, region_id=ws.G3, lon=G3_CENTRE[0], lat=G3_CENTRE[1])
    assert dispatch.suggest(ds, case_id, NOW).officer_reason == "no_officer_seen"
    with store.transaction(ds) as conn:
        # O1's home is G1, and the roster says O1 serves G3 too; O4 (no home) serves G3
        conn.execute(insert(OfficerRegion), [
            {"officer_id": ws.O4, "region_id": ws.G3},
            {"officer_id": ws.O1, "region_id": ws.G1},
            {"officer_id": ws.O1, "region_id": ws.G3}])
    s = dispatch.suggest(ds, case_id, NOW)
    assert (s.officer_id, s.officer_reason) == (ws.O1, "assigned")
    near = dispatch.officers_near(ds, case_id, NOW, limit=None)
    assert [(o.id, o.reason, o.region_id) for o in near] == [
        (ws.O1, "assigned", ws.G1), (ws.O4, "assigned", None)]
    # on patrol in G3, a serving officer is one of the grid's own: before a passer-by
    with store.transaction(ds) as conn:
        ws.add_patrol(conn, ws.O2, ws.G3, NOW - timedelta(hours=1),
                      fixes=[(NOW - timedelta(minutes=1), *G3_CENTRE)])
        ws.add_patrol(conn, ws.O4, ws.G3, NOW - timedelta(hours=2),
                      fixes=[(NOW - timedelta(minutes=1), 116.029, 39.909)])
    near = dispatch.officers_near(ds, case_id, NOW, limit=3)
    assert [(o.id, o.reason) for o in near] == [
        (ws.O4, "on_duty"), (ws.O2, "on_duty"), (ws.O1, "assigned")]


def test_a_dispatch_to_an_inactive_officer_is_refused(ds: Engine) -> None:
    case_id = _case(ds)
    with store.transaction(ds) as conn:
        _leave(conn, ws.O2)
    before = ws.snapshot(ds, case_id)
    with pytest.raises(workflow.InvalidParameter) as caught:
        workflow.apply(ds, case_id, "dispatch", actor="甲", expected_version=1, now=NOW,
                       department_id=ws.CGJ, officer_id=ws.O2)
    error = caught.value
    assert (error.values["parameter"], error.values["problem"], error.values["value"]) == \
        ("officer_id", "inactive_officer", ws.O2)
    assert "has left" in str(error)
    assert ws.snapshot(ds, case_id) == before
    assert t_error(error.key, error.values, "zh").endswith("无效：该网格员已离岗，不能派遣")
    assert t_error(error.key, error.values, "en").endswith(
        "is not valid: this officer has left and cannot be dispatched to")
    # an active one (O3), and one without a roster row (O1), are dispatched to
    state = workflow.apply(ds, case_id, "dispatch", actor="甲", expected_version=1, now=NOW,
                           department_id=ws.CGJ, officer_id=ws.O3)
    assert state.officer_id == ws.O3
