"""The intake API's keys: made, listed, checked and revoked, on both stores."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import OperationalError

from data import audit, store
from data.intake import keys
from data.intake.keys import ApiKeyError
from data.models import ApiKey, AuditEntry, Base, Officer
from tests import tiny_store

T0 = datetime(2026, 3, 5, 8, 0)


@pytest.fixture
def world(engine):
    """The tiny county, and two grid officers: one in grid G2, one with no grid."""
    tiny_store.build(engine)
    with store.transaction(engine) as conn:
        conn.execute(insert(Officer), [
            {"id": 1, "code": "W007", "name": "王网格", "region_id": 5, "phone": None},
            {"id": 2, "code": "W008", "name": "李流动", "region_id": None, "phone": None},
        ])
    return engine


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def _audit_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(AuditEntry.event, AuditEntry.actor, AuditEntry.actor_kind,
                   AuditEntry.target, AuditEntry.region).order_by(AuditEntry.id))]


def test_a_key_is_made_listed_checked_and_revoked(world):
    token, info = keys.add_key(world, "12345热线", region_code="T1", rate_per_minute=120,
                               now=T0)
    assert token.startswith("o311_") and len(token) >= 40
    assert (info.name, info.source, info.region_code, info.rate_per_minute) == (
        "12345热线", "hotline", "T1", 120)
    assert (info.officer_id, info.created_at, info.revoked_at, info.last_used_at) == (
        None, T0, None, None)
    assert keys.list_keys(world) == [info]

    checked = keys.check_key(world, token, now=T0 + timedelta(minutes=5))
    assert checked is not None and (checked.id, checked.region_id) == (info.id, 2)

    revoked = keys.revoke_key(world, "12345热线", now=T0 + timedelta(hours=1))
    assert revoked.revoked_at == T0 + timedelta(hours=1)
    assert keys.check_key(world, token, now=T0 + timedelta(hours=2)) is None
    listed = keys.list_keys(world)
    assert [(k.name, k.revoked_at) for k in listed] == [("12345热线", T0 + timedelta(hours=1))]
    # revoking again keeps the first moment and writes no second audit row
    again = keys.revoke_key(world, "12345热线", now=T0 + timedelta(hours=3))
    assert again.revoked_at == T0 + timedelta(hours=1)
    assert [r[0] for r in _audit_rows(world)] == [audit.API_KEY_MADE, audit.API_KEY_REVOKED]


def test_two_keys_are_different_and_each_checks_as_itself(world):
    first, a = keys.add_key(world, "app")
    second, b = keys.add_key(world, "video", source="video")
    assert first != second
    assert keys.check_key(world, first).name == "app"
    assert keys.check_key(world, second).source == "video"
    assert keys.check_key(world, first[:-1] + ("A" if first[-1] != "A" else "B")) is None


def test_only_the_hash_is_stored(world):
    token, info = keys.add_key(world, "hotline")
    with world.connect() as conn:
        stored = conn.execute(select(ApiKey.__table__)).one()
        everything = []
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                everything.extend(str(value) for value in row)
    assert stored.key_hash != token and len(stored.key_hash) == 64
    secret = token[len(keys.PREFIX):]
    assert not [value for value in everything if secret in value or secret[:12] in value]


@pytest.mark.parametrize("token", [
    None, "", 42, b"o311_abc", "o311_", "o311_" + "A" * 10, "x311_" + "A" * 43,
    "o311_" + "A" * 42 + "!", "o311_" + "A" * 10_000, "o311_" + "\x00" * 43,
    "' OR 1=1 --", "o311_" + "é" * 43,
])
def test_malformed_unknown_and_huge_input_is_none(world, token):
    keys.add_key(world, "hotline")
    assert keys.check_key(world, token) is None


def test_an_unknown_well_formed_key_is_none(world):
    keys.add_key(world, "hotline")
    assert keys.check_key(world, "o311_" + "A" * 43) is None


@pytest.mark.parametrize("kwargs, key, words", [
    ({"name": ""}, "api_key_bad_name", "not a usable key name"),
    ({"name": "   "}, "api_key_bad_name", "not a usable key name"),
    ({"name": "x" * 101}, "api_key_bad_name", "1-100 printable"),
    ({"name": "tab\there"}, "api_key_bad_name", "not a usable key name"),
    ({"name": "nul\x00"}, "api_key_bad_name", "not a usable key name"),
    ({"name": "ok", "source": "online"}, "api_key_unknown_source", "unknown source 'online'"),
    ({"name": "ok", "source": "HOTLINE"}, "api_key_unknown_source", "unknown source"),
    ({"name": "ok", "region_code": "NOPE"}, "api_key_unknown_region",
     "no region has the code 'NOPE'"),
    ({"name": "ok", "officer_code": "W999"}, "api_key_unknown_officer",
     "no grid officer has the code 'W999'"),
    ({"name": "ok", "rate_per_minute": 0}, "api_key_bad_rate", "from 1 to 60000"),
    ({"name": "ok", "rate_per_minute": 60_001}, "api_key_bad_rate", "rate 60001"),
    ({"name": "ok", "rate_per_minute": True}, "api_key_bad_rate", "rate True"),
    ({"name": "ok", "rate_per_minute": "5"}, "api_key_bad_rate", "rate '5'"),
])
def test_bad_requests_are_refused_with_nothing_written(world, kwargs, key, words):
    kwargs = dict(kwargs)
    name = kwargs.pop("name")
    with pytest.raises(ApiKeyError) as refused:
        keys.add_key(world, name, **kwargs)
    assert refused.value.key == key and words in str(refused.value)
    assert not isinstance(refused.value, KeyError)
    assert _count(world, ApiKey) == 0 and _count(world, AuditEntry) == 0


def test_a_taken_name_is_refused_revoked_or_not(world):
    keys.add_key(world, "hotline")
    keys.revoke_key(world, "hotline")
    with pytest.raises(ApiKeyError) as refused:
        keys.add_key(world, " hotline ")
    assert refused.value.key == "api_key_duplicate_name"
    assert refused.value.values == {"name": "hotline"}
    assert _count(world, ApiKey) == 1 and _count(world, AuditEntry) == 2


def test_revoking_an_unknown_name_is_refused(world):
    with pytest.raises(ApiKeyError) as refused:
        keys.revoke_key(world, "ghost")
    assert refused.value.key == "api_key_unknown" and "'ghost'" in str(refused.value)
    assert _count(world, AuditEntry) == 0


def test_an_officer_key_reports_from_patrol_in_the_officers_grid(world):
    _, info = keys.add_key(world, "王网格的手机", officer_code="W007")
    assert (info.source, info.region_code, info.officer_code, info.officer_name) == (
        "patrol", "G2", "W007", "王网格")
    # a region and a source given win over the officer's
    _, wider = keys.add_key(world, "王网格-镇", officer_code="W007", region_code="T1",
                            source="app")
    assert (wider.source, wider.region_code, wider.officer_id) == ("app", "T1", 1)
    # an officer with no grid: a key that may file anywhere
    _, roaming = keys.add_key(world, "李流动", officer_code="W008")
    assert (roaming.source, roaming.region_id, roaming.officer_code) == ("patrol", None, "W008")


def test_last_used_is_written_at_most_once_a_minute(world):
    token, _ = keys.add_key(world, "app", now=T0)
    assert keys.check_key(world, token, now=T0 + timedelta(seconds=1)).last_used_at == (
        T0 + timedelta(seconds=1))
    for seconds in (2, 30, 60):
        keys.check_key(world, token, now=T0 + timedelta(seconds=seconds))
    assert keys.get_key(world, "app").last_used_at == T0 + timedelta(seconds=1)
    later = T0 + timedelta(seconds=61)
    assert keys.check_key(world, token, now=later).last_used_at == later
    assert keys.list_keys(world)[0].last_used_at == later


def test_a_check_that_finds_it_touched_meanwhile_writes_nothing(world):
    """Many requests at once: the conditional update lets one of them write."""
    token, info = keys.add_key(world, "app", now=T0)
    keys.check_key(world, token, now=T0 + timedelta(minutes=2))
    with store.transaction(world) as conn:  # another process touched it a moment later
        conn.execute(text("UPDATE api_keys SET last_used_at = :at WHERE id = :id"),
                     {"at": T0 + timedelta(minutes=3), "id": info.id})
    seen = keys.check_key(world, token, now=T0 + timedelta(minutes=3, seconds=30))
    assert seen.last_used_at == T0 + timedelta(minutes=3)


def test_audit_rows_name_the_key_never_the_token(world):
    token, info = keys.add_key(world, "12345热线", region_code="T1", rate_per_minute=60,
                               actor=audit.Who("cli:ops", audit.CLI, "cli@host"))
    keys.revoke_key(world, "12345热线", actor="cli:ops")
    assert _audit_rows(world) == [
        (audit.API_KEY_MADE, "cli:ops", "cli", f"api key {info.id}", "T1"),
        (audit.API_KEY_REVOKED, "cli:ops", "cli", f"api key {info.id}", "T1"),
    ]
    rows = audit.query(world, kinds=[audit.API_KEY_MADE]).rows
    assert rows[0].detail == {"name": "12345热线", "source": "hotline", "rate_per_minute": 60}
    with world.connect() as conn:
        logged = " ".join(str(v) for row in conn.execute(select(AuditEntry.__table__))
                          for v in row)
    assert token[len(keys.PREFIX):][:12] not in logged


def test_a_busy_store_skips_the_last_use_but_lets_the_key_in(world, monkeypatch):
    token, _ = keys.add_key(world, "app", now=T0)
    real = store.transaction
    calls = []

    @contextmanager
    def busy_on_write(engine):
        calls.append(engine)
        if len(calls) == 1:  # the check's only transaction: the touch (the read needs none)
            raise OperationalError("UPDATE api_keys", {}, Exception("database is locked"))
        with real(engine) as conn:
            yield conn

    monkeypatch.setattr(store, "transaction", busy_on_write)
    assert keys.check_key(world, token, now=T0 + timedelta(minutes=5)).last_used_at is None
    assert len(calls) == 1
    monkeypatch.setattr(store, "transaction", real)
    assert keys.get_key(world, "app").last_used_at is None
    assert keys.check_key(world, token, now=T0 + timedelta(minutes=6)).last_used_at == (
        T0 + timedelta(minutes=6))


def test_a_check_inside_the_callers_transaction_uses_it(world):
    token, _ = keys.add_key(world, "app", now=T0)
    with store.transaction(world) as conn:
        seen = keys.check_key(conn, token, now=T0 + timedelta(minutes=2))
        assert seen.last_used_at == T0 + timedelta(minutes=2)
        assert keys.check_key(conn, "o311_" + "A" * 43) is None
    assert keys.get_key(world, "app").last_used_at == T0 + timedelta(minutes=2)
