# Marquee task runner. The two commands a newcomer needs:
#   make run    install everything, create the embedded database, load the demo, train the first model, serve on 127.0.0.1:8000
#   make test   lint, migration check, and the whole test suite on SQLite and on PostgreSQL

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL run of the suite; pytest-django creates and drops test_<name> itself.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/marquee

.PHONY: install run demo test test-sqlite test-postgres lint format check-migrations services worker beat clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes. The peers extra (implicit) lets the suite
# test our adapters for the benchmark peers; the site itself never imports it.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet -e ".[dev,peers]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py train --algorithm hybrid --if-no-active

run: demo
	@echo "Serving Marquee on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

test-sqlite: install
	env -u DATABASE_URL $(PY) -m pytest -q

test-postgres: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -q

test: lint check-migrations test-sqlite test-postgres

# Production-style processes (see README, "Production").
worker: install
	$(BIN)/celery -A config worker --loglevel INFO

beat: install
	$(BIN)/celery -A config beat --loglevel INFO

clean:
	rm -rf var/ .pytest_cache .ruff_cache
