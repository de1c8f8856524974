# Tessera: `make demo` to try it, `make test` to run the whole suite. See README.md.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
# The demo listens on this machine only; `make demo HOST=0.0.0.0` opens it to the network (published password).
HOST   ?= 127.0.0.1

# The embedded demo: SQLite, the file-system Celery broker (config/broker.py), console mail. Nothing to install but
# Python.
DEMO_DIR := $(CURDIR)/var/demo
DEMO_ENV := SECRET_KEY=demo-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
	DJANGO_DEBUG=false \
	DATABASE_URL=sqlite:///$(DEMO_DIR)/db.sqlite3 \
	CACHE_URL=dbcache://tessera_cache \
	CELERY_BROKER_URL=filesystem:// \
	CELERY_FILESYSTEM_DIR=$(DEMO_DIR)/broker \
	CELERY_BEAT_SCHEDULE_FILENAME=$(DEMO_DIR)/beat-schedule \
	OUTBOX_GRACE_SECONDS=30 \
	MEDIA_ROOT=$(DEMO_DIR)/media \
	STATIC_ROOT=$(DEMO_DIR)/static \
	EMAIL_URL=consolemail:// \
	MAIL_TRUSTED_AUTHSERV_IDS=mx.demo.localhost \
	SECURE_HTTPS=false \
	PUBLIC_SCHEME=http \
	PUBLIC_PORT=$(PORT) \
	PLATFORM_LIST_TENANTS=true \
	WEBHOOKS_ALLOW_HTTP=true \
	OUTBOUND_ALLOW_PRIVATE_NETWORKS=true \
	FIELD_ENCRYPTION_KEYS=ZGVtby1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE=

.PHONY: demo demo-email test lint format prodlike lock clean check-python

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tessera needs Python 3.11 or newer (set PYTHON=python3.11).")'
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "Python's venv module is missing (Debian: apt-get install python3-venv)."; exit 1; }

$(VENV)/.runtime: requirements.lock | check-python
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(VENV)/.dev: requirements-dev.lock $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

# The recipes are silent (@): echoing them printed the whole environment, secret key included, on every step.
demo: $(VENV)/.runtime
	@mkdir -p $(DEMO_DIR)
	@echo "Preparing the demo in var/demo: database, static files, demo data (a minute the first time)..."
	@$(DEMO_ENV) $(PY) manage.py migrate --verbosity 0
	@$(DEMO_ENV) $(PY) manage.py createcachetable
	@$(DEMO_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "Starting the web server and the task worker..."
	@$(DEMO_ENV) $(PY) manage.py serve_demo --host $(HOST) --port $(PORT)

# Feed one .eml into the running (or seeded) demo's email intake: make demo-email [FILE=my.eml] [TENANT=globex]
FILE   ?= docs/sample-email.eml
TENANT ?= acme
demo-email: $(VENV)/.runtime
	@$(DEMO_ENV) $(PY) manage.py ingest_email --tenant $(TENANT) < $(FILE)

# The whole suite against throw-away PostgreSQL and Redis started from the installed server binaries.
test: $(VENV)/.dev
	$(PY) -m tests.harness $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# gunicorn, a Celery worker and beat against local PostgreSQL and Redis: the production process layout.
prodlike: $(VENV)/.dev
	$(PY) -m config.prodlike --seed

lock:
	rm -rf var/lockvenv && $(PYTHON) -m venv var/lockvenv
	var/lockvenv/bin/pip install --quiet -e . && var/lockvenv/bin/pip freeze --exclude-editable > requirements.lock
	var/lockvenv/bin/pip install --quiet -e '.[dev]' && var/lockvenv/bin/pip freeze --exclude-editable \
		| grep -vxFf requirements.lock | sed '1i -r requirements.lock' > requirements-dev.lock
	rm -rf var/lockvenv

clean:
	rm -rf var/demo
