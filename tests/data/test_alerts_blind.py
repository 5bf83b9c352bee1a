"""Blind spots (data/alerts/blind.py) on the hand-built patrol store (tests/patrol_store.py,
UTC+8), both stores: a grid never patrolled or not for days while cases come in alerts,
with a key that stays for the same gap; the quiet cases (a grid patrolled yesterday, a
deployment without patrols, a grid with no cases, voided or later cases, a visit after
as_of not counted)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete

from data import schema, store
from data.alerts import blind
from data.models import Patrol, PatrolPoint, PatrolVisit
from tests import alert_store, patrol_store
from tests.alert_store import add, case

G1, G2, G3, G4, T2 = 4, 5, 6, 7, 3
#: A day after the last patrol of the store (P1 ended 2026-03-09 16:30 UTC).
AS_OF = datetime(2026, 3, 10, 12)
DAY = timedelta(days=1)
PARAMS = {"days": 7, "min_cases": 1, "red_days": 30}


def _detect(engine, as_of=AS_OF, **params):
    with engine.connect() as conn:
        return blind.detect(conn, {**PARAMS, **params}, as_of)


@pytest.fixture
def patrols(engine):
    patrol_store.build(engine)
    return engine


def test_a_grid_never_patrolled_with_cases_alerts_from_the_first_patrol(patrols):
    ids = add(patrols, case("G4-NEW", AS_OF - 2 * DAY, region_id=G4))
    [found] = _detect(patrols)
    # the first patrol: P3, 2026-03-01 01:00 UTC, 09:00 local
    assert found.key == "blind_spot:7:2026-03-01" and found.region_id == G4
    assert found.level == "orange" and found.case_ids == (ids["G4-NEW"],)
    assert found.started_at == datetime(2026, 3, 1, 1)
    assert found.facts == {"days_without_patrol": 9, "cases": 1, "days": 7,
                           "last_visit_at": None}
    assert json.loads(json.dumps(found.facts)) == found.facts  # the book keeps them as JSON


def test_a_grid_patrolled_yesterday_does_not_alert(patrols):
    add(patrols, case("G1-NEW", AS_OF - 2 * DAY, region_id=G1),
        case("G2-NEW", AS_OF - 2 * DAY, region_id=G2))
    assert _detect(patrols) == []


def test_a_gap_since_the_last_visit_keeps_its_key_and_turns_red(patrols):
    # G3's last visit: P2, 2026-03-05 02:00 UTC (10:00 local)
    add(patrols, case("G3-A", datetime(2026, 3, 10), region_id=G3),
        case("G3-B", datetime(2026, 4, 5), region_id=G3))
    assert _detect(patrols, as_of=datetime(2026, 3, 11)) == []  # 6 days: not yet
    [first] = _detect(patrols, as_of=datetime(2026, 3, 14))
    assert first.key == "blind_spot:6:2026-03-05"
    assert first.facts["days_without_patrol"] == 8
    assert first.facts["last_visit_at"] == "2026-03-05T02:00:00"
    [later] = _detect(patrols, as_of=datetime(2026, 4, 6))
    assert later.key == first.key and later.level == "red"
    assert later.facts["days_without_patrol"] == 31 and later.facts["cases"] == 1


def test_a_deployment_without_patrols_finds_nothing(engine):
    alert_store.build(engine)  # regions and cases, no patrols
    add(engine, case("K", AS_OF - DAY, region_id=alert_store.G1))
    assert _detect(engine) == []


def test_patrols_are_unknown_before_the_first_one(patrols):
    add(patrols, case("G4-OLD", datetime(2026, 2, 27), region_id=G4))
    assert _detect(patrols, as_of=datetime(2026, 2, 28)) == []


def test_a_grid_with_no_cases_does_not_alert(patrols):
    # G4 has never been patrolled, but its cases are older than the window
    assert _detect(patrols) == []
    add(patrols, case("G4-NEW", AS_OF - DAY, region_id=G4))
    assert len(_detect(patrols)) == 1
    assert _detect(patrols, min_cases=2) == []


def test_voided_later_and_non_leaf_cases_do_not_count(patrols):
    add(patrols, case("VOID", AS_OF - 2 * DAY, region_id=G4, status=schema.VOIDED,
                      voided_at=AS_OF - DAY),
        case("LATER", AS_OF + DAY, region_id=G4),
        case("TOWN", AS_OF - DAY, region_id=T2))
    assert _detect(patrols) == []
    # voided only after as_of: a case then
    [then] = _detect(patrols, as_of=AS_OF - 1.5 * DAY)
    assert then.facts["cases"] == 1


def test_a_visit_after_as_of_has_not_happened_yet(patrols):
    # G1's first visit is 2026-03-09 15:30 UTC: the evening before, G1 was unvisited
    add(patrols, case("G1-NEW", datetime(2026, 3, 8), region_id=G1))
    [before] = _detect(patrols, as_of=datetime(2026, 3, 9, 12))
    assert before.key == "blind_spot:4:2026-03-01"
    assert _detect(patrols) == []


def test_visits_not_patrols_say_where_a_patrol_went(patrols):
    # P1 was G1's patrol but its fixes also reached G2: with its visits gone, G2's last
    # visit is P3's on 2026-03-01
    with store.transaction(patrols) as conn:
        conn.execute(delete(PatrolVisit).where(PatrolVisit.patrol_id == 1))
    add(patrols, case("G2-NEW", AS_OF - DAY, region_id=G2))
    assert [f.key for f in _detect(patrols)] == ["blind_spot:5:2026-03-01"]
    with store.transaction(patrols) as conn:  # no patrols at all: unknown
        conn.execute(delete(PatrolVisit))
        conn.execute(delete(PatrolPoint))
        conn.execute(delete(Patrol))
    assert _detect(patrols) == []
