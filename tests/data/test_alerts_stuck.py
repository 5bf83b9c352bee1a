"""Stuck cases (data/alerts/stuck.py) on hand-built stores, both stores: overdue by more
than the days (orange, red), postponed or reworked again and again, one finding per case
whatever the reasons, and the quiet cases (overdue by fewer days, closed, suspended,
voided, reported or postponed after as_of)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from data import schema
from data.alerts import stuck
from tests import alert_store
from tests.alert_store import G2, add, case

AS_OF = datetime(2026, 3, 31, 12)
PARAMS = {"overdue_days": 7, "red_overdue_days": 30, "postponed": 2, "reworked": 2}
DAY = timedelta(days=1)


def _overdue(code: str, days: float, **more) -> dict:
    """A case reported 60 days before AS_OF, due ``days`` days before it."""
    return case(code, AS_OF - 60 * DAY, due_at=AS_OF - days * DAY, **more)


def _detect(engine, as_of=AS_OF, **params):
    with engine.connect() as conn:
        return stuck.detect(conn, {**PARAMS, **params}, as_of)


@pytest.fixture
def county(engine):
    alert_store.build(engine)
    return engine


def test_open_cases_overdue_by_more_than_the_days_alert(county):
    ids = add(county, _overdue("TEN", 10, region_id=G2), _overdue("FORTY", 40),
              _overdue("FIVE", 5))
    found = {f.case_ids[0]: f for f in _detect(county)}
    assert set(found) == {ids["TEN"], ids["FORTY"]}
    ten = found[ids["TEN"]]
    assert ten.key == f"stuck_case:{ids['TEN']}" and ten.level == "orange"
    assert ten.region_id == G2
    assert ten.started_at == AS_OF - 3 * DAY  # the deadline plus 7 days
    assert ten.facts["reason"] == "overdue" and ten.facts["overdue_days"] == 10
    assert ten.facts["due_at"] == (AS_OF - 10 * DAY).isoformat()
    assert (ten.facts["postponed"], ten.facts["reworked"]) == (0, 0)
    assert found[ids["FORTY"]].level == "red"
    assert json.loads(json.dumps(ten.facts)) == ten.facts  # the book keeps them as JSON


def test_a_case_overdue_by_fewer_days_does_not_alert(county):
    add(county, _overdue("SIX", 6.9))
    assert _detect(county) == []
    assert len(_detect(county, overdue_days=6)) == 1


def test_a_closed_overdue_case_does_not_alert_unless_closed_after_as_of(county):
    add(county, _overdue("DONE", 20, status=schema.CLOSED, closed_at=AS_OF - DAY))
    assert _detect(county) == []
    [then] = _detect(county, as_of=AS_OF - 2 * DAY)
    assert then.facts["overdue_days"] == 18


def test_suspended_voided_and_later_cases_do_not_alert(county):
    add(county, _overdue("SUSPENDED", 20, status=schema.SUSPENDED),
        _overdue("VOIDED", 20, status=schema.VOIDED, voided_at=AS_OF - DAY),
        case("LATER", AS_OF + DAY, due_at=AS_OF - 20 * DAY),
        case("NO_DEADLINE", AS_OF - 60 * DAY))
    assert _detect(county) == []
    # voided only after as_of: still open then
    [then] = _detect(county, as_of=AS_OF - 2 * DAY)
    assert then.facts["overdue_days"] == 18


def test_postponed_twice_alerts_yellow_from_the_second_postpone(county):
    ids = add(county, case("P2", AS_OF - 20 * DAY, due_at=AS_OF + 5 * DAY),
              case("P1", AS_OF - 20 * DAY, due_at=AS_OF + 5 * DAY),
              events=[("P2", "postpone", AS_OF - 10 * DAY), ("P2", "postpone", AS_OF - 4 * DAY),
                      ("P1", "postpone", AS_OF - 4 * DAY), ("P1", "postpone", AS_OF + DAY)])
    [found] = _detect(county)
    assert found.case_ids == (ids["P2"],) and found.level == "yellow"
    assert found.started_at == AS_OF - 4 * DAY
    assert found.facts["reason"] == "postponed" and found.facts["postponed"] == 2
    assert found.facts["overdue_days"] == 0
    # the second postpone of P1 comes after as_of: not yet
    assert ({f.case_ids[0] for f in _detect(county, as_of=AS_OF + 2 * DAY)}
            == {ids["P1"], ids["P2"]})


def test_reworked_twice_alerts_and_a_closed_case_does_not(county):
    ids = add(county, case("R", AS_OF - 20 * DAY, status=schema.RESOLVED),
              case("R_DONE", AS_OF - 20 * DAY, status=schema.CLOSED, closed_at=AS_OF - DAY),
              events=[(code, "rework", AS_OF - n * DAY) for code in ("R", "R_DONE")
                      for n in (9, 5)])
    [found] = _detect(county)
    assert found.case_ids == (ids["R"],) and found.facts["reason"] == "reworked"
    assert found.facts["overdue_days"] is None and found.facts["reworked"] == 2
    assert len(_detect(county, reworked=3)) == 0


def test_one_finding_per_case_whatever_the_reasons(county):
    ids = add(county, _overdue("ALL", 12),
              events=[("ALL", action, AS_OF - n * DAY) for action in ("postpone", "rework")
                      for n in (30, 20, 15)])
    [found] = _detect(county)
    assert found.key == f"stuck_case:{ids['ALL']}" and found.level == "orange"
    assert found.facts["reason"] == "overdue"
    assert (found.facts["postponed"], found.facts["reworked"]) == (3, 3)
    # the second postpone and rework (20 days before) came before the overdue (5 days)
    assert found.started_at == AS_OF - 20 * DAY


def test_limits_below_one_are_refused(county):
    with pytest.raises(ValueError, match="postponed"):
        _detect(county, postponed=0)
