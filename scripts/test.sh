#!/usr/bin/env bash
# `make test`'s run: a PostgreSQL cluster and a Redis of this run's own (a private folder
# under /tmp, ports the system had free), the suite against them, then both stopped and the
# folder removed, whatever the outcome (pass, failure, Ctrl-C, kill). The exit status is
# pytest's. Two runs at once never share or stop each other's servers, nor a developer's
# (scripts/start-postgres.sh on 55432, scripts/start-redis.sh on 56379).
#
#   scripts/test.sh [pytest arguments...]      e.g. scripts/test.sh -n0 tests/data
#
# PYTHON names the interpreter (default .venv/bin/python). Needs root, as start-postgres.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"

run_dir="$(mktemp -d /tmp/dashboard-test.XXXXXX)" || exit 1
chmod 755 "$run_dir"  # the cluster runs as postgres: it must reach its data folder below
pg_dir="$run_dir/pg"
redis_dir="$run_dir/redis"
pytest_pid=""

log() { echo "scripts/test.sh: $*" >&2; }

stop_servers() {
  if [ -f "$pg_dir/postmaster.pid" ]; then
    su postgres -s /bin/sh -c "$(pg_bin)/pg_ctl -D '$pg_dir' -m immediate -w stop" \
      >/dev/null 2>&1 || log "PostgreSQL in $pg_dir did not stop (see $pg_dir/server.log)"
  fi
  if [ -f "$redis_dir/redis.pid" ]; then
    local pid
    pid="$(cat "$redis_dir/redis.pid")"
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  return 0
}

cleanup() {
  if [ -n "$pytest_pid" ] && kill -0 "$pytest_pid" 2>/dev/null; then
    kill -TERM -- "-$pytest_pid" 2>/dev/null  # pytest, its xdist workers, their browsers
    wait "$pytest_pid" 2>/dev/null
  fi
  stop_servers
  rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# PostgreSQL: start-postgres.sh on a fresh folder fails when the port was taken meanwhile
# (pg_ctl -w sees the server exit): then another port.
pg_url=""
for _ in 1 2 3 4 5; do
  port="$(free_port)" || exit 1
  if pg_url="$(PGTEST_PORT="$port" PGTEST_DIR="$pg_dir" scripts/start-postgres.sh)"; then
    break
  fi
  pg_url=""
  stop_servers
done
[ -n "$pg_url" ] || { log "could not start PostgreSQL (see $pg_dir/server.log)"; exit 1; }

# Redis: start-redis.sh reuses whatever Redis answers on its port, so check that the one
# answering is the one it started here (its pid file in this run's folder).
redis_url=""
for _ in 1 2 3 4 5; do
  port="$(free_port)" || exit 1
  url="$(REDISTEST_PORT="$port" REDISTEST_DIR="$redis_dir" scripts/start-redis.sh)" || exit 1
  answering="$(redis-cli -h 127.0.0.1 -p "$port" info server 2>/dev/null \
               | tr -d '\r' | sed -n 's/^process_id://p')"
  if [ -n "$answering" ] && [ "$answering" = "$(cat "$redis_dir/redis.pid" 2>/dev/null)" ]; then
    redis_url="$url"
    break
  fi
  stop_servers
  rm -f "$redis_dir/redis.pid"
done
[ -n "$redis_url" ] || { log "could not start Redis (see $redis_dir/redis.log)"; exit 1; }

log "PostgreSQL $pg_url, Redis $redis_url (stopped when the run ends)"
# pytest in a process group of its own, so a signal to this script reaches it, its xdist
# workers and their browsers through cleanup (a background job would otherwise ignore ^C)
set -m
TEST_POSTGRES_URL="$pg_url" TEST_REDIS_URL="$redis_url" "$PYTHON" -m pytest "$@" &
pytest_pid=$!
set +m
wait "$pytest_pid"
status=$?
pytest_pid=""
exit "$status"
