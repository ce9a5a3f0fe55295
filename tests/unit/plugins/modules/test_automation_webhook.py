# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from azure.core.exceptions import ResourceNotFoundError

from ansible_collections.m365.exo_automation.plugins.modules import automation_webhook, automation_webhook_info
from ansible_collections.m365.exo_automation.tests.unit.automation_assets_fake import FakeAssets
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import account_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA, NAME = "rg-exo", "aa-exo-automation", "enable-archive"
HOOK_ID = account_id(RG, AA) + "/webhooks/" + NAME
ARCHIVE = "param(\n    [Parameter(Mandatory = $true)] [string] $Mailbox, [string] $Note\n)\nWrite-Output $Mailbox\n"
HOOKED = "param(\n    [Parameter(Mandatory = $true)] [object] $WebhookData\n)\nWrite-Output $WebhookData\n"
EXPIRY = "2031-01-01T00:00:00.1234567+00:00"   # as seeded by add_webhook


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAssets.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    fake.add_runbook(RG, AA, "Enable-Archive", ARCHIVE)
    fake.add_runbook(RG, AA, "From-Webhook", HOOKED)
    return fake


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("account", AA)
    args.setdefault("name", NAME)
    return run_module(monkeypatch, automation_webhook.main, args, check_mode=check_mode, diff=True)


def methods(fake):
    return [(w[0], w[1].split("/automationAccounts/%s/" % AA, 1)[-1]) for w in fake.writes]


def without_uri(result):
    """Everything but webhook.uri, as text."""
    copy = json.loads(json.dumps(result))
    copy.get("webhook", {}).pop("uri", None)
    return json.dumps(copy)


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_returns_the_uri_once(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, runbook="enable-archive",
                 parameters={"Mailbox": "adele@contoso.com", "Note": 2})
    assert result["changed"] is True and result["recreated"] is False
    hook = result["webhook"]
    assert hook["runbook"] == "Enable-Archive"
    assert hook["is_enabled"] is True
    assert hook["expiry_time"] == "2031-01-01T12:00:00+00:00"   # one year after the fake's now
    assert hook["parameters"] == {"Mailbox": "adele@contoso.com", "Note": "2"}
    assert result["diff"]["before"] == {}
    assert "uri" not in result["diff"]["after"]
    if check_mode:
        assert fake.writes == [] and "uri" not in hook
        return
    assert methods(fake) == [("POST", "webhooks/generateUri"), ("PUT", "webhooks/" + NAME)]
    assert fake.writes[1][2] == {"name": NAME, "properties": {
        "isEnabled": True, "uri": fake.uris[0], "expiryTime": "2031-01-01T12:00:00+00:00",
        "runbook": {"name": "Enable-Archive"}, "parameters": {"Mailbox": "adele@contoso.com", "Note": "2"}}}
    assert hook["uri"] == fake.uris[0]
    assert "token=" not in without_uri(result)

    again = run(monkeypatch, runbook="Enable-Archive", parameters={"Mailbox": "adele@contoso.com", "Note": 2})
    assert again["changed"] is False
    assert "uri" not in again["webhook"]
    assert "token=" not in json.dumps(again)
    assert len(fake.writes) == 2


def test_expiry_time_is_compared_by_value(monkeypatch, fake):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"})
    result = run(monkeypatch, runbook="Enable-Archive", expiry_time="2031-01-01T01:00:00+01:00",
                 parameters={"Mailbox": "x"})
    assert result["changed"] is False
    assert result["webhook"]["expiry_time"] == "2031-01-01T00:00:00+00:00"
    assert fake.writes == []


@pytest.mark.parametrize("args,option,fragment", [
    ({"runbook": "Other"}, "runbook", "Azure cannot change its runbook (Enable-Archive, not Other)"),
    ({"runbook": "Enable-Archive", "expiry_time": "2032-01-01T00:00:00Z"}, "expiry_time",
     "its expiry time (2031-01-01T00:00:00+00:00, not 2032-01-01T00:00:00+00:00)"),
])
def test_runbook_and_expiry_cannot_change_without_recreate(monkeypatch, fake, args, option, fragment):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"})
    result = run(monkeypatch, **args)
    assert result["failed"]
    assert result["option"] == option
    assert fragment in result["msg"]
    assert "recreate=true" in result["msg"]
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_recreate_deletes_and_creates_with_a_new_uri(monkeypatch, fake, check_mode):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"}, enabled=False)
    result = run(monkeypatch, check_mode, runbook="From-Webhook", parameters={}, recreate=True)
    assert result["changed"] is True and result["recreated"] is True
    assert result["webhook"]["runbook"] == "From-Webhook"
    assert result["webhook"]["is_enabled"] is False          # kept
    assert result["webhook"]["expiry_time"] == "2031-01-01T00:00:00+00:00"   # kept: still in the future
    assert result["diff"]["before"]["runbook"] == "Enable-Archive"
    if check_mode:
        assert fake.writes == [] and "uri" not in result["webhook"]
        return
    assert methods(fake) == [("DELETE", "webhooks/" + NAME), ("POST", "webhooks/generateUri"),
                             ("PUT", "webhooks/" + NAME)]
    assert result["webhook"]["uri"] == fake.uris[0]
    assert any("old URI no longer works" in w for w in result["warnings"])
    assert not any("token=" in w for w in result["warnings"])


