# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import validation as v

SUB = "11111111-1111-1111-1111-111111111111"


@pytest.mark.parametrize("kind,good,bad", [
    ("resource_group", ["rg", "a", "Rg_(1).x-y", "ü-group", "x" * 90], ["", "a/b", "end.", "x" * 91, "sp ace", "a#b"]),
    ("user_assigned_identity", ["id1", "id-exo_runbooks", "9ab", "x" * 128], ["ab", "-ab", "_ab", "a.b", "x" * 129]),
    ("automation_account", ["aa-exo", "Account1", "a" * 50], ["aa-ex", "1account", "account-", "acc_unt", "a" * 51]),
    ("runbook", ["Get-Mailbox", "a", "R_1", "a" * 63], ["", "1abc", "-ab", "a b", "a.b", "a" * 64, None]),
    ("module", ["ExchangeOnlineManagement", "Az.Accounts", "9x", "x" * 128],
     ["Exchange Online", "", "-x", "a/b", "x" * 129]),
    ("schedule", ["Nightly", "a", "every day 02:00".replace(":", "-"), "x" * 128],
     ["", " lead", "trail ", "a:b", "a/b", "a#b", "a%b", "x" * 129, "tab\tin"]),
    ("variable", ["ExchangeOrganization", "a b"], ["", " a", "a*b"]),
    ("webhook", ["enable-archive", "Hook 1"], ["", "a?b", "a<b"]),
    ("runtime_environment", ["exo-powershell-74", "PS7.4_env", "9env", "x" * 63],
     ["", "-env", ".env", "has space", "a/b", "x" * 64, None]),
])
def test_names(kind, good, bad):
    for name in good:
        assert v.check_name(kind, name) == name
    for name in bad:
        with pytest.raises(ModuleError) as err:
            v.check_name(kind, name, "name")
        assert err.value.option == "name"
        assert v.NAME_RULES[kind][1] in str(err.value)


def test_guid():
    assert v.check_guid(SUB, "subscription_id") == SUB
    with pytest.raises(ModuleError) as err:
        v.check_guid("abc", "principal", "the principal id")
    assert err.value.option == "principal" and "the principal id is a GUID" in str(err.value)
    assert v.check_guid(" %s " % SUB.upper(), "subscription_id") == SUB.lower()
    assert v.check_guid(None, "x") is None


@pytest.mark.parametrize("given,expected", [("westeurope", "westeurope"), ("West Europe", "westeurope"),
                                            ("EastUS2", "eastus2"), (None, None)])
def test_normalise_location(given, expected):
    assert v.normalise_location(given) == expected


@pytest.mark.parametrize("bad", ["west-europe", "1west", "w", "west_europe"])
def test_bad_location(bad):
    with pytest.raises(ModuleError) as err:
        v.normalise_location(bad)
    assert err.value.option == "location"


def test_location_available():
    regions = {"westeurope", "northeurope", "eastus"}
    assert v.check_location_available("eastus", regions) == "eastus"
    assert v.check_location_available("anywhere", None) == "anywhere"
    with pytest.raises(ModuleError) as err:
        v.check_location_available("westeruope", regions)
    assert "Did you mean westeurope" in str(err.value)
    assert "Allowed: eastus, northeurope, westeurope" in str(err.value)


def test_user_identity_references():
    full = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a" % SUB
    assert v.user_identity_id("id-a", SUB, "rg") == full
    assert v.user_identity_id("rg/id-a", SUB, "other") == full
    assert v.user_identity_id(full.replace("resourceGroups", "resourcegroups").replace(
        "Microsoft.ManagedIdentity", "microsoft.managedidentity"), SUB, "x") == full
    for bad in ("/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Web/sites/s" % SUB,
                "/subscriptions/nope/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i-d",
                "rg/sub/id", "a", ""):
        with pytest.raises(ModuleError) as err:
            v.user_identity_id(bad, SUB, "rg")
        assert err.value.option == "identity.user_assigned_identities"


def test_parse_resource_id():
    rid = "/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Automation/automationAccounts/aa/" % SUB
    assert v.parse_resource_id(rid) == {"subscription": SUB, "resource_group": "rg", "namespace": "Microsoft.Automation",
                                        "type": "automationAccounts", "name": "aa"}
    assert v.parse_resource_id("/subscriptions/x") is None


def test_tags():
    assert v.check_tags(None) is None
    assert v.check_tags({"a": 1, "b": None}) == {"a": "1", "b": ""}
    for bad in ({"a/b": "x"}, {"a": "x" * 257}, dict(("t%d" % i, "") for i in range(51))):
        with pytest.raises(ModuleError) as err:
            v.check_tags(bad)
        assert err.value.option == "tags"


def test_check_seconds():
    assert v.check_seconds(0, "timeout") == 0
    assert v.check_seconds(None, "timeout") is None
    with pytest.raises(ModuleError) as err:
        v.check_seconds(-1, "principal_wait_timeout")
    assert err.value.option == "principal_wait_timeout" and "0 or more seconds" in str(err.value)
