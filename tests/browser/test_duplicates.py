"""A suspected duplicate in real headless Chromium: the 疑似重复 banner in the case detail,
its link to the other case, and a merge that shows on both cases; a live case's photo
shown to a signed-in user in scope and refused to another town's user and to a wall."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import insert, select

from data import schema, store
from data.intake import media
from data.models import Case, CaseEvent, CaseIntake, CaseLink, Region
from tests.auth_helpers import make_user, sign_in
from tests.browser.conftest import ACCESS, open_console

pytestmark = pytest.mark.browser

REPORTER = "李大爷"
PHONE = "13800138000"


def _png(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


def _pair(server, photo: bool = False) -> dict:
    """Two cases of one grid 12 m apart: an older filed one, and a newer one taken at the
    hotline desk an hour ago (with a photo, if asked), with the hint that joins them."""
    engine = store.make_engine(server.settings.database_url)
    stamp = time.time_ns()
    now = store.utcnow()
    with store.transaction(engine) as conn:
        grid = conn.scalar(select(Region.id).where(Region.depth == 3).order_by(Region.id))
        common = {"location_method": "point", "region_id": grid, "lon": 116.0, "lat": 39.9,
                  "subcategory": "暴露垃圾", "category": "市容环境", "case_class": "incident",
                  "version": 1}
        older = conn.execute(insert(Case).values(
            code=f"DUP-OLD-{stamp}", status=schema.FILED, source="patrol",
            reported_at=now - timedelta(hours=5), filed_at=now - timedelta(hours=4),
            **common)).inserted_primary_key[0]
        newer = conn.execute(insert(Case).values(
            code=f"DUP-NEW-{stamp}", status=schema.REPORTED, source="hotline",
            reporter=REPORTER, reported_at=now - timedelta(hours=1),
            **common)).inserted_primary_key[0]
        conn.execute(insert(CaseIntake).values(
            case_id=newer, door=schema.DESK, user_name="接线员小王", reporter_phone=PHONE,
            received_at=now - timedelta(hours=1)))
        conn.execute(insert(CaseLink).values(
            case_id=newer, other_id=older, kind=schema.DUPLICATE, state=schema.SUSPECTED,
            distance_m=12.0, created_at=now - timedelta(hours=1)))
        if photo:
            media.store(conn, newer, media.prepare([media.Upload("a.png", _png())]),
                        server.settings.media_path())
        store.bump_data_version(conn)
        photos = media.photos_of(conn, newer)
        community = conn.scalar(select(Region.parent_id).where(Region.id == grid))
        town = conn.scalar(select(Region.parent_id).where(Region.id == community))
        other_town = conn.scalar(select(Region.code).where(
            Region.depth == 1, Region.id != town).order_by(Region.id))
    engine.dispose()
    return {"older": older, "newer": newer, "older_code": f"DUP-OLD-{stamp}",
            "newer_code": f"DUP-NEW-{stamp}", "photos": [p["id"] for p in photos],
            "other_town": other_town}


def _detail_of(page, code: str) -> None:
    page.wait_for_function(
        "code => (document.querySelector('#console-detail .detail-table') || {}).innerText"
        "?.includes(code)", arg=code)


def test_the_hint_shows_and_a_merge_shows_on_both_cases(browser, console_server,
                                                        artifacts_dir):
    pair = _pair(console_server)
    context, page, log = open_console(browser, console_server, f"/?q={pair['newer_code']}")
    cell = page.locator(f"#console-grid .ag-row [col-id='code']:has-text('{pair['newer_code']}')")
    cell.first.wait_for()
    cell.first.click()
    banner = page.locator("#console-detail .dup-banner")
    banner.wait_for()
    detail = page.inner_text("#console-detail")
    for expected in ("疑似重复", pair["older_code"], "热线受理台", "接线员小王", REPORTER, PHONE):
        assert expected in detail, expected
    page.screenshot(path=str(artifacts_dir / "console-duplicate-hint.png"))

    # the link opens the older case, which shows the hint the other way round
    banner.locator(".case-link").click()
    _detail_of(page, pair["older_code"])
    assert pair["newer_code"] in page.inner_text("#console-detail .dup-banner")
    page.click("#console-detail .dup-merge")
    page.wait_for_function(
        "() => document.querySelector('#console-duplicate-feedback').innerText"
        ".includes('并入')")
    page.locator("#console-detail .dup-merged").wait_for()
    older_text = page.inner_text("#console-detail")
    assert "已合并" in older_text and pair["newer_code"] in older_text
    assert REPORTER in page.inner_text("#console-detail .timeline")
    page.screenshot(path=str(artifacts_dir / "console-duplicate-merged.png"))

    # and the newer one says it was voided as a duplicate, with a link back
    page.locator("#console-detail .dup-merged .case-link").click()
    _detail_of(page, pair["newer_code"])
    newer_text = page.inner_text("#console-detail")
    assert "作废（重复），已并入" in newer_text and pair["older_code"] in newer_text
    assert "已作废" in page.inner_text("#console-detail .detail-table")
    engine = store.make_engine(console_server.settings.database_url)
    with engine.connect() as conn:
        status = conn.scalar(select(Case.status).where(Case.id == pair["newer"]))
        merges = conn.execute(select(CaseEvent.case_id, CaseEvent.actor).where(
            CaseEvent.action == "merge").order_by(CaseEvent.case_id)).all()
    engine.dispose()
    assert status == schema.VOIDED
    assert sorted(merges) == sorted([(pair["older"], "test-admin"),
                                     (pair["newer"], "test-admin")])
    context.close()
    assert log.page_errors == [] and log.console_errors == [], log
    assert {h for h in log.request_hosts if not h.startswith(("data:", "blob:"))} == {
        console_server.host}


def test_a_photo_shows_in_the_detail_and_is_refused_to_another_town_and_a_wall(
        browser, console_server):
    pair = _pair(console_server, photo=True)
    (photo_id,) = pair["photos"]
    context, page, log = open_console(browser, console_server, f"/?q={pair['newer_code']}")
    cell = page.locator(f"#console-grid .ag-row [col-id='code']:has-text('{pair['newer_code']}')")
    cell.first.wait_for()
    cell.first.click()
    thumb = page.locator(f"#console-detail a[href='/media/{photo_id}'] img.photo-thumb")
    thumb.wait_for()
    page.wait_for_function(
        "id => { const i = document.querySelector(`#console-detail img[src='/media/${id}']`);"
        " return i && i.complete && i.naturalWidth === 40; }", arg=photo_id)
    assert context.request.get(f"{console_server.url}/media/{photo_id}").status == 200
    context.close()
    assert log.page_errors == [] and log.console_errors == [], log

    engine = store.make_engine(console_server.settings.database_url)
    password = make_user(engine, "other-town", "commander", pair["other_town"])
    token = ACCESS["wall_token"]
    engine.dispose()
    other = browser.new_context()
    sign_in(other, "other-town", password, base_url=console_server.url)
    _refused(other.request.get(f"{console_server.url}/media/{photo_id}"), "auth_case_refused")
    other.close()
    wall = browser.new_context(extra_http_headers={"X-Display-Token": token})
    _refused(wall.request.get(f"{console_server.url}/media/{photo_id}"), "auth_display_only")
    _refused(wall.request.get(f"{console_server.url}/media/{photo_id}?token={token}"),
             "auth_display_only")
    wall.close()


def _refused(response, key: str) -> None:
    """A 403 for the reason ``key`` (not merely signed out), with no image in it."""
    assert response.status == 403
    assert response.json()["error"]["key"] == key
