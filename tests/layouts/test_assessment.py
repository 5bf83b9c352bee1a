"""The assessment's words and cells (layouts/assessment.py): every figure and standing is
worded in zh and en, values read "—" when unknown, ties are marked, and the briefing's page
body shows the top and bottom five, the counts and the weights."""

from __future__ import annotations

import math

import pytest

from data.field.assessment import FIGURE_KEYS, STANDINGS, score_shares
from layouts.assessment import (
    figure_definition, figure_label, format_figure, format_score, officers_body, rank_text,
    standing_label,
)
from layouts.text import TEXT


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_and_standing_is_worded(lang) -> None:
    for key in FIGURE_KEYS:
        assert f"fig_{key}" in TEXT[lang] and f"fig_def_{key}" in TEXT[lang]
        assert figure_label(key, lang) != figure_definition(key, lang)
    for standing in STANDINGS:
        assert f"standing_{standing}" in TEXT[lang]
    names = [figure_label(key, lang) for key in FIGURE_KEYS]
    assert len(set(names)) == len(names)
    assert standing_label("too_little_data", "zh") == "数据不足"


def test_values_as_text() -> None:
    assert format_figure(math.nan, "own_grid_coverage") == "—"
    assert format_figure(None, "mediations") == "—"
    assert format_figure(3 / 14, "own_grid_coverage") == "21.4%"
    assert format_figure(11 / 6, "patrol_hours") == "1.8"
    assert format_figure(1234.0, "cases_found") == "1,234"
    assert format_figure(0.0, "patrol_days") == "0"
    assert format_score(math.nan) == "—" and format_score(66.66) == "66.7"
    assert rank_text(2, True, "zh") == "2（并列）" and rank_text(2, True, "en") == "=2"
    assert rank_text(1, False) == "1"


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [s for c in component for s in _texts(c)]
    children = getattr(component, "children", None)
    return [] if children is None else _texts(children)


def _row(code, name, rank, tied, score):
    return {"code": code, "name": name, "home_region": "城关镇第1网格", "rank": rank,
            "tied": tied, "score": score, "patrol_days": 3.0, "own_grid_coverage": math.nan,
            "cases_found": 2.0, "on_time_closure_rate": 0.5}


def test_the_briefing_page_body() -> None:
    officers = {"top": [_row("W1", "张伟", 1, False, 77.1), _row("W2", "李娜", 2, True, 66.7)],
                "bottom": [], "counts": {"ranked": 2, "too_little_data": 1, "inactive": 3},
                "shares": score_shares(), "min_days": 3}
    texts = _texts(officers_body(officers, "zh"))
    joined = "".join(texts)
    assert "参与排名 2 人，数据不足 1 人，已离岗 3 人。" in texts
    assert ["1", "张伟", "城关镇第1网格", "3", "—", "2", "77.1"] == texts[
        texts.index("张伟") - 1:texts.index("张伟") + 6]
    assert "2（并列）" in texts
    assert "本周无数据" in texts  # no bottom five
    assert "得分构成" in texts and "不足 3 天" in joined
    assert "本网格巡查覆盖率" in texts and "20%" in texts
    english = "".join(_texts(officers_body(officers, "en")))
    assert "2 ranked, 1 with too little data, 3 who left." in english
