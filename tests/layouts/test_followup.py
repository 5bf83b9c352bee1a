"""The follow-up builders (layouts/followup.py): the buttons, the form, the records list."""

from __future__ import annotations

from layouts import ids
from layouts.followup import (
    HIDDEN, build_followup, build_followup_buttons, build_records, officer_options,
)


def _walk(component):
    if isinstance(component, (list, tuple)):
        for c in component:
            yield from _walk(c)
        return
    if component is None or isinstance(component, (str, int, float)):
        return
    yield component
    yield from _walk(getattr(component, "children", None))


def _text(component) -> str:
    out = []
    for c in _walk(component):
        children = getattr(c, "children", None)
        if isinstance(children, (str, int, float)):
            out.append(str(children))
    return " | ".join(out)


def test_buttons_one_per_step_and_none_for_none():
    assert build_followup_buttons([], "zh") == []
    (row,) = build_followup_buttons(["mediate", "visit"], "zh")
    assert [b.id for b in row.children] == [ids.followup_button("mediate"),
                                            ids.followup_button("visit")]
    assert [b.children for b in row.children] == ["调解", "回访"]


def test_the_form_starts_hidden_and_reopen_is_hidden_until_dissatisfied():
    shell = build_followup("en")
    by_id = {c.id: c for c in _walk(shell) if isinstance(getattr(c, "id", None), str)}
    for hidden in (ids.FOLLOWUP_FORM, ids.MEDIATE_FIELDS, ids.VISIT_FIELDS, ids.VISIT_REOPEN_ROW):
        assert by_id[hidden].style == HIDDEN, hidden
    outcomes = [o["value"] for o in by_id[ids.MEDIATE_OUTCOME].options]
    assert outcomes == ["success", "failure", "referred"]
    assert [o["value"] for o in by_id[ids.VISIT_SATISFACTION].options] == [
        "satisfied", "basically_satisfied", "dissatisfied", "unreached"]
    assert officer_options([{"id": 3, "code": "W3", "name": "李强"}]) == [
        {"label": "李强 (W3)", "value": 3}]


def test_records_list_outcome_kind_mediator_and_reopened_as_text():
    assert build_records({"mediations": [], "visits": []}, "zh") is None
    shown = build_records({
        "mediations": [{"at": "2026-11-18 10:00:00", "outcome": "referred",
                        "kind": "pre_litigation", "officer": "张伟", "mediator": "<b>老李</b>",
                        "note": "转法院"}],
        "visits": [{"at": "2026-11-19 09:30:00", "satisfaction": "unreached",
                    "channel": "phone", "reopened": False, "note": None},
                   {"at": "2026-11-20 09:30:00", "satisfaction": "dissatisfied",
                    "channel": "in_person", "reopened": True, "note": "还没修好"}]}, "zh")
    text = _text(shown)
    for words in ("调解记录", "转入诉讼或仲裁", "诉前调解", "张伟 / <b>老李</b>", "转法院",
                  "2026-11-18 10:00", "回访记录", "未接通", "电话", "不满意", "上门",
                  "已重新办理", "还没修好"):
        assert words in text, words
    assert text.count("已重新办理") == 1
