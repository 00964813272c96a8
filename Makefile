# Parley: `make dev` runs the whole stack on this machine, `make test` runs every check.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo uv)
# Python packages of the workspace, each linted, type-checked and tested on its own.
PACKAGES := libs/common tests/support services/llm-stub services/auth services/chat deploy/local tests/deploy tests/system tests/bench tests/resilience

.PHONY: help bootstrap lint typecheck test test-python dev bench soak oidc-provider
.PHONY: web-install web-check web-unit web-build web-e2e test-web chromium checks

help:
	@echo "make dev   - run the whole stack locally (http://localhost:8080)"
	@echo "make test  - lint, type-check and run every test suite"
	@echo "make bench - benchmarks against AgentOS and the stub (tests/bench/results/latest)"
	@echo "make soak  - the long form of the resilience suite"

bootstrap: ## Install uv when missing, then the locked environment.
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@uv sync --frozen --quiet

lint: bootstrap
	uv run ruff check .
	uv run ruff format --check .

typecheck: bootstrap
	@for pkg in $(PACKAGES); do \
	  echo "mypy $$pkg"; (cd $$pkg && uv run mypy --config-file $(CURDIR)/pyproject.toml .) || exit 1; \
	done

# The OpenID Provider that the single sign-on tests sign in with (node-oidc-provider).
oidc-provider:
	cd tests/support/oidc && npm ci --no-audit --no-fund

test-python: bootstrap oidc-provider
	@for pkg in $(PACKAGES); do \
	  echo "== pytest $$pkg"; uv run pytest $$pkg -q || exit 1; \
	done

# Web client (services/web): lint + typecheck, Vitest, then Playwright against the whole stack
# (its setup starts `uv run parley-dev` with WEB_MODE=start, which runs the production build).
WEB := services/web
export NEXT_TELEMETRY_DISABLED := 1

# Installed once per lock file: the stamp is newer than package-lock.json until it changes.
WEB_INSTALLED := $(WEB)/node_modules/.parley-installed
$(WEB_INSTALLED): $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $@

web-install: $(WEB_INSTALLED)

web-check: web-install
	cd $(WEB) && npm run lint && npm run typecheck

web-unit: web-install
	cd $(WEB) && npm test

web-build: web-install
	cd $(WEB) && npm run build

chromium: ## Debian's Chromium for the browser tests: Playwright's own download cannot work here.
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

web-e2e: bootstrap web-install chromium oidc-provider
	cd $(WEB) && npm run e2e

test-web: web-check web-unit web-e2e

# The static checks and the web's unit tests measure no time: they run two at a time. The
# Python suites and Playwright, which start stacks and wait on timers, then run one at a time.
checks:
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint typecheck web-check web-unit

test: checks test-python web-e2e

dev: bootstrap
	uv run parley-dev

# Benchmarks (tests/bench): Parley vs Agno's AgentOS vs the stub alone, report + charts in
# tests/bench/results/latest/. Short form (< 5 min); BENCH_ARGS=--full for the long one.
bench: bootstrap
	uv run parley-bench $(BENCH_ARGS)

# Resilience suite, long form (the short form runs in `make test`).
soak: bootstrap
	PARLEY_SOAK=1 uv run pytest tests/resilience -q
