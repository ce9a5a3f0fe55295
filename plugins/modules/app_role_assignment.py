#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: app_role_assignment
short_description: Grant app roles such as Exchange.ManageAsApp to a managed identity or service principal
version_added: 0.1.0
description:
  - Grants app roles (application permissions) of a resource application, for example B(Exchange.ManageAsApp)
    of I(Office 365 Exchange Online) or B(User.Read.All) of I(Microsoft Graph), to a principal, and removes
    them.
  - The principal can be named by the ARM resource id of its managed identity; the module reads the identity's
    principal (object) id itself, so the client id / object id mix-up of hand-written scripts cannot happen.
  - Reads before it writes, so a grant that exists already is never an error and a second run reports no
    change.
  - Right after a managed identity is created Microsoft Graph may not know it yet (404
    C(Request_ResourceNotFound), 400 C(Not a valid reference update)). The module waits for it with jittered
    exponential backoff for up to O(principal_wait_timeout) seconds, then fails saying replication did not
    finish. After writing it reads again until several consecutive reads agree.
  - App role grants cannot be changed, only created and deleted.
  - Besides the grants on O(resource), the module reads every app role the principal holds, on any resource (one
    list call), and returns those the task does not declare as RV(extra), broad ones (such as
    B(full_access_as_app), B(Mail.ReadWrite), B(Directory.ReadWrite.All)) flagged as privileged. This is what
    an audit (check mode) reports as extra privilege; O(exclusive) still alone decides what is removed.
  - Needs the Graph permission C(AppRoleAssignment.ReadWrite.All) and C(Application.Read.All) (or the
    Privileged Role Administrator / Cloud Application Administrator role).
options:
  resource:
    description:
      - The application whose app roles are granted, by well-known name (V(Office 365 Exchange Online),
        V(Microsoft Graph)), application (client) id or service principal object id.
      - When the tenant lacks its service principal the task fails and says how to create it with
        M(m365.exo_automation.service_principal), unless O(create_resource=true).
    type: str
    required: true
  create_resource:
    description:
      - With O(state=present), create the service principal of the O(resource) application when the tenant has
        none (as M(m365.exo_automation.service_principal) does; the documented fix for tenants that lack
        I(Office 365 Exchange Online)), then grant the app roles. O(resource) must then name the application by a
        well-known name or its application (client) id.
      - The app roles of a well-known application (Exchange.ManageAsApp, full_access_as_app of Office 365 Exchange
        Online) are checked before anything is written; those of another application are checked against its
        new service principal, after it is created.
      - The task then reads the resource once, where a separate M(m365.exo_automation.service_principal) task
        reads it again.
    type: bool
    default: false
  app_roles:
    description:
      - App roles by value (V(Exchange.ManageAsApp), V(User.Read.All)) or id. Values are matched exactly, then
        without regard to case.
      - Required with O(state=present). With O(state=absent) an empty list removes every app role of
        O(principal) on O(resource).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - m365.exo_automation.assignment
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.graph
  - m365.exo_automation.timeout
  - m365.exo_automation.attributes
notes:
  - Grants are written with C(POST /servicePrincipals/{principal}/appRoleAssignments) and removed with
    C(DELETE /servicePrincipals/{principal}/appRoleAssignments/{id}).
  - In check mode nothing is written. When the managed identity named by O(principal) does not exist yet (for
    example because an earlier task that creates it also ran in check mode), the grants are reported as changes
    with a warning.
  - The role C(m365.exo_automation.managed_identity_access) waits for the principal, grants the app roles (with
    O(create_resource=true), creating the resource service principal where it is missing) and assigns the Entra
    roles, in that order.
seealso:
  - module: m365.exo_automation.app_role_assignment_info
  - module: m365.exo_automation.service_principal
  - module: m365.exo_automation.directory_role_assignment
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Let the Automation account's managed identity call Exchange Online
  m365.exo_automation.app_role_assignment:
    principal: /subscriptions/{{ subscription_id }}/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo
    resource: Office 365 Exchange Online
    app_roles:
      - Exchange.ManageAsApp

- name: Grant Exchange.ManageAsApp, creating Office 365 Exchange Online's service principal where the tenant lacks it
  m365.exo_automation.app_role_assignment:
    principal: "{{ identity_principal_id }}"
    resource: Office 365 Exchange Online
    app_roles: [Exchange.ManageAsApp]
    create_resource: true

- name: Grant Microsoft Graph permissions to a user-assigned identity, and only these
  m365.exo_automation.app_role_assignment:
    principal: /subscriptions/{{ subscription_id }}/resourceGroups/rg-exo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo
    resource: Microsoft Graph
    app_roles:
      - User.Read.All
      - Mail.Send
    exclusive: true

- name: Remove a grant from a principal given by object id
  m365.exo_automation.app_role_assignment:
    principal: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
    resource: 00000002-0000-0ff1-ce00-000000000000
    app_roles: [full_access_as_app]
    state: absent
