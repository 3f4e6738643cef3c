# Kizuna: `make run` serves a seeded demo on http://127.0.0.1:8000; `make test` runs every test.
# KIZUNA_VAR_DIR (default ./var) holds the SQLite database, the git repositories and the demo token.
# KIZUNA_SDK_STRICT=1: an SDK test whose endpoint answers 404 fails instead of skipping.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-serve migrate worker schema clean browser-deps

# What serving needs (the server, the Python SDK and its `kizuna-runner`); `make test` adds the test extras.
$(SERVE_STAMP): pyproject.toml sdk/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e . -e ./sdk/python
	touch $(SERVE_STAMP)

$(STAMP): $(SERVE_STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install-serve: $(SERVE_STAMP)

install: $(STAMP)

migrate: install-serve
	$(BIN)/python manage.py migrate --noinput -v0

# run_demo checks the port first (a busy one fails before anything is written), migrates, seeds (the
# demo token is kept in var/demo-token and printed again on a re-run), then serves; Ctrl-C stops it.
run: install-serve
	@$(BIN)/python manage.py run_demo --host $(HOST) --port $(PORT)

worker: migrate
	$(BIN)/python manage.py db_worker

# The browser tests drive Debian's Chromium (no browser download); installed here when missing.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	KIZUNA_SDK_STRICT=1 $(BIN)/python -m pytest -q sdk/python/tests
	KIZUNA_SDK_STRICT=1 node --test sdk/js/test/

schema: install-serve
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) var
