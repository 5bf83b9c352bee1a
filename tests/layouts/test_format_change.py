"""A change that rounds to nothing reads 持平 (no change), never "-0.0个百分点" (issue 18)."""

from __future__ import annotations

from layouts.format import format_change


def test_a_change_that_rounds_to_nothing_is_no_change():
    assert format_change(0.8, 0.80004, "rate") == "持平"
    assert format_change(0.80004, 0.8, "rate", "en") == "no change"
    assert format_change(1000, 1000.4, "count") == "持平"
    assert format_change(0.81, 0.8, "rate") == "+1.0个百分点"
    assert format_change(0.8, 0.8006, "rate") == "-0.1个百分点"
    assert format_change(90, 100, "count", "en") == "-10.0%"
    assert format_change(5, 0, "count") == "—" and format_change(None, 1, "rate") == "—"
