# Two commands for a fresh machine with Python 3.11+:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8000
HOST   ?= 127.0.0.1
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
MODEL_STORE ?= instance/models
export MODEL_STORE

.PHONY: run test lint install migrate model web worker bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/flask --app service db upgrade

model: install
	$(BIN)/python -m models --store $(MODEL_STORE) train --if-missing

## run: install, migrate, train the model if missing, then start the workers (classification,
##      and training on its own queue) and the web app.
run: migrate model
	@echo
	@echo "  Comment service: http://$(HOST):$(PORT)/   (Ctrl-C stops web and worker)"
	@echo "  Moderation queue: http://$(HOST):$(PORT)/moderation/"
	@echo "  First admin:  $(BIN)/flask --app service users create you@clinic.example --role admin"
	@echo
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A worker worker --beat --loglevel=INFO --concurrency=2 \
		--schedule instance/celerybeat-schedule --queues=celery -n classifier@%h & \
	$(BIN)/celery -A worker worker --loglevel=INFO --concurrency=1 \
		--queues=training -n trainer@%h & \
	$(BIN)/flask --app service run --host $(HOST) --port $(PORT)

## test: install, lint and type-check, then the whole test suite.
##       Set DATABASE_URL and REDIS_URL to also run against PostgreSQL and Redis.
test: lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## bench: the production shape under wrk, side by side with Isso (< 10 min; needs wrk,
##        redis-server and PostgreSQL at DATABASE_URL); table + bench/results/latest.json.
bench: install
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
