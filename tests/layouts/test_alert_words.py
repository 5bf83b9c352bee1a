"""The early warning's words (layouts/alert_words.py): every rule's explanation worded from
the facts its rule documents, in Chinese and English; a fact missing reads "?"; every rule,
level and state has its words in both languages."""

from __future__ import annotations

import pytest

from data.alerts.book import STATES
from data.alerts.finding import LEVELS
from data.alerts.registry import RULES
from layouts.alert_words import ALERT_WORDS, explain, p_words
from layouts.text import t

SURGE = {"count": 23, "expected": 4.1, "p": 0.0004, "days": 7, "category": "占道经营"}


@pytest.mark.parametrize("rule, facts, level, zh, en", [
    ("surge", SURGE, "网格", "本网格近7日“占道经营”上报23件，同期均值4.1件，概率<0.001",
     "This grid reported 23 “占道经营” cases in the last 7 days, against 4.1 expected (p<0.001)"),
    ("surge", {**SURGE, "days": 1, "p": 0.02, "expected": 2}, None,
     "本区域今日“占道经营”上报23件，同期均值2件，概率=0.02",
     "This region reported 23 “占道经营” cases today, against 2 expected (p=0.02)"),
    ("repeat_location", {"cases": 6, "radius_m": 50, "days": 30, "category": None}, "网格",
     "近30日内50米范围内反复上报6件",
     "6 cases reported within 50 m of each other in 30 days"),
    ("repeat_location", {"cases": [1, 2, 3], "radius_m": 50.0, "days": 30,
                         "category": "噪音扰民"}, None,
     "近30日内50.0米范围内“噪音扰民”反复上报3件",
     "3 “噪音扰民” cases reported within 50.0 m of each other in 30 days"),
    ("recurring_dispute", {"address": "幸福路3号", "earlier_case_id": 12,
                           "mediated_at": "2026-02-01T08:00:00"}, None,
     "“幸福路3号”的纠纷在2026-02-01调解后再次发生（前案 #12）",
     "A dispute at “幸福路3号” again after its mediation on 2026-02-01 (earlier case #12)"),
    ("recurring_dispute", {"party": "张三", "earlier_case_id": 9,
                           "mediated_at": "2026-03-05"}, None,
     "当事人“张三”的纠纷在2026-03-05调解后再次发生（前案 #9）",
     "A dispute of “张三” again after the mediation on 2026-03-05 (earlier case #9)"),
    ("stuck_case", {"reason": "overdue", "overdue_days": 12.5, "postponed": 0,
                    "reworked": 0}, None, "案件超期12.5日仍未办结",
     "Open 12.5 days past its deadline"),
    ("stuck_case", {"reason": "postponed", "overdue_days": 0, "postponed": 2,
                    "reworked": 0}, None, "案件已延期2次仍未办结",
     "Postponed 2 times and still open"),
    ("stuck_case", {"reason": "reworked", "overdue_days": 0, "postponed": 0,
                    "reworked": 3}, None, "案件已返工3次仍未办结",
     "Reworked 3 times and still open"),
    ("blind_spot", {"days_without_patrol": 9, "cases": 3}, "网格",
     "本网格已9日无巡查，期间上报3件",
     "This grid: no patrol for 9 days while 3 case(s) were reported"),
])
def test_each_rules_explanation_in_both_languages(rule, facts, level, zh, en):
    assert explain(rule, facts, "zh", level) == zh
    assert explain(rule, facts, "en", level and "grid") == en


def test_a_missing_fact_reads_as_a_question_mark_never_an_error():
    assert explain("surge", {"count": 9}, "zh") == "本区域近?日“?”上报9件，同期均值?件，概率=?"
    assert explain("blind_spot", {}, "en") == "This region: no patrol for ? days while ? " \
                                              "case(s) were reported"


@pytest.mark.parametrize("p, words", [(0.00009, "<0.0001"), (0.0001, "<0.001"),
                                      (0.0009, "<0.001"), (0.005, "<0.01"), (0.01, "=0.01"),
                                      (0.2345, "=0.23")])
def test_probabilities_read_against_round_bounds(p, words):
    assert p_words(p) == words


def test_every_rule_level_and_state_has_words_in_both_languages():
    keys = ([f"alert_rule_{rule.key}" for rule in RULES] + [f"alert_level_{v}" for v in LEVELS]
            + [f"alert_state_{s}" for s in STATES])
    assert set(ALERT_WORDS["zh"]) == set(ALERT_WORDS["en"])
    for key in keys:
        assert key in ALERT_WORDS["zh"]
        assert t(key, "zh") != t(key, "en")
    assert t("audit_event_alert_action", "zh") == "预警操作"
