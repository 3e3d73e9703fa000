# MedRef — `make help` lists every target.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links the demo prints and e-mails and its pages' JSON-LD use the address actually served.
SITE_URL ?= http://$(HOST):$(PORT)
# Development settings for the demo and the test suite; production reads its own environment.
DEV_ENV := DEBUG=1
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install run seed test lint format check-deploy bench bench-markdown clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(BIN)/.installed ## Create .venv and install MedRef with its dev tools (pinned)

seed: install ## Migrate and seed the demo site from ../shared/seeds (existing drugs are left alone)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) SITE_URL=$(SITE_URL) $(BIN)/python manage.py seed_demo

run: seed ## Set up and serve the demo site on http://127.0.0.1:8000
	@echo "Admin: $(SITE_URL)/admin/   Public site: $(SITE_URL)/"
	$(DEV_ENV) SITE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install ## Run lint, migration check and the whole suite (DATABASE_URL selects PostgreSQL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEV_ENV) $(BIN)/pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install ## Django's deployment checklist under production settings
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-key-0123456789abcdef \
		ALLOWED_HOSTS=medref.example $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install ## Benchmark pages against the framework floor (BENCH_ARGS=--quick for a smoke run)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-markdown: install ## Render time of pathological markdown per input size, before and after the pre-check
	$(BIN)/python bench/markdown_worst.py $(BENCH_ARGS)

clean: ## Remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles
