"""The alerts page's words (layouts/briefing_alerts.py) from hand-made weeks of alerts: the
sentence, the notes on what the record covers, the outcomes, in zh and en (the figures of a
store are checked in tests/data/test_alerts_weekly.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from dash import html

from data.alerts.weekly import WeekAlert, WeekAlerts
from layouts.briefing_alerts import (LIST_ROWS, alert_notes, alert_sentences, alerts_body,
                                     outcome_text)

UTC = ZoneInfo("UTC")
START = datetime(2026, 11, 16)
END = START + timedelta(days=7)


def _alert(n: int, level: str, outcome: str, *, carried: bool = False, **kw) -> WeekAlert:
    seen = START - timedelta(days=1) if carried else START + timedelta(hours=n)
    return WeekAlert(n, "stuck_case", level, "G1", "第1网格", "网格", seen, seen, carried,
                     outcome, {"reason": "overdue", "overdue_days": 9}, **kw)


def _week(alerts, *, since=START - timedelta(days=30), now=END + timedelta(days=3),
          computed=None) -> WeekAlerts:
    return WeekAlerts(START, END, min(END, now), START <= now < END, now < START, since,
                      computed or min(END, now), tuple(alerts), {"网格": "grid"})


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _texts(children)


STORY = [_alert(1, "red", "new"), _alert(2, "orange", "closed_by_person", closed_by="张伟",
                                         close_note="已整改"),
         _alert(3, "orange", "closed_by_system"),
         _alert(4, "yellow", "acknowledged", acknowledged_by="commander",
                acknowledged_at=START + timedelta(hours=6)),
         _alert(5, "red", "assigned", carried=True, case_code="SJ1", case_status="filed")]


def test_the_week_in_one_sentence_zh_and_en():
    week = _week(STORY)
    assert alert_sentences(week, "zh", UTC) == [
        "本周新增预警4条（红1、橙2、黄1），另有此前未关闭的1条；截至周末，人工处置关闭1条，"
        "系统自动关闭1条，仍有3条未关闭（新预警1条、已确认1条、已转办1条）。",
        "本周新增预警中1条已确认，确认用时中位数2.0小时。"]
    assert alert_sentences(week, "en", UTC)[0] == (
        "4 alerts were raised this week (1 red, 2 orange, 1 yellow), and 1 raised earlier "
        "were still open; by the end of the week, 1 were closed by a person, 1 closed "
        "themselves and 3 were still open (1 new, 1 acknowledged, 1 assigned).")
    assert alert_notes(week, "zh", UTC) == []


def test_outcomes_in_words():
    assert [outcome_text(a, "zh") for a in STORY] == [
        "未处理", "张伟关闭：已整改", "条件不再成立，系统自动关闭", "已确认（commander）",
        "已转办督办 SJ1（已立案）"]


def test_what_the_record_does_not_cover_is_said_not_counted_as_zero():
    before = _week([], since=END + timedelta(days=2))
    assert alert_notes(before, "zh", UTC) == [
        "预警自2026-11-25 00:00起记录：本周在此之前，没有预警数据（不是没有预警）。"]
    assert alert_sentences(before, "zh", UTC) == []
    assert "briefing-alerts-rules" not in str(alerts_body(before, "zh", UTC))
    assert alert_notes(_week([], since=None), "en", UTC) == [
        "The alerts were never computed: no alert data for this week."]
    partial = _week(STORY, since=START + timedelta(days=2))
    assert alert_notes(partial, "zh", UTC)[0].startswith("预警自2026-11-18 00:00起记录")
    quiet = _week([])
    assert alert_sentences(quiet, "zh", UTC) == ["本周无预警。"]


def test_the_running_week_and_stale_alerts_say_so():
    now = START + timedelta(days=2, hours=5)
    running = _week(STORY[:3], now=now, computed=now - timedelta(hours=2))
    assert alert_notes(running, "zh", UTC) == [
        "本周尚未结束：预警的处置情况截至2026-11-18 05:00。",
        "预警最近一次计算于2026-11-18 03:00：此后的变化未计入。"]
    assert "截至2026-11-18 05:00，人工处置" in alert_sentences(running, "zh", UTC)[0]


def test_the_list_keeps_to_its_rows_and_says_how_many():
    many = [_alert(n, "red", "new") for n in range(20)]
    body = alerts_body(_week(many), "zh", UTC)
    texts = _texts(body)
    assert f"共20条，列出前{LIST_ROWS['print']}条（红色在前，新的在前）。" in texts
    rows = [c for c in _walk(body) if isinstance(c, html.Tr)
            and getattr(c, "data-alert", None) is not None]
    assert len(rows) == LIST_ROWS["print"]
    assert "本网格" not in " ".join(texts)  # a stuck case's words name no region


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from _walk(child)
    elif children is not None and not isinstance(children, str):
        yield from _walk(children)
    if isinstance(component, list):
        for child in component:
            yield from _walk(child)
