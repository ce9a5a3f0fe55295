#!/usr/bin/env bash
# Runs tasks/main.yml through a playbook instead of as a role: a role-style target named automation_account would
# load the collection's role of the same name (m365.exo_automation.automation_account) instead of these tasks.
set -eux
config=../../integration_config.yml
extra=()
if [ -f "$config" ]; then
    extra=(-e "@$config")
fi
ANSIBLE_ROLES_PATH=.. ansible-playbook -i "$INVENTORY_PATH" runme.yml "${extra[@]}" "$@"
