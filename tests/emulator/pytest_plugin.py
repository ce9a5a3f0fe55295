"""pytest fixtures: one emulator per test session, reset before each test.

Use from a suite's conftest.py: ``from tests.emulator.pytest_plugin import *  # noqa``"""
import pytest

from .client import EmulatorProcess

__all__ = ["emulator_process", "emulator", "emulator_env", "emulator_certificate_env", "emulator_federated_env"]


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


@pytest.fixture
def emulator_certificate_env(emulator, monkeypatch):
    """Like ``emulator_env`` but signing in with the admin's certificate (``AZURE_CLIENT_CERTIFICATE_PATH`` and
    ``AZURE_CLIENT_CERTIFICATE_PASSWORD``) instead of its secret."""
    monkeypatch.delenv("AZURE_SECRET", raising=False)
    monkeypatch.delenv("AZURE_CLIENT_SECRET", raising=False)
    env = emulator.certificate_env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def emulator_federated_env(emulator, monkeypatch):
    """Like ``emulator_env`` but signing in with the emulator issuer's federated token (``AZURE_FEDERATED_TOKEN_FILE``)
    instead of the admin's secret."""
    monkeypatch.delenv("AZURE_SECRET", raising=False)
    monkeypatch.delenv("AZURE_CLIENT_SECRET", raising=False)
    env = emulator.federated_env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env
