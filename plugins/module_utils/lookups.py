# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookups that need both transports: principals (an object id, or a managed identity by its ARM resource id),
resources (service principals by well-known name, appId, object id or display name), app roles, Entra roles and
their assignments, and the Graph-shaped facts the modules return.

Graph replication: after an identity is created, Graph may not know it for a while (seen 15 s to over 5 min).
:func:`retry_replication` retries a call while Graph answers 404 ``Request_ResourceNotFound`` or 400 "Not a
valid reference update" (``GraphError.is_replication_delay``), within ``principal_wait_timeout``. After a write,
:func:`confirm` reads until ``CONFIRM_READS`` consecutive reads agree, as a write to Entra ID is not visible to
every replica at once. Both are configurations of module_utils.waiting.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown
from ansible_collections.m365.exo_automation.plugins.module_utils.arm import get_or_none
from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import (
    GraphError,
    ReplicationTimeout,
    odata_quote,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import (
    check_guid,
    is_guid,
    looks_like_guid,
    parse_resource_id,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.waiting import TimedOut, poll, retry

# Default for the modules' principal_wait_timeout option: replication of a new managed identity to Graph has
# no documented bound; users report from 15 s to over 5 minutes.
PRINCIPAL_WAIT_TIMEOUT = 600
REPLICATION_FIRST = 2.0           # first wait, seconds
REPLICATION_CAP = 20.0            # longest single wait, seconds
CONFIRM_READS = 3                 # consecutive consistent reads after a write
CONFIRM_INTERVAL = 1.0            # seconds between agreeing confirmation reads
CONFIRM_TIMEOUT = 120             # seconds

REPLICATION_HINT = (
    "A new managed identity usually becomes visible to Graph within minutes: re-run the task or raise "
    "principal_wait_timeout. If the identity is not new, check the id.")


# -- waiting for Graph -----------------------------------------------------------------------------
def _replication_delay(exc):
    if isinstance(exc, GraphError) and exc.is_replication_delay():
        return "Graph does not know the object yet: HTTP %s %s" % (exc.status, exc.code or "")
    return None


def retry_replication(fn, timeout, what, on_first_miss=None, option=None, clock=None):
    """``fn()``, called again while it raises a replication error, until ``timeout`` seconds have passed; then
    :class:`ReplicationTimeout` about ``what``. ``on_first_miss(err)`` runs once after the first miss (to fail
    fast on ids of the wrong kind)."""
    last = []

    def when(exc):
        reason = _replication_delay(exc)
        if reason:
            last[:] = [exc]
        return reason

    try:
        return retry(fn, when, timeout, what, first=REPLICATION_FIRST, cap=REPLICATION_CAP, clock=clock,
                     on_first=on_first_miss)
    except TimedOut:
        err = last[0]
        raise ReplicationTimeout(
            "%s: still unknown to Microsoft Graph after waiting %d s (principal_wait_timeout=%s); replication did "
            "not finish. Last answer: %s" % (what, int(timeout), timeout, err.graph_message),
            status=err.status, code=err.code, request_id=err.request_id, hint=REPLICATION_HINT,
            method=err.method, path=err.path, graph_message=err.graph_message, option=option)


def confirm(read, check, what, reads=CONFIRM_READS, interval=CONFIRM_INTERVAL, timeout=CONFIRM_TIMEOUT, clock=None):
    """Read until ``check(read())`` holds for ``reads`` consecutive reads; returns the last read. Raises
    GraphError when that does not happen within ``timeout`` seconds."""
    try:
        return poll(read, check, timeout, what, consecutive=reads, first=interval, cap=interval * 5, clock=clock)
    except TimedOut:
        raise GraphError("%s: the change was written but Microsoft Graph did not show it consistently within %d s"
                         % (what, timeout),
                         hint="Graph replicates writes asynchronously; run the task again to confirm.")


# -- service principals ----------------------------------------------------------------------------
def get_service_principal(graph, object_id, select=None):
    """The service principal with this object id, or None."""
    try:
        return graph.get(graph.service_principals().by_service_principal_id(object_id), select=select)
    except GraphError as err:
        if err.is_not_found():
            return None
        raise


def find_service_principal_by_app_id(graph, app_id):
    found = graph.list(graph.service_principals(), filter="appId eq " + odata_quote(app_id))
    return found[0] if found else None


def find_service_principals_by_display_name(graph, name):
    return graph.list(graph.service_principals(), filter="displayName eq " + odata_quote(name))


def create_service_principal(graph, app_id):
    """Create the service principal of the application ``app_id`` in the tenant; returns it."""
    return graph.post(graph.service_principals(), graph.model("ServicePrincipal", app_id=app_id))


def create_service_principal_of(graph, app_id, option="app_id"):
    """Create the service principal of the application ``app_id``; False when it was created meanwhile by
    someone else (Graph answers that it exists). An application Graph cannot create one for fails naming
    ``option``. Read it afterwards with :func:`confirm`: Graph may not list it at once."""
    try:
        create_service_principal(graph, app_id)
    except GraphError as err:
        if err.is_duplicate():
            return False
        if err.status in (400, 404):
            raise ModuleError(
                "option '%s': Graph cannot create a service principal for appId %s: %s" % (
                    option, app_id, err.graph_message),
                status=err.status, code=err.code, request_id=err.request_id, option=option,
                hint="The application id must belong to an application registration of this tenant or to a "
                     "multi-tenant / first-party application.")
        raise
    return True


def delete_service_principal(graph, object_id):
    """Delete a service principal; False when it was gone already."""
    return graph.delete(graph.service_principals().by_service_principal_id(object_id))


def wait_for_principal(graph, object_id, timeout=PRINCIPAL_WAIT_TIMEOUT, option="principal", clock=None):
    """Wait until Graph knows the service principal ``object_id`` (replication), return it.

    A client (application) id passed where the object id belongs fails at once with an explanation."""

    def fetch():
        return graph.get(graph.service_principals().by_service_principal_id(object_id))

    def wrong_kind(err):
        other = find_service_principal_by_app_id(graph, object_id)
        if other and other.get("id") != object_id:
            raise ModuleError(
                "option '%s': %s is the application (client) id of the service principal '%s', not its "
                "object id. Graph identifies principals by object id (for a managed identity: its principal "
                "id): use %s, or pass the managed identity's ARM resource id instead."
                % (option, object_id, other.get("displayName"), other.get("id")), option=option)

    return retry_replication(fetch, timeout, "option '%s': service principal %s" % (option, object_id),
                             on_first_miss=wrong_kind, option=option, clock=clock)


def closest(value, candidates, n=5):
    """Up to ``n`` candidates that look like ``value`` (case-insensitive), best first."""
    lowered = {}
    for cand in candidates:
        lowered.setdefault(str(cand).lower(), cand)
    matches = difflib.get_close_matches(str(value).lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[m] for m in matches]


# -- shaping ---------------------------------------------------------------------------------------
def app_role_facts(role):
    return {
        "id": role.get("id"),
        "value": role.get("value"),
        "display_name": role.get("displayName"),
        "description": role.get("description"),
        "allowed_member_types": role.get("allowedMemberTypes") or [],
        "is_enabled": role.get("isEnabled", True),
    }


def service_principal_facts(sp):
    return {
        "id": sp.get("id"),
        "app_id": sp.get("appId"),
        "display_name": sp.get("displayName"),
        "service_principal_type": sp.get("servicePrincipalType"),
        "account_enabled": sp.get("accountEnabled"),
        "app_owner_organization_id": sp.get("appOwnerOrganizationId"),
        "alternative_names": sp.get("alternativeNames") or [],
        "app_roles": [app_role_facts(r) for r in (sp.get("appRoles") or [])],
    }


# -- resolution ------------------------------------------------------------------------------------
def resolve_resource(graph, value, option="resource"):
    """Find the service principal named by ``value``: a well-known name, an appId or an object id.

    Returns ``(sp or None, app_id or None)``: ``app_id`` is known for well-known names and appIds even when the
    tenant lacks the service principal (so callers can explain or create it)."""
    value = str(value).strip()
    app_id = wellknown.app_id_for(value)
    if app_id:
        return find_service_principal_by_app_id(graph, app_id), app_id
    if looks_like_guid(value):
        guid = check_guid(value, option)
        sp = find_service_principal_by_app_id(graph, guid)
        if sp:
            return sp, guid
        sp = get_service_principal(graph, guid)
        if sp:
            return sp, sp.get("appId")
        return None, guid if guid in wellknown.FIRST_PARTY_APPS else None
    found = find_service_principals_by_display_name(graph, value)
    if len(found) > 1:
        raise ModuleError("option '%s': %d service principals are named '%s'; use an appId or object id: %s"
                          % (option, len(found), value, ", ".join(
                              "%s (appId %s)" % (sp.get("id"), sp.get("appId")) for sp in found)), option=option)
    if found:
        return found[0], found[0].get("appId")
    return None, None


def missing_resource_error(value, app_id, option="resource"):
    if app_id:
        return ModuleError(
            "option '%s': the tenant has no service principal for '%s' (appId %s). Create it first with "
            "m365.exo_automation.service_principal (app_id: %s, state: present); this is the documented fix when "
            "Get-MgServicePrincipal -Filter \"AppId eq '%s'\" returns nothing." % (option, value, app_id, app_id, app_id),
            option=option)
    return ModuleError(
        "option '%s': no service principal matches '%s' (tried well-known names %s, appId, object id and display "
        "name)." % (option, value, ", ".join(wellknown.well_known_names())), option=option)


def _resolve_all(values, option, resolve_one):
    """``resolve_one(key)`` gives the object a value names, or a string saying why none does. Every value is
    tried and all that fail are named in one ModuleError naming ``option``; an object named twice is kept once,
    in the order given."""
    resolved = []
    errors = []
    for value in values:
        found = resolve_one(str(value).strip())
        if isinstance(found, str):
            errors.append(found)
        elif found not in resolved:
            resolved.append(found)
    if errors:
        raise ModuleError("option '%s': %s" % (option, "; ".join(errors)), option=option)
    return resolved


def resolve_app_roles(values, app_roles, option="app_roles", resource_name=None):
    """Map role values (``Exchange.ManageAsApp``) or ids to app role dicts ``{id, value, ...}`` of a resource.

    ``app_roles``: the resource's appRoles (Graph shape). Unknown values fail with the allowed values and the
    closest matches; roles that an application cannot hold fail too."""
    by_value = {}
    by_lower = {}
    by_id = {}
    for role in app_roles:
        if role.get("value"):
            by_value[role["value"]] = role
            by_lower.setdefault(role["value"].lower(), []).append(role)
        by_id[str(role.get("id")).lower()] = role
    resource = resource_name or "the resource"

    def one(key):
        role = by_value.get(key) or by_id.get(key.lower())
        if role is None and len(by_lower.get(key.lower(), [])) == 1:
            role = by_lower[key.lower()][0]
        if role is None:
            if looks_like_guid(key) and not is_guid(key):
                return "'%s' is not a valid GUID" % key
            allowed = sorted(by_value)
            near = closest(key, allowed)
            return "'%s' is not an app role of %s%s; allowed: %s" % (
                key, resource, (" (closest: %s)" % ", ".join(near)) if near else "",
                ", ".join(allowed) if len(allowed) <= 40 else ", ".join(allowed[:40]) + ", ... (%d in all)" % len(allowed))
        members = role.get("allowedMemberTypes")
        if members and "Application" not in members:
            return "app role '%s' can only be assigned to %s, not to a service principal" % (
                role.get("value") or role.get("id"), " and ".join(members))
        if role.get("isEnabled") is False:
            return "app role '%s' is disabled on %s" % (role.get("value") or role.get("id"), resource)
        return role

    return _resolve_all(values, option, one)


def resolve_directory_roles(values, definitions, option="roles"):
    """Map Entra role display names (case-insensitive) or template/definition ids to role definitions.

    Unknown names fail with the closest valid names."""
    by_name = {}
    by_id = {}
    for d in definitions:
        if d.get("displayName"):
            by_name.setdefault(d["displayName"].lower(), d)
        for key in ("id", "templateId"):
            if d.get(key):
                by_id.setdefault(str(d[key]).lower(), d)
    names = sorted(d.get("displayName") for d in definitions if d.get("displayName"))

    def one(key):
        d = by_name.get(key.lower()) or by_id.get(key.lower())
        if d is not None:
            return d
        if looks_like_guid(key):
            if not is_guid(key):
                return "'%s' is not a valid GUID" % key
            return "no Entra role definition has the id or template id %s" % key
        near = closest(key, names)
        return "unknown Entra role '%s'%s" % (
            key, ("; closest valid names: %s" % ", ".join(near)) if near else
            "; see roleManagement/directory/roleDefinitions for the %d valid names" % len(names))

    return _resolve_all(values, option, one)


def service_principal_argspec(**options):
    """The options that name a service principal (``app_id``, ``object_id`` alias ``id``, ``display_name`` alias
    ``name``) plus ``options``: the argument spec of service_principal and service_principal_info."""
    spec = dict(
        app_id=dict(type="str"),
        object_id=dict(type="str", aliases=["id"]),
        display_name=dict(type="str", aliases=["name"]),
    )
    spec.update(options)
    return spec


def _identity_principal(source, resource_id, identity, missing, client_id=True):
    """A resolved managed identity: ``identity`` is the SDK object that carries ``principal_id`` (and, with
    ``client_id``, ``client_id``), or None; ``missing`` (with ``%s`` for the resource id) says why there is no
    principal id."""
    principal_id = getattr(identity, "principal_id", None) if identity is not None else None
    return {"id": principal_id.lower() if principal_id else None, "source": source, "resource_id": resource_id,
            "client_id": getattr(identity, "client_id", None) if client_id and identity is not None else None,
            "missing": None if principal_id else missing % resource_id}


def resolve_principal(m, value, option="principal"):
    """Resolve a principal given as an object id GUID or as the ARM resource id of a managed identity.

    Returns ``{"id", "source", "resource_id", "client_id"}``; ``id`` is None when the ARM resource (or its
    identity) does not exist yet, which callers accept only in check mode."""
    text = str(value or "").strip()
    if not text:
        raise ModuleError("option '%s' is required: an object id or the ARM resource id of an Automation account "
                          "or user-assigned managed identity" % option, option=option)
    if not text.startswith("/"):
        return {"id": check_guid(text, option), "source": "object_id", "resource_id": None, "client_id": None}
    arm = parse_resource_id(text)
    supported = "Microsoft.Automation/automationAccounts (system-assigned identity) or " \
                "Microsoft.ManagedIdentity/userAssignedIdentities"
    if not arm:
        raise ModuleError("option '%s': '%s' is neither an object id nor an ARM resource id of the form "
                          "/subscriptions/<id>/resourceGroups/<group>/providers/<type>/<name> (%s)"
                          % (option, text, supported), option=option)
    rtype = (arm["namespace"] + "/" + arm["type"]).lower()

    if rtype == "microsoft.automation/automationaccounts":
        client = m.arm_client("automation", arm["subscription"])
        account = get_or_none(client.automation_account.get, arm["resource_group"], arm["name"])
        if account is None:
            return _identity_principal("automation_account", text, None, "the Automation account %s does not exist")
        identity = getattr(account, "identity", None)
        itype = str(getattr(identity, "type", "") or "None")
        return _identity_principal(
            "automation_account", text, identity,
            "the Automation account %%s has no system-assigned managed identity (identity type '%s'); enable it "
            "(m365.exo_automation.automation_account identity: system) or name the user-assigned identity's "
            "resource id" % itype, client_id=False)
    if rtype == "microsoft.managedidentity/userassignedidentities":
        client = m.arm_client("msi", arm["subscription"])
        uai = get_or_none(client.user_assigned_identities.get, arm["resource_group"], arm["name"])
        if uai is None:
            return _identity_principal("user_assigned_identity", text, None, "the user-assigned identity %s does not exist")
        return _identity_principal("user_assigned_identity", text, uai, "the identity %s has no principal id yet")
    raise ModuleError("option '%s': resource type %s/%s has no managed identity this collection can resolve; "
                      "supported: %s" % (option, arm["namespace"], arm["type"], supported), option=option)


def principal_id_or_warn(m, value, option="principal"):
    """The object id of the principal ``value`` names (see :func:`resolve_principal`), or None after a warning
    that says why there is none: an ``_info`` module reports a missing identity, it does not fail."""
    principal = resolve_principal(m, value, option)
    if principal["id"] is None:
        m.warn("option '%s': %s" % (option, principal["missing"]))
    return principal["id"]


def require_principal(m, principal, option="principal"):
    """The object id of a resolved principal. A missing identity fails, except in check mode, where the
    caller predicts a change (the identity may be created by an earlier task of the same run) and warns."""
    if principal.get("id"):
        return principal["id"]
    reason = principal.get("missing") or "the principal does not exist"
    if m.check_mode:
        m.warn("option '%s': %s; in check mode the grants are predicted as changes." % (option, reason))
        return None
    raise ModuleError("option '%s': %s" % (option, reason), option=option)


# -- assignments ---------------------------------------------------------------------------------------
ROLE_DEFINITION_SELECT = "id,displayName,templateId,isBuiltIn,isEnabled,description"


def list_role_definitions(graph):
    """Entra role definitions (built-in and custom) of the tenant."""
    return graph.list(graph.directory_role_management().role_definitions, select=ROLE_DEFINITION_SELECT)


# Built-in Entra roles by lower-cased display name and by template id: (display name, template id).
_BUILT_IN_ROLES = dict((name.lower(), (name, tid)) for name, tid in wellknown.ENTRA_ROLES.items())
_BUILT_IN_ROLES.update((tid, (name, tid)) for name, tid in wellknown.ENTRA_ROLES.items())


def built_in_role_definition(name, template_id):
    return {"id": template_id, "templateId": template_id, "displayName": name, "isBuiltIn": True}


def well_known_role_definitions(values):
    """Role definitions (Graph shape) of ``values`` when each one names a built-in Entra role by its display name
    (any case) or template id (wellknown.ENTRA_ROLES): a built-in role's definition has its template id as id, so
    nothing needs to be read. None when any value is something else (a custom role, a typo, a malformed id):
    then the tenant's definitions are read and resolve_directory_roles says what is wrong."""
    found = []
    for value in values or []:
        known = _BUILT_IN_ROLES.get(str(value).strip().lower())
        if known is None:
            return None
        found.append(built_in_role_definition(*known))
    return found


def well_known_role_definition(role_definition_id):
    """The definition of a built-in Entra role by its id, or None (a custom role: read it)."""
    known = _BUILT_IN_ROLES.get(str(role_definition_id or "").lower())
    return built_in_role_definition(*known) if known is not None else None


def list_app_role_assignments(graph, principal_id, resource_id=None):
    """App roles granted to ``principal_id`` (a service principal), optionally only on ``resource_id``."""
    items = graph.list(graph.service_principals().by_service_principal_id(principal_id).app_role_assignments)
    if resource_id:
        items = [a for a in items if str(a.get("resourceId", "")).lower() == resource_id.lower()]
    return items


def list_app_role_assigned_to(graph, resource_id):
    """Every app role granted on the resource service principal ``resource_id``."""
    return graph.list(graph.service_principals().by_service_principal_id(resource_id).app_role_assigned_to)


def grant_app_role(graph, principal_id, resource_id, app_role_id):
    """Grant the app role ``app_role_id`` of ``resource_id`` to ``principal_id``; returns the assignment."""
    body = graph.model("AppRoleAssignment", principal_id=principal_id, resource_id=resource_id,
                       app_role_id=app_role_id)
    return graph.post(graph.service_principals().by_service_principal_id(principal_id).app_role_assignments, body)


def revoke_app_role(graph, principal_id, assignment_id):
    """Delete the app-role assignment ``assignment_id`` of ``principal_id``; False when it was gone already."""
    assignments = graph.service_principals().by_service_principal_id(principal_id).app_role_assignments
    return graph.delete(assignments.by_app_role_assignment_id(assignment_id))


def list_directory_role_assignments(graph, principal_id=None, role_definition_id=None):
    """Entra role assignments of a principal, or of a role definition."""
    if principal_id:
        flt = "principalId eq " + odata_quote(principal_id)
    else:
        flt = "roleDefinitionId eq " + odata_quote(role_definition_id)
    return graph.list(graph.directory_role_management().role_assignments, filter=flt)


def assign_directory_role(graph, principal_id, role_definition_id, scope="/"):
    """Assign the Entra role ``role_definition_id`` to ``principal_id`` at directory scope ``scope``."""
    body = graph.model("UnifiedRoleAssignment", principal_id=principal_id, role_definition_id=role_definition_id,
                       directory_scope_id=scope)
    return graph.post(graph.directory_role_management().role_assignments, body)


def remove_directory_role_assignment(graph, assignment_id):
    """Delete an Entra role assignment; False when it was gone already."""
    assignments = graph.directory_role_management().role_assignments
    return graph.delete(assignments.by_unified_role_assignment_id(assignment_id))


def app_role_assignment_facts(a, role_values=None):
    """Snake-case facts of an appRoleAssignment; ``role_values`` maps lower-cased app role ids to values."""
    role_id = a.get("appRoleId")
    return {
        "id": a.get("id"),
        "app_role_id": role_id,
        "app_role_value": (role_values or {}).get(str(role_id).lower()),
        "principal_id": a.get("principalId"),
        "principal_display_name": a.get("principalDisplayName"),
        "principal_type": a.get("principalType"),
        "resource_id": a.get("resourceId"),
        "resource_display_name": a.get("resourceDisplayName"),
        "created_date_time": a.get("createdDateTime"),
    }


def directory_role_assignment_facts(a, definitions_by_id=None):
    d = (definitions_by_id or {}).get(str(a.get("roleDefinitionId")).lower()) or {}
    return {
        "id": a.get("id"),
        "role_definition_id": a.get("roleDefinitionId"),
        "role_display_name": d.get("displayName"),
        "role_template_id": d.get("templateId"),
        "principal_id": a.get("principalId"),
        "directory_scope_id": a.get("directoryScopeId"),
    }


def exchange_online_accepts(assignments):
    """True when one of ``assignments`` (Graph shape) is a tenant-wide Entra role that Exchange Online accepts
    for app-only access."""
    accepted = set(wellknown.EXCHANGE_ONLINE_ACCEPTED_ROLE_IDS)
    return any(str(a.get("roleDefinitionId")).lower() in accepted and (a.get("directoryScopeId") or "/") == "/"
               for a in assignments)
