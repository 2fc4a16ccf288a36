# Shomei: `make run` serves on the embedded SQLite default; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# The checkers in shared/tools: beside the checkout, or where this workplace keeps them.
SHARED ?= $(firstword $(wildcard ../shared /work/shared) ../shared)
TOOLS  := .tools
# Installs are stamped with the hash of pyproject.toml so that they rerun only when it changes.
DEPS_HASH := $(shell cat pyproject.toml | sha256sum | cut -c1-16)

.PHONY: run test lint typecheck check bench tools clean help

help:
	@echo "make run   - serve on http://127.0.0.1:$${SHOMEI_PORT:-8000} (SQLite under ./var)"
	@echo "make test  - install test dependencies and run the whole suite"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime-$(DEPS_HASH): $(BIN)/python
	$(PIP) install --quiet -e .
	@rm -f $(VENV)/.runtime-*; touch $@

$(VENV)/.dev-$(DEPS_HASH): $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	@rm -f $(VENV)/.dev-* $(VENV)/.runtime-*; touch $@ $(VENV)/.runtime-$(DEPS_HASH)

run: $(VENV)/.runtime-$(DEPS_HASH)
	@mkdir -p var
	SHOMEI_PORT=$${SHOMEI_PORT:-8000} $(BIN)/shomei serve

# The independent checkers (Node.js) are copied out of ../shared and installed with `npm ci`.
tools:
	@if [ -d "$(SHARED)/tools/vc-crosscheck" ] && command -v npm >/dev/null; then \
	  mkdir -p $(TOOLS); \
	  for t in vc-crosscheck wallet-sim; do \
	    [ -d "$(SHARED)/tools/$$t" ] || continue; \
	    if ! cmp -s "$(SHARED)/tools/$$t/package-lock.json" "$(TOOLS)/$$t/package-lock.json" \
	       || [ ! -d "$(TOOLS)/$$t/node_modules" ]; then \
	      rm -rf "$(TOOLS)/$$t"; mkdir -p "$(TOOLS)/$$t"; \
	      (cd "$(SHARED)/tools/$$t" && tar --exclude=node_modules -cf - .) | (cd "$(TOOLS)/$$t" && tar -xf -); \
	      (cd "$(TOOLS)/$$t" && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	    fi; \
	  done; \
	else echo "note: $(SHARED)/tools or npm missing; interop tests will skip (fail under CI=true)"; fi
	@# Pinned npm packages of independent implementations, from tests/data/<name>/package(-lock).json: the Digital
	@# Credentials Consortium's verifier (test_dcc_interop.py), Digital Bazaar's ecdsa-sd-2023 suite (test_ecdsa_sd.py),
	@# the OpenWallet Foundation's OpenID4VP holder (tests/app/oid4vp)
	@# and axe-core (the accessibility checks of tests/e2e).
	@if command -v npm >/dev/null; then \
	  for t in dcc-verifier sd-signer oid4vp-holder axe-core; do \
	    d="$(TOOLS)/$$t"; s=tests/data/$$t; \
	    if ! cmp -s "$$s/package-lock.json" "$$d/package-lock.json" || ! cmp -s "$$s/package.json" "$$d/package.json" \
	       || [ ! -d "$$d/node_modules" ]; then \
	      rm -rf "$$d"; mkdir -p "$$d"; cp "$$s/package.json" "$$s/package-lock.json" "$$d/"; \
	      (cd "$$d" && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	    fi; \
	  done; \
	else echo "note: npm missing; the DCC, ecdsa-sd-2023, OpenID4VP and axe-core checks will skip (fail under CI=true)"; fi

# Headless Chromium and its WebDriver for tests/e2e, from Debian (needs root and apt-get).
.PHONY: browser
BROWSER_PKGS := chromium chromium-driver
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; log=$$(mktemp); \
	  apt-get install -y -qq --no-install-recommends $(BROWSER_PKGS) >$$log 2>&1 \
	  || { apt-get update -qq >>$$log 2>&1 && apt-get install -y -qq --no-install-recommends $(BROWSER_PKGS) >>$$log 2>&1; } \
	  || { tail -n 20 $$log; echo "note: could not install $(BROWSER_PKGS); browser tests will skip (fail under CI=true)"; }; \
	  rm -f $$log; \
	else echo "note: /usr/bin/chromium or /usr/bin/chromedriver missing and apt-get unavailable (not root?); browser tests will skip (fail under CI=true)"; fi

# A Japanese font (IPAex Gothic) for the badge PNGs and PDF certificates of CJK titles, from Debian.
.PHONY: fonts
FONT_PKGS := fonts-ipaexfont-gothic
fonts:
	@if [ -f /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  export DEBIAN_FRONTEND=noninteractive; log=$$(mktemp); \
	  apt-get install -y -qq --no-install-recommends $(FONT_PKGS) >$$log 2>&1 \
	  || { apt-get update -qq >>$$log 2>&1 && apt-get install -y -qq --no-install-recommends $(FONT_PKGS) >>$$log 2>&1; } \
	  || { tail -n 20 $$log; echo "note: could not install $(FONT_PKGS); Japanese text in badges and PDFs falls back"; }; \
	  rm -f $$log; \
	else echo "note: $(FONT_PKGS) missing and apt-get unavailable (not root?); Japanese text in badges and PDFs falls back"; fi

test: $(VENV)/.dev-$(DEPS_HASH) tools browser fonts
	$(BIN)/pytest -n 2 --dist loadgroup

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]: layers, no cycles, a pure core).
lint: $(VENV)/.dev-$(DEPS_HASH)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

typecheck: $(VENV)/.dev-$(DEPS_HASH)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
