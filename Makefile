# Eventdesk: `make run` serves the demo on SQLite; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

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

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
