"""The alerts kept in the store: the rules' findings turned into alerts, read back by region.

:func:`refresh` runs every enabled rule of :mod:`data.alerts.registry` (:func:`detect_all`;
a rule whose module is missing or raises is reported, and the others still run), then
writes what they found in ONE transaction (:func:`apply_findings`):

* a key no alert has → a new alert, state ``new``;
* a key whose alert is open (new, acknowledged, assigned) → the same alert, its level,
  facts, region, start and cases brought up to date and ``last_seen_at`` moved: never a
  second alert for one key (the key is unique in the table too);
* an open alert of a rule that ran and no longer finds its key → closed by ``system``
  with the note :data:`SYSTEM_CLOSE_NOTE` (its condition no longer holds); an open
  alert of a rule that is turned off is closed by ``system`` with
  :data:`DISABLED_CLOSE_NOTE`; an alert of a rule that failed this time is left as it is
  (nobody knows whether its condition holds);
* a key whose alert was closed by a person (``closed_by`` is not ``system``) stays closed
  however long it keeps being found: the person judged that condition, and only its
  ``last_seen_at`` moves. A later episode of the same kind has a new key (the
  :class:`~data.alerts.finding.Finding` contract), so it alerts again. A key whose alert
  the *system* closed and that is found again is reopened as ``new`` (the condition came
  back before the rule saw a new episode: e.g. a voided case restored).

An alert's ``version`` moves when its state or its level changes (what a person decides
on): a surge counted 24 instead of 23 does not make a commander's view stale; a surge
turned red does. People's actions are :mod:`data.alerts.actions`'.

Recomputing costs the rules' queries, so :func:`ensure_current` first reads ``meta`` once:
when the data version (:func:`data.store.data_version`) and the parameters are those the
alerts were computed at, and they were computed less than :data:`RECOMPUTE_AFTER` ago
(stuck cases and blind spots grow with time alone), nothing else is read. Several workers
asking at once compute once each at most, and the writes are serialised (a PostgreSQL
advisory lock; SQLite's write lock taken by the first statement) with a re-check, so a
slower worker never writes older findings over newer ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import (Connection, Engine, bindparam, case, delete, func, insert, select,
                        text, update)

from data import store
from data.alerts import params as alert_params
from data.alerts.finding import LEVELS, Finding
from data.alerts import registry
from data.alerts.registry import Rule
from data.metrics import data_now
from data.models import Alert, AlertCase, Case, Meta, Region, RegionAncestor
from data.sql import id_chunks

log = logging.getLogger(__name__)

#: The states of an alert, and those counted as open (its condition may still hold).
NEW, ACKNOWLEDGED, ASSIGNED, CLOSED = "new", "acknowledged", "assigned", "closed"
STATES: tuple[str, ...] = (NEW, ACKNOWLEDGED, ASSIGNED, CLOSED)
OPEN_STATES: tuple[str, ...] = (NEW, ACKNOWLEDGED, ASSIGNED)
#: The listing's state filters: one state, ``open`` (new, acknowledged, assigned), ``all``.
STATE_FILTERS: tuple[str, ...] = (NEW, "open", CLOSED, "all")
#: Who closes an alert whose condition no longer holds.
SYSTEM = "system"
SYSTEM_CLOSE_NOTE = "预警条件已不再成立，系统自动关闭"
DISABLED_CLOSE_NOTE = "预警规则已停用，系统关闭"

#: ``meta`` keys: the data version, time and parameters the alerts were computed at, and
#: a counter moved whenever an alert changed (a wall keys its alert panel by it).
COMPUTED_VERSION = "alerts_data_version"
COMPUTED_AT = "alerts_computed_at"
COMPUTED_PARAMS = "alerts_params"
#: When the alerts were first computed (the earliest ``now`` a refresh wrote at): the
#: weekly briefing says "alerts recorded since" rather than count a week before as empty.
FIRST_COMPUTED = "alerts_first_computed_at"
ALERTS_VERSION = "alerts_version"
#: The longest the alerts stand without a recompute when the data did not change.
RECOMPUTE_AFTER = timedelta(minutes=10)
#: The longest key an alert may have (``alerts.key``).
KEY_LENGTH = 255
#: PostgreSQL's advisory lock key of the alerts' writer (any fixed number of our own).
_LOCK_KEY = 16_016_016


@dataclass(frozen=True)
class RuleFailure:
    """A rule that could not run: its key and the error (type and message)."""

    rule: str
    error: str


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did: alerts created, updated (level, facts, cases, region or start
    changed), closed by the system, reopened, and the rules that failed. ``skipped``: the
    store held alerts computed from the same or newer data already (another worker)."""

    created: int = 0
    updated: int = 0
    closed: int = 0
    reopened: int = 0
    failed: tuple[RuleFailure, ...] = ()
    data_version: int = 0
    skipped: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.closed or self.reopened)


