"""place and search_places on the intake store: edges, overlaps, gaps, codes, outside."""

from __future__ import annotations

import pytest
from shapely import box, to_wkb
from sqlalchemy import insert, update

from data import schema, store
from data.intake.fields import IntakeRefused
from data.intake.placement import place, search_places
from data.models import Case, Region
from tests.data.intake.intake_store import (G1, G2, G3, G5, G9, IN_G1, IN_T2_ONLY, NOW,
                                            OUTSIDE, T1, T2)


def refused(conn, **where) -> set[tuple[str, str]]:
    with pytest.raises(IntakeRefused) as error:
        place(conn, **where)
    return {(p.field, p.code) for p in error.value.problems}


@pytest.mark.parametrize("lon,lat,region", [
    (116.005, 39.905, G1), (116.015, 39.905, G2),
    (116.01, 39.905, G1),     # on the edge of G1 and G2: both cover it, G1 is the smaller code
    (116.00, 39.90, G1),      # the county's corner
    (116.0275, 39.905, G3),   # G3 and G9 overlap: G3 is the smaller code
    (116.032, 39.905, G9),    # G9 alone
    (116.038, 39.905, T2),    # no grid here: the deepest region covering it is the town
])
def test_a_point_goes_to_the_deepest_region_covering_it(intake, lon, lat, region):
    with intake.connect() as conn:
        got = place(conn, lon=lon, lat=lat)
    assert (got.region_id, got.method, got.lon, got.lat) == \
        (region, schema.LOCATED_BY_POINT, lon, lat)


def test_the_names_run_from_the_top_down(intake):
    with intake.connect() as conn:
        got = place(conn, lon=IN_G1[0], lat=IN_G1[1])
    assert (got.region_code, got.region_name, got.names) == \
        ("G1", "城关镇第1网格", ("清源县", "城关镇", "城关镇第1网格"))


def test_a_point_outside_every_region_is_refused(intake):
    with intake.connect() as conn:
        assert refused(conn, lon=OUTSIDE[0], lat=OUTSIDE[1]) == {("lat", "outside_regions")}
        assert refused(conn, lon=116.005, lat=39.9101) == {("lat", "outside_regions")}


def test_a_code_alone_places_without_a_point(intake):
    with intake.connect() as conn:
        got = place(conn, region_code="G5")  # G5 has no boundary at all
        assert (got.region_id, got.method, got.lon, got.lat, got.names) == \
            (G5, schema.LOCATED_BY_CODE, None, None, ("清源县", "青山镇", "青山镇第5网格"))
        assert refused(conn, region_code="G77") == {("region_code", "unknown_region")}
        assert refused(conn) == {("lat", "missing")}


def test_with_both_the_point_decides_within_the_named_region(intake):
    with intake.connect() as conn:
        got = place(conn, lon=IN_G1[0], lat=IN_G1[1], region_code="T1")
        assert (got.region_id, got.method) == (G1, schema.LOCATED_BY_POINT)
        assert refused(conn, lon=IN_G1[0], lat=IN_G1[1], region_code="T2") == \
            {("lat", "outside_regions")}
        assert refused(conn, lon=IN_G1[0], lat=IN_G1[1], region_code="nope") == \
            {("region_code", "unknown_region")}


def test_new_boundaries_are_read_once_the_regions_version_moves(intake):
    with intake.connect() as conn:
        assert place(conn, lon=IN_T2_ONLY[0], lat=IN_T2_ONLY[1]).region_id == T2
    with store.transaction(intake) as conn:
        conn.execute(update(Region).where(Region.id == G9)
                     .values(geometry=to_wkb(box(116.025, 39.90, 116.04, 39.91))))
        store.bump_regions_version(conn)
    with intake.connect() as conn:
        assert place(conn, lon=IN_T2_ONLY[0], lat=IN_T2_ONLY[1]).region_id == G9


def test_search_finds_regions_named_in_the_text_deepest_first(intake):
    with intake.connect() as conn:
        got = search_places(conn, "青山镇第9网格菜市场门口")
        assert [p.region_id for p in got] == [G9, T2]
        assert all(p.method == schema.LOCATED_BY_CODE and p.lon is None for p in got)
        # part of a name: every region whose name contains it, deepest and longest first
        assert [p.region_code for p in search_places(conn, "城关")] == ["G1", "G2", "T1"]
        assert [p.region_code for p in search_places(conn, "城关", limit=2)] == ["G1", "G2"]


def test_search_finds_the_points_of_recent_cases_with_that_address(intake):
    with store.transaction(intake) as conn:
        conn.execute(insert(Case), [
            {"code": code, "status": "reported", "location_method": "point", "version": 1,
             "address": address, "lon": lon, "lat": lat, "region_id": region,
             "reported_at": store.utcnow() - age}
            for code, address, lon, lat, region, age in [
                ("A1", "幸福路8号", 116.015, 39.905, G2, NOW - NOW),
                ("A2", "幸福路8号", 116.015, 39.905, G2, NOW - NOW),    # the same point
                ("A3", "幸福路8号旁", 116.005, 39.906, G1, NOW - NOW),   # contains it
                ("A4", "幸福路8号", 116.032, 39.905, G9, NOW - NOW.replace(year=2025)),  # old
                ("A5", "幸福路%8号", 116.001, 39.901, G1, NOW - NOW),  # a LIKE wildcard
            ]])
    with intake.connect() as conn:
        got = search_places(conn, "幸福路8号")
        assert [(p.region_id, p.method, p.lon, p.lat) for p in got] == [
            (G2, schema.LOCATED_BY_POINT, 116.015, 39.905),
            (G1, schema.LOCATED_BY_POINT, 116.005, 39.906)]


@pytest.mark.parametrize("text", ["", "   ", "x" * 501, "人民路\x00", None, 42, "火星"])
def test_search_finds_nothing_for_text_it_cannot_use(intake, text):
    with intake.connect() as conn:
        assert search_places(conn, text) == []
