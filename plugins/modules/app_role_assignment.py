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
        M(m365.exo_automation.service_principal).
    type: str
    required: true
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
  - The role C(m365.exo_automation.managed_identity_access) ensures the resource service principal, waits for
    the principal, grants the app roles and assigns the Entra roles, in that order.
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
    get_service_principal,
    grant_app_role,
    list_app_role_assignments,
    missing_resource_error,
    require_principal,
    resolve_app_roles,
    resolve_principal,
    resolve_resource,
    revoke_app_role,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import flow, wellknown

ARGSPEC = flow.link_argspec(
    resource=dict(type="str", required=True),
    app_roles=dict(type="list", elements="str", default=[]),
)


def resource_roles(m, graph):
    """``(resource facts, resource sp id or None, app roles in Graph shape)``; check mode accepts a missing
    resource whose app roles are well known (it may be created by an earlier task of the same run)."""
    value = m.params["resource"]
    sp, app_id = resolve_resource(graph, value)
    if sp is not None:
        facts = {"id": sp.get("id"), "app_id": sp.get("appId"), "display_name": sp.get("displayName")}
        return facts, sp["id"], sp.get("appRoles") or []
    if m.check_mode and app_id:
        known = wellknown.KNOWN_APP_ROLES.get(app_id)
        m.warn("option 'resource': the tenant has no service principal for '%s' (appId %s) yet; in check mode the "
               "grants are predicted as changes." % (value, app_id))
        facts = {"id": None, "app_id": app_id, "display_name": wellknown.FIRST_PARTY_APPS.get(app_id)}
        if known is not None:
            roles = [{"id": rid, "value": val, "allowedMemberTypes": ["Application"], "isEnabled": True}
                     for val, rid in known.items()]
        else:
            roles = [{"id": v, "value": v} for v in m.params["app_roles"]]
        return facts, None, roles
    raise missing_resource_error(value, app_id)


class AppRoleAssignments(flow.LinkSet):
    """The app role assignments of the principal on the resource (a list of Graph JSON objects); ``held`` has
    those on every resource."""

    names_key = "app_roles"
    fact_key = "app_role_id"
    what = "app roles"
    verb = "granting"

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

    def read(self):
        if self.expected is not None:
            return self.read_links()
        m, p = self.m, self.params
        principal = resolve_principal(m, p["principal"])
        self.graph = m.graph()
        self.resource, self.resource_id, self.roles = resource_roles(m, self.graph)
        self.values = dict((str(r.get("id")).lower(), r.get("value")) for r in self.roles)
        self.principal_id = require_principal(m, principal)
        return self.read_links()

    def desired(self, current):
        p = self.params
        wanted = resolve_app_roles(p["app_roles"], self.roles,
                                   resource_name=self.resource.get("display_name") or p["resource"])
        ids = [str(r["id"]).lower() for r in wanted]
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
        return {"resource": self.resource}


def main():
    flow.main(ARGSPEC, AppRoleAssignments)


if __name__ == "__main__":
    main()
