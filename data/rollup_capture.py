"""Change capture for the rollups: database triggers that note every change to ``cases``
and to the counted ``case_events`` in ``rollup_queue``, on SQLite and on PostgreSQL.

Triggers, not Python hooks, so that no write path can forget them: the console's actions,
live intake, imports, the demo feed and a test's bare ``insert(Case)`` are all caught.
A queue row keeps the OLD values an update or a delete replaced (what the rollups counted);
an insert notes only the id (the new values are read from the row itself when the queue
is applied, :mod:`data.rollups`). Plain SQL text, imported by :mod:`data.models` (which
attaches it to ``create_all``) and by :mod:`data.rollups` (``install`` on older stores).
"""

from __future__ import annotations

#: The case columns the rollups count on (an update touching none of them is not noted).
CASE_COLUMNS: tuple[str, ...] = (
    "region_id", "status", "case_class", "reported_at", "dispatched_at", "resolved_at",
    "closed_at", "due_at", "mediated_at", "voided_at", "resolved_level", "satisfaction",
    "mediation_outcome",
)
#: The event actions counted per day.
EVENT_ACTIONS: tuple[str, ...] = ("dispatch", "return", "rework")
#: The event actions the triggers note: those counted per day, and the postpones, whose
#: distinct cases per day data.rollup_postpones keeps.
CAPTURED_ACTIONS: tuple[str, ...] = (*EVENT_ACTIONS, "postpone")

_OLD = ", ".join(f"o_{c}" for c in CASE_COLUMNS)
_OLD_VALUES = ", ".join(f"OLD.{c}" for c in CASE_COLUMNS)
_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in CASE_COLUMNS)
_ACTIONS = ", ".join(f"'{a}'" for a in CAPTURED_ACTIONS)

TRIGGER_NAMES: tuple[str, ...] = (
    "rollup_case_insert", "rollup_case_update", "rollup_case_delete",
    "rollup_event_insert", "rollup_event_update", "rollup_event_delete",
)

SQLITE: tuple[str, ...] = (
    """CREATE TRIGGER IF NOT EXISTS rollup_case_insert AFTER INSERT ON cases
BEGIN INSERT INTO rollup_queue (case_id, kind) VALUES (NEW.id, 'ci'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_case_update AFTER UPDATE ON cases
WHEN {_CHANGED}
BEGIN INSERT INTO rollup_queue (case_id, kind, {_OLD}) VALUES (OLD.id, 'cu', {_OLD_VALUES});
END""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_case_delete AFTER DELETE ON cases
BEGIN INSERT INTO rollup_queue (case_id, kind, {_OLD}) VALUES (OLD.id, 'cd', {_OLD_VALUES});
END""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_event_insert AFTER INSERT ON case_events
WHEN NEW.action IN ({_ACTIONS})
BEGIN INSERT INTO rollup_queue (case_id, event_id, kind) VALUES (NEW.case_id, NEW.id, 'ei');
END""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_event_update AFTER UPDATE ON case_events
WHEN (OLD.action IN ({_ACTIONS}) OR NEW.action IN ({_ACTIONS}))
 AND (OLD.action IS NOT NEW.action OR OLD.at IS NOT NEW.at OR OLD.case_id IS NOT NEW.case_id)
BEGIN INSERT INTO rollup_queue (case_id, event_id, kind, o_action, o_at)
 VALUES (OLD.case_id, OLD.id, 'eu', OLD.action, OLD.at); END""",
    f"""CREATE TRIGGER IF NOT EXISTS rollup_event_delete AFTER DELETE ON case_events
WHEN OLD.action IN ({_ACTIONS})
BEGIN INSERT INTO rollup_queue (case_id, event_id, kind, o_action, o_at)
 VALUES (OLD.case_id, OLD.id, 'ed', OLD.action, OLD.at); END""",
)

_PG_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in CASE_COLUMNS)

POSTGRESQL: tuple[str, ...] = (
    f"""CREATE OR REPLACE FUNCTION rollup_capture_case() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO rollup_queue (case_id, kind) VALUES (NEW.id, 'ci');
  ELSIF TG_OP = 'UPDATE' THEN
    IF {_PG_CHANGED} THEN
      INSERT INTO rollup_queue (case_id, kind, {_OLD}) VALUES (OLD.id, 'cu', {_OLD_VALUES});
    END IF;
  ELSE
    INSERT INTO rollup_queue (case_id, kind, {_OLD}) VALUES (OLD.id, 'cd', {_OLD_VALUES});
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION rollup_capture_event() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.action IN ({_ACTIONS}) THEN
      INSERT INTO rollup_queue (case_id, event_id, kind) VALUES (NEW.case_id, NEW.id, 'ei');
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    IF (OLD.action IN ({_ACTIONS}) OR NEW.action IN ({_ACTIONS}))
       AND (OLD.action IS DISTINCT FROM NEW.action OR OLD.at IS DISTINCT FROM NEW.at
            OR OLD.case_id IS DISTINCT FROM NEW.case_id) THEN
      INSERT INTO rollup_queue (case_id, event_id, kind, o_action, o_at)
        VALUES (OLD.case_id, OLD.id, 'eu', OLD.action, OLD.at);
    END IF;
  ELSIF OLD.action IN ({_ACTIONS}) THEN
    INSERT INTO rollup_queue (case_id, event_id, kind, o_action, o_at)
      VALUES (OLD.case_id, OLD.id, 'ed', OLD.action, OLD.at);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """DROP TRIGGER IF EXISTS rollup_case ON cases""",
    """CREATE TRIGGER rollup_case AFTER INSERT OR UPDATE OR DELETE ON cases
FOR EACH ROW EXECUTE FUNCTION rollup_capture_case()""",
    """DROP TRIGGER IF EXISTS rollup_event ON case_events""",
    """CREATE TRIGGER rollup_event AFTER INSERT OR UPDATE OR DELETE ON case_events
FOR EACH ROW EXECUTE FUNCTION rollup_capture_event()""",
)

DROP_SQLITE: tuple[str, ...] = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGER_NAMES)
DROP_POSTGRESQL: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS rollup_case ON cases",
    "DROP TRIGGER IF EXISTS rollup_event ON case_events",
)


def create_statements(dialect: str) -> tuple[str, ...]:
    """The statements that make the triggers in ``dialect`` (idempotent)."""
    return {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, ())


def drop_statements(dialect: str) -> tuple[str, ...]:
    """The statements that remove the triggers (a bulk load rebuilds instead)."""
    return {"sqlite": DROP_SQLITE, "postgresql": DROP_POSTGRESQL}.get(dialect, ())


def present(connection) -> set[str]:
    """The names of the capture triggers the store has."""
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN ("
            + ", ".join(f"'{n}'" for n in TRIGGER_NAMES) + ")")
    elif connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace "
            "AND tgname IN ('rollup_case', 'rollup_event')")
    else:
        return set()
    return {name for (name,) in rows}


def ensure(connection) -> None:
    """Make the triggers unless the store has them all (several workers starting at once
    must not all replace them)."""
    wanted = {"sqlite": set(TRIGGER_NAMES), "postgresql": {"rollup_case", "rollup_event"}}
    if wanted.get(connection.dialect.name, set()) <= present(connection):
        return
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
