#!/usr/bin/env bash
# Load test of the portal against the 1M-case bench database, loopback only and bounded in time.
#
#   bench/loadtest/run.sh            # 10 users, 60 s, gunicorn with 2 workers on 127.0.0.1:8077
#   USERS=20 DURATION=120s bench/loadtest/run.sh
#
# Serves with config.settings.loadtest (prod settings minus TLS) from gunicorn, creates the two load users,
# runs locust headless, stops gunicorn and writes var/loadtest/summary.json and summary.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/drg_bench}"
export DJANGO_SETTINGS_MODULE=config.settings.loadtest
export SECRET_KEY="${SECRET_KEY:-loadtest-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')}"
export PATIENT_ID_SALT="${PATIENT_ID_SALT:-loadtest-salt}"
export ALLOWED_HOSTS=127.0.0.1,localhost
export LOADTEST_PASSWORD="${LOADTEST_PASSWORD:-Load-test-2026}"
PORT="${PORT:-8077}"
USERS="${USERS:-10}"
DURATION="${DURATION:-60s}"
OUT=var/loadtest
mkdir -p "$OUT"

$PY bench/loadtest/make_users.py > "$OUT/users.json"
# The throttle must not count the load users' earlier runs.
$PY manage.py axes_reset_username load_bureau >/dev/null 2>&1 || true
$PY manage.py axes_reset_username load_hospital >/dev/null 2>&1 || true

.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 \
  --access-logfile "$OUT/access.log" --error-logfile "$OUT/gunicorn.log" --pid "$OUT/gunicorn.pid" --daemon
trap 'kill "$(cat "$OUT/gunicorn.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do sleep 1; curl -fsS -o /dev/null "http://127.0.0.1:$PORT/login/" 2>/dev/null && break; done

cut -d' ' -f1-3 /proc/loadavg > "$OUT/loadavg_before.txt"
.venv/bin/locust -f bench/loadtest/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  -u "$USERS" -r 2 -t "$DURATION" --stop-timeout 10 --csv "$OUT/locust" --only-summary \
  > "$OUT/locust.log" 2>&1 || true
cut -d' ' -f1-3 /proc/loadavg > "$OUT/loadavg_after.txt"
grep -c '" 5[0-9][0-9] ' "$OUT/access.log" > "$OUT/server_5xx.txt" || true
$PY bench/loadtest/summarise.py "$OUT" "$USERS" "$DURATION"
