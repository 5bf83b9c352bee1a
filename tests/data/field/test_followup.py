"""Mediations and return visits as workflow records (data/field/followup.py), on both stores.

The store is tests/workflow_store.py's; a dispute is one of its cases with ``case_class``
set to ``dispute``. What each step must write is written here by hand from the module's
table, not read from it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, update

from data import audit, schema, store
from data.field import followup
from data.models import AuditEntry, Case, CaseEvent, Mediation, OfficerRegion, OfficerRoster
from data.models import ReturnVisit
from data.workflow import CaseChanged, CaseNotFound, IllegalTransition, InvalidParameter
from tests import workflow_store as ws
from tests.workflow_store import NOW

S = schema


@pytest.fixture
def wf(engine: Engine) -> Engine:
    ws.build(engine)
    return engine


def _case(engine: Engine, status: str, klass: str = S.INCIDENT, **columns) -> int:
    with store.transaction(engine) as conn:
        case_id = ws.add_case(conn, status)
        conn.execute(update(Case).where(Case.id == case_id)
                     .values(case_class=klass, **columns))
    return case_id


def _row(engine: Engine, case_id: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(Case.__table__).where(Case.id == case_id)).one()._mapping)


def _events(engine: Engine, case_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status,
                   CaseEvent.actor, CaseEvent.note, CaseEvent.at)
            .where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))]


def _count(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


# --- which steps apply ----------------------------------------------------------------------

def test_followup_actions_table() -> None:
    for status in S.STATUSES:
        dispute = followup.followup_actions(S.DISPUTE, status)
        other = followup.followup_actions(S.INCIDENT, status)
        mediable = status in (S.FILED, S.DISPATCHED, S.RESOLVED, S.CLOSED, S.SUSPENDED)
        assert dispute == (["mediate"] if mediable else []) + (
            ["visit"] if status == S.CLOSED else []), status
        assert other == (["visit"] if status == S.CLOSED else []), status
    assert followup.followup_actions(None, S.CLOSED) == ["visit"]


# --- mediate --------------------------------------------------------------------------------

def test_mediate_writes_record_case_event_version_and_audit(wf: Engine) -> None:
    case_id = _case(wf, S.RESOLVED, S.DISPUTE)
    before = _row(wf, case_id)
    with wf.connect() as conn:
        data_before = store.data_version(conn)
    state = followup.mediate(wf, case_id, expected_version=1, outcome="success",
                             kind="people", officer_id=ws.O1, note="双方达成协议",
                             actor="指挥员甲", now=NOW, audit=audit.Who("指挥员甲"))
    assert (state.status, state.version) == (S.RESOLVED, 2)
    after = _row(wf, case_id)
    assert after == {**before, "mediation_outcome": "success", "mediated_at": NOW,
                     "version": 2, "updated_at": NOW}
    assert _events(wf, case_id)[-1] == ("mediate", S.RESOLVED, S.RESOLVED, "指挥员甲",
                                        "双方达成协议", NOW)
    with wf.connect() as conn:
        assert store.data_version(conn) == data_before + 1
        records = followup.records_of(conn, case_id)
        logged = conn.execute(select(AuditEntry.event, AuditEntry.result, AuditEntry.target)).all()
    (m,) = records["mediations"]
    assert (m["outcome"], m["kind"], m["officer_id"], m["officer"], m["mediator"], m["note"],
            m["actor"], m["origin"], m["at"]) == (
        "success", "people", ws.O1, "张伟", None, "双方达成协议", "指挥员甲", "console", NOW)
    assert records["visits"] == []
    assert [tuple(r) for r in logged] == [("case_action", "ok", before["code"])]


def test_a_dispute_mediated_twice_keeps_the_latest_on_the_case(wf: Engine) -> None:
    case_id = _case(wf, S.DISPATCHED, S.DISPUTE)
    followup.mediate(wf, case_id, expected_version=1, outcome="failure", mediator="老王",
                     actor="甲", now=NOW)
    later = NOW + timedelta(days=1)
    followup.mediate(wf, case_id, expected_version=2, outcome="referred",
                     kind="pre_litigation", mediator="法院诉前调解员", actor="甲", now=later)
    row = _row(wf, case_id)
    assert (row["mediation_outcome"], row["mediated_at"], row["version"]) == (
        "referred", later, 3)
    with wf.connect() as conn:
        outcomes = [m["outcome"] for m in followup.records_of(conn, case_id)["mediations"]]
    assert outcomes == ["failure", "referred"]


def test_an_older_mediation_entered_late_does_not_replace_the_latest(wf: Engine) -> None:
    case_id = _case(wf, S.CLOSED, S.DISPUTE, mediation_outcome="success",
                    mediated_at=NOW - timedelta(days=1))
    followup.mediate(wf, case_id, expected_version=1, outcome="failure", mediator="甲",
                     actor="甲", now=NOW - timedelta(days=3))
    row = _row(wf, case_id)
    assert (row["mediation_outcome"], row["mediated_at"], row["version"]) == (
        "success", NOW - timedelta(days=1), 2)


@pytest.mark.parametrize("status", [S.REPORTED, S.VOIDED])
def test_a_dispute_not_yet_verified_or_voided_is_not_mediated(wf: Engine, status) -> None:
    case_id = _case(wf, status, S.DISPUTE)
    before = ws.snapshot(wf, case_id)
    with pytest.raises(IllegalTransition) as caught:
        followup.mediate(wf, case_id, expected_version=1, outcome="success", mediator="甲",
                         actor="甲", now=NOW)
    assert caught.value.key == "illegal_transition"
    assert (caught.value.values["status"], caught.value.values["action"]) == (status, "mediate")
    assert ws.snapshot(wf, case_id) == before and _count(wf, Mediation) == 0


def test_a_case_that_is_no_dispute_is_not_mediated(wf: Engine) -> None:
    case_id = _case(wf, S.RESOLVED, S.INCIDENT)
    before = ws.snapshot(wf, case_id)
    with pytest.raises(followup.NotADispute) as caught:
        followup.mediate(wf, case_id, expected_version=1, outcome="success", mediator="甲",
                         actor="甲", now=NOW, audit=audit.Who("甲"))
    assert caught.value.key == "not_a_dispute"
    assert caught.value.values["case_class"] == S.INCIDENT
    assert ws.snapshot(wf, case_id)[:2] == before[:2] and _count(wf, Mediation) == 0
    with wf.connect() as conn:
        rows = conn.execute(select(AuditEntry.result, AuditEntry.detail)).all()
    assert rows[0][0] == "failed" and "not_a_dispute" in str(rows[0][1])


def test_the_version_is_checked_before_anything_else(wf: Engine) -> None:
    case_id = _case(wf, S.REPORTED, S.INCIDENT)  # neither step applies, and stale
    with pytest.raises(CaseChanged) as caught:
        followup.mediate(wf, case_id, expected_version=7, outcome="nonsense", actor="甲",
                         now=NOW)
    assert caught.value.values["version"] == 1
    with pytest.raises(CaseChanged):
        followup.visit(wf, case_id, expected_version=0, satisfaction="?", actor="甲", now=NOW)
    with pytest.raises(CaseNotFound):
        followup.visit(wf, 99999, expected_version=1, satisfaction="satisfied", actor="甲")


@pytest.mark.parametrize("params, parameter, problem", [
    ({"outcome": None, "mediator": "甲"}, "outcome", "required"),
    ({"outcome": "draw", "mediator": "甲"}, "outcome", "unknown_mediation_outcome"),
    ({"outcome": "success", "kind": "court", "mediator": "甲"}, "kind",
     "unknown_mediation_kind"),
    ({"outcome": "success"}, "mediator", "required"),
    ({"outcome": "success", "mediator": "   "}, "mediator", "required"),
    ({"outcome": "success", "officer_id": 999}, "officer_id", "unknown_officer"),
    ({"outcome": "success", "officer_id": "1"}, "officer_id", "not_an_id"),
    ({"outcome": "success", "officer_id": True}, "officer_id", "not_an_id"),
    ({"outcome": "success", "mediator": "甲" * 101}, "mediator", "too_long"),
    ({"outcome": "success", "mediator": 5}, "mediator", "not_text"),
    ({"outcome": "success", "mediator": "甲", "note": "x" * 2001}, "note", "too_long"),
])
def test_mediate_refuses_bad_parameters(wf: Engine, params, parameter, problem) -> None:
    case_id = _case(wf, S.DISPATCHED, S.DISPUTE)
    before = ws.snapshot(wf, case_id)
    with pytest.raises(InvalidParameter) as caught:
        followup.mediate(wf, case_id, expected_version=1, actor="甲", now=NOW, **params)
    assert (caught.value.values["parameter"], caught.value.values["problem"]) == (
        parameter, problem)
    assert caught.value.values["action"] == "mediate"
    assert ws.snapshot(wf, case_id) == before and _count(wf, Mediation) == 0


def test_mediate_needs_an_actor(wf: Engine) -> None:
    case_id = _case(wf, S.DISPATCHED, S.DISPUTE)
    with pytest.raises(InvalidParameter) as caught:
        followup.mediate(wf, case_id, expected_version=1, outcome="success", mediator="甲",
                         actor=" ", now=NOW)
    assert caught.value.values["parameter"] == "actor"


# --- visit ----------------------------------------------------------------------------------

def test_a_visit_sets_satisfaction_and_keeps_the_case_closed(wf: Engine) -> None:
    case_id = _case(wf, S.CLOSED)
    before = _row(wf, case_id)
    state = followup.visit(wf, case_id, expected_version=1, satisfaction="basically_satisfied",
                           channel="phone", note="基本满意", actor="回访员", now=NOW)
    assert (state.status, state.version) == (S.CLOSED, 2)
    assert _row(wf, case_id) == {**before, "satisfaction": "basically_satisfied",
                                 "version": 2, "updated_at": NOW}
    assert _events(wf, case_id)[-1] == ("visit", S.CLOSED, S.CLOSED, "回访员", "基本满意", NOW)
    with wf.connect() as conn:
        (v,) = followup.records_of(conn, case_id)["visits"]
    assert (v["satisfaction"], v["channel"], v["note"], v["reopened"], v["origin"]) == (
        "basically_satisfied", "phone", "基本满意", False, "console")


def test_an_unreached_visit_leaves_satisfaction_as_it_was(wf: Engine) -> None:
    case_id = _case(wf, S.CLOSED, satisfaction="satisfied")
    followup.visit(wf, case_id, expected_version=1, satisfaction="unreached", channel="phone",
                   actor="甲", now=NOW)
    row = _row(wf, case_id)
    assert (row["satisfaction"], row["version"], row["status"]) == ("satisfied", 2, S.CLOSED)
    with wf.connect() as conn:
        assert [v["satisfaction"] for v in followup.records_of(conn, case_id)["visits"]] == [
            "unreached"]


def test_a_dissatisfied_visit_may_reopen_the_case(wf: Engine) -> None:
    case_id = _case(wf, S.CLOSED)
    before = _row(wf, case_id)
    state = followup.visit(wf, case_id, expected_version=1, satisfaction="dissatisfied",
                           channel="in_person", note="路面仍有坑", reopen=True, actor="指挥员甲",
                           now=NOW)
    # 占道经营 has a 2-hour limit, counted from now; department and officer stay
    assert (state.status, state.version, state.department_id, state.officer_id,
            state.due_at) == (S.DISPATCHED, 2, ws.CGJ, ws.O1, NOW + timedelta(hours=2))
    assert _row(wf, case_id) == {
        **before, "status": S.DISPATCHED, "satisfaction": "dissatisfied", "resolved_at": None,
        "resolved_level": None, "closed_at": None, "due_at": NOW + timedelta(hours=2),
        "version": 2, "updated_at": NOW}
    assert _events(wf, case_id)[-2:] == [
        ("visit", S.CLOSED, S.CLOSED, "指挥员甲", "路面仍有坑", NOW),
        ("rework", S.CLOSED, S.DISPATCHED, "指挥员甲", "回访不满意，重新办理；路面仍有坑", NOW)]
    with wf.connect() as conn:
        (v,) = followup.records_of(conn, case_id)["visits"]
    assert v["reopened"] is True


def test_a_reopened_case_takes_a_given_deadline(wf: Engine) -> None:
    case_id = _case(wf, S.CLOSED)
    due = NOW + timedelta(days=4)
    state = followup.visit(wf, case_id, expected_version=1, satisfaction="dissatisfied",
                           reopen=True, due_at=due, actor="甲", now=NOW)
    assert state.due_at == due and _events(wf, case_id)[-1][4] == "回访不满意，重新办理"


@pytest.mark.parametrize("params, parameter, problem", [
    ({"satisfaction": None}, "satisfaction", "required"),
    ({"satisfaction": "happy"}, "satisfaction", "unknown_visit_result"),
    ({"satisfaction": "satisfied", "channel": "fax"}, "channel", "unknown_visit_channel"),
    ({"satisfaction": "satisfied", "reopen": True}, "reopen", "reopen_needs_dissatisfied"),
    ({"satisfaction": "unreached", "reopen": True}, "reopen", "reopen_needs_dissatisfied"),
    ({"satisfaction": "dissatisfied", "reopen": "yes"}, "reopen", "not_a_choice"),
    ({"satisfaction": "dissatisfied", "due_at": NOW + timedelta(days=1)}, "due_at",
     "only_with_reopen"),
    ({"satisfaction": "dissatisfied", "reopen": True, "due_at": NOW}, "due_at",
     "not_after_now"),
    ({"satisfaction": "dissatisfied", "reopen": True, "due_at": "tomorrow"}, "due_at",
     "not_a_datetime"),
])
def test_visit_refuses_bad_parameters(wf: Engine, params, parameter, problem) -> None:
    case_id = _case(wf, S.CLOSED)
    before = ws.snapshot(wf, case_id)
    with pytest.raises(InvalidParameter) as caught:
        followup.visit(wf, case_id, expected_version=1, actor="甲", now=NOW, **params)
    assert (caught.value.values["parameter"], caught.value.values["problem"]) == (
        parameter, problem)
    assert ws.snapshot(wf, case_id) == before and _count(wf, ReturnVisit) == 0


def test_reopening_a_case_of_no_time_limit_needs_a_deadline(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.CLOSED, subcategory="不在表中")
    with pytest.raises(InvalidParameter) as caught:
        followup.visit(wf, case_id, expected_version=1, satisfaction="dissatisfied",
                       reopen=True, actor="甲", now=NOW)
    assert caught.value.values["problem"] == "no_time_limit"


@pytest.mark.parametrize("status", [S.REPORTED, S.FILED, S.DISPATCHED, S.RESOLVED,
                                    S.SUSPENDED, S.VOIDED])
def test_only_closed_cases_are_visited(wf: Engine, status) -> None:
    case_id = _case(wf, status)
    before = ws.snapshot(wf, case_id)
    with pytest.raises(IllegalTransition) as caught:
        followup.visit(wf, case_id, expected_version=1, satisfaction="satisfied", actor="甲",
                       now=NOW)
    assert caught.value.key == "illegal_transition"
    assert ws.snapshot(wf, case_id) == before and _count(wf, ReturnVisit) == 0


def test_a_write_of_someone_else_in_between_is_caught(wf: Engine) -> None:
    case_id = _case(wf, S.CLOSED)
    followup.visit(wf, case_id, expected_version=1, satisfaction="satisfied", actor="甲",
                   now=NOW)
    with pytest.raises(CaseChanged) as caught:
        followup.visit(wf, case_id, expected_version=1, satisfaction="dissatisfied",
                       actor="乙", now=NOW)
    assert (caught.value.values["version"], caught.value.values["expected_version"]) == (2, 1)
    assert _count(wf, ReturnVisit) == 1


# --- who may mediate: the officers serving the case's region --------------------------------

def test_mediators_serve_the_case_region(wf: Engine) -> None:
    g1 = _case(wf, S.DISPATCHED, S.DISPUTE)
    g3 = _case(wf, S.DISPATCHED, S.DISPUTE, region_id=ws.G3)
    unlocated = _case(wf, S.DISPATCHED, S.DISPUTE, region_id=None)
    with store.transaction(wf) as conn:
        assert [o["id"] for o in followup.mediators_for(conn, g1)] == [ws.O1]
        assert followup.mediators_for(conn, g3) == []
        # O2 also serves G3 (and G2, its home); O4 (no grid) serves the town T1
        conn.execute(OfficerRegion.__table__.insert(), [
            {"officer_id": ws.O2, "region_id": ws.G2}, {"officer_id": ws.O2, "region_id": ws.G3},
            {"officer_id": ws.O4, "region_id": ws.T1}])
        # O1 left
        conn.execute(OfficerRoster.__table__.insert(), [
            {"officer_id": ws.O1, "role": "full_time", "active": False, "joined_at": NOW,
             "left_at": NOW, "updated_at": NOW}])
        assert [o["name"] for o in followup.mediators_for(conn, g3)] == sorted(["王芳", "赵敏"])
        assert [o["id"] for o in followup.mediators_for(conn, g1)] == [ws.O4]
        assert followup.mediators_for(conn, unlocated) == []
        assert followup.mediators_for(conn, 99999) == []
