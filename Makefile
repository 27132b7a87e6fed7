# `make run` serves on the embedded default; `make test` runs the whole suite (SQLite and
# PostgreSQL). Both set everything up first on a fresh Debian machine.
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PYTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup runtime-packages test-packages run demo test lint format bench assets

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

# ffprobe/ffmpeg check and measure uploaded video; DejaVu draws the demo artwork.
runtime-packages:
	@missing=""; \
	command -v ffprobe >/dev/null || missing="$$missing ffmpeg"; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Debian's chromium drives the browser tests (Playwright never downloads a browser here);
# Debian's nodejs and npm run ical.js (tests/timing/icaljs) over the exported calendars;
# Debian's nginx fronts two replicas in tests/reliability/test_behind_nginx.py.
test-packages: runtime-packages
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	cd tests/timing/icaljs && npm ci --no-audit --no-fund --silent

setup: $(UV) test-packages
	$(UV) sync --frozen

run: $(UV) runtime-packages
	$(UV) sync --frozen --no-dev
	$(UV) run --no-dev signage serve

demo: $(UV) runtime-packages
	$(UV) sync --frozen --no-dev
	$(UV) run --no-dev signage demo

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports

test: setup
	$(UV) run pytest -n 2 $(PYTEST_ARGS)

# The benchmarks print figures; they are not tests (needs Debian's wrk for the poll).
bench: setup
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	$(UV) run python tests/benchmarks/bench_timing.py
	$(UV) run python tests/benchmarks/bench_poll.py

format: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

# The console's front-end files (GOV.UK Frontend, htmx, Swagger UI, ReDoc) are committed copies
# from the npm lock in signage/console/vendor; only changing a version needs node and npm.
assets:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm; }
	python3 signage/console/vendor/update_assets.py
