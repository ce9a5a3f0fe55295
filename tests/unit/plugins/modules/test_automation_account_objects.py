# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""automation_account_info with objects: every object of one account in one task, as the _info modules list them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from azure.core.exceptions import HttpResponseError

from ansible_collections.m365.exo_automation.plugins.modules import (
    automation_account_info,
    automation_module_info,
    automation_schedule_info,
    automation_variable_info,
    automation_webhook_info,
    runbook_info,
)
from ansible_collections.m365.exo_automation.tests.unit.automation_assets_fake import FakeAssets
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA = "rg-exo", "aa-exo-automation"
KINDS = ["runbooks", "modules", "schedules", "webhooks", "variables"]
INFO = {"runbooks": runbook_info, "modules": automation_module_info, "schedules": automation_schedule_info,
        "webhooks": automation_webhook_info, "variables": automation_variable_info}


def seeded(monkeypatch):
    fake = FakeAssets.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    fake.add_runbook(RG, AA, "Report", "Write-Output 'report'\n")
    fake.add_runbook(RG, AA, "Greet", "Write-Output 'hi'\n")
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    fake.add_schedule(RG, AA, "nightly", "2030-01-07T06:00:00+01:00")
    fake.add_link(RG, AA, "nightly", "Report")
    fake.add_webhook(RG, AA, "hook", "Greet")
    fake.add_variable(RG, AA, "Organization", '"contoso.onmicrosoft.com"')
    return fake


def info(monkeypatch, **args):
    return run_module(monkeypatch, automation_account_info.main, dict(args, resource_group=RG, name=AA))


def test_every_kind_as_its_info_module_returns_it(monkeypatch):
    seeded(monkeypatch)
    result = info(monkeypatch, objects=KINDS)
    assert result["changed"] is False and [a["name"] for a in result["automation_accounts"]] == [AA]
    assert sorted(result["objects"]) == sorted(KINDS)
    for kind in KINDS:
        args = {"resource_group": RG, "account": AA}
        if kind == "modules":  # those Azure provides to every account are left out, as the audit lists them
            args["include_global"] = False
        alone = run_module(monkeypatch, INFO[kind].main, args)
        assert result["objects"][kind] == {kind: alone[kind]}, kind
    assert [r["name"] for r in result["objects"]["runbooks"]["runbooks"]] == ["Greet", "Report"]
    assert [s["runbooks"] for s in result["objects"]["schedules"]["schedules"]][0][0]["name"] == "Report"


def test_without_objects_nothing_more_is_listed(monkeypatch):
    seeded(monkeypatch)
    assert "objects" not in info(monkeypatch)


def test_a_kind_whose_list_fails_is_reported_and_the_others_listed(monkeypatch):
    fake = seeded(monkeypatch)

    def forbidden(*_args, **_kwargs):
        raise HttpResponseError(message="Forbidden")

    monkeypatch.setattr(fake.automation.schedule, "list_by_automation_account", forbidden)
    result = info(monkeypatch, objects=["schedules", "variables"])
    assert result["objects"]["schedules"]["failed"] is True
    assert "listing the account's schedules" in result["objects"]["schedules"]["msg"]
    assert [v["name"] for v in result["objects"]["variables"]["variables"]] == ["Organization"]


def test_an_account_that_does_not_exist_holds_nothing(monkeypatch):
    seeded(monkeypatch)
    result = run_module(monkeypatch, automation_account_info.main,
                        {"resource_group": RG, "name": "aa-not-there", "objects": ["runbooks"]})
    assert result["automation_accounts"] == [] and result["objects"] == {"runbooks": {"runbooks": []}}


def test_objects_need_one_account(monkeypatch):
    fake = seeded(monkeypatch)
    result = run_module(monkeypatch, automation_account_info.main, {"resource_group": RG, "objects": ["runbooks"]})
    assert result["failed"] is True and result["option"] == "objects"
    assert fake.writes == []
