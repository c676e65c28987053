# Eventdesk: `make run` serves the demo on SQLite; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test install migrate seed lint format clean messages translations

# The interface languages; each has app/translations/<language>/LC_MESSAGES/messages.po.
LANGUAGES := en de ka uk ru ro sq mk sr_Latn hy az
TRANSLATIONS := app/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
PYBABEL := $(BIN)/pybabel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP) $(COMPILED)

# Compiled catalogs are built, not committed: each follows its .po.
$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po $(STAMP)
	$(PYBABEL) compile -i $< -o $@ -l $*

# Extract every marked string into messages.pot and update (or create) each language's catalog.
messages: $(STAMP)
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

# Compile every catalog (make install does this too, for the catalogs that changed).
translations: $(STAMP)
	$(PYBABEL) compile -d $(TRANSLATIONS) --statistics

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

run: seed
	@echo "Serving on http://127.0.0.1:5000 (emails: http://127.0.0.1:5000/dev/mailbox). Ctrl+C stops everything."
	@trap 'kill 0' INT TERM EXIT; \
	$(FLASK) mail sink & \
	$(FLASK) mail worker & \
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(COMPILED)
