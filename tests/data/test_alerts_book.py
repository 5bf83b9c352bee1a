"""The alerts kept in the store (:mod:`data.alerts.book`, :mod:`data.alerts.actions`):
findings become alerts once per key, are brought up to date, close themselves when no
longer found, stay closed when a person closed them; a failing rule loses nothing of the
others; actions check versions and states like the case workflow; assigning makes a real
case; the listing keeps to a region; recomputing only when the data moved. Hand-made
findings and fake rule modules (tests/alert_fakes.py) on the workflow's hand-built store,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from data import audit, migrate, store, workflow
from data.alerts import actions, book
from data.alerts.finding import Finding
from data.alerts.registry import Rule
from data.models import Alert, AlertCase, Case, CaseEvent, Meta
from tests import alert_fakes, previous_store, workflow_store as ws
from tests.workflow_store import G1, G2, G3, NOW, T1

LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def world(engine: Engine) -> Engine:
    ws.build(engine)
    alert_fakes.reset()
    yield engine
    alert_fakes.reset()


def _cases(engine: Engine, n: int, region_id: int = G1, subcategory: str = ws.HOURLY
           ) -> list[int]:
    with store.transaction(engine) as conn:
        ids = [ws.add_case(conn, region_id=region_id, subcategory=subcategory)
               for _ in range(n)]
        store.bump_data_version(conn)
    return ids


def _surge(key: str = "surge:G1:占道经营:2026-11-17", level: str = "orange",
           region_id: int | None = G1, cases: tuple[int, ...] = (), count: int = 23
           ) -> Finding:
    return Finding("surge", key, level, region_id, NOW - timedelta(hours=20), cases,
                   {"count": count, "expected": 4.1, "p": 0.0004, "days": 7,
                    "category": ws.HOURLY})


def _apply(engine: Engine, now: datetime, found: dict[str, list[Finding]], **kw):
    with store.transaction(engine) as conn:
        return book.apply_findings(conn, now, found, **kw)


def _alerts(engine: Engine) -> list:
    with engine.connect() as conn:
        return book.list_alerts(conn, state="all")


# --- findings into alerts ------------------------------------------------------------------

def test_a_new_key_becomes_a_new_alert_with_its_cases_and_facts(world):
    cases = tuple(_cases(world, 3))

    result = _apply(world, NOW, {"surge": [_surge(cases=cases)]})

    assert (result.created, result.updated, result.closed, result.changed) == (1, 0, 0, True)
    [alert] = _alerts(world)
    assert (alert.rule, alert.level, alert.region_id, alert.region_code, alert.state) == (
        "surge", "orange", G1, "G1", "new")
    assert (alert.first_seen_at, alert.last_seen_at, alert.version) == (NOW, NOW, 1)
    assert alert.started_at == NOW - timedelta(hours=20)
    assert alert.case_ids == tuple(sorted(cases))
    assert alert.facts == {"count": 23, "expected": 4.1, "p": 0.0004, "days": 7,
                           "category": ws.HOURLY}
    with world.connect() as conn:
        assert book.alerts_version(conn) == 1
        assert store.get_meta(conn, book.COMPUTED_AT) == NOW.isoformat()


def test_a_key_found_again_updates_its_one_alert_and_a_new_level_moves_its_version(world):
    first, more = _cases(world, 3), _cases(world, 2)
    _apply(world, NOW, {"surge": [_surge(cases=tuple(first))]})

    result = _apply(world, LATER, {"surge": [_surge(level="red", count=30,
                                                    cases=tuple(first[1:] + more))]})

    assert (result.created, result.updated, result.closed) == (0, 1, 0)
    [alert] = _alerts(world)
    assert (alert.level, alert.facts["count"], alert.version) == ("red", 30, 2)
    assert alert.case_ids == tuple(sorted(first[1:] + more))
    assert (alert.first_seen_at, alert.last_seen_at) == (NOW, LATER)

    # facts alone changing: updated, but a commander's view is not made stale
    again = _apply(world, LATER + timedelta(minutes=5),
                   {"surge": [_surge(level="red", count=31, cases=tuple(first[1:] + more))]})
    [alert] = _alerts(world)
    assert (again.updated, alert.facts["count"], alert.version) == (1, 31, 2)


def test_the_same_findings_twice_make_no_duplicate_and_change_nothing_but_last_seen(world):
    cases = tuple(_cases(world, 3))
    findings = {"surge": [_surge(cases=cases), _surge("surge:G2:x", region_id=G2)]}
    _apply(world, NOW, findings)
    with world.connect() as conn:
        version_before = book.alerts_version(conn)

    result = _apply(world, LATER, findings)

    assert (result.created, result.updated, result.closed, result.changed) == (0, 0, 0, False)
    alerts = _alerts(world)
    assert len(alerts) == 2 and {a.last_seen_at for a in alerts} == {LATER}
    assert {a.version for a in alerts} == {1}
    with world.connect() as conn:
        assert book.alerts_version(conn) == version_before
        assert conn.scalar(select(func.count()).select_from(AlertCase)) == 3


def test_one_key_listed_twice_in_a_run_is_one_alert_at_the_more_urgent_level(world):
    a, b = _cases(world, 2)
    _apply(world, NOW, {"surge": [_surge(level="yellow", cases=(a,)),
                                  _surge(level="red", cases=(b,))]})
    [alert] = _alerts(world)
    assert (alert.level, alert.case_ids) == ("red", tuple(sorted((a, b))))


def test_an_alert_no_longer_found_closes_itself_saying_so_and_other_rules_stay(world):
    _apply(world, NOW, {"surge": [_surge()],
                        "stuck_case": [Finding("stuck_case", "stuck_case:1", "yellow", G2,
                                               NOW, (), {"reason": "overdue"})]})

    result = _apply(world, LATER, {"surge": []})  # stuck_case did not run this time

    assert (result.closed, result.changed) == (1, True)
    by_rule = {a.rule: a for a in _alerts(world)}
    surge = by_rule["surge"]
    assert (surge.state, surge.closed_by, surge.closed_at, surge.version) == (
        "closed", "system", LATER, 2)
    assert surge.close_note == book.SYSTEM_CLOSE_NOTE == "预警条件已不再成立，系统自动关闭"
    assert by_rule["stuck_case"].state == "new"


def test_a_key_a_person_closed_is_not_reopened_while_it_keeps_being_found(world):
    _apply(world, NOW, {"surge": [_surge()]})
    [alert] = _alerts(world)
    actions.close(world, alert.id, actor="指挥长", expected_version=1, note="已核实，临时集市",
                  now=NOW + timedelta(minutes=1))

    result = _apply(world, LATER, {"surge": [_surge(level="red")]})

    [after] = _alerts(world)
    assert (result.created, result.reopened, result.changed) == (0, 0, False)
    assert (after.state, after.closed_by, after.close_note, after.level) == (
        "closed", "指挥长", "已核实，临时集市", "orange")
    assert after.last_seen_at == LATER


def test_a_key_the_system_closed_and_found_again_is_reopened_as_new(world):
    _apply(world, NOW, {"surge": [_surge()]})
    _apply(world, NOW + timedelta(minutes=1), {"surge": []})

    result = _apply(world, LATER, {"surge": [_surge()]})

    [alert] = _alerts(world)
    assert (result.reopened, alert.state, alert.closed_by, alert.closed_at) == (
        1, "new", None, None)
    assert alert.version == 3 and alert.first_seen_at == NOW


def test_a_turned_off_rule_closes_its_open_alerts(world):
    _apply(world, NOW, {"surge": [_surge()]})

    result = _apply(world, LATER, {}, disabled=["surge"])

    [alert] = _alerts(world)
    assert (result.closed, alert.state, alert.close_note) == (
        1, "closed", book.DISABLED_CLOSE_NOTE)


def test_writes_from_older_data_than_the_stored_alerts_are_skipped(world):
    _apply(world, NOW, {"surge": [_surge()]}, data_version=5)

    result = _apply(world, LATER, {"surge": []}, data_version=4)

    assert result.skipped and not result.changed
    assert [a.state for a in _alerts(world)] == ["new"]


# --- running the rules -----------------------------------------------------------------------

def test_a_missing_or_failing_rule_is_reported_and_loses_nothing_of_the_others(world):
    cases = tuple(_cases(world, 2))
    rules = (*alert_fakes.rules("surge", "stuck_case"),
             Rule("repeat_location", "gone", "tests.no_such_alert_rule_module"),
             Rule("blind_spot", "broken", "tests.alert_fakes_broken"))
    params = {**alert_fakes.params("surge", "stuck_case"),
              "repeat_location": {"enabled": True}, "blind_spot": {"enabled": True}}
    # an open alert of the broken rule, from an earlier run
    _apply(world, NOW - timedelta(hours=1), {"blind_spot": [Finding(
        "blind_spot", "blind_spot:G3", "yellow", G3, NOW, (), {"days_without_patrol": 8})]})
    alert_fakes.FOUND["surge"] = [_surge(cases=cases)]

    result = book.refresh(world, NOW, params, rules)

    assert [f.rule for f in result.failed] == ["repeat_location", "blind_spot"]
    assert result.failed[0].error.startswith("ModuleNotFoundError")
    assert result.failed[1].error == "RuntimeError: the fake rule broke"
    assert result.created == 1
    states = {a.rule: a.state for a in _alerts(world)}
    assert states == {"surge": "new", "blind_spot": "new"}  # the broken rule's kept open
    assert alert_fakes.CALLS == [("surge", NOW), ("stuck_case", NOW)]


def test_a_rule_returning_another_rules_finding_is_a_failure_of_that_rule(world):
    alert_fakes.FOUND["surge"] = [Finding("stuck_case", "stuck_case:9", "red", G1, NOW)]
    result = book.refresh(world, NOW, alert_fakes.params("surge"),
                          alert_fakes.rules("surge"))
    assert [f.rule for f in result.failed] == ["surge"] and _alerts(world) == []


def test_a_key_too_long_for_the_store_is_a_failure_of_its_rule(world):
    alert_fakes.FOUND["surge"] = [_surge("surge:" + "x" * 250)]
    alert_fakes.FOUND["stuck_case"] = [Finding("stuck_case", "stuck_case:1", "red", G1, NOW)]
    result = book.refresh(world, NOW, alert_fakes.params("surge", "stuck_case"),
                          alert_fakes.rules("surge", "stuck_case"))
    assert [f.rule for f in result.failed] == ["surge"]
    assert "longer than 255" in result.failed[0].error
    assert [a.key for a in _alerts(world)] == ["stuck_case:1"]


def test_a_disabled_rule_is_not_run(world):
    params = alert_fakes.params("surge", "stuck_case")
    params["stuck_case"]["enabled"] = False
    book.refresh(world, NOW, params, alert_fakes.rules("surge", "stuck_case"))
    assert [rule for rule, _ in alert_fakes.CALLS] == ["surge"]


def test_alerts_are_recomputed_only_when_the_data_the_parameters_or_the_time_moved(world):
    rules, params = alert_fakes.rules("surge"), alert_fakes.params("surge")
    alert_fakes.FOUND["surge"] = [_surge()]
    assert book.ensure_current(world, NOW, params, rules).created == 1
    assert len(alert_fakes.CALLS) == 1

    assert book.ensure_current(world, LATER, params, rules) is None  # nothing moved
    assert len(alert_fakes.CALLS) == 1

    _cases(world, 1)  # the data moved
    assert book.ensure_current(world, LATER, params, rules) is not None
    assert len(alert_fakes.CALLS) == 2

    other = alert_fakes.params("surge", surge={"min_count": 9})
    assert book.ensure_current(world, LATER, other, rules) is not None
    assert len(alert_fakes.CALLS) == 3

    late = LATER + book.RECOMPUTE_AFTER
    assert book.ensure_current(world, late, other, rules) is not None
    assert len(alert_fakes.CALLS) == 4


# --- actions ------------------------------------------------------------------------------------

def _one_alert(engine: Engine, **kw) -> int:
    _apply(engine, NOW, {"surge": [_surge(**kw)]})
    return _alerts(engine)[0].id


def _row(engine: Engine, alert_id: int) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(select(Alert.__table__).where(Alert.id == alert_id)).one())


def test_acknowledge_then_close_with_a_note_each_moving_the_version(world):
    alert_id = _one_alert(world)
    who = audit.Who("指挥长", audit.USER, "10.0.0.9")

    state = actions.acknowledge(world, alert_id, actor="指挥长", expected_version=1,
                                now=LATER, audit=who)
    assert (state.state, state.version) == ("acknowledged", 2)
    closed = actions.close(world, alert_id, actor="指挥长", expected_version=2,
                           note="已处理", now=LATER, audit=who)
    assert (closed.state, closed.version) == ("closed", 3)
    with world.connect() as conn:
        alert = book.get_alert(conn, alert_id)
    assert (alert.acknowledged_by, alert.acknowledged_at, alert.closed_by,
            alert.close_note) == ("指挥长", LATER, "指挥长", "已处理")
    rows = audit.query(world, kinds=[audit.ALERT_ACTION]).rows
    assert sorted((r.detail["action"], r.result) for r in rows) == [
        ("acknowledge", "ok"), ("close", "ok")]


def test_a_stale_version_is_refused_and_nothing_is_written(world):
    alert_id = _one_alert(world)
    actions.acknowledge(world, alert_id, actor="甲", expected_version=1, now=LATER)
    before = _row(world, alert_id)

    with pytest.raises(actions.AlertChanged) as refused:
        actions.close(world, alert_id, actor="乙", expected_version=1, note="重复",
                      now=LATER, audit=audit.Who("乙"))

    assert refused.value.key == "alert_changed"
    assert refused.value.values == {"alert_id": alert_id, "expected_version": 1,
                                    "version": 2, "state": "acknowledged"}
    assert isinstance(refused.value, workflow.WorkflowError)
    assert _row(world, alert_id) == before
    [failed] = audit.query(world, kinds=[audit.ALERT_ACTION]).rows
    assert (failed.result, failed.detail["why"]) == ("failed", "alert_changed")


def test_actions_not_possible_from_the_state_or_missing_a_note_are_refused(world):
    alert_id = _one_alert(world)
    with pytest.raises(actions.InvalidAlertParameter) as no_note:
        actions.close(world, alert_id, actor="甲", expected_version=1, note="  ")
    assert no_note.value.values["parameter"] == "note"
    actions.close(world, alert_id, actor="甲", expected_version=1, note="误报")
    with pytest.raises(actions.IllegalAlertAction) as illegal:
        actions.acknowledge(world, alert_id, actor="甲", expected_version=2)
    assert illegal.value.values == {"alert_id": alert_id, "action": "acknowledge",
                                    "state": "closed"}
    with pytest.raises(actions.AlertNotFound):
        actions.acknowledge(world, alert_id + 99, actor="甲", expected_version=1)


def test_assign_makes_a_filed_supervision_case_in_the_alerts_region(world):
    cases = _cases(world, 3, region_id=G2, subcategory=ws.DAILY)
    alert_id = _one_alert(world, region_id=G2, cases=tuple(cases))
    with world.connect() as conn:
        codes = sorted(conn.scalars(select(Case.code).where(Case.id.in_(cases))))
        version = store.data_version(conn)

    state = actions.assign(world, alert_id, actor="指挥长", expected_version=1, now=LATER,
                           audit=audit.Who("指挥长"))

    assert (state.state, state.version) == ("assigned", 2)
    with world.connect() as conn:
        case = conn.execute(select(Case.__table__).where(
            Case.id == state.assigned_case_id)).one()
        history = conn.execute(select(CaseEvent.action, CaseEvent.actor).where(
            CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
        alert = book.get_alert(conn, alert_id)
        assert store.data_version(conn) > version
    assert (case.code, case.status, case.region_id, case.subcategory, case.source) == (
        state.assigned_case_code, "filed", G2, ws.DAILY, "other")
    assert all(code in case.description for code in codes)
    assert f"预警 #{alert_id}" in case.description
    assert history == [("report", "指挥长"), ("file", "指挥长")]
    assert (alert.state, alert.assigned_case_id, alert.acknowledged_by) == (
        "assigned", case.id, "指挥长")
    assert alert.case_ids == tuple(sorted(cases))  # the supervision case is not one of them


def test_assign_with_no_region_or_no_category_is_refused_and_writes_nothing(world):
    nowhere = _one_alert(world, region_id=None)
    with world.connect() as conn:
        cases_before = conn.scalar(select(func.count()).select_from(Case))
    with pytest.raises(actions.InvalidAlertParameter) as refused:
        actions.assign(world, nowhere, actor="甲", expected_version=1)
    assert refused.value.values["problem"] == "no_region"
    _apply(world, NOW, {"surge": [_surge(region_id=None), _surge("surge:G3:none", region_id=G3)]})
    uncased = [a.id for a in _alerts(world) if a.region_id == G3][0]
    with pytest.raises(actions.InvalidAlertParameter) as no_category:
        actions.assign(world, uncased, actor="甲", expected_version=1)
    assert no_category.value.values["problem"] == "no_category"
    with pytest.raises(actions.InvalidAlertParameter) as unknown:
        actions.assign(world, uncased, actor="甲", expected_version=1, service_code="ZZ9")
    assert unknown.value.values["problem"] == "unknown_service"
    with world.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Case)) == cases_before
    assert {a.state for a in _alerts(world)} == {"new"}
    # given a category, the alert without cases is assigned
    state = actions.assign(world, uncased, actor="甲", expected_version=1, service_code="C03",
                           description="巡查盲区督办")
    assert state.state == "assigned"


# --- the listing ---------------------------------------------------------------------------------

def test_the_listing_keeps_to_the_regions_subtree_and_its_filters(world):
    _apply(world, NOW, {
        "surge": [_surge("surge:G1", level="yellow", region_id=G1),
                  _surge("surge:G2", level="red", region_id=G2),
                  _surge("surge:all", level="orange", region_id=None)],
        "stuck_case": [Finding("stuck_case", "stuck_case:7", "orange", G3, NOW, (),
                               {"reason": "overdue", "overdue_days": 9})]})
    g2 = [a.id for a in _alerts(world) if a.key == "surge:G2"][0]
    actions.acknowledge(world, g2, actor="甲", expected_version=1)
    with world.connect() as conn:
        def keys(region_id=None, **kw):
            return [a.key for a in book.list_alerts(conn, region_id, **kw)]

        assert keys(G1) == ["surge:G1"]
        assert keys(T1) == ["surge:G2", "stuck_case:7", "surge:G1"]  # red first
        assert keys() == ["surge:G2", "stuck_case:7", "surge:all", "surge:G1"]
        assert keys(T1, state="new") == ["stuck_case:7", "surge:G1"]
        assert keys(T1, rule="stuck_case") == ["stuck_case:7"]
        assert keys(level="orange") == ["stuck_case:7", "surge:all"]
        assert keys(T1, state="closed") == []
        assert keys(limit=1) == ["surge:G2"]
        for bad in ({"state": "opened"}, {"rule": "flood"}, {"level": "purple"}):
            with pytest.raises(ValueError, match=next(iter(bad))):
                book.list_alerts(conn, **bad)
        row = book.list_alerts(conn, G1)[0].as_dict()
    assert json.loads(json.dumps(row))["first_seen_at"] == NOW.isoformat()


# --- the upgrade from 0006 ------------------------------------------------------------------------

def test_a_store_at_0006_with_data_is_upgraded_to_0007_and_takes_alerts(engine):
    previous_store.load(engine)
    assert migrate.upgrade(engine, to="0006").after == "0006"

    report = migrate.upgrade(engine)

    assert (report.before, report.after) == ("0006", "0008")
    assert [note[:5] for note in report.notes] == ["0008:"]  # 0007 makes its tables, silent
    assert previous_store.row_counts(engine) == previous_store.ROWS
    store.init_db(engine)
    with engine.connect() as conn:
        case_ids = conn.scalars(select(Case.id).order_by(Case.id).limit(3)).all()
        region_id = conn.scalar(select(Case.region_id).where(Case.id == case_ids[0]))
        assert store.get_meta(conn, book.COMPUTED_VERSION) is None  # computed when asked
    alert_fakes.reset()
    alert_fakes.FOUND["surge"] = [Finding("surge", "surge:x", "red", region_id,
                                          datetime(2026, 11, 30), tuple(case_ids))]
    result = book.ensure_current(engine, datetime(2026, 12, 1), alert_fakes.params("surge"),
                                 alert_fakes.rules("surge"))
    alert_fakes.reset()
    assert result.created == 1
    with engine.connect() as conn:
        [alert] = book.list_alerts(conn, region_id)
        assert alert.case_ids == tuple(case_ids)
        assert conn.scalar(select(Meta.value).where(Meta.key == book.COMPUTED_VERSION)) \
            == str(store.data_version(conn))


def test_two_workers_refreshing_at_once_write_one_alert_per_key(world):
    alert_fakes.FOUND["surge"] = [_surge(), _surge("surge:G2", region_id=G2)]
    rules, params = alert_fakes.rules("surge"), alert_fakes.params("surge")
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    results = []

    def worker(now) -> None:
        own = store.make_engine(world.url.render_as_string(hide_password=False))
        try:
            start.wait()
            results.append(book.refresh(own, now, params, rules))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=worker, args=(now,)) for now in (NOW, LATER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.created for r in results) == [0, 2]
    assert sorted(a.key for a in _alerts(world)) == sorted(f.key for f in
                                                           alert_fakes.FOUND["surge"])
