"""The wall's alerts as data (data/wall_alerts.py): the book's open red and orange alerts
of a region in the book's own order, each placed, and the counters a refresh compares;
on the tiny county of tests/alert_store.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from data import store
from data.alerts import book
from data.alerts.finding import Finding
from data.models import Region
from data.regions import UnknownRegion
from data.wall_alerts import Versions, wall_alerts, wall_versions
from tests import alert_store
from tests.alert_store import G1, G2, G3, T1

T0 = datetime(2026, 11, 20, 8, 0)


def _finding(name: str, level: str, region_id: int | None, **facts) -> Finding:
    return Finding("blind_spot", f"blind_spot:{name}", level, region_id, T0, (),
                   facts or {"days_without_patrol": 9, "cases": 2, "days": 7,
                             "last_visit_at": None})


def _write(engine, moment: datetime, *findings: Finding) -> None:
    with store.transaction(engine) as conn:
        by_rule: dict[str, list[Finding]] = {"blind_spot": [], "stuck_case": []}
        for f in findings:
            by_rule[f.rule].append(f)
        book.apply_findings(conn, moment, by_rule)


def test_the_open_red_and_orange_alerts_in_the_book_s_order(engine):
    alert_store.build(engine)
    with store.transaction(engine) as conn:
        conn.execute(update(Region).where(Region.id == G1).values(centroid_lon=116.1,
                                                                  centroid_lat=39.1))
    found = [_finding("g1-orange", "orange", G1), _finding("g3-red", "red", G3),
             _finding("g1-yellow", "yellow", G1),
             _finding("g2-red", "red", G2, lon=116.25, lat=39.25),
             _finding("g2-bad-point", "orange", G2, lon="east", lat=True),
             _finding("nowhere", "red", None)]
    for i in range(len(found)):  # one by one: each newer than the one before
        _write(engine, T0 + timedelta(minutes=i), *found[:i + 1])
    _write(engine, T0 + timedelta(minutes=9), *found[1:])  # g1-orange closes by itself
    with engine.connect() as conn:
        county = wall_alerts(conn, "C")
        town = wall_alerts(conn, "T1")
        listed = [row.id for level in ("red", "orange")
                  for row in book.list_alerts(conn, T1, state="open", level=level)]
        with pytest.raises(UnknownRegion):
            wall_alerts(conn, "NOPE")
    names = {a.id: a for a in county}
    assert [a.level for a in county] == ["red", "red", "orange"]
    assert [a.region_name for a in county] == ["城关镇第2网格", "青山镇第1网格", "城关镇第2网格"]
    assert [a.id for a in town] == listed  # the book's order, red first then newest
    by_region = {a.region_name: a for a in county if a.level == "red"}
    assert (by_region["城关镇第2网格"].lon, by_region["城关镇第2网格"].lat) == (116.25, 39.25)
    assert (by_region["青山镇第1网格"].lon, by_region["青山镇第1网格"].lat) == (None, None)
    bad = next(a for a in county if a.level == "orange")
    assert (bad.lon, bad.lat) == (None, None)  # G2 has no centroid; the facts' point is junk
    assert by_region["青山镇第1网格"].level_name == "网格"
    assert len(names) == 3  # the region-less alert is under no region of the county


def test_the_versions_a_refresh_compares_in_one_read(engine):
    alert_store.build(engine)
    with engine.connect() as conn:
        before = wall_versions(conn)
    assert before.alerts == 0
    _write(engine, T0, _finding("a", "red", G1))
    alert_store.add(engine, alert_store.case("X1", T0))
    with engine.connect() as conn:
        after = wall_versions(conn)
        assert after == Versions(store.data_version(conn), book.alerts_version(conn),
                                 store.regions_version(conn))
    assert after.alerts == 1 and after.data > before.data
