# m365.exo_automation — developer and CI entry points.
#   make demo   rebuild the whole Exchange Online automation setup against the local emulator
#   make test   everything CI runs
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
COLLECTIONS := $(CURDIR)/.collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/m365/exo_automation
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv demo test test-emulator test-contract test-units test-integration bench clean

venv: $(VENV)/.installed $(COLLECTION_LINK)

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn $(CURDIR) $@

test: venv test-emulator test-contract
	@echo "make test: all checks passed"

test-emulator: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/emulator_tests

test-contract: venv
	$(PY) -m pytest -q -p no:cacheprovider tests/contract

demo: venv
	$(PY) -m tests.demo

bench: venv
	$(PY) -m tests.bench

clean:
	rm -rf $(VENV) $(COLLECTIONS) .build tests/output docs/build
