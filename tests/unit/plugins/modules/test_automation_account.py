# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.modules import automation_account, automation_account_info
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import (
    SUB,
    FakeAzure,
    account_id,
    identity_id,
)
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG = "rg-one"
NAME = "aa-exo-one"
AID = account_id(RG, NAME)


@pytest.fixture
def fake(monkeypatch):
    f = FakeAzure.install(monkeypatch)
    f.add_group(RG)
    f.add_group("rg-other")
    f.ids = {
        "one": f.add_identity(RG, "id-one"),
        "two": f.add_identity(RG, "id-two"),
        "other": f.add_identity("rg-other", "id-other"),
    }
    return f


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("name", NAME)
    return run_module(monkeypatch, automation_account.main, args, check_mode=check_mode, diff=True)


def seed(fake, ident_type="None", users=(), **props):
    identity = {"type": ident_type}
    if users:
        identity["userAssignedIdentities"] = dict((fake.ids[u]["id"], {}) for u in users)
    return fake.add_account(RG, NAME, identity=identity, **props)


def user_ids(result):
    return [u["name"] for u in result["automation_account"]["identity"]["user_assigned_identities"]]


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_with_system_identity(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, identity={"type": "system"}, disable_local_auth=True, tags={"a": "b"})
    assert result["changed"] is True
    acc = result["automation_account"]
    assert acc["id"] == AID and acc["sku"] == "Basic" and acc["location"] == "westeurope"
    assert acc["disable_local_auth"] is True and acc["public_network_access"] is True
    assert acc["identity"]["type"] == "system"
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["identity"] == {"type": "system", "user_assigned_identities": []}
    assert "creation_time" not in result["diff"]["after"]
    if check_mode:
        assert fake.writes == []
        assert acc["identity"]["principal_id"] is None
    else:
        (method, rid, body), = fake.writes
        assert (method, rid) == ("PUT", AID)
        assert body == {"location": "westeurope", "tags": {"a": "b"},
                        "properties": {"sku": {"name": "Basic"}, "disableLocalAuth": True},
                        "identity": {"type": "SystemAssigned"}}
        assert acc["identity"]["principal_id"] == fake.accounts[AID.lower()]["identity"]["principalId"]


def test_create_with_both_returns_every_principal(monkeypatch, fake):
    result = run(monkeypatch, identity={"type": "both", "user_assigned_identities": [
        "id-one", "rg-other/id-other", fake.ids["two"]["id"]]})
    ident = result["automation_account"]["identity"]
    assert ident["type"] == "both" and ident["principal_id"]
    by_name = dict((u["name"], u) for u in ident["user_assigned_identities"])
    assert sorted(by_name) == ["id-one", "id-other", "id-two"]
    for key, name in (("one", "id-one"), ("two", "id-two"), ("other", "id-other")):
        assert by_name[name]["principal_id"] == fake.ids[key]["principal_id"]
        assert by_name[name]["client_id"] == fake.ids[key]["client_id"]
    body = fake.writes[0][2]
    assert body["identity"] == {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {
        identity_id(RG, "id-one"): {}, identity_id("rg-other", "id-other"): {}, identity_id(RG, "id-two"): {}}}


def test_check_mode_create_predicts_user_identity_ids(monkeypatch, fake):
    result = run(monkeypatch, True, identity={"type": "user", "user_assigned_identities": ["id-one"]})
    (user,) = result["automation_account"]["identity"]["user_assigned_identities"]
    assert user["principal_id"] == fake.ids["one"]["principal_id"]
    assert user["client_id"] == fake.ids["one"]["client_id"]
    assert fake.writes == []


def test_unchanged_account(monkeypatch, fake):
    seed(fake, "SystemAssigned, UserAssigned", ["one"], disableLocalAuth=True)
    result = run(monkeypatch, identity={"type": "both", "user_assigned_identities": [identity_id(RG, "ID-ONE")]},
                 disable_local_auth=True, sku="Basic", location="West Europe")
    assert result["changed"] is False
    assert fake.writes == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_no_identity_option_keeps_identity(monkeypatch, fake):
    seed(fake, "SystemAssigned")
    result = run(monkeypatch, tags={})
    assert result["changed"] is False
    assert result["automation_account"]["identity"]["type"] == "system"


