"""Every metric of the registry against numbers counted by hand, on both stores.

The store below is small enough to count on paper. Each expected value is followed by the
cases that make it up, so a reader can check the count against the fixture and the
definitions in ``data/metric_registry.py``.

The period asked about is 2026-03-01..2026-03-10 in UTC, i.e. P = [03-01 00:00, 03-11 00:00);
the previous period is 02-19..02-28. "Now" is 03-20, so as_of is P's end (03-11 00:00).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from shapely import box, to_wkb
from sqlalchemy import Engine, insert

from data import report, store
from data.field import followup
from data.metric_registry import KEYS
from data.models import Case, CaseEvent, Officer, Patrol, Region
from data.regions import UnknownRegion

START, END = date(2026, 3, 1), date(2026, 3, 10)
NOW = datetime(2026, 3, 20)


def d(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute)


REGIONS = [  # id, code, depth, parent
    (1, "C", 0, None), (2, "T1", 1, 1), (3, "T2", 1, 1),
    (4, "G1", 2, 2), (5, "G2", 2, 2), (6, "G3", 2, 3),
]
LEVELS = ["区县", "乡镇街道", "网格"]
FIELDS = ("code", "region_id", "status", "case_class", "reported_at", "dispatched_at",
          "resolved_at", "closed_at", "voided_at", "due_at", "resolved_level", "satisfaction",
          "mediated_at", "mediation_outcome")
G1, G2, G3 = 4, 5, 6
CASES = [
    # code region status class reported dispatched resolved closed voided due level sat med outcome
    ("K1", G1, "closed", "incident", d(2, 8), d(2, 9), d(3, 6), d(3, 8), None, d(5), "grid",
     "satisfied", None, None),  # closed on time, 24 h
    ("K2", G2, "dispatched", "incident", d(2, 9), d(2, 10), None, None, None, d(4), None, None,
     None, None),  # open, overdue since 03-04
    ("K3", G3, "closed", "incident", d(3, 9), d(3, 10), d(9, 8), d(9, 9), None, d(6),
     "community", "dissatisfied", None, None),  # closed late, 144 h
    ("K4", G3, "voided", "incident", d(4, 9), None, None, None, d(4, 12), None, None, None,
     None, None),
    ("K5", G1, "closed", "incident", d(5, 0), d(5, 1), d(5, 2), d(5, 2), None, d(5, 2), "grid",
     "basically_satisfied", None, None),  # closed exactly at its deadline: on time, 2 h
    ("K6", G2, "reported", "incident", d(6, 10), None, None, None, None, None, None, None,
     None, None),  # awaiting verification
    ("K7", G1, "suspended", "facility", d(1, 10), d(1, 11), None, None, None, d(3), None, None,
     None, None),  # suspended past its deadline: open, not overdue
    ("K8", G3, "closed", "dispute", d(2, 10), d(2, 11), d(8, 10), d(8, 12), None, d(20), "town",
     None, d(8, 10), "success"),  # 146 h
    ("K9", G3, "resolved", "dispute", d(7, 10), d(7, 11), d(9, 10), None, None, d(25), None,
     None, d(9, 10), "failure"),
    ("K10", G1, "closed", "incident", d(8, 0), d(8, 1), d(8, 3), d(8, 4), None, None, "grid",
     None, None, None),  # no deadline, 4 h
    ("K11", G2, "closed", "incident", d(20, 0, month=2), d(20, 1, month=2), d(21, month=2),
     d(21, 12, month=2), None, d(2), "grid", None, None, None),  # before P, due in P
    ("K12", G2, "filed", "incident", d(11, 0), None, None, None, None, None, None, None, None,
     None),  # reported at the very end instant of P: not in P
    ("K13", G1, "closed", "incident", d(9, 0), d(9, 1), d(12), d(12, 6), None, d(10), None, None,
     None, None),  # open and overdue at as_of, closed after P
]
EVENTS = [  # code, action, at
    ("K1", "dispatch", d(2, 9)), ("K2", "dispatch", d(2, 10)),
    ("K3", "dispatch", d(3, 9, 30)), ("K3", "return", d(3, 9, 45)), ("K3", "dispatch", d(3, 10)),
    ("K5", "dispatch", d(5, 1)), ("K7", "dispatch", d(1, 11)), ("K8", "dispatch", d(2, 11)),
    ("K9", "dispatch", d(7, 11)), ("K10", "dispatch", d(8, 1)), ("K13", "dispatch", d(9, 1)),
    ("K11", "dispatch", d(20, 1, month=2)),
    ("K3", "rework", d(8)), ("K2", "postpone", d(3)), ("K2", "postpone", d(4)),
]
PATROLS = [  # officer's grid, started
    (G1, d(5, 8)), (G2, d(25, 8, month=2)),
]


def build(engine: Engine, tz: str = "UTC", cases=CASES, events=EVENTS, patrols=PATROLS) -> None:
    ids = {c[0]: i for i, c in enumerate(cases, start=1)}
    with store.transaction(engine) as conn:
        store.set_meta(conn, "timezone", tz)
        for depth, name in enumerate(LEVELS):
            store.ensure_level(conn, name, depth)
        conn.execute(insert(Region), [
            {"id": i, "code": code, "name": code, "level": LEVELS[depth], "depth": depth,
             "parent_id": parent, "geometry": to_wkb(box(i, 0, i + 1, 1))}
            for i, code, depth, parent in REGIONS])
        store.rebuild_region_ancestors(conn)
        if cases:
            conn.execute(insert(Case), [
                {"id": ids[c[0]], **dict(zip(FIELDS, c)), "location_method": "point",
                 "version": 1} for c in cases])
        if events:
            conn.execute(insert(CaseEvent), [
                {"case_id": ids[code], "action": action, "at": at} for code, action, at in events])
        if patrols:
            conn.execute(insert(Officer), [
                {"id": i, "code": f"O{i}", "name": f"员{i}", "region_id": grid}
                for i, (grid, _) in enumerate(patrols, start=1)])
            conn.execute(insert(Patrol), [
                {"officer_id": i, "region_id": grid, "started_at": at}
                for i, (grid, at) in enumerate(patrols, start=1)])
            # patrols kept without a track: one visit each, in their grid on their day
            store.backfill_patrol_visits(conn)


@pytest.fixture
def hand(engine: Engine) -> Engine:
    build(engine)
    return engine


def test_every_metric_of_the_county(hand):
    got = report.summarize(hand, "C", START, END, now=NOW)["metrics"]
    assert list(got) == list(KEYS)
    expected = {
        "reported": 11,          # all but K11 (before P) and K12 (at P's end instant)
        "filed": 9,              # the 11 less K4 (voided) and K6 (awaiting verification)
        "dispatched": 9,         # K1 K2 K3 K5 K7 K8 K9 K10 K13
        "resolved": 6,           # K1 K3 K5 K8 K9 K10
        "closed": 5,             # K1 K3 K5 K8 K10
        "closed_on_time": 3,     # K1, K5 (at the deadline), K8; K3 late; K10 has no deadline
        "due_to_close": 8,       # due in P: K1 K2 K3 K5 K7 K13 (K11 closed before P) + K8 K10
        "due_to_handle": 9,      # due in P: K1 K2 K3 K5 K7 K13 + resolved in P: K8 K9 K10
        "open": 6,               # K2 K6 K7 K9 K13, and K12 reported at as_of itself
        "overdue": 2,            # K2, K13 (K7 is suspended; K6 K12 have no deadline)
        "dispatches": 10,        # K3 twice
        "returns": 1,
        "disputes_mediated": 2,  # K8 K9
        "disputes_screened": 2,  # K8 K9 (reported in P, not voided)
    }
    for key, value in expected.items():
        assert got[key] == value, key
    # over the cases with a deadline: K10 (none) is on neither side of these three
    assert got["closure_rate"] == pytest.approx(4 / 7)  # K1 K3 K5 K8 of the 8 less K10
    assert got["on_time_closure_rate"] == pytest.approx(3 / 7)
    assert got["handling_rate"] == pytest.approx(5 / 8)  # K1 K3 K5 K8 K9 of the 9 less K10
    assert got["deadline_coverage"] == pytest.approx(7 / 8)
    assert got["handling_deadline_coverage"] == pytest.approx(8 / 9)
    # K6 (awaiting verification) and K12 (awaiting dispatch) have no deadline yet, rightly
    assert got["open_deadline_coverage"] == pytest.approx(4 / 4)
    assert got["rework_rate"] == pytest.approx(1 / 8)
    assert got["postponement_rate"] == pytest.approx(1 / 9)  # K2 postponed twice: one case
    assert got["accurate_dispatch_rate"] == pytest.approx(9 / 10)
    assert got["in_grid_resolution_rate"] == pytest.approx(3 / 5)  # K1 K5 K10 of five known
    assert got["mediation_success_rate"] == pytest.approx(1 / 2)
    assert got["dispute_resolution_rate"] == pytest.approx(1 / 2)  # K8 of K8 K9
    assert got["satisfaction_rate"] == pytest.approx(2 / 3)  # K1 K5 of K1 K3 K5
    assert got["median_hours_to_close"] == pytest.approx(24)  # 2 4 24 144 146
    assert got["patrol_coverage"] == pytest.approx(1 / 3)  # G1 only


def test_children_add_up_and_an_even_median_is_the_middle_mean(hand):
    summary = report.summarize(hand, "C", START, END, now=NOW)
    children = {c["code"]: c["metrics"] for c in summary["children"]}
    assert list(children) == ["T1", "T2"]
    t1, t2 = children["T1"], children["T2"]
    assert (t1["reported"], t2["reported"]) == (7, 4)
    assert (t1["closed"], t2["closed"]) == (3, 2)
    assert (t1["overdue"], t2["overdue"]) == (2, 0)
    for key in ("reported", "filed", "dispatched", "resolved", "closed", "open", "overdue",
                "dispatches", "returns", "due_to_close", "due_to_handle"):
        assert t1[key] + t2[key] == summary["metrics"][key], key
    assert t1["median_hours_to_close"] == pytest.approx(4)  # 2 4 24
    assert t2["median_hours_to_close"] == pytest.approx(145)  # (144 + 146) / 2
    assert t1["patrol_coverage"] == pytest.approx(1 / 2)
    assert t2["patrol_coverage"] == 0  # G3 not patrolled: 0%, not unknown
    assert t2["satisfaction_rate"] == 0  # K3 rated dissatisfied; K8 not rated


def test_the_previous_period(hand):
    summary = report.summarize(hand, "C", START, END, now=NOW)
    assert (summary["period"]["previous_from"], summary["period"]["previous_to"]) == (
        "2026-02-19", "2026-02-28")
    before = summary["previous"]
    assert before["reported"] == 1 and before["closed"] == 1  # K11
    assert before["due_to_close"] == 1 and before["closure_rate"] == 1.0
    assert before["on_time_closure_rate"] == 1.0  # closed 02-21, due 03-02
    assert before["dispatches"] == 1 and before["open"] == 0
    assert before["patrol_coverage"] == pytest.approx(1 / 3)  # G2 on 02-25


def test_the_current_period_counts_open_and_due_as_of_now(hand):
    now = d(5, 12)
    got = report.summarize(hand, "C", START, END, now=now)["metrics"]
    assert got["open"] == 4  # K2 K3 K7 K8 (K4 voided at 03-04 12:00; K1 K5 closed by now)
    assert got["overdue"] == 1  # K2; K3's deadline (03-06) has not come yet
    # deadlines after now are not due yet: K3 (03-06) and K13 (03-10) are not in the
    # denominator by their deadline; K3 is by its closing in P
    assert got["due_to_close"] == 7  # K1 K2 K5 K7 + closed in P: K3 K8 K10


def test_a_grid_has_no_children_and_an_unknown_code_is_refused(hand):
    summary = report.summarize(hand, "G1", START, END, now=NOW)
    assert summary["children"] == [] and summary["region"]["code"] == "G1"
    assert summary["metrics"]["reported"] == 5  # K1 K5 K7 K10 K13
    with pytest.raises(UnknownRegion):
        report.summarize(hand, "NOPE", START, END, now=NOW)


def test_the_shape_of_a_summary(hand):
    summary = report.summarize(hand, None, START, END, now=NOW)
    assert set(summary) == {"region", "period", "metrics", "previous", "children"}
    assert summary["region"]["code"] is None
    assert [c["code"] for c in summary["children"]] == ["C"]
    assert summary["period"]["from"] == "2026-03-01" and summary["period"]["to"] == "2026-03-10"
    assert summary["period"]["as_of"] == "2026-03-11T00:00:00+00:00"
    assert summary["period"]["anchored_to_latest_case"] is False
    assert list(summary["previous"]) == list(KEYS)
    assert set(summary["children"][0]) == {"code", "name", "level", "depth", "metrics"}


def test_nothing_due_gives_no_rates_not_zero(hand):
    got = report.summarize(hand, "C", date(2025, 1, 1), date(2025, 1, 10), now=NOW)["metrics"]
    for key in KEYS:
        kind = key.endswith("_rate") or key in ("median_hours_to_close",)
        if kind:
            assert got[key] is None, key
    assert got["reported"] == 0 and got["due_to_close"] == 0
    assert got["patrol_coverage"] == 0  # patrols exist in the store; none in that period


def test_all_voided(engine):
    voided = [("V1", G1, "voided", "incident", d(2), None, None, None, d(2, 1), None, None, None,
               None, None),
              ("V2", G3, "voided", "incident", d(3), None, None, None, d(3, 1), None, None, None,
               None, None)]
    build(engine, cases=voided, events=[], patrols=[])
    got = report.summarize(engine, "C", START, END, now=NOW)["metrics"]
    assert got["reported"] == 2 and got["filed"] == 0 and got["open"] == 0
    assert got["closure_rate"] is None and got["on_time_closure_rate"] is None
    assert got["patrol_coverage"] is None  # the store records no patrols at all


def test_local_days_in_a_time_zone_ahead_of_utc(engine):
    # 16:30 UTC on 03-01 is 00:30 on 03-02 in Shanghai; 15:59 UTC is still 03-01 there
    two = [("S1", G1, "reported", "incident", d(1, 16, 30), None, None, None, None, None, None,
            None, None, None),
           ("S2", G1, "reported", "incident", d(1, 15, 59), None, None, None, None, None, None,
            None, None, None)]
    build(engine, tz="Asia/Shanghai", cases=two, events=[], patrols=[])
    first = report.summarize(engine, "C", date(2026, 3, 1), date(2026, 3, 1), now=NOW)
    second = report.summarize(engine, "C", date(2026, 3, 2), date(2026, 3, 2), now=NOW)
    assert first["metrics"]["reported"] == 1 and second["metrics"]["reported"] == 1
    assert first["period"]["as_of"] == "2026-03-02T00:00:00+08:00"


def test_a_period_must_be_whole_and_forward(hand):
    with pytest.raises(ValueError):
        report.summarize(hand, "C", START, None, now=NOW)
    with pytest.raises(ValueError):
        report.summarize(hand, "C", END, START, now=NOW)


def _plain(code, region, status, klass, reported, closed=None, voided=None):
    return (code, region, status, klass, reported, reported if status != "reported" else None,
            closed, closed, voided, None, "grid" if closed else None, None, None, None)


FOLLOWUP_CASES = [
    _plain("D1", G1, "dispatched", "dispute", d(2)),   # mediated twice: failure, then success
    _plain("D2", G2, "resolved", "dispute", d(3)),     # referred
    _plain("D3", G3, "closed", "dispute", d(1), closed=d(8)),  # failure
    _plain("D4", G1, "voided", "dispute", d(4), voided=d(4, 2)),  # voided: not screened
    _plain("D5", G1, "reported", "dispute", d(5)),     # not verified yet: screened, not mediated
    _plain("D6", G2, "closed", "dispute", d(20, month=2), closed=d(25, month=2)),  # before P
    _plain("D7", G3, "dispatched", "dispute", d(6)),   # success only after as_of
    _plain("V1", G1, "closed", "incident", d(2), closed=d(3)),  # satisfied
    _plain("V2", G1, "closed", "incident", d(3), closed=d(4)),  # unreached only
    _plain("V3", G2, "closed", "incident", d(4), closed=d(5)),  # unreached, then basically
    _plain("V4", G2, "closed", "incident", d(5), closed=d(6)),  # dissatisfied, reopened
    _plain("V5", G3, "closed", "incident", d(6), closed=d(7)),  # dissatisfied, kept closed
]


def test_mediations_and_visits_recorded_through_the_console_path(engine):
    build(engine, cases=FOLLOWUP_CASES, events=[], patrols=[])
    ids = {c[0]: i for i, c in enumerate(FOLLOWUP_CASES, start=1)}

    def mediate(code, version, outcome, at):
        followup.mediate(engine, ids[code], expected_version=version, outcome=outcome,
                         mediator="调解员", actor="甲", now=at)

    def visit(code, version, answer, at, **more):
        followup.visit(engine, ids[code], expected_version=version, satisfaction=answer,
                       channel="phone", actor="甲", now=at, **more)

    mediate("D1", 1, "failure", d(3))
    mediate("D1", 2, "success", d(5))
    mediate("D2", 1, "referred", d(4))
    mediate("D3", 1, "failure", d(6))
    mediate("D6", 1, "success", d(2))
    mediate("D7", 1, "success", d(12))  # after P (and after as_of, 03-11 00:00)
    visit("V1", 1, "satisfied", d(4))
    visit("V2", 1, "unreached", d(5))
    visit("V3", 1, "unreached", d(6))
    visit("V3", 2, "basically_satisfied", d(7))
    visit("V4", 1, "dissatisfied", d(7), reopen=True, due_at=d(25))
    visit("V5", 1, "dissatisfied", d(8))
    got = report.summarize(engine, "C", START, END, now=NOW)["metrics"]
    assert got["disputes_mediated"] == 4  # D1 (latest 03-05) D2 D3 D6; D7's is after P
    assert got["mediation_success_rate"] == pytest.approx(2 / 4)  # D1 D6; referred is not
    assert got["disputes_screened"] == 5  # D1 D2 D3 D5 D7 (D4 voided, D6 before P)
    assert got["dispute_resolution_rate"] == pytest.approx(1 / 5)  # D1; D7's after as_of
    # closed in P: V1 V2 V3 V5 D3 (V4 reopened: not closed); answered: V1 V3 V5
    assert got["closed"] == 5
    assert got["satisfaction_rate"] == pytest.approx(2 / 3)  # V1, V3; V2 unreached: left out
    # the reopening is the one rework event in P; due_to_close: the 5 closed in P (no
    # deadline falls in P: V4's new one is 03-25)
    assert got["due_to_close"] == 5 and got["rework_rate"] == pytest.approx(1 / 5)
