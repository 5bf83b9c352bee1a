"""The cases the console's map draws as points."""

from __future__ import annotations

from data.cases import points
from tests.data.cases.hand_store import NOW, flt


def test_open_case_points(hand):
    with hand.connect() as conn:
        town = points.open_case_points(conn, "T1", NOW)
        closed_too = points.open_case_points(conn, "T1", NOW, flt(region_code="T1"),
                                             include_closed=True)
        hotline = points.open_case_points(conn, "T1", NOW, flt(sources=("hotline",)))
        grid = points.open_case_points(conn, "G3", NOW)
    assert list(town.columns) == list(points.POINT_COLUMNS)
    # open in G1/G2 with coordinates: A2 A3 A8 (A4 has none)
    assert sorted(town["code"]) == ["A2", "A3", "A8"]
    flags = dict(zip(town["code"], town["long_unfixed"]))
    assert flags == {"A2": True, "A3": False, "A8": False}  # A8 is suspended
    assert dict(zip(town["code"], town["stage_light"])) == {"A2": "red", "A3": "green",
                                                            "A8": None}
    # + closed in the period: A1 A11 A12, and A9 (reported before it)
    assert sorted(closed_too["code"]) == ["A1", "A11", "A12", "A2", "A3", "A8", "A9"]
    assert hotline["code"].tolist() == ["A2"]
    assert sorted(grid["code"]) == ["A5", "A6"]  # A7 is voided
    assert town.loc[town["code"] == "A2", "lon"].item() == 104.0
