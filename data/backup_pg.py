"""The PostgreSQL half of :mod:`data.backup`: ``pg_dump``, ``pg_restore`` and ``psql`` from
Debian's ``postgresql-client``, and what both halves share (:class:`BackupError`,
:func:`count_rows`).

The password of ``DATABASE_URL`` reaches the tools in ``PGPASSWORD``, never on their
command line (where ``ps`` shows it to every user of the machine); the rest of the address
is a libpq connection string.

* :func:`dump`: in one REPEATABLE READ transaction, export its snapshot, count the rows of
  every table and read the versions, and run ``pg_dump -Fc --snapshot`` on that snapshot:
  the counts are exactly the dump's, while the server goes on writing.
* :func:`restore`: ``pg_restore`` turns the dump into SQL that ``psql`` runs in one
  transaction, between a prelude that keeps the store's versions and drops the schema's
  objects, and a postlude that checks every table's rows against the manifest and moves the
  versions past both. Any error rolls all of it back: the store is as it was.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Mapping

from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from data import store
from data.store import StoreError

PACKAGE = "postgresql-client"
_TOOLS_GLOB = "/usr/lib/postgresql/*/bin"
#: Where a client program's message came from (``psql:/tmp/x.sql:12: ``), left out.
_TOOL_PREFIX = re.compile(r"^(psql|pg_dump|pg_restore):(\S*:\d+:)? ")
#: A ``pg_restore --list`` line that creates or comments on the schema itself.
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (SCHEMA - |COMMENT - SCHEMA )\S+ ")
#: Lines of a tool's error output quoted in a refusal.
_ERROR_LINES = 6


class BackupError(StoreError):
    """A backup cannot be made, or a file cannot be restored; the message says which file
    and why. Nothing was changed."""


def count_rows(engine_or_conn, names: list[str] | None = None) -> dict[str, int]:
    """Rows of every table of the store (``names``: of those only), by table name."""
    with ExitStack() as stack:
        conn = engine_or_conn
        if isinstance(engine_or_conn, Engine):
            conn = stack.enter_context(engine_or_conn.connect())
        if names is None:
            names = inspect(conn).get_table_names()
        return {name: int(conn.scalar(select(func.count()).select_from(table(name))))
                for name in sorted(names)}


def tool(name: str) -> str:
    """The path of PostgreSQL client program ``name``: on ``PATH``, else the newest in
    ``/usr/lib/postgresql/*/bin``; a :class:`BackupError` naming the package if neither."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"{_TOOLS_GLOB}/{name}"),
                        key=lambda p: [int(x) if x.isdigit() else 0
                                       for x in Path(p).parent.parent.name.split(".")])
    if candidates:
        return candidates[-1]
    raise BackupError(f"{name} was not found (on PATH or in {_TOOLS_GLOB}): install "
                      f"Debian's {PACKAGE} (apt-get install {PACKAGE}), of the server's "
                      "major version or newer")


def connection(engine: Engine) -> tuple[str, dict[str, str]]:
    """The libpq connection string of ``engine``'s store (no password) and the environment
    for a client program (this one's, with ``PGPASSWORD`` if the address has one)."""
    url = make_url(engine.url)
    params: dict[str, object] = {"dbname": url.database or ""}
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = url.port
    if url.username:
        params["user"] = url.username
    for key, value in url.query.items():  # sslmode, host=/run/postgresql, ...
        params[key] = value if isinstance(value, str) else value[-1]
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return make_conninfo(**params), env


def _failure(what: str, stderr: bytes) -> str:
    lines = [_TOOL_PREFIX.sub("", line) for line in stderr.decode(errors="replace").splitlines()
             if line.strip() and not line.startswith("CONTEXT:")]
    return f"{what}: " + (" / ".join(lines[-_ERROR_LINES:]) or "no message")


def _schema(conn) -> str:
    return conn.scalar(text("SELECT current_schema()"))


def dump(engine: Engine, target: Path) -> tuple[dict[str, int], dict[str, int]]:
    """``pg_dump -Fc`` of the store's schema into ``target``, with the row counts and
    versions of the same snapshot (see the module's docstring)."""
    pg_dump = tool("pg_dump")
    conninfo, env = connection(engine)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            tables = count_rows(conn)
            versions = ({store.DATA_VERSION: store.data_version(conn),
                         store.REGIONS_VERSION: store.regions_version(conn)}
                        if "meta" in tables else {store.DATA_VERSION: 0,
                                                  store.REGIONS_VERSION: 0})
            # the snapshot lives while this transaction does: pg_dump runs inside it
            done = subprocess.run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                 f"--schema={_schema(conn)}", f"--snapshot={snapshot}", f"--file={target}",
                 f"--dbname={conninfo}"], env=env, capture_output=True)
    if done.returncode != 0:
        raise BackupError(_failure("pg_dump failed, and no backup was written", done.stderr))
    return tables, versions


def contents(path: Path, dump_file: Path) -> str:
    """The list of what ``dump_file`` (from backup ``path``) restores, without its schema's
    own entry (the schema exists: only what is in it is replaced); refused unless
    ``pg_restore`` can read it."""
    done = subprocess.run([tool("pg_restore"), "--list", str(dump_file)], capture_output=True)
    if done.returncode != 0:
        raise BackupError(_failure(f"{path} is not a backup this command can restore: its "
                                   "store.pgdump is not a pg_dump archive; nothing was "
                                   "changed", done.stderr))
    return "".join(line for line in done.stdout.decode(errors="replace").splitlines(True)
                   if not _SCHEMA_ENTRY.search(line))


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


#: Before the dump's SQL, in the same transaction: the store's versions kept aside, then
#: every object of the current schema dropped (tables, views, sequences, routines, types;
#: an extension's own objects stay).
_PRELUDE = """
CREATE TEMP TABLE dashboard_restore_versions (key text PRIMARY KEY, value bigint)
    ON COMMIT DROP;
DO $restore$
DECLARE
    item record;
BEGIN
    IF to_regclass('meta') IS NOT NULL THEN
        LOCK TABLE meta IN ACCESS EXCLUSIVE MODE;
        INSERT INTO pg_temp.dashboard_restore_versions
            SELECT key, value::bigint FROM meta
            WHERE key IN ('data_version', 'regions_version') AND value ~ '^[0-9]+$';
    END IF;
    FOR item IN
        SELECT c.relname, c.relkind FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))
        ORDER BY c.relkind DESC
    LOOP
        EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
                       CASE item.relkind WHEN 'v' THEN 'VIEW'
                            WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                            WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                       current_schema(), item.relname);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure::text AS signature, p.prokind FROM pg_proc p
        WHERE p.pronamespace = current_schema()::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP %s IF EXISTS %s CASCADE',
                       CASE item.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE'
                            ELSE 'FUNCTION' END, item.signature);
    END LOOP;
    FOR item IN
        SELECT t.typname FROM pg_type t
        WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd', 'c')
          AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I.%I CASCADE', current_schema(), item.typname);
    END LOOP;
END
$restore$;
"""


def _postlude(path: Path, tables: Mapping[str, int], versions: Mapping[str, int]) -> str:
    """After the dump's SQL: every table holds the manifest's rows (else an error that rolls
    it all back), and the versions move one past the larger of the store's and the
    backup's."""
    checks = "\n".join(
        f"    IF (SELECT count(*) FROM {_identifier(name)}) <> {int(rows)} THEN\n"
        f"        RAISE EXCEPTION 'table %: % rows, the backup counted {int(rows)}', "
        f"{_quote(name)}, (SELECT count(*) FROM {_identifier(name)});\n    END IF;"
        for name, rows in sorted(tables.items()))
    backup_versions = ", ".join(f"({_quote(key)}, {int(value)})"
                                for key, value in sorted(versions.items())) or "('none', 0)"
    return f"""
RESET search_path;
DO $check$
BEGIN
{checks or '    NULL;'}
END
$check$;
INSERT INTO meta (key, value)
    SELECT k.key, '0' FROM (VALUES ('data_version'), ('regions_version')) AS k (key)
    WHERE NOT EXISTS (SELECT 1 FROM meta m WHERE m.key = k.key);
UPDATE meta m SET value = (GREATEST(
        CASE WHEN m.value ~ '^[0-9]+$' THEN m.value::bigint ELSE 0 END,
        COALESCE((SELECT v.value FROM pg_temp.dashboard_restore_versions v
                  WHERE v.key = m.key), 0),
        COALESCE((SELECT b.value FROM (VALUES {backup_versions}) AS b (key, value)
                  WHERE b.key = m.key), 0)) + 1)::text
    WHERE m.key IN ('data_version', 'regions_version');
"""


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def restore(engine: Engine, path: Path, dump_file: Path, tables: Mapping[str, int],
            versions: Mapping[str, int]) -> dict[str, int]:
    """Replace the store's schema with ``dump_file`` (from backup ``path``, whose manifest
    counted ``tables`` and ``versions``) in one transaction; the versions now."""
    listing = contents(path, dump_file)
    conninfo, env = connection(engine)
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c client_min_messages=warning").strip()
    engine.dispose()  # this process' own idle connections would only wait on the locks
    with tempfile.TemporaryDirectory(prefix=".restore-sql-", dir=dump_file.parent) as work:
        prelude, postlude = Path(work) / "prelude.sql", Path(work) / "postlude.sql"
        listed = Path(work) / "contents.list"
        listed.write_text(listing)
        prelude.write_text(_PRELUDE)
        postlude.write_text(_postlude(path, tables, versions))
        with tempfile.TemporaryFile() as script_errors:
            # a script cut short by a damaged dump fails the postlude's row counts, so
            # psql never commits a part of it
            script = subprocess.Popen(
                [tool("pg_restore"), "--no-owner", "--no-privileges", f"--use-list={listed}",
                 "--file=-", str(dump_file)], stdout=subprocess.PIPE, stderr=script_errors)
            loaded = subprocess.run(
                [tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                 "--single-transaction", f"--file={prelude}", "--file=-",
                 f"--file={postlude}", f"--dbname={conninfo}"],
                stdin=script.stdout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                env=env)
            script.stdout.close()
            script.wait()
            script_errors.seek(0)
            script_error = script_errors.read()
    if loaded.returncode != 0:
        raise BackupError(_failure(f"restoring {path} failed, and the store was left as it "
                                   "was (one transaction, rolled back)", loaded.stderr))
    if script.returncode != 0:  # psql committed what it read, and the counts held
        raise BackupError(_failure(f"pg_restore reported an error reading {path} after the "
                                   "restore was committed with every table's rows as the "
                                   "backup counted them", script_error))
    return store.versions(engine)
