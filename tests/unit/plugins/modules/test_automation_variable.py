# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule, ModuleError
from ansible_collections.m365.exo_automation.plugins.modules import automation_variable, automation_variable_info
from ansible_collections.m365.exo_automation.tests.unit.automation_assets_fake import FakeAssets
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import account_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA, NAME = "rg-exo", "aa-exo-automation", "ExchangeOrganization"
VAR_ID = account_id(RG, AA) + "/variables/" + NAME
SECRET = "s3cr3t-api-key-value"


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAssets.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    return fake


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("account", AA)
    args.setdefault("name", NAME)
    return run_module(monkeypatch, automation_variable.main, args, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_a_string(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, value="contoso.onmicrosoft.com", description="Initial domain")
    assert result["changed"] is True and result["value_changed"] is True
    assert result["variable"]["value"] == "contoso.onmicrosoft.com"
    assert result["variable"]["encrypted"] is False
    assert result["diff"] == {"before": {}, "after": {"name": NAME, "value": "contoso.onmicrosoft.com",
                                                      "encrypted": False, "description": "Initial domain"}}
    if check_mode:
        assert fake.writes == []
        return
    assert fake.writes == [("PUT", VAR_ID, {"name": NAME, "properties": {
        "value": '"contoso.onmicrosoft.com"', "isEncrypted": False, "description": "Initial domain"}})]
    assert run(monkeypatch, value="contoso.onmicrosoft.com")["changed"] is False
    assert len(fake.writes) == 1


@pytest.mark.parametrize("value,stored", [
    (5, "5"),
    (True, "true"),
    ({"retention_days": 365, "notify": ["it@contoso.com"]}, '{"notify":["it@contoso.com"],"retention_days":365}'),
    ([1, "two"], '[1,"two"]'),
    ("5", '"5"'),
])
def test_values_are_stored_as_json_and_read_back(monkeypatch, fake, value, stored):
    result = run(monkeypatch, value=value)
    assert fake.writes[0][2]["properties"]["value"] == stored
    assert result["variable"]["value"] == value
    listed = run_module(monkeypatch, automation_variable_info.main, {"resource_group": RG, "account": AA})
    assert listed["variables"][0]["value"] == value
    assert run(monkeypatch, value=value)["changed"] is False


@pytest.mark.parametrize("stored,value,changed", [
    ('{ "a": 1,  "b": [true] }', {"b": [True], "a": 1}, False),
    ('"5"', 5, True),
    ("1", True, True),
    ("true", 1, True),
    ("plain text written by another tool", "plain text written by another tool", False),
    ('"old"', "new", True),
])
def test_plain_values_are_compared_by_value(monkeypatch, fake, stored, value, changed):
    fake.add_variable(RG, AA, NAME, stored)
    result = run(monkeypatch, value=value)
    assert result["changed"] is changed
    assert result["value_changed"] is changed
    assert (fake.writes != []) is changed
    if changed:
        assert fake.writes[0][0] == "PUT"
        assert result["diff"]["after"]["value"] == value


def test_encrypted_value_is_never_returned_or_logged(monkeypatch, fake):
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    result = run(monkeypatch, name="TicketingApiKey", value=SECRET, encrypted=True)
    assert result["changed"] is True
    assert fake.writes[0][2]["properties"] == {"value": json.dumps(SECRET), "isEncrypted": True, "description": ""}
    assert result["variable"]["value"] is None and result["variable"]["encrypted"] is True
    assert result["diff"]["after"]["value"] == "(encrypted, replaced)"
    assert SECRET not in json.dumps(result)
    # the value is no_log from the start: the invocation log masks it
    assert logged and SECRET not in " ".join(logged)
    assert "value=NOT_LOGGING_PARAMETER" in " ".join(logged)


def record_masked(monkeypatch):
    """The values AnsibleModule masks in the result and its invocation, as the module exits."""
    masked = set()
    exit_ = ExoModule.exit

    def record(self, result):
        masked.update(self.module.no_log_values)
        return exit_(self, result)

    monkeypatch.setattr(ExoModule, "exit", record)
    return masked


def test_plain_value_is_returned_as_it_is_and_kept_out_of_the_log(monkeypatch, fake):
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    masked = record_masked(monkeypatch)
    value = {"domain": "contoso.onmicrosoft.com", "days": 365, "flags": [True, "on"]}
    result = run(monkeypatch, value=value)
    assert result["variable"]["value"] == value
    assert result["diff"]["after"]["value"] == value
    # not masked in the result (nor in the invocation AnsibleModule adds to it)
    assert not masked & {"contoso.onmicrosoft.com", "365", "on"}
    # the invocation log is written before the module knows whether the value is a secret
    assert "value=NOT_LOGGING_PARAMETER" in " ".join(logged)
    assert "contoso.onmicrosoft.com" not in " ".join(logged)


def test_a_plain_value_that_is_also_a_credential_stays_masked(monkeypatch, fake):
    masked = record_masked(monkeypatch)
    run(monkeypatch, value=SECRET, client_secret=SECRET)
    assert SECRET in masked


@pytest.mark.parametrize("update_encrypted,changed", [("on_create", False), ("always", True)])
def test_update_encrypted(monkeypatch, fake, update_encrypted, changed):
    fake.add_variable(RG, AA, NAME, '"old-secret"', encrypted=True)
    result = run(monkeypatch, value=SECRET, encrypted=True, update_encrypted=update_encrypted)
    assert result["changed"] is changed
    assert result["value_changed"] is changed
    assert result["diff"]["before"]["value"] == "(encrypted)"
    assert result["diff"]["after"]["value"] == ("(encrypted, replaced)" if changed else "(encrypted)")
    expected = [("PUT", VAR_ID, {"name": NAME, "properties": {"value": json.dumps(SECRET), "isEncrypted": True,
                                                              "description": ""}})]
    assert fake.writes == (expected if changed else [])
    assert SECRET not in json.dumps(result)


def test_a_value_for_a_variable_that_is_encrypted_in_azure_is_masked(monkeypatch, fake):
    masked = record_masked(monkeypatch)
    fake.add_variable(RG, AA, NAME, '"old-secret"', encrypted=True)
    result = run(monkeypatch, value={"token": SECRET, "flag": True}, update_encrypted="always")
    assert result["changed"] is True
    assert SECRET in masked and "True" not in masked
    assert SECRET not in json.dumps(result)


def test_encryption_cannot_change(monkeypatch, fake):
    fake.add_variable(RG, AA, NAME, '"x"')
    result = run(monkeypatch, value="x", encrypted=True)
    assert result["failed"] and result["option"] == "encrypted"
    assert "cannot change the encryption" in result["msg"]
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_description_only_is_patched(monkeypatch, fake, check_mode):
    fake.add_variable(RG, AA, NAME, '"x"', encrypted=True, description="old")
    result = run(monkeypatch, check_mode, description="new")
    assert result["changed"] is True and result["value_changed"] is False
    assert result["variable"]["description"] == "new"
    expected = [("PATCH", VAR_ID, {"name": NAME, "properties": {"description": "new"}})]
    assert fake.writes == ([] if check_mode else expected)


def test_value_is_required_to_create(monkeypatch, fake):
    result = run(monkeypatch, description="no value")
    assert result["failed"] and result["option"] == "value"
    assert fake.writes == []


def test_bad_name_fails_before_any_write(monkeypatch, fake):
    result = run(monkeypatch, name="a/b", value=1)
    assert result["failed"] and result["option"] == "name"
    assert fake.writes == []
    # a plain value masks nothing in the error text
    assert "1-128 characters" in result["msg"]


def test_an_encrypted_value_is_masked_in_errors_too(monkeypatch, fake):
    result = run(monkeypatch, name="a/b", value=SECRET, encrypted=True)
    assert result["failed"] and result["option"] == "name"
    assert SECRET not in json.dumps(result)


@pytest.mark.parametrize("value", [object(), float("nan")])
def test_values_that_are_not_json_fail_naming_the_option(value):
    with pytest.raises(ModuleError) as err:
        assets.encode_value(value)
    assert err.value.option == "value"


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    fake.add_variable(RG, AA, NAME, '"x"')
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is True
    assert result["variable"] == {} and result["diff"]["after"] == {}
    assert result["diff"]["before"]["value"] == "x"
    assert fake.writes == ([] if check_mode else [("DELETE", VAR_ID, None)])
    assert run(monkeypatch, check_mode, state="absent")["changed"] is check_mode


def test_check_mode_on_a_missing_account_warns(monkeypatch, fake):
    result = run(monkeypatch, True, account="aa-not-yet-there", value=1)
    assert result["changed"] is True
    assert any("does not exist" in w for w in result["warnings"])


def test_info(monkeypatch, fake):
    fake.add_variable(RG, AA, NAME, '"contoso.onmicrosoft.com"', description="domain")
    fake.add_variable(RG, AA, "ApiKey", '"secret"', encrypted=True)
    args = {"resource_group": RG, "account": AA}
    listed = run_module(monkeypatch, automation_variable_info.main, args)
    assert [(v["name"], v["value"], v["encrypted"]) for v in listed["variables"]] == [
        ("ApiKey", None, True), (NAME, "contoso.onmicrosoft.com", False)]
    one = run_module(monkeypatch, automation_variable_info.main, dict(args, name=NAME))
    assert one["variables"][0]["description"] == "domain"
    assert run_module(monkeypatch, automation_variable_info.main, dict(args, name="missing"))["variables"] == []


@pytest.mark.parametrize("encrypted", [False, True])
def test_check_mode_predicts_what_a_real_run_returns(monkeypatch, fake, encrypted):
    args = dict(value={"days": 365}, encrypted=encrypted, description="settings")
    predicted = run(monkeypatch, True, **args)
    assert fake.writes == []
    done = run(monkeypatch, **args)
    assert predicted["changed"] is done["changed"] is True
    assert predicted["value_changed"] is done["value_changed"] is True
    assert predicted["variable"]["id"] == done["variable"]["id"] == VAR_ID
    for key in ("name", "value", "encrypted", "description"):
        assert predicted["variable"][key] == done["variable"][key], key
    assert sorted(predicted["variable"]) == sorted(done["variable"])
    assert predicted["diff"] == done["diff"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_plain_value_and_description_in_one_write(monkeypatch, fake, check_mode):
    fake.add_variable(RG, AA, NAME, '"old"', description="old")
    result = run(monkeypatch, check_mode, value="new", description="new")
    assert result["changed"] is True and result["value_changed"] is True
    assert result["variable"]["value"] == "new" and result["variable"]["description"] == "new"
    assert result["diff"]["before"]["value"] == "old" and result["diff"]["after"]["value"] == "new"
    expected = [("PUT", VAR_ID, {"name": NAME, "properties": {"value": '"new"', "isEncrypted": False,
                                                              "description": "new"}})]
    assert fake.writes == ([] if check_mode else expected)


def test_a_short_encrypted_value_is_masked_as_a_word_not_inside_words(monkeypatch, fake):
    fake.add_variable(RG, AA, "ExoApiKey", '"old"', encrypted=True)
    # rotated without repeating encrypted: true; the value is a single letter
    result = run(monkeypatch, name="ExoApiKey", value="y", update_encrypted="always",
                 description="key y of the ticketing system")
    assert result["changed"] is True
    assert fake.writes[-1][2]["properties"]["value"] == '"y"'
    assert result["invocation"]["module_args"]["value"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["variable"]["name"] == "ExoApiKey" and result["variable"]["encrypted"] is True
    assert result["variable"]["description"] == "key ******** of the ticketing system"
    assert "ExoApiKe*" not in json.dumps(result) and "encr*" not in json.dumps(result)


def test_the_invocation_never_shows_the_value_of_a_variable_that_is_encrypted_in_azure(monkeypatch, fake):
    fake.add_variable(RG, AA, NAME, '"old-secret"', encrypted=True)
    # encrypted is not repeated, and the run fails before the module has read the variable
    result = run(monkeypatch, value=SECRET, update_encrypted="always", resource_group="rg bad name!")
    assert result["failed"]
    assert SECRET not in json.dumps(result)
    assert result["invocation"]["module_args"]["value"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
