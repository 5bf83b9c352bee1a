"""The column-at-once rebuild (data/rollup_rebuild.py) against the per-case path it
replaced: :func:`data.rollups.case_counts` and ``_add_event`` over every case and event
one at a time, then ``_up_the_tree``. The rows written must be exactly the same, on the
small demo and on a hand-built store with summer time and unlocated cases, on SQLite and
on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select

from data import rollups, store
from data.demo import county
from data.models import ROLLUP_COUNTS, Case, CaseEvent, Rollup
from data.rollup_capture import CASE_COLUMNS, EVENT_ACTIONS
from tests import tiny_store


def _per_case_rows(conn) -> list[tuple]:
    """What the rollups hold, counted one case and one event at a time (the old rebuild)."""
    tz = store.deployment_timezone(conn)
    days = rollups._Days(tz)
    own: dict = {}
    for row in conn.execute(select(*(getattr(Case, c) for c in CASE_COLUMNS))).mappings():
        rollups._add_case(own, row, 1, days)
    for region, action, at in conn.execute(
            select(Case.region_id, CaseEvent.action, CaseEvent.at)
            .join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.action.in_(EVENT_ACTIONS))):
        rollups._add_event(own, region, action, at, 1, days)
    return rollups._rows(rollups._up_the_tree(conn, own))


def _stored_rows(conn) -> list[tuple]:
    columns = [Rollup.region_id, Rollup.day, *(getattr(Rollup, k) for k in ROLLUP_COUNTS)]
    return [tuple(r) for r in conn.execute(select(*columns).order_by(Rollup.region_id,
                                                                     Rollup.day))]


def _rebuilt_rows(engine) -> list[tuple]:
    with engine.begin() as conn:
        written = rollups.rebuild(conn)
    with engine.connect() as conn:
        rows = _stored_rows(conn)
    assert written == len(rows)
    return rows


def test_the_small_demo_rebuilds_to_the_per_case_rows(engine):
    county.build_demo(engine, scale="small", seed=3)
    with engine.connect() as conn:
        expected = _per_case_rows(conn)
    assert len(expected) > 1000
    assert _rebuilt_rows(engine) == expected
    with engine.begin() as conn:  # and in a zone with summer time
        store.set_meta(conn, "timezone", "America/Los_Angeles")
    with engine.connect() as conn:
        expected = _per_case_rows(conn)
    assert _rebuilt_rows(engine) == expected


_NULL_TIMES = dict.fromkeys(("dispatched_at", "resolved_at", "closed_at", "voided_at", "due_at",
                             "mediated_at", "case_class", "resolved_level", "satisfaction",
                             "mediation_outcome"))


def _case(code, region, status, reported, **values):
    return {"code": code, "status": status, "location_method": "point", "region_id": region,
            "reported_at": reported, "version": 1, **_NULL_TIMES, **values}


# Los Angeles moves its clocks on 2026-03-08 10:00 UTC (PST -> PDT) and back on
# 2026-11-01 09:00 UTC; its local midnight is 08:00 UTC in winter, 07:00 UTC in summer
SPRING, AUTUMN = datetime(2026, 3, 8, 10), datetime(2026, 11, 1, 9)
_US = timedelta(microseconds=1)


def _hand_cases() -> list[dict]:
    m = datetime(2026, 3, 9, 7)  # the first summer-time local midnight
    return [
        _case("A1", 4, "closed", SPRING - _US, dispatched_at=SPRING, resolved_at=SPRING + _US,
              closed_at=m - _US, due_at=m - _US, resolved_level="grid", satisfaction="satisfied"),
        _case("A2", None, "closed", m, closed_at=m + timedelta(hours=1), due_at=m,
              satisfaction="dissatisfied"),  # unlocated, closed one hour late
        _case("A3", None, "dispatched", AUTUMN - _US, dispatched_at=AUTUMN,
              due_at=AUTUMN + timedelta(hours=1)),
        _case("A4", 5, "voided", AUTUMN, voided_at=AUTUMN + timedelta(days=1),
              closed_at=AUTUMN + timedelta(days=2), due_at=AUTUMN - timedelta(days=1)),
        _case("A5", 5, "voided", AUTUMN, voided_at=AUTUMN + timedelta(days=3),
              closed_at=AUTUMN + timedelta(days=2)),  # closed before it was voided
        _case("A6", 6, "voided", AUTUMN),  # voided without voided_at: never open
        _case("A7", 6, "closed", AUTUMN),  # closed without closed_at: never open
        _case("A8", 4, "suspended", SPRING, due_at=SPRING + timedelta(days=1),
              dispatched_at=SPRING),  # suspended: never overdue
        _case("A9", 4, "filed", SPRING, closed_at=SPRING),  # leaves as it comes: never open
        _case("A10", 5, "filed", SPRING, due_at=SPRING - timedelta(days=2)),  # overdue at once
        _case("A11", None, "closed", SPRING, case_class="dispute", mediation_outcome="success",
              mediated_at=AUTUMN, closed_at=AUTUMN, due_at=AUTUMN + _US),
        _case("A12", 4, "reported", AUTUMN + timedelta(hours=7), case_class="dispute",
              mediation_outcome="failure", mediated_at=AUTUMN + timedelta(hours=8),
              due_at=AUTUMN + timedelta(hours=9)),
        _case("A13", 6, "resolved", datetime(2026, 1, 1, 7, 59, 59, 999999),
              dispatched_at=datetime(2026, 1, 1, 8), resolved_at=datetime(2026, 1, 1, 8),
              resolved_level="street", due_at=datetime(2026, 1, 1, 8)),
        _case("A14", 5, "voided", SPRING, case_class="dispute", mediation_outcome="success",
              mediated_at=SPRING, voided_at=SPRING - _US),  # voided before its report
    ]


def test_a_hand_built_store_with_summer_time_rebuilds_to_the_per_case_rows(engine):
    tiny_store.build(engine)
    with engine.begin() as conn:
        store.set_meta(conn, "timezone", "America/Los_Angeles")
        ids = [conn.execute(insert(Case).values(c)).inserted_primary_key[0]
               for c in _hand_cases()]
        for n, case_id in enumerate(ids):
            for k, action in enumerate(("dispatch", "return", "rework", "postpone", "urge")):
                conn.execute(insert(CaseEvent).values(
                    case_id=case_id, action=action,
                    at=SPRING + timedelta(minutes=15 * n - 30 + k) - _US * (n % 2)))
        conn.execute(insert(CaseEvent).values(case_id=ids[2], action="rework", at=AUTUMN))
    with engine.connect() as conn:
        expected = _per_case_rows(conn)
        unlocated_only = {r[0] for r in expected}
    assert {0, 4, 5, 6} <= unlocated_only  # the store, the grids and their ancestors
    assert _rebuilt_rows(engine) == expected
    with engine.connect() as conn:
        assert rollups.status(conn)["fresh"]
        assert conn.scalar(select(Rollup.reported).where(Rollup.region_id == 0).limit(1))
