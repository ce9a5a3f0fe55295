"""Resource groups, user-assigned identities and Automation accounts of the emulator, through plain HTTP and
through the real SDKs (azure-mgmt-resource, azure-mgmt-msi, azure-mgmt-automation)."""
import pytest

from .helpers import GRAPH_SCOPE, arm, assert_schema, call, credential, sdk_kwargs

ACCOUNTS = "/providers/Microsoft.Automation/automationAccounts"
IDENTITIES = "/providers/Microsoft.ManagedIdentity/userAssignedIdentities"


# -- fixtures and small helpers --------------------------------------------------------------------
@pytest.fixture
def sub(emulator):
    return emulator.health["subscription_id"]


def rg_path(sub, rg):
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def make_rg(emulator, sub, rg="rg-exo", location="westeurope"):
    status, _h, body = arm(emulator, "PUT", rg_path(sub, rg), {"location": location})
    assert status in (200, 201), body
    return rg_path(sub, rg)


def make_identity(emulator, sub, rg, name):
    status, _h, body = arm(emulator, "PUT", rg_path(sub, rg) + f"{IDENTITIES}/{name}", {"location": "westeurope"})
    assert status in (200, 201), body
    return body


def make_account(emulator, sub, rg, name, **extra):
    body = {"location": "westeurope", "properties": {"sku": {"name": "Basic"}}}
    body.update(extra)
    status, _h, resp = arm(emulator, "PUT", rg_path(sub, rg) + f"{ACCOUNTS}/{name}", body)
    assert status in (200, 201), resp
    return resp


def service_principals(emulator):
    return emulator.state()["graph"].get("servicePrincipals", {})


def error_of(result):
    status, _h, body = result
    return status, body["error"]["code"], body["error"]["message"]


@pytest.fixture
def clients(emulator_env, emulator, sub):
    from azure.mgmt.automation import AutomationClient
    from azure.mgmt.msi import ManagedServiceIdentityClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    cred = credential(emulator)
    kw = sdk_kwargs(emulator)
    return (ResourceManagementClient(cred, sub, **kw), ManagedServiceIdentityClient(cred, sub, **kw),
            AutomationClient(cred, sub, **kw))


# -- SDK flows -------------------------------------------------------------------------------------
def test_sdk_creates_group_identity_and_account_with_system_identity(emulator, clients, sub):
    from azure.mgmt.automation.models import AutomationAccountCreateOrUpdateParameters, Identity, Sku

    resources, msi, automation = clients
    group = resources.resource_groups.create_or_update("rg-exo", {"location": "West Europe", "tags": {"env": "t"}})
    assert (group.name, group.location, group.properties.provisioning_state) == ("rg-exo", "westeurope", "Succeeded")
    assert resources.resource_groups.check_existence("rg-exo") is True
    assert resources.resource_groups.check_existence("rg-none") is False

    uai = msi.user_assigned_identities.create_or_update("rg-exo", "id-exo", {"location": "westeurope"})
    assert uai.tenant_id == emulator.health["tenant_id"]
    assert uai.principal_id and uai.client_id and uai.principal_id != uai.client_id

    account = automation.automation_account.create_or_update(
        "rg-exo", "aa-exo-test",
        AutomationAccountCreateOrUpdateParameters(location="westeurope", sku=Sku(name="Basic"),
                                                  identity=Identity(type="SystemAssigned"), tags={"a": "1"}))
    assert account.identity.type == "SystemAssigned"
    assert account.identity.tenant_id == emulator.health["tenant_id"]
    assert account.state == "Ok" and account.sku.name == "Basic" and account.tags == {"a": "1"}
    again = automation.automation_account.get("rg-exo", "aa-exo-test")
    assert again.identity.principal_id == account.identity.principal_id
    assert [a.name for a in automation.automation_account.list_by_resource_group("rg-exo")] == ["aa-exo-test"]
    assert [a.name for a in automation.automation_account.list()] == ["aa-exo-test"]

    sps = service_principals(emulator)
    sp = sps[account.identity.principal_id]
    assert sp["displayName"] == "aa-exo-test" and sp["servicePrincipalType"] == "ManagedIdentity"
    assert account.id in sp["alternativeNames"]
    stored = emulator.state()["arm"][account.id.lower()]
    assert sp["appId"] == stored["_system_client_id"]
    assert sps[uai.principal_id]["appId"] == uai.client_id and sps[uai.principal_id]["displayName"] == "id-exo"

    status, _h, raw_account = arm(emulator, "GET", account.id)
    assert status == 200 and not [k for k in raw_account if k.startswith("_")]
    assert_schema(raw_account, "automation/account", "AutomationAccount")
    status, _h, raw_uai = arm(emulator, "GET", uai.id)
    assert_schema(raw_uai, "msi", "Identity")
    status, _h, raw_group = arm(emulator, "GET", group.id)
    assert_schema(raw_group, "resources", "ResourceGroup")


