# Sclero's task runner: `make help` lists the targets.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.9

.PHONY: help setup run test test-sqlite test-postgres lint format bench soak demo migrate

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## Install uv (if missing) and the locked dependencies
	@command -v uv >/dev/null || python3 -m pip install -q "uv==$(UV_VERSION)"
	@uv sync --frozen --quiet --compile-bytecode

run: setup ## Start Sclero on SQLite (migrates; demo clinic on first start)
	uv run sclero serve

test: setup ## Run the whole suite: lint, types, SQLite, then PostgreSQL
	bash scripts/test

test-sqlite: setup ## Run the suite on SQLite only
	uv run pytest

test-postgres: setup ## Run the suite on PostgreSQL at 127.0.0.1:5432/test
	SCLERO_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test uv run pytest

lint: setup ## ruff, mypy and the import contracts (the floors in docs/dev/architecture.md)
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy sclero
	uv run lint-imports

format: setup ## Format the code
	uv run ruff format .
	uv run ruff check --fix .

migrate: setup ## Apply migrations to the configured database
	uv run sclero db upgrade

demo: setup ## Load 300 demo patients into the configured database
	uv run sclero demo --patients 300

soak: setup ## Crash soak: SIGKILL the real server mid-write, check every acknowledged write
	uv run python benchmarks/soak_crash.py --cycles 20

bench: setup ## Run the benchmarks (engine, demo generator, reports, load on the real server)
	uv run python benchmarks/bench_engine.py
	uv run python benchmarks/bench_demo.py
	uv run python benchmarks/bench_search.py
	uv run python benchmarks/bench_reports.py --patients 20000
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	uv run python benchmarks/bench_load.py
