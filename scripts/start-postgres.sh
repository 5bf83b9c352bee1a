#!/usr/bin/env bash
# Start a private PostgreSQL cluster for the test suite on a spare port and print its URL.
# Idempotent: a cluster already running on the port is reused. Needs root (runs initdb as postgres).
set -euo pipefail
PORT="${PGTEST_PORT:-55432}"
DIR="${PGTEST_DIR:-/tmp/dashboard-pgtest}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
if ! su postgres -s /bin/sh -c "$BIN/pg_ctl -D $DIR status" >/dev/null 2>&1; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR" && chown postgres:postgres "$DIR"
    su postgres -s /bin/sh -c "$BIN/initdb -D $DIR -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
  fi
  su postgres -s /bin/sh -c "$BIN/pg_ctl -D $DIR -l $DIR/server.log -w -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start" >/dev/null
fi
for db in dashboard_test; do
  su postgres -s /bin/sh -c "psql -h 127.0.0.1 -p $PORT -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 \
    || su postgres -s /bin/sh -c "createdb -h 127.0.0.1 -p $PORT -U postgres $db"
done
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/dashboard_test"
