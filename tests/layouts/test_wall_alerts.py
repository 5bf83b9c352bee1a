"""The wall's alert builders (layouts/wall_alerts.py) on hand-made alerts: markers grouped
by place with the most urgent level, data text escaped for plotly, and the panel's rows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from data.wall_alerts import WallAlert
from layouts.wall_alerts import (
    ALERT_ROWS, LEVEL_COLOURS, MARKER_NAMES, alert_marks, alert_trace, build_alert_count,
    build_alert_rows,
)

AT = datetime(2026, 11, 20, 8, 0)


def _alert(i: int, level: str, place: str, lon: float | None = 116.0,
           lat: float | None = 39.0) -> WallAlert:
    return WallAlert(i, "stuck_case", level, place, "网格", "Grid", AT, AT,
                     '{"reason": "overdue", "overdue_days": 9}', lon, lat)


def test_alerts_at_one_place_share_a_marker_of_the_most_urgent_level():
    alerts = [_alert(1, "red", "A<b>"), *[_alert(i, "orange", f"O{i}") for i in range(2, 6)],
              _alert(9, "orange", "far", lon=117.0), _alert(10, "red", "none", lon=None)]
    marks = alert_marks(alerts, "zh")
    assert [(m[0], m[1], m[2]) for m in marks] == [(117.0, 39.0, "orange"),
                                                   (116.0, 39.0, "red")]  # red drawn last
    lines = marks[1][3].split("<br>")
    assert lines[0] == "红·久拖未决·A&lt;b&gt;"  # the region's name shown as written
    assert len(lines) == MARKER_NAMES + 1 and lines[-1] == "另有 2 条"
    trace = alert_trace(marks)
    assert list(trace.marker.color) == [LEVEL_COLOURS["orange"], LEVEL_COLOURS["red"]]


def test_the_rows_and_the_count():
    alerts = [_alert(i, "red" if i < 3 else "orange", f"G{i}") for i in range(ALERT_ROWS + 3)]
    rows = build_alert_rows(alerts, {1}, ZoneInfo("Asia/Shanghai"), "zh")
    assert [r.className for r in rows[:3]] == [
        "wall-alert-row red", "wall-alert-row red pulse", "wall-alert-row red"]
    assert rows[-1].children == "另有 3 条红色、橙色预警"
    head, why = rows[0].children
    assert [s.children for s in head.children] == ["红", "久拖未决", "G0", "自 11-20 16:00"]
    assert why.children == "案件超期9日仍未办结"
    count = build_alert_count((3, 4), "en")
    assert [c.children for c in count] == ["Alerts", "Red 3", "Orange 4"]
    assert [c.children for c in build_alert_count((0, 2), "zh")] == ["预警", "橙 2"]