# (current type, current users) -> (requested, expected PATCH identity body)
TRANSITIONS = [
    ("None", [], {"type": "system"}, {"type": "SystemAssigned"}),
    ("SystemAssigned", [], {"type": "none"}, {"type": "None"}),
    ("SystemAssigned", [], {"type": "user", "user_assigned_identities": ["id-one"]},
     {"type": "UserAssigned", "userAssignedIdentities": {identity_id(RG, "id-one"): {}}}),
    ("UserAssigned", ["one"], {"type": "both", "user_assigned_identities": ["id-one"]},
     {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {identity_id(RG, "id-one"): {}}}),
    ("SystemAssigned, UserAssigned", ["one"], {"type": "system"}, {"type": "SystemAssigned"}),
    ("SystemAssigned, UserAssigned", ["one", "two"], {"type": "both", "user_assigned_identities": ["id-two"]},
     {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {
         identity_id(RG, "id-two"): {}, identity_id(RG, "id-one"): None}}),
    ("UserAssigned", ["one"], {"type": "user", "user_assigned_identities": ["id-two"], "exclusive": False},
     {"type": "UserAssigned", "userAssignedIdentities": {identity_id(RG, "id-two"): {}, identity_id(RG, "id-one"): {}}}),
    ("UserAssigned", ["one"], {"type": "none"}, {"type": "None"}),
]


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("old_type,old_users,requested,patch", TRANSITIONS)
def test_identity_changes_in_place(monkeypatch, fake, check_mode, old_type, old_users, requested, patch):
    seed(fake, old_type, old_users)
    before = fake.accounts[AID.lower()]
    old_principal = (before.get("identity") or {}).get("principalId")
    result = run(monkeypatch, check_mode, identity=requested)
    assert result["changed"] is True
    ident = result["automation_account"]["identity"]
    assert ident["type"] == requested["type"]
    expected_users = sorted(set(requested.get("user_assigned_identities", [])) | (
        set("id-" + u for u in old_users) if requested.get("exclusive") is False else set()))
    assert user_ids(result) == expected_users
    assert result["diff"]["after"]["identity"]["type"] == requested["type"]
    if check_mode:
        assert fake.writes == []
    else:
        assert fake.writes == [("PATCH", AID, {"identity": patch})]
        assert fake.accounts[AID.lower()]["identity"]["type"] == patch["type"]
    if requested["type"] in ("system", "both") and old_principal:
        assert ident["principal_id"] == old_principal
    if requested["type"] in ("none", "user"):
        assert ident["principal_id"] is None


def test_missing_user_identity_fails_before_any_write(monkeypatch, fake):
    seed(fake, "SystemAssigned")
    result = run(monkeypatch, identity={"type": "both", "user_assigned_identities": ["id-one", "id-missing"]})
    assert result["failed"]
    assert result["option"] == "identity.user_assigned_identities"
    assert "id-missing" in result["msg"] and "does not exist" in result["msg"]
    assert fake.writes == []


def test_missing_user_identity_in_check_mode_is_predicted_with_a_warning(monkeypatch, fake):
    seed(fake, "SystemAssigned")
    result = run(monkeypatch, True, identity={"type": "both", "user_assigned_identities": ["id-new"]})
    assert result["changed"] is True
    (user,) = result["automation_account"]["identity"]["user_assigned_identities"]
    assert user["name"] == "id-new" and user["principal_id"] is None
    assert "id-new" in result["warnings"][0]
    assert fake.writes == []


def test_whole_setup_in_check_mode_without_resource_group(monkeypatch, fake):
    result = run(monkeypatch, True, resource_group="rg-new",
                 identity={"type": "user", "user_assigned_identities": ["id-new"]})
    assert result["changed"] is True
    assert len(result["warnings"]) == 2
    assert fake.writes == []


def test_missing_user_identity_on_create(monkeypatch, fake):
    result = run(monkeypatch, identity={"type": "user", "user_assigned_identities": ["id-missing"]})
    assert result["failed"] and fake.writes == []