def test_sdk_identity_switching_none_system_both_user(emulator, clients, sub):
    from azure.mgmt.automation.models import (AutomationAccountCreateOrUpdateParameters,
                                              AutomationAccountUpdateParameters, Identity, Sku)

    resources, msi, automation = clients
    resources.resource_groups.create_or_update("rg-exo", {"location": "westeurope"})
    uai = msi.user_assigned_identities.create_or_update("rg-exo", "id-exo", {"location": "westeurope"})
    account = automation.automation_account.create_or_update(
        "rg-exo", "aa-exo-test", AutomationAccountCreateOrUpdateParameters(location="westeurope", sku=Sku(name="Free")))
    assert account.identity is None

    system = automation.automation_account.update(
        "rg-exo", "aa-exo-test", AutomationAccountUpdateParameters(identity=Identity(type="SystemAssigned")))
    system_pid = system.identity.principal_id
    assert system.identity.type == "SystemAssigned" and system_pid in service_principals(emulator)

    both = automation.automation_account.update(
        "rg-exo", "aa-exo-test", AutomationAccountUpdateParameters(identity=Identity(
            type="SystemAssigned, UserAssigned", user_assigned_identities={uai.id: {}})))
    assert both.identity.type == "SystemAssigned, UserAssigned"
    assert both.identity.principal_id == system_pid  # the system identity is kept
    (key, props), = both.identity.user_assigned_identities.items()
    assert key.lower() == uai.id.lower()
    assert (props.principal_id, props.client_id) == (uai.principal_id, uai.client_id)

    user = automation.automation_account.update(
        "rg-exo", "aa-exo-test", AutomationAccountUpdateParameters(identity=Identity(type="UserAssigned")))
    assert user.identity.type == "UserAssigned" and user.identity.principal_id is None
    assert list(user.identity.user_assigned_identities) == [key]
    sps = service_principals(emulator)
    assert system_pid not in sps and uai.principal_id in sps

    back = automation.automation_account.update(
        "rg-exo", "aa-exo-test", AutomationAccountUpdateParameters(identity=Identity(type="SystemAssigned")))
    assert back.identity.principal_id not in (None, system_pid)  # a new system identity
    assert back.identity.user_assigned_identities is None


