# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.inventory import automation_account as inv

TAGS = {"Workload": "exchange-online-automation", "stage": "test"}


@pytest.mark.parametrize("wanted,expected", [
    ({}, True),
    ({"workload": "exchange-online-automation"}, True),          # tag names are matched without regard to case
    ({"workload": None}, True),                                   # any value
    ({"stage": ["prod", "test"]}, True),                          # any of a list
    ({"stage": "prod"}, False),
    ({"workload": "exchange-online-automation", "owner": None}, False),
])
def test_tag_matches(wanted, expected):
    assert inv.tag_matches(TAGS, wanted) is expected


def test_tag_excluded_by_any_one_tag():
    assert inv.tag_excluded(TAGS, {"owner": None, "stage": "test"})
    assert not inv.tag_excluded(TAGS, {"stage": "prod"})
    assert not inv.tag_excluded(TAGS, {})


def test_account_facts_read_the_group_and_identities_from_the_rest_shape():
    uid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id"
    facts = inv.account_facts({
        "id": "/subscriptions/s/resourceGroups/rg-Exo/providers/Microsoft.Automation/automationAccounts/aa",
        "name": "aa", "location": "westeurope", "tags": None,
        "properties": {"sku": {"name": "Basic"}, "state": "Ok"},
        "identity": {"type": "SystemAssigned, UserAssigned", "principalId": "p",
                     "userAssignedIdentities": {uid: {"principalId": "up", "clientId": "uc"}}},
    }, "other")
    assert facts["resource_group"] == "rg-Exo" and facts["subscription_id"] == "s"
    assert facts["tags"] == {} and facts["sku"] == "Basic" and facts["state"] == "Ok"
    assert facts["identity"] == {"type": "SystemAssigned, UserAssigned", "principal_id": "p",
                                 "user_assigned": {uid: {"principal_id": "up", "client_id": "uc"}}}


def test_only_config_files_named_for_the_plugin_are_read(tmp_path):
    good, bad = tmp_path / "exo.automation_account.yml", tmp_path / "hosts.yml"
    good.write_text("plugin: m365.exo_automation.automation_account\n")
    bad.write_text("plugin: m365.exo_automation.automation_account\n")
    plugin = inv.InventoryModule()
    assert plugin.verify_file(str(good))
    assert not plugin.verify_file(str(bad))
