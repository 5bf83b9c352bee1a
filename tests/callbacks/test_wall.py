"""The wall's daily reload time: read from the address, else the deployment's setting (the
browser side is tested in tests/browser/test_wall.py)."""

from __future__ import annotations

import pytest

from callbacks.wall import _reload_at
from dashboard.settings import time_of_day


@pytest.mark.parametrize("given, read", [
    ("4:00", "04:00:00"), ("23:59:59", "23:59:59"), ("00:00", "00:00:00"), (" 7:05 ", "07:05:00"),
    ("１２：３０", "12:30:00"), ("off", ""), ("OFF", ""), ("0", ""),
])
def test_a_time_of_day_is_read(given, read):
    assert time_of_day(given) == read


@pytest.mark.parametrize("nonsense", ["24:00", "12:60", "4", "4:00:00:00", "noon", "", "-1:00",
                                      "1:2:3:"])
def test_nonsense_is_not_a_time_of_day(nonsense):
    assert time_of_day(nonsense) is None


@pytest.mark.parametrize("search, expected", [
    ("?reload=5:30", "05:30:00"), ("?region=X&reload=off", ""), ("?region=X", "03:15:00"),
    ("?reload=25:00", "03:15:00"), ("?reload=", "03:15:00"), ("", "03:15:00"), (None, "03:15:00"),
])
def test_the_address_chooses_the_reload_time_and_a_typo_keeps_the_deployment_s(search,
                                                                              expected):
    assert _reload_at(search, "03:15:00") == expected
