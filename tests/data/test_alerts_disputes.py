"""Recurring disputes (data/alerts/disputes.py) on hand-built stores, both stores: a dispute
at the same address (written differently) or by the same party after an earlier
mediation, red after two, and the quiet cases (another address, a mediation too long
before, after the new report or after as_of, a channel or an officer as the reporter,
the new dispute closed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert

from data import schema, store
from data.alerts import disputes
from data.models import Mediation, Officer
from tests import alert_store
from tests.alert_store import G2, add, case

AS_OF = datetime(2026, 3, 31, 12)
DAY = timedelta(days=1)
PARAMS = {"days": 180, "channel_reporters": ["12345热线来电"]}
ADDRESS = "城关镇人民路12号"


def _dispute(code: str, days_before: float, **more) -> dict:
    return case(code, AS_OF - days_before * DAY, case_class=schema.DISPUTE,
                subcategory="邻里纠纷", **more)


def _mediated(code: str, days_before: float, mediated_days_before: float, **more) -> dict:
    """A dispute mediated (and closed) ``mediated_days_before`` days before AS_OF."""
    at = AS_OF - mediated_days_before * DAY
    return _dispute(code, days_before, status=schema.CLOSED, closed_at=at, mediated_at=at,
                    mediation_outcome=schema.MEDIATION_SUCCESS, **more)


def _record(engine, ids: dict, code: str, days_before: float) -> None:
    """A mediation record of the case ``code``."""
    with store.transaction(engine) as conn:
        conn.execute(insert(Mediation).values(
            case_id=ids[code], at=AS_OF - days_before * DAY, outcome=schema.MEDIATION_FAILURE,
            origin=schema.CONSOLE_ORIGIN))


def _detect(engine, as_of=AS_OF, **params):
    with engine.connect() as conn:
        return disputes.detect(conn, {**PARAMS, **params}, as_of)


@pytest.fixture
def county(engine):
    alert_store.build(engine)
    return engine


def test_a_dispute_at_the_same_address_after_a_mediation_alerts(county):
    ids = add(county, _mediated("EARLIER", 40, 30, address=ADDRESS),
              _dispute("AGAIN", 2, address=" 城关镇 人民路１２号。", region_id=G2))
    [found] = _detect(county)
    assert found.key == f"recurring_dispute:{ids['AGAIN']}" and found.level == "orange"
    assert found.case_ids == (ids["AGAIN"], ids["EARLIER"])
    assert found.region_id == G2 and found.started_at == AS_OF - 2 * DAY
    assert found.facts == {"address": " 城关镇 人民路１２号。", "party": None,
                           "earlier_case_id": ids["EARLIER"],
                           "mediated_at": (AS_OF - 30 * DAY).isoformat(),
                           "mediations": 1, "days": 180}
    assert json.loads(json.dumps(found.facts)) == found.facts  # the book keeps them as JSON


def test_a_mediated_dispute_at_another_address_does_not_alert(county):
    add(county, _mediated("EARLIER", 40, 30, address=ADDRESS),
        _dispute("ELSEWHERE", 2, address="城关镇人民路14号"))
    assert _detect(county) == []


def test_a_mediation_too_long_before_or_after_the_new_report_does_not_count(county):
    add(county, _mediated("LONG_AGO", 250, 200, address=ADDRESS),
        _mediated("AFTER", 40, 1, address=ADDRESS),
        _dispute("AGAIN", 2, address=ADDRESS),
        # open since long ago elsewhere: the mediations read reach back 180 days before it
        _dispute("OLD_OPEN", 100, address="别处"))
    assert _detect(county) == []
    assert len(_detect(county, days=210)) == 1  # LONG_AGO's is 198 days before the report


def test_nothing_after_as_of_is_read(county):
    add(county, _mediated("EARLIER", 40, 30, address=ADDRESS),
        _dispute("AGAIN", 2, address=ADDRESS))
    # the new dispute was not reported yet, and the earlier one not mediated yet
    assert _detect(county, as_of=AS_OF - 3 * DAY) == []
    assert _detect(county, as_of=AS_OF - 31 * DAY) == []


def test_the_alert_holds_while_the_new_dispute_is_open(county):
    ids = add(county, _mediated("EARLIER", 40, 30, address=ADDRESS),
              _mediated("AGAIN", 10, 1, address=ADDRESS),
              _dispute("VOIDED", 5, address=ADDRESS, status=schema.VOIDED, voided_at=AS_OF - DAY))
    assert _detect(county) == []  # AGAIN closed, VOIDED voided by now
    then = _detect(county, as_of=AS_OF - 2 * DAY)
    assert [f.case_ids[0] for f in then] == [ids["AGAIN"], ids["VOIDED"]]


def test_the_same_party_alerts_but_a_channel_or_an_officer_is_no_party(county):
    with store.transaction(county) as conn:
        conn.execute(insert(Officer).values(id=1, code="O1", name="李网格", region_id=G2))
    ids = add(county, _mediated("EARLIER", 40, 30, address="A路1号", reporter="张三"),
              _dispute("AGAIN", 2, address="B路2号", reporter="张 三"),
              _mediated("HOTLINE", 40, 30, address="C路3号", reporter="12345热线来电"),
              _dispute("HOTLINE2", 2, address="D路4号", reporter="12345热线来电"),
              _mediated("OFFICER", 40, 30, address="E路5号", reporter="李网格"),
              _dispute("OFFICER2", 2, address="F路6号", reporter="李网格"))
    [found] = _detect(county)
    assert found.case_ids == (ids["AGAIN"], ids["EARLIER"])
    assert found.facts["party"] == "张 三" and found.facts["address"] is None
    assert len(_detect(county, channel_reporters=[])) == 2  # the hotline is a party then


def test_two_earlier_mediations_make_it_red(county):
    ids = add(county, _mediated("FIRST", 100, 90, address=ADDRESS),
              _mediated("SECOND", 40, 30, address=ADDRESS, reporter="王五"),
              _dispute("THIRD", 2, address="别处", reporter="王五"))
    _record(county, ids, "FIRST", 90)
    _record(county, ids, "SECOND", 30)
    [found] = _detect(county)
    assert found.level == "orange" and found.facts["party"] == "王五"
    ids = add(county, _dispute("FOURTH", 1, address=ADDRESS))
    fourth = [f for f in _detect(county) if f.case_ids[0] == ids["FOURTH"]]
    assert [f.level for f in fourth] == ["red"]
    assert fourth[0].facts["earlier_case_id"] == ids["SECOND"]
    assert fourth[0].facts["mediations"] == 2


def test_every_mediation_record_counts_not_only_the_latest(county):
    # EARLIER mediated twice: its case keeps the latest (after AGAIN's report), and the
    # first, 30 days before, is in the records only
    ids = add(county, _mediated("EARLIER", 40, 1, address=ADDRESS),
              _dispute("AGAIN", 2, address=ADDRESS))
    assert _detect(county) == []
    _record(county, ids, "EARLIER", 30)
    _record(county, ids, "EARLIER", 1)
    [found] = _detect(county)
    assert found.facts["mediated_at"] == (AS_OF - 30 * DAY).isoformat()


def test_only_disputes_count(county):
    add(county, _mediated("EARLIER", 40, 30, address=ADDRESS),
        case("INCIDENT", AS_OF - 2 * DAY, address=ADDRESS))
    assert _detect(county) == []


def test_normalise_drops_spaces_and_punctuation_and_widths():
    assert disputes.normalise(" 城关镇，人民路１２号（东） ") == "城关镇人民路12号东"
    assert disputes.normalise("Ａｂ-c") == "abc"
    assert disputes.normalise(None) == disputes.normalise("，。") == ""
