"""Microsoft Graph v1.0 routes of the emulator: seeding, servicePrincipals with OData query options,
app-role assignments in both directions, directory role management, replication delay, and msgraph-sdk use."""
import asyncio
import base64
import json
import time
import urllib.parse
import uuid

import pytest

from .helpers import GRAPH_SCOPE, call, token_for

EXO_APP = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_APP = "00000003-0000-0000-c000-000000000000"
MANAGE_AS_APP = "dc50a0fb-09a3-484d-be87-e023b12c6440"
FULL_ACCESS_AS_APP = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
APP_READWRITE_ALL = "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"


def g(emulator, method, path, body=None, query=None, headers=None):
    """A Graph request; ``query`` is encoded the way SDKs do (spaces as %20)."""
    if query:
        path += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe="$(),'")
    return call(emulator, method, path, body, scope=GRAPH_SCOPE, headers=headers)


def ok(result, status=200):
    code, _headers, body = result
    assert code == status, body
    return body


def err(result, status, code=None):
    got, _headers, body = result
    assert got == status, body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]["message"]


def sp_by_app(emulator, app_id):
    value = ok(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$filter": f"appId eq '{app_id}'"}))["value"]
    assert len(value) == 1, value
    return value[0]


def insert(emulator, collection, obj):
    return emulator.call("POST", f"/_emulator/graph/{collection}", obj)


def register_identity(emulator, name="aa-exo", principal_id=None, client_id=None, user_assigned=False):
    principal_id = principal_id or str(uuid.uuid4())
    rid = (f"/subscriptions/{emulator.health['subscription_id']}/resourceGroups/rg/providers/"
           + (f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}" if user_assigned
              else f"Microsoft.Automation/automationAccounts/{name}"))
    emulator.call("POST", "/_emulator/graph/managedIdentities", {
        "principalId": principal_id, "clientId": client_id or str(uuid.uuid4()), "name": name, "resourceId": rid})
    return principal_id


# ----------------------------------------------------------------------------------------------------------- seeding
def test_seeded_admin_and_first_party_service_principals(emulator):
    token = token_for(emulator, GRAPH_SCOPE)
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    admin = ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{claims['oid']}"))
    assert admin["appId"] == emulator.env["AZURE_CLIENT_ID"]
    assert admin["displayName"] == "exo-automation-admin"
    assert admin["servicePrincipalType"] == "Application"

    exo = sp_by_app(emulator, EXO_APP)
    assert exo["displayName"] == "Office 365 Exchange Online"
    roles = {r["value"]: r for r in exo["appRoles"]}
    assert roles["Exchange.ManageAsApp"]["id"] == MANAGE_AS_APP
    assert roles["full_access_as_app"]["id"] == FULL_ACCESS_AS_APP
    assert roles["Exchange.ManageAsApp"]["allowedMemberTypes"] == ["Application"]
    assert roles["Exchange.ManageAsApp"]["isEnabled"] is True
    assert roles["Exchange.ManageAsApp"]["displayName"] and roles["Exchange.ManageAsApp"]["description"]

    graph = sp_by_app(emulator, GRAPH_APP)
    graph_roles = {r["value"]: r["id"] for r in graph["appRoles"]}
    assert len(graph_roles) == 358
    assert graph_roles["Application.ReadWrite.All"] == APP_READWRITE_ALL
    assert all(r["allowedMemberTypes"] == ["Application"] and r["isEnabled"] for r in graph["appRoles"])


def test_first_party_object_ids_change_per_reset_but_admin_stays(emulator):
    first = sp_by_app(emulator, EXO_APP)["id"]
    admin_first = sp_by_app(emulator, emulator.env["AZURE_CLIENT_ID"])["id"]
    emulator.reset()
    assert sp_by_app(emulator, EXO_APP)["id"] != first
    assert sp_by_app(emulator, emulator.env["AZURE_CLIENT_ID"])["id"] == admin_first


