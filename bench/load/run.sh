#!/usr/bin/env bash
# Load test: Kizuna (kizuna.wsgi under gunicorn, WORKERS processes) on PostgreSQL + Redis, driven by
# locust headless. Usage: bench/load/run.sh USERS DURATION [OUT_PREFIX]
#   KIZUNA_DATABASE_URL, KIZUNA_REDIS_URL must point at a migrated database seeded by seed.py.
# Binds 127.0.0.1 on a free port; gunicorn stops when the run ends.
set -euo pipefail
USERS=${1:-20}; DURATION=${2:-2m}; OUT=${3:-var/load}
WORKERS=${WORKERS:-4}
BIN=${BIN:-.venv/bin}
PORT=$($BIN/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export KIZUNA_RATE_LIMIT_AUTHENTICATED=${KIZUNA_RATE_LIMIT_AUTHENTICATED:-10000000}  # measure, don't throttle
export KIZUNA_DB_CONN_MAX_AGE=${KIZUNA_DB_CONN_MAX_AGE:-60}
export KIZUNA_SECRET_KEY=${KIZUNA_SECRET_KEY:-$($BIN/python -c "import secrets; print(secrets.token_urlsafe(50))")}  # kizuna.E001
$BIN/gunicorn kizuna.wsgi:application -w "$WORKERS" -b "127.0.0.1:$PORT" --log-level warning \
  --access-logfile /dev/null --timeout 60 &
GPID=$!
trap 'kill $GPID 2>/dev/null; wait $GPID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/v1/schema" -o /dev/null && break; sleep 0.2; done
mkdir -p "$(dirname "$OUT")"
LOAD_RATELIMIT_REPORT="$OUT-ratelimit.json" $BIN/locust -f bench/load/locustfile.py --headless \
  -H "http://127.0.0.1:$PORT" -u "$USERS" -r "$USERS" -t "$DURATION" --csv "$OUT" --only-summary \
  --stop-timeout 5 2>&1 | tail -40
