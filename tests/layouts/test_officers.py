"""The officers view's builders (:mod:`layouts.officers`): addresses, columns and rows."""

from __future__ import annotations

import json

import pandas as pd

from data.field.officer_view import figure_kinds
from layouts.officers import (
    UNRANKED, build_wall_officers, officer_columns, officer_rows, officers_href,
)


def test_the_view_s_addresses_quote_codes_and_keep_the_period():
    assert officers_href(None, {}, "zh") == "/officers"
    assert officers_href("REGION 2", {"period": "7d"}, "en") == \
        "/officers/REGION%202?period=7d&lang=en"
    assert officers_href("a/b", {"from": None}, "zh") == "/officers/a%2Fb"


def test_every_figure_has_a_column_with_its_definition_on_hover():
    kinds = figure_kinds()
    columns = {c.get("colId", c["field"]): c for c in officer_columns(kinds, "zh")}
    for key in kinds:
        assert columns[key]["headerTooltip"] and columns[key]["headerName"] != key
        assert "'—'" in columns[key]["valueFormatter"]["function"]
    assert "* 100" in columns["own_grid_coverage"]["valueFormatter"]["function"]
    assert columns["score"]["headerTooltip"] and columns["rank"]["headerTooltip"]
    assert list(columns)[:2] == ["rank", "name"]


def test_rows_keep_numbers_and_say_unknown_ties_and_the_unranked():
    kinds = {"patrol_days": "days", "satisfaction_rate": "rate"}
    records = [
        {"officer_id": 1, "code": "W1", "name": "张伟", "role": "full_time",
         "home_region": "G1", "patrol_days": 3.0, "satisfaction_rate": float("nan"),
         "score": 66.7, "rank": 2, "tied": True, "standing": "ranked"},
        {"officer_id": 2, "code": "W2", "name": "李娜", "role": "other", "home_region": None,
         "patrol_days": 0.0, "satisfaction_rate": 0.5, "score": float("nan"),
         "rank": pd.NA, "tied": False, "standing": "too_little_data"},
        {"officer_id": 3, "code": "W3", "name": "王芳", "role": "police", "home_region": "G3",
         "patrol_days": None, "satisfaction_rate": None, "score": float("nan"),
         "rank": pd.NA, "tied": False, "standing": "inactive"},
    ]
    rows = officer_rows(records, kinds, "zh")
    assert [r["rank_label"] for r in rows] == ["2（并列）", "数据不足", "已离岗"]
    assert [r["rank_sort"] for r in rows] == [2, UNRANKED, UNRANKED]
    assert [r["score"] for r in rows] == [66.7, None, None]
    assert [r["patrol_days"] for r in rows] == [3.0, 0.0, None]  # 0 is a value, None unknown
    assert [r["satisfaction_rate"] for r in rows] == [None, 0.5, None]
    assert [r["role"] for r in rows] == ["专职网格员", "其他", "社区民警"]
    assert rows[1]["home"] == "—" and rows[0]["row_id"] == "1"
    json.dumps(rows)  # plain values the browser can take


def test_the_wall_panel_says_who_is_left_out():
    one = {"officer_id": 1, "code": "W1", "name": "张伟", "home_region": "G1", "score": 77.1,
           "rank": 1, "tied": False}
    text = json.dumps([c.to_plotly_json() for c in build_wall_officers(
        {"top": [one], "bottom": [], "too_little_data": 2}, "zh")], default=lambda o:
        o.to_plotly_json(), ensure_ascii=False)
    assert "张伟" in text and "77.1" in text and "2 人数据不足" in text and "后五名" not in text
    none = json.dumps([c.to_plotly_json() for c in build_wall_officers(
        {"top": [], "bottom": [], "too_little_data": 0}, "en")], default=lambda o:
        o.to_plotly_json())
    assert "No officer ranked" in none and "too little" not in none
