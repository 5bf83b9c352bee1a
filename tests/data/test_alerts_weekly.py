"""The week's alerts and what became of them (:mod:`data.alerts.weekly`), on SQLite and
PostgreSQL: hand-built stores (tests/alert_store.py) whose alerts the real stuck-case rule
raises at chosen times (:func:`data.alerts.book.refresh` with an explicit ``now``), and
people act on them at chosen times (:mod:`data.alerts.actions`); the counts are worked out
by hand below, from the story each test tells.

The tiny county's time zone is UTC, so ISO week 2026-W47 is [Mon 16 Nov, Mon 23 Nov) UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from data import store, workflow
from data.alerts import actions, book, registry
from data.alerts import params as alert_params
from data.alerts.finding import Finding
from data.alerts.weekly import week_alerts
from data.briefing import IsoWeek
from data.models import Alert, Case
from data.regions import get_region
from tests import alert_fakes, alert_store as st
from tests import workflow_store as ws

W47 = IsoWeek(2026, 47)
BEFORE = datetime(2026, 11, 14, 12, 0)   # Saturday of W46: the rules' first run
MONDAY = datetime(2026, 11, 17, 9, 0)    # Tuesday of W47, in fact: the second run
MIDWEEK = datetime(2026, 11, 19, 12, 0)  # Thursday of W47: the third
NEXT_WEEK = datetime(2026, 11, 24, 9, 0)  # Tuesday of W48: the fourth


def _params() -> dict:
    """The default parameters with only the stuck-case rule on (overdue by more than 7
    days: orange; more than 30: red)."""
    rules = alert_params.load()
    return {key: {**values, "enabled": key == "stuck_case"} for key, values in rules.items()}


def _refresh(engine: Engine, at: datetime) -> book.RefreshResult:
    result = book.refresh(engine, at, _params())
    assert not result.failed and not result.skipped, result
    return result


def _alert_of(engine: Engine, case_id: int) -> tuple[int, int]:
    with engine.connect() as conn:
        row = conn.execute(select(Alert.id, Alert.version)
                           .where(Alert.key == f"stuck_case:{case_id}")).one()
    return row.id, row.version


def _week(engine: Engine, week: IsoWeek, now: datetime, region: str | None = None):
    with engine.connect() as conn:
        info = None if region is None else get_region(conn, region)
        return week_alerts(conn, info, week.period(store.deployment_timezone(conn)), now)


@pytest.fixture
def county(engine: Engine) -> dict[str, int]:
    """Five overdue cases (see each): the story up to ``MONDAY``'s run."""
    st.build(engine)
    ids = st.add(
        engine,
        # A: overdue by 9 days at BEFORE: raised before the week, still open at its start
        st.case("A", datetime(2026, 10, 1), due_at=datetime(2026, 11, 5)),
        # B: 6.5 days over at BEFORE (not yet), 9 days at MONDAY: raised in the week
        st.case("B", datetime(2026, 10, 1), region_id=st.G2, due_at=datetime(2026, 11, 8)),
        # C (the other town): raised at MONDAY; the case closes on Thursday morning
        st.case("C", datetime(2026, 10, 1), region_id=st.G3, due_at=datetime(2026, 11, 9)),
        # D: raised at MONDAY, acknowledged only after the week
        st.case("D", datetime(2026, 10, 1), due_at=datetime(2026, 11, 9)),
        # E: reported in the week, 38 days past its deadline already: red
        st.case("E", datetime(2026, 11, 16, 10), region_id=st.G2,
                due_at=datetime(2026, 10, 10)))
    _refresh(engine, BEFORE)
    _refresh(engine, MONDAY)
    return ids


