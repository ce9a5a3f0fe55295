"""Microsoft.ManagedIdentity: user-assigned identities (+ their federated identity credentials), the
system-assigned identity of any resource by scope, and the provider's operation list.

Every api-version is accepted (clients in the wild use 2018-11-30 .. 2026-05-31). Creating an identity gives it
a tenant id, principal id and client id and registers its Graph service principal; deleting it (directly or with
its resource group) removes that service principal.
"""
import re

from . import arm
from .core import arm_error, new_guid, route

PROVIDER_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
FIC_TYPE = PROVIDER_TYPE + "/federatedIdentityCredentials"
IDENTITY = arm.RG + r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/(?P<name>[^/]+)"
FIC = IDENTITY + r"/federatedIdentityCredentials/(?P<fic>[^/]+)"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$")
FIC_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$")
ISOLATION_SCOPES = ("None", "Regional")
MAX_FICS = 20


def identity_id(sub, rg, name):
    """The id ARM gives a user-assigned identity (MSI writes ``resourcegroups`` in lower case)."""
    return f"/subscriptions/{sub}/resourcegroups/{rg}/providers/{PROVIDER_TYPE}/{name}"


def find_identity(emu, rid):
    """The stored user-assigned identity with this ARM id (any case), or None."""
    item = arm.emu_of(emu).arm().get((rid or "").lower().rstrip("/"))
    if item is not None and item.get("type", "").lower() == PROVIDER_TYPE.lower():
        return item
    return None


def _check_name(name):
    if not NAME_RE.match(name):
        arm_error(400, "InvalidResourceName",
                  f"Resource name '{name}' is invalid. The name can contain only letters, numbers, hyphens and "
                  "underscores, must start with a letter or a number, and must be between 3 and 128 characters "
                  "long.")


def _apply_properties(target, props):
    if props is None:
        return
    if not isinstance(props, dict):
        arm_error(400, "InvalidRequestContent",
                  "The request content was invalid and could not be deserialized: 'Path 'properties'.'.")
    if "isolationScope" in props and props["isolationScope"] is not None:
        scope = next((s for s in ISOLATION_SCOPES if s.lower() == str(props["isolationScope"]).lower()), None)
        if scope is None:
            arm_error(400, "InvalidIsolationScope",
                      f"The isolation scope '{props['isolationScope']}' is invalid. Allowed values are "
                      f"{', '.join(ISOLATION_SCOPES)}.")
        target["isolationScope"] = scope
    if "assignmentRestrictions" in props and props["assignmentRestrictions"] is not None:
        restr = props["assignmentRestrictions"]
        providers = restr.get("providers") if isinstance(restr, dict) else None
        if providers is None:
            providers = []
        if not isinstance(providers, list) or not all(isinstance(p, str) for p in providers):
            arm_error(400, "InvalidAssignmentRestrictions",
                      "assignmentRestrictions.providers must be a list of resource provider names.")
        target["assignmentRestrictions"] = {"providers": list(providers)}


def _existing_location_conflict(existing, location, rg):
    if existing["location"] != location:
        arm_error(400, "InvalidResourceLocation",
                  f"The resource '{existing['name']}' already exists in location '{existing['location']}' in "
                  f"resource group '{rg}'. A resource with the same name cannot be created in location "
                  f"'{location}'. Please select a new resource name.")


# -- user-assigned identities --------------------------------------------------------------------
@route("arm", "PUT", IDENTITY)
def put_identity(req):
    from . import graph

    emu, sub, rg, name = req.emu, req.params["sub"], req.params["rg"], req.params["name"]
    with emu.lock:
        group = arm.require_resource_group(emu, sub, rg)
        body = arm.body_object(req)
        location = arm.normalize_location(body.get("location"), PROVIDER_TYPE)
        _check_name(name)
        tags = arm.validate_tags(body.get("tags"))
        rid = identity_id(emu.subscription_id, group["name"], name)
        existing = emu.arm().get(rid.lower())
        if existing is not None:
            _existing_location_conflict(existing, location, group["name"])
            props = dict(existing["properties"])
            _apply_properties(props, body.get("properties"))
            existing["tags"] = tags
            existing["properties"] = props
            return 200, arm.public(existing)
        props = {
            "tenantId": emu.tenant_id,
            "principalId": new_guid(),
            "clientId": new_guid(),
            "isolationScope": "None",
            "assignmentRestrictions": {"providers": []},
        }
        _apply_properties(props, body.get("properties"))
        item = {
            "id": rid,
            "name": name,
            "type": PROVIDER_TYPE,
            "location": location,
            "tags": tags,
            "properties": props,
        }
        emu.arm()[rid.lower()] = item
        graph.register_managed_identity(emu, props["principalId"], props["clientId"], name, rid)
        return 201, arm.public(item)


