"""Microsoft Graph v1.0: servicePrincipals, appRoleAssignments / appRoleAssignedTo, roleManagement.

Hook API used by the ARM side (keep these signatures):

* ``register_managed_identity(emu, principal_id, client_id, name, resource_id)``: the service principal of a
  managed identity; visible to Graph ``replication_delay_s`` after this call (registering a principal that
  already exists updates its name and resource id and keeps its visibility time and assignments).
* ``remove_managed_identity(emu, principal_id)``: removes it with every assignment it holds.
* ``exo_access(emu, principal_id)``: what Exchange Online sees of a principal:
  ``{"visible": bool, "app_id": str|None, "manage_as_app": bool, "role_template_ids": [..]}``.

State (``emu.graph(collection)``, objects keyed by id, keys starting with ``_`` never leave the emulator):
``servicePrincipals``, ``appRoleAssignments`` (both directions of a grant are one object), ``roleAssignments``
and ``roleDefinitions`` (directory provider), ``entitlementRoleAssignments``, ``users``, ``groups``,
``applications`` (app registrations a ``POST /servicePrincipals`` can instantiate). An object whose
``_visible_at`` lies in the future is invisible to every Graph route, as a principal is while directory
replication has not caught up.

Control routes (no token):

* ``POST /_emulator/graph/{collection}``: insert one object (or a list) as given; a missing ``id`` is generated,
  missing properties get the defaults a created object would have, ``"_visible_in_s": N`` hides it for N
  seconds. Returns the stored object(s) with 201.
* ``GET /_emulator/graph/{collection}``, ``DELETE /_emulator/graph/{collection}/{id}``.
* ``POST /_emulator/graph/managedIdentities`` ``{"principalId", "clientId", "name", "resourceId"}`` and
  ``DELETE /_emulator/graph/managedIdentities/{principalId}``: the hooks above, for tests without ARM.
* ``GET /_emulator/graph/exoAccess/{principalId}``: :func:`exo_access`.
"""
import base64
import copy
import json
import os
import re
import uuid
from urllib.parse import quote, unquote, urlencode

from .core import ACCEPTED_DOMAINS, ApiError, graph_error, new_guid, on_reset, route, utcnow_iso

EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
MANAGE_AS_APP_ROLE_ID = "dc50a0fb-09a3-484d-be87-e023b12c6440"
DEFAULT_APP_ROLE_ID = "00000000-0000-0000-0000-000000000000"
MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"  # appOwnerOrganizationId of Microsoft's first-party apps
ADMIN_DISPLAY_NAME = "exo-automation-admin"

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "graph_wellknown.json"), encoding="utf-8") as _f:
    WELLKNOWN = json.load(_f)

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
V1 = r"(?i)/v1\.0"
SP_REF = r"/servicePrincipals(?P<ref>/[^/()]+|\([^)]*\))"


# ---------------------------------------------------------------------------------------------------------------
# Resource descriptions: known properties, the ones $filter accepts, and default shapes.
# ---------------------------------------------------------------------------------------------------------------
def _sp_template():
    return {
        "id": None,
        "deletedDateTime": None,
        "accountEnabled": True,
        "alternativeNames": [],
        "appDisplayName": None,
        "appDescription": None,
        "appId": None,
        "applicationTemplateId": None,
        "appOwnerOrganizationId": None,
        "appRoleAssignmentRequired": False,
        "createdDateTime": None,
        "description": None,
        "disabledByMicrosoftStatus": None,
        "displayName": None,
        "homepage": None,
        "loginUrl": None,
        "logoutUrl": None,
        "notes": None,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": None,
        "preferredTokenSigningKeyThumbprint": None,
        "publisherName": None,
        "replyUrls": [],
        "servicePrincipalNames": [],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "tokenEncryptionKeyId": None,
        "samlSingleSignOnSettings": None,
        "addIns": [],
        "appRoles": [],
        "endpoints": [],
        "info": {"logoUrl": None, "marketingUrl": None, "privacyStatementUrl": None, "supportUrl": None,
                 "termsOfServiceUrl": None},
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
    }


def _assignment_template():
    return {
        "id": None, "deletedDateTime": None, "appRoleId": DEFAULT_APP_ROLE_ID, "createdDateTime": None,
        "principalDisplayName": None, "principalId": None, "principalType": "ServicePrincipal",
        "resourceDisplayName": None, "resourceId": None,
    }


def _role_assignment_template():
    return {"id": None, "principalId": None, "principalOrganizationId": None, "resourceScope": "/",
            "directoryScopeId": "/", "roleDefinitionId": None}


def _entitlement_assignment_template():
    return {"id": None, "principalId": None, "roleDefinitionId": None, "appScopeId": None}


def _role_definition_template():
    return {"id": None, "description": None, "displayName": None, "isBuiltIn": False, "isEnabled": True,
            "resourceScopes": ["/"], "templateId": None, "version": None,
            "rolePermissions": [{"allowedResourceActions": [], "condition": None}], "inheritsPermissionsFrom": []}


class Resource:
    def __init__(self, type_name, properties, filterable, template=None, relationships=()):
        self.type_name = type_name  # e.g. servicePrincipal
        self.properties = list(properties)
        self.by_lower = {p.lower(): p for p in self.properties}
        self.filterable = set(filterable)
        self.template = template
        self.relationships = {r.lower(): r for r in relationships}

    @property
    def odata_type(self):
        return "microsoft.graph." + self.type_name

    @property
    def entity_name(self):
        return self.type_name[0].upper() + self.type_name[1:]

    def canonical(self, name):
        return self.by_lower.get(name.lower())


SERVICE_PRINCIPAL = Resource(
    "servicePrincipal", _sp_template().keys(),
    {"id", "appId", "displayName", "servicePrincipalType", "accountEnabled", "servicePrincipalNames",
     "alternativeNames", "tags", "appOwnerOrganizationId", "preferredSingleSignOnMode", "publisherName",
     "signInAudience", "createdDateTime", "appDisplayName", "description", "appRoleAssignmentRequired"},
    _sp_template,
    ("appRoleAssignedTo", "appRoleAssignments", "claimsMappingPolicies", "createdObjects", "homeRealmDiscoveryPolicies",
     "memberOf", "oauth2PermissionGrants", "ownedObjects", "owners", "tokenIssuancePolicies", "tokenLifetimePolicies"),
)
APP_ROLE_ASSIGNMENT = Resource(
    "appRoleAssignment", _assignment_template().keys(),
    {"id", "appRoleId", "principalId", "principalDisplayName", "principalType", "resourceId", "resourceDisplayName",
     "createdDateTime"},
    _assignment_template,
)
ROLE_ASSIGNMENT = Resource(
    "unifiedRoleAssignment", list(_role_assignment_template().keys()) + ["appScopeId"],
    {"id", "principalId", "roleDefinitionId", "directoryScopeId", "appScopeId"},
    _role_assignment_template, ("principal", "roleDefinition", "directoryScope", "appScope"),
)
ENTITLEMENT_ROLE_ASSIGNMENT = Resource(
    "unifiedRoleAssignment", list(_entitlement_assignment_template().keys()) + ["directoryScopeId"],
    {"id", "principalId", "roleDefinitionId", "appScopeId", "directoryScopeId"},
    _entitlement_assignment_template, ("principal", "roleDefinition", "appScope"),
)
ROLE_DEFINITION = Resource(
    "unifiedRoleDefinition", _role_definition_template().keys(),
    {"id", "displayName", "templateId", "isBuiltIn", "isEnabled"},
    _role_definition_template, ("inheritsPermissionsFrom",),
)