def _rest_of_the_story(engine: Engine, ids: dict[str, int]) -> None:
    b, version = _alert_of(engine, ids["B"])
    actions.acknowledge(engine, b, actor="commander", expected_version=version,
                        now=datetime(2026, 11, 18, 10, 0))  # 25 hours after MONDAY
    with store.transaction(engine) as conn:  # C's case is closed on Thursday morning
        conn.execute(Case.__table__.update().where(Case.id == ids["C"]).values(
            status="closed", closed_at=datetime(2026, 11, 19, 8, 0)))
        store.bump_data_version(conn)
    _refresh(engine, MIDWEEK)  # C's alert: its condition no longer holds
    a, version = _alert_of(engine, ids["A"])
    actions.close(engine, a, actor="commander", expected_version=version,
                  note="已约谈责任单位", now=datetime(2026, 11, 20, 15, 0))
    _refresh(engine, NEXT_WEEK)
    d, version = _alert_of(engine, ids["D"])
    actions.acknowledge(engine, d, actor="town", expected_version=version,
                        now=datetime(2026, 11, 24, 10, 0))


def test_a_past_week_counted_by_hand_as_it_stood_at_its_end(engine, county):
    _rest_of_the_story(engine, county)
    week = _week(engine, W47, now=datetime(2026, 12, 1))

    assert (week.coverage, week.running, week.future, week.stale) == \
        ("full", False, False, False)
    by_case = {a.id: a for a in week.alerts}
    outcome = {code: by_case[_alert_of(engine, county[code])[0]].outcome
               for code in "ABCDE"}
    assert outcome == {"A": "closed_by_person", "B": "acknowledged", "C": "closed_by_system",
                       "D": "new",  # acknowledged on the 24th: not in W47
                       "E": "new"}
    counts = week.counts()
    assert counts["raised"] == 4 and counts["carried"] == 1  # B, C, D, E; and A
    assert counts["raised_by_level"] == {"red": 1, "orange": 3, "yellow": 0}
    assert counts["outcomes"] == {"new": 2, "acknowledged": 1, "assigned": 0,
                                  "closed_by_person": 1, "closed_by_system": 1}
    assert (counts["open"], counts["closed"]) == (3, 2)
    assert (counts["acknowledged"], counts["median_hours_to_acknowledge"]) == (1, 25.0)
    a = by_case[_alert_of(engine, county["A"])[0]]
    assert (a.carried, a.closed_by, a.close_note) == (True, "commander", "已约谈责任单位")
    c = by_case[_alert_of(engine, county["C"])[0]]
    assert (c.closed_by, c.closed_at) == (book.SYSTEM, MIDWEEK)
    assert week.by_rule() == [{"rule": "stuck_case", "red": 1, "orange": 3, "yellow": 0,
                               "raised": 4, "carried": 1, "closed_by_person": 1,
                               "closed_by_system": 1, "open": 3}]
    assert [a.level for a in week.listed()] == ["red", "orange", "orange", "orange", "orange"]


def test_the_next_week_carries_the_open_ones_and_sees_the_late_acknowledgement(engine,
                                                                              county):
    _rest_of_the_story(engine, county)
    week = _week(engine, IsoWeek(2026, 48), now=datetime(2026, 12, 1))

    # A and C were closed in W47: not W48's; B, D, E open at its start
    assert {a.id for a in week.alerts} == {_alert_of(engine, county[c])[0] for c in "BDE"}
    assert week.counts()["raised"] == 0 and week.counts()["carried"] == 3
    d = next(a for a in week.alerts if a.id == _alert_of(engine, county["D"])[0])
    assert (d.outcome, d.acknowledged_by) == ("acknowledged", "town")


def test_a_region_counts_its_own_alerts_only(engine, county):
    _rest_of_the_story(engine, county)
    town = _week(engine, W47, now=datetime(2026, 12, 1), region="T1")  # G1, G2: not C

    assert town.counts()["raised"] == 3 and town.counts()["carried"] == 1
    assert town.counts()["outcomes"]["closed_by_system"] == 0
    grid = _week(engine, W47, now=datetime(2026, 12, 1), region="G3")
    assert [a.outcome for a in grid.alerts] == ["closed_by_system"]