def _get_identity(req):
    emu, sub, rg, name = req.emu, req.params["sub"], req.params["rg"], req.params["name"]
    group = arm.require_resource_group(emu, sub, rg)
    item = emu.arm().get(identity_id(emu.subscription_id, group["name"], name).lower())
    if item is None:
        arm.not_found(PROVIDER_TYPE, name, rg)
    return item


@route("arm", "GET", IDENTITY)
def get_identity(req):
    with req.emu.lock:
        return 200, arm.public(_get_identity(req))


@route("arm", "PATCH", IDENTITY)
def patch_identity(req):
    emu = req.emu
    with emu.lock:
        item = _get_identity(req)
        body = arm.body_object(req)  # ``location`` is create-only: a PATCH that sends it is not rejected
        props = dict(item["properties"])
        _apply_properties(props, body.get("properties"))
        if "tags" in body:
            item["tags"] = arm.validate_tags(body["tags"])
        item["properties"] = props
        return 200, arm.public(item)


@route("arm", "DELETE", IDENTITY)
def delete_identity(req):
    emu, sub, rg, name = req.emu, req.params["sub"], req.params["rg"], req.params["name"]
    with emu.lock:
        group = arm.require_resource_group(emu, sub, rg)
        rid = identity_id(emu.subscription_id, group["name"], name)
        if rid.lower() not in emu.arm():
            return 204, None
        arm.delete_tree(emu, rid)
    return 200, None


