"""Local emulator of the Azure Resource Manager and Microsoft Graph routes used by m365.exo_automation.

Start it with ``python -m tests.emulator``; see ``README.md`` beside this file and
``docs/emulator.md`` for the control API.
"""