@pytest.mark.parametrize("identity,fragment", [
    ({"type": "user"}, "is required with identity.type user"),
    ({"type": "both", "user_assigned_identities": []}, "is required with identity.type both"),
    ({"type": "system", "user_assigned_identities": ["id-one"]}, "use type user or both"),
    ({"type": "user", "user_assigned_identities": ["/subscriptions/x/resourceGroups/r/providers/Microsoft.Web/sites/s"]},
     "is not a user-assigned identity resource id"),
    ({"type": "user", "user_assigned_identities": ["bad name!"]}, "is not a valid user assigned identity name"),
])
def test_bad_identity_input(monkeypatch, fake, identity, fragment):
    result = run(monkeypatch, identity=identity)
    assert result["failed"], result
    assert fragment in result["msg"]
    assert result["option"] == "identity.user_assigned_identities"
    assert fake.writes == []


def test_bad_identity_type_is_rejected_by_argspec(monkeypatch, fake):
    result = run(monkeypatch, identity={"type": "SystemAssigned"})
    assert result["failed"] and "identity" in result["msg"] and "none, system, user, both" in result["msg"]


@pytest.mark.parametrize("name", ["short", "1starts-with-digit", "ends-with-", "under_score", "x" * 51])
def test_bad_account_name(monkeypatch, fake, name):
    result = run(monkeypatch, name=name)
    assert result["failed"] and result["option"] == "name"
    assert "6-50 characters" in result["msg"]


def test_missing_resource_group(monkeypatch, fake):
    result = run(monkeypatch, resource_group="rg-none")
    assert result["failed"] and result["option"] == "resource_group" and fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_settings_and_tags_update(monkeypatch, fake, check_mode):
    seed(fake, "None")
    fake.accounts[AID.lower()]["tags"] = {"keep": "1"}
    result = run(monkeypatch, check_mode, sku="Free", public_network_access=False, disable_local_auth=True,
                 tags={"new": "2"}, purge_tags=False)
    assert result["changed"] is True
    acc = result["automation_account"]
    assert (acc["sku"], acc["public_network_access"], acc["disable_local_auth"]) == ("Free", False, True)
    assert acc["tags"] == {"keep": "1", "new": "2"}
    assert result["diff"]["before"]["sku"] == "Basic" and result["diff"]["after"]["sku"] == "Free"
    if check_mode:
        assert fake.writes == []
    else:
        assert fake.writes == [("PATCH", AID, {
            "properties": {"sku": {"name": "Free"}, "publicNetworkAccess": False, "disableLocalAuth": True},
            "tags": {"keep": "1", "new": "2"}})]


def test_location_cannot_change(monkeypatch, fake):
    seed(fake)
    result = run(monkeypatch, location="eastus")
    assert result["failed"] and result["option"] == "location" and fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    seed(fake, "SystemAssigned")
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is True and result["automation_account"] == {}
    assert result["diff"]["after"] == {} and result["diff"]["before"]["name"] == NAME
    assert fake.writes == ([] if check_mode else [("DELETE", AID, None)])


def test_absent_when_missing(monkeypatch, fake):
    result = run(monkeypatch, state="absent")
    assert result["changed"] is False and fake.writes == []


def test_identity_in_another_subscription_is_not_looked_up(monkeypatch, fake):
    other = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/" \
            "Microsoft.ManagedIdentity/userAssignedIdentities/id-far"
    result = run(monkeypatch, True, identity={"type": "user", "user_assigned_identities": [other]})
    assert result["changed"] is True
    assert result["automation_account"]["identity"]["user_assigned_identities"][0]["id"] == other
    assert SUB not in other


def test_info(monkeypatch, fake):
    seed(fake, "SystemAssigned, UserAssigned", ["one"])
    fake.automation.automation_account.create_or_update(
        "rg-other", "aa-exo-two", {"location": "westeurope", "tags": {"t": "1"}})

    def info(**args):
        return run_module(monkeypatch, automation_account_info.main, args)

    assert [a["name"] for a in info()["automation_accounts"]] == [NAME, "aa-exo-two"]
    (one,) = info(resource_group=RG, name=NAME)["automation_accounts"]
    assert one["identity"]["type"] == "both"
    assert one["identity"]["principal_id"] == fake.accounts[AID.lower()]["identity"]["principalId"]
    assert one["identity"]["user_assigned_identities"][0]["client_id"] == fake.ids["one"]["client_id"]
    assert info(resource_group=RG, name="aa-missing")["automation_accounts"] == []
    assert [a["name"] for a in info(tags={"t": "1"})["automation_accounts"]] == ["aa-exo-two"]
    assert info(resource_group="rg-none")["automation_accounts"] == []
