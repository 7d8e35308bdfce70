# horiokoshi: two commands, `make run` and `make test`; `make install` builds the environment alone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install home run test ui lint sample validate clean bi-role dictionary

install: $(STAMP)

# Dagster refuses a DAGSTER_HOME that does not exist: create it (with telemetry off) first.
home: install
	$(BIN)/python -m pipelines.instance > /dev/null

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/python -m pipelines.run $(ARGS)

test: home
	$(BIN)/python -m pytest $(PYTEST_ARGS)

ui: home
	$(BIN)/dagster dev -w workspace.yaml

sample: install
	$(BIN)/python -m sampledata --out data/sample

validate: home
	$(BIN)/dagster definitions validate -w workspace.yaml

# The read-only BI role on the PostgreSQL warehouse named by HORIOKOSHI_WAREHOUSE_URL
# (password from HORIOKOSHI_BI_PASSWORD, if set); safe to re-run.
bi-role: install
	$(BIN)/python -m warehouse.roles

dictionary: install
	$(BIN)/python -m warehouse.dictionary

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf data $(DAGSTER_HOME)
