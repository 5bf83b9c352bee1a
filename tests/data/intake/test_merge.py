"""Deciding a suspected duplicate (data/intake/merge.py), on both stores.

The cases come from :mod:`tests.workflow_store`; the duplicate links are inserted by hand
(``case_links`` rows), as the intake's duplicate finder would leave them.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select, update

from data import audit, metrics, schema, store
from data.intake.merge import NoSuchLink, dismiss, links_of, merge
from data.models import AuditEntry, Case, CaseEvent, CaseLink
from data.workflow import CaseChanged, CaseNotFound, IllegalTransition, InvalidParameter
from tests import workflow_store as ws
from tests.workflow_store import NOW

OLDER_AT = NOW - timedelta(hours=5)
NEWER_AT = NOW - timedelta(hours=1)


@pytest.fixture
def wf(engine: Engine) -> Engine:
    ws.build(engine)
    return engine


def _pair(engine: Engine, older_status: str = schema.FILED,
          newer_status: str = schema.REPORTED, *, link: str | None = schema.SUSPECTED,
          newer_region: int = ws.G1, reporter: str = "李大爷") -> tuple[int, int]:
    """An older case and a newer one 12 m away, with a link in state ``link``."""
    with store.transaction(engine) as conn:
        older = ws.add_case(conn, older_status, reported_at=OLDER_AT)
        newer = ws.add_case(conn, newer_status, region_id=newer_region, reported_at=NEWER_AT)
        conn.execute(update(Case).where(Case.id == newer).values(reporter=reporter))
        if link is not None:
            conn.execute(insert(CaseLink).values(
                case_id=newer, other_id=older, kind=schema.DUPLICATE, state=link,
                distance_m=12.0, created_at=NEWER_AT))
    return older, newer


def _snapshot(engine: Engine, *case_ids: int) -> tuple:
    with engine.connect() as conn:
        links = conn.execute(select(CaseLink.__table__).order_by(CaseLink.id)).all()
    return (tuple(ws.snapshot(engine, c) for c in case_ids), tuple(map(tuple, links)))


def _row(engine: Engine, case_id: int):
    with engine.connect() as conn:
        return conn.execute(select(Case.__table__).where(Case.id == case_id)).mappings().one()


def _events(engine: Engine, case_id: int, action: str) -> list:
    with engine.connect() as conn:
        return conn.execute(select(CaseEvent.from_status, CaseEvent.to_status, CaseEvent.actor,
                                   CaseEvent.note, CaseEvent.at)
                            .where(CaseEvent.case_id == case_id, CaseEvent.action == action)
                            ).all()


def test_merge_voids_the_newer_and_writes_both_histories(wf):
    older, newer = _pair(wf)
    with wf.connect() as conn:
        before = store.data_version(conn)
        old_code = conn.scalar(select(Case.code).where(Case.id == older))
        new_code = conn.scalar(select(Case.code).where(Case.id == newer))
    versions = merge(wf, newer, older, actor="张指挥", expected_versions={newer: 1, older: 1},
                     now=NOW)
    assert versions == {newer: 2, older: 2}
    n, o = _row(wf, newer), _row(wf, older)
    assert (n["status"], n["voided_at"], n["version"]) == (schema.VOIDED, NOW, 2)
    assert (o["status"], o["version"], o["voided_at"]) == (schema.FILED, 2, None)
    assert _events(wf, newer, "merge") == [
        (schema.REPORTED, schema.VOIDED, "张指挥", f"并入 {old_code}", NOW)]
    # the older case names the newer one and who reported it
    ((frm, to, actor, note, at),) = _events(wf, older, "merge")
    assert (frm, to, actor, at) == (schema.FILED, schema.FILED, "张指挥", NOW)
    assert new_code in note and "李大爷" in note
    with wf.connect() as conn:
        link = conn.execute(select(CaseLink.state, CaseLink.decided_by, CaseLink.decided_at)
                            ).one()
        assert store.data_version(conn) == before + 1
    assert tuple(link) == (schema.MERGED, "张指挥", NOW)


def test_links_are_read_from_both_cases(wf):
    older, newer = _pair(wf)
    with wf.connect() as conn:
        (mine,), (theirs,) = links_of(conn, newer), links_of(conn, older)
        old_code = conn.scalar(select(Case.code).where(Case.id == older))
    assert (mine["this_is_newer"], mine["other_id"], mine["other_code"], mine["state"],
            mine["distance_m"], mine["decidable"]) == (True, older, old_code,
                                                       schema.SUSPECTED, 12.0, True)
    assert (theirs["this_is_newer"], theirs["other_id"], theirs["other_status"]) == (
        False, newer, schema.REPORTED)
    merge(wf, newer, older, actor="张指挥", now=NOW)
    with wf.connect() as conn:
        (after,) = links_of(conn, older)
        assert links_of(conn, ws.add_case(conn)) == []
    assert (after["state"], after["decided_by"], after["decidable"]) == (
        schema.MERGED, "张指挥", False)


def test_a_stale_view_is_refused_and_nothing_is_written(wf):
    older, newer = _pair(wf)
    before = _snapshot(wf, older, newer)
    with pytest.raises(CaseChanged) as stale:
        merge(wf, newer, older, actor="张指挥", expected_versions={newer: 1, older: 0},
              now=NOW)
    assert stale.value.values["case_id"] == older and stale.value.values["version"] == 1
    assert _snapshot(wf, older, newer) == before


@pytest.mark.parametrize("status", [schema.CLOSED, schema.VOIDED])
def test_a_closed_or_voided_older_case_is_refused(wf, status):
    older, newer = _pair(wf, older_status=status)
    before = _snapshot(wf, older, newer)
    with pytest.raises(IllegalTransition) as refused:
        merge(wf, newer, older, actor="张指挥", now=NOW)
    assert refused.value.values["case_id"] == older
    assert refused.value.values["status"] == status
    assert _snapshot(wf, older, newer) == before


@pytest.mark.parametrize("status", [schema.DISPATCHED, schema.CLOSED, schema.VOIDED])
def test_only_a_reported_or_filed_newer_case_can_be_merged_away(wf, status):
    older, newer = _pair(wf, newer_status=status)
    before = _snapshot(wf, older, newer)
    with pytest.raises(IllegalTransition) as refused:
        merge(wf, newer, older, actor="张指挥", now=NOW)
    assert refused.value.values["case_id"] == newer
    assert _snapshot(wf, older, newer) == before


def test_swapped_cases_unknown_ids_and_the_same_case_are_refused(wf):
    older, newer = _pair(wf)
    before = _snapshot(wf, older, newer)
    with pytest.raises(InvalidParameter) as swapped:
        merge(wf, older, newer, actor="张指挥", now=NOW)  # the older into the newer
    assert swapped.value.values["problem"] == "not_newer"
    with pytest.raises(InvalidParameter) as itself:
        merge(wf, newer, newer, actor="张指挥", now=NOW)
    assert itself.value.values["problem"] == "same_case"
    with pytest.raises(CaseNotFound):
        merge(wf, newer, 99999, actor="张指挥", now=NOW)
    with pytest.raises(InvalidParameter):
        merge(wf, newer, "1; DROP TABLE cases", actor="张指挥", now=NOW)
    with pytest.raises(InvalidParameter):
        merge(wf, newer, older, actor="  ", now=NOW)
    assert _snapshot(wf, older, newer) == before


def test_merge_writes_its_audit_row_and_a_refusal_its_own(wf):
    older, newer = _pair(wf)
    who = audit.Who("张指挥", audit.USER, "10.0.0.9")
    with pytest.raises(CaseChanged):
        merge(wf, newer, older, actor="张指挥", expected_versions={newer: 5}, now=NOW,
              audit=who)
    merge(wf, newer, older, actor="张指挥", now=NOW, audit=who)
    with wf.connect() as conn:
        rows = conn.execute(select(AuditEntry.event, AuditEntry.actor, AuditEntry.result,
                                   AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert [(e, a, r) for e, a, r, _ in rows] == [
        (audit.CASE_ACTION, "张指挥", audit.FAILED), (audit.CASE_ACTION, "张指挥", audit.OK)]
    assert "case_changed" in rows[0].detail and '"merge"' in rows[1].detail


def test_merge_makes_the_link_when_there_was_none_and_retakes_a_dismissed_one(wf):
    older, newer = _pair(wf, link=None)
    merge(wf, newer, older, actor="张指挥", now=NOW)
    with wf.connect() as conn:
        assert conn.execute(select(CaseLink.case_id, CaseLink.other_id, CaseLink.state)
                            ).all() == [(newer, older, schema.MERGED)]
    older2, newer2 = _pair(wf, link=schema.DISMISSED)
    merge(wf, newer2, older2, actor="张指挥", now=NOW)
    with wf.connect() as conn:
        assert conn.scalar(select(CaseLink.state).where(CaseLink.case_id == newer2)) == \
            schema.MERGED


def test_dismiss_marks_the_hint_and_bumps_the_newer(wf):
    older, newer = _pair(wf)
    with wf.connect() as conn:
        old_code = conn.scalar(select(Case.code).where(Case.id == older))
        before = store.data_version(conn)
    assert dismiss(wf, newer, older, actor="王指挥", now=NOW) == 2
    assert (_row(wf, newer)["status"], _row(wf, newer)["version"]) == (schema.REPORTED, 2)
    assert _row(wf, older)["version"] == 1
    ((frm, to, actor, note, at),) = _events(wf, newer, "dismiss")
    assert (frm, to, actor, at) == (schema.REPORTED, schema.REPORTED, "王指挥", NOW)
    assert old_code in note
    with wf.connect() as conn:
        assert tuple(conn.execute(select(CaseLink.state, CaseLink.decided_by)).one()) == (
            schema.DISMISSED, "王指挥")
        assert store.data_version(conn) == before + 1
    # decided once: a second dismissal, and a dismissal the wrong way round, are refused
    snap = _snapshot(wf, older, newer)
    with pytest.raises(NoSuchLink) as twice:
        dismiss(wf, newer, older, actor="王指挥", now=NOW)
    assert twice.value.values["state"] == schema.DISMISSED
    with pytest.raises(NoSuchLink):
        dismiss(wf, older, newer, actor="王指挥", now=NOW)
    assert _snapshot(wf, older, newer) == snap


def test_a_merged_duplicate_is_reported_but_not_filed(wf):
    # two filed cases of the same thing; the newer merged into the older
    older, newer = _pair(wf, newer_status=schema.FILED)
    tz = ZoneInfo(ws.TIMEZONE)
    period = metrics.period_for(date(2026, 11, 17), date(2026, 11, 18), tz)

    def counted() -> dict:
        with wf.connect() as conn:
            return metrics.compute(conn, None, period, as_of=NOW + timedelta(hours=1))[0]

    assert (counted()["reported"], counted()["filed"], counted()["open"]) == (2, 2, 2)
    merge(wf, newer, older, actor="张指挥", now=NOW)
    after = counted()
    # DOMAIN.md: a voided case is not filed; it was reported all the same
    assert (after["reported"], after["filed"], after["open"]) == (2, 1, 1)
