"""Repeat location (data/alerts/repeat.py) on hand-built stores, both stores: the clusters
that must alert (a chain of near neighbours, a long chain cut into spots, levels by size,
one subcategory), and the
quiet cases that must not (two cases, three 60 m apart with radius 50, cases older than
the window, reported after as_of, voided)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pytest

from data import schema
from data.alerts import repeat
from tests import alert_store
from tests.alert_store import G1, G2, LON, add, case, north

AS_OF = datetime(2026, 3, 31, 12)
PARAMS = {"radius_m": 50, "days": 30, "min_cases": 3, "same_category": False,
          "red_cases": 6, "orange_cases": 4}


def _at(code: str, metres: float, days_before: float, **more) -> dict:
    """A case ``metres`` north of the point, reported ``days_before`` days before AS_OF."""
    return case(code, AS_OF - timedelta(days=days_before), lon=LON, lat=north(metres), **more)


def _detect(engine, as_of=AS_OF, **params):
    with engine.connect() as conn:
        return repeat.detect(conn, {**PARAMS, **params}, as_of)


@pytest.fixture
def county(engine):
    alert_store.build(engine)
    return engine


def test_a_chain_of_near_cases_is_one_cluster(county):
    # A-B 40 m, B-C 40 m: A and C are 80 m apart, linked through B (single linkage)
    ids = add(county, _at("A", 0, 3, region_id=G2), _at("B", 40, 2), _at("C", 80, 1),
              _at("FAR", 500, 1))
    [found] = _detect(county)
    assert found.key == f"repeat_location:{ids['A']}"
    assert found.case_ids == tuple(sorted((ids["A"], ids["B"], ids["C"])))
    assert found.level == "yellow"
    assert found.region_id == G1  # two of its three cases
    assert found.started_at == AS_OF - timedelta(days=3)
    assert found.facts == {"cases": 3, "radius_m": 50, "days": 30, "category": None,
                           "lon": LON, "lat": round(north(40), 6)}
    assert json.loads(json.dumps(found.facts)) == found.facts  # the book keeps them as JSON


def test_a_chain_along_a_street_is_cut_into_spots(county):
    # ten cases 40 m apart along a line (a graffiti crew's sweep of a street): 360 m from
    # end to end is no one place. Each spot is a case and those within 50 m of it; the
    # tenth case is left over.
    ids = add(county, *[_at(f"S{i}", 40 * i, 10 - i * 0.5) for i in range(10)])
    found = sorted(_detect(county), key=lambda f: f.case_ids)
    assert [f.case_ids for f in found] == [tuple(ids[f"S{i}"] for i in trio)
                                           for trio in ((0, 1, 2), (3, 4, 5), (6, 7, 8))]
    # one episode: the first spot has its earliest case's key, the others their own
    assert [f.key for f in found] == [f"repeat_location:{ids[f'S{i}']}" for i in (0, 3, 6)]
    for spot in found:
        lats = [north(40 * i) for i in range(10)
                if ids[f"S{i}"] in spot.case_ids]
        assert (max(lats) - min(lats)) * alert_store.M_PER_DEGREE <= 2 * 50 + 1e-6


def test_a_spot_with_a_chain_hanging_off_it_keeps_the_spot_whole(county):
    # five cases at one address (0-8 m), a link 55 m out (within 50 m of the two farthest)
    # and another 100 m out (within 50 m of the link only): one linked cluster of seven,
    # no case within 50 m of all. The spot is the address and the link near it (six: red);
    # the far link alone makes none.
    ids = add(county, *[_at(f"P{i}", 2 * i, 5 - i * 0.5) for i in range(5)],
              _at("L1", 55, 1), _at("L2", 100, 0.5))
    [found] = _detect(county)
    assert set(found.case_ids) == {ids[f"P{i}"] for i in range(5)} | {ids["L1"]}
    assert found.level == "red" and found.facts["cases"] == 6
    assert found.key == f"repeat_location:{ids['P0']}"


def test_one_event_reported_many_times_in_a_day_is_no_repeat_with_min_days_2(county):
    # six reports of one spot within an hour (a crew logging one wall): one local day
    one_day = [case(f"H{i}", AS_OF - timedelta(hours=5, minutes=10 * i), lon=LON,
                    lat=north(i)) for i in range(6)]
    ids = add(county, *one_day)
    assert _detect(county, min_days=2) == []
    [same_day] = _detect(county, min_days=1)
    assert set(same_day.case_ids) == set(ids.values())
    # one more report there on another day: the spot came back
    ids = add(county, _at("NEXT", 3, 1.5))
    [back] = _detect(county, min_days=2)
    assert set(back.case_ids) == set(ids.values()) and back.facts["cases"] == 7


def test_days_are_the_deployments_local_days(county):
    # 23:30 and 00:30 UTC are one local day in Beijing (07:30 and 08:30)
    from data import store as store_module

    with store_module.transaction(county) as conn:
        store_module.set_meta(conn, "timezone", "Asia/Shanghai")
    midnight = datetime(2026, 3, 30)
    add(county, case("A", midnight - timedelta(minutes=30), lon=LON, lat=north(0)),
        case("B", midnight + timedelta(minutes=20), lon=LON, lat=north(5)),
        case("C", midnight + timedelta(minutes=30), lon=LON, lat=north(10)))
    assert _detect(county, min_days=2) == []
    with store_module.transaction(county) as conn:  # in UTC they are two days
        store_module.set_meta(conn, "timezone", "UTC")
    assert len(_detect(county, min_days=2)) == 1


def test_two_cases_near_each_other_do_not_alert(county):
    add(county, _at("A", 0, 2), _at("B", 10, 1))
    assert _detect(county) == []


def test_three_cases_60_m_apart_with_radius_50_do_not_alert(county):
    add(county, _at("A", 0, 3), _at("B", 60, 2), _at("C", 120, 1))
    assert _detect(county) == []
    assert len(_detect(county, radius_m=65)) == 1  # the same cases within 65 m do


def test_cases_older_than_the_window_are_left_out(county):
    add(county, _at("OLD", 0, 30.5), _at("B", 10, 2), _at("C", 20, 1))
    assert _detect(county) == []
    assert len(_detect(county, days=31)) == 1


def test_a_case_reported_after_as_of_has_not_happened_yet(county):
    ids = add(county, _at("A", 0, 2), _at("B", 10, 1), _at("LATER", 20, -0.5))
    assert _detect(county) == []
    [later] = _detect(county, as_of=AS_OF + timedelta(days=1))
    assert ids["LATER"] in later.case_ids


def test_a_voided_case_is_left_out_unless_voided_after_as_of(county):
    add(county, _at("A", 0, 2), _at("B", 10, 1),
        _at("V", 20, 1, status=schema.VOIDED, voided_at=AS_OF - timedelta(hours=1)))
    assert _detect(county) == []
    assert _detect(county, as_of=AS_OF - timedelta(hours=2))[0].facts["cases"] == 3


def test_closed_cases_count_and_levels_follow_the_size(county):
    add(county, *[_at(f"K{i}", 10 * i, 1 + i / 10, status=schema.CLOSED,
                      closed_at=AS_OF - timedelta(hours=1)) for i in range(4)])
    assert [f.level for f in _detect(county)] == ["orange"]
    add(county, _at("K4", 40, 0.5), _at("K5", 50, 0.4))
    assert [f.level for f in _detect(county)] == ["red"]


def test_the_key_stays_as_the_cluster_grows(county):
    add(county, _at("A", 0, 5), _at("B", 10, 4), _at("C", 20, 3))
    [before] = _detect(county, as_of=AS_OF - timedelta(days=2))
    add(county, _at("D", 30, 1))
    [after] = _detect(county)
    assert after.key == before.key and after.facts["cases"] == before.facts["cases"] + 1


#: An epoch boundary of the keys for 30 days (2000-01-01 + 319 × 30 days).
EPOCH_EDGE = datetime(2026, 3, 15)


def _on(code: str, metres: float, day: float) -> dict:
    """A case ``metres`` north of the point, reported ``day`` days after EPOCH_EDGE."""
    return case(code, EPOCH_EDGE + timedelta(days=day), lon=LON, lat=north(metres))


def test_the_key_stays_as_the_first_cases_leave_the_window(county):
    ids = add(county, _on("A", 0, 1), _on("B", 10, 5), _on("C", 20, 10))
    [before] = _detect(county, as_of=EPOCH_EDGE + timedelta(days=12))
    add(county, _on("D", 30, 32))
    [after] = _detect(county, as_of=EPOCH_EDGE + timedelta(days=33))
    assert ids["A"] not in after.case_ids and after.facts["cases"] == 3
    assert after.key == before.key == f"repeat_location:{ids['A']}"
    assert after.started_at == EPOCH_EDGE + timedelta(days=1)


def test_a_spot_quiet_for_longer_than_the_days_starts_a_new_key(county):
    ids = add(county, _on("A", 0, 1), _on("B", 10, 2), _on("C", 20, 3),
              _on("D", 0, 40), _on("E", 10, 41), _on("F", 20, 42))
    [found] = _detect(county, as_of=EPOCH_EDGE + timedelta(days=45))
    assert found.key == f"repeat_location:{ids['D']}"
    assert found.case_ids == (ids["D"], ids["E"], ids["F"])


def test_two_clusters_of_one_episode_keep_two_keys(county):
    # X (out of the window) is within 49 m of both spots, which are 98 m apart
    ids = add(county, _on("X", 49, 1), *[_on(f"P{i}", -5 * i, 20 + i) for i in range(3)],
              *[_on(f"Q{i}", 98 + 5 * i, 20 + i) for i in range(3)])
    found = _detect(county, as_of=EPOCH_EDGE + timedelta(days=33))
    assert sorted(f.key for f in found) == sorted(
        [f"repeat_location:{ids['X']}", f"repeat_location:{ids['Q0']}"])
    assert all(ids["X"] not in f.case_ids for f in found)


def test_same_category_makes_clusters_of_one_subcategory(county):
    ids = add(county, _at("A", 0, 3), _at("B", 10, 2), _at("C", 20, 1),
              _at("X", 5, 1, subcategory="暴露垃圾"))
    [one] = _detect(county, same_category=True)
    assert one.key == f"repeat_location:占道经营:{ids['A']}"
    assert one.facts["category"] == "占道经营" and ids["X"] not in one.case_ids
    [mixed] = _detect(county)
    assert mixed.facts["cases"] == 4
    add(county, _at("D", 40, 1, subcategory="暴露垃圾"))  # only two 暴露垃圾, 35 m apart
    assert [f.facts["category"] for f in _detect(county, same_category=True)] == ["占道经营"]


def test_cases_without_a_point_are_left_out(county):
    add(county, _at("A", 0, 2), _at("B", 10, 1), case("NOWHERE", AS_OF - timedelta(days=1)))
    assert _detect(county) == []


def test_clusters_match_the_pairwise_definition_on_random_points():
    rng = np.random.default_rng(16)
    xy = rng.uniform(0, 2000, (600, 2))
    found = repeat.clusters(xy, 50.0, 2)
    # the definition, pair by pair: a union-find over every pair within the radius
    parent = list(range(len(xy)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    close = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) <= 50.0
    for i, j in zip(*np.nonzero(close)):
        parent[root(i)] = root(j)
    groups: dict[int, set] = {}
    for i in range(len(xy)):
        groups.setdefault(root(i), set()).add(i)
    expected = sorted(sorted(g) for g in groups.values() if len(g) >= 2)
    assert expected and sorted(sorted(c.tolist()) for c in found) == expected


def test_bad_parameters_are_refused(county):
    with pytest.raises(ValueError, match="radius_m"):
        _detect(county, radius_m=0)


def test_an_old_export_is_judged_as_of_its_newest_day_as_its_wall_shows_it(county):
    # the cases are of March 2026; refreshed in December, the rules look at the data's
    # last day (data.metrics.data_now), not at 30 empty days before December
    from data.alerts import book
    from data.alerts import params as alert_params

    ids = add(county, _at("A", 0, 3), _at("B", 10, 2), _at("C", 20, 1))
    later = AS_OF + timedelta(days=250)
    book.refresh(county, later, alert_params.load())
    with county.connect() as conn:
        [alert] = book.list_alerts(conn)
    assert alert.rule == repeat.RULE and set(alert.case_ids) == set(ids.values())
    assert alert.first_seen_at == later  # when the system saw it
    add(county, _at("NOW", 5000, -250))  # a case of December: the data is current again
    book.refresh(county, later, alert_params.load())
    with county.connect() as conn:  # judged as of December: March is out of the window
        [closed] = book.list_alerts(conn, state="closed")
    assert closed.id == alert.id and closed.closed_by == book.SYSTEM