# Descriptions the Microsoft Graph documentation shows for some built-in roles; the others get a neutral text.
ROLE_DESCRIPTIONS = {
    "729827e3-9c14-49f7-bb1b-9608f156bbb8": "Can reset passwords for non-administrators and Helpdesk Administrators.",
    "f023fd81-a637-4b56-95fd-791ac0226033": "Can read service health information and manage support tickets.",
    "b0f54661-2d74-4c50-afa3-1ec803f12efe": "Can perform common billing related tasks like updating payment information.",
    "62e90394-69f5-4237-9190-012177145e10": "Can manage all aspects of Microsoft Entra ID and Microsoft services that use "
                                            "Microsoft Entra identities.",
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Can manage all aspects of the Exchange product.",
    "31392ffb-586c-42d1-9346-e59415a2cc4e": "Can create or update Exchange Online recipients within the Exchange Online "
                                            "organization.",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "Can read everything that a Global Administrator can, but not update "
                                            "anything.",
}

# Role definitions of the entitlement management provider (as documented; fixed in every tenant).
ENTITLEMENT_ROLE_DEFINITIONS = [
    ("ae79f266-94d4-4dab-b730-feca7e132178", "Catalog owner", ["microsoft.entitlementManagement/allEntities/allTasks"]),
    ("44272f93-9762-48e8-af59-1b5351b1d6b3", "Catalog reader", ["microsoft.entitlementManagement/allEntities/Read"]),
    ("7f480852-ebdc-47d4-87de-0d8498384a83", "AccessPackages manager",
     ["microsoft.entitlementManagement/AccessPackageCatalog/AccessPackage/allTasks",
      "microsoft.entitlementManagement/AccessPackageCatalog/allEntities/Read"]),
    ("ba92d953-d8e0-4e39-a797-0cbedb0a89e8", "Catalog creator",
     ["microsoft.entitlementManagement/AccessPackageCatalog/Create"]),
    ("e2182095-804a-4656-ae11-64734e9b7ae5", "AccessPackage assignment manager",
     ["microsoft.entitlementManagement/AccessPackageCatalog/AccessPackage/GrantRequests/allTasks",
      "microsoft.entitlementManagement/AccessPackageCatalog/AccessPackage/Grants/allTasks",
      "microsoft.entitlementManagement/AccessPackageCatalog/allEntities/Read"]),
]

EXCHANGE_ROLE_TEXT = {
    "Exchange.ManageAsApp": (
        "Manage Exchange As Application",
        "Allows the app to manage the organization's Exchange environment without any user interaction. This includes "
        "mailboxes, groups, and other configuration objects. To enable management actions, an admin must assign the "
        "appropriate roles directly to the app."),
    "full_access_as_app": (
        "Use Exchange Web Services with full access to all mailboxes",
        "Allows the app to have full access via Exchange Web Services to all mailboxes without a signed-in user."),
}

COLLECTION_TEMPLATES = {
    "servicePrincipals": _sp_template,
    "appRoleAssignments": _assignment_template,
    "roleAssignments": _role_assignment_template,
    "entitlementRoleAssignments": _entitlement_assignment_template,
    "roleDefinitions": _role_definition_template,
    "users": lambda: {"id": None, "accountEnabled": True, "displayName": None, "userPrincipalName": None,
                      "mail": None, "userType": "Member"},
    "groups": lambda: {"id": None, "displayName": None, "mailEnabled": False, "securityEnabled": True,
                       "mailNickname": None},
    "applications": lambda: {"id": None, "appId": None, "displayName": None, "publisherDomain": None,
                             "signInAudience": "AzureADMyOrg", "appRoles": [], "identifierUris": []},
}
PRINCIPAL_KINDS = (("servicePrincipals", "ServicePrincipal"), ("users", "User"), ("groups", "Group"))


# ---------------------------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------------------------
def _app_role(role_id, value, display, description):
    return {"allowedMemberTypes": ["Application"], "description": description, "displayName": display,
            "id": role_id, "isEnabled": True, "origin": "Application", "value": value}


def _scope(scope_id, value):
    return {"adminConsentDescription": f"Allows the app to use {value} on behalf of the signed-in user.",
            "adminConsentDisplayName": value, "id": scope_id, "isEnabled": True, "type": "User",
            "userConsentDescription": f"Allows the app to use {value} on your behalf.",
            "userConsentDisplayName": value, "value": value}


def first_party_sp(emu, app_id):
    """A first-party service principal (Microsoft Graph / Office 365 Exchange Online) with its real app roles."""
    if app_id == GRAPH_APP_ID:
        data = WELLKNOWN["microsoft_graph"]
        roles = [_app_role(rid, value, value, f"Allows the app to use the {value} permission without a signed-in user.")
                 for value, rid in sorted(data["appRoles"].items())]
        spns = [GRAPH_APP_ID, f"{GRAPH_APP_ID}/ags.windows.net", "https://graph.microsoft.com",
                "https://graph.microsoft.com/", "https://canary.graph.microsoft.com", "https://ags.windows.net"]
    elif app_id == EXCHANGE_APP_ID:
        data = WELLKNOWN["office_365_exchange_online"]
        roles = [_app_role(rid, value, *EXCHANGE_ROLE_TEXT[value]) for value, rid in sorted(data["appRoles"].items())]
        spns = [EXCHANGE_APP_ID, f"{EXCHANGE_APP_ID}/outlook.office365.com", f"{EXCHANGE_APP_ID}/outlook.office.com",
                "https://outlook.office365.com/", "https://outlook.office.com/", "https://ps.outlook.com"]
    else:
        return None
    sp = _sp_template()
    sp.update({
        "id": new_guid(), "appId": app_id, "displayName": data["displayName"], "appDisplayName": data["displayName"],
        "appOwnerOrganizationId": MICROSOFT_TENANT_ID, "createdDateTime": utcnow_iso(emu.now()),
        "servicePrincipalType": "Application", "signInAudience": "AzureADMultipleOrgs", "publisherName": "Microsoft Services",
        "servicePrincipalNames": spns, "appRoles": roles,
        "oauth2PermissionScopes": [_scope(sid, value) for value, sid in sorted(data["oauth2PermissionScopes"].items())],
        "verifiedPublisher": {"displayName": None, "verifiedPublisherId": None, "addedDateTime": None},
    })
    return sp


@on_reset
def seed(emu, settings):
    sps = emu.graph("servicePrincipals")
    admin_app = emu.identity["admin_client_id"]
    admin = _sp_template()
    admin.update({
        "id": emu.identity["admin_object_id"], "appId": admin_app, "displayName": ADMIN_DISPLAY_NAME,
        "appDisplayName": ADMIN_DISPLAY_NAME, "appOwnerOrganizationId": emu.tenant_id,
        "createdDateTime": utcnow_iso(emu.now()), "servicePrincipalType": "Application",
        "servicePrincipalNames": [admin_app], "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
    })
    sps[admin["id"]] = admin
    app = COLLECTION_TEMPLATES["applications"]()
    app.update({"id": new_guid(), "appId": admin_app, "displayName": ADMIN_DISPLAY_NAME,
                "publisherDomain": emu.organization})
    emu.graph("applications")[app["id"]] = app
    sync_admin_credentials(emu)
    if settings.get("microsoft_graph_sp", True):
        sp = first_party_sp(emu, GRAPH_APP_ID)
        sps[sp["id"]] = sp
    if settings.get("exchange_online_sp", True):
        sp = first_party_sp(emu, EXCHANGE_APP_ID)
        sps[sp["id"]] = sp
    defs = emu.graph("roleDefinitions")
    for template_id, name in WELLKNOWN["entra_builtin_roles"]:
        rd = _role_definition_template()
        rd.update({"id": template_id, "templateId": template_id, "displayName": name, "isBuiltIn": True,
                   "version": "1", "description": ROLE_DESCRIPTIONS.get(template_id, f"Built-in role {name}."),
                   "inheritsPermissionsFrom": [{"id": "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"}]})
        defs[template_id] = rd
    emu.graph("appRoleAssignments")
    emu.graph("roleAssignments")


