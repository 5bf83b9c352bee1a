"""A supervision case made by assigning an alert (转办督办) is the centre's own follow-up,
not a report from the ground: the rules that count reports leave it out
(:func:`data.alerts.history.reports_only`), so assigning never feeds the alert or raises
another; the stuck-case rule still sees it when it is left open past its deadline. Both
stores."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from data import store
from data.alerts import blind, repeat, stuck
from data.models import Alert
from tests import alert_store, patrol_store
from tests.alert_store import LON, add, case, north

AS_OF = datetime(2026, 3, 10, 12)
DAY = timedelta(days=1)


def _supervising(engine, case_id: int) -> None:
    """An assigned alert whose supervision case is ``case_id``."""
    with store.transaction(engine) as conn:
        conn.execute(insert(Alert).values(
            rule="surge", key=f"surge:test:{case_id}", level="red", region_id=None,
            started_at=AS_OF - DAY, first_seen_at=AS_OF - DAY, last_seen_at=AS_OF - DAY,
            state="assigned", assigned_case_id=case_id, facts="{}", version=2))
        store.bump_data_version(conn)


def test_a_supervision_case_does_not_make_a_repeat_location(engine):
    alert_store.build(engine)
    ids = add(engine, *[case(f"R{i}", AS_OF - (i + 1) * DAY, lon=LON, lat=north(5 * i))
                        for i in range(3)])
    params = {"radius_m": 50, "days": 30, "min_cases": 3, "same_category": True,
              "min_days": 2, "red_cases": 6, "orange_cases": 4}
    with engine.connect() as conn:
        assert len(repeat.detect(conn, params, AS_OF)) == 1
    _supervising(engine, ids["R2"])
    with engine.connect() as conn:
        assert repeat.detect(conn, params, AS_OF) == []  # two reports are no repeat


def test_a_supervision_case_in_an_unpatrolled_grid_is_no_report_there(engine):
    patrol_store.build(engine)
    ids = add(engine, case("G4-SUP", AS_OF - 2 * DAY, region_id=7))
    params = {"days": 7, "min_cases": 1, "red_days": 30}
    with engine.connect() as conn:
        assert [f.case_ids for f in blind.detect(conn, params, AS_OF)] == [(ids["G4-SUP"],)]
    _supervising(engine, ids["G4-SUP"])
    with engine.connect() as conn:
        assert blind.detect(conn, params, AS_OF) == []


def test_a_supervision_case_left_past_its_deadline_is_still_stuck(engine):
    alert_store.build(engine)
    ids = add(engine, case("SUP", AS_OF - 20 * DAY, due_at=AS_OF - 10 * DAY))
    _supervising(engine, ids["SUP"])
    params = {"overdue_days": 7, "red_overdue_days": 30, "postponed": 2, "reworked": 2}
    with engine.connect() as conn:
        [found] = stuck.detect(conn, params, AS_OF)
    assert found.case_ids == (ids["SUP"],)
