"""What case_detail adds for a case that came in live: how it came in, its photos and its
duplicate links (times as local text), on both stores."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, update

from data import schema, store
from data.cases.detail import case_detail
from data.models import ApiKey, Case, CaseIntake, CaseLink, CaseMedia
from tests import workflow_store as ws
from tests.workflow_store import NOW


def test_a_live_case_shows_its_door_photos_and_links(engine):
    ws.build(engine)
    with store.transaction(engine) as conn:
        older = ws.add_case(conn, schema.FILED, reported_at=NOW - timedelta(hours=5))
        newer = ws.add_case(conn, reported_at=NOW - timedelta(hours=1))
        imported = ws.add_case(conn)
        conn.execute(update(Case).where(Case.id == newer).values(reporter="李大爷"))
        key = conn.execute(insert(ApiKey).values(
            name="巡查App-张伟", key_hash="k" * 64, source="patrol", officer_id=ws.O1,
            created_at=NOW)).inserted_primary_key[0]
        conn.execute(insert(CaseIntake).values(
            case_id=newer, door=schema.OPEN311, api_key_id=key, officer_id=ws.O1,
            reporter_phone="13800138000", received_at=NOW - timedelta(hours=1)))
        conn.execute(insert(CaseMedia), [
            {"case_id": newer, "position": p, "filename": f"f{p}.png", "content_type": "image/png",
             "size": 9, "width": 2, "height": 2, "sha256": "0" * 64, "created_at": NOW}
            for p in (2, 1)])
        conn.execute(insert(CaseLink).values(
            case_id=newer, other_id=older, kind=schema.DUPLICATE, state=schema.MERGED,
            distance_m=8.5, created_at=NOW, decided_at=NOW, decided_by="张指挥"))
    with engine.connect() as conn:
        live = case_detail(conn, newer, NOW)
        kept = case_detail(conn, older, NOW)
        plain = case_detail(conn, imported, NOW)
    # NOW is 02:00 UTC, 10:00 in Shanghai (the store's time zone)
    assert live["intake"] == {"door": schema.OPEN311, "api_key": "巡查App-张伟",
                              "user_name": None, "officer": "张伟",
                              "reporter_phone": "13800138000",
                              "received_at": "2026-11-18 09:00:00"}
    assert live["reporter"] == "李大爷" and live["region_id"] == ws.G1
    assert [p["position"] for p in live["photos"]] == [1, 2]
    (link,) = live["links"]
    assert (link["this_is_newer"], link["other_id"], link["state"], link["decided_at"],
            link["decided_by"]) == (True, older, schema.MERGED, "2026-11-18 10:00:00", "张指挥")
    (back,) = kept["links"]
    assert (back["this_is_newer"], back["other_id"]) == (False, newer)
    assert (plain["intake"], plain["photos"], plain["links"]) == (None, [], [])
