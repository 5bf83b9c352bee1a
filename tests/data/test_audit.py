"""The audit log's store side: rows, filters and pages, refusal storms, and the workflow's
rows written (or not) with the case they record."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, event, func, select

from data import audit, schema, store, users, workflow
from data.models import AuditEntry, Case
from tests import tiny_store
from tests import workflow_store as ws
from tests.workflow_store import NOW

ALICE = audit.Who("alice", audit.USER, "10.0.0.7")
T0 = datetime(2026, 11, 1, 8, 0)


def _count(engine: Engine, **where) -> int:
    with engine.connect() as conn:
        sql = select(func.count()).select_from(AuditEntry)
        for column, value in where.items():
            sql = sql.where(getattr(AuditEntry, column) == value)
        return conn.scalar(sql)


def test_rows_are_filtered_and_paged_newest_first(engine: Engine) -> None:
    """On both stores: kinds, actor, since (inclusive), until (exclusive), pages."""
    for minute in range(7):
        record_as = ALICE if minute % 2 else audit.Who("bob", audit.USER, "10.0.0.8")
        event = audit.SIGN_IN if minute < 5 else audit.SIGN_OUT
        audit.record(engine, event, record_as, at=T0 + timedelta(minutes=minute),
                     detail={"minute": minute})
    every = audit.query(engine, limit=100)
    assert [r.detail["minute"] for r in every.rows] == [6, 5, 4, 3, 2, 1, 0]
    assert not every.has_more
    first, second = (audit.query(engine, limit=3, offset=o) for o in (0, 3))
    assert [r.detail["minute"] for r in first.rows + second.rows] == [6, 5, 4, 3, 2, 1]
    assert first.has_more and second.has_more
    alice = audit.query(engine, actor="alice")
    assert [(r.actor, r.source, r.detail["minute"]) for r in alice.rows] == [
        ("alice", "10.0.0.7", 5), ("alice", "10.0.0.7", 3), ("alice", "10.0.0.7", 1)]
    outs = audit.query(engine, kinds=[audit.SIGN_OUT])
    assert [r.detail["minute"] for r in outs.rows] == [6, 5]
    window = audit.query(engine, since=T0 + timedelta(minutes=2),
                         until=T0 + timedelta(minutes=4))
    assert [r.detail["minute"] for r in window.rows] == [3, 2]


@pytest.mark.parametrize("kwargs, words", [
    ({"kinds": ["sign_in", "logon"]}, "unknown audit event kind 'logon'"),
    ({"limit": 0}, "limit 0"),
    ({"offset": -1}, "offset -1"),
    ({"since": T0, "until": T0}, "is not after since"),
])
def test_a_bad_filter_is_refused_naming_it(sqlite_engine: Engine, kwargs, words) -> None:
    with pytest.raises(audit.AuditQueryError, match=words):
        audit.query(sqlite_engine, **kwargs)


def test_an_unknown_event_is_refused_and_text_is_kept_as_given(sqlite_engine: Engine) -> None:
    with pytest.raises(ValueError, match="'signin'"):
        audit.record(sqlite_engine, "signin", ALICE)
    hostile = "<script>x</script>\x00" + "y" * 500
    audit.record(sqlite_engine, audit.SIGN_IN_FAILED, hostile, target=hostile)
    (row,) = audit.query(sqlite_engine).rows
    assert row.actor == ("<script>x</script>" + "y" * 500)[:100]  # NUL gone, cut to fit
    assert row.target.startswith("<script>x</script>y") and len(row.target) == 300


def test_a_refusal_storm_is_one_row_with_its_count(sqlite_engine: Engine) -> None:
    wall = audit.Who("lobby wall", audit.DISPLAY, "10.0.0.9")
    storm = audit.RefusalAggregator()
    ids = {storm.note(sqlite_engine, audit.REFUSED, wall, "auth_out_of_scope", "/cb wall",
                      region="T2", at=T0 + timedelta(seconds=s)) for s in range(0, 47, 2)}
    assert len(ids) == 1 and _count(sqlite_engine) == 1
    (row,) = audit.query(sqlite_engine).rows  # repeats are added every 5 s or so
    assert (row.count, row.last_at) == (22, T0 + timedelta(seconds=42))
    storm.flush(sqlite_engine)
    (row,) = audit.query(sqlite_engine).rows
    assert (row.count, row.last_at, row.region) == (24, T0 + timedelta(seconds=46), "T2")
    assert row.detail == {"key": "auth_out_of_scope"}
    # a minute's pause, and the same refusal opens a new row; another reason, another
    # principal is a row of its own
    storm.note(sqlite_engine, audit.REFUSED, wall, "auth_out_of_scope", "/cb wall",
               at=T0 + timedelta(seconds=108))
    storm.note(sqlite_engine, audit.REFUSED, wall, "auth_display_only", "/cb wall",
               at=T0 + timedelta(seconds=109))
    storm.note(sqlite_engine, audit.REFUSED, ALICE, "auth_out_of_scope", "/cb wall",
               at=T0 + timedelta(seconds=109))
    assert _count(sqlite_engine) == 4


def test_a_night_long_storm_is_a_row_an_hour(sqlite_engine: Engine) -> None:
    """A wall refreshing every 30 s with a revoked token for three hours."""
    wall = audit.Who("-", audit.ANONYMOUS, "10.0.0.9")
    storm = audit.RefusalAggregator()
    for tick in range(3 * 120):
        storm.note(sqlite_engine, audit.REFUSED, wall, "auth_token_invalid", "/cb wall",
                   at=T0 + timedelta(seconds=30 * tick))
    storm.flush(sqlite_engine)
    rows = audit.query(sqlite_engine).rows
    assert len(rows) == 3 and sum(r.count for r in rows) == 360


def test_a_flood_costs_a_write_every_few_seconds_not_one_per_request(sqlite_engine) -> None:
    flood = audit.RefusalAggregator()
    writes = []
    event.listen(sqlite_engine, "before_cursor_execute",
                 lambda *args: writes.append(args[2].split()[0]))
    for n in range(1000):  # ten a second for 100 s
        flood.note(sqlite_engine, audit.REFUSED, ALICE, "auth_role", "/cb",
                   at=T0 + timedelta(milliseconds=100 * n))
    flood.flush(sqlite_engine)
    assert audit.query(sqlite_engine).rows[0].count == 1000
    assert writes.count("INSERT") == 1 and writes.count("UPDATE") <= 21


def test_a_spray_of_targets_is_capped_per_principal(sqlite_engine: Engine) -> None:
    """A client trying 500 account names (or paths) in a minute: 20 rows and one "*"."""
    client = audit.Who("-", audit.ANONYMOUS, "10.6.6.6")
    spray = audit.RefusalAggregator(max_targets=20)
    for n in range(500):
        spray.note(sqlite_engine, audit.SIGN_IN_FAILED, client, "wrong", f"name{n}",
                   at=T0 + timedelta(milliseconds=n))
    assert _count(sqlite_engine) == 21
    spray.flush(sqlite_engine)
    with sqlite_engine.connect() as conn:
        star = conn.scalar(select(AuditEntry.count).where(AuditEntry.target == "*"))
    assert star == 480


def test_prune_deletes_only_what_is_older(sqlite_engine: Engine) -> None:
    for day in range(5):
        audit.record(sqlite_engine, audit.SIGN_IN, ALICE, at=T0 + timedelta(days=day))
    assert audit.prune(sqlite_engine, T0 + timedelta(days=3)) == 3
    assert [r.at for r in audit.query(sqlite_engine).rows] == [T0 + timedelta(days=4),
                                                               T0 + timedelta(days=3)]


def test_account_and_token_changes_write_their_rows_with_the_change(sqlite_engine) -> None:
    tiny_store.build(sqlite_engine)
    cli = audit.Who("cli:ops", audit.CLI, "cli@host")
    users.add_user(sqlite_engine, "zhang", "correct-horse-7", "commander", "T1", audit=cli)
    users.set_password(sqlite_engine, "zhang", "battery-staple-9", audit=cli)
    users.disable(sqlite_engine, "zhang", audit=cli)
    token = users.create_display_token(sqlite_engine, "T2", label="lobby", audit=cli)
    (info,) = users.list_display_tokens(sqlite_engine)
    users.revoke_display_token(sqlite_engine, info.id, audit=cli)
    rows = audit.query(sqlite_engine).rows[::-1]
    assert [(r.event, r.actor, r.actor_kind, r.target, r.region) for r in rows] == [
        (audit.USER_ADDED, "cli:ops", "cli", "zhang", "T1"),
        (audit.PASSWORD_SET, "cli:ops", "cli", "zhang", "T1"),
        (audit.USER_DISABLED, "cli:ops", "cli", "zhang", "T1"),
        (audit.TOKEN_MADE, "cli:ops", "cli", f"token {info.id}", "T2"),
        (audit.TOKEN_REVOKED, "cli:ops", "cli", f"token {info.id}", None),
    ]
    assert token not in repr(rows)  # the token itself never enters the log
    # a refused change writes no row
    with pytest.raises(users.AccountError):
        users.add_user(sqlite_engine, "li", "12345678", "viewer", audit=cli)
    assert _count(sqlite_engine) == 5


# --- the workflow ---------------------------------------------------------------------------

@pytest.fixture
def wf(sqlite_engine: Engine) -> Engine:
    ws.build(sqlite_engine)
    return sqlite_engine


def _case(engine: Engine, case_id: int) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(select(Case.status, Case.version)
                                  .where(Case.id == case_id)).one())


def test_each_case_of_a_batch_has_its_row_ok_or_failed_and_why(engine: Engine) -> None:
    """On both stores: one row per case acted on, with the case's code and the result."""
    ws.build(engine)
    with store.transaction(engine) as conn:
        ok_id = ws.add_case(conn, schema.REPORTED)
        final_id = ws.add_case(conn, schema.CLOSED)
    results = workflow.apply_many(engine, [(ok_id, 1), (final_id, 1), (999_999, 1)], "urge",
                                  actor="alice", note="快", now=NOW, audit=ALICE)
    assert [r.ok for r in results] == [True, False, False]
    rows = {r.detail["case_id"]: r for r in audit.query(engine, kinds=["case_action"]).rows}
    assert {cid: (r.result, r.detail.get("why"), r.actor, r.source, r.at)
            for cid, r in rows.items()} == {
        ok_id: ("ok", None, "alice", "10.0.0.7", NOW),
        final_id: ("failed", "illegal_transition", "alice", "10.0.0.7", NOW),
        999_999: ("failed", "case_not_found", "alice", "10.0.0.7", NOW),
    }
    assert rows[ok_id].detail["action"] == "urge"
    assert rows[ok_id].target.startswith("W") and rows[999_999].target == "999999"


