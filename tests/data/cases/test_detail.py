"""One case: its fields, where it lies, its light and its history in order."""

from __future__ import annotations

import pytest

from data.cases.detail import case_detail
from data.cases.filter import FilterError
from tests.data.cases.hand_store import IDS, NOW


def test_detail_and_timeline_in_order(hand):
    with hand.connect() as conn:
        a2 = case_detail(conn, IDS["A2"], NOW)
        assert case_detail(conn, 9999, NOW) is None
        assert case_detail(conn, str(IDS["A11"]), NOW)["description"] == \
            "<script>alert(1)</script>"
        with pytest.raises(FilterError):
            case_detail(conn, "1 OR 1=1", NOW)
    assert a2["code"] == "A2" and a2["status"] == "dispatched"
    assert a2["source"] == "hotline"
    assert [r["code"] for r in a2["regions"]] == ["C", "T1", "G1"]
    assert (a2["department"], a2["officer"], a2["lon"], a2["lat"]) == ("城管局", "张三", 104.0, 0.5)
    assert a2["dispatched_at"] == "2026-03-10 10:00:00" and a2["due_at"] == "2026-03-12 00:00:00"
    assert a2["stage_light"] == "red" and a2["overdue_hours"] == 204.0
    assert [e["action"] for e in a2["timeline"]] == ["report", "file", "dispatch", "urge"]
    assert a2["timeline"][1] == {"action": "file", "from_status": "reported",
                                 "to_status": "filed", "actor": "指挥中心", "note": None,
                                 "at": "2026-03-10 05:00:00"}