@dataclass(frozen=True)
class AlertRow:
    """One alert as the listing reads it, with its region and the ids of its cases."""

    id: int
    rule: str
    key: str
    level: str
    region_id: int | None
    region_code: str | None
    region_name: str | None
    region_level: str | None
    started_at: datetime
    first_seen_at: datetime
    last_seen_at: datetime
    state: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    assigned_case_id: int | None
    closed_at: datetime | None
    closed_by: str | None
    close_note: str | None
    version: int
    facts: dict = field(compare=False)
    case_ids: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-able (times as ISO text), for ``alerts --json`` and the API."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, datetime) else \
                list(value) if isinstance(value, tuple) else value
        return out


# --- running the rules ---------------------------------------------------------------------

def detect_all(conn: Connection, now: datetime, rule_params: Mapping[str, Mapping[str, Any]],
               rules: Sequence[Rule] | None = None
               ) -> tuple[dict[str, list[Finding]], list[RuleFailure]]:
    """Every enabled rule's findings at ``now`` (naive UTC), and the rules that failed.

    A rule is enabled unless its parameters say ``enabled = false``. A rule whose module
    cannot be imported, that raises, or that returns something other than its own
    :class:`Finding` list (keys of at most :data:`KEY_LENGTH` characters) is reported in
    the failures (and logged), and left out of the
    findings, so its alerts are left as they are; the other rules run as if it did not
    exist. On PostgreSQL each rule runs in a savepoint, so a failed query does not spoil
    the transaction for the next rule."""
    found: dict[str, list[Finding]] = {}
    failures: list[RuleFailure] = []
    rules = registry.RULES if rules is None else rules
    nested = conn.dialect.name == "postgresql" and conn.in_transaction()
    for rule in rules:
        own = dict(rule_params.get(rule.key, {}))
        if not own.pop("enabled", True):
            continue
        savepoint = conn.begin_nested() if nested else None
        try:
            findings = list(rule.detector()(conn, own, now))
            for finding in findings:
                if not isinstance(finding, Finding) or finding.rule != rule.key:
                    raise TypeError(f"returned {finding!r}, not a Finding of rule {rule.key}")
                if len(finding.key) > KEY_LENGTH:
                    raise ValueError(f"key {finding.key[:40]}... is longer than {KEY_LENGTH}")
        except Exception as error:  # noqa: BLE001 - one rule's failure must not lose the rest
            if savepoint is not None:
                savepoint.rollback()
            log.warning("alert rule %s failed: %s: %s", rule.key, type(error).__name__, error)
            failures.append(RuleFailure(rule.key, f"{type(error).__name__}: {error}"))
            continue
        if savepoint is not None:
            savepoint.commit()
        found[rule.key] = findings
    return found, failures


def disabled_rules(rule_params: Mapping[str, Mapping[str, Any]],
                   rules: Sequence[Rule] | None = None) -> list[str]:
    """The keys of the rules their parameters turn off."""
    return [rule.key for rule in (registry.RULES if rules is None else rules)
            if not rule_params.get(rule.key, {}).get("enabled", True)]


