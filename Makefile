# Two commands for a newcomer: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := moderation

.PHONY: run test bench worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/flask init-db
	$(BIN)/flask demo-login
	@echo "demo article: http://127.0.0.1:$(PORT)/demo   review queue: http://127.0.0.1:$(PORT)/review/"
	$(BIN)/flask serve --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

worker: $(VENV)/.installed
	$(BIN)/celery -A workers.main worker --loglevel=info

clean:
	rm -rf $(VENV) instance .pytest_cache
