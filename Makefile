# orderlens — the commands a new user runs. `make demo` and `make test` do all set-up.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export ORDERLENS_DATA_DIR ?= $(CURDIR)/data
export ORDERLENS_PORT ?= 8050
DEMO_ORDERS ?= 2000

.PHONY: help setup demo test lint bench ui clean-data

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.synced dashboard/assets/vendor/bootstrap.min.css dashboard/assets/vendor/plotly-basic.min.js  ## install system packages, the locked venv and front-end files (fast when done)
	@# Bytecode ahead of time: with PYTHONDONTWRITEBYTECODE set, every process would
	@# otherwise compile each module it imports from source, seconds per command.
	@$(BIN)/python -m compileall -q -j 0 src process_mining dashboard orchestration bench
	@# The data directory holds personal data and keys: owner-only (git keeps no folder modes).
	@mkdir -p $(ORDERLENS_DATA_DIR) && chmod 700 $(ORDERLENS_DATA_DIR)

$(VENV)/.synced: uv.lock pyproject.toml scripts/install_system_packages.sh
	@bash scripts/install_system_packages.sh
	@$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

dashboard/assets/vendor/bootstrap.min.css: dashboard/package-lock.json
	@command -v npm >/dev/null || bash scripts/install_system_packages.sh
	@npm ci --prefix dashboard --no-audit --no-fund --silent
	@mkdir -p $(@D) && cp dashboard/node_modules/bootstrap/dist/css/bootstrap.min.css $@

# plotly.js's basic bundle (scatter and bar, all the charts use) at the version plotly.py
# ships: a fifth of the full bundle Dash would load, so the first page draws sooner.
dashboard/assets/vendor/plotly-basic.min.js: dashboard/assets/vendor/bootstrap.min.css
	@cp dashboard/node_modules/plotly.js-basic-dist-min/plotly-basic.min.js $@

demo: setup  ## simulate a demo data set, run the whole pipeline, serve the dashboard
	$(BIN)/orderlens simulate --orders $(DEMO_ORDERS) --scenario baseline --seed 7 --out $(ORDERLENS_DATA_DIR)/inbox/demo
	$(BIN)/orderlens run
	$(BIN)/orderlens users secret
	@password=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(12))'); \
	  printf '%s\n' "$$password" | $(BIN)/orderlens users add demo --role executive --password-stdin && \
	  echo "Log in to the dashboard as user 'demo' with password '$$password' (executive role)"
	$(BIN)/orderlens serve

test: setup lint  ## lint, then the whole test suite (dbt, Dagster, browser tests included)
	@# Two workers: most tests wait on dbt, Dagster or a browser; tests/conftest.py keeps
	@# each module, and every test of the foreign logs, on one worker.
	$(BIN)/pytest -n 2

lint: setup  ## ruff and sqlfluff (dbt templater, no warehouse needed)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models

ui: setup  ## Dagster's web UI on http://127.0.0.1:3000 (lineage, checks, runs, schedules)
	$(BIN)/orderlens ui

bench: setup  ## run the benchmarks, print figures and ratios, append to bench/results/
	$(BIN)/python -m bench.run $(BENCH)

clean-data:  ## delete everything generated under the data directory
	rm -rf $(ORDERLENS_DATA_DIR)/inbox $(ORDERLENS_DATA_DIR)/*.duckdb* $(ORDERLENS_DATA_DIR)/reports $(ORDERLENS_DATA_DIR)/dagster_home
