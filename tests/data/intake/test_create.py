"""preview and create_case: what a new case becomes, one transaction, nothing half-written."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import insert, select, update

from data import metrics, schema, store
from data.intake import create as create_module
from data.intake import media
from data.intake.create import Door, create_case, preview
from data.intake.fields import IntakeRefused
from data.models import Case, CaseIntake, CaseLink, Category, HolidayDay
from data.workflow import history
from tests.data.intake.intake_store import (APP_T1, CGJ, DAILY, DESK, G1, G3, G9, HOTLINE, IN_G1,
                                            IN_G2, NOW, O1, OFFICER, ZJJ, add_case,
                                            new_case, row_counts)

CASE_COLUMNS = (Case.code, Case.status, Case.source, Case.case_class, Case.category,
                Case.subcategory, Case.department_id, Case.region_id, Case.location_method,
                Case.lon, Case.lat, Case.urgent, Case.description, Case.address,
                Case.reporter, Case.reported_at, Case.due_at, Case.version, Case.updated_at,
                Case.filed_at, Case.dispatched_at, Case.resolved_at, Case.resolved_level,
                Case.officer_id)


def case_row(engine, case_id):
    with engine.connect() as conn:
        return conn.execute(select(*CASE_COLUMNS).where(Case.id == case_id)).one()._asdict()


def refusal(engine, new, door, **kwargs) -> set[tuple[str, str]]:
    before = row_counts(engine)
    with pytest.raises(IntakeRefused) as refused:
        create_case(engine, new, door, NOW, **kwargs)
    assert row_counts(engine) == before  # nothing written
    return {(p.field, p.code) for p in refused.value.problems}


def test_a_new_case_is_written_with_everything_it_needs(intake):
    before = row_counts(intake)
    made = create_case(intake, new_case(urgent=True), HOTLINE, NOW)
    assert (made.code, made.replayed, made.suspected) == ("SJ202611180000001", False, ())
    row = case_row(intake, made.case_id)
    assert row == {
        "code": "SJ202611180000001", "status": schema.REPORTED, "source": "hotline",
        "case_class": schema.FACILITY, "category": "道路交通", "subcategory": DAILY,
        "department_id": ZJJ, "region_id": G1, "location_method": schema.LOCATED_BY_POINT,
        "lon": IN_G1[0], "lat": IN_G1[1], "urgent": True, "description": "路面塌陷一处",
        "address": "城关镇人民路12号", "reporter": "李女士", "reported_at": NOW,
        # 3 working days from Wednesday 10:00 in Shanghai: Monday 10:00
        "due_at": datetime(2026, 11, 23, 2, 0), "version": 1, "updated_at": NOW,
        "filed_at": None, "dispatched_at": None, "resolved_at": None, "resolved_level": None,
        "officer_id": None}
    steps = history(intake, made.case_id)
    assert [(s.action, s.from_status, s.to_status, s.actor, s.note, s.at) for s in steps] == \
        [("report", None, schema.REPORTED, "hotline-12345", "open311 · key hotline-12345", NOW)]
    with intake.connect() as conn:
        intake_row = conn.execute(select(CaseIntake)).one()._asdict()
    assert intake_row == {"case_id": made.case_id, "door": schema.OPEN311, "api_key_id": 1,
                          "user_name": None, "officer_id": None,
                          "reporter_phone": "138 0000 0000", "idempotency_key": None,
                          "received_at": NOW}
    after = row_counts(intake)
    assert after["data_version"] == before["data_version"] + 1
    assert (after["cases"], after["case_events"]) == (1, 1)


def test_the_desk_names_its_operator_and_codes_count_on_in_local_days(intake):
    evening = datetime(2026, 11, 18, 17, 0)  # 01:00 on the 19th in Shanghai
    first = create_case(intake, new_case(), DESK, NOW)
    second = create_case(intake, new_case(lon=IN_G2[0], lat=IN_G2[1]), DESK, evening)
    assert (first.code, second.code) == ("SJ202611180000001", "SJ202611190000002")
    assert history(intake, second.case_id)[0].note == "desk · operator1"
    with intake.connect() as conn:
        assert conn.scalar(select(CaseIntake.user_name)
                           .where(CaseIntake.case_id == second.case_id)) == "operator1"


def test_preview_gives_the_department_and_the_deadline(intake):
    with intake.connect() as conn:
        hourly = preview(conn, new_case(service_code="C01"), DESK, NOW)
        no_department = preview(conn, new_case(service_code="C03", lon=None, lat=None,
                                               region_code="G5"), DESK, NOW)
    assert (hourly.department_id, hourly.department_name, hourly.time_limit,
            hourly.time_unit, hourly.due_at) == (CGJ, "县城市管理局", 2.0, schema.HOURS,
                                                 NOW + timedelta(hours=2))
    assert (hourly.placement.region_code, hourly.case_class) == ("G1", schema.INCIDENT)
    assert (no_department.department_id, no_department.department_name) == (None, None)
    assert no_department.placement.method == schema.LOCATED_BY_CODE


def test_working_days_follow_the_store_calendar(intake):
    saturday = datetime(2026, 11, 21, 4, 0)  # noon in Shanghai: the clock starts Monday 08:30
    with intake.connect() as conn:
        plain = preview(conn, new_case(), DESK, saturday).due_at
    with store.transaction(intake) as conn:  # the centre takes Thursday off
        conn.execute(insert(HolidayDay).values(day=date(2026, 11, 26), working=False,
                                               note="centre"))
    with intake.connect() as conn:
        with_day_off = preview(conn, new_case(), DESK, saturday).due_at
    assert plain == datetime(2026, 11, 26, 0, 30)          # Thursday 08:30 local
    assert with_day_off == datetime(2026, 11, 27, 0, 30)   # Friday 08:30 local


def test_an_urgent_case_gets_the_urgent_limit_counted_on_the_store_calendar(intake):
    # 道路破损 (C02): 3 working days, urgent 4 working hours; the centre takes Thursday off
    with store.transaction(intake) as conn:
        conn.execute(update(Category).where(Category.code == "C02").values(
            urgent_time_limit=4, urgent_time_unit=schema.WORKING_HOURS))
        conn.execute(insert(HolidayDay).values(day=date(2026, 11, 19), working=False,
                                               note="centre"))
    wednesday_5pm = datetime(2026, 11, 18, 9, 0)
    with intake.connect() as conn:
        urgent = preview(conn, new_case(urgent=True), DESK, wednesday_5pm)
        plain = preview(conn, new_case(), DESK, wednesday_5pm)
    # 1 hour on Wednesday 18th, Thursday 19th off, 3 hours from Friday 08:30 -> 11:30 local
    assert (urgent.time_limit, urgent.time_unit, urgent.due_at) == \
        (4, schema.WORKING_HOURS, datetime(2026, 11, 20, 3, 30))
    # not urgent: 3 working days from Wednesday 17:00: Friday, Monday, Tuesday 24th 17:00
    assert (plain.time_limit, plain.due_at) == (3.0, datetime(2026, 11, 24, 9, 0))
    made = create_case(intake, new_case(urgent=True), DESK, wednesday_5pm)
    assert case_row(intake, made.case_id)["due_at"] == datetime(2026, 11, 20, 3, 30)


def test_every_refusal_at_once_and_nothing_written(intake):
    hotline_on_spot = new_case(service_code="X99", lon=116.05, resolved_on_spot=True)
    assert refusal(intake, hotline_on_spot, HOTLINE) == {
        ("service_code", "unknown_service"), ("lat", "outside_regions"),
        ("resolved_on_spot", "not_allowed")}
    assert refusal(intake, new_case(lon=None, lat=None, region_code="G77"), HOTLINE) == {
        ("region_code", "unknown_region")}


def test_a_door_files_only_in_its_region(intake):
    in_t2 = new_case(lon=116.032, lat=39.905)
    assert refusal(intake, in_t2, APP_T1) == {("lat", "region_not_allowed")}
    assert refusal(intake, new_case(lon=None, lat=None, region_code="T2"), APP_T1) == {
        ("region_code", "region_not_allowed")}
    # the whole town above its region is not its region either
    assert refusal(intake, new_case(lon=None, lat=None, region_code="C"), APP_T1) == {
        ("region_code", "region_not_allowed")}
    made = create_case(intake, new_case(lon=IN_G2[0], lat=IN_G2[1]), APP_T1, NOW)
    assert case_row(intake, made.case_id)["source"] == "app"
    anywhere = create_case(intake, in_t2, HOTLINE, NOW)
    assert case_row(intake, anywhere.case_id)["region_id"] == G9


def test_the_same_key_twice_makes_one_case(intake):
    first = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="req-1")
    before = row_counts(intake)
    again = create_case(intake, new_case(description="retried"), HOTLINE,
                        NOW + timedelta(seconds=5), idempotency_key=" req-1 ")
    assert again == create_module.Created(first.case_id, first.code, True, (), first.due_at)
    assert first.due_at is not None  # the replay tells the caller the same deadline
    assert row_counts(intake) == before  # a replay writes nothing, not even the version
    other_key = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="req-2")
    other_door = create_case(intake, new_case(), APP_T1, NOW, idempotency_key="req-1")
    assert len({first.case_id, other_key.case_id, other_door.case_id}) == 3
    # at the desk, the key is the user's
    desk = create_case(intake, new_case(), DESK, NOW, idempotency_key="req-1")
    assert create_case(intake, new_case(), DESK, NOW, idempotency_key="req-1").case_id == \
        desk.case_id
    colleague = Door(kind=schema.DESK, source="hotline", actor="operator2",
                     user_name="operator2")
    assert create_case(intake, new_case(), colleague, NOW,
                       idempotency_key="req-1").case_id != desk.case_id
    with intake.connect() as conn:
        assert conn.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == 5


def test_a_replay_returns_the_first_case_suspects(intake):
    older = add_case(intake, "OLD")
    first = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="k")
    again = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="k")
    assert first.suspected == again.suspected == (older,)
    assert again.replayed


def test_a_race_on_the_key_returns_the_winner(intake, monkeypatch):
    winner = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="race")
    real_replay = create_module._replay
    calls = []

    def not_yet_committed(conn, door, key):  # the winner commits after the loser looked
        calls.append(key)
        return None if len(calls) == 1 else real_replay(conn, door, key)

    monkeypatch.setattr(create_module, "_replay", not_yet_committed)
    before = row_counts(intake)
    loser = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="race")
    assert (loser.case_id, loser.replayed, len(calls)) == (winner.case_id, True, 2)
    assert row_counts(intake) == before


def test_bad_idempotency_keys_are_refused(intake):
    assert refusal(intake, new_case(), HOTLINE, idempotency_key="k" * 129) == {
        ("idempotency_key", "too_long")}
    assert refusal(intake, new_case(), HOTLINE, idempotency_key="a\x00b") == {
        ("idempotency_key", "bad_text")}
    assert refusal(intake, new_case(), HOTLINE, idempotency_key=["k"]) == {
        ("idempotency_key", "wrong_type")}


def test_resolved_on_the_spot_counts_as_resolved_in_the_grid(intake):
    made = create_case(intake, new_case(resolved_on_spot=True, reporter_name=None,
                                        resolution_note="已当场清理"), OFFICER, NOW)
    row = case_row(intake, made.case_id)
    assert (row["status"], row["filed_at"], row["dispatched_at"], row["resolved_at"],
            row["resolved_level"], row["officer_id"], row["reporter"], row["source"]) == \
        (schema.RESOLVED, NOW, NOW, NOW, schema.GRID_LEVEL, O1, "张伟", "patrol")
    assert [(s.action, s.from_status, s.to_status, s.note)
            for s in history(intake, made.case_id)] == [
        ("report", None, schema.REPORTED, "open311 · key officer-w1"),
        ("file", schema.REPORTED, schema.FILED, None),
        ("resolve", schema.FILED, schema.RESOLVED, "已当场清理")]
    plain = create_case(intake, new_case(resolved_on_spot=True, lon=IN_G2[0], lat=IN_G2[1]),
                        OFFICER, NOW)
    assert history(intake, plain.case_id)[-1].note == "就地解决"
    assert case_row(intake, plain.case_id)["reporter"] == "李女士"
    # a case the town resolved the same day: two of three resolved in the grid
    add_case(intake, "TOWN", status=schema.RESOLVED, lon=None, lat=None, region_id=G3)
    with store.transaction(intake) as conn:
        conn.execute(Case.__table__.update().where(Case.code == "TOWN")
                     .values(resolved_at=NOW, resolved_level="town"))
        period = metrics.period_for(date(2026, 11, 18), date(2026, 11, 18),
                                    ZoneInfo("Asia/Shanghai"))
        got = metrics.compute(conn, None, period, NOW + timedelta(hours=1))[0]
    assert got["in_grid_resolution_rate"] == pytest.approx(2 / 3)
    assert got["resolved"] == 3


def test_duplicates_are_flagged_for_the_newer_case(intake):
    first = create_case(intake, new_case(), HOTLINE, NOW)
    by_code = create_case(intake, new_case(lon=None, lat=None, region_code="G1"), HOTLINE, NOW)
    second = create_case(intake, new_case(lat=IN_G1[1] + 0.0003), OFFICER,
                         NOW + timedelta(hours=1))
    other_kind = create_case(intake, new_case(service_code="C01"), HOTLINE, NOW)
    assert (first.suspected, by_code.suspected, other_kind.suspected) == ((), (), ())
    assert second.suspected == (first.case_id,)
    with intake.connect() as conn:
        links = conn.execute(select(CaseLink.case_id, CaseLink.other_id, CaseLink.state,
                                    CaseLink.distance_m)).all()
    assert [tuple(link) for link in links] == [
        (second.case_id, first.case_id, schema.SUSPECTED, pytest.approx(33.4, abs=0.1))]
    # the radius and window are the caller's
    far = create_case(intake, new_case(lat=IN_G1[1] + 0.0003), HOTLINE, NOW, radius_m=20)
    assert far.suspected == ()


def photos(count: int = 2) -> list[media.Photo]:
    uploads = []
    for i in range(count):
        out = io.BytesIO()
        Image.new("RGB", (8 + i, 6), (200, 40 * i, 0)).save(out, "PNG")
        uploads.append(media.Upload(f"p{i}.png", out.getvalue()))
    return media.prepare(uploads)


def test_photos_are_kept_with_the_case(intake, tmp_path):
    folder = tmp_path / "media"
    made = create_case(intake, new_case(), HOTLINE, NOW, photos=photos(2), media_dir=folder)
    with intake.connect() as conn:
        kept = media.photos_of(conn, made.case_id)
    assert [(p["position"], p["width"]) for p in kept] == [(1, 8), (2, 9)]
    assert len(list(folder.iterdir())) == 2


def test_a_failure_after_the_photos_leaves_no_case_and_no_file(intake, tmp_path, monkeypatch):
    def broken_flag(conn, case_id, suspects, now):
        raise RuntimeError("the store went away")

    folder = tmp_path / "media"
    monkeypatch.setattr(create_module, "flag", broken_flag)
    before = row_counts(intake)
    with pytest.raises(RuntimeError):
        create_case(intake, new_case(), HOTLINE, NOW, photos=photos(3), media_dir=folder)
    assert list(folder.iterdir()) == []
    assert row_counts(intake) == before


def test_a_raced_request_leaves_no_photo_of_its_own(intake, tmp_path, monkeypatch):
    folder = tmp_path / "media"
    winner = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="r",
                         photos=photos(1), media_dir=folder)
    first_files = set(folder.iterdir())
    real_replay = create_module._replay
    calls = []

    def not_yet_committed(conn, door, key):
        calls.append(key)
        return None if len(calls) == 1 else real_replay(conn, door, key)

    monkeypatch.setattr(create_module, "_replay", not_yet_committed)
    loser = create_case(intake, new_case(), HOTLINE, NOW, idempotency_key="r",
                        photos=photos(2), media_dir=folder)
    assert (loser.case_id, loser.replayed) == (winner.case_id, True)
    assert set(folder.iterdir()) == first_files


def test_a_store_error_propagates_and_writes_nothing(intake):
    ghost = Door(kind=schema.OPEN311, source="patrol", actor="ghost", api_key_id=1,
                 officer_id=99)  # no such officer: the intake row breaks a foreign key
    before = row_counts(intake)
    with pytest.raises(Exception) as error:
        create_case(intake, new_case(), ghost, NOW, idempotency_key="ghost")
    assert not isinstance(error.value, IntakeRefused)
    assert row_counts(intake) == before


def test_a_door_is_checked_when_made():
    with pytest.raises(ValueError):
        Door(kind="fax", source="hotline", actor="x")
    with pytest.raises(ValueError):
        Door(kind=schema.DESK, source="pigeon", actor="x")
    with pytest.raises(ValueError):
        Door(kind=schema.DESK, source="hotline", actor=" ")


def test_writers_at_once_each_file_their_own_case(intake):
    """A busy API: eight threads file forty cases at once. Every one is filed, each under
    its own code, none taken for a replay of another, and nothing is lost to a locked
    store (SQLite's single writer: this process' writers queue for it)."""
    def file(n: int):
        return create_case(intake, new_case(description=f"并发上报 {n}"), HOTLINE,
                           NOW + timedelta(seconds=n), idempotency_key=f"burst-{n}")

    before = row_counts(intake)["cases"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(file, range(40)))
    assert len({m.case_id for m in made}) == 40 and len({m.code for m in made}) == 40
    assert not any(m.replayed for m in made)
    assert row_counts(intake)["cases"] == before + 40