def admin_application(emu):
    """The seeded admin's application object (None before the first seeding)."""
    admin_app = emu.identity["admin_client_id"]
    return next((a for a in emu.graph("applications").values() if a.get("appId") == admin_app), None)


def sync_admin_credentials(emu):
    """Register the emulator's admin certificate (``keyCredentials``) and its workload identity federation
    (``federatedIdentityCredentials``: the emulator's own issuer and subject) on the admin application.
    Entries a caller added are kept; the emulator's own ones are replaced (the issuer carries the port)."""
    from . import tokens

    app = admin_application(emu)
    if app is None:
        return
    cert = getattr(emu, "admin_certificate", None)
    keys = [k for k in app.get("keyCredentials") or [] if k.get("displayName") != tokens.ADMIN_KEY_DISPLAY_NAME]
    if cert:
        keys.append({
            "customKeyIdentifier": cert["thumbprint"], "displayName": tokens.ADMIN_KEY_DISPLAY_NAME,
            "endDateTime": utcnow_iso(cert["not_after"]), "key": base64.b64encode(cert["der"]).decode("ascii"),
            "keyId": str(uuid.uuid5(uuid.NAMESPACE_OID, cert["thumbprint"])),
            "startDateTime": utcnow_iso(cert["not_before"]), "type": "AsymmetricX509Cert", "usage": "Verify",
        })
    app["keyCredentials"] = keys
    fics = [f for f in app.get("federatedIdentityCredentials") or [] if f.get("name") != tokens.FEDERATION_FIC_NAME]
    issuer = tokens.federation_issuer(emu)
    if issuer:
        fics.append({
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, issuer + "#" + emu.identity["admin_client_id"])),
            "name": tokens.FEDERATION_FIC_NAME, "issuer": issuer, "subject": tokens.FEDERATED_SUBJECT,
            "audiences": [tokens.FEDERATION_AUDIENCE],
            "description": "Workload identity federation with the emulator's own token issuer.",
        })
    app["federatedIdentityCredentials"] = fics


# ---------------------------------------------------------------------------------------------------------------
# Hook API (called by the ARM side and the job evaluation)
# ---------------------------------------------------------------------------------------------------------------
def register_managed_identity(emu, principal_id, client_id, name, resource_id):
    explicit = "/providers/microsoft.managedidentity/userassignedidentities/" in resource_id.lower()
    with emu.lock:
        sps = emu.graph("servicePrincipals")
        existing = sps.get(principal_id)
        if existing is not None:
            existing["displayName"] = name
            existing["alternativeNames"] = ["isExplicit=" + ("True" if explicit else "False"), resource_id]
            return existing
        sp = _sp_template()
        sp.update({
            "id": principal_id,
            "appId": client_id,
            "displayName": name,
            "servicePrincipalType": "ManagedIdentity",
            "alternativeNames": ["isExplicit=" + ("True" if explicit else "False"), resource_id],
            "servicePrincipalNames": [client_id, f"https://identity.azure.net/{_b64(uuid.uuid4().bytes * 2)}"],
            "createdDateTime": utcnow_iso(emu.now()),
            "keyCredentials": [{
                "customKeyIdentifier": uuid.uuid4().hex.upper()[:40], "displayName": f"CN={client_id}",
                "endDateTime": utcnow_iso(emu.now() + 90 * 86400), "key": None, "keyId": new_guid(),
                "startDateTime": utcnow_iso(emu.now()), "type": "AsymmetricX509Cert", "usage": "Verify",
            }],
            "_visible_at": emu.now() + float(emu.settings.get("replication_delay_s") or 0),
        })
        sps[principal_id] = sp
        return sp


def remove_managed_identity(emu, principal_id):
    with emu.lock:
        emu.graph("servicePrincipals").pop(principal_id, None)
        _remove_references(emu, principal_id)


def _remove_references(emu, object_id):
    for coll in ("appRoleAssignments", "roleAssignments", "entitlementRoleAssignments"):
        items = emu.graph(coll)
        for key in [k for k, v in items.items() if object_id in (v.get("principalId"), v.get("resourceId"))]:
            del items[key]


def exo_access(emu, principal_id):
    with emu.lock:
        sp = emu.graph("servicePrincipals").get(principal_id)
        visible = bool(sp) and _visible(emu, sp)
        manage = any(
            a.get("principalId") == principal_id and a.get("appRoleId") == MANAGE_AS_APP_ROLE_ID
            and _resource_app_id(emu, a) == EXCHANGE_APP_ID
            for a in emu.graph("appRoleAssignments").values()
        )
        defs = emu.graph("roleDefinitions")
        roles = sorted({
            (defs.get(a.get("roleDefinitionId")) or {}).get("templateId") or a.get("roleDefinitionId")
            for a in emu.graph("roleAssignments").values()
            if a.get("principalId") == principal_id and a.get("directoryScopeId", "/") == "/"
        })
        return {"visible": visible, "app_id": sp["appId"] if sp else None, "manage_as_app": manage,
                "role_template_ids": roles}


def _resource_app_id(emu, assignment):
    resource = emu.graph("servicePrincipals").get(assignment.get("resourceId"))
    return resource.get("appId") if resource else None


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _visible(emu, obj):
    return float(obj.get("_visible_at") or 0) <= emu.now()


def _public(obj):
    return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}


def _not_found(object_id):
    graph_error(404, "Request_ResourceNotFound",
                f"Resource '{object_id}' does not exist or one of its queried reference-property objects are not present.")


def _check_guid(value):
    if not isinstance(value, str) or not GUID_RE.match(value):
        graph_error(400, "Request_BadRequest", f"Invalid object identifier '{value}'.")


def _unquote_key(raw):
    """``appId='x'`` / ``'x'`` (maybe percent-encoded) -> x."""
    value = unquote(raw).strip()
    if value.startswith("'") and value.endswith("'") and len(value) >= 2:
        value = value[1:-1].replace("''", "'")
    return value


def _resolve_sp(req):
    """The service principal a path's ``ref`` names (``/{id}`` or ``(appId='..')``), visible or a 404."""
    emu = req.emu
    ref = req.params["ref"]
    if ref.startswith("("):
        inner = unquote(ref[1:-1])
        m = re.fullmatch(r"\s*appId\s*=\s*(.*)", inner, re.IGNORECASE)
        if not m:
            graph_error(400, "BadRequest", "Bad Request - Error in query syntax.")
        app_id = _unquote_key(m.group(1))
        for sp in emu.graph("servicePrincipals").values():
            if (sp.get("appId") or "").lower() == app_id.lower() and _visible(emu, sp):
                return sp
        _not_found(app_id)
    object_id = unquote(ref[1:])
    _check_guid(object_id)
    sp = _find_by_id(emu.graph("servicePrincipals"), object_id)
    if sp is None or not _visible(emu, sp):
        _not_found(object_id)
    return sp


def _find_by_id(items, object_id):
    if object_id in items:
        return items[object_id]
    lower = object_id.lower()
    for key, value in items.items():
        if key.lower() == lower:
            return value
    return None


def _principal(emu, object_id):
    """(collection kind, object) of a visible user, group or service principal, else (None, None)."""
    if not isinstance(object_id, str):
        return None, None
    for coll, kind in PRINCIPAL_KINDS:
        obj = _find_by_id(emu.graph(coll), object_id)
        if obj is not None and _visible(emu, obj):
            return kind, obj
    return None, None