def fingerprint(rule_params: Mapping[str, Mapping[str, Any]]) -> str:
    """A short digest of the parameters: alerts computed with others are recomputed."""
    raw = json.dumps(rule_params, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


# --- writing the findings --------------------------------------------------------------------

def _facts_json(facts: Mapping[str, Any]) -> str:
    return json.dumps(dict(facts), ensure_ascii=False, sort_keys=True, default=str)


def _merged(findings: Iterable[Finding]) -> dict[str, Finding]:
    """One finding per key: a rule that reports one key twice gets the more urgent level
    and both case lists."""
    by_key: dict[str, Finding] = {}
    for finding in findings:
        seen = by_key.get(finding.key)
        if seen is None:
            by_key[finding.key] = finding
            continue
        first, second = sorted((seen, finding), key=lambda f: LEVELS.index(f.level))
        cases = tuple(dict.fromkeys((*first.case_ids, *second.case_ids)))
        by_key[finding.key] = Finding(first.rule, first.key, first.level, first.region_id,
                                      min(first.started_at, second.started_at), cases,
                                      first.facts)
    return by_key


def lock(conn: Connection) -> None:
    """Serialise the alerts' writers (a refresh's writes, a person's action) until
    ``conn``'s transaction ends: PostgreSQL's
    advisory lock; on SQLite a write as the first statement takes the store's write lock
    (waiting in the busy handler) before anything is read."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    else:
        conn.execute(update(Meta).where(Meta.key == ALERTS_VERSION).values(value=Meta.value))


def _stored(conn: Connection) -> dict[str, str]:
    keys = (store.DATA_VERSION, COMPUTED_VERSION, COMPUTED_AT, COMPUTED_PARAMS)
    return dict(conn.execute(select(Meta.key, Meta.value).where(Meta.key.in_(keys))).all())


def _already_newer(stored: Mapping[str, str], data_version: int, now: datetime) -> bool:
    """Whether the store holds alerts computed from newer data, or from the same data at
    a later moment, than this writer's."""
    if COMPUTED_VERSION not in stored or COMPUTED_AT not in stored:
        return False
    version = int(stored[COMPUTED_VERSION])
    return version > data_version or (
        version == data_version and datetime.fromisoformat(stored[COMPUTED_AT]) > now)


def apply_findings(conn: Connection, now: datetime,
                   findings_by_rule: Mapping[str, Sequence[Finding]], *,
                   disabled: Iterable[str] = (), failed: Sequence[RuleFailure] = (),
                   data_version: int | None = None, params_digest: str | None = None
                   ) -> RefreshResult:
    """Write what the rules found, in ``conn``'s transaction (see the module).

    Parameters
    ----------
    conn
        A connection in a transaction (the caller commits).
    now
        When the rules looked (naive UTC): ``last_seen_at``, ``first_seen_at`` and the
        system's ``closed_at``.
    findings_by_rule
        Rule key → every finding of the rule; only these rules' open alerts may close.
    disabled
        Rules turned off: their open alerts are closed by the system.
    failed
        The rules that could not run (reported back; their alerts untouched).
    data_version
        The data version the findings were computed from (default: the current one),
        kept in ``meta`` with ``now`` and ``params_digest``.
    """
    now = store.naive_utc(now)
    lock(conn)
    if data_version is None:
        data_version = store.data_version(conn)
    if _already_newer(_stored(conn), data_version, now):
        return RefreshResult(failed=tuple(failed), data_version=data_version, skipped=True)
    for rule, findings in findings_by_rule.items():
        for finding in findings:
            if finding.rule != rule:
                raise ValueError(f"finding {finding.key} is listed under rule {rule}")
    found = _merged(f for findings in findings_by_rule.values() for f in findings)
    existing = _existing(conn, list(found), [*findings_by_rule, *disabled])
    cases = _cases_of(conn, [existing[key].id for key in found if key in existing])
    counts = Counter()
    new: list[Finding] = []
    seen_only: list[int] = []
    writes = _Writes()
    for key, finding in found.items():
        row = existing.get(key)
        if row is None:
            new.append(finding)
        elif row.state in OPEN_STATES:
            if writes.change(row, finding, now, cases.get(row.id, ())):
                counts["updated"] += 1
            else:
                seen_only.append(row.id)
        elif row.closed_by == SYSTEM:
            writes.change(row, finding, now, cases.get(row.id, ()), reopen=True)
            counts["reopened"] += 1
        else:
            seen_only.append(row.id)  # closed by a person: stays closed
    writes.write(conn)
    _insert(conn, new, now)
    counts["created"] = len(new)
    if seen_only:
        for condition in id_chunks(conn, Alert.id, seen_only):
            conn.execute(update(Alert).where(condition).values(last_seen_at=now))
    gone = [row for key, row in existing.items()
            if key not in found and row.state in OPEN_STATES]
    if gone:  # one statement for them all
        conn.execute(update(Alert).where(Alert.id == bindparam("b_id")).values(
            state=CLOSED, closed_at=now, closed_by=SYSTEM), [
            {"b_id": row.id, "version": row.version + 1,
             "close_note": DISABLED_CLOSE_NOTE if row.rule not in findings_by_rule
             else SYSTEM_CLOSE_NOTE} for row in gone])
    counts["closed"] = len(gone)
    result = RefreshResult(counts["created"], counts["updated"], counts["closed"],
                           counts["reopened"], tuple(failed), data_version)
    store.set_meta(conn, COMPUTED_VERSION, str(data_version))
    store.set_meta(conn, COMPUTED_AT, now.isoformat())
    first = store.get_meta(conn, FIRST_COMPUTED)
    if first is None or datetime.fromisoformat(first) > now:
        store.set_meta(conn, FIRST_COMPUTED, now.isoformat())
    if params_digest is not None:
        store.set_meta(conn, COMPUTED_PARAMS, params_digest)
    if result.changed:
        store.next_serial(conn, ALERTS_VERSION)
    return result


_EXISTING_COLUMNS = (Alert.id, Alert.key, Alert.rule, Alert.state, Alert.level,
                     Alert.region_id, Alert.started_at, Alert.facts, Alert.closed_by,
                     Alert.version)


def _existing(conn: Connection, keys: list[str], rules: list[str]) -> dict[str, Any]:
    """The open alerts of ``rules``, and the alerts of the found keys not among them
    (closed ones, or of another rule): each row read once."""
    rows: dict[str, Any] = {}
    if rules:
        rows.update((row.key, row) for row in conn.execute(select(*_EXISTING_COLUMNS).where(
            Alert.state.in_(OPEN_STATES), Alert.rule.in_(rules))).all())
    rest = [key for key in keys if key not in rows]
    for start in range(0, len(rest), 1000):
        rows.update((row.key, row) for row in conn.execute(
            select(*_EXISTING_COLUMNS).where(Alert.key.in_(rest[start:start + 1000]))).all())
    return rows


def _insert(conn: Connection, findings: list[Finding], now: datetime) -> None:
    """New alerts and their cases, a statement each for all of them."""
    if not findings:
        return
    made = conn.execute(insert(Alert).returning(Alert.id, sort_by_parameter_order=True), [
        {"rule": f.rule, "key": f.key, "level": f.level, "region_id": f.region_id,
         "started_at": store.naive_utc(f.started_at), "first_seen_at": now,
         "last_seen_at": now, "state": NEW, "facts": _facts_json(f.facts), "version": 1}
        for f in findings]).scalars().all()
    links = [{"alert_id": alert_id, "case_id": case_id}
             for alert_id, finding in zip(made, findings)
             for case_id in dict.fromkeys(finding.case_ids)]
    if links:
        conn.execute(insert(AlertCase), links)


@dataclass
class _Writes:
    """The changes to open (or reopened) alerts of one refresh, written together: one
    statement for the rows, one for the cases removed, one for the cases added."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, int]] = field(default_factory=list)
    added: list[dict[str, int]] = field(default_factory=list)

    def change(self, row: Any, finding: Finding, now: datetime, have: Sequence[int], *,
               reopen: bool = False) -> bool:
        """Note what brings an alert up to its finding; whether anything but
        ``last_seen_at`` changes (the caller moves that for the rest at once)."""
        facts = _facts_json(finding.facts)
        started = store.naive_utc(finding.started_at)
        wanted, had = set(finding.case_ids), set(have)
        same = (finding.level, finding.region_id, started, facts) == \
            (row.level, row.region_id, row.started_at, row.facts)
        if same and wanted == had and not reopen:
            return False
        moved = reopen or finding.level != row.level
        # open alerts have no closing facts; a reopened one has them cleared
        self.rows.append({"b_id": row.id, "level": finding.level,
                          "region_id": finding.region_id, "started_at": started,
                          "facts": facts, "last_seen_at": now,
                          "state": NEW if reopen else row.state,
                          "version": row.version + 1 if moved else row.version})
        self.removed += [{"b_alert": row.id, "b_case": c} for c in sorted(had - wanted)]
        self.added += [{"alert_id": row.id, "case_id": c} for c in sorted(wanted - had)]
        return True

    def write(self, conn: Connection) -> None:
        if self.removed:
            conn.execute(delete(AlertCase).where(AlertCase.alert_id == bindparam("b_alert"),
                                                 AlertCase.case_id == bindparam("b_case")),
                         self.removed)
        if self.added:
            conn.execute(insert(AlertCase), self.added)
        if self.rows:
            conn.execute(update(Alert).where(Alert.id == bindparam("b_id")).values(
                closed_at=None, closed_by=None, close_note=None), self.rows)


# --- refreshing ------------------------------------------------------------------------------

def refresh(engine: Engine | Connection, now: datetime | None = None,
            rule_params: Mapping[str, Mapping[str, Any]] | None = None,
            rules: Sequence[Rule] | None = None) -> RefreshResult:
    """Run the enabled rules and write their findings (see the module).

    The rules look at the data as of ``now``, or, for an old export whose newest case is
    more than 30 days old, as of the end of that case's day (:func:`data.metrics.data_now`,
    the moment its wall shows); the alerts' own times (first seen, closed) are ``now``.

    Given an engine, the rules read on a connection of their own (no write lock held
    while they work), then one transaction writes; given a connection in a transaction,
    both happen on it. ``rule_params`` defaults to ``rules.toml`` alone
    (:func:`data.alerts.params.load`)."""
    now = store.naive_utc(now)
    rule_params = alert_params.load() if rule_params is None else rule_params
    digest = fingerprint(rule_params)
    if isinstance(engine, Connection):
        version = store.data_version(engine)
        found, failures = detect_all(engine, data_now(engine, now)[0], rule_params, rules)
        return apply_findings(engine, now, found, disabled=disabled_rules(rule_params, rules),
                              failed=failures, data_version=version, params_digest=digest)
    with engine.connect() as conn, conn.begin():
        version = store.data_version(conn)
        found, failures = detect_all(conn, data_now(conn, now)[0], rule_params, rules)
    with store.transaction(engine) as conn:
        return apply_findings(conn, now, found, disabled=disabled_rules(rule_params, rules),
                              failed=failures, data_version=version, params_digest=digest)


def is_current(engine_or_conn: Engine | Connection, now: datetime,
               rule_params: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the stored alerts were computed at the current data version, with these
    parameters, less than :data:`RECOMPUTE_AFTER` before ``now``: one read of ``meta``."""
    with store.transaction(engine_or_conn) as conn:
        stored = _stored(conn)
    if COMPUTED_VERSION not in stored or COMPUTED_AT not in stored:
        return False
    at = datetime.fromisoformat(stored[COMPUTED_AT])
    return (stored[COMPUTED_VERSION] == stored.get(store.DATA_VERSION, "0")
            and stored.get(COMPUTED_PARAMS) == fingerprint(rule_params)
            and at <= now < at + RECOMPUTE_AFTER)