def test_sdk_resource_group_delete_cascades(emulator, clients, sub):
    from azure.mgmt.automation.models import AutomationAccountCreateOrUpdateParameters, Identity, Sku

    resources, msi, automation = clients
    resources.resource_groups.create_or_update("rg-gone", {"location": "westeurope"})
    resources.resource_groups.create_or_update("rg-kept", {"location": "westeurope"})
    uai = msi.user_assigned_identities.create_or_update("rg-gone", "id-gone", {"location": "westeurope"})
    kept = msi.user_assigned_identities.create_or_update("rg-kept", "id-kept", {"location": "westeurope"})
    account = automation.automation_account.create_or_update(
        "rg-gone", "aa-gone-test", AutomationAccountCreateOrUpdateParameters(
            location="westeurope", sku=Sku(name="Basic"),
            identity=Identity(type="SystemAssigned, UserAssigned", user_assigned_identities={uai.id: {}})))
    assert {uai.principal_id, account.identity.principal_id} <= set(service_principals(emulator))
    emulator.clear_requests()

    resources.resource_groups.begin_delete("rg-gone", polling_interval=0).result()

    log = [(r["method"], r["path"].split("?")[0].lower(), r["status"]) for r in emulator.requests()]
    assert log[0] == ("DELETE", f"/subscriptions/{sub}/resourcegroups/rg-gone".lower(), 202)
    assert log[-1][0] == "GET" and "/operationresults/" in log[-1][1] and log[-1][2] == 200
    assert resources.resource_groups.check_existence("rg-gone") is False
    state = emulator.state()
    assert not [k for k in state["arm"] if "/resourcegroups/rg-gone" in k]
    assert kept.id.lower() in state["arm"]
    sps = state["graph"]["servicePrincipals"]
    assert uai.principal_id not in sps and account.identity.principal_id not in sps and kept.principal_id in sps
    assert [a.name for a in automation.automation_account.list()] == []


def test_sdk_retries_a_throttled_get(emulator, clients, sub):
    resources, _msi, automation = clients
    make_rg(emulator, sub)
    make_account(emulator, sub, "rg-exo", "aa-exo-test")
    emulator.clear_requests()
    emulator.add_fault(method="GET", path_regex="automationAccounts/aa-exo-test$", status=429, times=1,
                       retry_after_s=1)

    assert automation.automation_account.get("rg-exo", "aa-exo-test").name == "aa-exo-test"

    statuses = [r["status"] for r in emulator.requests() if r["path"].endswith("/aa-exo-test")]
    assert statuses == [429, 200]


def test_sdk_lists_resource_groups_page_by_page(emulator, clients, sub):
    resources, _msi, _automation = clients
    for name in ("rg-a", "rg-b", "rg-c"):
        make_rg(emulator, sub, name)
    emulator.clear_requests()
    assert sorted(g.name for g in resources.resource_groups.list(top=2)) == ["rg-a", "rg-b", "rg-c"]
    assert [r["status"] for r in emulator.requests() if r["api"] == "arm"] == [200, 200]
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/resourcegroups?$top=2")
    assert [g["name"] for g in body["value"]] == ["rg-a", "rg-b"] and "$skiptoken=" in body["nextLink"]


# -- errors every ARM route shares -------------------------------------------------------------------
def test_api_version_missing_or_unknown(emulator, sub):
    make_rg(emulator, sub)
    path = rg_path(sub, "rg-exo") + f"{ACCOUNTS}/aa-exo-test"
    status, code, message = error_of(call(emulator, "GET", path))
    assert (status, code) == (400, "MissingApiVersionParameter")
    assert message == "The api-version query parameter (?api-version=) is required for all requests."
    status, code, message = error_of(call(emulator, "GET", path + "?api-version=2099-01-01"))
    assert (status, code) == (400, "InvalidApiVersionParameter") and "'2024-10-23'" in message
    status, code, message = error_of(arm(emulator, "GET", rg_path(sub, "rg-exo"), api="2024-10-23"))
    assert (status, code) == (400, "InvalidApiVersionParameter") and "'2025-04-01'" in message
    for version in ("2018-11-30", "2023-01-31", "2024-11-30", "2026-05-31"):  # MSI takes any version
        status, _h, body = arm(emulator, "GET", rg_path(sub, "rg-exo") + IDENTITIES, api=version)
        assert (status, body) == (200, {"value": []})


def test_missing_token_and_wrong_audience(emulator, sub):
    make_rg(emulator, sub)
    status, headers, body = arm(emulator, "GET", rg_path(sub, "rg-exo"), token="")
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
    assert "WWW-Authenticate" in headers
    status, code, message = error_of(arm(emulator, "GET", rg_path(sub, "rg-exo"), scope=GRAPH_SCOPE))
    assert (status, code) == (401, "InvalidAuthenticationTokenAudience")
    assert "https://graph.microsoft.com" in message