def _odata_type_of(kind):
    return {"ServicePrincipal": "#microsoft.graph.servicePrincipal", "User": "#microsoft.graph.user",
            "Group": "#microsoft.graph.group"}[kind]


def _metadata(req, fragment):
    return f"{req.base_url}/v1.0/$metadata#{fragment}"


def _body(req):
    body = req.json
    if body is None:
        body = {}
    if not isinstance(body, dict):
        graph_error(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set "
                                       "and payload is of valid JSON format.")
    return body


def _q(req, name):
    """A query option, tolerant of blanks around the name and value (``$filter = x`` works on Graph)."""
    lname = name.lower()
    for key, value in req.query.items():
        if key.strip().lower() == lname:
            return value.strip()
    return None


def _eventual(req):
    return (req.headers.get("ConsistencyLevel") or "").strip().lower() == "eventual"


# ---------------------------------------------------------------------------------------------------------------
# OData query options: $filter, $select, $orderby, $top/$skiptoken, $count, $search
# ---------------------------------------------------------------------------------------------------------------
class FilterError(Exception):
    pass


_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_][\w.]*(?:/[A-Za-z_][\w.]*)*)
  | (?P<punct>[(),:])
""", re.VERBOSE)

_COMPARISON = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCTIONS = {"startswith", "endswith", "contains"}


def _tokenize(text):
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise FilterError(f"Syntax error at position {pos} in '{text}'.")
        kind = m.lastgroup
        if kind != "ws":
            value = m.group(kind)
            if kind == "string":
                value = value[1:-1].replace("''", "'")
            tokens.append((kind, value, pos))
        pos = m.end()
    tokens.append(("end", None, len(text)))
    return tokens


class _Parser:
    """Recursive descent over the OData $filter subset Graph's directory supports."""

    def __init__(self, text, resource):
        self.text = text
        self.resource = resource
        self.tokens = _tokenize(text)
        self.i = 0
        self.lambda_var = None

    def peek(self, offset=0):
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self):
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, tok=None):
        tok = tok or self.peek()
        raise FilterError(f"Syntax error at position {tok[2]} in '{self.text}'.")

    def expect_punct(self, char):
        tok = self.take()
        if tok[0] != "punct" or tok[1] != char:
            self.error(tok)

    def is_word(self, word, offset=0):
        tok = self.peek(offset)
        return tok[0] == "ident" and tok[1].lower() == word

    def parse(self):
        node = self.parse_or()
        if self.peek()[0] != "end":
            self.error()
        return node

    def parse_or(self):
        node = self.parse_and()
        while self.is_word("or"):
            self.take()
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self):
        node = self.parse_not()
        while self.is_word("and"):
            self.take()
            node = ("and", node, self.parse_not())
        return node

    def parse_not(self):
        if self.is_word("not"):
            self.take()
            return ("not", self.parse_not())
        return self.parse_primary()

    def parse_primary(self):
        tok = self.peek()
        if tok[0] == "punct" and tok[1] == "(":
            self.take()
            node = self.parse_or()
            self.expect_punct(")")
            return node
        if tok[0] == "ident" and tok[1].lower() in _FUNCTIONS and self.peek(1)[:2] == ("punct", "("):
            self.take()
            self.take()
            left = self.parse_operand()
            self.expect_punct(",")
            right = self.parse_operand()
            self.expect_punct(")")
            return ("func", tok[1].lower(), left, right)
        if tok[0] == "ident" and re.search(r"/(any|all)$", tok[1], re.IGNORECASE) and self.peek(1)[:2] == ("punct", "("):
            return self.parse_lambda()
        left = self.parse_operand()
        op = self.take()
        if op[0] != "ident":
            self.error(op)
        name = op[1].lower()
        if name in _COMPARISON:
            return ("cmp", name, left, self.parse_operand())
        if name == "in":
            self.expect_punct("(")
            values = [self.parse_operand()]
            while self.peek()[:2] == ("punct", ","):
                self.take()
                values.append(self.parse_operand())
            self.expect_punct(")")
            return ("in", left, values)
        self.error(op)

    def parse_lambda(self):
        tok = self.take()
        path, _slash, kind = tok[1].rpartition("/")
        prop = self.property(path, tok)
        self.take()  # (
        var = self.take()
        if var[0] != "ident":
            self.error(var)
        self.expect_punct(":")
        outer, self.lambda_var = self.lambda_var, var[1]
        body = self.parse_or()
        self.lambda_var = outer
        self.expect_punct(")")
        return ("lambda", kind.lower(), prop, var[1], body)

    def parse_operand(self):
        tok = self.take()
        kind, value = tok[0], tok[1]
        if kind == "string":
            return ("lit", value)
        if kind == "guid":
            return ("lit", value)
        if kind == "number":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "ident":
            lower = value.lower()
            if lower in ("true", "false"):
                return ("lit", lower == "true")
            if lower == "null":
                return ("lit", None)
            if self.lambda_var is not None and value == self.lambda_var:
                return ("var", value)
            return ("prop", self.property(value, tok))
        self.error(tok)

    def property(self, path, tok):
        first = path.split("/", 1)[0]
        name = self.resource.canonical(first)
        if name is None:
            raise FilterError(f"Could not find a property named '{first}' on type '{self.resource.odata_type}'.")
        if name not in self.resource.filterable:
            raise ApiError(400, {"error": {
                "code": "Request_UnsupportedQuery",
                "message": f"Unsupported or invalid query filter clause specified for property '{name}' of resource "
                           f"'{self.resource.entity_name}'."}})
        return name if "/" not in path else name + "/" + path.split("/", 1)[1]


def parse_filter(text, resource):
    """Parse ``$filter`` into an AST; a bad clause is Graph's 400."""
    try:
        return _Parser(text, resource).parse()
    except FilterError as err:
        graph_error(400, "BadRequest", f"Invalid filter clause: {err}")


def _norm(value):
    return value.lower() if isinstance(value, str) else value


def _value(node, obj, env):
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "var":
        return env.get(node[1])
    if kind == "prop":
        cur = obj
        for part in node[1].split("/"):
            if not isinstance(cur, dict):
                return None
            cur = cur.get(part)
        return cur
    raise ApiError(400, {"error": {"code": "Request_UnsupportedQuery", "message": "Unsupported Query."}})


def _compare(op, left, right):
    left, right = _norm(left), _norm(right)
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    if left is None or right is None:
        return False
    try:
        return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[op]
    except TypeError:
        return False


def evaluate(node, obj, env=None):
    env = env or {}
    kind = node[0]
    if kind == "or":
        return evaluate(node[1], obj, env) or evaluate(node[2], obj, env)
    if kind == "and":
        return evaluate(node[1], obj, env) and evaluate(node[2], obj, env)
    if kind == "not":
        return not evaluate(node[1], obj, env)
    if kind == "cmp":
        return _compare(node[1], _value(node[2], obj, env), _value(node[3], obj, env))
    if kind == "in":
        left = _norm(_value(node[1], obj, env))
        return any(left == _norm(_value(v, obj, env)) for v in node[2])
    if kind == "func":
        left, right = _value(node[2], obj, env), _value(node[3], obj, env)
        if not isinstance(left, str) or not isinstance(right, str):
            return False
        left, right = left.lower(), right.lower()
        return {"startswith": left.startswith(right), "endswith": left.endswith(right),
                "contains": right in left}[node[1]]
    if kind == "lambda":
        _k, quant, prop, var, body = node
        items = obj.get(prop) or []
        if not isinstance(items, list):
            return False
        results = (evaluate(body, obj, dict(env, **{var: item})) for item in items)
        return any(results) if quant == "any" else all(results)
    raise ApiError(400, {"error": {"code": "Request_UnsupportedQuery", "message": "Unsupported Query."}})


