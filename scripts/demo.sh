#!/bin/sh
# Run Bonne Bouffe on its embedded default: SQLite in ./data, demo network of the west of
# Montérégie, the job worker in the background, the web server on http://127.0.0.1:8000.
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export DJANGO_SETTINGS_MODULE=config.settings.local BONNEBOUFFE_DEMO=1
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py demo_generate --if-empty
.venv/bin/python manage.py db_worker --queue-name default &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo "Bonne Bouffe: http://127.0.0.1:8000 (demo accounts are listed on the sign-in page)"
.venv/bin/python manage.py runserver 127.0.0.1:8000
