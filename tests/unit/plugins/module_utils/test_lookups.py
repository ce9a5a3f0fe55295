# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolution of principals, resources, app roles and Entra roles (module_utils/lookups.py, wellknown.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import lookups as g
from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.tests.unit.plugins.module_utils.test_graph import (
    Server,
    graph_error_body,
    make,
)

EXO_ROLES = [
    {"id": wk.MANAGE_AS_APP_ROLE_ID, "value": "Exchange.ManageAsApp", "allowedMemberTypes": ["Application"],
     "isEnabled": True, "displayName": "Manage Exchange As Application"},
    {"id": "dc890d15-9560-4a4c-9b7f-a736ec74ec40", "value": "full_access_as_app",
     "allowedMemberTypes": ["Application"], "isEnabled": True},
    {"id": "aaaaaaaa-0000-0000-0000-000000000001", "value": "Mailbox.Users", "allowedMemberTypes": ["User"],
     "isEnabled": True},
    {"id": "aaaaaaaa-0000-0000-0000-000000000002", "value": "Old.Role", "allowedMemberTypes": ["Application"],
     "isEnabled": False},
]

DEFINITIONS = [{"id": tid, "templateId": tid, "displayName": name, "isBuiltIn": True}
               for name, tid in wk.ENTRA_ROLES.items()]


# -- wellknown --------------------------------------------------------------------------------------------
def test_wellknown_matches_the_shared_spec():
    path = "/work/shared/specs/graph/wellknown.json"
    if not os.path.exists(path):
        pytest.skip("shared spec not present")
    with open(path) as f:
        spec = json.load(f)
    exo = spec["resource_applications"]["office_365_exchange_online"]
    assert wk.EXCHANGE_ONLINE_APP_ID == exo["appId"]
    assert wk.MICROSOFT_GRAPH_APP_ID == spec["resource_applications"]["microsoft_graph"]["appId"]
    assert wk.EXCHANGE_ONLINE_APP_ROLES == {k: v["id"] for k, v in exo["appRoles"].items()}
    assert wk.ENTRA_ROLES == {r["displayName"]: r["templateId"] for r in spec["entra_builtin_roles"]["all_roles"]}
    assert list(wk.EXCHANGE_ONLINE_ACCEPTED_ROLES) == exo["exchange_online_powershell_supported_entra_roles"]["roles"]


@pytest.mark.parametrize("name,app_id", [
    ("Office 365 Exchange Online", wk.EXCHANGE_ONLINE_APP_ID),
    ("exchange_online", wk.EXCHANGE_ONLINE_APP_ID),
    ("Exchange Online", wk.EXCHANGE_ONLINE_APP_ID),
    ("Microsoft Graph", wk.MICROSOFT_GRAPH_APP_ID),
    ("microsoft_graph", wk.MICROSOFT_GRAPH_APP_ID),
    ("Contoso App", None),
    (None, None),
])
def test_well_known_app_names(name, app_id):
    assert wk.app_id_for(name) == app_id


# -- app roles ----------------------------------------------------------------------------------------------
def test_app_roles_by_value_id_and_case():
    roles = g.resolve_app_roles(["Exchange.ManageAsApp", "DC890D15-9560-4a4c-9b7f-a736ec74ec40",
                                 "exchange.manageasapp"], EXO_ROLES)
    assert [r["value"] for r in roles] == ["Exchange.ManageAsApp", "full_access_as_app"]


def test_unknown_app_role_names_the_option_allowed_values_and_closest():
    with pytest.raises(ModuleError) as info:
        g.resolve_app_roles(["Exchange.ManageAsAp"], EXO_ROLES, resource_name="Office 365 Exchange Online")
    msg = info.value.message
    assert msg.startswith("option 'app_roles':")
    assert "closest: Exchange.ManageAsApp" in msg
    assert "allowed: Exchange.ManageAsApp, Mailbox.Users, Old.Role, full_access_as_app" in msg
    assert info.value.option == "app_roles"


def test_malformed_guid_app_role():
    with pytest.raises(ModuleError) as info:
        g.resolve_app_roles(["dc50a0fb-09a3-484d-be87-e023b12c644"], EXO_ROLES)
    assert "is not a valid GUID" in info.value.message