def parse_select(req, resource):
    raw = _q(req, "$select")
    if raw is None:
        return None
    names = []
    for part in [p.strip() for p in raw.split(",") if p.strip()]:
        name = resource.canonical(part)
        if name is None:
            graph_error(400, "BadRequest", f"Parsing OData Select and Expand failed: Could not find a property named "
                                           f"'{part}' on type '{resource.odata_type}'.")
        if name not in names:
            names.append(name)
    return names or None


def parse_expand(req, resource, supported):
    raw = _q(req, "$expand")
    if raw is None:
        return []
    out = []
    for part in [p.strip() for p in raw.split(",") if p.strip()]:
        base = re.split(r"[($]", part, 1)[0].strip()
        name = resource.relationships.get(base.lower())
        if name is None:
            graph_error(400, "BadRequest", f"Parsing OData Select and Expand failed: Could not find a property named "
                                           f"'{base}' on type '{resource.odata_type}'.")
        if name not in supported:
            graph_error(400, "Request_UnsupportedQuery", f"The expand of '{name}' is not supported.")
        out.append(name)
    return out


def apply_select(obj, names):
    if not names:
        return obj
    return {k: obj.get(k) for k in names}


def _context_select(fragment, names):
    return f"{fragment}({','.join(names)})" if names else fragment


def _skiptoken_encode(offset):
    return "E" + _b64(json.dumps({"o": offset}).encode())


def _skiptoken_decode(token):
    try:
        pad = "=" * (-(len(token) - 1) % 4)
        offset = json.loads(base64.urlsafe_b64decode(token[1:] + pad))["o"]
        if token[0] != "E" or not isinstance(offset, int) or offset < 0:
            raise ValueError
        return offset
    except (ValueError, KeyError, TypeError, IndexError):
        graph_error(400, "Request_BadRequest", "Invalid paging token.")


def list_response(req, items, resource, context, default_top=100, max_top=999, directory=True, serialize=None):
    """Apply $filter/$search/$orderby/$count/$top/$skiptoken/$select to ``items`` (public dicts) and page them."""
    node = None
    raw_filter = _q(req, "$filter")
    if raw_filter is not None and raw_filter.strip():
        node = parse_filter(raw_filter, resource)
        items = [o for o in items if evaluate(node, o)]
    search = _q(req, "$search")
    if search is not None:
        if directory and not _eventual(req):
            graph_error(400, "Request_UnsupportedQuery", "Request with $search query parameter only works through "
                                                         "MSGraph with a special request header: 'ConsistencyLevel: eventual'")
        items = _apply_search(search, items, resource)
    orderby = _q(req, "$orderby")
    if orderby:
        for clause in reversed([c.strip() for c in orderby.split(",") if c.strip()]):
            parts = clause.split()
            name = resource.canonical(parts[0])
            if name is None or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
                graph_error(400, "BadRequest", f"Invalid orderby clause: '{clause}'.")
            desc = len(parts) == 2 and parts[1].lower() == "desc"
            items = sorted(items, key=lambda o, n=name: (o.get(n) is None, _norm(o.get(n)) or ""), reverse=desc)
    want_count = (_q(req, "$count") or "").lower() == "true"
    if want_count and directory and not _eventual(req):
        graph_error(400, "Request_BadRequest", "$count is not currently supported.")
    top_raw = _q(req, "$top")
    top = default_top
    if top_raw is not None:
        if not top_raw.strip().isdigit() or not 1 <= int(top_raw) <= max_top:
            graph_error(400, "Request_UnsupportedQuery" if directory else "BadRequest",
                        f"Invalid page size specified: '{top_raw}'. Must be between 1 and {max_top} inclusive.")
        top = int(top_raw)
    token = _q(req, "$skiptoken")
    offset = _skiptoken_decode(token) if token else 0
    names = parse_select(req, resource)
    page = items[offset:offset + top] if top else items[offset:]
    out = {"@odata.context": _metadata(req, _context_select(context, names))}
    if want_count:
        out["@odata.count"] = len(items)
    if top and offset + top < len(items):
        query = [(k.strip(), v.strip()) for k, v in req.query.items() if k.strip().lower() != "$skiptoken"]
        query.append(("$skiptoken", _skiptoken_encode(offset + top)))
        out["@odata.nextLink"] = (f"{req.base_url}{req.path}?"
                                  + urlencode(query, quote_via=quote, safe="$(),:/'"))
    serialize = serialize or (lambda o: o)
    out["value"] = [apply_select(serialize(o), names) for o in page]
    return 200, out


def _apply_search(search, items, resource):
    text = search.strip()
    clauses = re.split(r"\s+(AND|OR)\s+", text)
    terms, ops = clauses[0::2], clauses[1::2]

    def term_match(term, obj):
        term = term.strip().strip('"')
        prop, sep, value = term.partition(":")
        if not sep:
            graph_error(400, "Request_UnsupportedQuery", f"Syntax error: '{term}' is not a valid $search clause.")
        name = resource.canonical(prop.strip())
        if name is None:
            graph_error(400, "Request_UnsupportedQuery", f"Unsupported property '{prop}' in $search.")
        field = obj.get(name)
        return isinstance(field, str) and value.strip().lower() in field.lower()

    out = []
    for obj in items:
        result = term_match(terms[0], obj)
        for op, term in zip(ops, terms[1:]):
            result = (result and term_match(term, obj)) if op == "AND" else (result or term_match(term, obj))
        if result:
            out.append(obj)
    return out


def _visible_public(emu, collection):
    return [_public(o) for o in emu.graph(collection).values() if _visible(emu, o)]


# ---------------------------------------------------------------------------------------------------------------
# servicePrincipals
# ---------------------------------------------------------------------------------------------------------------
SP_READ_ONLY = {"id", "appId", "appOwnerOrganizationId", "deletedDateTime", "createdDateTime", "servicePrincipalType",
                "signInAudience", "applicationTemplateId", "appDisplayName", "appDescription", "publisherName",
                "verifiedPublisher", "disabledByMicrosoftStatus", "resourceSpecificApplicationPermissions"}


@route("graph", "GET", V1 + r"/servicePrincipals/(?:\$|%24)count")
def sp_count(req):
    if not _eventual(req):
        graph_error(400, "Request_BadRequest", "$count is not currently supported.")
    with req.emu.lock:
        items = _visible_public(req.emu, "servicePrincipals")
        raw_filter = _q(req, "$filter")
        if raw_filter:
            node = parse_filter(raw_filter, SERVICE_PRINCIPAL)
            items = [o for o in items if evaluate(node, o)]
        return 200, str(len(items)), {"Content-Type": "text/plain"}


@route("graph", "GET", V1 + r"/servicePrincipals")
def sp_list(req):
    with req.emu.lock:
        items = _visible_public(req.emu, "servicePrincipals")
        return list_response(req, items, SERVICE_PRINCIPAL, "servicePrincipals")


