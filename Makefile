# One command to run, one to test. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# The address printed and put in every QR code by `make run`: follows HOST and PORT
# unless SURVEY_PUBLIC_URL is set (in the environment or on the command line).
SURVEY_PUBLIC_URL ?= http://$(HOST):$(PORT)
# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in one.
PYTEST_WORKERS ?= auto

.PHONY: run test install install-test kiosk-typecheck-deps translations i18n-update i18n-check system-deps bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# TypeScript (from npm, into the venv) for the kiosk's type check, tests/kiosk/test_typecheck.py.
kiosk-typecheck-deps: system-deps
	@[ -x $(VENV)/node/node_modules/.bin/tsc ] || \
	  npm install --silent --no-audit --no-fund --prefix $(VENV)/node typescript@5

translations: install
	$(PY) tools/i18n.py compile >/dev/null

run: export SURVEY_PUBLIC_URL := $(SURVEY_PUBLIC_URL)
run: install translations
	$(FLASK) db upgrade
	$(FLASK) survey seed-demo
	@echo "Serving on $(SURVEY_PUBLIC_URL)/  (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Debian packages the browser, QR, kiosk type-check and R comparison tests need; installed only when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v zbarimg >/dev/null 2>&1 || missing="$$missing zbar-tools"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	fc-list 2>/dev/null | grep -qi noto || missing="$$missing fonts-noto-core"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	missing_r=""; command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(survey)' >/dev/null 2>&1 || missing_r=" r-base-core r-cran-survey"; \
	if [ -n "$$missing$$missing_r" ]; then \
	  echo "Installing:$$missing$$missing_r"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  { [ -z "$$missing" ] || DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; } && \
	  { [ -z "$$missing_r" ] || DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing_r >/dev/null; }; \
	fi

test: install-test system-deps kiosk-typecheck-deps translations
	$(PY) tools/i18n.py check
	$(PY) -m mypy
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

i18n-update: install
	$(PY) tools/i18n.py update

i18n-check: install
	$(PY) tools/i18n.py check

bench: install-test system-deps
	$(PY) bench/form_size.py
	$(PY) bench/kiosk_queue.py --responses 1000
	$(PY) bench/analysis.py --responses 100000
	$(PY) bench/coverage.py --quick
	$(PY) bench/submit_load.py --quick
	$(PY) bench/kiosk_ingest.py --quick
	$(PY) bench/inbox_list.py --quick
	$(PY) bench/report_export.py --quick
	$(PY) bench/dashboard.py --quick

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
