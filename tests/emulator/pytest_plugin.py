"""pytest fixtures: one emulator per test session, reset before each test.

Use from a suite's conftest.py: ``from tests.emulator.pytest_plugin import *  # noqa``"""
import pytest

from .client import EmulatorProcess

__all__ = ["emulator_process", "emulator", "emulator_env"]


@pytest.fixture(scope="session")
def emulator_process():
    with EmulatorProcess() as proc:
        yield proc


@pytest.fixture
def emulator(emulator_process):
    """The running emulator, freshly reset (defaults: both first-party SPs, no delays)."""
    emulator_process.reset()
    yield emulator_process
    emulator_process.clear_faults()


@pytest.fixture
def emulator_env(emulator, monkeypatch):
    """Export the emulator's `env` (AWX credential names, endpoints, CA) into os.environ."""
    for key, value in emulator.env.items():
        monkeypatch.setenv(key, value)
    return emulator.env