def test_unknown_subscription(emulator, sub):
    other = "00000000-0000-0000-0000-000000000001"
    for path in (f"/subscriptions/{other}", rg_path(other, "rg-exo"), f"/subscriptions/{other}/resourcegroups",
                 rg_path(other, "rg-exo") + f"{ACCOUNTS}/aa-exo-test", f"/subscriptions/{other}{ACCOUNTS}",
                 f"/subscriptions/{other}{IDENTITIES}", rg_path(other, "rg-exo") + f"{IDENTITIES}/id-exo"):
        assert error_of(arm(emulator, "GET", path)) == (
            404, "SubscriptionNotFound", f"The subscription '{other}' could not be found."), path


# -- resource groups ---------------------------------------------------------------------------------
def test_resource_group_lifecycle(emulator, sub):
    path = rg_path(sub, "Rg-Exo")
    status, _h, body = arm(emulator, "PUT", path, {"location": "North Europe"})
    assert status == 201 and body == {"id": path, "name": "Rg-Exo", "type": "Microsoft.Resources/resourceGroups",
                                      "location": "northeurope", "properties": {"provisioningState": "Succeeded"}}
    status, _h, body = arm(emulator, "PUT", rg_path(sub, "rg-exo").replace("resourceGroups", "resourcegroups"),
                           {"location": "northeurope", "tags": {"k": "v"}})
    assert status == 200 and body["name"] == "Rg-Exo" and body["tags"] == {"k": "v"}
    assert error_of(arm(emulator, "PUT", path, {"location": "westeurope"})) == (
        409, "InvalidResourceGroupLocation",
        "Invalid resource group location 'westeurope'. The Resource group already exists in location 'northeurope'.")
    status, _h, body = arm(emulator, "PATCH", path, {"tags": {"x": "y"}})
    assert status == 200 and body["tags"] == {"x": "y"}
    assert arm(emulator, "HEAD", path)[0] == 204
    assert arm(emulator, "HEAD", rg_path(sub, "rg-none"))[0] == 404
    assert error_of(arm(emulator, "GET", rg_path(sub, "rg-none"))) == (
        404, "ResourceGroupNotFound", "Resource group 'rg-none' could not be found.")
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/resourcegroups?$filter=tagName eq 'x' and "
                                            "tagValue eq 'y'".replace(" ", "%20"))
    assert [g["name"] for g in body["value"]] == ["Rg-Exo"]
    status, headers, _b = arm(emulator, "DELETE", path)
    assert status == 202 and "/operationresults/" in headers["Location"] and headers["Retry-After"] == "0"
    assert call(emulator, "GET", headers["Location"].replace(emulator.url, ""))[0] == 200
    assert arm(emulator, "HEAD", path)[0] == 404
    assert error_of(arm(emulator, "DELETE", path))[:2] == (404, "ResourceGroupNotFound")


@pytest.mark.parametrize("name, fragment", [
    ("bad name", "has these invalid characters: ' '"),
    ("rg#1!", "has these invalid characters: '#!'"),
    ("ends.", "cannot end with '.'"),
    ("r" * 91, "at most 90 characters"),
])
def test_resource_group_name_rules(emulator, sub, name, fragment):
    status, code, message = error_of(arm(emulator, "PUT", rg_path(sub, name.replace(" ", "%20").replace("#", "%23")),
                                         {"location": "westeurope"}))
    assert (status, code) == (400, "InvalidResourceGroup") and fragment in message


def test_resource_group_name_edge_cases_accepted(emulator, sub):
    for name in ("a", "r" * 90, "Rg_(test)-1.2"):
        assert arm(emulator, "PUT", rg_path(sub, name), {"location": "uksouth"})[0] == 201, name