'''

RETURN = r'''
resource:
  description: The resource service principal.
  returned: always
  type: dict
  sample: {"id": "3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8", "app_id": "00000002-0000-0ff1-ce00-000000000000",
           "display_name": "Office 365 Exchange Online"}
resource_created:
  description: Whether the task created the resource's service principal (O(create_resource=true); in check mode,
    whether it would).
  returned: always
  type: bool
  sample: false
principal_id:
  description: Object id of the principal that holds the grants; null in check mode when its managed identity
    does not exist yet.
  returned: always
  type: str
  sample: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
app_roles:
  description: Values of the app roles O(principal) holds on O(resource) after the task (predicted in check mode).
  returned: always
  type: list
  elements: str
  sample: [Exchange.ManageAsApp]
added:
  description: App roles granted by the task (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [Exchange.ManageAsApp]
removed:
  description: App roles removed by the task (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: []
assignments:
  description: The app role assignments of O(principal) on O(resource) after the task. In check mode, predicted
    grants have a null C(id).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 3S7dW1fSaE2DxC8Ctb5BXz6m3Sd9vJZBoKrBxF0w7a4
      app_role_id: dc50a0fb-09a3-484d-be87-e023b12c6440
      app_role_value: Exchange.ManageAsApp
      principal_id: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
      principal_display_name: aa-exo
      principal_type: ServicePrincipal
      resource_id: 3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8
      resource_display_name: Office 365 Exchange Online
      created_date_time: "2025-01-01T12:00:00Z"
extra:
  description:
    - The app roles O(principal) held before the task, on any resource, that the task does not declare (those
      on O(resource) that are not in O(app_roles), and all on other resources). Names of roles on other
      resources are read once per resource.
    - C(privileged) is true for broad app roles (every mailbox, every directory object, or the right to grant
      more; the list is in C(plugins/module_utils/wellknown.py), C(BROAD_APP_ROLES)); C(removed) is true when
      the task removes the grant (or would, in check mode), which only O(exclusive=true) does, on O(resource).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 9Xk2dW1fSaE2DxC8Ctb5BXz6m3Sd9vJZBoKrBxF0w7a4
      role_id: dc890d15-9560-4a4c-9b7f-a736ec74ec40
      role_name: full_access_as_app
      resource_id: 3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8
      resource_name: Office 365 Exchange Online
      privileged: true
      removed: false
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    app_role_assignment_facts,
    confirm,
    create_service_principal_of,
    find_service_principal_by_app_id,
    get_service_principal,
    grant_app_role,
    list_app_role_assignments,
    missing_resource_error,
    resolve_app_roles,
    resolve_resource,
    revoke_app_role,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import flow, wellknown

ARGSPEC = flow.link_argspec(
    resource=dict(type="str", required=True),
    app_roles=dict(type="list", elements="str", default=[]),
    create_resource=dict(type="bool", default=False),
)


def resource_facts(sp):
    return {"id": sp.get("id"), "app_id": sp.get("appId"), "display_name": sp.get("displayName")}


def resource_roles(m, graph):
    """``(resource facts, resource sp id or None, app roles in Graph shape, app id to create or None)``. A
    missing resource is created with create_resource (state=present), and accepted in check mode (an earlier
    task of the same run may create it); its app roles are the well-known ones, or the declared values as they
    are until it exists."""
    p = m.params
    value = p["resource"]
    sp, app_id = resolve_resource(graph, value)
    if sp is not None:
        return resource_facts(sp), sp["id"], sp.get("appRoles") or [], None
    create = app_id if app_id and p["create_resource"] and p["state"] == "present" else None
    if not app_id or not (create or m.check_mode):
        raise missing_resource_error(value, app_id)
    if not create:
        m.warn("option 'resource': the tenant has no service principal for '%s' (appId %s) yet; in check mode the "
               "grants are predicted as changes." % (value, app_id))
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

    def __init__(self, m):
        super(AppRoleAssignments, self).__init__(m)
        p = self.params
        if p["state"] == "present" and not p["app_roles"]:
            raise ModuleError("option 'app_roles' needs at least one app role with state=present",
                              option="app_roles")
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
        facts, resource_id, roles, self.creating = resource_roles(self.m, self.graph)
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
            self.created = create_service_principal_of(self.graph, app_id, option="resource")
            sp = confirm(lambda: find_service_principal_by_app_id(self.graph, app_id), lambda s: s is not None,
                         "creating the service principal of appId %s" % app_id)
            self._use_resource(resource_facts(sp), sp["id"], sp.get("appRoles") or [])
            # the roles are those of the new service principal (checked here for an application that is not well
            # known); it holds no grants yet
            plan.details["lists"] = flow.ListPlan(list(dict.fromkeys(self.declared_keys())), [], [])
        super(AppRoleAssignments, self).apply(plan)

    def declared_keys(self):
        p = self.params
        wanted = resolve_app_roles(p["app_roles"], self.roles,
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


def main():
    flow.main(ARGSPEC, AppRoleAssignments)


if __name__ == "__main__":
    main()
