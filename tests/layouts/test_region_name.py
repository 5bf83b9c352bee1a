"""The whole deployment has one name, worded by the interface (``layouts.text.region_name``)."""

from __future__ import annotations

from data.report import whole_deployment
from layouts.text import region_name


def test_the_whole_deployment_is_worded_by_the_interface():
    assert region_name(whole_deployment(), "zh") == "全部区域"
    assert region_name(whole_deployment(), "en") == "All regions"


def test_a_region_keeps_its_own_name():
    town = {"code": "T1", "name": "城关镇", "level": "乡镇街道", "depth": 1}
    assert region_name(town, "zh") == region_name(town, "en") == "城关镇"
