"""One region report for summary, console and briefing (:func:`data.report.region_report`),
on both stores, on the metric tests' hand-counted store (``tests/data/test_metrics.py``)."""

from __future__ import annotations

from datetime import date

import pytest

from data import metrics, report, store
from data.regions import get_region
from tests.data.test_metrics import END, NOW, START, build

# the store's first case (K11) was reported 2026-02-20; its first patrol started 02-25


@pytest.fixture
def hand(engine):
    build(engine)
    return engine


def _period(conn, first: date, last: date) -> metrics.Period:
    return metrics.period_for(first, last, store.deployment_timezone(conn))


def test_a_region_its_children_and_the_period_before(hand):
    with hand.connect() as conn:
        period = _period(conn, START, END)
        got = report.region_report(conn, get_region(conn, "C"), period, NOW)
        previous = period.previous(store.deployment_timezone(conn))
        expected = metrics.compute(conn, [1, 2, 3], period, period.end)
        before = metrics.compute(conn, [1], previous, previous.end)[1]
        tz = store.deployment_timezone(conn)
    assert [k.code for k in got.children] == ["T1", "T2"]
    assert got.as_of == period.end  # now is after the period
    assert got.metrics == expected[1] and got.metrics["reported"] == 11  # K1..K10, K13
    assert got.children_metrics[2] == expected[2] and got.children_metrics[3] == expected[3]
    assert (got.previous_period.first, got.previous_period.last) == (date(2026, 2, 19),
                                                                     date(2026, 2, 28))
    assert got.previous == before and got.previous["reported"] == 1  # K11
    assert got.year_before_period is None and got.year_before is None
    assert got.region_dict() == {"code": "C", "name": "C", "level": "区县", "depth": 0}
    assert got.period_dict(tz) == {"from": "2026-03-01", "to": "2026-03-10",
                                   "previous_from": "2026-02-19", "previous_to": "2026-02-28",
                                   "as_of": "2026-03-11T00:00:00+00:00",
                                   "same_span": False}  # the period has ended


def test_the_whole_deployment_is_the_key_all(hand):
    with hand.connect() as conn:
        period = _period(conn, START, END)
        got = report.region_report(conn, None, period, NOW)
        whole = metrics.compute(conn, None, period, period.end)[0]
    assert got.region is None and got.metrics == whole
    assert got.region_dict() == report.whole_deployment() == {
        "code": None, "key": "all", "name": None, "level": None, "depth": -1}
    assert [k.code for k in got.children] == ["C"]


def test_comparisons_with_nothing_recorded_are_none_only_when_asked(hand):
    with hand.connect() as conn:
        period = _period(conn, date(2026, 2, 23), date(2026, 3, 1))
        ago = _period(conn, date(2025, 2, 24), date(2025, 3, 2))
        county = get_region(conn, "C")
        plain = report.region_report(conn, county, period, NOW, year_before=ago)
        briefing = report.region_report(conn, county, period, NOW, year_before=ago,
                                        recorded_only=True)
    # the week before (02-16..02-22) ends after the first case (K11, 02-20): comparable,
    # but before the first patrol (02-25): its coverage is not comparable
    assert plain.previous["reported"] == briefing.previous["reported"] == 1  # K11
    assert plain.previous["patrol_coverage"] == 0.0
    assert briefing.previous["patrol_coverage"] is None
    # a year earlier nothing was recorded at all: zeros, or None
    assert plain.year_before["reported"] == 0
    assert briefing.year_before is None
    assert plain.metrics == briefing.metrics


@pytest.mark.parametrize("code", ["C", "T1", "G1", None])
def test_summarize_is_the_report(hand, code):
    summary = report.summarize(hand, code, START, END, now=NOW)
    with hand.connect() as conn:
        region = None if code is None else get_region(conn, code)
        got = report.region_report(conn, region, _period(conn, START, END), NOW)
    assert summary["metrics"] == got.metrics and summary["previous"] == got.previous
    assert summary["region"] == got.region_dict()
    assert [(c["code"], c["metrics"]) for c in summary["children"]] == \
        [(k.code, got.children_metrics[k.id]) for k in got.children]
