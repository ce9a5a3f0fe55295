# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The grants of a principal that the grant modules reconcile: its app roles on one resource
(:class:`AppRoleAssignments`, module ``app_role_assignment``) and its Entra roles at one directory scope
(:class:`DirectoryRoleAssignments`, module ``directory_role_assignment``). ``principal_access`` runs both for one
principal in one task (several resources and the Entra roles, every one read and planned before the first write)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    app_role_assignment_facts,
    assign_directory_role,
    confirm,
    create_service_principal_of,
    directory_role_assignment_facts,
    exchange_online_accepts,
    find_service_principal_by_app_id,
    get_service_principal,
    grant_app_role,
    list_app_role_assignments,
    list_directory_role_assignments,
    list_role_definitions,
    missing_resource_error,
    remove_directory_role_assignment,
    resolve_app_roles,
    resolve_directory_roles,
    resolve_resource,
    revoke_app_role,
    well_known_role_definition,
    well_known_role_definitions,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import flow, wellknown

# The options of app_role_assignment and directory_role_assignment besides those of flow.link_argspec.
APP_ROLE_OPTIONS = dict(
    resource=dict(type="str", required=True),
    app_roles=dict(type="list", elements="str", default=[]),
    create_resource=dict(type="bool", default=False),
)
DIRECTORY_ROLE_OPTIONS = dict(
    roles=dict(type="list", elements="str", default=[]),
    directory_scope_id=dict(type="str", default="/"),
)


def resource_facts(sp):
    return {"id": sp.get("id"), "app_id": sp.get("appId"), "display_name": sp.get("displayName")}


def resource_roles(m, graph, option="resource"):
    """``(resource facts, resource sp id or None, app roles in Graph shape, app id to create or None)``. A
    missing resource is created with create_resource (state=present), and accepted in check mode (an earlier
    task of the same run may create it); its app roles are the well-known ones, or the declared values as they
    are until it exists."""
    p = m.params
    value = p["resource"]
    sp, app_id = resolve_resource(graph, value, option=option)
    if sp is not None:
        return resource_facts(sp), sp["id"], sp.get("appRoles") or [], None
    create = app_id if app_id and p["create_resource"] and p["state"] == "present" else None
    if not app_id or not (create or m.check_mode):
        raise missing_resource_error(value, app_id, option=option)
    if not create:
        m.warn("option '%s': the tenant has no service principal for '%s' (appId %s) yet; in check mode the "
               "grants are predicted as changes." % (option, value, app_id))
    facts = {"id": None, "app_id": app_id, "display_name": wellknown.FIRST_PARTY_APPS.get(app_id)}
    return facts, None, known_app_roles(app_id, p["app_roles"]), create


def known_app_roles(app_id, declared):
    """The app roles of ``app_id`` in Graph shape where they are well known, else the declared values as roles."""
    known = wellknown.KNOWN_APP_ROLES.get(app_id)
    if known is None:
        return [{"id": v, "value": v} for v in declared]
    return [{"id": rid, "value": val, "allowedMemberTypes": ["Application"], "isEnabled": True}
            for val, rid in known.items()]


