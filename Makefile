# Pro Livechat. `make run` and `make test` work on a fresh machine (Debian, Python 3.11).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_USER ?= demo
DEMO_PASSWORD ?= demo-password

.PHONY: run test setup system-deps messages static lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Debian packages: chromium for the browser tests, gettext to compile the translations.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

messages: $(VENV)/.installed system-deps
	@if [ -d locale ]; then $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; fi

setup: $(VENV)/.installed system-deps messages

run: setup
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py create_agent $(DEMO_USER) --password $(DEMO_PASSWORD) --name "Demo Agent" --supervisor
	@echo ""
	@echo "  Pro Livechat is starting on http://$(HOST):$(PORT)"
	@echo "  Dashboard:  http://$(HOST):$(PORT)/dashboard/   (login: $(DEMO_USER) / $(DEMO_PASSWORD))"
	@echo "  Demo site:  http://$(HOST):$(PORT)/demo/        (a shop that embeds the widget)"
	@echo "  Admin:      http://$(HOST):$(PORT)/admin/"
	@echo ""
	$(BIN)/daphne -b $(HOST) -p $(PORT) livechat.asgi:application

test: setup
	node --test tests/js/
	$(BIN)/pytest

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
