# facilitate: `make run` starts the app with a demo workshop; `make test` runs every check;
# `make check` is the fast lane (everything but the browser and multi-process tests).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
TEMPLATES = $(shell find templates sessions -name '*.html' -not -path '*/static/*')

.PHONY: run test check lint types chromium nginx java deploy-check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-test: requirements-test.txt $(VENV)/.requirements
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

## run: the embedded configuration (SQLite, in-memory channel layer, one daphne process)
run: $(VENV)/.requirements
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo --base-url "$${PUBLIC_URL:-http://$(HOST):$(PORT)}"
	$(BIN)/python manage.py collectstatic --noinput -v 0
	exec $(BIN)/daphne -e "tcp:port=$(PORT):interface=$(HOST):backlog=4096" facilitate.asgi:application

## chromium: Debian's Chromium for the browser tests (Playwright cannot download one here)
chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

## nginx: Debian's nginx, for the test of deploy/nginx.conf in front of daphne
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx >/dev/null; }

## java: Debian's Java runtime, for the Nu HTML checker (tests/test_html_valid.py)
java:
	@command -v java >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

## node_modules: the test tools package.json pins, axe-core and the Nu HTML checker (vnu-jar);
## their install scripts are not run (vnu-jar's would download a Java runtime: Debian's is used)
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

## deploy-check: Django's deployment checks on a production-like environment (README)
deploy-check: $(VENV)/.requirements
	env DEBUG=0 SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		ALLOWED_HOSTS=facilitate.example.org REDIS_URL="$${REDIS_URL:-redis://127.0.0.1:6379/0}" \
		SECURE_PROXY_SSL_HEADER=1 SECURE_SSL_REDIRECT=1 SESSION_COOKIE_SECURE=1 \
		CSRF_COOKIE_SECURE=1 SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS=1 \
		SECURE_HSTS_PRELOAD=1 $(BIN)/python manage.py check --deploy --fail-level WARNING

lint: $(VENV)/.requirements-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djade --target-version 5.2 --check $(TEMPLATES)

## types: mypy --strict with the Django plugin over facilitate/, sessions/, bench/ and manage.py
## (settings in pyproject.toml's [tool.mypy])
types: $(VENV)/.requirements-test
	$(BIN)/mypy

## test: lint, types, Django's checks (and deployment checks), migrations up to date, and the
## whole pytest suite
test: lint types chromium nginx java node_modules/.installed
	$(BIN)/python manage.py check --fail-level WARNING
	$(MAKE) --no-print-directory deploy-check
	$(BIN)/python manage.py makemigrations --check --dry-run
	# The test process closes its SQLite connections after each use, so that test databases
	# can be dropped at the end; the servers the tests start keep theirs, as in production.
	DB_CONN_MAX_AGE=0 $(BIN)/pytest

## check: the fast lane, a few minutes: lint, types, Django's checks, migrations up to date, and
## every test except the browser and multi-process ones (no Chromium, nginx or Redis needed)
check: lint types
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	DB_CONN_MAX_AGE=0 $(BIN)/pytest -m "not browser and not multiprocess and not validator"

## bench: the load benchmark as production runs (daphne, Redis, PostgreSQL); see bench/README.md
## e.g. make bench BENCH_ARGS="--phones 5000 --processes 1 --transports socket"
##      make bench BENCH_ARGS="--no-ladder --storm 5000"   (kill and restart daphne under 5,000 phones)
##      make bench BENCH_ARGS="--embedded"   (one daphne with SQLite and the in-memory layer)
bench: $(VENV)/.requirements-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var screenshots .pytest_cache .ruff_cache .mypy_cache .hypothesis
