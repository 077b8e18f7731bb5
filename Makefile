# The two commands: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Debian packages: translations (msgfmt), WeasyPrint (pango, harfbuzz subset), CJK fonts (fc-match finds
# the faces the PDF service subsets, decision 0049),
# PDF to text/PNG for checks, Chromium for browser tests.
APT_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk poppler-utils chromium
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: run test install system-packages venv messages lint worker stop-db help

help:
	@echo "make run   - install, migrate, load the demo, serve on http://127.0.0.1:8000"
	@echo "make test  - install and run the whole suite"

install: system-packages venv messages

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

messages: venv
	@$(PY) scripts/compile_messages.py

lint: venv
	$(VENV)/bin/ruff check .

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	SEED_DEMO_DEFER_PDFS=1 $(PY) manage.py seed_demo
	@scripts/start_worker.sh
	@$(PY) manage.py demo_logins
	@echo "Portal: http://127.0.0.1:8000/   API docs: http://127.0.0.1:8000/api/v1/docs/"
	$(PY) manage.py runserver --noreload 127.0.0.1:8000

test: install lint
	@url=$$($(PY) -m config.database --test) && \
	  DATABASE_URL="$$url" $(VENV)/bin/pytest -n 2 --dist loadfile --durations=25 $(PYTEST_ARGS)

stop-db: venv
	$(PY) -m config.database --stop
