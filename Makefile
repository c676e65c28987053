# Eventdesk: `make run` serves the demo on SQLite; `make test` runs the whole suite.
# Any Python 3.11 or newer works: `make run PYTHON=/usr/bin/python3.12`. Without PYTHON, the newest one on PATH is used.
PYTHON ?= $(shell for candidate in python3.14 python3.13 python3.12 python3.11 python3; do \
	command -v $$candidate >/dev/null 2>&1 && $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$candidate; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --resolver=backtracking

.PHONY: run test install install-dev migrate seed lint format lock bench clean messages translations

# The interface languages; each has app/translations/<language>/LC_MESSAGES/messages.po.
LANGUAGES := en de ka uk ru ro sq mk sr_Latn hy az
TRANSLATIONS := app/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
PYBABEL := $(BIN)/pybabel

$(BIN)/python:
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
		echo "Eventdesk needs Python 3.11 or newer, and none was found$(if $(PYTHON), ($(PYTHON) is older or missing),) on PATH."; \
		echo "Install one (for instance python3.11 from your distribution), or name it: make run PYTHON=/path/to/python3.12"; \
		exit 1; fi
	"$(PYTHON)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip || echo "pip could not be upgraded; the venv's own pip installs the pinned packages."

# Runtime packages only: what production installs (pip install --require-hashes -r requirements.txt).
$(RUNTIME_STAMP): requirements.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	touch $(RUNTIME_STAMP)

# Tests, lint, browser tooling and the benchmark, on top of the runtime packages.
$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(DEV_STAMP)

install: $(RUNTIME_STAMP) $(COMPILED)

install-dev: $(DEV_STAMP) $(COMPILED)

# Compiled catalogs are built, not committed: each follows its .po.
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(RUNTIME_STAMP)
	$(PYBABEL) compile -i $< -o $@ -l $*

# Extract every marked string into messages.pot and update (or create) each language's catalog.
messages: $(RUNTIME_STAMP)
	$(PYBABEL) extract -F babel.cfg -k _l -k _ln:1,2 --add-location=file --sort-by-file --no-wrap \
		--project=Eventdesk --copyright-holder=Eventdesk --msgid-bugs-address=- \
		-o $(TRANSLATIONS)/messages.pot .
	@for lang in $(LANGUAGES); do \
		if [ -f $(TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(PYBABEL) update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang --no-wrap --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(PYBABEL) init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang --no-wrap; \
		fi; \
	done
	@# English is the source language: its catalog says each message as the code writes it.
	$(BIN)/python -c "from babel.messages.pofile import read_po, write_po; \
		path = '$(TRANSLATIONS)/en/LC_MESSAGES/messages.po'; catalog = read_po(open(path, 'rb'), locale='en'); \
		[setattr(m, 'string', m.id) for m in catalog if m.id]; write_po(open(path, 'wb'), catalog, width=None)"

# Compile every catalog (make install does this too, for the catalogs that changed).
translations: $(RUNTIME_STAMP)
	$(PYBABEL) compile -d $(TRANSLATIONS) --statistics

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

# Links in the demo's emails and calendar files point at the port the app is served on, unless BASE_URL says
# otherwise (the demo's emails are written when it is loaded, so loading it needs it too).
run seed: export BASE_URL ?= http://127.0.0.1:$(or $(FLASK_RUN_PORT),5000)

# Ctrl+C reaches the three processes and this shell; the trap stops whichever still run, waits for them
# and ends the recipe with 0. (A trap that signals its own process group with `kill 0` calls itself again
# until the shell crashes.)
run: seed
	@echo "Serving on http://127.0.0.1:$${FLASK_RUN_PORT:-5000} (emails: http://127.0.0.1:$${FLASK_RUN_PORT:-5000}/dev/mailbox). Ctrl+C stops everything."
	@pids=""; \
	stop() { trap - INT TERM EXIT; kill $$pids 2>/dev/null; wait $$pids 2>/dev/null; }; \
	trap 'stop; exit 0' INT TERM; \
	trap stop EXIT; \
	$(FLASK) mail sink & pids="$$pids $$!"; \
	$(FLASK) mail worker & pids="$$pids $$!"; \
	$(FLASK) run --host 127.0.0.1 --port $${FLASK_RUN_PORT:-5000} & pids="$$pids $$!"; \
	wait

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The project against a reference app on PostgreSQL with gunicorn; `make bench BENCH_ARGS=--short` for CI's check.
bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin every dependency (with hashes) from requirements.in and requirements-dev.in; run after editing either.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(COMPILED)