@pytest.mark.parametrize("check_mode", [True, False])
def test_renew_uri_creates_the_same_webhook_again_with_a_new_uri(monkeypatch, fake, check_mode):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"})
    result = run(monkeypatch, check_mode, runbook="Enable-Archive", renew_uri=True)
    assert result["changed"] is True and result["recreated"] is True
    assert result["webhook"]["runbook"] == "Enable-Archive"
    assert result["webhook"]["parameters"] == {"Mailbox": "x"}
    assert result["webhook"]["expiry_time"] == "2031-01-01T00:00:00+00:00"
    if check_mode:
        assert fake.writes == [] and "uri" not in result["webhook"]
        return
    assert methods(fake) == [("DELETE", "webhooks/" + NAME), ("POST", "webhooks/generateUri"),
                             ("PUT", "webhooks/" + NAME)]
    assert result["webhook"]["uri"] == fake.uris[0]


@pytest.mark.parametrize("check_mode", [True, False])
def test_enabled_parameters_and_run_on_are_patched(monkeypatch, fake, check_mode):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"})
    args = dict(runbook="Enable-Archive", is_enabled=False, parameters={"Mailbox": "y", "Note": True},
                run_on="workers")
    result = run(monkeypatch, check_mode, **args)
    assert result["changed"] is True
    assert result["webhook"]["is_enabled"] is False
    assert result["webhook"]["parameters"] == {"Mailbox": "y", "Note": "true"}
    assert result["webhook"]["run_on"] == "workers"
    assert result["diff"]["before"]["parameters"] == {"Mailbox": "x"}
    expected = [("PATCH", HOOK_ID, {"name": NAME, "properties": {"isEnabled": False, "parameters": {
        "Mailbox": "y", "Note": "true"}, "runOn": "workers"}})]
    assert fake.writes == ([] if check_mode else expected)
    assert run(monkeypatch, **args)["changed"] is check_mode


def test_unset_options_keep_the_current_values(monkeypatch, fake):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"}, run_on="workers", enabled=False)
    result = run(monkeypatch, runbook="Enable-Archive")
    assert result["changed"] is False
    assert result["webhook"]["run_on"] == "workers"
    assert fake.writes == []


@pytest.mark.parametrize("args,option,fragment", [
    ({"runbook": "Enable-Archive"}, "parameters", "needs the mandatory parameter Mailbox"),
    ({"runbook": "Enable-Archive", "parameters": {"Mailbox": "x", "Other": 1}}, "parameters", "has no parameter Other"),
    ({"runbook": "Missing"}, "runbook", "runbook Missing was not found"),
    ({}, "runbook", "runbook is required with state=present"),
    ({"runbook": "Enable-Archive", "parameters": {"Mailbox": "x"}, "expiry_time": "2029-01-01T00:00:00Z"},
     "expiry_time", "has passed"),
    ({"runbook": "Enable-Archive", "expiry_time": "soon"}, "expiry_time", "is not a date and time"),
    ({"runbook": "bad name!"}, "runbook", "not a valid runbook name"),
    ({"name": "a?b", "runbook": "Enable-Archive"}, "name", "not a valid webhook name"),
])
def test_bad_input_fails_before_any_write(monkeypatch, fake, args, option, fragment):
    result = run(monkeypatch, **args)
    assert result["failed"]
    assert result["option"] == option
    assert fragment in result["msg"]
    assert fake.writes == []


def test_webhook_data_is_filled_by_azure(monkeypatch, fake):
    result = run(monkeypatch, runbook="From-Webhook")
    assert result["changed"] is True
    bad = run(monkeypatch, name="other", runbook="From-Webhook", parameters={"Unknown": 1})
    assert bad["failed"] and bad["option"] == "parameters"