@route("graph", "POST", V1 + r"/servicePrincipals")
def sp_create(req):
    emu = req.emu
    body = _body(req)
    app_id = body.get("appId")
    if not isinstance(app_id, str) or not app_id:
        graph_error(400, "Request_BadRequest", "Invalid value specified for property 'appId' of resource "
                                               "'ServicePrincipal'.")
    with emu.lock:
        sps = emu.graph("servicePrincipals")
        for existing in sps.values():
            if (existing.get("appId") or "").lower() == app_id.lower():
                graph_error(409, "Request_MultipleObjectsWithSameKeyValue",
                            f"The service principal cannot be created, updated, or restored because the service "
                            f"principal name {app_id} is already in use.")
        sp = first_party_sp(emu, app_id.lower())
        if sp is None:
            app = next((a for a in emu.graph("applications").values()
                        if (a.get("appId") or "").lower() == app_id.lower() and _visible(emu, a)), None)
            if app is None:
                message = f"The appId '{app_id}' of the service principal does not reference a valid application object."
                raise ApiError(400, {"error": {"code": "Request_BadRequest", "message": message, "details": [
                    {"code": "NoBackingApplicationObject", "message": message, "target": "appId"}]}})
            sp = _sp_template()
            sp.update({
                "id": new_guid(), "appId": app["appId"], "displayName": app.get("displayName"),
                "appDisplayName": app.get("displayName"), "appOwnerOrganizationId": emu.tenant_id,
                "createdDateTime": utcnow_iso(emu.now()), "publisherName": app.get("publisherDomain"),
                "servicePrincipalNames": [app["appId"]] + list(app.get("identifierUris") or []),
                "appRoles": copy.deepcopy(app.get("appRoles") or []),
                "signInAudience": app.get("signInAudience") or "AzureADMyOrg",
            })
        for key in ("accountEnabled", "appRoleAssignmentRequired", "tags", "notes", "description", "displayName",
                    "homepage", "loginUrl", "logoutUrl", "replyUrls", "notificationEmailAddresses"):
            if key in body:
                sp[key] = copy.deepcopy(body[key])
        sps[sp["id"]] = sp
        out = {"@odata.context": _metadata(req, "servicePrincipals/$entity")}
        out.update(_public(sp))
        return 201, out, {"Location": f"{req.base_url}/v2/{emu.tenant_id}/directoryObjects/{sp['id']}/"
                                      "Microsoft.DirectoryServices.ServicePrincipal"}


@route("graph", "GET", V1 + SP_REF)
def sp_get(req):
    with req.emu.lock:
        sp = _resolve_sp(req)
        names = parse_select(req, SERVICE_PRINCIPAL)
        out = {"@odata.context": _metadata(req, _context_select("servicePrincipals", names) + "/$entity")}
        out.update(apply_select(_public(sp), names))
        return 200, out


@route("graph", "PATCH", V1 + SP_REF)
def sp_update(req):
    body = _body(req)
    with req.emu.lock:
        sp = _resolve_sp(req)
        for key, value in body.items():
            if key.startswith("@odata."):
                continue
            name = SERVICE_PRINCIPAL.canonical(key)
            if name is None:
                graph_error(400, "BadRequest", f"The property '{key}' does not exist on type "
                                               f"'{SERVICE_PRINCIPAL.odata_type}'. Make sure to only use property names "
                                               "that are defined by the type or mark the type as open type.")
            if name in SP_READ_ONLY:
                graph_error(400, "Request_BadRequest", f"Property '{name}' is read-only and cannot be set.")
        for key, value in body.items():
            if not key.startswith("@odata."):
                sp[SERVICE_PRINCIPAL.canonical(key)] = copy.deepcopy(value)
        return 204, None


@route("graph", "DELETE", V1 + SP_REF)
def sp_delete(req):
    with req.emu.lock:
        sp = _resolve_sp(req)
        del req.emu.graph("servicePrincipals")[sp["id"]]
        _remove_references(req.emu, sp["id"])
        return 204, None


# ---------------------------------------------------------------------------------------------------------------
# appRoleAssignments (granted to a principal) / appRoleAssignedTo (granted on a resource)
# ---------------------------------------------------------------------------------------------------------------
def _assignment_context(req, sp, side, entity=False):
    if side == "appRoleAssignments":
        fragment = "appRoleAssignments"
    else:
        fragment = f"servicePrincipals('{sp['id']}')/appRoleAssignedTo"
    return fragment + ("/$entity" if entity else "")


def _assignments_of(emu, sp, side):
    key = "principalId" if side == "appRoleAssignments" else "resourceId"
    return [_public(a) for a in emu.graph("appRoleAssignments").values() if a.get(key) == sp["id"]]


def _list_assignments(req, side):
    with req.emu.lock:
        sp = _resolve_sp(req)
        return list_response(req, _assignments_of(req.emu, sp, side), APP_ROLE_ASSIGNMENT,
                             _assignment_context(req, sp, side))


def _create_assignment(req, side):
    emu = req.emu
    body = _body(req)
    with emu.lock:
        path_sp = _resolve_sp(req)
        for field in ("principalId", "resourceId", "appRoleId"):
            value = body.get(field)
            if field == "principalId" and side == "appRoleAssignments" and value is None:
                continue
            if field == "resourceId" and side == "appRoleAssignedTo" and value is None:
                continue
            if not isinstance(value, str) or not GUID_RE.match(value):
                graph_error(400, "Request_BadRequest", f"Invalid value specified for property '{field}' of resource "
                                                       "'AppRoleAssignment'.")
        if side == "appRoleAssignments":
            principal_kind, principal = "ServicePrincipal", path_sp
            if body.get("principalId") and body["principalId"].lower() != path_sp["id"].lower():
                principal_kind, other = _principal(emu, body["principalId"])
                if other is None:
                    graph_error(400, "Request_BadRequest", "Not a valid reference update.")
                graph_error(400, "Request_BadRequest", "Invalid value specified for property 'principalId' of "
                                                       "resource 'AppRoleAssignment'.")
            resource = _find_by_id(emu.graph("servicePrincipals"), body["resourceId"])
            if resource is None or not _visible(emu, resource):
                graph_error(400, "Request_BadRequest", "Not a valid reference update.")
        else:
            resource = path_sp
            if body.get("resourceId") and body["resourceId"].lower() != path_sp["id"].lower():
                other = _find_by_id(emu.graph("servicePrincipals"), body["resourceId"])
                if other is None or not _visible(emu, other):
                    graph_error(400, "Request_BadRequest", "Not a valid reference update.")
                graph_error(400, "Request_BadRequest", "Invalid value specified for property 'resourceId' of "
                                                       "resource 'AppRoleAssignment'.")
            principal_kind, principal = _principal(emu, body["principalId"])
            if principal is None:
                graph_error(400, "Request_BadRequest", "Not a valid reference update.")
        app_role_id = body["appRoleId"].lower()
        roles = [r for r in resource.get("appRoles") or [] if r.get("isEnabled", True)]
        if not any((r.get("id") or "").lower() == app_role_id for r in roles) and not (
                app_role_id == DEFAULT_APP_ROLE_ID and not resource.get("appRoles")):
            graph_error(400, "Request_BadRequest",
                        f"Permission being assigned was not found on application '{resource.get('appId')}'.")
        items = emu.graph("appRoleAssignments")
        for a in items.values():
            if (a.get("principalId") == principal["id"] and a.get("resourceId") == resource["id"]
                    and (a.get("appRoleId") or "").lower() == app_role_id):
                graph_error(400, "Request_BadRequest", "Permission being assigned already exists on the object.")
        assignment = _assignment_template()
        assignment.update({
            "id": _b64(uuid.UUID(principal["id"]).bytes_le + uuid.uuid4().bytes),
            "appRoleId": body["appRoleId"],
            "createdDateTime": utcnow_iso(emu.now()),
            "principalDisplayName": principal.get("displayName"),
            "principalId": principal["id"],
            "principalType": principal_kind,
            "resourceDisplayName": resource.get("displayName"),
            "resourceId": resource["id"],
        })
        items[assignment["id"]] = assignment
        out = {"@odata.context": _metadata(req, _assignment_context(req, path_sp, side, entity=True))}
        out.update(_public(assignment))
        return 201, out


def _find_assignment(req, side):
    sp = _resolve_sp(req)
    key = "principalId" if side == "appRoleAssignments" else "resourceId"
    assignment = req.emu.graph("appRoleAssignments").get(req.params["aid"])
    if assignment is None or assignment.get(key) != sp["id"]:
        _not_found(req.params["aid"])
    return sp, assignment