def ensure_current(engine: Engine | Connection, now: datetime | None = None,
                   rule_params: Mapping[str, Mapping[str, Any]] | None = None,
                   rules: Sequence[Rule] | None = None) -> RefreshResult | None:
    """The alerts as of now: :func:`refresh` when the data, the parameters or the time
    moved on since they were computed (:func:`is_current`), else nothing done (None)."""
    now = store.naive_utc(now)
    rule_params = alert_params.load() if rule_params is None else rule_params
    if is_current(engine, now, rule_params):
        return None
    return refresh(engine, now, rule_params, rules)


def alerts_version(conn: Connection) -> int:
    """The counter moved whenever an alert changed (0 before any)."""
    return int(store.get_meta(conn, ALERTS_VERSION, "0") or 0)


# --- reading ---------------------------------------------------------------------------------

_LEVEL_ORDER = case({level: rank for rank, level in enumerate(LEVELS)}, value=Alert.level,
                    else_=len(LEVELS))
_ROW_COLUMNS = (Alert.id, Alert.rule, Alert.key, Alert.level, Alert.region_id, Region.code,
                Region.name, Region.level, Alert.started_at, Alert.first_seen_at,
                Alert.last_seen_at, Alert.state, Alert.acknowledged_by, Alert.acknowledged_at,
                Alert.assigned_case_id, Alert.closed_at, Alert.closed_by, Alert.close_note,
                Alert.version, Alert.facts)