def test_the_running_week_tells_its_outcomes_as_of_now(engine, county):
    b, version = _alert_of(engine, county["B"])
    actions.acknowledge(engine, b, actor="commander", expected_version=version,
                        now=datetime(2026, 11, 18, 10, 0))
    now = datetime(2026, 11, 18, 12, 0)
    week = _week(engine, W47, now=now)

    assert (week.running, week.cutoff, week.coverage) == (True, now, "full")
    # the rules last ran at MONDAY, more than 10 minutes before now: the page says so
    assert week.stale and week.computed_at == MONDAY
    assert week.counts()["outcomes"] == {"new": 4, "acknowledged": 1, "assigned": 0,
                                         "closed_by_person": 0, "closed_by_system": 0}


def test_weeks_before_the_alerts_were_recorded_say_so(engine, county):
    late = datetime(2026, 12, 1)
    assert _week(engine, IsoWeek(2026, 45), now=late).coverage == "before"
    partial = _week(engine, IsoWeek(2026, 46), now=late)  # the first run fell in it
    assert partial.coverage == "partial" and partial.recorded_since == BEFORE
    assert partial.counts()["raised"] == 1  # A, first seen on its Saturday
    with engine.connect() as conn:
        assert store.get_meta(conn, book.FIRST_COMPUTED) == BEFORE.isoformat()


def test_a_store_whose_alerts_were_never_computed_has_no_alert_data(engine):
    st.build(engine)
    week = _week(engine, W47, now=datetime(2026, 12, 1))
    assert (week.coverage, week.alerts, week.recorded_since) == ("none", (), None)
    future = _week(engine, IsoWeek(2026, 50), now=datetime(2026, 12, 1))
    assert future.future and not future.running


def test_an_assigned_alert_shows_its_supervision_case_as_it_stood_then(engine,
                                                                      monkeypatch):
    """The workflow's store (it has the category table a supervision case needs) and a
    stand-in rule: assigned in W47, the case dispatched only in W48."""
    ws.build(engine)
    with store.transaction(engine) as conn:
        cases = tuple(ws.add_case(conn, "dispatched") for _ in range(3))
        store.bump_data_version(conn)
    alert_fakes.reset()
    monkeypatch.setattr(registry, "RULES", alert_fakes.rules("surge"))
    found_at = datetime(2026, 11, 17, 2, 0)  # Tuesday 10:00 in Shanghai
    alert_fakes.FOUND["surge"] = [Finding("surge", "surge:G1:x", "orange", ws.G1,
                                          found_at - timedelta(hours=5), cases,
                                          {"count": 9, "expected": 2.0, "p": 0.0001,
                                           "days": 1, "category": ws.HOURLY})]
    book.refresh(engine, found_at, alert_fakes.params("surge"))
    with engine.connect() as conn:
        alert_id = conn.scalar(select(Alert.id))
    made = actions.assign(engine, alert_id, actor="commander", expected_version=1,
                          now=found_at + timedelta(hours=3))
    workflow.apply(engine, made.assigned_case_id, "dispatch", actor="commander",
                   expected_version=2, now=datetime(2026, 11, 24, 2, 0),
                   department_id=ws.CGJ)
    alert_fakes.reset()

    [alert] = _week(engine, W47, now=datetime(2026, 12, 1)).alerts
    assert (alert.outcome, alert.case_code, alert.case_status) == (
        "assigned", made.assigned_case_code, "filed")
    assert alert.hours_to_acknowledge == 3.0  # assigning a new alert acknowledges it
    [later] = _week(engine, IsoWeek(2026, 48), now=datetime(2026, 12, 1)).alerts
    assert (later.carried, later.case_status) == (True, "dispatched")
    # the week the alert was raised, told while it ran, before the assignment
    [early] = _week(engine, W47, now=found_at + timedelta(hours=1)).alerts
    assert (early.outcome, early.case_code) == ("new", None)
