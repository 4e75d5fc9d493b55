# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test test-sqlite test-postgres install translations extract-messages update-messages lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d eventapp/translations > /dev/null

extract-messages: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output --width 100 -F babel.cfg -k _l -k lazy_gettext -k pgettext:1c,2 -o eventapp/translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width 100 -i eventapp/translations/messages.pot -d eventapp/translations
	$(BIN)/python -m eventapp.i18n_tools

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/eventapp.sqlite* .pytest_cache
