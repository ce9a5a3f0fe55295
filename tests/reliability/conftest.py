"""The reliability suite runs the collection's modules as Ansible runs them, against one emulator."""
from tests.emulator.pytest_plugin import emulator, emulator_process

__all__ = ["emulator", "emulator_process"]