def list_alerts(conn: Connection, region_id: int | None = None, *, state: str = "open",
                rule: str | None = None, level: str | None = None,
                limit: int | None = None) -> list[AlertRow]:
    """The alerts of a region (its own and its descendants'; None: the whole deployment,
    alerts with no region too), most urgent level first, then newest first.

    ``state`` is one of :data:`STATE_FILTERS`; ``rule`` a rule key, ``level`` one of
    :data:`~data.alerts.finding.LEVELS` (None: any). A filter that is none of these is
    refused with a :class:`ValueError` naming it."""
    query = _listing(region_id, state, rule, level).order_by(
        _LEVEL_ORDER, Alert.first_seen_at.desc(), Alert.id.desc())
    if limit is not None:
        query = query.limit(limit)
    rows = conn.execute(query).all()
    cases = _cases_of(conn, [row.id for row in rows])
    return [_row(row, cases.get(row.id, ())) for row in rows]


def _listing(region_id: int | None, state: str, rule: str | None, level: str | None):
    """The listing's query (unordered), its filters checked (see :func:`list_alerts`)."""
    if state not in STATE_FILTERS:
        raise ValueError(f"state={state!r}: expected one of {', '.join(STATE_FILTERS)}")
    if rule is not None and rule not in registry.BY_KEY:
        raise ValueError(f"rule={rule!r}: expected one of {', '.join(registry.BY_KEY)}")
    if level is not None and level not in LEVELS:
        raise ValueError(f"level={level!r}: expected one of {', '.join(LEVELS)}")
    query = select(*_ROW_COLUMNS).outerjoin(Region, Region.id == Alert.region_id)
    if region_id is not None:
        query = query.join(RegionAncestor, (RegionAncestor.descendant_id == Alert.region_id)
                           & (RegionAncestor.ancestor_id == region_id))
    if state == "open":
        query = query.where(Alert.state.in_(OPEN_STATES))
    elif state != "all":
        query = query.where(Alert.state == state)
    if rule is not None:
        query = query.where(Alert.rule == rule)
    if level is not None:
        query = query.where(Alert.level == level)
    return query