def test_check_mode_with_a_missing_runbook_warns(monkeypatch, fake):
    result = run(monkeypatch, True, runbook="Not-Yet")
    assert result["changed"] is True
    assert any("does not exist" in w for w in result["warnings"])


def test_an_expired_webhook_warns(monkeypatch, fake):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", expiry="2029-12-31T00:00:00+00:00", parameters={"Mailbox": "x"})
    result = run(monkeypatch, runbook="Enable-Archive")
    assert result["changed"] is False
    assert result["webhook"]["expired"] is True
    assert any("expired on 2029-12-31T00:00:00+00:00" in w for w in result["warnings"])
    renewed = run(monkeypatch, runbook="Enable-Archive", recreate=True, expiry_time="2030-06-01T00:00:00Z")
    assert renewed["recreated"] is True
    assert renewed["webhook"]["expiry_time"] == "2030-06-01T00:00:00+00:00"
    assert renewed["webhook"]["parameters"] == {"Mailbox": "x"}


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive")
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is True
    assert result["webhook"] == {} and result["diff"]["after"] == {}
    assert result["diff"]["before"]["runbook"] == "Enable-Archive"
    assert fake.writes == ([] if check_mode else [("DELETE", HOOK_ID, None)])
    assert run(monkeypatch, check_mode, state="absent")["changed"] is check_mode


def test_info(monkeypatch, fake):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"})
    fake.add_webhook(RG, AA, "another", "From-Webhook", expiry="2029-01-01T00:00:00Z")
    args = {"resource_group": RG, "account": AA}
    listed = run_module(monkeypatch, automation_webhook_info.main, args)
    assert [w["name"] for w in listed["webhooks"]] == ["another", NAME]
    assert listed["webhooks"][0]["expired"] is True
    assert listed["webhooks"][1]["expiry_time"] == "2031-01-01T00:00:00+00:00"
    assert all("uri" not in w for w in listed["webhooks"])
    by_runbook = run_module(monkeypatch, automation_webhook_info.main, dict(args, runbook="enable-archive"))
    assert [w["name"] for w in by_runbook["webhooks"]] == [NAME]
    assert run_module(monkeypatch, automation_webhook_info.main, dict(args, name="missing"))["webhooks"] == []


def test_the_uri_is_only_in_webhook_uri_of_the_creating_task(monkeypatch, fake):
    fake.add_webhook(RG, AA, NAME, "Enable-Archive", parameters={"Mailbox": "x"})
    result = run(monkeypatch, runbook="From-Webhook", parameters={}, recreate=True)
    assert result["recreated"] is True
    uri = fake.uris[0]
    assert result["webhook"]["uri"] == uri
    assert json.dumps(result).count("secret-1") == 1
    assert "uri" not in result["diff"]["before"] and "uri" not in result["diff"]["after"]
    for again in (run(monkeypatch, runbook="From-Webhook"), run(monkeypatch, True, runbook="From-Webhook"),
                  run(monkeypatch, runbook="From-Webhook", is_enabled=False),
                  run_module(monkeypatch, automation_webhook_info.main, {"resource_group": RG, "account": AA})):
        assert "secret-" not in json.dumps(again)
        assert "uri" not in again.get("webhook", {})


def test_a_read_that_lags_behind_the_create_returns_what_azure_answered(monkeypatch, fake):
    real_get = fake.automation.webhook.get
    calls = []

    def lagging_get(rg, account, name):
        calls.append(name)
        if len(calls) == 2:  # the read right after the create
            raise ResourceNotFoundError("not yet")
        return real_get(rg, account, name)

    monkeypatch.setattr(fake.automation.webhook, "get", lagging_get)
    result = run(monkeypatch, runbook="Enable-Archive", parameters={"Mailbox": "x"})
    assert result["changed"] is True
    assert result["webhook"]["id"] == HOOK_ID
    assert result["webhook"]["uri"] == fake.uris[0]


def test_check_mode_predicts_what_a_run_returns(monkeypatch, fake):
    args = dict(runbook="Enable-Archive", parameters={"Mailbox": "x"}, run_on="workers", is_enabled=False)
    predicted = run(monkeypatch, True, **args)
    done = run(monkeypatch, **args)
    drop = ("id", "uri", "creation_time", "last_modified_time")
    assert dict((k, v) for k, v in predicted["webhook"].items() if k not in drop) == \
        dict((k, v) for k, v in done["webhook"].items() if k not in drop)
    assert predicted["diff"] == done["diff"]
