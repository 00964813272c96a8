# Parley: `make dev` runs the whole stack on this machine, `make test` runs every check.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo uv)
# Python packages of the workspace, each linted, type-checked and tested on its own.
PACKAGES := tests/support services/llm-stub services/auth services/chat deploy/local tests/deploy tests/system

.PHONY: help bootstrap lint typecheck test test-python dev

help:
	@echo "make dev   - run the whole stack locally (http://localhost:8080)"
	@echo "make test  - lint, type-check and run every test suite"

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

test-python: bootstrap
	@for pkg in $(PACKAGES); do \
	  echo "== pytest $$pkg"; uv run pytest $$pkg -q || exit 1; \
	done

test: lint typecheck test-python

dev: bootstrap
	uv run parley-dev