def test_app_role_for_users_only_or_disabled_is_refused():
    with pytest.raises(ModuleError) as info:
        g.resolve_app_roles(["Mailbox.Users", "Old.Role"], EXO_ROLES)
    assert "can only be assigned to User" in info.value.message
    assert "'Old.Role' is disabled" in info.value.message


# -- directory roles ---------------------------------------------------------------------------------------
def test_directory_roles_by_name_any_case_and_template_id():
    roles = g.resolve_directory_roles(["exchange administrator", wk.ENTRA_ROLES["Global Reader"]], DEFINITIONS)
    assert [r["displayName"] for r in roles] == ["Exchange Administrator", "Global Reader"]


def test_unknown_directory_role_lists_closest_names():
    with pytest.raises(ModuleError) as info:
        g.resolve_directory_roles(["Exchange Admin"], DEFINITIONS)
    msg = info.value.message
    assert msg.startswith("option 'roles': unknown Entra role 'Exchange Admin'; closest valid names:")
    assert "Exchange Administrator" in msg


def test_directory_role_bad_guid_and_unknown_guid():
    with pytest.raises(ModuleError) as info:
        g.resolve_directory_roles(["62e90394-69f5-4237-9190-012177145e1", "00000000-0000-0000-0000-000000000000"],
                                  DEFINITIONS)
    assert "'62e90394-69f5-4237-9190-012177145e1' is not a valid GUID" in info.value.message
    assert "no Entra role definition has the id or template id 00000000" in info.value.message


# -- resources ----------------------------------------------------------------------------------------------
class FakeGraph:
    """A GraphClient whose socket is a tenant holding ``sps``; ``calls`` records how each was looked up."""

    def __new__(cls, sps):
        calls = []

        def answer(request):
            path = request.url.path
            assert path.startswith("/v1.0/servicePrincipals"), path
            if path == "/v1.0/servicePrincipals":
                match = re.match(r"^(appId|displayName) eq '(.*)'$", request.url.params["$filter"])
                field, value = match.group(1), match.group(2).replace("''", "'")
                calls.append((field, value))
                return (200, {"value": [s for s in sps if s[field] == value]})
            object_id = path.rsplit("/", 1)[1]
            calls.append(("id", object_id))
            found = next((s for s in sps if s["id"] == object_id), None)
            if found is None:
                return (404, graph_error_body("Request_ResourceNotFound", "Resource '%s' does not exist" % object_id))
            return (200, found)

        client = make(Server(answer))
        client.calls = calls
        return client


EXO_SP = {"id": "e0000000-0000-0000-0000-000000000001", "appId": wk.EXCHANGE_ONLINE_APP_ID,
          "displayName": "Office 365 Exchange Online"}
APP_SP = {"id": "a0000000-0000-0000-0000-000000000001", "appId": "a0000000-0000-0000-0000-0000000000ff",
          "displayName": "Contoso"}


def test_resource_by_well_known_name_uses_the_app_id():
    fake = FakeGraph([EXO_SP])
    assert g.resolve_resource(fake, "Office 365 Exchange Online") == (EXO_SP, wk.EXCHANGE_ONLINE_APP_ID)
    assert fake.calls == [("appId", wk.EXCHANGE_ONLINE_APP_ID)]


def test_resource_by_app_id_then_object_id_then_display_name():
    fake = FakeGraph([EXO_SP, APP_SP])
    assert g.resolve_resource(fake, APP_SP["appId"])[0] == APP_SP
    assert g.resolve_resource(fake, APP_SP["id"].upper())[0] == APP_SP
    assert g.resolve_resource(fake, "Contoso")[0] == APP_SP


def test_missing_exchange_online_resource_knows_its_app_id():
    fake = FakeGraph([])
    sp, app_id = g.resolve_resource(fake, "exchange_online")
    assert sp is None and app_id == wk.EXCHANGE_ONLINE_APP_ID
    err = g.missing_resource_error("exchange_online", app_id)
    assert "m365.exo_automation.service_principal" in err.message and wk.EXCHANGE_ONLINE_APP_ID in err.message


def test_resource_malformed_guid():
    with pytest.raises(ModuleError) as info:
        g.resolve_resource(FakeGraph([]), "00000002-0000-0ff1-ce00-00000000000")
    assert info.value.message.startswith("option 'resource': '00000002-0000-0ff1-ce00-00000000000' is not a valid GUID")