def test_tenant_without_exchange_sp_and_creating_it(emulator):
    emulator.reset(exchange_online_sp=False, microsoft_graph_sp=False)
    for app in (EXO_APP, GRAPH_APP):
        assert ok(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$filter": f"appId eq '{app}'"}))["value"] == []
    created = ok(g(emulator, "POST", "/v1.0/servicePrincipals", {"appId": EXO_APP}), 201)
    assert created["@odata.context"].endswith("$metadata#servicePrincipals/$entity")
    assert created["displayName"] == "Office 365 Exchange Online"
    assert MANAGE_AS_APP in {r["id"] for r in created["appRoles"]}
    assert sp_by_app(emulator, EXO_APP)["id"] == created["id"]
    message = err(g(emulator, "POST", "/v1.0/servicePrincipals", {"appId": EXO_APP}), 409,
                  "Request_MultipleObjectsWithSameKeyValue")
    assert f"service principal name {EXO_APP} is already in use" in message


def test_create_service_principal_for_unknown_and_registered_app(emulator):
    unknown = str(uuid.uuid4())
    message = err(g(emulator, "POST", "/v1.0/servicePrincipals", {"appId": unknown}), 400, "Request_BadRequest")
    assert message == f"The appId '{unknown}' of the service principal does not reference a valid application object."
    app_id = str(uuid.uuid4())
    insert(emulator, "applications", {"appId": app_id, "displayName": "Fabrikam App"})
    created = ok(g(emulator, "POST", "/v1.0/servicePrincipals", {"appId": app_id, "tags": ["x"]}), 201)
    assert created["appId"] == app_id and created["displayName"] == "Fabrikam App" and created["tags"] == ["x"]
    err(g(emulator, "POST", "/v1.0/servicePrincipals", {}), 400, "Request_BadRequest")


# ---------------------------------------------------------------------------------------- servicePrincipals queries
def test_filter_variants(emulator):
    insert(emulator, "servicePrincipals", {"displayName": "O'Brien app", "appId": str(uuid.uuid4()),
                                           "servicePrincipalNames": ["https://obrien.example"]})
    insert(emulator, "servicePrincipals", {"displayName": "Another", "appId": str(uuid.uuid4()),
                                           "servicePrincipalType": "Legacy"})

    def names(flt):
        value = ok(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$filter": flt}))["value"]
        return sorted(v["displayName"] for v in value)

    assert names("displayName eq 'O''Brien app'") == ["O'Brien app"]
    assert names("displayname eq 'o''brien APP'") == ["O'Brien app"]  # names and values without regard to case
    assert names("startswith(displayName,'Offi')") == ["Office 365 Exchange Online"]
    assert names(f"appId eq '{EXO_APP}' or appId eq '{GRAPH_APP}'") == ["Microsoft Graph", "Office 365 Exchange Online"]
    assert names("servicePrincipalType eq 'Legacy' and startswith(displayName, 'An')") == ["Another"]
    assert names("servicePrincipalType eq 'Legacy' and startswith(displayName, 'Of')") == []
    assert names("servicePrincipalNames/any(x:x eq 'https://obrien.example')") == ["O'Brien app"]
    assert names(f"appId in ('{EXO_APP}', '{GRAPH_APP}') and not (displayName eq 'Microsoft Graph')") == [
        "Office 365 Exchange Online"]


@pytest.mark.parametrize("flt, code, text", [
    ("appId eq 'x", "BadRequest", "Invalid filter clause"),
    ("appId eq", "BadRequest", "Invalid filter clause"),
    ("appId xx 'a'", "BadRequest", "Invalid filter clause"),
    ("nosuch eq 'a'", "BadRequest", "Could not find a property named 'nosuch'"),
    ("notes eq 'a'", "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'notes'"),
])
def test_invalid_filter(emulator, flt, code, text):
    assert text in err(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$filter": flt}), 400, code)


def test_select(emulator):
    body = ok(g(emulator, "GET", "/v1.0/servicePrincipals",
                query={"$filter": f"appId eq '{EXO_APP}'", "$select": "id,displayName"}))
    assert body["@odata.context"].endswith("$metadata#servicePrincipals(id,displayName)")
    assert list(body["value"][0]) == ["id", "displayName"]
    one = ok(g(emulator, "GET", f"/v1.0/servicePrincipals(appId='{EXO_APP}')", query={"$select": "appRoles"}))
    assert set(one) == {"@odata.context", "appRoles"}
    assert "Could not find a property named 'bogus'" in err(
        g(emulator, "GET", "/v1.0/servicePrincipals", query={"$select": "id,bogus"}), 400, "BadRequest")


def test_top_and_next_link_paging(emulator):
    for i in range(5):
        insert(emulator, "servicePrincipals", {"displayName": f"page-{i}", "appId": str(uuid.uuid4())})
    expected = {v["id"] for v in ok(g(emulator, "GET", "/v1.0/servicePrincipals"))["value"]}
    assert len(expected) == 8
    seen, pages = [], 0
    body = ok(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$top": "3", "$select": "id"}))
    while True:
        pages += 1
        seen += [v["id"] for v in body["value"]]
        link = body.get("@odata.nextLink")
        if not link:
            break
        assert link.startswith(emulator.url + "/v1.0/servicePrincipals?") and "$select=id" in link
        body = ok(call(emulator, "GET", link[len(emulator.url):], scope=GRAPH_SCOPE))
    assert pages == 3 and len(seen) == 8 and set(seen) == expected
    assert "Invalid page size" in err(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$top": "1000"}), 400)
    err(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$skiptoken": "garbage"}), 400)


def test_count_needs_consistency_level(emulator):
    assert "$count is not currently supported" in err(
        g(emulator, "GET", "/v1.0/servicePrincipals", query={"$count": "true"}), 400, "Request_BadRequest")
    body = ok(g(emulator, "GET", "/v1.0/servicePrincipals", query={"$count": "true", "$top": "1"},
                headers={"ConsistencyLevel": "eventual"}))
    assert body["@odata.count"] == 3 and len(body["value"]) == 1
    status, headers, text = g(emulator, "GET", "/v1.0/servicePrincipals/$count", headers={"ConsistencyLevel": "eventual"})
    assert status == 200 and headers["Content-Type"].startswith("text/plain") and text == 3
    err(g(emulator, "GET", "/v1.0/servicePrincipals/$count"), 400, "Request_BadRequest")


def test_get_by_id_and_alternate_key_errors(emulator):
    exo = sp_by_app(emulator, EXO_APP)
    assert ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{exo['id']}"))["appId"] == EXO_APP
    assert ok(g(emulator, "GET", f"/v1.0/serviceprincipals/{exo['id'].upper()}"))["id"] == exo["id"]
    assert ok(g(emulator, "GET", f"/v1.0/servicePrincipals(appId=%27{EXO_APP}%27)"))["id"] == exo["id"]
    missing = str(uuid.uuid4())
    assert err(g(emulator, "GET", f"/v1.0/servicePrincipals/{missing}"), 404, "Request_ResourceNotFound") == (
        f"Resource '{missing}' does not exist or one of its queried reference-property objects are not present.")
    assert "Invalid object identifier 'not-a-guid'" in err(
        g(emulator, "GET", "/v1.0/servicePrincipals/not-a-guid"), 400, "Request_BadRequest")
    err(g(emulator, "GET", f"/v1.0/servicePrincipals(appId='{missing}')"), 404, "Request_ResourceNotFound")


def test_patch_and_delete_service_principal(emulator):
    app_id = str(uuid.uuid4())
    sp = insert(emulator, "servicePrincipals", {"displayName": "to-change", "appId": app_id})
    ok(g(emulator, "PATCH", f"/v1.0/servicePrincipals/{sp['id']}", {"tags": ["a"], "notes": "n"}), 204)
    got = ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{sp['id']}"))
    assert got["tags"] == ["a"] and got["notes"] == "n"
    assert "read-only" in err(g(emulator, "PATCH", f"/v1.0/servicePrincipals/{sp['id']}", {"appId": "x"}), 400)
    assert "does not exist on type" in err(g(emulator, "PATCH", f"/v1.0/servicePrincipals/{sp['id']}", {"nope": 1}), 400)
    ok(g(emulator, "DELETE", f"/v1.0/servicePrincipals/{sp['id']}"), 204)
    err(g(emulator, "GET", f"/v1.0/servicePrincipals/{sp['id']}"), 404, "Request_ResourceNotFound")


# ------------------------------------------------------------------------------------------------ app role grants
def test_app_role_assignment_lifecycle(emulator):
    principal = register_identity(emulator)
    exo = sp_by_app(emulator, EXO_APP)
    body = {"principalId": principal, "resourceId": exo["id"], "appRoleId": MANAGE_AS_APP}
    created = ok(g(emulator, "POST", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments", body), 201)
    assert created["@odata.context"].endswith("$metadata#appRoleAssignments/$entity")
    for key, value in {"principalId": principal, "resourceId": exo["id"], "appRoleId": MANAGE_AS_APP,
                       "principalType": "ServicePrincipal", "principalDisplayName": "aa-exo",
                       "resourceDisplayName": "Office 365 Exchange Online"}.items():
        assert created[key] == value
    assert created["createdDateTime"].endswith("Z") and created["id"]
    assert uuid.UUID(bytes_le=base64.urlsafe_b64decode(created["id"] + "=")[:16]) == uuid.UUID(principal)

    mine = ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments"))["value"]
    assert [a["id"] for a in mine] == [created["id"]]
    on_exo = ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo",
                  query={"$filter": f"principalId eq {principal}"}))
    assert on_exo["@odata.context"].endswith(f"servicePrincipals('{exo['id']}')/appRoleAssignedTo")
    assert [a["id"] for a in on_exo["value"]] == [created["id"]]
    quoted = ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments",
                  query={"$filter": f"resourceId eq '{exo['id']}' and appRoleId eq {MANAGE_AS_APP}"}))["value"]
    assert len(quoted) == 1
    assert ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments",
                query={"$filter": f"appRoleId eq {FULL_ACCESS_AS_APP}"}))["value"] == []
    assert ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo/{created['id']}"))["id"] == \
        created["id"]

    # a second identical grant, through the other side
    assert err(g(emulator, "POST", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo", body), 400,
               "Request_BadRequest") == "Permission being assigned already exists on the object."
    assert "Permission being assigned was not found on application" in err(
        g(emulator, "POST", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo",
          dict(body, appRoleId=str(uuid.uuid4()))), 400, "Request_BadRequest")
    second = ok(g(emulator, "POST", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo",
                  dict(body, appRoleId=FULL_ACCESS_AS_APP)), 201)
    assert second["@odata.context"].endswith(f"servicePrincipals('{exo['id']}')/appRoleAssignedTo/$entity")

    ok(g(emulator, "DELETE", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo/{created['id']}"), 204)
    err(g(emulator, "DELETE", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo/{created['id']}"), 404,
        "Request_ResourceNotFound")
    ok(g(emulator, "DELETE", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments/{second['id']}"), 204)
    assert ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments"))["value"] == []


def test_app_role_assignment_paging(emulator):
    graph = sp_by_app(emulator, GRAPH_APP)
    principal = register_identity(emulator)
    for role in graph["appRoles"][:4]:
        ok(g(emulator, "POST", f"/v1.0/servicePrincipals/{graph['id']}/appRoleAssignedTo",
             {"principalId": principal, "resourceId": graph["id"], "appRoleId": role["id"]}), 201)
    first = ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments", query={"$top": "3"}))
    assert len(first["value"]) == 3
    rest = ok(call(emulator, "GET", first["@odata.nextLink"][len(emulator.url):], scope=GRAPH_SCOPE))
    assert len(rest["value"]) == 1 and "@odata.nextLink" not in rest


def test_replication_delay_hides_a_new_identity(emulator):
    emulator.settings(replication_delay_s=600)
    principal = register_identity(emulator, name="late")
    exo = sp_by_app(emulator, EXO_APP)
    body = {"principalId": principal, "resourceId": exo["id"], "appRoleId": MANAGE_AS_APP}
    err(g(emulator, "GET", f"/v1.0/servicePrincipals/{principal}"), 404, "Request_ResourceNotFound")
    assert ok(g(emulator, "GET", "/v1.0/servicePrincipals",
                query={"$filter": "servicePrincipalType eq 'ManagedIdentity'"}))["value"] == []
    assert ok(g(emulator, "GET", "/v1.0/servicePrincipals",
                query={"$filter": "displayName eq 'late'"}))["value"] == []
    assert err(g(emulator, "POST", f"/v1.0/servicePrincipals/{principal}/appRoleAssignments", body), 404,
               "Request_ResourceNotFound").startswith(f"Resource '{principal}' does not exist")
    assert err(g(emulator, "POST", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo", body), 400,
               "Request_BadRequest") == "Not a valid reference update."
    err(g(emulator, "POST", "/v1.0/roleManagement/directory/roleAssignments",
          {"principalId": principal, "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": "/"}), 404,
        "Request_ResourceNotFound")
    assert emulator.call("GET", f"/_emulator/graph/exoAccess/{principal}")["visible"] is False


def test_identity_visible_after_delay_without_private_keys(emulator):
    principal = register_identity(emulator, name="uami", user_assigned=True)
    sp = ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{principal}"))
    assert sp["servicePrincipalType"] == "ManagedIdentity" and sp["alternativeNames"][0] == "isExplicit=True"
    assert sp["alternativeNames"][1].endswith("/userAssignedIdentities/uami")
    listed = ok(g(emulator, "GET", "/v1.0/servicePrincipals",
                  query={"$filter": f"alternativeNames/any(x:x eq '{sp['alternativeNames'][1]}')"}))["value"]
    assert [v["id"] for v in listed] == [principal]
    for obj in [sp] + listed:
        assert not [k for k in obj if k.startswith("_")]


def test_removing_identity_removes_its_grants_and_roles(emulator):
    principal = register_identity(emulator)
    exo = sp_by_app(emulator, EXO_APP)
    ok(g(emulator, "POST", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo",
         {"principalId": principal, "resourceId": exo["id"], "appRoleId": MANAGE_AS_APP}), 201)
    ok(g(emulator, "POST", "/v1.0/roleManagement/directory/roleAssignments",
         {"principalId": principal, "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": "/"}), 201)
    access = emulator.call("GET", f"/_emulator/graph/exoAccess/{principal}")
    assert access == {"visible": True, "app_id": access["app_id"], "manage_as_app": True,
                      "role_template_ids": [EXCHANGE_ADMIN]}
    emulator.call("DELETE", f"/_emulator/graph/managedIdentities/{principal}")
    assert ok(g(emulator, "GET", f"/v1.0/servicePrincipals/{exo['id']}/appRoleAssignedTo"))["value"] == []
    assert ok(g(emulator, "GET", "/v1.0/roleManagement/directory/roleAssignments",
                query={"$filter": f"principalId eq '{principal}'"}))["value"] == []
    assert emulator.call("GET", f"/_emulator/graph/exoAccess/{principal}") == {
        "visible": False, "app_id": None, "manage_as_app": False, "role_template_ids": []}


def test_manage_as_app_must_be_granted_on_exchange(emulator):
    """A role with the same id on another resource is not Exchange.ManageAsApp."""
    principal = register_identity(emulator)
    other = insert(emulator, "servicePrincipals", {"displayName": "lookalike", "appId": str(uuid.uuid4()), "appRoles": [
        {"id": MANAGE_AS_APP, "value": "Exchange.ManageAsApp", "allowedMemberTypes": ["Application"], "isEnabled": True}]})
    ok(g(emulator, "POST", f"/v1.0/servicePrincipals/{other['id']}/appRoleAssignedTo",
         {"principalId": principal, "resourceId": other["id"], "appRoleId": MANAGE_AS_APP}), 201)
    assert emulator.call("GET", f"/_emulator/graph/exoAccess/{principal}")["manage_as_app"] is False


# ------------------------------------------------------------------------------------------------ role management
def test_role_definitions(emulator):
    body = ok(g(emulator, "GET", "/v1.0/roleManagement/directory/roleDefinitions"))
    assert len(body["value"]) == 114
    assert all(d["isBuiltIn"] and d["isEnabled"] and d["id"] == d["templateId"] for d in body["value"])
    by_name = ok(g(emulator, "GET", "/v1.0/roleManagement/directory/roleDefinitions",
                   query={"$filter": "displayName eq 'Exchange Administrator'"}))["value"]
    assert [d["id"] for d in by_name] == [EXCHANGE_ADMIN]
    assert by_name[0]["rolePermissions"] and by_name[0]["description"]
    by_template = ok(g(emulator, "GET", "/v1.0/roleManagement/directory/roleDefinitions",
                       query={"$filter": f"templateId eq '{GLOBAL_READER}'"}))["value"]
    assert [d["displayName"] for d in by_template] == ["Global Reader"]
    assert len(ok(g(emulator, "GET", "/v1.0/roleManagement/directory/roleDefinitions",
                    query={"$filter": "isBuiltIn eq false"}))["value"]) == 0
    one = ok(g(emulator, "GET", f"/v1.0/roleManagement/directory/roleDefinitions/{EXCHANGE_ADMIN}"))
    assert one["displayName"] == "Exchange Administrator"
    err(g(emulator, "GET", f"/v1.0/roleManagement/directory/roleDefinitions/{uuid.uuid4()}"), 404,
        "Request_ResourceNotFound")


def test_role_assignment_lifecycle(emulator):
    principal = register_identity(emulator)
    base = "/v1.0/roleManagement/directory/roleAssignments"
    body = {"@odata.type": "#microsoft.graph.unifiedRoleAssignment", "principalId": principal,
            "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": "/"}
    created = ok(g(emulator, "POST", base, body), 201)
    assert created["@odata.context"].endswith("$metadata#roleManagement/directory/roleAssignments/$entity")
    assert (created["principalId"], created["roleDefinitionId"], created["directoryScopeId"]) == (
        principal, EXCHANGE_ADMIN, "/")
    assert created["id"].endswith("-1")
    ok(g(emulator, "POST", base, dict(body, roleDefinitionId=GLOBAL_READER)), 201)

    assert err(g(emulator, "POST", base, body), 400, "Request_BadRequest") == (
        "A conflicting object with one or more of the specified property values is present in the directory.")
    err(g(emulator, "POST", base, dict(body, roleDefinitionId=str(uuid.uuid4()))), 404, "Request_ResourceNotFound")
    err(g(emulator, "POST", base, {"principalId": principal, "roleDefinitionId": EXCHANGE_ADMIN}), 400)

    mine = ok(g(emulator, "GET", base, query={"$filter": f"principalId eq '{principal}'"}))["value"]
    assert sorted(a["roleDefinitionId"] for a in mine) == sorted([EXCHANGE_ADMIN, GLOBAL_READER])
    both = ok(g(emulator, "GET", base, query={
        "$filter": f"principalId eq '{principal}' and roleDefinitionId eq '{EXCHANGE_ADMIN}'",
        "$expand": "principal"}))
    assert body_context_has_expand(both)
    assert [a["id"] for a in both["value"]] == [created["id"]]
    assert both["value"][0]["principal"]["@odata.type"] == "#microsoft.graph.servicePrincipal"
    assert both["value"][0]["principal"]["id"] == principal
    assert ok(g(emulator, "GET", f"{base}/{created['id']}"))["roleDefinitionId"] == EXCHANGE_ADMIN
    ok(g(emulator, "DELETE", f"{base}/{created['id']}"), 204)
    err(g(emulator, "GET", f"{base}/{created['id']}"), 404, "Request_ResourceNotFound")
    assert emulator.call("GET", f"/_emulator/graph/exoAccess/{principal}")["role_template_ids"] == [GLOBAL_READER]


def body_context_has_expand(body):
    return body["@odata.context"].endswith("roleManagement/directory/roleAssignments(principal())")


# ------------------------------------------------------------------------------------------------ control + faults
def test_control_insert_and_delete(emulator):
    stored = insert(emulator, "servicePrincipals", {"displayName": "seeded", "appId": "abc", "_visible_in_s": 600})
    assert stored["id"] and stored["_visible_at"] > time.time() + 500 and stored["accountEnabled"] is True
    err(g(emulator, "GET", f"/v1.0/servicePrincipals/{stored['id']}"), 404)
    listed = emulator.call("GET", "/_emulator/graph/servicePrincipals")
    assert stored["id"] in [o["id"] for o in listed]
    emulator.call("DELETE", f"/_emulator/graph/servicePrincipals/{stored['id']}")
    assert stored["id"] not in [o["id"] for o in emulator.call("GET", "/_emulator/graph/servicePrincipals")]


def test_throttling_fault_has_graph_shape(emulator):
    emulator.add_fault(method="GET", path_regex="^/v1.0/servicePrincipals$", status=429, times=1, retry_after_s=2)
    status, headers, body = g(emulator, "GET", "/v1.0/servicePrincipals")
    assert status == 429 and headers["Retry-After"] == "2"
    assert body["error"]["code"] == "TooManyRequests" and body["error"]["innerError"]["request-id"]
    ok(g(emulator, "GET", "/v1.0/servicePrincipals"))


# ------------------------------------------------------------------------------------------------ msgraph-sdk
@pytest.fixture
def graph_client(emulator_env, emulator):
    """A GraphServiceClient of the seeded admin against the emulator, and the one event loop it runs on."""
    from azure.identity.aio import ClientSecretCredential
    from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
    from msgraph import GraphRequestAdapter, GraphServiceClient

    loop = asyncio.new_event_loop()
    env = emulator.env
    credential = ClientSecretCredential(env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"],
                                        authority=emulator.url, disable_instance_discovery=True)
    provider = AzureIdentityAuthenticationProvider(credential, scopes=["https://graph.microsoft.com/.default"])
    adapter = GraphRequestAdapter(provider)
    adapter.base_url = emulator.url + "/v1.0"
    client = GraphServiceClient(request_adapter=adapter)
    yield client, loop.run_until_complete
    loop.run_until_complete(credential.close())
    loop.close()


def _filter_config(flt):
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.service_principals.service_principals_request_builder import ServicePrincipalsRequestBuilder

    params = ServicePrincipalsRequestBuilder.ServicePrincipalsRequestBuilderGetQueryParameters(filter=flt)
    return RequestConfiguration(query_parameters=params)


def test_sdk_lists_service_principals_by_app_id(emulator, graph_client):
    client, run = graph_client
    page = run(client.service_principals.get(request_configuration=_filter_config(f"appId eq '{EXO_APP}'")))
    assert [sp.display_name for sp in page.value] == ["Office 365 Exchange Online"]
    roles = {r.value: str(r.id) for r in page.value[0].app_roles}
    assert roles["Exchange.ManageAsApp"] == MANAGE_AS_APP


def test_sdk_retries_throttled_request(emulator, graph_client):
    client, run = graph_client
    run(client.service_principals.get(request_configuration=_filter_config(f"appId eq '{GRAPH_APP}'")))  # token
    emulator.clear_requests()
    emulator.add_fault(method="GET", path_regex="^/v1.0/servicePrincipals$", status=429, times=1, retry_after_s=1)
    page = run(client.service_principals.get(request_configuration=_filter_config(f"appId eq '{GRAPH_APP}'")))
    assert [sp.app_id for sp in page.value] == [GRAPH_APP]
    statuses = [r["status"] for r in emulator.requests() if r["path"] == "/v1.0/servicePrincipals"]
    assert statuses == [429, 200]


def test_sdk_sees_identity_after_replication(emulator, graph_client):
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    client, run = graph_client
    emulator.settings(replication_delay_s=1)
    principal = register_identity(emulator, name="fresh")
    with pytest.raises(ODataError) as caught:
        run(client.service_principals.by_service_principal_id(principal).get())
    assert caught.value.response_status_code == 404
    assert caught.value.error.code == "Request_ResourceNotFound"
    deadline = time.time() + 15
    while True:
        try:
            sp = run(client.service_principals.by_service_principal_id(principal).get())
            break
        except ODataError as exc:
            assert exc.response_status_code == 404 and time.time() < deadline
            time.sleep(0.3)
    assert sp.display_name == "fresh" and sp.service_principal_type == "ManagedIdentity"


def test_sdk_alternate_key_and_grant(emulator, graph_client):
    from msgraph.generated.models.app_role_assignment import AppRoleAssignment
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    client, run = graph_client
    principal = register_identity(emulator, name="sdk-grant")
    exo = run(client.service_principals_with_app_id(EXO_APP).get())
    assert exo.display_name == "Office 365 Exchange Online"
    body = AppRoleAssignment(principal_id=uuid.UUID(principal), resource_id=uuid.UUID(exo.id),
                             app_role_id=uuid.UUID(MANAGE_AS_APP))
    created = run(client.service_principals.by_service_principal_id(exo.id).app_role_assigned_to.post(body))
    assert str(created.principal_id) == principal and created.principal_type == "ServicePrincipal"
    with pytest.raises(ODataError) as caught:
        run(client.service_principals.by_service_principal_id(exo.id).app_role_assigned_to.post(body))
    assert caught.value.response_status_code == 400
    assert caught.value.error.message == "Permission being assigned already exists on the object."
    mine = run(client.service_principals.by_service_principal_id(principal).app_role_assignments.get())
    assert [str(a.app_role_id) for a in mine.value] == [MANAGE_AS_APP]


def test_sdk_account_system_identity_reaches_graph_after_replication(emulator, graph_client):
    """AutomationClient creates an account with a system identity; msgraph-sdk finds its service principal
    only once the replication delay has passed, named like the account and pointing back at it."""
    from azure.mgmt.automation import AutomationClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    from .helpers import credential, sdk_kwargs

    client, run = graph_client
    sub = emulator.health["subscription_id"]
    emulator.settings(replication_delay_s=1)
    ResourceManagementClient(credential(emulator), sub, **sdk_kwargs(emulator)).resource_groups.create_or_update(
        "rg-e2e", {"location": "westeurope"})
    automation = AutomationClient(credential(emulator), sub, **sdk_kwargs(emulator))
    account = automation.automation_account.create_or_update("rg-e2e", "aa-e2e-sdk", {
        "location": "westeurope", "sku": {"name": "Basic"}, "identity": {"type": "SystemAssigned"}})
    principal = account.identity.principal_id
    assert principal
    with pytest.raises(ODataError) as caught:
        run(client.service_principals.by_service_principal_id(principal).get())
    assert caught.value.response_status_code == 404
    deadline = time.time() + 15
    while True:
        try:
            sp = run(client.service_principals.by_service_principal_id(principal).get())
            break
        except ODataError as exc:
            assert exc.response_status_code == 404 and time.time() < deadline
            time.sleep(0.3)
    assert sp.display_name == "aa-e2e-sdk" and sp.service_principal_type == "ManagedIdentity"
    assert account.id.lower() in [n.lower() for n in sp.alternative_names]