def test_locations_are_checked(emulator, sub):
    status, code, message = error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo"), {"location": "Atlantis"}))
    assert (status, code) == (400, "LocationNotAvailableForResourceGroup")
    assert message.startswith("The provided location 'Atlantis' is not available for resource group. List of "
                              "available regions is 'australiacentral,") and ",westeurope," in message
    assert error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo"), {}))[:2] == (400, "LocationRequired")
    make_rg(emulator, sub)
    status, code, message = error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo") + f"{ACCOUNTS}/aa-exo-test",
                                         {"location": "moon", "properties": {"sku": {"name": "Free"}}}))
    assert (status, code) == (400, "LocationNotAvailableForResourceType")
    assert "resource type 'Microsoft.Automation/automationAccounts'" in message
    status, code, message = error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo") + f"{IDENTITIES}/id-exo",
                                         {"location": "moon"}))
    assert (status, code) == (400, "LocationNotAvailableForResourceType")
    assert "'Microsoft.ManagedIdentity/userAssignedIdentities'" in message
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/locations")
    names = {loc["name"]: loc["displayName"] for loc in body["value"]}
    assert names["germanywestcentral"] == "Germany West Central" and names["eastus2"] == "East US 2"
    account = make_account(emulator, sub, "rg-exo", "aa-exo-test", location="Germany West Central")
    assert account["location"] == "germanywestcentral"


def test_subscription_and_generic_resource_lists(emulator, sub):
    make_rg(emulator, sub)
    make_identity(emulator, sub, "rg-exo", "id-exo")
    make_account(emulator, sub, "rg-exo", "aa-exo-test")
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}")
    assert status == 200 and body["subscriptionId"] == sub and body["state"] == "Enabled"
    assert body["tenantId"] == emulator.health["tenant_id"]
    status, _h, body = arm(emulator, "GET", rg_path(sub, "rg-exo") + "/resources")
    assert sorted(r["type"] for r in body["value"]) == ["Microsoft.Automation/AutomationAccounts",
                                                        "Microsoft.ManagedIdentity/userAssignedIdentities"]
    flt = "?$filter=resourceType%20eq%20'Microsoft.ManagedIdentity/userAssignedIdentities'"
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/resources{flt}")
    assert [r["name"] for r in body["value"]] == ["id-exo"]


# -- user-assigned identities -------------------------------------------------------------------------
def test_identity_lifecycle(emulator, sub):
    make_rg(emulator, sub)
    path = rg_path(sub, "rg-exo") + f"{IDENTITIES}/id-exo"
    status, _h, created = arm(emulator, "PUT", path, {"location": "westeurope", "tags": {"a": "1"}})
    assert status == 201 and created["id"].lower() == path.lower()
    props = created["properties"]
    assert props["tenantId"] == emulator.health["tenant_id"] and props["isolationScope"] == "None"
    status, _h, again = arm(emulator, "PUT", path, {"location": "westeurope"})
    assert status == 200 and again["properties"]["principalId"] == props["principalId"]
    assert again["properties"]["clientId"] == props["clientId"] and again["tags"] == {}
    status, _h, patched = arm(emulator, "PATCH", path, {"tags": {"b": "2"}})
    assert status == 200 and patched["tags"] == {"b": "2"} and patched["properties"] == again["properties"]
    assert_schema(patched, "msi", "Identity")
    assert error_of(arm(emulator, "PUT", path, {"location": "eastus"}))[:2] == (400, "InvalidResourceLocation")
    make_rg(emulator, sub, "rg-two")
    make_identity(emulator, sub, "rg-two", "id-two")
    status, _h, body = arm(emulator, "GET", rg_path(sub, "rg-exo") + IDENTITIES)
    assert [i["name"] for i in body["value"]] == ["id-exo"]
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}{IDENTITIES}")
    assert sorted(i["name"] for i in body["value"]) == ["id-exo", "id-two"]
    assert props["principalId"] in service_principals(emulator)
    assert arm(emulator, "DELETE", path)[0] == 200
    assert props["principalId"] not in service_principals(emulator)
    assert arm(emulator, "DELETE", path)[0] == 204
    assert error_of(arm(emulator, "GET", path)) == (
        404, "ResourceNotFound", "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/id-exo' under "
        "resource group 'rg-exo' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    assert error_of(arm(emulator, "PUT", rg_path(sub, "rg-none") + f"{IDENTITIES}/id-exo",
                        {"location": "westeurope"}))[:2] == (404, "ResourceGroupNotFound")


