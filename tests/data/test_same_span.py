"""Like with like (issue 18): a period still running is compared with the same elapsed
local time of the period before (:func:`data.periods.same_span`), counted as of that cut,
and a running week's briefing says so and draws no day still to come.

The dates are worked out by hand: 2026-03-02 and 2026-03-09 are Mondays; Asia/Shanghai is
UTC+8 all year; America/Los_Angeles moves to daylight time on Sunday 2026-03-08.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from data import report, rollup_check
from data.metrics import compute
from data.briefing import IsoWeek, briefing_data, default_week
from data.periods import period_for, same_span
from layouts.briefing import build_summary_page, CANVASES, week_sentences
from tests.data.test_metrics import FIELDS, G1, build

SH = ZoneInfo("Asia/Shanghai")
LA = ZoneInfo("America/Los_Angeles")


def _week(monday: date, tz=SH):
    return period_for(monday, monday + timedelta(days=6), tz)


def test_a_wednesday_evening_compares_monday_to_wednesday_1840_of_the_week_before():
    week = _week(date(2026, 3, 9))
    now = datetime(2026, 3, 11, 10, 40)                  # Wednesday 18:40 in Shanghai
    span = same_span(week.previous(SH), week, now, SH)
    assert (span.first, span.last) == (date(2026, 3, 2), date(2026, 3, 4))
    assert span.start == datetime(2026, 3, 1, 16, 0)     # Monday 03-02 00:00 local
    assert span.end == datetime(2026, 3, 4, 10, 40)      # Wednesday 03-04 18:40 local
    assert span.whole is False


def test_monday_at_0005_compares_the_first_five_minutes_of_the_monday_before():
    week = _week(date(2026, 3, 9))
    now = datetime(2026, 3, 8, 16, 5)                    # Monday 03-09 00:05 in Shanghai
    span = same_span(week.previous(SH), week, now, SH)
    assert (span.first, span.last) == (date(2026, 3, 2), date(2026, 3, 2))
    assert (span.start, span.end) == (datetime(2026, 3, 1, 16, 0), datetime(2026, 3, 1, 16, 5))


def test_thirty_days_running_at_a_month_end_cut_the_days_before_at_the_same_hour():
    # 30 days to Tuesday 03-31 10:00 local: 03-02..03-31; the 30 before: 01-31..03-01
    days = period_for(date(2026, 3, 2), date(2026, 3, 31), SH)
    now = datetime(2026, 3, 31, 2, 0)
    span = same_span(days.previous(SH), days, now, SH)
    assert (span.first, span.last) == (date(2026, 1, 31), date(2026, 3, 1))
    assert span.end == datetime(2026, 3, 1, 2, 0)        # 03-01 10:00 local, after 29 days
    assert span.whole is False


def test_a_period_that_has_ended_is_compared_with_all_of_the_one_before():
    week = _week(date(2026, 3, 2))
    before = week.previous(SH)
    for as_of in (week.end, week.end + timedelta(days=3),
                  week.end - timedelta(microseconds=1)):  # its last moment: an old export
        assert same_span(before, week, as_of, SH) == before


def test_the_cut_is_the_same_local_clock_time_across_a_daylight_saving_change():
    # this week (03-09..) is in daylight time (UTC-7), the week before began in UTC-8
    week = _week(date(2026, 3, 9), LA)
    now = datetime(2026, 3, 11, 1, 40)                   # Tuesday 03-10 18:40 local (PDT)
    span = same_span(week.previous(LA), week, now, LA)
    assert span.end == datetime(2026, 3, 4, 2, 40)       # Tuesday 03-03 18:40 local (PST)
    assert span.last == date(2026, 3, 3)


# --- counted on both stores ------------------------------------------------------------------

NOW = datetime(2026, 3, 11, 10, 40)   # Wednesday 18:40 in Shanghai
CUT = datetime(2026, 3, 4, 10, 40)    # Wednesday 18:40 of the week before


def _case(code, status, reported, closed=None, due=None):
    values = {"code": code, "region_id": G1, "status": status, "case_class": "incident",
              "reported_at": reported, "dispatched_at": reported + timedelta(minutes=5),
              "resolved_at": closed, "closed_at": closed, "due_at": due}
    return tuple(values.get(f) for f in FIELDS)


CASES = [
    # the week before (03-02..03-08 local)
    _case("A", "closed", datetime(2026, 3, 2, 9), closed=datetime(2026, 3, 5, 2),
          due=datetime(2026, 3, 3, 1)),          # open and overdue at the cut, closed after
    _case("B", "closed", datetime(2026, 3, 4, 10), closed=datetime(2026, 3, 4, 10, 30),
          due=datetime(2026, 3, 6)),             # reported and closed before the cut
    _case("C", "dispatched", datetime(2026, 3, 4, 11)),   # 19:00 local: after the cut
    _case("D", "dispatched", datetime(2026, 3, 6, 3)),    # Friday: after the cut
    # this week, to Wednesday 18:40
    _case("E", "dispatched", datetime(2026, 3, 9, 2), due=datetime(2026, 3, 20)),
    _case("F", "closed", datetime(2026, 3, 10, 3), closed=datetime(2026, 3, 10, 5),
          due=datetime(2026, 3, 12)),
]


def test_a_running_week_is_counted_against_the_same_span_of_the_week_before(engine):
    build(engine, tz="Asia/Shanghai", cases=CASES, events=[], patrols=[])
    with engine.connect() as conn:
        running = report.region_report(conn, None, _week(date(2026, 3, 9)), NOW)
        ended = report.region_report(conn, None, _week(date(2026, 3, 2)), NOW)
    assert running.same_span and not ended.same_span
    assert (running.metrics["reported"], running.metrics["closed"]) == (2, 1)   # E F; F
    before = running.previous
    assert (before["reported"], before["closed"]) == (2, 1)    # A B; B (A closed after)
    assert (before["open"], before["overdue"]) == (1, 1)       # A, as it stood at the cut
    assert running.period_dict(SH)["previous_until"] == "2026-03-04T18:40:00+08:00"
    # the same week, ended, is compared with all of the week before it
    assert ended.metrics["reported"] == 4 and ended.previous["reported"] == 0
    # the cut span read from the rollups (less the rest of Wednesday: C at 19:00) agrees
    # with the direct count, for the deployment and for a region
    with engine.connect() as conn:
        for groups in (None, [1], [G1]):
            assert rollup_check.differences(conn, groups, running.previous_period, CUT) == []
        rolled = compute(conn, None, running.previous_period, CUT, source="rollups")[0]
    assert (rolled["reported"], rolled["closed"], rolled["open"]) == (2, 1, 1)


def test_a_running_weeks_briefing_says_so_and_draws_no_day_to_come(engine):
    build(engine, tz="Asia/Shanghai", cases=CASES, events=[], patrols=[])
    with engine.connect() as conn:
        assert default_week(conn, NOW) == IsoWeek(2026, 10)    # the last complete week
        data = briefing_data(conn, None, IsoWeek(2026, 11), NOW)
    week = data["week"]
    assert week["same_span"] and week["complete_week"] == "2026-W10"
    assert (data["metrics"]["reported"], data["previous"]["reported"]) == (2, 2)
    trend = data["trend"]
    assert list(trend["reported"]) == [1, 1, 0, None, None, None, None]   # Thursday on: none
    first = week_sentences(data, "zh")[0]
    assert first.startswith("本周截至周三18:40共受理事件2件，较上周同期持平"), first
    page = str(build_summary_page(data, "zh", CANVASES["print"]))
    assert "同期对比" in page and "上周同期（03-02至周三18:40）" in page
    assert "环比" not in " ".join(week_sentences(data, "zh"))