def alert_page(conn: Connection, region_id: int | None = None, *, state: str = "open",
               rule: str | None = None, level: str | None = None, offset: int = 0,
               limit: int = 50) -> tuple[list[AlertRow], int]:
    """One page of :func:`list_alerts` (the same filters and order): the rows from
    ``offset`` on, at most ``limit``, and how many alerts the filters hold in all (the
    console's paged list)."""
    if offset < 0 or limit < 1:
        raise ValueError(f"offset={offset!r}, limit={limit!r}: expected offset >= 0, limit >= 1")
    query = _listing(region_id, state, rule, level)
    total = conn.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = conn.execute(query.order_by(_LEVEL_ORDER, Alert.first_seen_at.desc(),
                                       Alert.id.desc()).offset(offset).limit(limit)).all()
    cases = _cases_of(conn, [row.id for row in rows])
    return [_row(row, cases.get(row.id, ())) for row in rows], int(total)


def alert_case_rows(conn: Connection, alert_id: int) -> list[dict[str, Any]]:
    """The cases behind an alert as the console lists and maps them: ``id``, ``code``,
    ``status``, ``subcategory``, ``region_id``, ``lon``, ``lat`` (None: no point), by
    code. The caller decides which of them the reader may see."""
    rows = conn.execute(select(Case.id, Case.code, Case.status, Case.subcategory,
                               Case.region_id, Case.lon, Case.lat)
                        .join(AlertCase, AlertCase.case_id == Case.id)
                        .where(AlertCase.alert_id == alert_id).order_by(Case.code)).all()
    return [dict(row._mapping) for row in rows]


def get_alert(conn: Connection, alert_id: int) -> AlertRow | None:
    """One alert by id (None: no such alert)."""
    row = conn.execute(select(*_ROW_COLUMNS).outerjoin(Region, Region.id == Alert.region_id)
                       .where(Alert.id == alert_id)).first()
    if row is None:
        return None
    return _row(row, _cases_of(conn, [alert_id]).get(alert_id, ()))


def _cases_of(conn: Connection, alert_ids: list[int]) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    for condition in id_chunks(conn, AlertCase.alert_id, alert_ids):
        for alert_id, case_id in conn.execute(select(AlertCase.alert_id, AlertCase.case_id)
                                              .where(condition).order_by(AlertCase.case_id)
                                              ).all():
            found.setdefault(alert_id, []).append(case_id)
    return {alert_id: tuple(ids) for alert_id, ids in found.items()}


def _row(row: Any, case_ids: tuple[int, ...]) -> AlertRow:
    values = list(row)
    facts = values.pop()
    return AlertRow(*values, facts=json.loads(facts or "{}"), case_ids=case_ids)

