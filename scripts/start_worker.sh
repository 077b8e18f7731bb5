#!/usr/bin/env bash
# Start one local Celery worker for `make run` (filesystem broker under var/ unless CELERY_BROKER_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/celery/queue var/celery/processed
if [ -f var/celery-worker.pid ] && kill -0 "$(cat var/celery-worker.pid)" 2>/dev/null; then
  echo "celery worker already running (pid $(cat var/celery-worker.pid))"
  exit 0
fi
nohup .venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 --pidfile=var/celery-worker.pid \
  >var/celery-worker.log 2>&1 &
echo "celery worker started (broker: ${CELERY_BROKER_URL:-filesystem under var/celery}; log var/celery-worker.log)"
