# Two commands on a fresh machine: `make synth` and `make test`. Every target sets up what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The Pythons the suite passes on (pyproject.toml's requires-python), newest first; 3.13 is also
# the functions' Lambda runtime (infra/python_function.py). Unset, PYTHON is the first one found;
# `make test PYTHON=python3.12` (a command or a path) picks another.
SUPPORTED_PYTHONS := 3.13 3.12 3.11
# The interpreter behind a command. Under pyenv a version that is installed but not selected
# answers "command not found"; its own bin/ has it all the same.
python_path = $(shell { $(1) -c 'import sys; print(sys.executable)' || \
	{ v=$$(pyenv versions --bare | grep -E '^$(patsubst python%,%,$(notdir $(1)))\.[0-9]+$$' | tail -n 1) \
	&& "$$(pyenv root)/versions/$$v/bin/$(notdir $(1))" -c 'import sys; print(sys.executable)'; }; \
	} 2>/dev/null)
PYTHON ?= $(firstword $(foreach v,$(SUPPORTED_PYTHONS),$(call python_path,python$(v))))
PYTHON_BIN := $(call python_path,$(PYTHON))
PYTHON_VERSION := $(if $(PYTHON_BIN),$(shell $(PYTHON_BIN) -c 'import sys; print("%d.%d" % sys.version_info[:2])'))
VENV := .venv
PY := $(VENV)/bin/python
# Names the interpreter, so switching PYTHON rebuilds the environment instead of reusing another's.
INSTALLED := $(VENV)/.installed-$(PYTHON_VERSION)
CHECKOV_VENV := .venv-checkov
CDK := npx --no-install cdk
# `make synth CONFIG=docs/examples/x.json`: synthesize another config file instead of cdk.json's.
CONFIG ?=
# `make deploy STAGE=dev-alice`: the config deployed as `<appName>-dev-alice`, beside the others.
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
LOCK := requirements/deploy.txt
# The stage's own stack, and apart from it the stage's deploy-role stack (config.pipeline):
# `make deploy` never touches the role that lets the deploy job in, a person deploys it.
STAGE_STACKS = $$($(CDK) ls $(CDK_CONFIG) | grep -v -- '-deploy-role$$')
ROLE_STACK = $$($(CDK) ls $(CDK_CONFIG) | grep -- '-deploy-role$$')

.PHONY: help setup setup-locked lock synth test e2e lint review offline offline-serve web web-test web-screenshot chromium bench mutation deploy deploy-role diff destroy api-gateway-logging clean

help:
	@echo "make synth    create .venv, install, synthesize to cdk.out/ (cdk-nag must be clean)"
	@echo "make test     run the test suite (sets itself up)"
	@echo "make lint     ruff, mypy, the GitHub workflows' schema, cdk-nag (synth), cfn-lint, checkov"
	@echo "make review   cdk.out/review.md and review.json: who gets which role and permissions (docs/review.md)"
	@echo "              BASE=<git ref>: what this checkout widens, and what it would remove or replace of users"
	@echo "              and their data at each stage (STAGES=...); FAIL_ON_WIDEN=1 exits 1 on either (protected stages)"
	@echo "make offline  deploy cdk.out into moto, sign in as the demo users, print the scenario table"
	@echo "make offline-serve   the same stack, kept running for python -m client (docs/offline.md)"
	@echo "make web      the offline stack and the web sample (web/) against it: prints the URL and the demo users;"
	@echo "              OUTPUTS=stack-outputs.json: the page against that deployed stack (docs/client.md)"
	@echo "make web-test the web sample's browser tests in headless Chromium (installs Debian's chromium)"
	@echo "make web-screenshot   docs/web-sample.png: the signed-in page"
	@echo "make e2e      the scenario table and attacks (tests/e2e) against a fresh offline stack;"
	@echo "              TARGET=stack-outputs.json: against that deployed stack, operator credentials (docs/e2e.md)"
	@echo "make bench    the budgets: synth against an empty CDK app; pre token hook, inbound federation trigger and items API import and per-event cost"
	@echo "make mutation can the tests see each small change to facts/iam.py and the functions? (minutes;"
	@echo "              MUTATE=facts/iam.py for one target, MUTATE_ARGS=--no-suite for the targets' own tests only)"
	@echo "make deploy | diff | destroy   against a real AWS account (credentials required)"
	@echo "make deploy-role   once per stage, by a person: the stage's pipeline deploy role (docs/forking.md)"
	@echo "make lock     requirements/deploy.txt, the deploy job's hash-locked dependencies, from pyproject.toml"
	@echo "make api-gateway-logging   once per account and region: the role API Gateway writes access logs with"

$(INSTALLED): pyproject.toml
	@[ -n "$(PYTHON_BIN)" ] || { echo "No Python $(or $(PYTHON),of $(SUPPORTED_PYTHONS)) found: install one, or give PYTHON=<command or path>" >&2; exit 1; }
	@case " $(SUPPORTED_PYTHONS) " in *" $(PYTHON_VERSION) "*) ;; *) echo "$(PYTHON_BIN) is Python $(PYTHON_VERSION); supported: $(SUPPORTED_PYTHONS)" >&2; exit 1;; esac
	rm -f $(VENV)/.installed*
	$(PYTHON_BIN) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==26.3
	$(PY) -m pip install --quiet -e '.[runtime]' --group dev
	touch $@

# The deploy job's Python environment: only the hash-locked dependencies (pip refuses a file whose
# hash the lock does not name, and --no-deps anything the lock does not list); the project
# itself runs from the checkout. npm ci checks package-lock.json's integrity hashes likewise.
setup-locked: node_modules/.installed
	$(PYTHON_BIN) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	touch $(INSTALLED)

