"""Replays every Microsoft Graph v1.0 example of ``../shared/specs/graph/v1.0/*.json`` against the emulator.

For each example the objects its URL and body refer to are seeded first (through ``POST /_emulator/graph/...``
or the emulator's own Graph routes), then the request is sent and the status and the response shape are
compared: every top-level key of the example response (for a list, every key of its first item) must be there."""
import base64
import json
import os
import re
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.emulator_tests.helpers import GRAPH_SCOPE, call

REPO_ROOT = Path(__file__).resolve().parents[2]
SPECS_DIR = Path(os.environ.get("EXO_SPECS_DIR", REPO_ROOT.parent / "shared" / "specs"))
GRAPH_SPECS = SPECS_DIR / "graph" / "v1.0"
GRAPH_HOST = "https://graph.microsoft.com"


def _examples():
    if not GRAPH_SPECS.is_dir():
        return []
    out = []
    for path in sorted(GRAPH_SPECS.glob("*.json")):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for example in doc.get("examples") or []:
            if example.get("method") and example.get("url"):
                out.append(pytest.param(example, id=f"{path.stem}:{example['name']}"))
    return out


EXAMPLES = _examples()


def test_graph_examples_present():
    if not EXAMPLES:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"no Graph examples under {GRAPH_SPECS}")
        pytest.skip(f"no Graph examples under {GRAPH_SPECS} (set EXO_SPECS_DIR to the specs folder)")
    assert len(EXAMPLES) >= 20


# ------------------------------------------------------------------------------------------------ seeding helpers
def seed(emulator, collection, obj):
    return emulator.call("POST", f"/_emulator/graph/{collection}", obj)


def graph(emulator, method, path, body=None):
    status, _h, out = call(emulator, method, path, body, scope=GRAPH_SCOPE)
    assert status < 300, (method, path, status, out)
    return out


def sp(emulator, object_id, name="sp", roles=(), member_types=("Application",)):
    return seed(emulator, "servicePrincipals", {
        "id": object_id, "appId": str(uuid.uuid4()), "displayName": name,
        "appRoles": [{"id": r, "value": f"role.{i}", "displayName": f"role {i}", "description": "d",
                      "allowedMemberTypes": list(member_types), "isEnabled": True} for i, r in enumerate(roles)]})


def user(emulator, object_id, name="user"):
    return seed(emulator, "users", {"id": object_id, "displayName": name})


def grant(emulator, principal, resource, role, side="appRoleAssignedTo"):
    path_id = resource if side == "appRoleAssignedTo" else principal
    return graph(emulator, "POST", f"/v1.0/servicePrincipals/{path_id}/{side}",
                 {"principalId": principal, "resourceId": resource, "appRoleId": role})


def role_assignment(emulator, principal, role, provider="directory", **scope):
    body = {"principalId": principal, "roleDefinitionId": role}
    body.update(scope or {"directoryScopeId": "/"})
    return graph(emulator, "POST", f"/v1.0/roleManagement/{provider}/roleAssignments", body)


def _principals_of_response(example):
    body = example.get("response_body")
    return [v["principal"] for v in body.get("value", []) if isinstance(v, dict) and v.get("principal")] \
        if isinstance(body, dict) else []