def test_resource_display_name_that_is_ambiguous():
    twin = dict(APP_SP, id="a0000000-0000-0000-0000-000000000002")
    with pytest.raises(ModuleError) as info:
        g.resolve_resource(FakeGraph([APP_SP, twin]), "Contoso")
    assert "2 service principals are named 'Contoso'" in info.value.message


# -- principals -----------------------------------------------------------------------------------------------
class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class NotFound(Exception):
    status_code = 404


class FakeModule:
    def __init__(self, check_mode=False, accounts=None, identities=None, subscription="sub-1"):
        self.check_mode = check_mode
        self.warnings = []
        self.accounts = accounts or {}
        self.identities = identities or {}
        self._sub = subscription
        self.built = []

    def warn(self, msg):
        self.warnings.append(msg)

    def subscription_id(self):
        if not self._sub:
            raise ModuleError("subscription_id is required")
        return self._sub

    def _getter(self, table):
        def get(rg, name):
            key = (rg.lower(), name.lower())
            if key not in table:
                from azure.core.exceptions import ResourceNotFoundError

                raise ResourceNotFoundError("not found")
            return table[key]
        return get

    def arm_client(self, kind, subscription_id=None):
        self.built.append((kind, subscription_id))
        if kind == "automation":
            return Obj(automation_account=Obj(get=self._getter(self.accounts)))
        return Obj(user_assigned_identities=Obj(get=self._getter(self.identities)))


AA_ID = "/subscriptions/sub-1/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo"
UAI_ID = "/subscriptions/sub-1/resourceGroups/rg-exo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo"


def test_principal_object_id_is_taken_as_is():
    p = g.resolve_principal(FakeModule(), "AAAAAAAA-0000-0000-0000-000000000001")
    assert p == {"id": "aaaaaaaa-0000-0000-0000-000000000001", "source": "object_id", "resource_id": None,
                 "client_id": None}


def test_principal_malformed_guid():
    with pytest.raises(ModuleError) as info:
        g.resolve_principal(FakeModule(), "not-a-guid")
    assert info.value.message.startswith("option 'principal': 'not-a-guid' is not a valid GUID")


def test_principal_from_automation_account_system_identity():
    m = FakeModule(accounts={("rg-exo", "aa-exo"): Obj(identity=Obj(principal_id="P-1", type="SystemAssigned"))})
    p = g.resolve_principal(m, AA_ID)
    assert p["id"] == "p-1" and p["source"] == "automation_account"


def test_principal_from_account_without_system_identity():
    m = FakeModule(accounts={("rg-exo", "aa-exo"): Obj(identity=None)})
    p = g.resolve_principal(m, AA_ID)
    assert p["id"] is None and "no system-assigned managed identity" in p["missing"]
    with pytest.raises(ModuleError) as info:
        g.require_principal(m, p)
    assert info.value.option == "principal"


def test_principal_from_user_assigned_identity():
    m = FakeModule(identities={("rg-exo", "id-exo"): Obj(principal_id="P-2", client_id="C-2")})
    p = g.resolve_principal(m, UAI_ID.lower())
    assert (p["id"], p["client_id"], p["source"]) == ("p-2", "C-2", "user_assigned_identity")


def test_missing_identity_fails_but_check_mode_predicts():
    p = g.resolve_principal(FakeModule(), UAI_ID)
    assert p["id"] is None
    with pytest.raises(ModuleError) as info:
        g.require_principal(FakeModule(), p)
    assert "does not exist" in info.value.message
    check = FakeModule(check_mode=True)
    assert g.require_principal(check, p) is None
    assert "predicted" in check.warnings[0]


def test_unsupported_resource_type():
    with pytest.raises(ModuleError) as info:
        g.resolve_principal(FakeModule(), "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm")
    assert "Microsoft.Compute/virtualMachines" in info.value.message


def test_principal_names_the_subscription_of_its_resource_id():
    m = FakeModule(subscription="sub-other", identities={("rg-exo", "id-exo"): Obj(principal_id="P-3", client_id="C-3")})
    assert g.resolve_principal(m, UAI_ID)["id"] == "p-3"
    assert m.built == [("msi", "sub-1")]
