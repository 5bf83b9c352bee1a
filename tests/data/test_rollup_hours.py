"""The median hours to close (data/rollup_hours.py): durations in whole tenths of an hour,
rounded to the nearest, counted by hand; the closings' histograms kept as cases change
(closed, reopened, closed again, voided, moved, deleted; summer time) give the same median
as the direct count, and the same rows as a rebuild; a store at revision 0004 is given
them by the upgrade. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import delete, insert, select, text, update

from dashboard.cli import main
from dashboard.settings import Settings
from data import migrate, rollup_check, rollups, store
from data.demo import county
from data.metrics import compute, local_date, period_for
from data.models import Case, RollupHours, RollupQueue
from data.rollup_hours import median, pack, tenths, tenths_array, unpack
from data.sql import duration_tenths
from tests import previous_store, tiny_store
from tests.data.test_rollups import _random_changes

UTC_ZONE = store.ZoneInfo("UTC")
LA = store.ZoneInfo("America/Los_Angeles")
MARCH = period_for(date(2026, 3, 1), date(2026, 3, 10), UTC_ZONE)
AFTER_MARCH = datetime(2026, 3, 20)
_US = timedelta(microseconds=1)
T0 = datetime(2026, 3, 2, 8, 0, 0, 999_999)

# (duration, its tenths of an hour by hand): 3 minutes is half a tenth, and goes up
DURATIONS = [
    (timedelta(0), 0),
    (timedelta(minutes=3) - _US, 0),
    (timedelta(minutes=3), 1),
    (timedelta(minutes=9) - _US, 1),
    (timedelta(minutes=9), 2),
    (timedelta(hours=24, minutes=2, seconds=59), 240),
    (timedelta(hours=24, minutes=3), 241),
    (timedelta(minutes=-3), 0),
    (timedelta(minutes=-3) - _US, -1),
    (timedelta(days=400, minutes=5), 96001),
]


def test_a_duration_is_taken_in_tenths_of_an_hour_rounded_to_the_nearest():
    for duration, expected in DURATIONS:
        assert tenths(T0, T0 + duration) == expected, duration
    micros = np.array([d // _US for d, _ in DURATIONS], dtype=np.int64)
    start = np.full(len(micros), 1_772_438_400_999_999, dtype=np.int64)
    assert tenths_array(start, start + micros).tolist() == [e for _, e in DURATIONS]


def test_the_median_of_a_histogram():
    assert median([], []) is None
    assert median([5], [0]) is None
    assert median([30, 10, 20], [1, 1, 1]) == 2.0
    assert median([10, 11, 30, 240], [1, 1, 1, 1]) == 2.05  # (1.1 + 3.0) / 2
    assert median([240, 10], [1, 3]) == 1.0  # 10 10 10 240
    assert median([240, 10], [2, 2]) == 12.5  # 10 10 240 240
    assert median([10, 240, 10, 240], [2, 3, 1, -1]) == 1.0  # merged: 10 10 10 240 240
    assert median([7, 2_000_000_000, -4], [1, 1, 1]) == 0.7  # far apart: sorted, not binned
    pairs = unpack(pack([1, 90000], [3, 1]) + pack([-2], [2]))
    assert pairs.tolist() == [[1, 3], [90000, 1], [-2, 2]]


def test_the_database_takes_the_same_tenths_on_both_stores(engine):
    tiny_store.build(engine)
    with engine.begin() as conn:
        conn.execute(insert(Case), [
            _case(f"D{i:02}", 4, "closed", T0, closed_at=T0 + duration)
            for i, (duration, _) in enumerate(DURATIONS)])
        if engine.dialect.name == "sqlite":  # a time stored without its fraction
            conn.execute(text("UPDATE cases SET reported_at = '2026-03-02 08:00:00', "
                              "closed_at = '2026-03-02 08:09:00' WHERE code = 'D04'"))
        got = conn.execute(select(duration_tenths(Case.reported_at, Case.closed_at))
                           .where(Case.code.like("D%")).order_by(Case.code)).scalars().all()
    assert got == [e for _, e in DURATIONS]


# --- hand-counted medians, from the histograms and directly -----------------------------------

_TIMES = ("dispatched_at", "resolved_at", "closed_at", "voided_at", "due_at")


def _case(code, region, status, reported, **times):
    return {"code": code, "status": status, "location_method": "point", "region_id": region,
            "reported_at": reported, "version": 1, **dict.fromkeys(_TIMES), **times}


def _medians(engine, groups, period=MARCH, as_of=AFTER_MARCH) -> dict:
    """The median per group from the histograms, checked equal to the direct count."""
    with engine.connect() as conn:
        got = {source: {g: v["median_hours_to_close"] for g, v in compute(
            conn, groups, period, min(as_of, period.end), source=source).items()}
            for source in ("rollups", "direct")}
    assert got["rollups"] == got["direct"], groups
    return got["rollups"]


def _hand_store(engine) -> None:
    """The tiny store (K1 in G1: 24 h; K3 in G3: 144 h; K2 open; K4 voided) and three
    closings: M1 in G1 1 h 2 min 59 s (1.0), M2 in G2 1 h 3 min (1.1), M3 in G2 2 h 57 min
    (3.0)."""
    tiny_store.build(engine)
    with engine.begin() as conn:
        conn.execute(insert(Case), [
            _case("M1", 4, "closed", datetime(2026, 3, 4, 10),
                  closed_at=datetime(2026, 3, 4, 11, 2, 59)),
            _case("M2", 5, "closed", datetime(2026, 3, 4, 10),
                  closed_at=datetime(2026, 3, 4, 11, 3)),
            _case("M3", 5, "closed", datetime(2026, 3, 5), closed_at=datetime(2026, 3, 5, 2, 57)),
        ])


def _day(day: int):
    return period_for(date(2026, 3, day), date(2026, 3, day), UTC_ZONE)


def test_hand_counted_medians_in_tenths_and_even_counts(engine):
    _hand_store(engine)
    # T1: 1.0 1.1 3.0 24 -> (1.1 + 3.0) / 2; exact hours would give (1.05 + 2.95) / 2 = 2.0
    assert _medians(engine, [1, 2, 3, 4, 5, 6]) == {1: 3.0, 2: 2.05, 3: 144.0, 4: 12.5,
                                                    5: 2.05, 6: 144.0}
    assert _medians(engine, None) == {0: 3.0}
    assert _medians(engine, [1, 2], _day(4)) == {1: 1.05, 2: 1.05}  # M1 M2
    assert _medians(engine, [1], _day(6)) == {1: None}  # nothing closed that day


def test_a_case_reopened_then_closed_again_counts_once_on_its_last_closing(engine):
    _hand_store(engine)
    _medians(engine, [1])  # the histograms built
    with engine.begin() as conn:
        conn.execute(update(Case).where(Case.code == "M2")
                     .values(status="dispatched", closed_at=None))
    # T1: 1.0 3.0 24; the county: 1.0 3.0 24 144
    assert _medians(engine, [1, 2, 5]) == {1: 13.5, 2: 3.0, 5: 3.0}
    assert _medians(engine, [2], _day(4)) == {2: 1.0}
    with engine.begin() as conn:  # closed again two days after its report: 48 h
        # (T1: 1.0 3.0 24 48; the county: 1.0 3.0 24 48 144)
        conn.execute(update(Case).where(Case.code == "M2")
                     .values(status="closed", closed_at=datetime(2026, 3, 6, 10)))
    assert _medians(engine, [1, 2, 5]) == {1: 24.0, 2: 13.5, 5: 25.5}
    assert _medians(engine, [2], _day(4)) == {2: 1.0}
    assert _medians(engine, [2], _day(6)) == {2: 48.0}


def test_voided_and_deleted_cases_are_not_in_the_median(engine):
    _hand_store(engine)
    _medians(engine, [1])
    with engine.begin() as conn:  # K2 (open) voided: never closed, nothing changes
        conn.execute(update(Case).where(Case.code == "K2")
                     .values(status="voided", voided_at=datetime(2026, 3, 6)))
        conn.execute(delete(Case).where(Case.code == "M3"))
    # the county: 1.0 1.1 24 144; T1: 1.0 1.1 24
    assert _medians(engine, [1, 2, 4]) == {1: 12.55, 2: 1.1, 4: 12.5}
    with engine.connect() as conn:
        assert conn.scalar(select(RollupQueue.seq).limit(1)) is None  # applied by the reader


def test_a_case_moved_to_another_region_takes_its_duration_along(engine):
    _hand_store(engine)
    _medians(engine, [1])
    with engine.begin() as conn:
        conn.execute(update(Case).where(Case.code == "M3").values(region_id=6))
    # T1: 1.0 1.1 24; T2: 3.0 144; the county unchanged
    assert _medians(engine, [1, 2, 3, 5, 6]) == {1: 3.0, 2: 1.1, 3: 73.5, 5: 1.1, 6: 73.5}
    with engine.begin() as conn:  # unlocated: the whole deployment keeps it
        conn.execute(update(Case).where(Case.code == "M3").values(region_id=None))
    assert _medians(engine, [1, 3]) == {1: 12.55, 3: 144.0}  # 1.0 1.1 24 144
    assert _medians(engine, None) == {0: 3.0}


def test_durations_across_summer_time_and_closings_on_its_local_days(engine):
    tiny_store.build(engine)
    with engine.begin() as conn:
        store.set_meta(conn, "timezone", "America/Los_Angeles")
        # Los Angeles moves its clocks at 2026-03-08 10:00 UTC (02:00 PST -> 03:00 PDT)
        conn.execute(insert(Case), [
            # 01:30 PST to 03:30 PDT: one hour, though the clocks say two
            _case("S1", 4, "closed", datetime(2026, 3, 8, 9, 30),
                  closed_at=datetime(2026, 3, 8, 10, 30)),
            # closed 23:59 PDT on the 8th, after 1 h 59 min: 2.0
            _case("S2", 5, "closed", datetime(2026, 3, 9, 5),
                  closed_at=datetime(2026, 3, 9, 6, 59)),
            # closed at local midnight: the 9th, 3 h
            _case("S3", 5, "closed", datetime(2026, 3, 9, 4), closed_at=datetime(2026, 3, 9, 7)),
        ])
    on = {day: period_for(date(2026, 3, day), date(2026, 3, day), LA) for day in (8, 9)}
    assert _medians(engine, [1, 4, 5], on[8]) == {1: 1.5, 4: 1.0, 5: 2.0}
    # the 9th: S3, and K3 (closed 09:00 UTC = 02:00 PDT, after 144 h)
    assert _medians(engine, [1, 5], on[9]) == {1: 73.5, 5: 3.0}
    with engine.begin() as conn:  # back to UTC: the days are rebuilt
        store.set_meta(conn, "timezone", "UTC")
    assert _medians(engine, [1], _day(8)) == {1: 1.0}  # S1 only; S2 and S3 close on the 9th


def test_the_check_command_finds_a_histogram_altered_behind_the_queue(engine, capsys):
    _hand_store(engine)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    assert main(["db", "rollups", "--rebuild", "--check"], settings) == 0
    shown = re.search(r"rollups: \d+ rows \((\d+) of hours to close\)", capsys.readouterr().out)
    # days with closings: 4 (all), 4 (C), 3 + 1 (T1 T2), 2 + 2 + 1 (G1 G2 G3)
    assert shown and int(shown.group(1)) == 17
    with engine.begin() as conn:  # the county's 3 March: five closings of 9999 h instead
        conn.execute(update(RollupHours).where(RollupHours.region_id == 1,
                                               RollupHours.day == rollups.day_number(
                                                   date(2026, 3, 3)))
                     .values(counts=pack([99990], [5])))
    assert main(["db", "rollups", "--check"], settings) == 1
    assert "region 1 median_hours_to_close" in capsys.readouterr().out
    assert main(["db", "rollups", "--rebuild", "--check"], settings) == 0


# --- the histograms kept as cases change equal a rebuild --------------------------------------

def _hour_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [(r, d, bytes(b)) for r, d, b in conn.execute(
            select(RollupHours.region_id, RollupHours.day, RollupHours.counts)
            .order_by(RollupHours.region_id, RollupHours.day))]


def test_the_histograms_kept_by_the_queue_equal_a_rebuild(engine):
    county.build_demo(engine, scale="small", seed=11)
    rnd = random.Random(5)
    now = store.utcnow()
    built = _hour_rows(engine)
    assert len(built) > 1000
    for _ in range(3):
        _random_changes(engine, rnd, now)
        with engine.begin() as conn:  # closed, reopened and closed again in one go
            picked = conn.scalars(select(Case.id).where(Case.closed_at.is_(None))
                                  .order_by(Case.id).limit(3)).all()
            for case_id in picked:
                conn.execute(update(Case).where(Case.id == case_id).values(
                    status="closed", closed_at=now - timedelta(hours=rnd.random() * 90)))
            conn.execute(update(Case).where(Case.id == picked[0]).values(closed_at=None))
        assert rollups.catch_up(engine) > 0
    kept = _hour_rows(engine)
    assert kept != built
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert _hour_rows(engine) == kept
    with engine.connect() as conn:  # and the median from them is the direct one
        tz = store.deployment_timezone(conn)
        today = local_date(now, tz)
        for days in (0, 6, 29, 364):
            period = period_for(today - timedelta(days=days), today, tz)
            assert rollup_check.differences(conn, None, period, now) == []


def test_durations_of_a_century_and_negative_ones_rebuild_as_the_queue_keeps_them(engine):
    tiny_store.build(engine)
    _medians(engine, [1])  # the histograms built; what follows goes through the queue
    long_ago, noon = datetime(1900, 1, 1), datetime(2026, 3, 5, 12)
    with engine.begin() as conn:
        conn.execute(insert(Case), [
            _case("L1", 4, "closed", long_ago, closed_at=noon),
            # closed 4 minutes before its report (bad data): -0.67 tenths, so -1
            _case("L2", 5, "closed", noon, closed_at=noon - timedelta(minutes=4)),
        ])
    century = int((noon - long_ago).total_seconds()) // 360  # a whole number of tenths
    assert century > 1 << 23  # past the rebuild's one-key sort: the three-key one
    # the county: -0.1 24 144 and the century; G1: 24 and the century
    assert _medians(engine, [1, 4, 5]) == {1: 84.0, 4: (240 + century) / 20, 5: -0.1}
    kept = _hour_rows(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert _hour_rows(engine) == kept


# --- the upgrade from revision 0004 ------------------------------------------------------------

def test_a_store_at_0004_with_data_and_queued_changes_is_upgraded_to_its_histograms(engine):
    previous_store.load(engine)
    assert migrate.upgrade(engine, to="0004").after == "0004"
    with engine.connect() as conn:
        assert "rollup_hours" not in {name for (name,) in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'" if engine.dialect.name
            == "sqlite" else "SELECT tablename FROM pg_tables WHERE schemaname = "
            "current_schema()"))}
    with engine.begin() as conn:  # changes the rollups have not counted yet: queued
        open_ids = conn.scalars(select(Case.id).where(Case.closed_at.is_(None))
                                .order_by(Case.id).limit(2)).all()
        closed_id = conn.scalar(select(Case.id).where(Case.closed_at.is_not(None))
                                .order_by(Case.id))
        for case_id in open_ids:
            conn.execute(update(Case).where(Case.id == case_id).values(
                status="closed", closed_at=datetime(2026, 11, 30, 8, 3)))
        conn.execute(update(Case).where(Case.id == closed_id).values(region_id=None))
        queued = conn.scalar(select(RollupQueue.seq).limit(1))
    assert queued is not None

    report = migrate.upgrade(engine)

    assert (report.before, report.after) == ("0004", "0008")
    note, postpones, recounted = report.notes
    assert postpones.startswith("0006: postponed cases by day: ")
    assert recounted.startswith("0008: deadline coverage: rollups counted again ")
    made = re.fullmatch(r"0005: hours to close made: (\d+) rows \(region, day\) counted from "
                        r"the closed cases", note)
    assert made and int(made.group(1)) > 50
    with engine.connect() as conn:
        assert conn.scalar(select(RollupQueue.seq).limit(1)) is None
        assert rollup_check.check(conn, datetime(2026, 12, 1, 4, 0)) == []
    upgraded = _hour_rows(engine)
    with engine.begin() as conn:
        rollups.rebuild(conn)
    assert _hour_rows(engine) == upgraded
    with engine.begin() as conn:  # kept from now on: a closing moves the median
        conn.execute(update(Case).where(Case.id == closed_id).values(
            closed_at=datetime(2026, 11, 30, 9)))
    with engine.connect() as conn:
        assert rollup_check.check(conn, datetime(2026, 12, 1, 4, 0)) == []


def test_a_store_without_histograms_counts_directly_and_refuses_source_rollups(engine):
    tiny_store.build(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE rollup_hours")
    rollups._HAVE_TABLES.discard(engine)
    with engine.connect() as conn:
        with pytest.raises(RuntimeError, match="no usable rollups"):
            compute(conn, [1], MARCH, AFTER_MARCH, source="rollups")
        direct = compute(conn, [1], MARCH, AFTER_MARCH)[1]["median_hours_to_close"]
    assert direct == 84.0  # K1 24 h, K3 144 h
