# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every ``_info`` module checks the names it is given with the rules of the managing modules, before any
request: a name Azure would refuse is an error naming the option and the rule, not an empty list."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule
from ansible_collections.m365.exo_automation.plugins.modules import (
    automation_account_info,
    automation_module_info,
    automation_schedule_info,
    automation_variable_info,
    automation_webhook_info,
    runbook_info,
    user_assigned_identity_info,
)
from ansible_collections.m365.exo_automation.plugins.modules import automation_module, runbook
from ansible_collections.m365.exo_automation.tests.unit.automation_assets_fake import FakeAssets
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA = "rg-exo", "aa-exo-automation"
ACCOUNT = {"resource_group": RG, "account": AA}

ACCOUNT_RULE = "6-50 characters: letters, digits and hyphens"
GROUP_RULE = "1-90 characters"
ASSET_RULE = "1-128 characters without"
RUNBOOK_RULE = "up to 63 letters, digits, hyphens and underscores, starting with a letter"
MODULE_RULE = "not a valid PowerShell module name"

ACCOUNT_OBJECTS = [automation_module_info, automation_schedule_info, automation_variable_info,
                   automation_webhook_info, runbook_info]

CASES = [
    # module, arguments, the option named, what the message says of the rule
    (automation_account_info, {"resource_group": RG, "name": "aa"}, "name", ACCOUNT_RULE),
    (automation_account_info, {"resource_group": RG, "name": "1-starts-with-a-digit"}, "name", ACCOUNT_RULE),
    (automation_account_info, {"resource_group": "rg/exo"}, "resource_group", GROUP_RULE),
    (user_assigned_identity_info, {"resource_group": RG, "name": "id"}, "name", "3-128 characters"),
    (user_assigned_identity_info, {"resource_group": "rg-exo."}, "resource_group", GROUP_RULE),
    (automation_module_info, dict(ACCOUNT, name="Exchange Online"), "name", MODULE_RULE),
    (automation_schedule_info, dict(ACCOUNT, name="weekdays/0600"), "name", ASSET_RULE),
    (automation_schedule_info, dict(ACCOUNT, name="x" * 129), "name", ASSET_RULE),
    (automation_schedule_info, dict(ACCOUNT, name=" weekdays"), "name", ASSET_RULE),
    (automation_schedule_info, dict(ACCOUNT, runbook="1-Enable-Archive"), "runbook", RUNBOOK_RULE),
    (automation_variable_info, dict(ACCOUNT, name="Exchange:Organization"), "name", ASSET_RULE),
    (automation_webhook_info, dict(ACCOUNT, name="hook#1"), "name", ASSET_RULE),
    (automation_webhook_info, dict(ACCOUNT, runbook="Enable Archive"), "runbook", RUNBOOK_RULE),
    (runbook_info, dict(ACCOUNT, name="Test-Exchange.ps1"), "name", RUNBOOK_RULE),
    (runbook_info, dict(ACCOUNT, name="R" * 64), "name", RUNBOOK_RULE),
] + [(module, {"resource_group": RG, "account": "aa_exo"}, "account", ACCOUNT_RULE) for module in ACCOUNT_OBJECTS] \
  + [(module, {"resource_group": "rg?exo", "account": AA}, "resource_group", GROUP_RULE)
     for module in ACCOUNT_OBJECTS]


@pytest.fixture
def no_requests(monkeypatch):
    """Every client the modules could reach records that it was asked for."""
    asked = []

    def client(kind):
        def make(self, *args):
            asked.append(kind)
            raise AssertionError("a request was about to be made")
        return make

    for name in ("automation_client", "msi_client", "resource_client", "arm_client", "graph"):
        monkeypatch.setattr(ExoModule, name, client(name))
    return asked


@pytest.mark.parametrize("module,args,option,rule", CASES,
                         ids=["%s-%s-%d" % (c[0].__name__.rsplit(".", 1)[-1], c[2], i) for i, c in enumerate(CASES)])
def test_a_name_azure_refuses_fails_before_any_request(monkeypatch, no_requests, module, args, option, rule):
    result = run_module(monkeypatch, module.main, args)
    assert result["failed"] is True
    assert result["option"] == option
    assert rule in result["msg"]
    assert "%s '%s'" % (option, args[option]) in result["msg"]
    assert no_requests == []


@pytest.mark.parametrize("info,managing,name", [
    (runbook_info, runbook, "Test-Exchange.ps1"),
    (automation_module_info, automation_module, "Exchange Online"),
])
def test_the_info_module_applies_the_rule_of_the_managing_module(monkeypatch, info, managing, name):
    fake = FakeAssets.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    listed = run_module(monkeypatch, info.main, dict(ACCOUNT, name=name))
    managed = run_module(monkeypatch, managing.main, dict(ACCOUNT, name=name, state="absent"))
    assert listed["failed"] is True and managed["failed"] is True
    assert listed["option"] == managed["option"] == "name"
    assert listed["msg"].split(":")[0] == managed["msg"].split(":")[0]


@pytest.mark.parametrize("module,args,key", [
    (runbook_info, dict(ACCOUNT, name="Test-ExchangeOnlineConnection"), "runbooks"),
    (automation_schedule_info, dict(ACCOUNT, name="weekdays 0600 (UTC)", runbook="Enable-Archive"), "schedules"),
    (automation_webhook_info, dict(ACCOUNT, name="Enable archive (hook)", runbook="Enable_Archive"), "webhooks"),
    (automation_variable_info, dict(ACCOUNT, name="Exchange Organization"), "variables"),
    (automation_module_info, dict(ACCOUNT, name="ExchangeOnlineManagement"), "modules"),
])
def test_a_valid_name_that_does_not_exist_is_an_empty_list(monkeypatch, module, args, key):
    fake = FakeAssets.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    result = run_module(monkeypatch, module.main, args)
    assert result.get("failed") is not True, result
    assert result[key] == []
