"""The briefing's words: a change in words and the week in plain sentences, from the
figures alone (the figures of a store are checked in tests/data/test_briefing.py)."""

from __future__ import annotations

import pytest

from data.briefing import change
from layouts import briefing
from layouts.briefing import change_text


@pytest.mark.parametrize("current, previous, kind, zh, en", [
    (0.521, 0.5, "rate", "上升2.1个百分点", "up 2.1 pp"),
    (0.48, 0.5, "rate", "下降2.0个百分点", "down 2.0 pp"),
    (0.50004, 0.5, "rate", "持平", "unchanged"),
    (None, 0.5, "rate", "无可比数据", "no comparable data"),
    (0.5, None, "rate", "无可比数据", "no comparable data"),
    (110, 100, "count", "增加10件（+10.0%）", "up 10 (+10.0%)"),
    (5, 10, "count", "减少5件（-50.0%）", "down 5 (-50.0%)"),
    (5, 0, "count", "增加5件", "up 5"),
    (0, 0, "count", "持平", "unchanged"),
    (12.0, 15.5, "hours", "减少3.5小时", "down 3.5 h"),
])
def test_change_in_words(current, previous, kind, zh, en):
    ch = change(current, previous, kind)
    assert change_text(ch, kind, "zh") == zh
    assert change_text(ch, kind, "en") == en


def _figures(**values):
    base = {key: 0 for key in ("reported", "closed", "overdue", "disputes_mediated")}
    base.update({key: None for key in ("closure_rate", "on_time_closure_rate",
                                       "mediation_success_rate", "patrol_coverage")})
    base.update(values)
    return base


def test_sentences_of_an_ordinary_week():
    now = _figures(reported=120, closed=90, closure_rate=0.9, on_time_closure_rate=0.8,
                   overdue=3, disputes_mediated=4, mediation_success_rate=0.75,
                   patrol_coverage=0.5)
    before = _figures(reported=100, closed=80, closure_rate=0.85, on_time_closure_rate=0.8,
                      overdue=5, patrol_coverage=0.6)
    text = "".join(briefing.sentences(now, before, None, "zh"))
    assert "本周共受理事件120件，环比增加20件（+20.0%），同比无可比数据。" in text
    assert "结案率90.0%，环比上升5.0个百分点" in text
    assert "按期结案率80.0%，环比持平" in text
    assert "超期未结事件3件，较上周减少2件（-40.0%）" in text
    assert "调解矛盾纠纷4起，调解成功率75.0%" in text
    assert "网格巡查覆盖率50.0%，环比下降10.0个百分点" in text
    english = " ".join(briefing.sentences(now, before, None, "en"))
    assert "120 cases were reported this week, up 20 (+20.0%)" in english
    assert "up 5.0 pp" in english


def test_sentences_of_an_empty_week_never_claim_a_rate():
    text = "".join(briefing.sentences(_figures(), None, None, "zh"))
    assert "本周共受理事件0件" in text
    assert "结案率无从计算（—）" in text
    assert "0.0%" not in text and "nan" not in text.lower()
    assert "无巡查记录" in text
    assert briefing.sentences(_figures(), None, None, "zh", future=True) == \
        ["本周尚未到来，暂无数据。"]
