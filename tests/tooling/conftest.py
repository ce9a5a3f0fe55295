"""Import the repository's tooling scripts (tests/utils/*.py, docs/conf.py) as modules."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(relative):
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem + "_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def get_pip():
    return load("tests/utils/get_pip.py")


@pytest.fixture(scope="session")
def coverage_gate():
    return load("tests/utils/coverage_gate.py")


@pytest.fixture(scope="session")
def galaxy_check():
    return load("tests/utils/galaxy_check.py")


@pytest.fixture(scope="session")
def docs_conf():
    return load("docs/conf.py")