@route("graph", "GET", V1 + SP_REF + r"/appRoleAssignments")
def assignments_list(req):
    return _list_assignments(req, "appRoleAssignments")


@route("graph", "POST", V1 + SP_REF + r"/appRoleAssignments")
def assignments_create(req):
    return _create_assignment(req, "appRoleAssignments")


@route("graph", "GET", V1 + SP_REF + r"/appRoleAssignedTo")
def assigned_to_list(req):
    return _list_assignments(req, "appRoleAssignedTo")


@route("graph", "POST", V1 + SP_REF + r"/appRoleAssignedTo")
def assigned_to_create(req):
    return _create_assignment(req, "appRoleAssignedTo")


@route("graph", "GET", V1 + SP_REF + r"/(?P<side>appRoleAssignments|appRoleAssignedTo)/(?P<aid>[^/]+)")
def assignment_get(req):
    side = "appRoleAssignments" if req.params["side"].lower() == "approleassignments" else "appRoleAssignedTo"
    with req.emu.lock:
        sp, assignment = _find_assignment(req, side)
        names = parse_select(req, APP_ROLE_ASSIGNMENT)
        out = {"@odata.context": _metadata(req, _context_select(_assignment_context(req, sp, side), names) + "/$entity")}
        out.update(apply_select(_public(assignment), names))
        return 200, out


@route("graph", "DELETE", V1 + SP_REF + r"/(?P<side>appRoleAssignments|appRoleAssignedTo)/(?P<aid>[^/]+)")
def assignment_delete(req):
    side = "appRoleAssignments" if req.params["side"].lower() == "approleassignments" else "appRoleAssignedTo"
    with req.emu.lock:
        _sp, assignment = _find_assignment(req, side)
        del req.emu.graph("appRoleAssignments")[assignment["id"]]
        return 204, None


# ---------------------------------------------------------------------------------------------------------------
# roleManagement/{directory|entitlementManagement}
# ---------------------------------------------------------------------------------------------------------------
RM = V1 + r"/roleManagement/(?P<provider>directory|entitlementManagement)"


def _provider(req):
    return "directory" if req.params["provider"].lower() == "directory" else "entitlementManagement"


def _role_definitions(req):
    if _provider(req) == "directory":
        return [_public(d) for d in req.emu.graph("roleDefinitions").values() if _visible(req.emu, d)]
    out = []
    for rid, name, actions in ENTITLEMENT_ROLE_DEFINITIONS:
        rd = _role_definition_template()
        rd.update({"id": rid, "templateId": rid, "displayName": name, "description": name, "isBuiltIn": True,
                   "version": "1.0", "rolePermissions": [{"allowedResourceActions": actions, "condition": None}]})
        del rd["resourceScopes"], rd["inheritsPermissionsFrom"]
        out.append(rd)
    return out


def _role_assignments_collection(req):
    return "roleAssignments" if _provider(req) == "directory" else "entitlementRoleAssignments"


def _role_assignment_resource(req):
    return ROLE_ASSIGNMENT if _provider(req) == "directory" else ENTITLEMENT_ROLE_ASSIGNMENT


@route("graph", "GET", RM + r"/roleDefinitions")
def role_definitions_list(req):
    with req.emu.lock:
        return list_response(req, _role_definitions(req), ROLE_DEFINITION,
                             f"roleManagement/{_provider(req)}/roleDefinitions", default_top=0, directory=False)


@route("graph", "GET", RM + r"/roleDefinitions/(?P<id>[^/]+)")
def role_definition_get(req):
    with req.emu.lock:
        wanted = unquote(req.params["id"])
        rd = next((d for d in _role_definitions(req) if d["id"].lower() == wanted.lower()), None)
        if rd is None:
            _not_found(wanted)
        names = parse_select(req, ROLE_DEFINITION)
        out = {"@odata.context": _metadata(
            req, _context_select(f"roleManagement/{_provider(req)}/roleDefinitions", names) + "/$entity")}
        out.update(apply_select(rd, names))
        return 200, out


def _serialize_role_assignment(req, expand):
    emu = req.emu
    defs = {d["id"]: d for d in _role_definitions(req)}

    def serialize(obj):
        out = dict(obj)
        if "principal" in expand:
            kind, principal = _principal(emu, obj.get("principalId"))
            if principal is not None:
                expanded = {"@odata.type": _odata_type_of(kind)}
                expanded.update(_public(principal))
                out["principal"] = expanded
            else:
                out["principal"] = None
        if "roleDefinition" in expand:
            out["roleDefinition"] = defs.get(obj.get("roleDefinitionId"))
        return out

    return serialize


@route("graph", "GET", RM + r"/roleAssignments")
def role_assignments_list(req):
    resource = _role_assignment_resource(req)
    expand = parse_expand(req, resource, {"principal", "roleDefinition"})
    fragment = f"roleManagement/{_provider(req)}/roleAssignments"
    if expand:
        fragment += "(" + ",".join(f"{e}()" for e in expand) + ")"
    with req.emu.lock:
        items = _visible_public(req.emu, _role_assignments_collection(req))
        return list_response(req, items, resource, fragment, default_top=0, directory=False,
                             serialize=_serialize_role_assignment(req, expand))


def _directory_assignment_id(role_id, principal_id, scope):
    raw = uuid.UUID(role_id).bytes_le + uuid.UUID(principal_id).bytes_le
    m = re.fullmatch(r"/(?:administrativeUnits/)?([0-9a-fA-F-]{36})", scope or "")
    if m and GUID_RE.match(m.group(1)):
        raw += uuid.UUID(m.group(1)).bytes_le
    elif scope not in ("/", None):
        raw += uuid.uuid5(uuid.NAMESPACE_URL, scope).bytes_le
    return _b64(raw) + "-1"


@route("graph", "POST", RM + r"/roleAssignments")
def role_assignment_create(req):
    emu = req.emu
    body = _body(req)
    provider = _provider(req)
    for field in ("roleDefinitionId", "principalId"):
        if not isinstance(body.get(field), str) or not body.get(field):
            graph_error(400, "Request_BadRequest", f"Invalid value specified for property '{field}' of resource "
                                                   "'UnifiedRoleAssignment'.")
    scope, app_scope = body.get("directoryScopeId"), body.get("appScopeId")
    if provider == "directory" and not scope and not app_scope:
        graph_error(400, "Request_BadRequest", "Either directoryScopeId or appScopeId must be specified.")
    if provider == "entitlementManagement" and not app_scope:
        graph_error(400, "Request_BadRequest", "appScopeId must be specified.")
    with emu.lock:
        defs = {d["id"].lower(): d for d in _role_definitions(req)}
        role = defs.get(body["roleDefinitionId"].lower())
        if role is None:
            _not_found(body["roleDefinitionId"])
        _kind, principal = _principal(emu, body["principalId"])
        if principal is None:
            _not_found(body["principalId"])
        items = emu.graph(_role_assignments_collection(req))
        for a in items.values():
            if (a.get("principalId") == principal["id"] and a.get("roleDefinitionId") == role["id"]
                    and a.get("directoryScopeId") == scope and a.get("appScopeId") == app_scope):
                graph_error(400, "Request_BadRequest", "A conflicting object with one or more of the specified property "
                                                       "values is present in the directory.")
        if provider == "directory":
            assignment = _role_assignment_template()
            assignment.update({
                "id": _directory_assignment_id(role["id"], principal["id"], scope or "/"),
                "principalId": principal["id"], "principalOrganizationId": emu.tenant_id,
                "resourceScope": scope or "/", "directoryScopeId": scope, "roleDefinitionId": role["id"],
            })
            if app_scope:
                assignment["appScopeId"] = app_scope
        else:
            assignment = _entitlement_assignment_template()
            assignment.update({"id": new_guid(), "principalId": principal["id"], "roleDefinitionId": role["id"],
                               "appScopeId": app_scope})
        items[assignment["id"]] = assignment
        out = {"@odata.context": _metadata(req, f"roleManagement/{provider}/roleAssignments/$entity")}
        if provider == "directory":
            out["@odata.id"] = f"{req.base_url}/v2/{emu.tenant_id}/roleAssignments/{assignment['id']}"
        out.update(_public(assignment))
        return 201, out