@pytest.mark.parametrize("name", ["ab", "-starts-with-hyphen", "has.dot", "x" * 129])
def test_identity_name_rules(emulator, sub, name):
    make_rg(emulator, sub)
    status, code, _m = error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo") + f"{IDENTITIES}/{name}",
                                    {"location": "westeurope"}))
    assert (status, code) == (400, "InvalidResourceName")


def test_identity_federated_credentials_and_system_identity_route(emulator, sub):
    make_rg(emulator, sub)
    uai = make_identity(emulator, sub, "rg-exo", "id-exo")
    fic = uai["id"] + "/federatedIdentityCredentials/fic-1"
    body = {"properties": {"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:o/r:ref:x",
                           "audiences": ["api://AzureADTokenExchange"]}}
    assert arm(emulator, "PUT", fic, body, api="msi")[0] == 201
    assert arm(emulator, "PUT", fic, body, api="msi")[0] == 200
    status, _h, listed = arm(emulator, "GET", uai["id"] + "/federatedIdentityCredentials", api="msi")
    assert [f["name"] for f in listed["value"]] == ["fic-1"]
    assert arm(emulator, "DELETE", fic, api="msi")[0] == 200
    assert arm(emulator, "DELETE", fic, api="msi")[0] == 204

    account = make_account(emulator, sub, "rg-exo", "aa-exo-test", identity={"type": "SystemAssigned"})
    status, _h, system = arm(emulator, "GET", account["id"] + "/providers/Microsoft.ManagedIdentity/identities/default",
                             api="msi")
    assert status == 200 and system["properties"]["principalId"] == account["identity"]["principalId"]
    sp = service_principals(emulator)[account["identity"]["principalId"]]
    assert system["properties"]["clientId"] == sp["appId"]
    status, _h, ops = arm(emulator, "GET", "/providers/Microsoft.ManagedIdentity/operations", api="msi")
    assert "Microsoft.ManagedIdentity/userAssignedIdentities/read" in [o["name"] for o in ops["value"]]


