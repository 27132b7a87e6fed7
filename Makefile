# `make run` serves on the embedded default; `make test` runs the whole suite (SQLite and
# PostgreSQL). Both set everything up first on a fresh Debian machine.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
APT_PACKAGES := ffmpeg chromium fonts-dejavu-core
PYTEST_ARGS ?=

.PHONY: setup system-packages run demo test lint format bench

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

# Debian packages the media checks (ffprobe) and the browser tests (chromium) need.
system-packages:
	@missing=""; \
	command -v ffprobe >/dev/null || missing="$$missing ffmpeg"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

setup: $(UV) system-packages
	$(UV) sync --frozen

run: $(UV)
	$(UV) sync --frozen --no-dev
	$(UV) run --no-dev signage serve

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy

test: setup
	$(UV) run pytest -n 2 $(PYTEST_ARGS)

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .
