#!/bin/sh
# The whole check: install the test dependencies (and Debian's Chromium for the browser tests),
# then lint, types, import contracts, migrations, translations and every test.
# DATABASE_URL picks the database (absent: SQLite).
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null
fi
export DJANGO_SETTINGS_MODULE=config.settings.test PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check .; ruff format --check .
echo "== mypy"; mypy
echo "== import contracts"; lint-imports
echo "== migrations"; python manage.py makemigrations --check --dry-run
echo "== translations"; python scripts/translations.py check
echo "== front-end packages"; python scripts/vendor_frontend.py --check
echo "== tests"; pytest -n 2 -q "$@"