# pyproject.toml stays the single source: the lock is what its app and runtime pins resolve to,
# with every file's hash (tests/test_lock.py holds the two equal). Run it after changing a pin.
lock: setup
	$(VENV)/bin/uv pip compile pyproject.toml --extra runtime --generate-hashes --universal \
		--python-version 3.11 --custom-compile-command "make lock" --quiet -o $(LOCK)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(INSTALLED) node_modules/.installed

synth: setup
	rm -rf cdk.out  # no stale template from another config reaches the gates
	$(CDK) synth --quiet $(CDK_CONFIG)

# CONFIG=path: the invariant tests and e2e run on that config file instead of cdk.json's.
# Bytecode is cached (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE is set:
# otherwise each worker compiles and assertion-rewrites every test module again on every run.
test: setup
	PYTHONDONTWRITEBYTECODE= $(if $(CONFIG),IDPOOLS_TEST_CONFIG=$(abspath $(CONFIG))) \
	  $(PY) -m pytest -q

# Mutants are written into scratch copies of the tree (tools/mutation.py), never into it.
mutation: setup
	$(PY) -m tools.mutation $(if $(MUTATE),--target $(MUTATE)) $(MUTATE_ARGS)

# Not-run tests (a capability the target lacks) are listed by -ra with the reason.
e2e: setup
	$(if $(TARGET),E2E_TARGET=$(abspath $(TARGET))) $(PY) -m pytest -q -ra tests/e2e

$(CHECKOV_VENV)/.installed: pyproject.toml
	$(PYTHON_BIN) -m venv $(CHECKOV_VENV)
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
# git worktree and prints the permission diff and, at every reviewed stage (base and head built at
# that stage), what the change would remove or replace of users and their data; FAIL_ON_WIDEN=1
# exits non-zero when access widens or a protected stage loses something (docs/review.md).
# STAGES="a b": the stages to review; default the config's stage and every stage the deploy
# workflows deploy, read from this checkout and from BASE both.
STAGES ?=
review: synth
	$(PY) -m review $(if $(BASE),--base $(BASE)) $(if $(CONFIG),--config $(CONFIG)) \
		$(if $(STAGE),--stage $(STAGE)) $(if $(STAGES),--stages "$(STAGES)") \
		$(if $(FAIL_ON_WIDEN),--fail-on-widen)

# The synthesized template in moto, with what moto lacks added (docs/offline.md). No AWS account.
offline: synth
	$(PY) -m offline run

offline-serve: synth
	$(PY) -m offline serve

# The web sample's bundle (esbuild, pinned in package.json), rebuilt when its sources change.
WEB_BUNDLE := web/dist/app.js
$(WEB_BUNDLE): node_modules/.installed $(wildcard web/src/*.ts) web/tsconfig.json
	npm run --silent web:check
	npm run --silent web:build

# Serves the page on http://localhost:5173, the origin disposable stages allow by default.
web: synth $(WEB_BUNDLE)
	$(if $(OUTPUTS),$(PY) -m client web --outputs $(OUTPUTS),$(PY) -m offline web)

# Debian's chromium: Playwright's own browser download cannot reach the internet from here.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

web-test: synth $(WEB_BUNDLE) chromium
	$(PY) -m pytest -q -n 0 -m web tests/web

web-screenshot: synth $(WEB_BUNDLE) chromium
	$(PY) -m tests.web.screenshot docs/web-sample.png

bench: synth
	@rc=0; \
	$(PY) bench/synth.py || rc=1; \
	$(PY) bench/pre_token_hook.py || rc=1; \
	$(PY) bench/inbound_federation.py || rc=1; \
	$(PY) bench/developer_auth.py || rc=1; \
	$(PY) bench/items_api.py || rc=1; \
	exit $$rc

# These need AWS credentials for the target account (see README); nothing here can run them.
# The pre-flight stops each with one line when the region or working credentials are missing;
# deploy also checks API Gateway's CloudWatch Logs role (one per account and region), and
# destroy refuses a protected stage (docs/operations.md).
PREFLIGHT := $(PY) -m client.preflight $(if $(CONFIG),--config $(CONFIG)) $(if $(STAGE),--stage $(STAGE))

deploy: synth
	@$(PREFLIGHT) deploy
	$(CDK) deploy --require-approval $(APPROVAL) --outputs-file stack-outputs.json $(CDK_CONFIG) \
		$(STAGE_STACKS)

# Once per stage, with the stage's account's administrator credentials: what the deploy job may
# never change itself.
deploy-role: synth
	@stack=$(ROLE_STACK); if [ -z "$$stack" ]; then \
		echo "make deploy-role: stage '$(or $(STAGE),of the config)' has no deploy role; name it in config.pipeline.stages" >&2; \
		exit 1; fi; \
	echo "deploying $$stack"; \
	$(CDK) deploy --require-approval broadening --outputs-file deploy-role-outputs.json \
		$(CDK_CONFIG) $$stack

# cdk diff compares every stack of the app when given none.
diff: synth
	@$(PREFLIGHT) diff
	$(CDK) diff $(CDK_CONFIG)

destroy: setup
	@$(PREFLIGHT) destroy
	@# The stage's stack only: its deploy-role stack goes by hand, after the stage is gone.
	$(CDK) destroy $(CDK_CONFIG) $(STAGE_STACKS)

api-gateway-logging: setup
	$(PY) -m client.api_gateway_logging --create

clean:
	rm -rf cdk.out $(VENV) $(CHECKOV_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
