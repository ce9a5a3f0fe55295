# m365.exo_automation — developer and CI entry points.
#   make demo   rebuild the whole Exchange Online automation setup against the local emulator
#   make test   everything CI runs (TEST_STEPS below, in that order; times in .build/test-times.txt)
#   make help   one line per target
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# Ansible finds the collection as m365.exo_automation through ANSIBLE_COLLECTIONS_PATH. In a checkout laid out
# as <root>/ansible_collections/m365/exo_automation that is <root>; in a plain checkout `make venv` links the tree
# to .collections/ansible_collections/m365/exo_automation.
LAYOUT_ROOT := $(patsubst %/ansible_collections/m365/exo_automation,%,$(CURDIR))
ifeq ($(LAYOUT_ROOT),$(CURDIR))
COLLECTIONS := $(CURDIR)/.collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/m365/exo_automation
else
COLLECTIONS := $(LAYOUT_ROOT)
COLLECTION_LINK :=
endif
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# ansible-test runs in a copy of the tree at $(BUILD_COLLECTION), made by tests/utils/ansible_test.sh
# ($EXO_BUILD_DIR moves it).
ANSIBLE_TEST := tests/utils/ansible_test.sh
BUILD_COLLECTION = $(or $(EXO_BUILD_DIR),$(CURDIR)/.build)/ansible_collections/m365/exo_automation
COVERAGE_FAIL_UNDER ?= 85
CHROMIUM ?= /usr/bin/chromium
SHELLCHECK ?= /usr/bin/shellcheck
TIMES := .build/test-times.txt

# The checks `make test` runs, in order. Each is also a target of its own.
TEST_STEPS := units units-2.16 test-emulator test-contract test-tooling reliability sanity sanity-2.16 lint integration \
              docs-check changelog build
# Steps that `make test` starts in the background at once, each in a copy of the tree of its own
# (.build/<step>), and whose output it prints at their place in TEST_STEPS. ansible-test sanity is long and
# mostly single-threaded, so on two cores it overlaps well with the other steps.
BACKGROUND_STEPS ?= sanity sanity-2.16 reliability

.PHONY: help venv venv-importer venv-azcli try-azure-cli demo bench clean test $(TEST_STEPS) test-units test-integration \
        pip-bootstrap chromium shellcheck system-deps

help:
	@echo "make venv          .venv from requirements-dev.txt + constraints.txt; links the tree into .collections/"
	@echo "make test          all of: $(TEST_STEPS)"
	@echo "make units         ansible-test units with coverage of plugins/ (fails under $(COVERAGE_FAIL_UNDER)% of lines)"
	@echo "make test-emulator pytest tests/emulator_tests"
	@echo "make test-contract pytest tests/contract"
	@echo "make try-azure-cli the Azure CLI ($(AZURE_CLI), in $(VENV_AZCLI), ~700 MB) against the emulator (not in make test)"
	@echo "make test-tooling  pytest tests/tooling (pip bootstrap, coverage gate, galaxy check, AWX runner)"
	@echo "make reliability   faults, deadlines, bad input, check mode against the emulator (docs/reliability.md)"
	@echo "make sanity        ansible-test sanity, every test, Python 3.11"
	@echo "make units-2.16 | sanity-2.16   the same on ansible-core 2.16 (.venv-2.16)"
	@echo "make lint          ansible-lint --offline --profile production"
	@echo "make integration   ansible-test integration against the emulator"
	@echo "make docs          HTML site in docs/build/html (antsibull-docs reference + docs/guides)"
	@echo "make docs-check    make docs, then headless Chromium opens the site (tests/docs)"
	@echo "make changelog     antsibull-changelog lint of fragments and changelog.yaml"
	@echo "make build         ansible-galaxy collection build + install + ansible-doc on the installed copy"
	@echo "make demo | bench | clean"

venv: $(VENV)/.installed $(COLLECTION_LINK)

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

ifneq ($(COLLECTION_LINK),)
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@
endif

# Runs every step even when one fails, prints the time of each, and fails at the end if any failed.
test: venv venv-2.16 system-deps
	TEST_STEPS="$(TEST_STEPS)" BACKGROUND_STEPS="$(BACKGROUND_STEPS)" TIMES=$(TIMES) MAKE="$(MAKE)" tests/utils/run_tests.sh

units: venv
	rm -rf $(BUILD_COLLECTION)/tests/output/coverage
	$(ANSIBLE_TEST) units --coverage
	$(PY) tests/utils/coverage_gate.py --root $(BUILD_COLLECTION) --fail-under $(COVERAGE_FAIL_UNDER)
test-units: units

test-emulator: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/emulator_tests

test-contract: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/contract

# A client nobody here wrote: the Azure CLI registers the emulator as a cloud, signs in and manages resources.
# Not in `make test` (the CLI is about 700 MB); tests/emulator_tests/test_conformance_azure_cli.py replays the
# requests it sends, and runs there.
try-azure-cli: venv venv-azcli
	EXO_REQUIRE_AZURE_CLI=1 EXO_AZURE_CLI=$(CURDIR)/$(VENV_AZCLI)/bin/az $(PY) -m pytest -q -p no:cacheprovider tests/azure_cli

test-tooling: venv venv-importer
	$(PY) -m pytest -q -p no:cacheprovider tests/tooling

