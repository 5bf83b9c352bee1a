from layouts.format import format_change, format_value


def test_values():
    assert format_value(None, "rate") == "—"
    assert format_value(0.9661, "rate") == "96.6%"
    assert format_value(12345, "count") == "12,345"
    assert format_value(7.25, "hours") == "7.2" or format_value(7.25, "hours") == "7.3"


def test_changes_use_points_for_rates_and_percent_for_counts():
    assert format_change(0.90, 0.85, "rate", "zh") == "+5.0个百分点"
    assert format_change(0.80, 0.85, "rate", "en") == "-5.0 pp"
    assert format_change(110, 100, "count") == "+10.0%"
    assert format_change(5, 0, "count") == "—"
    assert format_change(None, 3, "count") == "—"
