"""find_suspects and flag: the radius, the window, the subcategory, open cases only."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from sqlalchemy import select

from data import schema, store
from data.intake.duplicates import MOST_SUSPECTS, distance_m, find_suspects, flag
from data.models import CaseLink
from tests.data.intake.intake_store import DAILY, G1, HOURLY, IN_G1, NOW, add_case

LON, LAT = IN_G1
#: Metres per degree of latitude on the haversine's sphere.
M_PER_DEG = 6_371_008.8 * math.pi / 180


def north(metres: float) -> float:
    return LAT + metres / M_PER_DEG


def east(metres: float) -> float:
    return LON + metres / (M_PER_DEG * math.cos(math.radians(LAT)))


def suspects(conn, **changes):
    args = dict(subcategory=DAILY, lon=LON, lat=LAT, region_id=G1, now=NOW, radius_m=50.0,
                hours=72.0)
    args.update(changes)
    return find_suspects(conn, **args)


def test_the_distance_is_the_great_circle_one():
    assert distance_m(LON, LAT, LON, north(100)) == pytest.approx(100, abs=1e-6)
    assert distance_m(0, 0, 180, 0) == pytest.approx(math.pi * 6_371_008.8)


def test_within_the_radius_and_the_window_nearest_first(intake):
    near = add_case(intake, "N49", lat=north(49))
    nearer = add_case(intake, "E30", lon=east(30), reported_at=NOW - timedelta(hours=71))
    add_case(intake, "N51", lat=north(51))
    add_case(intake, "E51", lon=east(51))
    add_case(intake, "OLD", reported_at=NOW - timedelta(hours=73))
    add_case(intake, "LATER", reported_at=NOW + timedelta(minutes=1))
    with intake.connect() as conn:
        got = suspects(conn)
    assert [(s.case_id, s.code) for s in got] == [(nearer, "E30"), (near, "N49")]
    assert got[1].distance_m == pytest.approx(49, abs=0.01)
    assert (got[0].reported_at, got[0].status) == (NOW - timedelta(hours=71),
                                                    schema.DISPATCHED)


def test_the_window_and_radius_are_the_arguments(intake):
    add_case(intake, "OLD", lat=north(80), reported_at=NOW - timedelta(hours=100))
    with intake.connect() as conn:
        assert suspects(conn) == []
        assert [s.code for s in suspects(conn, radius_m=100, hours=120)] == ["OLD"]


def test_only_open_cases_of_the_same_subcategory_with_a_point(intake):
    add_case(intake, "OTHER", subcategory=HOURLY)
    for status in (schema.CLOSED, schema.VOIDED):
        add_case(intake, status, status=status)
    add_case(intake, "BYCODE", lon=None, lat=None)
    kept = {s: add_case(intake, f"K-{s}", status=s) for s in schema.OPEN_STATUSES}
    with intake.connect() as conn:
        got = suspects(conn)
        assert sorted(s.case_id for s in got) == sorted(kept.values())
        assert suspects(conn, exclude=kept[schema.REPORTED]) == \
            [s for s in got if s.case_id != kept[schema.REPORTED]]
        # a new case with no point (placed by code) suspects nothing
        assert suspects(conn, lon=None, lat=None) == []
        assert suspects(conn, subcategory=None) == []


def test_a_hot_spot_keeps_the_nearest_few(intake):
    ids = [add_case(intake, f"H{i}", lat=north(i)) for i in range(MOST_SUSPECTS + 3)]
    with intake.connect() as conn:
        assert [s.case_id for s in suspects(conn)] == ids[:MOST_SUSPECTS]


def test_flag_writes_suspected_duplicate_links(intake):
    older = add_case(intake, "OLD1", lat=north(10))
    newer = add_case(intake, "NEW1")
    with store.transaction(intake) as conn:
        found = suspects(conn, exclude=newer)
        assert flag(conn, newer, found, NOW) == 1
    with intake.connect() as conn:
        rows = conn.execute(select(CaseLink.case_id, CaseLink.other_id, CaseLink.kind,
                                   CaseLink.state, CaseLink.distance_m)).all()
    assert [tuple(r) for r in rows] == [(newer, older, schema.DUPLICATE, schema.SUSPECTED,
                                         pytest.approx(10, abs=0.1))]