# -- Automation accounts ---------------------------------------------------------------------------------
def test_account_lifecycle(emulator, sub):
    make_rg(emulator, sub)
    path = rg_path(sub, "rg-exo") + f"{ACCOUNTS}/aa-exo-test"
    status, _h, created = arm(emulator, "PUT", path, {
        "location": "West Europe", "tags": {"a": "1"},
        "properties": {"sku": {"name": "free"}, "publicNetworkAccess": False, "disableLocalAuth": True}})
    assert status == 201
    assert {k: created[k] for k in ("id", "name", "type", "location", "tags")} == {
        "id": path, "name": "aa-exo-test", "type": "Microsoft.Automation/AutomationAccounts",
        "location": "westeurope", "tags": {"a": "1"}}
    props = created["properties"]
    assert props["sku"] == {"name": "Free"} and props["state"] == "Ok"
    assert props["publicNetworkAccess"] is False and props["disableLocalAuth"] is True
    assert props["encryption"] == {"keySource": "Microsoft.Automation", "identity": {}}
    assert props["creationTime"].endswith("+00:00") and "identity" not in created
    assert_schema(created, "automation/account", "AutomationAccount")

    status, _h, updated = arm(emulator, "PUT", path, {"location": "westeurope", "properties": {"sku": {"name": "Basic"}}})
    assert status == 200 and updated["properties"]["sku"] == {"name": "Basic"} and updated["tags"] == {}
    assert updated["properties"]["creationTime"] == props["creationTime"]
    assert updated["properties"]["disableLocalAuth"] is True
    status, _h, patched = arm(emulator, "PATCH", path, {"tags": {"b": "2"}, "properties": {"publicNetworkAccess": True}})
    assert status == 200 and patched["tags"] == {"b": "2"} and patched["properties"]["publicNetworkAccess"] is True
    assert patched["properties"]["sku"] == {"name": "Basic"}
    assert error_of(arm(emulator, "PUT", path, {"location": "eastus"}))[:2] == (400, "InvalidResourceLocation")

    status, _h, keys = arm(emulator, "POST", path + "/listKeys")
    assert status == 200 and [k["KeyName"] for k in keys["keys"]] == ["Primary", "Secondary"]
    assert all(k["Permissions"] == "Full" and len(k["Value"]) == 88 for k in keys["keys"])
    assert arm(emulator, "POST", path + "/listKeys")[2] == keys
    assert_schema(keys, "automation/account", "KeyListResult")

    make_rg(emulator, sub, "rg-two")
    make_account(emulator, sub, "rg-two", "aa-two-test")
    status, _h, listed = arm(emulator, "GET", rg_path(sub, "rg-exo") + ACCOUNTS)
    assert [a["name"] for a in listed["value"]] == ["aa-exo-test"]
    assert_schema(listed, "automation/account", "AutomationAccountListResult")
    status, _h, listed = arm(emulator, "GET", f"/subscriptions/{sub}{ACCOUNTS}")
    assert sorted(a["name"] for a in listed["value"]) == ["aa-exo-test", "aa-two-test"]

    assert arm(emulator, "DELETE", path)[0] == 200
    assert arm(emulator, "DELETE", path)[0] == 204
    assert error_of(arm(emulator, "GET", path)) == (
        404, "ResourceNotFound", "The Resource 'Microsoft.Automation/automationAccounts/aa-exo-test' under resource "
        "group 'rg-exo' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    assert error_of(arm(emulator, "GET", rg_path(sub, "rg-none") + f"{ACCOUNTS}/aa-exo-test")) == (
        404, "ResourceGroupNotFound", "Resource group 'rg-none' could not be found.")


@pytest.mark.parametrize("name", ["short", "1starts-with-digit", "ends-with-hyphen-", "has_underscore", "a" * 51])
def test_account_name_rules(emulator, sub, name):
    make_rg(emulator, sub)
    status, code, message = error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo") + f"{ACCOUNTS}/{name}",
                                         {"location": "westeurope", "properties": {"sku": {"name": "Basic"}}}))
    assert (status, code) == (400, "BadRequest") and message.startswith("The account name is invalid.")


def test_account_bad_sku_rejected(emulator, sub):
    make_rg(emulator, sub)
    status, code, message = error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo") + f"{ACCOUNTS}/aa-exo-test",
                                         {"location": "westeurope", "properties": {"sku": {"name": "Premium"}}}))
    assert (status, code) == (400, "BadRequest") and "'Premium'" in message