@route("arm", "GET", arm.RG + r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities")
def list_identities_in_group(req):
    emu, sub, rg = req.emu, req.params["sub"], req.params["rg"]
    arm.require_resource_group(emu, sub, rg)
    return 200, arm.page(req, arm.list_resources(emu, sub, PROVIDER_TYPE, rg))


@route("arm", "GET", arm.SUB + r"/providers/Microsoft\.ManagedIdentity/userAssignedIdentities")
def list_identities_in_subscription(req):
    emu, sub = req.emu, req.params["sub"]
    arm.require_subscription(emu, sub)
    return 200, arm.page(req, arm.list_resources(emu, sub, PROVIDER_TYPE))


# -- federated identity credentials ----------------------------------------------------------------
def _fic_list(emu, parent):
    prefix = parent["id"].lower() + "/federatedidentitycredentials/"
    return sorted((v for k, v in emu.arm().items() if k.startswith(prefix)), key=lambda v: v["id"].lower())


@route("arm", "PUT", FIC)
def put_fic(req):
    emu, name = req.emu, req.params["fic"]
    with emu.lock:
        parent = _get_identity(req)
        body = arm.body_object(req)
        if not FIC_NAME_RE.match(name):
            arm_error(400, "InvalidResourceName",
                      f"Resource name '{name}' is invalid. The name can contain only letters, numbers, hyphens and "
                      "underscores, must start with a letter or a number, and must be between 3 and 120 characters "
                      "long.")
        props = body.get("properties")
        if not isinstance(props, dict):
            arm_error(400, "BadRequest", "The properties issuer, subject and audiences are required.")
        missing = [k for k in ("issuer", "subject", "audiences") if not props.get(k)]
        if missing:
            arm_error(400, "BadRequest", f"The properties {', '.join(missing)} are required.")
        if not str(props["issuer"]).startswith("https://"):
            arm_error(400, "BadRequest", f"The issuer '{props['issuer']}' must be a URL that starts with 'https://'.")
        if not isinstance(props["audiences"], list) or not all(isinstance(a, str) for a in props["audiences"]):
            arm_error(400, "BadRequest", "The audiences property must be a list of strings.")
        rid = f"{parent['id']}/federatedIdentityCredentials/{name}"
        existing = emu.arm().get(rid.lower())
        if existing is None and len(_fic_list(emu, parent)) >= MAX_FICS:
            arm_error(400, "BadRequest",
                      f"Too many Federated Identity Credentials are assigned to the identity. The maximum is {MAX_FICS}.")
        item = {
            "id": existing["id"] if existing else rid,
            "name": existing["name"] if existing else name,
            "type": FIC_TYPE,
            "properties": {"issuer": props["issuer"], "subject": props["subject"],
                           "audiences": list(props["audiences"])},
        }
        emu.arm()[rid.lower()] = item
        return (200 if existing else 201), arm.public(item)


@route("arm", "GET", FIC)
def get_fic(req):
    emu = req.emu
    with emu.lock:
        parent = _get_identity(req)
        item = emu.arm().get(f"{parent['id']}/federatedIdentityCredentials/{req.params['fic']}".lower())
        if item is None:
            arm.not_found(FIC_TYPE, f"{parent['name']}/{req.params['fic']}", req.params["rg"])
        return 200, arm.public(item)


@route("arm", "DELETE", FIC)
def delete_fic(req):
    emu = req.emu
    with emu.lock:
        parent = _get_identity(req)
        key = f"{parent['id']}/federatedIdentityCredentials/{req.params['fic']}".lower()
        if emu.arm().pop(key, None) is None:
            return 204, None
    return 200, None


@route("arm", "GET", IDENTITY + r"/federatedIdentityCredentials")
def list_fics(req):
    emu = req.emu
    with emu.lock:
        parent = _get_identity(req)
        top = req.q("$top")
        size = None
        if top:
            try:
                size = max(1, int(top))
            except ValueError:
                arm_error(400, "BadRequest", f"The value '{top}' of query parameter '$top' is invalid.")
        return 200, arm.page(req, _fic_list(emu, parent), size)


# -- system-assigned identity of any resource --------------------------------------------------------
@route("arm", "GET", r"(?P<scope>/subscriptions/[^/]+/resourcegroups/[^/]+/providers/.+?)"
                     r"/providers/Microsoft\.ManagedIdentity/identities/default")
def get_system_identity(req):
    emu, scope = req.emu, req.params["scope"]
    parts = scope.strip("/").split("/")
    with emu.lock:
        arm.require_resource_group(emu, parts[1], parts[3])
        item = emu.arm().get(scope.lower())
        ident = (item or {}).get("identity") or {}
        if item is None or not ident.get("principalId"):
            arm_error(404, "NotFound",
                      f"Unable to find system assigned identity for the resource '{scope}'. {arm.NOT_FOUND_FIX}")
        client_id = item.get("_system_client_id", "")
        return 200, {
            "id": f"{item['id']}/providers/Microsoft.ManagedIdentity/identities/default",
            "name": item["name"],
            "type": "Microsoft.ManagedIdentity/Identities",
            "location": item.get("location", ""),
            "tags": item.get("tags") or {},
            "properties": {
                "tenantId": ident.get("tenantId", emu.tenant_id),
                "principalId": ident["principalId"],
                "clientId": client_id,
                "clientSecretUrl": (f"https://control-{item.get('location', 'westeurope')}.identity.azure.net"
                                    f"{item['id']}/credentials/v2/identities?tid={emu.tenant_id}"
                                    f"&oid={ident['principalId']}&aid={client_id}"),
            },
        }


# -- provider operations -----------------------------------------------------------------------------
_OPERATIONS = [
    ("userAssignedIdentities/read", "Get User Assigned Identity", "User Assigned Identities",
     "Gets an existing user assigned identity"),
    ("userAssignedIdentities/write", "Create/Update User Assigned Identity", "User Assigned Identities",
     "Creates a new user assigned identity or updates the tags associated with an existing user assigned identity"),
    ("userAssignedIdentities/delete", "Delete User Assigned Identity", "User Assigned Identities",
     "Deletes an existing user assigned identity"),
    ("userAssignedIdentities/assign/action", "Assign User Assigned Identity", "User Assigned Identities",
     "RBAC action for assigning an existing user assigned identity to a resource"),
    ("userAssignedIdentities/federatedIdentityCredentials/read", "Get Federated Identity Credential",
     "Federated Identity Credentials", "Gets an existing federated identity credential"),
    ("userAssignedIdentities/federatedIdentityCredentials/write", "Create/Update Federated Identity Credential",
     "Federated Identity Credentials", "Creates or updates a federated identity credential"),
    ("userAssignedIdentities/federatedIdentityCredentials/delete", "Delete Federated Identity Credential",
     "Federated Identity Credentials", "Deletes an existing federated identity credential"),
    ("identities/read", "Get System Assigned Identity", "Managed Identities",
     "Gets an existing system assigned identity"),
]


@route("arm", "GET", r"/providers/Microsoft\.ManagedIdentity/operations")
def list_operations(req):
    return 200, {"value": [
        {"name": f"Microsoft.ManagedIdentity/{name}",
         "display": {"provider": "Managed Service Identity", "resource": resource, "operation": operation,
                     "description": description}}
        for name, operation, resource, description in _OPERATIONS
    ]}