def _find_role_assignment(req):
    wanted = unquote(req.params["id"])
    assignment = req.emu.graph(_role_assignments_collection(req)).get(wanted)
    if assignment is None or not _visible(req.emu, assignment):
        _not_found(wanted)
    return assignment


@route("graph", "GET", RM + r"/roleAssignments/(?P<id>[^/]+)")
def role_assignment_get(req):
    resource = _role_assignment_resource(req)
    expand = parse_expand(req, resource, {"principal", "roleDefinition"})
    with req.emu.lock:
        assignment = _find_role_assignment(req)
        names = parse_select(req, resource)
        fragment = _context_select(f"roleManagement/{_provider(req)}/roleAssignments", names) + "/$entity"
        out = {"@odata.context": _metadata(req, fragment)}
        out.update(apply_select(_serialize_role_assignment(req, expand)(_public(assignment)), names + expand
                                if names else None))
        return 200, out


@route("graph", "DELETE", RM + r"/roleAssignments/(?P<id>[^/]+)")
def role_assignment_delete(req):
    with req.emu.lock:
        assignment = _find_role_assignment(req)
        del req.emu.graph(_role_assignments_collection(req))[assignment["id"]]
        return 204, None


# ---------------------------------------------------------------------------------------------------------------
# Control routes (no token; for tests and the contract suite)
# ---------------------------------------------------------------------------------------------------------------
def _control_error(status, message):
    raise ApiError(status, {"error": {"code": "BadRequest" if status == 400 else "NotFound", "message": message}})


# ---------------------------------------------------------------------------------------------------------------
# organization: the tenant, with its verified domains (the initial *.onmicrosoft.com one and the custom ones)
# ---------------------------------------------------------------------------------------------------------------
def _organization(emu):
    initial = emu.organization
    domains = [initial] + [d for d in ACCEPTED_DOMAINS if d.lower() != initial.lower()]
    default = domains[1] if len(domains) > 1 else initial
    return {
        "id": emu.tenant_id, "deletedDateTime": None, "businessPhones": [], "city": None, "country": None,
        "countryLetterCode": "US", "createdDateTime": "2020-01-01T00:00:00Z",
        "displayName": initial.split(".", 1)[0].capitalize(), "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": None, "onPremisesSyncEnabled": None, "postalCode": None,
        "preferredLanguage": "en", "privacyProfile": None, "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [], "state": None, "street": None, "technicalNotificationMails": [],
        "tenantType": "AAD", "assignedPlans": [], "provisionedPlans": [],
        "verifiedDomains": [{"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": name == default,
                             "isInitial": name == initial, "name": name, "type": "Managed"} for name in domains],
    }


ORGANIZATION = Resource("organization", [
    "id", "deletedDateTime", "businessPhones", "city", "country", "countryLetterCode", "createdDateTime",
    "displayName", "marketingNotificationEmails", "onPremisesLastSyncDateTime", "onPremisesSyncEnabled",
    "postalCode", "preferredLanguage", "privacyProfile", "securityComplianceNotificationMails",
    "securityComplianceNotificationPhones", "state", "street", "technicalNotificationMails", "tenantType",
    "assignedPlans", "provisionedPlans", "verifiedDomains"], {"id"})


@route("graph", "GET", V1 + r"/organization")
def organization_list(req):
    return list_response(req, [_organization(req.emu)], ORGANIZATION, "organization", default_top=0)


@route("graph", "GET", V1 + r"/organization/(?P<id>[^/]+)")
def organization_get(req):
    org = _organization(req.emu)
    if unquote(req.params["id"]).lower() != org["id"].lower():
        graph_error(404, "Request_ResourceNotFound", f"Resource '{unquote(req.params['id'])}' does not exist or one "
                                                     f"of its queried reference-property objects are not present.")
    names = parse_select(req, ORGANIZATION)
    out = {"@odata.context": _metadata(req, _context_select("organization", names) + "/$entity")}
    out.update(apply_select(org, names))
    return 200, out


@route("control", "POST", r"/_emulator/graph/managedIdentities")
def control_register_identity(req):
    body = req.json
    if not isinstance(body, dict):
        _control_error(400, "body: {principalId, clientId, name, resourceId}")
    missing = [k for k in ("principalId", "clientId", "name", "resourceId") if not body.get(k)]
    if missing:
        _control_error(400, f"missing {missing}")
    sp = register_managed_identity(req.emu, body["principalId"], body["clientId"], body["name"], body["resourceId"])
    req.emu.save()
    return 201, sp


@route("control", "DELETE", r"/_emulator/graph/managedIdentities/(?P<id>[^/]+)")
def control_remove_identity(req):
    remove_managed_identity(req.emu, req.params["id"])
    req.emu.save()
    return 204, None


@route("control", "GET", r"/_emulator/graph/exoAccess/(?P<id>[^/]+)")
def control_exo_access(req):
    return 200, exo_access(req.emu, req.params["id"])


def insert_object(emu, collection, obj):
    """Store ``obj`` in ``collection`` as given, completing missing properties with the defaults."""
    template = COLLECTION_TEMPLATES.get(collection)
    stored = template() if template else {}
    stored.update(copy.deepcopy(obj))
    delay = stored.pop("_visible_in_s", None)
    if delay is not None:
        stored["_visible_at"] = emu.now() + float(delay)
    if not stored.get("id"):
        if collection == "appRoleAssignments" and GUID_RE.match(str(stored.get("principalId") or "")):
            stored["id"] = _b64(uuid.UUID(stored["principalId"]).bytes_le + uuid.uuid4().bytes)
        else:
            stored["id"] = new_guid()
    if "createdDateTime" in stored and stored["createdDateTime"] is None:
        stored["createdDateTime"] = utcnow_iso(emu.now())
    if collection == "roleDefinitions" and not stored.get("templateId"):
        stored["templateId"] = stored["id"]
    with emu.lock:
        emu.graph(collection)[stored["id"]] = stored
    return stored


@route("control", "POST", r"/_emulator/graph/(?P<collection>[A-Za-z]+)")
def control_insert(req):
    body = req.json
    objects = body if isinstance(body, list) else [body]
    if not all(isinstance(o, dict) for o in objects):
        _control_error(400, "body: a JSON object or a list of objects")
    stored = [insert_object(req.emu, req.params["collection"], o) for o in objects]
    req.emu.save()
    return 201, stored if isinstance(body, list) else stored[0]


@route("control", "GET", r"/_emulator/graph/(?P<collection>[A-Za-z]+)")
def control_list(req):
    with req.emu.lock:
        return 200, list(copy.deepcopy(req.emu.state["graph"].get(req.params["collection"], {})).values())


@route("control", "DELETE", r"/_emulator/graph/(?P<collection>[A-Za-z]+)/(?P<id>[^/]+)")
def control_delete(req):
    with req.emu.lock:
        if req.emu.state["graph"].get(req.params["collection"], {}).pop(req.params["id"], None) is None:
            _control_error(404, f"no {req.params['collection']} object {req.params['id']}")
        _remove_references(req.emu, req.params["id"])
        req.emu.save()
    return 204, None
