# livetrace developer tasks. `make help` lists them; CI calls the same targets.
PY ?= python
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := help
.PHONY: help install run test test-sqlite test-pg lint format typecheck imports db-check bench ci

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F ':.*?## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: ## Install the package with test and lint tools (editable)
	$(PY) -m pip install -e '.[test]'

run: ## Migrate, load the demo data and serve on http://127.0.0.1:8000
	livetrace up

test: test-sqlite test-pg ## The whole suite on SQLite, then on PostgreSQL

test-sqlite: ## The whole suite on SQLite
	$(PY) -m pytest

test-pg: ## The whole suite on PostgreSQL ($(PG_URL))
	LIVETRACE_TEST_DATABASE_URL=$(PG_URL) $(PY) -m pytest

lint: imports ## ruff lint + format check, mypy strict, import contracts
	ruff check src tests bench
	ruff format --check src tests bench
	$(MAKE) typecheck

format: ## Apply ruff formatting and safe fixes
	ruff format src tests bench
	ruff check --fix src tests bench

typecheck: ## mypy strict on the package
	mypy

imports: ## import-linter: adapters -> features -> store/crypto/kit
	lint-imports

db-check: ## Migrate a scratch SQLite and PostgreSQL database and check for drift
	$(PY) -m livetrace.migrations.check_all $(PG_URL)

bench: ## Run the benchmarks (ratios against a baseline measured in the same run)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m bench

ci: install lint db-check test ## Everything CI runs