# Faults, deadlines, bad input and check mode against the emulator; writes its figures to docs/reliability.md.
reliability: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/reliability

# The sanity tests that need a virtual environment of their own bootstrap pip with a script ansible-test
# downloads from a host CI cannot reach; tests/utils/get_pip.py stands in for it (see that file).
sanity: venv shellcheck
	$(ANSIBLE_TEST) sanity

pip-bootstrap: venv
	@$(PY) tests/utils/get_pip.py --install >/dev/null

lint: venv
	ansible-lint --offline --profile production

# The targets run in groups side by side, each group in a build copy of its own against an emulator of its own
# (most of an integration run is waiting on jobs, imports and replication, so two groups overlap well).
# A group is a comma-separated list of target names or aliases; `make integration INTEGRATION_GROUPS=runbook`
# runs one target.
INTEGRATION_GROUPS ?= exo/automation/ exo/arm/,exo/graph/
integration: venv
	tests/utils/integration.sh $(INTEGRATION_GROUPS)
test-integration: integration

docs: venv
	docs/build.sh

docs-check: docs chromium
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -p no:cacheprovider tests/docs

changelog: venv
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

build: venv venv-importer
	$(PY) tests/utils/galaxy_check.py --output .build/galaxy --importer-python $(CURDIR)/$(VENV_IMPORTER)/bin/python

# galaxy-importer in a venv of its own: it pins attrs<24, older than what ansible-lint and jsonschema here use.
VENV_IMPORTER := .venv-importer
GALAXY_IMPORTER ?= galaxy-importer==0.4.44
venv-importer: $(VENV_IMPORTER)/.installed
$(VENV_IMPORTER)/.installed:
	test -x $(VENV_IMPORTER)/bin/python || $(PYTHON) -m venv $(VENV_IMPORTER)
	$(VENV_IMPORTER)/bin/python -m pip install --quiet --disable-pip-version-check '$(GALAXY_IMPORTER)'
	touch $@

# The Azure CLI in a venv of its own (it pins its own azure-* SDKs), for try-azure-cli.
VENV_AZCLI := .build/venv-azcli
AZURE_CLI ?= azure-cli==2.91.0
venv-azcli: $(VENV_AZCLI)/.installed
$(VENV_AZCLI)/.installed:
	test -x $(VENV_AZCLI)/bin/python || $(PYTHON) -m venv $(VENV_AZCLI)
	$(VENV_AZCLI)/bin/python -m pip install --quiet --disable-pip-version-check '$(AZURE_CLI)'
	touch $@

# System packages from Debian, installed only when missing. Without apt-get (or not as root) outside CI the
# dependent check is skipped with a warning; in CI (CI=true) that is an error.
define apt_install
	@missing=""; \
	for pair in $(1); do [ -x "$${pair%%=*}" ] || missing="$$missing $${pair#*=}"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "apt-get install$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  elif [ "$${CI:-}" = true ]; then \
	    echo "Debian packages$$missing are missing and apt-get cannot install them" >&2; exit 1; \
	  else \
	    echo "warning: Debian packages$$missing are missing; the checks that need them are skipped" >&2; \
	  fi; \
	fi
endef

chromium:
	$(call apt_install,$(CHROMIUM)=chromium)

shellcheck:
	$(call apt_install,$(SHELLCHECK)=shellcheck)

# Both at once, before `make test` starts steps in parallel (one apt-get at a time).
system-deps:
	$(call apt_install,$(CHROMIUM)=chromium $(SHELLCHECK)=shellcheck)

demo: venv
	$(PY) -m tests.demo

# Every scenario 3 times through ansible-playbook against the emulator; writes tests/bench/results/latest.json and
# latest.txt (docs/performance.md). BENCH_ARGS="--only audit --repeat 1", BENCH_SCALE_MAX=5 (default 20).
bench: venv
	$(PY) -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-2.16 .venv-importer $(CURDIR)/.collections .build tests/output docs/build

# ansible-core 2.16, the oldest release meta/runtime.yml allows: sanity and units on it as well, from a venv of its
# own (.venv-2.16, pinned in constraints-2.16.txt), each in a build copy of its own. The coverage gate is the
# `units` step's; the 2.16 pip bootstrap script ansible-test wants is another release, so it is put in place too.
VENV_216 := .venv-2.16
PY_216 := $(VENV_216)/bin/python
.PHONY: venv-2.16 sanity-2.16 units-2.16

venv-2.16: $(VENV_216)/.installed

$(VENV_216)/.installed: requirements.txt constraints-2.16.txt
	test -x $(PY_216) || $(PYTHON) -m venv $(VENV_216)
	$(PY_216) -m pip install --quiet --disable-pip-version-check 'ansible-core>=2.16,<2.17' -r requirements.txt \
	    pytest pytest-xdist 'jsonschema>=4.21' -c constraints-2.16.txt
	touch $@

sanity-2.16: venv-2.16 shellcheck
	EXO_PYTHON=$(CURDIR)/$(PY_216) EXO_BUILD_DIR=$(CURDIR)/.build/sanity-2.16 $(ANSIBLE_TEST) sanity

units-2.16: venv-2.16
	EXO_PYTHON=$(CURDIR)/$(PY_216) EXO_BUILD_DIR=$(CURDIR)/.build/units-2.16 $(ANSIBLE_TEST) units
