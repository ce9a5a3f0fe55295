# m365.exo_automation — developer and CI entry points.
#   make demo   rebuild the whole Exchange Online automation setup against the local emulator
#   make test   everything CI runs (TEST_STEPS below, in that order; times in .build/test-times.txt)
#   make help   one line per target
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
COLLECTIONS := $(CURDIR)/.collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/m365/exo_automation
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

# ansible-test runs in a copy of the tree at $(BUILD_COLLECTION), made by tests/utils/ansible_test.sh.
ANSIBLE_TEST := tests/utils/ansible_test.sh
BUILD_COLLECTION := .build/ansible_collections/m365/exo_automation
COVERAGE_FAIL_UNDER ?= 85
CHROMIUM ?= /usr/bin/chromium
SHELLCHECK ?= /usr/bin/shellcheck
TIMES := .build/test-times.txt

# The checks `make test` runs, in order. Each is also a target of its own.
TEST_STEPS := units test-emulator test-contract test-tooling sanity lint integration docs docs-check changelog build

.PHONY: help venv demo bench clean test $(TEST_STEPS) test-units test-integration \
        pip-bootstrap chromium shellcheck

help:
	@echo "make venv          .venv from requirements-dev.txt + constraints.txt; links the tree into .collections/"
	@echo "make test          all of: $(TEST_STEPS)"
	@echo "make units         ansible-test units with coverage of plugins/ (fails under $(COVERAGE_FAIL_UNDER)% of lines)"
	@echo "make test-emulator pytest tests/emulator_tests"
	@echo "make test-contract pytest tests/contract"
	@echo "make test-tooling  pytest tests/tooling (pip bootstrap, coverage gate, galaxy check)"
	@echo "make sanity        ansible-test sanity, every test, Python 3.11"
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

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

# Runs every step even when one fails, prints the time of each, and fails at the end if any failed.
test: venv
	@mkdir -p .build; : > $(TIMES); failed=""; \
	for step in $(TEST_STEPS); do \
	  echo "=== make $$step"; start=$$(date +%s); \
	  if $(MAKE) --no-print-directory $$step; then result=ok; else result=FAILED; failed="$$failed $$step"; fi; \
	  printf '%-14s %5d s  %s\n' "$$step" "$$(( $$(date +%s) - start ))" "$$result" >> $(TIMES); \
	done; \
	echo "=== make test: time per step"; cat $(TIMES); \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: all checks passed"

units: venv
	rm -rf $(BUILD_COLLECTION)/tests/output/coverage
	$(ANSIBLE_TEST) units --coverage
	$(PY) tests/utils/coverage_gate.py --root $(BUILD_COLLECTION) --fail-under $(COVERAGE_FAIL_UNDER)
test-units: units

test-emulator: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/emulator_tests

test-contract: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/contract

test-tooling: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/tooling

# The sanity tests that need a virtual environment of their own bootstrap pip with a script ansible-test
# downloads from a host CI cannot reach; tests/utils/get_pip.py stands in for it (see that file).
sanity: venv pip-bootstrap shellcheck
	$(ANSIBLE_TEST) sanity

pip-bootstrap: venv
	@$(PY) tests/utils/get_pip.py --install >/dev/null

lint: venv
	ansible-lint --offline --profile production

integration: venv
	$(ANSIBLE_TEST) integration
test-integration: integration

docs: venv
	docs/build.sh

docs-check: docs chromium
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -p no:cacheprovider tests/docs

changelog: venv
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

build: venv
	$(PY) tests/utils/galaxy_check.py --output .build/galaxy

# System packages from Debian, installed only when missing. Without apt-get (or not as root) outside CI the
# dependent check is skipped with a warning; in CI (CI=true) that is an error.
define apt_install
	@if [ ! -x $(1) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(2) >/dev/null; \
	  elif [ "$${CI:-}" = true ]; then \
	    echo "$(1) is missing and apt-get cannot install $(2)" >&2; exit 1; \
	  else \
	    echo "warning: $(1) is missing; install Debian's $(2) package, checks that need it are skipped" >&2; \
	  fi; \
	fi
endef

chromium:
	$(call apt_install,$(CHROMIUM),chromium)

shellcheck:
	$(call apt_install,$(SHELLCHECK),shellcheck)

demo: venv
	$(PY) -m tests.demo

bench: venv
	$(PY) -m tests.bench

clean:
	rm -rf $(VENV) $(COLLECTIONS) .build tests/output docs/build
