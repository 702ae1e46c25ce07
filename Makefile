# Two commands on a fresh machine: `make synth` and `make test`. Every target sets up what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
CDK := npx --no-install cdk
# `make synth CONFIG=docs/examples/x.json`: synthesize another config file instead of cdk.json's.
CONFIG ?=
# `make deploy STAGE=alice`: the config deployed as `<appName>-alice`, beside the other stages.
STAGE ?=
# What `cdk deploy` asks a person to approve: a pipeline, with no one to ask, passes never.
APPROVAL ?= broadening
CDK_CONFIG := $(if $(CONFIG),-c configFile=$(CONFIG)) $(if $(STAGE),-c stage=$(STAGE))

# Node 20 is past jsii's end of life; the banner is noise on every synth, so silence that one
# warning here rather than hiding stderr.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# No AWS account is needed to synthesize: skip the instance-metadata credential probe and the
# CLI's network calls, which only time out here.
export AWS_EC2_METADATA_DISABLED := true
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: help setup synth test e2e lint review offline offline-serve bench mutation deploy diff destroy api-gateway-logging clean

help:
	@echo "make synth    create .venv, install, synthesize to cdk.out/ (cdk-nag must be clean)"
	@echo "make test     run the test suite (sets itself up)"
	@echo "make lint     ruff, mypy, the GitHub workflows' schema, cdk-nag (synth), cfn-lint, checkov"
	@echo "make review   cdk.out/review.md and review.json: who gets which role and permissions (docs/review.md)"
	@echo "              BASE=<git ref>: what this checkout widens against that ref; FAIL_ON_WIDEN=1 exits 1 if it does"
	@echo "make offline  deploy cdk.out into moto, sign in as the demo users, print the scenario table"
	@echo "make offline-serve   the same stack, kept running for python -m client (docs/offline.md)"
	@echo "make e2e      the scenario table and attacks (tests/e2e) against a fresh offline stack;"
	@echo "              TARGET=stack-outputs.json: against that deployed stack, operator credentials (docs/e2e.md)"
	@echo "make bench    the budgets: synth against an empty CDK app; pre token hook, inbound federation trigger and items API import and per-event cost"
	@echo "make mutation can the tests see each small change to facts/iam.py and the functions? (minutes;"
	@echo "              MUTATE=facts/iam.py for one target, MUTATE_ARGS=--no-suite for the targets' own tests only)"
	@echo "make deploy | diff | destroy   against a real AWS account (credentials required)"
	@echo "make api-gateway-logging   once per account and region: the role API Gateway writes access logs with"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==26.3
	$(PY) -m pip install --quiet -e '.[runtime]' --group dev
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed

synth: setup
	rm -rf cdk.out  # no stale template from another config reaches the gates
	$(CDK) synth --quiet $(CDK_CONFIG)

test: setup
	$(PY) -m pytest -q

# Mutants are written into scratch copies of the tree (tools/mutation.py), never into it.
mutation: setup
	$(PY) -m tools.mutation $(if $(MUTATE),--target $(MUTATE)) $(MUTATE_ARGS)

# Not-run tests (a capability the target lacks) are listed by -ra with the reason.
e2e: setup
	$(if $(TARGET),E2E_TARGET=$(abspath $(TARGET))) $(PY) -m pytest -q -ra tests/e2e

$(CHECKOV_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip==26.3
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --group checkov
	touch $@

lint: synth $(CHECKOV_VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/cfn-lint
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation \
		-f cdk.out/*.template.json

# Reads the synthesized templates as JSON (no jsii). BASE=<ref> synthesizes the ref in a temporary
# git worktree and prints the permission diff; FAIL_ON_WIDEN=1 makes widening exit non-zero.
review: synth
	$(PY) -m review $(if $(BASE),--base $(BASE)) $(if $(CONFIG),--config $(CONFIG)) \
		$(if $(FAIL_ON_WIDEN),--fail-on-widen)

# The synthesized template in moto, with what moto lacks added (docs/offline.md). No AWS account.
offline: synth
	$(PY) -m offline run

offline-serve: synth
	$(PY) -m offline serve

bench: synth
	@rc=0; \
	$(PY) bench/synth.py || rc=1; \
	$(PY) bench/pre_token_hook.py || rc=1; \
	$(PY) bench/inbound_federation.py || rc=1; \
	$(PY) bench/developer_auth.py || rc=1; \
	$(PY) bench/items_api.py || rc=1; \
	exit $$rc

# These need AWS credentials for the target account (see README); nothing here can run them.
# API Gateway's CloudWatch Logs role, one per account and region, which the access logs need.
deploy: synth
	$(PY) -m client.api_gateway_logging
	$(CDK) deploy --all --require-approval $(APPROVAL) --outputs-file stack-outputs.json $(CDK_CONFIG)

diff: synth
	$(CDK) diff --all $(CDK_CONFIG)

destroy: setup
	@# The stage's stack only: the pipeline's deploy-role stack serves every stage.
	$(CDK) destroy $(CDK_CONFIG) $$($(CDK) ls $(CDK_CONFIG) | grep -v -- '-deploy-role$$')

api-gateway-logging: setup
	$(PY) -m client.api_gateway_logging --create

clean:
	rm -rf cdk.out $(VENV) $(CHECKOV_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