def test_account_with_missing_user_identity_is_rejected(emulator, sub):
    make_rg(emulator, sub)
    missing = rg_path(sub, "rg-exo") + f"{IDENTITIES}/id-missing"
    before = set(service_principals(emulator))
    status, code, message = error_of(arm(emulator, "PUT", rg_path(sub, "rg-exo") + f"{ACCOUNTS}/aa-exo-test", {
        "location": "westeurope", "properties": {"sku": {"name": "Basic"}},
        "identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {missing: {}}}}))
    assert (status, code) == (400, "FailedIdentityOperation")
    assert f"Resource '{missing}' was not found." in message
    assert arm(emulator, "GET", rg_path(sub, "rg-exo") + f"{ACCOUNTS}/aa-exo-test")[0] == 404
    assert set(service_principals(emulator)) == before  # nothing half-created


def test_account_identity_map_rules(emulator, sub):
    make_rg(emulator, sub)
    one = make_identity(emulator, sub, "rg-exo", "id-one")
    two = make_identity(emulator, sub, "rg-exo", "id-two")
    path = rg_path(sub, "rg-exo") + f"{ACCOUNTS}/aa-exo-test"
    account = make_account(emulator, sub, "rg-exo", "aa-exo-test", identity={
        "type": "UserAssigned", "userAssignedIdentities": {one["id"]: {}, two["id"]: {}}})
    assert account["identity"]["tenantId"] == emulator.health["tenant_id"]
    assert account["identity"]["userAssignedIdentities"][two["id"]] == {
        "principalId": two["properties"]["principalId"], "clientId": two["properties"]["clientId"]}

    status, _h, body = arm(emulator, "PATCH", path, {"identity": {"userAssignedIdentities": {one["id"].upper(): None}}})
    assert status == 200 and list(body["identity"]["userAssignedIdentities"]) == [two["id"]]
    assert body["identity"]["type"] == "UserAssigned"
    assert error_of(arm(emulator, "PATCH", path, {"identity": {
        "type": "UserAssigned", "userAssignedIdentities": {two["id"]: None}}}))[:2] == (400, "MissingIdentityIds")
    status, code, message = error_of(arm(emulator, "PATCH", path, {"identity": {
        "type": "SystemAssigned", "userAssignedIdentities": {one["id"]: {}}}}))
    assert (status, code) == (400, "FailedIdentityOperation") and "non-UserAssigned identity type" in message
    assert error_of(arm(emulator, "PATCH", path, {"identity": {"type": "Magic"}}))[:2] == (400, "BadRequest")
    status, _h, body = arm(emulator, "PATCH", path, {"identity": {"type": "None"}})
    assert status == 200 and body["identity"] == {"type": "None"}
    status, _h, body = arm(emulator, "PUT", path, {"location": "westeurope", "identity": {"type": "SystemAssigned"}})
    system_pid = body["identity"]["principalId"]
    status, _h, body = arm(emulator, "PUT", path, {"location": "westeurope"})  # no identity: kept
    assert body["identity"]["principalId"] == system_pid
    assert arm(emulator, "DELETE", path)[0] == 200
    assert system_pid not in service_principals(emulator)
    assert one["properties"]["principalId"] in service_principals(emulator)  # user identities stay


# -- in-process helpers other handler modules use -------------------------------------------------------
def test_account_helpers_in_process():
    from tests.emulator import arm as arm_mod
    from tests.emulator import automation
    from tests.emulator.core import ApiError, Emulator

    emu = Emulator()
    sub = emu.subscription_id
    with pytest.raises(ApiError) as err:
        automation.get_account(emu, sub, "rg-x", "aa-exo-test")
    assert err.value.status == 404 and err.value.body["error"]["code"] == "ResourceGroupNotFound"
    with pytest.raises(ApiError) as err:
        arm_mod.require_resource_group(emu, "other-sub", "rg-x")
    assert err.value.body["error"]["code"] == "SubscriptionNotFound"
    emu.arm()[arm_mod.rg_id(sub, "RG-X").lower()] = {"id": arm_mod.rg_id(sub, "RG-X"), "name": "RG-X"}
    with pytest.raises(ApiError) as err:
        automation.get_account(emu, sub, "rg-x", "aa-exo-test")
    assert err.value.body["error"]["code"] == "ResourceNotFound"
    rid = automation.account_id(sub, "RG-X", "AA-Exo-Test")
    emu.arm()[rid.lower()] = {"id": rid, "name": "AA-Exo-Test"}
    assert automation.get_account(emu, sub.upper(), "rg-x", "aa-exo-test")["name"] == "AA-Exo-Test"
    assert arm_mod.normalize_location("East US 2") == "eastus2"
    assert arm_mod.public({"a": 1, "_b": 2, "c": {"_d": 3, "e": [{"_f": 1, "g": 2}]}}) == {"a": 1, "c": {"e": [{"g": 2}]}}