class AppRoleAssignments(flow.LinkSet):
    """The app role assignments of the principal on the resource (a list of Graph JSON objects); ``held`` has
    those on every resource."""

    names_key = "app_roles"
    fact_key = "app_role_id"
    what = "app roles"
    verb = "granting"
    list_proves_principal = True  # /servicePrincipals/{id}/appRoleAssignments is 404 for an unknown principal
    # the options as messages name them (principal_access names its list options instead)
    option_names = {"resource": "resource", "app_roles": "app_roles"}

    def __init__(self, m):
        super(AppRoleAssignments, self).__init__(m)
        p = self.params
        if p["state"] == "present" and not p["app_roles"]:
            raise ModuleError("option '%s' needs at least one app role with state=present"
                              % self.option_names["app_roles"], option=self.option_names["app_roles"])
        self.resource = None
        self.resource_id = None
        self.roles = []
        self.values = {}
        self.creating = None  # the app id of a resource service principal the task creates
        self.created = True  # False when it was created meanwhile by someone else
        self.other_resources = {}  # lower-cased resource id -> (display name, {lower-cased role id: value})

    def key(self, item):
        return str(item.get("appRoleId")).lower()

    def name(self, key):
        return self.values.get(key) or key

    def list_all(self):
        # one call for every resource: the grants on other resources are reported as extra
        return list_app_role_assignments(self.graph, self.principal_id)

    def in_scope(self, item):
        return bool(self.resource_id) and str(item.get("resourceId", "")).lower() == self.resource_id.lower()

    def read_targets(self):
        facts, resource_id, roles, self.creating = resource_roles(self.m, self.graph, self.option_names["resource"])
        self._use_resource(facts, resource_id, roles)

    def _use_resource(self, facts, resource_id, roles):
        self.resource, self.resource_id, self.roles = facts, resource_id, roles
        self.values = dict((str(r.get("id")).lower(), r.get("value")) for r in self.roles)

    def plan(self, current, desired):
        plan = super(AppRoleAssignments, self).plan(current, desired)
        if self.creating:  # the resource is created first, whatever else there is to do
            plan.action = plan.action or flow.UPDATE
            plan.details["create_resource"] = self.creating
        return plan

    def apply(self, plan):
        app_id = plan.details.get("create_resource")
        if app_id:
            self.created = create_service_principal_of(self.graph, app_id, option=self.option_names["resource"])
            sp = confirm(lambda: find_service_principal_by_app_id(self.graph, app_id), lambda s: s is not None,
                         "creating the service principal of appId %s" % app_id)
            self._use_resource(resource_facts(sp), sp["id"], sp.get("appRoles") or [])
            # the roles are those of the new service principal (checked here for an application that is not well
            # known); it holds no grants yet
            plan.details["lists"] = flow.ListPlan(list(dict.fromkeys(self.declared_keys())), [], [])
        super(AppRoleAssignments, self).apply(plan)

    def declared_keys(self):
        p = self.params
        wanted = resolve_app_roles(p["app_roles"], self.roles, option=self.option_names["app_roles"],
                                   resource_name=self.resource.get("display_name") or p["resource"])
        return [str(r["id"]).lower() for r in wanted]

    def desired(self, current):
        p = self.params
        ids = self.declared_keys()
        if p["state"] == "absent" and not ids:  # an empty list removes every app role on the resource
            ids = [self.key(a) for a in current]
        return ids

    def new_link(self, key):
        return {"id": None, "appRoleId": key, "principalId": self.principal_id, "resourceId": self.resource_id,
                "resourceDisplayName": self.resource.get("display_name")}

    def create(self, key):
        return grant_app_role(self.graph, self.principal_id, self.resource_id, key)

    def delete(self, item):
        return revoke_app_role(self.graph, self.principal_id, item["id"])

    def _resource_of(self, item):
        """``(display name, role values)`` of the resource of a grant; other resources are read once each."""
        rid = str(item.get("resourceId") or "").lower()
        if self.in_scope(item):
            return self.resource.get("display_name"), self.values
        if rid not in self.other_resources:
            sp = get_service_principal(self.graph, rid, select="id,displayName,appRoles") or {}
            self.other_resources[rid] = (
                sp.get("displayName") or item.get("resourceDisplayName"),
                dict((str(r.get("id")).lower(), r.get("value")) for r in sp.get("appRoles") or []))
        return self.other_resources[rid]

    def link_facts(self, item):
        name, values = self._resource_of(item)
        return {"role_id": item.get("appRoleId"), "role_name": values.get(self.key(item)),
                "resource_id": item.get("resourceId"), "resource_name": name}

    def privileged(self, item):
        return wellknown.broad_app_role(self._resource_of(item)[1].get(self.key(item)))

    def facts(self, obj):
        return [app_role_assignment_facts(a, self.values) for a in obj or []]

    def more_results(self, after):
        return {"resource": self.resource, "resource_created": bool(self.creating) and self.created}


