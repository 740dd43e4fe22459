# Wijkaanpak — the two commands are `make demo` and `make test`; both are idempotent.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ASSETS := static/vendor/.installed-stamp
TABLET_CSS := static/vendor/tablet/tablet.css
TABLET_JS := static/vendor/tablet/tablet.js
TABLET_SOURCES := static/css/wijkaanpak.css purgecss.tablet.cjs templates/base.html \
  $(wildcard templates/components/*.html templates/controls/tablet/*.html) static/js/tablet.js static/js/offline-queue.js
DEV := DJANGO_SETTINGS_MODULE=wijkaanpak.settings.dev

.PHONY: demo test install assets migrate-demo lint typecheck check audit bench bench-routes bench-tablet bench-api bench-reports bench-evening e2e lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock 2>&1 | { grep -v 'is ignored: it is neither' || true; }
	touch $(STAMP)

# Front-end assets from the npm registry, exactly as package-lock.json pins them. npm ci runs
# when the lock file changes; the copy into static/vendor also when this Makefile does.
NODE_STAMP := node_modules/.installed-stamp
WORKBOX := workbox-core workbox-routing workbox-strategies workbox-precaching

assets: $(ASSETS) $(TABLET_CSS) $(TABLET_JS)

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The tablet's offline kit (static/js/): idb-keyval as its ES module, workbox-sw and the prod
# builds of the Workbox modules it loads from static/vendor/workbox/ (modulePathPrefix), with
# their source maps (collectstatic's manifest storage refuses a reference to a missing map).
$(ASSETS): $(NODE_STAMP) Makefile
	rm -rf static/vendor && mkdir -p static/vendor/component-library-css static/vendor/design-tokens static/vendor/htmx \
	  static/vendor/idb-keyval static/vendor/workbox
	cp node_modules/@utrecht/component-library-css/dist/index.css static/vendor/component-library-css/
	cp node_modules/@utrecht/design-tokens/dist/index.css static/vendor/design-tokens/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp node_modules/idb-keyval/dist/index.js static/vendor/idb-keyval/
	cp node_modules/workbox-sw/build/workbox-sw.js* static/vendor/workbox/
	for module in $(WORKBOX); do cp node_modules/$$module/build/$$module.prod.js* static/vendor/workbox/; done
	$(MAKE) --no-print-directory $(TABLET_CSS) $(TABLET_JS)
	touch $(ASSETS)

# The tablet's stylesheet (issue 11 item 5, wijkaanpak.core.offline): the three stylesheets in
# base.html's order, reduced by PurgeCSS to what the tablet's templates and scripts use
# (purgecss.tablet.cjs) and minified by lightningcss; the route page carries it inline.

$(TABLET_CSS): $(NODE_STAMP) $(TABLET_SOURCES)
	rm -rf var/tablet-css && mkdir -p var/tablet-css static/vendor/tablet
	cat node_modules/@utrecht/design-tokens/dist/index.css node_modules/@utrecht/component-library-css/dist/index.css \
	  static/css/wijkaanpak.css > var/tablet-css/tablet.css
	node_modules/.bin/purgecss --config purgecss.tablet.cjs --css var/tablet-css/tablet.css --output var/tablet-css/purged/
	node_modules/.bin/lightningcss --minify var/tablet-css/purged/tablet.css -o $(TABLET_CSS)
	rm -rf var/tablet-css

# The tablet's script (issue 11 item 5, wijkaanpak.core.offline): js/tablet.js with the outbox
# and idb-keyval (copied into static/vendor above) bundled by esbuild into one minified module;
# the route page carries it inline.
$(TABLET_JS): $(NODE_STAMP) static/js/tablet.js static/js/offline-queue.js
	mkdir -p static/vendor/tablet
	node_modules/.bin/esbuild static/js/tablet.js --bundle --format=esm --minify --target=es2020 \
	  --log-level=warning --outfile=$(TABLET_JS)

migrate-demo: install assets
	$(DEV) $(PY) manage.py migrate --noinput

demo: migrate-demo
	$(DEV) $(PY) manage.py load_demo
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

# Throwaway PostgreSQL and Redis from the machine's binaries, a real Celery worker for the
# job tests (started by the suite), the whole suite including browser tests, then the
# static security checks; lint (ruff) first, it takes a second. Services are stopped
# afterwards, also when tests fail.
test: install assets
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory typecheck
	scripts/with-test-services.sh $(PY) -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/bandit -q -c pyproject.toml -r wijkaanpak partners projects datasharing controls reports transparency privacy -ll
	DJANGO_SETTINGS_MODULE=wijkaanpak.settings.production DJANGO_SECRET_KEY="$$(head -c 48 /dev/urandom | base64)" \
	  DJANGO_ALLOWED_HOSTS=wijkaanpak.example DATABASE_URL=sqlite:///:memory: \
	  WIJKAANPAK_ORGANISATION_NAME="Gemeente Voorbeeldstad" WIJKAANPAK_CONTACT_EMAIL=wijkaanpak@voorbeeldstad.example \
	  WIJKAANPAK_PRIVACY_EMAIL=privacy@voorbeeldstad.example \
	  $(PY) manage.py check --deploy --fail-level WARNING

e2e: install assets
	scripts/with-test-services.sh $(PY) -m pytest -m e2e

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The layers (import-linter contracts) and the types (mypy with django-stubs and
# djangorestframework-stubs; strict for services and selectors), both in pyproject.toml.
typecheck: install
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

check: lint test
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

audit: install
	$(PY) -m pip install --quiet pip-audit && $(VENV)/bin/pip-audit -r requirements.lock

bench: install
	scripts/with-test-services.sh $(PY) bench/city_scale.py $(BENCH_ARGS)

# Reports on the city-scale project: the dashboard's figures and one PDF (bench/README.md).
bench-reports: install
	scripts/with-test-services.sh $(PY) bench/reports.py $(BENCH_ARGS)

# Walking routes, 4 teams x 30 addresses: production settings against a 60 s run (no database).
bench-routes: install
	$(PY) bench/routes.py $(BENCH_ARGS)

# The tablet's route page (30 visits) on emulated slow 3G and saving a finding offline: demo
# data on the throwaway PostgreSQL, runserver, the system Chromium (bench/tablet_speed.py).
bench-tablet: install assets
	scripts/with-test-services.sh $(PY) bench/tablet_speed.py $(BENCH_ARGS)

# REST API and pages under load (issue 14.5): the city-scale project with its follow-up,
# gunicorn on loopback, Locust headless with 10 users for 60 s; p95 <= 300 ms per endpoint.
bench-api: install
	scripts/with-test-services.sh $(PY) bench/api_load.py $(BENCH_ARGS)

# An evening under load (issue 16.3): 20 inspectors syncing results and findings in offline
# bursts with replays, 3 analysts paging the risk list, one matching run and one PDF on a real
# worker; gunicorn and Locust headless on loopback for 60 s. p50/p95/p99, the error rate, and
# no finding lost or doubled (bench/README.md).
bench-evening: install
	scripts/with-test-services.sh $(PY) bench/evening_load.py $(BENCH_ARGS)

lock:
	$(PY) -m pip freeze --exclude-editable | sort -f > requirements.lock.new && mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) node_modules static/vendor var staticfiles
