# Pro Livechat. `make run` and `make test` work on a fresh machine (Debian, Python 3.11).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_USER ?= demo
DEMO_PASSWORD ?= demo-password

.PHONY: run test setup setup-dev messages check-messages static lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime packages only: what `make run` (and a deployment) needs.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Tests, benchmarks and tooling on top.
$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Debian's chromium for the browser tests, and gettext to compile the translations.
$(VENV)/.system-deps: | $(BIN)/python
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	touch $@

# Development settings for `make run`: debug pages and a random secret key, kept out of git.
.env:
	@printf 'DJANGO_DEBUG=1\nDJANGO_SECRET_KEY=%s\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@
	@echo "Wrote .env (DJANGO_DEBUG=1 and a fresh DJANGO_SECRET_KEY) for development."

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev $(VENV)/.system-deps

# The compiled catalogs (.mo) are committed, so a deployment needs no gettext; after
# editing a .po file, `make messages` compiles it (tests/site/test_translations.py checks).
messages: setup-dev
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

run: setup .env
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py create_agent $(DEMO_USER) --password $(DEMO_PASSWORD) --name "Demo Agent" --supervisor
	$(BIN)/python manage.py seed_demo_knowledge
	@echo ""
	@echo "  Pro Livechat is starting on http://$(HOST):$(PORT)"
	@echo "  Dashboard:  http://$(HOST):$(PORT)/dashboard/   (login: $(DEMO_USER) / $(DEMO_PASSWORD))"
	@echo "  Demo site:  http://$(HOST):$(PORT)/demo/        (a shop that embeds the widget; ask it"
	@echo "              \"How long does shipping take to Bali?\" and the AI answers from the knowledge base)"
	@echo "  Admin:      http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(BIN)/daphne -b $(HOST) -p $(PORT) livechat.asgi:application

test: setup-dev
	node --test tests/js/
	$(BIN)/pytest

lint: setup-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup-dev
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: setup-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
