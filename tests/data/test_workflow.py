"""The case workflow, exhaustively, on both stores.

The legal moves below are written from DOMAIN.md (GB/T 30428: report → file or void →
dispatch → resolve → verify and close; return, postpone, suspend, rework as exceptions;
urge on anything still open), not read from ``data.workflow``, so a wrong entry in the
module's table fails here.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event, select

from data import metrics, schema, store, workflow
from data.models import Case, CaseEvent
from tests import workflow_store as ws
from tests.workflow_store import NOW

S = schema
# (status, action) -> status after; everything not listed must be refused
LEGAL: dict[tuple[str, str], str] = {
    (S.REPORTED, "file"): S.FILED,
    (S.REPORTED, "void"): S.VOIDED,
    (S.FILED, "void"): S.VOIDED,
    (S.FILED, "dispatch"): S.DISPATCHED,
    (S.DISPATCHED, "return"): S.FILED,
    (S.DISPATCHED, "postpone"): S.DISPATCHED,
    (S.DISPATCHED, "resolve"): S.RESOLVED,
    (S.RESOLVED, "close"): S.CLOSED,
    (S.RESOLVED, "rework"): S.DISPATCHED,
    (S.FILED, "suspend"): S.SUSPENDED,
    (S.DISPATCHED, "suspend"): S.SUSPENDED,
    # ws.add_case suspends a dispatched case: it resumes as dispatched
    (S.SUSPENDED, "resume"): S.DISPATCHED,
    **{(s, "urge"): s for s in (S.REPORTED, S.FILED, S.DISPATCHED, S.RESOLVED, S.SUSPENDED)},
}
WORKFLOW_ACTIONS = ["file", "void", "dispatch", "return", "postpone", "resolve", "close",
                    "rework", "suspend", "resume", "urge"]
# valid parameters for each action, and what each legal action must write besides
# status/version/updated_at (the dispatched case of ws.add_case: CGJ, officer 1, due NOW+2d)
PARAMS = {
    "file": {}, "close": {}, "resume": {},
    "void": {"reason": "核实不属实"},
    "dispatch": {"department_id": ws.ZJJ, "officer_id": ws.O2},
    "return": {"reason": "非本单位职责"},
    "postpone": {"due_at": NOW + timedelta(days=5), "reason": "工程量大，申请延期"},
    "resolve": {"resolved_level": "community"},
    "rework": {"reason": "核查未通过"},
    "suspend": {"reason": "需季节性处置"},
    "urge": {"note": "请加快处置"},
}
WRITES = {
    "file": {"filed_at": NOW},
    "void": {"voided_at": NOW},
    # 占道经营 has a 2-hour limit
    "dispatch": {"department_id": ws.ZJJ, "officer_id": ws.O2, "dispatched_at": NOW,
                 "due_at": NOW + timedelta(hours=2)},
    "return": {"department_id": None, "officer_id": None, "dispatched_at": None,
               "due_at": None},
    "postpone": {"due_at": NOW + timedelta(days=5)},
    "resolve": {"resolved_at": NOW, "resolved_level": "community"},
    "close": {"closed_at": NOW},
    "rework": {"resolved_at": None, "resolved_level": None},
    "suspend": {}, "resume": {}, "urge": {},
}
NOTES = {"void": "核实不属实", "return": "非本单位职责", "postpone": "工程量大，申请延期",
         "rework": "核查未通过", "suspend": "需季节性处置", "urge": "请加快处置"}


def _row(engine: Engine, case_id: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(Case.__table__).where(Case.id == case_id)).one()._mapping)


def _events(engine: Engine, case_id: int) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(CaseEvent.action, CaseEvent.from_status, CaseEvent.to_status,
                   CaseEvent.actor, CaseEvent.note, CaseEvent.at)
            .where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))]


def _version(engine: Engine) -> int:
    with engine.connect() as conn:
        return store.data_version(conn)


@pytest.fixture
def wf(engine: Engine) -> Engine:
    ws.build(engine)
    return engine


def test_every_status_and_action_pair(wf: Engine) -> None:
    failures = []
    for status in S.STATUSES:
        for action in WORKFLOW_ACTIONS:
            with store.transaction(wf) as conn:
                case_id = ws.add_case(conn, status)
            before_row, before_events = _row(wf, case_id), _events(wf, case_id)
            before_snapshot, before_version = ws.snapshot(wf, case_id), _version(wf)
            where = f"{action} from {status}"
            if (status, action) in LEGAL:
                state = workflow.apply(wf, case_id, action, actor="指挥员甲",
                                       expected_version=1, now=NOW, **PARAMS[action])
                to = LEGAL[status, action]
                expected = {**before_row, **WRITES[action], "status": to, "version": 2,
                            "updated_at": NOW}
                after = _row(wf, case_id)
                if after != expected:
                    failures.append(f"{where}: row {after} != {expected}")
                new_events = _events(wf, case_id)
                if new_events != before_events + [(action, status, to, "指挥员甲",
                                                   NOTES.get(action), NOW)]:
                    failures.append(f"{where}: history {new_events[len(before_events):]}")
                if _version(wf) != before_version + 1:
                    failures.append(f"{where}: data version not bumped once")
                if (state.status, state.version, state.department_id, state.officer_id,
                        state.due_at) != (to, 2, expected["department_id"],
                                          expected["officer_id"], expected["due_at"]):
                    failures.append(f"{where}: returned {state}")
            else:
                with pytest.raises(workflow.IllegalTransition) as caught:
                    workflow.apply(wf, case_id, action, actor="指挥员甲", expected_version=1,
                                   now=NOW, **PARAMS[action])
                error = caught.value
                allowed = sorted(a for (s, a) in LEGAL if s == status)
                if (error.key, error.values["status"], error.values["action"],
                        sorted(error.values["allowed"])) != (
                        "illegal_transition", status, action, allowed):
                    failures.append(f"{where}: error {error.key} {error.values}")
                if status not in str(error) or action not in str(error):
                    failures.append(f"{where}: message {error}")
                if ws.snapshot(wf, case_id) != before_snapshot:
                    failures.append(f"{where}: refused but something was written")
    assert not failures, "\n".join(failures)


def test_allowed_actions_match_the_domain_table() -> None:
    for status in S.STATUSES:
        assert sorted(workflow.allowed_actions(status)) == sorted(
            a for (s, a) in LEGAL if s == status), status
    assert workflow.allowed_actions(S.CLOSED) == [] == workflow.allowed_actions(S.VOIDED)
    assert workflow.allowed_actions("no such status") == []


def test_the_history_actions_of_other_parts_are_not_workflow_steps(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.DISPATCHED)
    before = ws.snapshot(wf, case_id)
    for action in ("report", "import", "mediate", "rate", "teleport"):
        with pytest.raises(workflow.InvalidParameter) as caught:
            workflow.apply(wf, case_id, action, actor="甲", expected_version=1, now=NOW)
        assert caught.value.values["problem"] == "unknown_action"
        assert caught.value.values["value"] == action and action in str(caught.value)
    assert ws.snapshot(wf, case_id) == before


def test_resume_returns_to_the_status_before_the_suspension(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.FILED)
    workflow.apply(wf, case_id, "suspend", actor="甲", expected_version=1, now=NOW,
                   reason="等待工程")
    state = workflow.apply(wf, case_id, "resume", actor="甲", expected_version=2,
                           now=NOW + timedelta(hours=1), due_at=NOW + timedelta(days=9))
    assert state.status == S.FILED and state.due_at == NOW + timedelta(days=9)
    assert _events(wf, case_id)[-1][:3] == ("resume", S.SUSPENDED, S.FILED)


def test_a_case_imported_as_suspended_resumes_by_its_timestamps(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        plain = ws.add_case(conn, S.REPORTED)
        was_dispatched = ws.add_case(conn, S.REPORTED)
        conn.execute(Case.__table__.update().where(Case.id == plain)
                     .values(status=S.SUSPENDED))
        conn.execute(Case.__table__.update().where(Case.id == was_dispatched)
                     .values(status=S.SUSPENDED, dispatched_at=NOW - timedelta(days=1)))
    assert workflow.apply(wf, plain, "resume", actor="甲", expected_version=1,
                          now=NOW).status == S.FILED
    assert workflow.apply(wf, was_dispatched, "resume", actor="甲", expected_version=1,
                          now=NOW).status == S.DISPATCHED


def test_reason_may_come_as_the_note_and_both_are_kept(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        a, b = ws.add_case(conn, S.REPORTED), ws.add_case(conn, S.REPORTED)
    workflow.apply(wf, a, "void", actor="甲", expected_version=1, now=NOW, note="重复上报")
    workflow.apply(wf, b, "void", actor="甲", expected_version=1, now=NOW, reason="重复上报",
                   note="与W1相同")
    assert _events(wf, a)[-1][4] == "重复上报"
    assert _events(wf, b)[-1][4] == "重复上报；与W1相同"


def test_dispatch_deadline_in_working_days_skips_the_weekend(wf: Engine) -> None:
    # Friday 2026-11-20 10:00 in Shanghai (02:00 UTC) + 3 working days = Wednesday 11-25 10:00
    friday = datetime(2026, 11, 20, 2, 0)
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.FILED, subcategory=ws.DAILY)
        conn.execute(Case.__table__.update().where(Case.id == case_id).values(officer_id=ws.O3))
    state = workflow.apply(wf, case_id, "dispatch", actor="甲", expected_version=1, now=friday,
                           department_id=ws.ZJJ)
    assert state.due_at == datetime(2026, 11, 25, 2, 0)
    assert state.officer_id == ws.O3  # not given: the officer stays as it was


def test_a_given_deadline_wins_over_the_category(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.FILED, subcategory=None)
    due = NOW + timedelta(hours=30)
    state = workflow.apply(wf, case_id, "dispatch", actor="甲", expected_version=1, now=NOW,
                           department_id=ws.SWJ, due_at=due)
    assert (state.department_id, state.due_at) == (ws.SWJ, due)


# --- parameter errors: each names the parameter and the value, and writes nothing -------------

BAD = [
    # status, action, params, parameter, problem, value shown in the message
    (S.REPORTED, "void", {}, "reason", "required", "None"),
    (S.REPORTED, "void", {"reason": "   "}, "reason", "required", "'   '"),
    (S.DISPATCHED, "return", {"reason": ""}, "reason", "required", "''"),
    (S.DISPATCHED, "postpone", {"reason": "延期"}, "due_at", "required", "None"),
    (S.DISPATCHED, "postpone", {"due_at": NOW + timedelta(days=3)}, "reason", "required",
     "None"),
    # the current deadline is NOW + 2 days
    (S.DISPATCHED, "postpone", {"due_at": NOW + timedelta(days=1), "reason": "延期"}, "due_at",
     "not_after_current_deadline", "2026, 11, 19"),
    (S.DISPATCHED, "postpone", {"due_at": NOW + timedelta(days=2), "reason": "延期"}, "due_at",
     "not_after_current_deadline", "2026, 11, 20"),
    (S.DISPATCHED, "postpone", {"due_at": NOW - timedelta(hours=1), "reason": "延期"}, "due_at",
     "not_after_now", "2026, 11, 18, 1, 0"),
    (S.DISPATCHED, "postpone", {"due_at": "next week", "reason": "延期"}, "due_at",
     "not_a_datetime", "'next week'"),
    (S.DISPATCHED, "resolve", {"resolved_level": "village"}, "resolved_level",
     "unknown_resolved_level", "'village'"),
    (S.DISPATCHED, "resolve", {}, "resolved_level", "required", "None"),
    (S.FILED, "dispatch", {}, "department_id", "required", "None"),
    (S.FILED, "dispatch", {"department_id": 99}, "department_id", "unknown_department", "99"),
    (S.FILED, "dispatch", {"department_id": "CGJ"}, "department_id", "not_an_id", "'CGJ'"),
    (S.FILED, "dispatch", {"department_id": ws.CGJ, "officer_id": 99}, "officer_id",
     "unknown_officer", "99"),
    (S.FILED, "dispatch", {"department_id": ws.CGJ, "due_at": NOW}, "due_at", "not_after_now",
     "2026, 11, 18, 2, 0"),
    (S.FILED, "dispatch", {"department_id": ws.CGJ, "resolved_level": "grid"}, "resolved_level",
     "unknown_parameter", "'grid'"),
    (S.RESOLVED, "close", {"reason": "x"}, "reason", "unknown_parameter", "'x'"),
    (S.RESOLVED, "urge", {}, "note", "required", "None"),
    (S.SUSPENDED, "resume", {"due_at": NOW - timedelta(days=1)}, "due_at", "not_after_now",
     "2026, 11, 17"),
]


@pytest.mark.parametrize("status, action, params, parameter, problem, shown", BAD,
                         ids=[f"{b[1]}-{b[3]}-{b[4]}-{i}" for i, b in enumerate(BAD)])
def test_parameter_errors(wf: Engine, status, action, params, parameter, problem,
                          shown) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, status)
    before = ws.snapshot(wf, case_id)
    with pytest.raises(workflow.InvalidParameter) as caught:
        workflow.apply(wf, case_id, action, actor="甲", expected_version=1, now=NOW, **params)
    error = caught.value
    assert isinstance(error, workflow.WorkflowError) and error.key == "invalid_parameter"
    assert (error.values["parameter"], error.values["problem"], error.values["action"],
            error.values["case_id"]) == (parameter, problem, action, case_id)
    assert parameter in str(error) and shown in str(error)
    assert ws.snapshot(wf, case_id) == before


def test_dispatch_without_a_time_limit_needs_a_deadline(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.FILED, subcategory="不在分类表中")
    before = ws.snapshot(wf, case_id)
    with pytest.raises(workflow.InvalidParameter) as caught:
        workflow.apply(wf, case_id, "dispatch", actor="甲", expected_version=1, now=NOW,
                       department_id=ws.CGJ)
    assert caught.value.values["problem"] == "no_time_limit"
    assert "不在分类表中" in str(caught.value) and "due_at" in str(caught.value)
    assert ws.snapshot(wf, case_id) == before


def test_an_actor_must_be_named(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.REPORTED)
    before = ws.snapshot(wf, case_id)
    with pytest.raises(workflow.InvalidParameter) as caught:
        workflow.apply(wf, case_id, "file", actor=" ", expected_version=1, now=NOW)
    assert caught.value.values["parameter"] == "actor"
    assert ws.snapshot(wf, case_id) == before


def test_a_stale_version_is_refused_before_the_status_is_judged(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.REPORTED)
    workflow.apply(wf, case_id, "file", actor="甲", expected_version=1, now=NOW)
    before = ws.snapshot(wf, case_id)
    # the second commander still sees version 1 (reported): filing again is stale, not illegal
    with pytest.raises(workflow.CaseChanged) as caught:
        workflow.apply(wf, case_id, "file", actor="乙", expected_version=1, now=NOW)
    error = caught.value
    assert error.key == "case_changed"
    assert (error.values["version"], error.values["status"],
            error.values["expected_version"]) == (2, S.FILED, 1)
    assert "version 2" in str(error) and "filed" in str(error)
    assert ws.snapshot(wf, case_id) == before


def test_an_unknown_case(wf: Engine) -> None:
    with pytest.raises(workflow.CaseNotFound) as caught:
        workflow.apply(wf, 4242, "file", actor="甲", expected_version=1, now=NOW)
    assert caught.value.key == "case_not_found" and caught.value.values == {"case_id": 4242}
    assert "4242" in str(caught.value)


def test_inside_a_callers_transaction_a_refusal_leaves_it_usable(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.REPORTED)
    with wf.begin() as conn:
        with pytest.raises(workflow.IllegalTransition):
            workflow.apply(conn, case_id, "close", actor="甲", expected_version=1, now=NOW)
        workflow.apply(conn, case_id, "file", actor="甲", expected_version=1, now=NOW)
    assert _row(wf, case_id)["status"] == S.FILED


# --- the whole path, counted by the metrics ---------------------------------------------------

def test_a_full_path_is_counted_by_the_metrics(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.REPORTED, reported_at=NOW - timedelta(hours=1))
    h = lambda n: NOW + timedelta(hours=n)  # noqa: E731
    path = [
        ("file", {}, S.FILED),
        ("dispatch", {"department_id": ws.ZJJ}, S.DISPATCHED),  # due h(1) + 2 h
        ("return", {"reason": "非本单位职责"}, S.FILED),
        ("dispatch", {"department_id": ws.CGJ, "officer_id": ws.O1}, S.DISPATCHED),  # due h(5)
        ("postpone", {"due_at": h(48), "reason": "需协调"}, S.DISPATCHED),
        ("resolve", {"resolved_level": "community"}, S.RESOLVED),
        ("rework", {"reason": "核查未通过"}, S.DISPATCHED),
        ("resolve", {"resolved_level": "grid"}, S.RESOLVED),
        ("close", {}, S.CLOSED),
    ]
    version = 1
    for hour, (action, params, to) in enumerate(path):
        state = workflow.apply(wf, case_id, action, actor="指挥员", expected_version=version,
                               now=h(hour), **params)
        version += 1
        assert (state.status, state.version) == (to, version), action
    assert [e[0] for e in _events(wf, case_id)] == [
        "report", "file", "dispatch", "return", "dispatch", "postpone", "resolve", "rework",
        "resolve", "close"]
    row = _row(wf, case_id)
    assert (row["dispatched_at"], row["resolved_at"], row["closed_at"], row["due_at"],
            row["department_id"], row["resolved_level"]) == (
        h(3), h(7), h(8), h(48), ws.CGJ, "grid")

    tz = ZoneInfo(ws.TIMEZONE)
    period = metrics.period_for(date(2026, 11, 16), date(2026, 11, 22), tz)
    with wf.connect() as conn:
        m = metrics.compute(conn, None, period, as_of=NOW + timedelta(days=1))[0]
    # counted by hand from the path above: one case, reported, dispatched (last at h3),
    # resolved (last at h7) and closed (h8) in the period, on time (due h48)
    expected = {"reported": 1, "filed": 1, "dispatched": 1, "resolved": 1, "closed": 1,
                "closed_on_time": 1, "due_to_close": 1, "due_to_handle": 1, "open": 0,
                "overdue": 0, "dispatches": 2, "returns": 1, "closure_rate": 1.0,
                "on_time_closure_rate": 1.0, "handling_rate": 1.0,
                "rework_rate": 1.0,  # 1 rework event / 1 due to close
                "postponement_rate": 1.0,  # 1 postponed case / 1 due to handle
                "accurate_dispatch_rate": 0.5,  # (2 dispatches - 1 return) / 2
                "in_grid_resolution_rate": 1.0}
    assert {k: m[k] for k in expected} == expected


# --- two commanders at once -------------------------------------------------------------------

def _race(engine: Engine, case_id: int, moves: list[tuple[str, dict]],
          interleave: bool) -> list[object]:
    """Two threads, each with its own connection, apply their move to the same case at the
    same expected version, released together by a barrier. With ``interleave`` both have
    read the case before either writes (each waits at its UPDATE for the other)."""
    start = threading.Barrier(2, timeout=30)
    at_update = threading.Barrier(2, timeout=30)
    outcomes: list[object] = [None, None]

    def run(i: int) -> None:
        action, params = moves[i]
        try:
            with engine.connect() as conn:
                if interleave:
                    @event.listens_for(conn, "before_cursor_execute")
                    def _wait(conn_, cursor, statement, *args):  # noqa: ANN001
                        if statement.lstrip().upper().startswith("UPDATE CASES"):
                            at_update.wait()
                start.wait()
                with conn.begin():
                    outcomes[i] = workflow.apply(conn, case_id, action, actor=f"指挥员{i}",
                                                 expected_version=1, now=NOW, **params)
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


@pytest.mark.parametrize("interleave", [True, False], ids=["both-read-first", "free-running"])
def test_two_commanders_at_once_exactly_one_wins(wf: Engine, interleave: bool) -> None:
    moves = [("dispatch", {"department_id": ws.ZJJ}), ("void", {"reason": "重复"})]
    for attempt in range(25):
        with store.transaction(wf) as conn:
            case_id = ws.add_case(conn, S.FILED)
        events_before, version_before = _events(wf, case_id), _version(wf)
        outcomes = _race(wf, case_id, moves, interleave)
        won = [o for o in outcomes if isinstance(o, workflow.CaseState)]
        lost = [o for o in outcomes if isinstance(o, workflow.CaseChanged)]
        assert len(won) == 1 and len(lost) == 1, f"attempt {attempt}: {outcomes}"
        winner = outcomes.index(won[0])
        row = _row(wf, case_id)
        assert row["version"] == 2 and row["status"] == won[0].status
        assert row["status"] == (S.DISPATCHED if winner == 0 else S.VOIDED)
        new = _events(wf, case_id)[len(events_before):]
        assert [(e[0], e[3]) for e in new] == [(moves[winner][0], f"指挥员{winner}")]
        assert _version(wf) == version_before + 1
        assert lost[0].values["version"] == 2 and lost[0].values["status"] == row["status"]


# --- many at once -----------------------------------------------------------------------------

def test_apply_many_commits_each_case_on_its_own(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        ok1, stale, wrong, ok2 = (ws.add_case(conn, S.FILED) for _ in range(4))
        conn.execute(Case.__table__.update().where(Case.id == wrong)
                     .values(status=S.CLOSED))
    workflow.apply(wf, stale, "urge", actor="乙", expected_version=1, now=NOW, note="快")
    stale_before, wrong_before = ws.snapshot(wf, stale), ws.snapshot(wf, wrong)
    results = workflow.apply_many(
        wf, [(ok1, 1), (stale, 1), (wrong, 1), (ok2, 1, {"department_id": ws.SWJ})],
        "dispatch", actor="甲", now=NOW, department_id=ws.ZJJ)
    assert [r.case_id for r in results] == [ok1, stale, wrong, ok2]
    assert [r.ok for r in results] == [True, False, False, True]
    assert isinstance(results[1].error, workflow.CaseChanged)
    assert isinstance(results[2].error, workflow.IllegalTransition)
    assert _row(wf, ok1)["department_id"] == ws.ZJJ and _row(wf, ok2)["department_id"] == ws.SWJ
    assert results[3].state.status == S.DISPATCHED
    assert ws.snapshot(wf, stale)[:2] == stale_before[:2]
    assert ws.snapshot(wf, wrong)[:2] == wrong_before[:2]



# --- what the console reads -------------------------------------------------------------------

def test_history_oldest_first(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.REPORTED, reported_at=NOW - timedelta(hours=3))
    workflow.apply(wf, case_id, "file", actor="甲", expected_version=1, now=NOW)
    workflow.apply(wf, case_id, "urge", actor="乙", expected_version=2, now=NOW, note="快")
    got = [(h.action, h.from_status, h.to_status, h.actor, h.note, h.at)
           for h in workflow.history(wf, case_id)]
    assert got == [("report", None, S.REPORTED, "测试", None, NOW - timedelta(hours=3)),
                   ("file", S.REPORTED, S.FILED, "甲", None, NOW),
                   ("urge", S.FILED, S.FILED, "乙", "快", NOW)]
    with pytest.raises(workflow.CaseNotFound):
        workflow.history(wf, 777)


def test_an_aware_now_is_taken_as_the_moment_it_names(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, S.REPORTED)
    beijing = timezone(timedelta(hours=8))
    workflow.apply(wf, case_id, "file", actor="甲", expected_version=1,
                   now=datetime(2026, 11, 18, 10, 0, tzinfo=beijing))
    assert _row(wf, case_id)["filed_at"] == NOW  # 10:00 in Beijing is 02:00 UTC
    with store.transaction(wf) as conn:
        dispatched = ws.add_case(conn, S.DISPATCHED)
    state = workflow.apply(wf, dispatched, "postpone", actor="甲", expected_version=1, now=NOW,
                           reason="延期", due_at=datetime(2026, 11, 25, 10, 0, tzinfo=beijing))
    assert state.due_at == _row(wf, dispatched)["due_at"] == datetime(2026, 11, 25, 2, 0)


def test_two_commanders_on_two_cases_both_mark_the_data_changed(wf: Engine) -> None:
    """Each write moves the data version, even when two commit at once: a live view that saw
    the first change must still see the second. On PostgreSQL both transactions are held
    until both are about to bump the version (read-then-write would lose one bump); SQLite
    serialises writers, so there the two run free."""
    hold = wf.dialect.name == "postgresql"
    for attempt in range(10):
        with store.transaction(wf) as conn:
            cases = [ws.add_case(conn, S.REPORTED), ws.add_case(conn, S.REPORTED)]
        before = _version(wf)
        at_bump = threading.Barrier(2, timeout=30)
        outcomes: list[object] = [None, None]

        def run(i: int) -> None:
            try:
                with wf.connect() as conn:
                    if hold:
                        waited = []

                        @event.listens_for(conn, "before_cursor_execute")
                        def _wait(conn_, cursor, statement, *args):  # noqa: ANN001
                            if ("meta" in statement and "data_version" in str(args[0])
                                    and not waited):
                                waited.append(True)
                                at_bump.wait()
                    with conn.begin():
                        outcomes[i] = workflow.apply(conn, cases[i], "file", actor=f"指挥员{i}",
                                                     expected_version=1, now=NOW)
            except Exception as error:  # noqa: BLE001 - the test inspects it
                outcomes[i] = error

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert all(isinstance(o, workflow.CaseState) for o in outcomes), outcomes
        assert _version(wf) == before + 2, f"attempt {attempt}: {before} {outcomes}"


def test_apply_many_needs_an_engine_for_its_transactions(wf: Engine) -> None:
    with wf.connect() as conn, pytest.raises(TypeError):
        workflow.apply_many(conn, [(1, 1)], "file", actor="甲", now=NOW)
