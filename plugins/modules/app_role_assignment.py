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
  - Needs the Graph permission C(AppRoleAssignment.ReadWrite.All) and C(Application.Read.All) (or the
    Privileged Role Administrator / Cloud Application Administrator role).
options:
  principal:
    description:
      - Who receives the app roles. Either the object id of a service principal (for a managed identity, its
        I(principal id), not its client id), or the ARM resource id of a managed identity, an Automation account
        (C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Automation/automationAccounts/<name>),
        its system-assigned identity) or a user-assigned identity
        (C(.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)).
      - A client (application) id given here fails at once with the matching object id in the message.
    type: str
    required: true
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
  exclusive:
    description:
      - With V(true), app roles of O(principal) on the same O(resource) that are not in O(app_roles) are removed.
      - Grants on other resources are never touched.
    type: bool
    default: false
  state:
    description: V(present) grants O(app_roles), V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  principal_wait_timeout:
    description:
      - Seconds to wait for Microsoft Graph to know O(principal) (and to accept a grant that references it)
        after the identity was created. Replication has no documented bound; users report from 15 seconds to
        over 5 minutes.
      - Used with O(state=present). With O(state=absent) nothing is waited for; a principal that Graph does not
        know holds nothing to remove.
    type: int
    default: 600
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.graph
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
principal_id:
  description: Object id of the principal; null in check mode when its managed identity does not exist yet.
  returned: always
  type: str
  sample: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
resource:
  description: The resource service principal.
  returned: always
  type: dict
  sample: {"id": "3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8", "app_id": "00000002-0000-0ff1-ce00-000000000000",
           "display_name": "Office 365 Exchange Online"}
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
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule, ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    PRINCIPAL_WAIT_TIMEOUT,
    app_role_assignment_facts,
    confirm,
    get_service_principal,
    grant_app_role,
    list_app_role_assignments,
    missing_resource_error,
    require_principal,
    resolve_app_roles,
    resolve_principal,
    resolve_resource,
    retry_replication,
    revoke_app_role,
    wait_for_principal,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import flow, wellknown
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_seconds

ARGSPEC = dict(
    principal=dict(type="str", required=True),
    resource=dict(type="str", required=True),
    app_roles=dict(type="list", elements="str", default=[]),
    exclusive=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    principal_wait_timeout=dict(type="int", default=PRINCIPAL_WAIT_TIMEOUT),
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


def role_key(a):
    return str(a.get("appRoleId")).lower()


class AppRoleAssignments(flow.Resource):
    """The app role assignments of the principal on the resource (a list of Graph JSON objects)."""

    result_key = "assignments"

    def __init__(self, m):
        super(AppRoleAssignments, self).__init__(m)
        p = self.params
        if p["state"] == "present" and not p["app_roles"]:
            raise ModuleError("option 'app_roles' needs at least one app role with state=present",
                              option="app_roles")
        check_seconds(p["principal_wait_timeout"], "principal_wait_timeout")
        self.graph = None
        self.principal_id = None
        self.resource = None
        self.resource_id = None
        self.roles = []
        self.values = {}
        self.expected = None

    def _list(self):
        return list_app_role_assignments(self.graph, self.principal_id, self.resource_id)

    def read(self):
        if self.expected is not None:
            return self._confirm()
        m, p = self.m, self.params
        principal = resolve_principal(m, p["principal"])
        self.graph = graph = m.graph()
        self.resource, self.resource_id, self.roles = resource_roles(m, graph)
        self.values = dict((str(r.get("id")).lower(), r.get("value")) for r in self.roles)
        self.principal_id = require_principal(m, principal)
        if not (self.principal_id and self.resource_id):
            return []
        if p["state"] == "present":
            wait_for_principal(graph, self.principal_id, p["principal_wait_timeout"])
            return self._list()
        if get_service_principal(graph, self.principal_id, select="id") is not None:
            # nothing to wait for when removing: a principal Graph does not know holds no grants
            return self._list()
        return []

    def _confirm(self):
        keys, gone = self.expected
        return confirm(
            self._list,
            lambda items: (set(role_key(a) for a in items) == keys
                           and not any(a.get("id") in gone for a in items)),
            "app roles of %s on %s" % (self.principal_id, self.resource.get("display_name") or self.resource_id))

    def desired(self, current):
        p = self.params
        wanted = resolve_app_roles(p["app_roles"], self.roles,
                                   resource_name=self.resource.get("display_name") or p["resource"])
        ids = [str(r["id"]).lower() for r in wanted]
        if p["state"] == "absent" and not ids:  # an empty list removes every app role on the resource
            ids = [role_key(a) for a in current]
        return ids

    def plan(self, current, desired):
        p = self.params
        lp = flow.reconcile(current, desired, key=role_key, exclusive=p["exclusive"], absent=p["state"] == "absent")
        if not lp.changed:
            return flow.Plan(lists=lp)
        after = list(lp.keep) + [
            {"id": None, "appRoleId": rid, "principalId": self.principal_id, "resourceId": self.resource_id,
             "resourceDisplayName": self.resource.get("display_name")} for rid in lp.add]
        return flow.Plan(flow.UPDATE, after, lists=lp)

    def apply(self, plan):
        lp, graph, p = plan.details["lists"], self.graph, self.params
        for a in lp.remove:
            revoke_app_role(graph, self.principal_id, a["id"])
        for rid in lp.add:
            try:
                retry_replication(
                    lambda rid=rid: grant_app_role(graph, self.principal_id, self.resource_id, rid),
                    p["principal_wait_timeout"],
                    "granting %s to %s" % (self._value(rid), self.principal_id), option="principal")
            except GraphError as err:
                if not err.is_duplicate():  # granted meanwhile by someone else: the confirmation below shows it
                    raise
        self.expected = (set(role_key(a) for a in lp.keep) | set(lp.add), set(a.get("id") for a in lp.remove))

    def _value(self, rid):
        return self.values.get(rid) or rid

    def _names(self, items):
        return sorted(set(self._value(role_key(a)) for a in items or []))

    def facts(self, obj):
        return [app_role_assignment_facts(a, self.values) for a in obj or []]

    def diffable(self, facts):
        return {"app_roles": sorted(set(self._value(str(a.get("app_role_id")).lower()) for a in facts))}

    def extra(self, plan, after):
        lp = plan.details["lists"]
        return {
            "principal_id": self.principal_id,
            "resource": self.resource,
            "added": [self._value(rid) for rid in lp.add],
            "removed": list(dict.fromkeys(self._value(role_key(a)) for a in lp.remove)),
            "app_roles": self._names(after),
        }


def run_module(m):
    return flow.run(m, AppRoleAssignments(m))


def main():
    ExoModule(argument_spec=ARGSPEC, supports_check_mode=True).run(run_module)


if __name__ == "__main__":
    main()
