"""Stage traffic lights: for one case, in SQL and per column of a frame, at the edges."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from data.cases import stages
from data.cases.listing import case_page
from data.cases.points import open_case_points
from data.cases.stages import stage_light
from tests.data.cases.hand_store import G1, SHI, build, flt


T0 = datetime(2026, 3, 1, 8, 0)


@pytest.mark.parametrize("status, limit", [
    ("reported", timedelta(hours=2)), ("filed", timedelta(hours=4)),
    ("resolved", timedelta(hours=24)), ("dispatched", timedelta(hours=30)),
])
@pytest.mark.parametrize("share, light", [
    (0, "green"), (79, "green"), (80, "yellow"), (100, "yellow"), (101, "red"),
])
def test_stage_lights_at_the_edges(status, limit, share, light):
    due = T0 + limit if status == "dispatched" else None
    now = T0 + limit * share / 100
    assert stage_light(status, T0, due, now) == light


def test_stages_without_a_light():
    assert stage_light("suspended", T0, T0 + timedelta(hours=1), T0) is None
    assert stage_light("closed", T0, None, T0) is None
    assert stage_light("dispatched", T0, None, T0) is None  # no deadline
    assert stages.STAGE_LIMITS == {"reported": timedelta(hours=2),
                                    "filed": timedelta(hours=4),
                                    "resolved": timedelta(hours=24)}


def test_the_database_lights_agree_at_the_edges(engine):
    """The list's light filter (SQL) puts each case where stage_light puts it."""
    now = datetime(2026, 3, 20, 12, 0)
    cases = []
    expected = {}
    for status, limit in (("reported", timedelta(hours=2)), ("filed", timedelta(hours=4)),
                          ("resolved", timedelta(hours=24)),
                          ("dispatched", timedelta(hours=30))):
        for share, light in ((79, "green"), (80, "yellow"), (100, "yellow"), (101, "red")):
            since = now - limit * share / 100
            code = f"{status[:3]}{share}"
            cases.append((code, G1, status, SHI, "暴露垃圾", "patrol", since - timedelta(hours=1),
                          since if status != "reported" else None,
                          since if status in ("dispatched", "resolved") else None,
                          since if status == "resolved" else None, None, None,
                          since + limit if status == "dispatched" else None, False, "", "x"))
            if status == "reported":
                cases[-1] = cases[-1][:6] + (since,) + cases[-1][7:]
            expected[code] = light
    build(engine, cases=cases)
    with engine.connect() as conn:
        rows, _ = case_page(conn, flt(), now, end_row=100)
        assert {r["code"]: r["stage_light"] for r in rows} == expected
        points = open_case_points(conn, "C", now)  # the rule per column
        assert dict(zip(points["code"], points["stage_light"])) == expected
        for light in ("green", "yellow", "red"):
            got, _ = case_page(conn, flt(), now, end_row=100, filter_model={
                "stage_light": {"filterType": "set", "values": [light]}})
            assert {r["code"] for r in got} == {c for c, v in expected.items() if v == light}
