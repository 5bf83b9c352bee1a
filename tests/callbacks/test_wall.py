"""The wall's address options read on the server (the browser side is tested in
tests/browser/test_wall.py)."""

from __future__ import annotations

import pytest

from callbacks.wall import DAILY_RELOAD, _time_of_day


@pytest.mark.parametrize("given, read", [
    ("4:00", "04:00:00"), ("23:59:59", "23:59:59"), ("00:00", "00:00:00"), (" 7:05 ", "07:05:00"),
    ("１２：３０", "12:30:00"), ("off", ""), ("OFF", ""), ("0", ""),
])
def test_a_daily_reload_time_is_read_from_the_address(given, read):
    assert _time_of_day(given) == read


@pytest.mark.parametrize("nonsense", ["24:00", "12:60", "4", "4:00:00:00", "noon", "", "-1:00"])
def test_a_mistyped_reload_time_keeps_the_nightly_default(nonsense):
    hour, minute = DAILY_RELOAD.split(":")
    assert _time_of_day(nonsense) == f"{int(hour):02d}:{int(minute):02d}:00"