class DirectoryRoleAssignments(flow.LinkSet):
    """The Entra role assignments of the principal at the directory scope (a list of Graph JSON objects);
    ``held`` has those at every scope."""

    names_key = "roles"
    fact_key = "role_definition_id"
    what = "Entra roles"
    verb = "assigning"
    option_names = {"roles": "roles", "directory_scope_id": "directory_scope_id"}
    roles_required = True  # with state=present

    def __init__(self, m):
        super(DirectoryRoleAssignments, self).__init__(m)
        p = self.params
        self.scope = scope = (p["directory_scope_id"] or "/").strip()
        names = self.option_names
        if not scope.startswith("/"):
            raise ModuleError("option '%s': '%s' is not a directory scope; use / (the whole tenant) or "
                              "/administrativeUnits/<id>" % (names["directory_scope_id"], scope),
                              option=names["directory_scope_id"])
        if p["state"] == "present" and not p["roles"] and self.roles_required:
            raise ModuleError("option '%s' needs at least one role with state=present" % names["roles"],
                              option=names["roles"])
        self.by_id = {}
        self.definitions = []
        self.wanted = []
        self.known = None

    def key(self, item):
        return str(item.get("roleDefinitionId")).lower()

    def name(self, key):
        return (self.by_id.get(key) or {}).get("displayName") or key

    def _template(self, key):
        return str((self.by_id.get(key) or {}).get("templateId") or key).lower()

    def list_all(self):
        return list_directory_role_assignments(self.graph, principal_id=self.principal_id)

    def in_scope(self, item):
        return (item.get("directoryScopeId") or "/") == self.scope

    def read_targets(self):
        # built-in roles named by name or template id need no read of the tenant's definitions
        self.known = well_known_role_definitions(self.params["roles"])
        self._definitions(self.known)
        # unknown or malformed roles fail before the principal is waited for
        self.wanted = resolve_directory_roles(self.params["roles"], self.definitions, option=self.option_names["roles"])

    def named(self, links):
        if self.known is not None:  # the names of the other roles the principal holds
            for key in set(self.key(a) for a in self.held) - set(self.by_id):
                definition = well_known_role_definition(key)
                if definition is None:  # a custom role: read the tenant's definitions once
                    self._definitions(None)
                    break
                self.by_id[key] = definition
        return links

    def _definitions(self, definitions):
        """Use ``definitions``, or the tenant's (one list call) when None."""
        self.definitions = list_role_definitions(self.graph) if definitions is None else definitions
        self.by_id = dict((str(d.get("id")).lower(), d) for d in self.definitions)

    def declared_keys(self):
        return [str(d["id"]).lower() for d in self.wanted]

    def desired(self, current):
        p = self.params
        ids = self.declared_keys()
        if p["state"] == "present" and wellknown.GLOBAL_ADMINISTRATOR_ID in [
                str(d.get("templateId") or d["id"]).lower() for d in self.wanted]:
            self.m.warn("Global Administrator is the most privileged Entra role; Microsoft recommends the least "
                        "privileged role that works. For Exchange Online automation use Exchange Administrator, or "
                        "Exchange Recipient Administrator for recipient tasks only.")
        if p["state"] == "absent" and not ids:  # an empty list removes every role at the scope
            ids = [self.key(a) for a in current]
        return ids

    def new_link(self, key):
        return {"id": None, "roleDefinitionId": key, "principalId": self.principal_id, "directoryScopeId": self.scope}

    def create(self, key):
        return assign_directory_role(self.graph, self.principal_id, key, self.scope)

    def delete(self, item):
        return remove_directory_role_assignment(self.graph, item["id"])

    def link_facts(self, item):
        k = self.key(item)
        return {"role_id": item.get("roleDefinitionId"), "role_name": self.name(k),
                "role_template_id": (self.by_id.get(k) or {}).get("templateId"),
                "directory_scope_id": item.get("directoryScopeId") or "/"}

    def privileged(self, item):
        declared = [str(d.get("templateId") or d["id"]).lower() for d in self.wanted]
        return wellknown.privileged_entra_role(self._template(self.key(item)), declared)

    def facts(self, obj):
        return [directory_role_assignment_facts(a, self.by_id) for a in obj or []]

    def diffable(self, facts):
        return dict(super(DirectoryRoleAssignments, self).diffable(facts), directory_scope_id=self.scope)

    def more_results(self, after):
        others = [a for a in self.held if not self.in_scope(a)]
        return {"exchange_online_accepted": exchange_online_accepts(list(after or []) + others)}


class HeldDirectoryRoles(DirectoryRoleAssignments):
    """The principal's Entra roles, read and changed in nothing: what a ``principal_access`` task that declares
    no Entra role (and is not exclusive) returns. Every role the principal holds is undeclared, so ``extra``."""

    roles_required = False
