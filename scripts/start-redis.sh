#!/usr/bin/env bash
# Start a private Redis for the test suite on a spare port and print its URL.
# Idempotent: a Redis already answering on the port is reused. Nothing is written to disk
# (no snapshots, no append-only file): the tests' throttles and locks are thrown away.
set -euo pipefail
PORT="${REDISTEST_PORT:-56379}"
DIR="${REDISTEST_DIR:-/tmp/dashboard-redistest}"
if ! command -v redis-server >/dev/null 2>&1; then
  echo "Redis is not installed (apt-get install redis-server)" >&2
  exit 1
fi
if ! redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1; then
  mkdir -p "$DIR"
  redis-server --port "$PORT" --bind 127.0.0.1 --unixsocket "$DIR/redis.sock" \
    --unixsocketperm 700 --dir "$DIR" --save '' --appendonly no --daemonize yes \
    --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" >/dev/null
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
fi
echo "redis://127.0.0.1:$PORT/0"
