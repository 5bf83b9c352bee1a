"""The console's builders of list rows, dispatch hints and action feedback
(:mod:`layouts.console_panels`), on hand-made values; the panels themselves are checked
against the summary in tests/callbacks/test_console.py."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from data import workflow
from layouts.console_panels import (
    action_outcome, case_points, dispatch_hint, labelled_row, officer_options,
)


def test_officer_choices_say_why_in_each_language():
    officers = [SimpleNamespace(id=3, name="王五", reason="nearest_fix")]
    zh, en = officer_options(officers, "zh"), officer_options(officers, "en")
    assert zh[0]["value"] == en[0]["value"] == 3
    assert zh[0]["label"].startswith("王五（") and zh[0]["label"].endswith("）")
    assert en[0]["label"].startswith("王五 (") and en[0]["label"].endswith(")")
    assert "why_" not in zh[0]["label"] + en[0]["label"]


def test_dispatch_hints_are_worded():
    hints = [("suggest_department", {"name": "城管局"}), ("suggest_none", {"why": "outside_area"}),
             ("batch_officer", {}), ("suggest_due", {"due": datetime(2026, 3, 20, 18, 0)})]
    said = [div.children for div in dispatch_hint(hints, "en")]
    assert said == ["From the category table: 城管局",
                    "No suggestion: the best officer is outside your area",
                    "In a batch, each case gets its own suggested officer",
                    "Deadline: 2026-03-20 18:00"]
    assert dispatch_hint([], "zh") == []


def test_action_outcome_names_each_refused_case():
    ok = workflow.BatchResult(case_id=1)
    refused = workflow.BatchResult(case_id=2, error=workflow.CaseNotFound("gone", case_id=2))
    assert action_outcome([ok, ok], {}, "urge", "en").startswith("Done")
    partly = action_outcome([ok, refused], {2: "K2"}, "urge", "en")
    assert partly.startswith("1 done, 1 not done:") and "K2: " in partly
    assert action_outcome([refused], {}, "urge", "en").startswith("2: ")


def test_rows_and_points_carry_words_beside_keys():
    row = labelled_row({"id": 7, "status": "closed", "source": "app", "stage_light": "red",
                        "urgent": True}, "zh")
    assert row["row_id"] == "7" and row["status"] == "closed"
    assert row["status_label"] != "closed" and row["light_label"] and row["urgent_label"]
    points = case_points([{"id": 1.0, "code": "K1", "lon": 1, "lat": 2, "status": "closed"},
                          {"id": 2, "code": "K2", "lon": None, "lat": None}])
    assert points == [{"id": 1, "code": "K1", "lon": 1, "lat": 2, "light": None,
                       "closed": True, "long_unfixed": False}]


def test_the_console_s_charts_start_as_a_quiet_loading_state():
    """Issue 18: until their data arrives the charts show no bare axes (plotly's −1…6),
    only a small 加载中… / Loading… on hidden axes, the user's badge names the region."""
    from dash import dcc

    from data.console_state import ConsoleState
    from layouts.console import build_console

    def graphs(component) -> list:
        found = [component] if isinstance(component, dcc.Graph) else []
        children = getattr(component, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str):
                found += graphs(child)
        return found

    for lang, word in (("zh", "加载中…"), ("en", "Loading…")):
        shown = [g for g in graphs(build_console(lang, [], ConsoleState(lang=lang).to_store()))
                 if g.id.startswith("console-")]  # not the hotline desk's own map
        assert len(shown) == 4  # map, trend, top categories, comparison bars
        for graph in shown:
            layout = graph.figure.layout
            assert [a.text for a in layout.annotations] == [word], graph.id
            assert layout.xaxis.visible is False and layout.yaxis.visible is False
            assert not graph.figure.data


def test_the_user_badge_names_the_region_with_its_code_on_hover():
    from data.users import Principal
    from layouts.auth import build_user_badge

    town = Principal("town", "commander", 2, "370199001")
    (region,) = [c for c in build_user_badge(town, "zh", "城关镇").children
                 if getattr(c, "className", "") == "auth-badge-region"]
    assert region.children == " · 城关镇" and region.title == "城关镇 (370199001)"