def test_a_rolled_back_action_leaves_no_ok_row_and_says_it_failed(wf: Engine,
                                                                   monkeypatch) -> None:
    """The audit row and the case change are one transaction: when it rolls back after
    both were written, neither stays, and a ``failed`` row says what happened."""
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, schema.REPORTED)
    before = _case(wf, case_id)

    def broken(conn):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflow.store, "bump_data_version", broken)
    with pytest.raises(RuntimeError):
        workflow.apply(wf, case_id, "file", actor="alice", expected_version=1, now=NOW,
                       audit=ALICE)
    assert _case(wf, case_id) == before
    (row,) = audit.query(wf).rows
    assert (row.result, row.detail["why"], row.target) == ("failed", "RuntimeError",
                                                           str(case_id))


def test_inside_a_callers_transaction_the_row_goes_with_it(wf: Engine) -> None:
    with store.transaction(wf) as conn:
        case_id = ws.add_case(conn, schema.REPORTED)
    with pytest.raises(ZeroDivisionError):
        with store.transaction(wf) as conn:
            workflow.apply(conn, case_id, "file", actor="alice", expected_version=1,
                           now=NOW, audit=ALICE)
            assert _count_in(conn) == 1  # written, in the caller's transaction
            1 / 0  # the caller fails after the action: both go
    assert _case(wf, case_id) == (schema.REPORTED, 1) and _count(wf) == 0
    workflow.apply(wf, case_id, "file", actor="alice", expected_version=1, now=NOW)
    assert _count(wf) == 0  # no one named: no row (the demo feed, imports)


def _count_in(conn) -> int:
    return conn.scalar(select(func.count()).select_from(AuditEntry))
