"""The case detail's live parts (layouts/case_extras.py), built from hand-made details."""

from __future__ import annotations

from layouts.case_extras import build_links, build_photos, intake_rows
from layouts.console import build_detail


def _texts(component) -> str:
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(_texts(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else _texts(children)


def _ids(component) -> list:
    found = []
    if isinstance(component, (list, tuple)):
        for c in component:
            found += _ids(c)
        return found
    if component is None or isinstance(component, (str, int, float)):
        return found
    if isinstance(getattr(component, "id", None), dict):
        found.append(component.id)
    return found + _ids(getattr(component, "children", None))


LINK = {"state": "suspected", "decidable": True, "this_is_newer": True, "other_id": 7,
        "other_code": "OLD-7", "newer_id": 9, "older_id": 7, "newer_version": 2,
        "older_version": 5, "distance_m": 12.4, "decided_by": None, "decided_at": None}


def test_a_hint_on_a_case_the_reader_cannot_see_names_nothing_and_offers_nothing():
    hidden = build_links([{**LINK, "visible": False, "may_decide": True}], "zh")
    assert "OLD-7" not in _texts(hidden) and "辖区外" in _texts(hidden)
    assert _ids(hidden) == []
    shown = build_links([{**LINK, "visible": True, "may_decide": True}], "en")
    assert "OLD-7" in _texts(shown) and "about 12 m" in _texts(shown)
    buttons = [i for i in _ids(shown) if i["type"] == "console-duplicate"]
    assert {(b["decision"], b["newer"], b["older"], b["newer_version"], b["older_version"])
            for b in buttons} == {("merge", 9, 7, 2, 5), ("dismiss", 9, 7, 2, 5)}
    # unmarked links (a caller that did not check) show no code and no button either
    assert _ids(build_links([LINK], "zh")) == []


def test_a_hint_no_longer_decidable_is_not_shown_and_decided_ones_are_noted():
    assert build_links([{**LINK, "decidable": False, "visible": True}], "zh") is None
    merged = build_links([{**LINK, "state": "merged", "visible": True,
                           "decided_by": "张指挥", "decided_at": "2026-11-18 10:00:00"}], "zh")
    assert "作废（重复），已并入" in _texts(merged) and "张指挥 2026-11-18 10:00" in _texts(merged)
    older = build_links([{**LINK, "state": "merged", "this_is_newer": False, "visible": True}],
                        "en")
    assert "Merged" in _texts(older) and "OLD-7" in _texts(older)


def test_an_imported_case_has_no_intake_rows_nor_photos():
    assert intake_rows({"intake": None}, "zh") == []
    assert build_photos([], "zh") is None
    rows = intake_rows({"source": "app", "intake": {"door": "open311", "api_key": "小程序",
                                                    "reporter_phone": None,
                                                    "received_at": "2026-11-18 09:00:00"}},
                       "zh")
    text = _texts(rows)
    assert "App" in text and "Open311 接口" in text and "小程序" in text
    detail = build_detail({"code": "X1", "intake": None, "photos": [], "links": []}, "zh")
    assert "受理渠道" not in _texts(detail) and "现场照片" not in _texts(detail)