# One setup per example: seeds what the example assumes and returns placeholder values for its URL.
def setup_example(emulator, example):
    name = example["name"]
    body = example.get("request_body") or {}
    url = example["url"]
    ids = {}
    if name in ("get_roleAssignments_1", "get_roleAssignments_3"):
        for principal in _principals_of_response(example):
            user(emulator, principal["id"], principal.get("displayName", "user"))
        role = re.search(r"roleDefinitionId eq '([^']+)'", url)
        for principal in _principals_of_response(example):
            if role:
                role_assignment(emulator, principal["id"], role.group(1))
            else:
                scope = re.search(r"appScopeId eq '([^']+)'", url).group(1)
                role_assignment(emulator, principal["id"], "ae79f266-94d4-4dab-b730-feca7e132178",
                                provider="entitlementManagement", appScopeId=scope)
    elif name == "get_roleAssignments_2":
        principal = re.search(r"principalId eq '([^']+)'", url).group(1)
        user(emulator, principal)
        for role in {v["roleDefinitionId"] for v in example["response_body"]["value"]}:
            role_assignment(emulator, principal, role)
    elif name.startswith("create_unifiedroleassignment"):
        role = body["roleDefinitionId"]
        provider = "entitlementManagement" if "entitlementManagement" in url else "directory"
        if provider == "directory" and not _exists(emulator, f"/v1.0/roleManagement/directory/roleDefinitions/{role}"):
            seed(emulator, "roleDefinitions", {"id": role, "displayName": "Custom role", "isBuiltIn": False})
        if example["response_body"].get("principalOrganizationId"):
            sp(emulator, body["principalId"], "Application scoped principal")
        else:
            user(emulator, body["principalId"])
    elif name == "delete_unifiedroleassignment":
        assignment_id = url.rsplit("/", 1)[1]
        raw = base64.urlsafe_b64decode(assignment_id[:-2] + "=")
        role, principal = str(uuid.UUID(bytes_le=raw[:16])), str(uuid.UUID(bytes_le=raw[16:32]))
        user(emulator, principal)
        created = role_assignment(emulator, principal, role)
        assert created["id"] == assignment_id  # the emulator's ids follow Graph's: role + principal (+ scope)
    elif name in ("serviceprincipal_delete_approleassignedto", "serviceprincipal_delete_approleassignment"):
        resource, principal, role = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        sp(emulator, resource, "resource", [role])
        sp(emulator, principal, "principal")
        created = grant(emulator, principal, resource, role)
        ids = {"resource-SP-id": resource, "servicePrincipal-id": principal, "appRoleAssignment-id": created["id"]}
    elif name == "get_serviceprincipal":
        object_id = example["response_body"]["id"]
        seed(emulator, "servicePrincipals", {
            "id": object_id, "appId": str(uuid.uuid4()), "displayName": example["response_body"]["displayName"]})
        ids = {"id": object_id}
    elif name == "serviceprincipal_get_approleassignedto":
        item = example["response_body"]["value"][0]
        sp(emulator, item["resourceId"], item["resourceDisplayName"])
        user(emulator, item["principalId"], item["principalDisplayName"])
        grant(emulator, item["principalId"], item["resourceId"], item["appRoleId"])
    elif name == "serviceprincipal_get_approleassignments":
        item = example["response_body"]["value"][0]
        sp(emulator, item["resourceId"], item["resourceDisplayName"], [item["appRoleId"]])
        sp(emulator, item["principalId"], item["principalDisplayName"])
        grant(emulator, item["principalId"], item["resourceId"], item["appRoleId"], side="appRoleAssignments")
    elif name == "get_a_count":
        seed(emulator, "servicePrincipals", {"appId": str(uuid.uuid4()), "displayName": "a"})
    elif name == "get_team_count":
        seed(emulator, "servicePrincipals", {"appId": str(uuid.uuid4()), "displayName": "myContosoTeam"})
    elif name == "serviceprincipal_create_approleassignedto":
        sp(emulator, body["resourceId"], "Fabrikam App", [body["appRoleId"]], member_types=("User",))
        seed(emulator, "groups", {"id": body["principalId"], "displayName": "Parents of Contoso"})
    elif name == "serviceprincipal_create_approleassignment":
        sp(emulator, body["resourceId"], "Microsoft Graph (example)", [body["appRoleId"]])
        sp(emulator, body["principalId"], "Fabrikam App")
    elif name == "create_serviceprincipal_from_serviceprincipals":
        seed(emulator, "applications", {"appId": body["appId"], "displayName": "My App"})
    return ids


def _exists(emulator, path):
    status, _h, _b = call(emulator, "GET", path, scope=GRAPH_SCOPE)
    return status == 200


def _request_path(url, ids):
    assert url.startswith(GRAPH_HOST), url
    path = url[len(GRAPH_HOST):]
    for key, value in ids.items():
        path = path.replace("{" + key + "}", value)
    assert "{" not in path, f"unresolved placeholder in {path}"
    return urllib.parse.quote(path, safe="/?&=$(),':!*+;@-_.~%")


def _expected_keys(body):
    if isinstance(body, dict) and isinstance(body.get("value"), list):
        return set(body) , set(body["value"][0]) if body["value"] else set()
    if isinstance(body, dict):
        return set(body), set()
    return set(), set()


@pytest.mark.parametrize("example", EXAMPLES)
def test_graph_example(emulator, example):
    ids = setup_example(emulator, example)
    headers = {k: v for k, v in (example.get("request_headers") or {}).items() if k.lower() != "content-type"}
    status, _h, body = call(emulator, example["method"], _request_path(example["url"], ids),
                            example.get("request_body"), scope=GRAPH_SCOPE, headers=headers)
    assert status == example["status"], body
    expected = example.get("response_body")
    if isinstance(expected, int) and not isinstance(expected, bool):
        assert isinstance(body, int) and body >= 1
        return
    top, item = _expected_keys(expected)
    if not top:
        assert body in (None, ""), body
        return
    assert top <= set(body), sorted(top - set(body))
    if item:
        assert body["value"], "the list is empty"
        assert item <= set(body["value"][0]), sorted(item - set(body["value"][0]))
