# Kizuna: `make run` serves a seeded demo on http://127.0.0.1:8000; `make test` runs every test.
# KIZUNA_VAR_DIR (default ./var) holds the SQLite database, the git repositories, the demo token and
# the generated SECRET_KEY (secret_key).
# KIZUNA_SDK_STRICT=1: an SDK test whose endpoint answers 404 fails instead of skipping.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
HOST ?= 127.0.0.1
# The suite runs on every core (pytest-xdist); PYTEST_PARALLEL= runs it in one process.
PYTEST_PARALLEL ?= -n auto --dist loadfile
PORT ?= 8000
# Outside KIZUNA_DEBUG the published default SECRET_KEY refuses to start (kizuna.E001): unless the
# environment sets KIZUNA_SECRET_KEY, every target below uses a random key generated once into var/.
SECRET_FILE := $(or $(KIZUNA_VAR_DIR),var)/secret_key
WITH_KEY = KIZUNA_SECRET_KEY="$${KIZUNA_SECRET_KEY:-$$(cat $(SECRET_FILE))}"

.PHONY: run test install install-serve migrate worker schema clean browser-deps js-test rust-deps test-rust go-deps test-go test-conformance

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

$(SECRET_FILE):
	@mkdir -p $(dir $@)
	@umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@.tmp && mv $@.tmp $@
	@echo "generated a SECRET_KEY into $@"

migrate: install-serve $(SECRET_FILE)
	$(WITH_KEY) $(BIN)/python manage.py migrate --noinput -v0

# run_demo checks the port first (a busy one fails before anything is written), migrates, seeds (the
# demo token is kept in var/demo-token and printed again on a re-run), then serves; Ctrl-C stops it.
run: install-serve $(SECRET_FILE)
	@# exec: run_demo replaces the shell, so a SIGTERM to make reaches it (it stops its children itself)
	@$(WITH_KEY) exec $(BIN)/python manage.py run_demo --host $(HOST) --port $(PORT)

worker: migrate
	$(WITH_KEY) $(BIN)/python manage.py db_worker

# The browser tests drive Debian's Chromium (no browser download); installed here when missing.
# Each prerequisite step says what it found, installs or skips (README, "Prerequisites").
browser-deps:
	@if command -v chromium >/dev/null 2>&1; then \
	  echo "make test: chromium found: the browser tests run"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "make test: installing Debian's chromium (apt-get) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "make test: chromium is missing and only root can apt-get it: the browser tests will fail;" \
	       "run 'sudo apt-get install chromium' first"; \
	fi

# The JS SDK's tests need Node >= 20 (sdk/js/package.json). In CI a missing Node fails the run;
# elsewhere they are skipped, saying so.
js-test:
	@major=$$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0); \
	if [ "$$major" -ge 20 ]; then \
	  echo "make test: JS SDK tests with Node $$(node --version)"; \
	  KIZUNA_SDK_STRICT=1 node --test sdk/js/test/; \
	elif [ -n "$$CI" ]; then \
	  echo "make test: the JS SDK tests need Node >= 20; found: $$(node --version 2>/dev/null || echo none)"; exit 1; \
	else \
	  echo "make test: SKIPPING the JS SDK tests: they need Node >= 20;" \
	       "found: $$(node --version 2>/dev/null || echo none)"; \
	fi

test: install browser-deps rust-deps
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)
	KIZUNA_SDK_STRICT=1 $(BIN)/python -m pytest -q sdk/python/tests
	@$(MAKE) --no-print-directory js-test
	@if [ "$(RUST)" != "0" ]; then $(MAKE) --no-print-directory test-rust; else echo "Rust SDK tests skipped (RUST=0)"; fi
	$(MAKE) --no-print-directory test-go
	@if [ "$(CONFORMANCE)" != "0" ]; then $(MAKE) --no-print-directory test-conformance; \
	  else echo "conformance suite skipped (CONFORMANCE=0)"; fi

# The Rust SDK (sdk/rust) builds offline with Debian's cargo/rustc (1.63) against Debian's packaged
# crates (.cargo/config.toml replaces crates.io with /usr/share/cargo/registry): installed here when
# missing. Debian's binaries by path, even where a rustup toolchain comes first on PATH.
RUST_PACKAGES := cargo rustc librust-ureq-dev librust-serde-dev librust-serde-derive-dev librust-serde-json-dev
CARGO := /usr/bin/cargo
RUST_ENV := RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
rust-deps:
	@dpkg -s $(RUST_PACKAGES) >/dev/null 2>&1 || { echo "installing Debian's cargo, rustc and crates for the Rust SDK"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(RUST_PACKAGES) >/dev/null; }

# Unit tests, stub-server tests, README examples as doctests, and (KIZUNA_SDK_STRICT=1) the live
# tests: a throw-away server, README's examples run from a project outside the repository.
test-rust: install rust-deps
	@echo "Rust SDK: cargo test in sdk/rust ($$($(RUST_ENV) $(CARGO) --version), $$(/usr/bin/rustc --version))"
	cd sdk/rust && KIZUNA_SDK_STRICT=1 $(RUST_ENV) $(CARGO) test --offline
	cd sdk/conformance/drivers/rust && $(RUST_ENV) $(CARGO) test --offline

# The Go SDK (sdk/go) builds with Debian's Go (1.19) and the standard library only: installed here
# when missing; no module is ever downloaded (GOPROXY=off).
GO_ENV := GOTOOLCHAIN=local GOPROXY=off
go-deps:
	@command -v go >/dev/null 2>&1 || { echo "installing Debian's golang-go for the Go SDK"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null; }

test-go: go-deps
	@echo "Go SDK: go vet and go test in sdk/go ($$(go version))"
	cd sdk/go && $(GO_ENV) go vet ./... && $(GO_ENV) go test ./...

# One conformance suite, every SDK's driver, one live server (sdk/conformance/README.md). A driver
# whose toolchain is missing fails the run.
comma := ,
CONFORMANCE_REQUIRE := python,js,go$(if $(wildcard sdk/conformance/drivers/rust/Cargo.toml),$(comma)rust)
test-conformance: install go-deps rust-deps
	$(GO_ENV) $(RUST_ENV) $(BIN)/python sdk/conformance/run.py --require $(CONFORMANCE_REQUIRE)

schema: install-serve $(SECRET_FILE)
	$(WITH_KEY) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

clean:
	rm -rf $(VENV) var
