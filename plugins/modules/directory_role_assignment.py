#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: directory_role_assignment
short_description: Assign Entra roles (such as Exchange Administrator) to a managed identity or service principal
version_added: 0.1.0
description:
  - Assigns Microsoft Entra directory roles to a principal and removes them.
  - Exchange Online app-only access needs, next to B(Exchange.ManageAsApp), one of the Entra roles Exchange
    Online accepts (Compliance Administrator, Exchange Administrator, Exchange Recipient Administrator, Global
    Administrator, Global Reader, Helpdesk Administrator, Security Administrator, Security Reader); without one,
    C(Connect-ExchangeOnline) fails with I(The role assigned to application ... isn't supported in this
    scenario). RV(exchange_online_accepted) tells whether the principal holds one.
  - Assigning B(Global Administrator) works but gives a warning; Microsoft recommends the least privileged role.
  - Reads before it writes; a second run reports no change. Waits for a new managed identity to replicate to
    Microsoft Graph (see O(principal_wait_timeout)) and confirms its writes with consecutive reads.
  - Needs the Graph permission C(RoleManagement.ReadWrite.Directory) (or the Privileged Role Administrator role).
options:
  principal:
    description:
      - Who receives the roles. The object id of a service principal (for a managed identity, its I(principal
        id), not its client id), or the ARM resource id of a managed identity, an Automation account (its
        system-assigned identity) or a user-assigned identity.
    type: str
    required: true
  roles:
    description:
      - Entra roles by display name (V(Exchange Administrator), matched without regard to case) or by template
        or role definition id. Custom roles are found by display name or id too.
      - An unknown name fails the task with the closest valid names.
      - Required with O(state=present). With O(state=absent) an empty list removes every role of O(principal) at
        O(directory_scope_id).
    type: list
    elements: str
    default: []
  directory_scope_id:
    description:
      - Scope of the assignments. V(/) is the whole tenant, which is what Exchange Online needs;
        C(/administrativeUnits/<id>) limits a role to an administrative unit.
    type: str
    default: /
  exclusive:
    description:
      - With V(true), roles of O(principal) at O(directory_scope_id) that are not in O(roles) are removed.
      - Assignments at other scopes are never touched.
    type: bool
    default: false
  state:
    description: V(present) assigns O(roles), V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  principal_wait_timeout:
    description:
      - Seconds to wait for Microsoft Graph to know O(principal) (and to accept an assignment that references it)
        after the identity was created. Users report replication times from 15 seconds to over 5 minutes.
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
  - Assignments are written with C(POST /roleManagement/directory/roleAssignments) and removed with
    C(DELETE /roleManagement/directory/roleAssignments/{id}).
  - In check mode nothing is written; when the managed identity does not exist yet the assignments are reported
    as changes with a warning.
  - The role C(m365.exo_automation.managed_identity_access) ensures the resource service principal, waits for
    the principal, grants the app roles and assigns the Entra roles, in that order.
seealso:
  - module: m365.exo_automation.directory_role_assignment_info
  - module: m365.exo_automation.app_role_assignment
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Give the Automation account's identity an Entra role that Exchange Online accepts
  m365.exo_automation.directory_role_assignment:
    principal: /subscriptions/{{ subscription_id }}/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo
    roles:
      - Exchange Recipient Administrator

- name: Keep exactly these tenant-wide roles on a service principal
  m365.exo_automation.directory_role_assignment:
    principal: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
    roles:
      - Exchange Administrator
      - f2ef992c-3afb-46b9-b7cf-a126ee74c451  # Global Reader, by template id
    exclusive: true

- name: Remove a role
  m365.exo_automation.directory_role_assignment:
    principal: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
    roles: [Global Administrator]
    state: absent
'''

RETURN = r'''
principal_id:
  description: Object id of the principal; null in check mode when its managed identity does not exist yet.
  returned: always
  type: str
  sample: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
roles:
  description: Display names of the roles O(principal) holds at O(directory_scope_id) after the task (predicted in
    check mode).
  returned: always
  type: list
  elements: str
  sample: [Exchange Administrator]
added:
  description: Roles assigned by the task (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [Exchange Administrator]
removed:
  description: Roles removed by the task (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: []
assignments:
  description: The role assignments of O(principal) at O(directory_scope_id) after the task. In check mode,
    predicted assignments have a null C(id).
  returned: always
  type: list
  elements: dict
  sample:
    - id: lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-1
      role_definition_id: 29232cdf-9323-42fd-ade2-1d097af3e4de
      role_display_name: Exchange Administrator
      role_template_id: 29232cdf-9323-42fd-ade2-1d097af3e4de
      principal_id: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
      directory_scope_id: /
exchange_online_accepted:
  description: Whether the principal holds, tenant-wide, an Entra role that Exchange Online accepts for app-only
    access after the task.
  returned: always
  type: bool
  sample: true
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule, ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    PRINCIPAL_WAIT_TIMEOUT,
    assign_directory_role,
    confirm,
    directory_role_assignment_facts,
    exchange_online_accepts,
    get_service_principal,
    list_directory_role_assignments,
    list_role_definitions,
    remove_directory_role_assignment,
    require_principal,
    resolve_directory_roles,
    resolve_principal,
    retry_replication,
    wait_for_principal,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import flow, wellknown
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_seconds

ARGSPEC = dict(
    principal=dict(type="str", required=True),
    roles=dict(type="list", elements="str", default=[]),
    directory_scope_id=dict(type="str", default="/"),
    exclusive=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    principal_wait_timeout=dict(type="int", default=PRINCIPAL_WAIT_TIMEOUT),
)


def at_scope(items, scope):
    return [a for a in items if (a.get("directoryScopeId") or "/") == scope]


def role_key(a):
    return str(a.get("roleDefinitionId")).lower()


class DirectoryRoleAssignments(flow.Resource):
    """The Entra role assignments of the principal at the directory scope (a list of Graph JSON objects)."""

    result_key = "assignments"

    def __init__(self, m):
        super(DirectoryRoleAssignments, self).__init__(m)
        p = self.params
        self.scope = scope = (p["directory_scope_id"] or "/").strip()
        if not scope.startswith("/"):
            raise ModuleError("option 'directory_scope_id': '%s' is not a directory scope; use / (the whole tenant) "
                              "or /administrativeUnits/<id>" % scope, option="directory_scope_id")
        if p["state"] == "present" and not p["roles"]:
            raise ModuleError("option 'roles' needs at least one role with state=present", option="roles")
        check_seconds(p["principal_wait_timeout"], "principal_wait_timeout")
        self.graph = None
        self.principal_id = None
        self.by_id = {}
        self.definitions = []
        self.others = []  # the principal's assignments at other scopes
        self.expected = None

    def _list(self):
        return list_directory_role_assignments(self.graph, principal_id=self.principal_id)

    def _split(self, everything):
        self.others = [a for a in everything if (a.get("directoryScopeId") or "/") != self.scope]
        return at_scope(everything, self.scope)

    def read(self):
        if self.expected is not None:
            return self._split(self._confirm())
        m, p = self.m, self.params
        principal = resolve_principal(m, p["principal"])
        self.graph = graph = m.graph()
        self.definitions = list_role_definitions(graph)
        self.by_id = dict((str(d.get("id")).lower(), d) for d in self.definitions)
        # unknown or malformed roles fail before the principal is waited for
        self.wanted = resolve_directory_roles(p["roles"], self.definitions)
        self.principal_id = require_principal(m, principal)
        everything = []
        if self.principal_id:
            if p["state"] == "present":
                wait_for_principal(graph, self.principal_id, p["principal_wait_timeout"])
                everything = self._list()
            elif get_service_principal(graph, self.principal_id, select="id") is not None:
                # nothing to wait for when removing: a principal Graph does not know holds no roles
                everything = self._list()
        return self._split(everything)

    def _confirm(self):
        keys, gone = self.expected
        return confirm(
            self._list,
            lambda items: (set(role_key(a) for a in at_scope(items, self.scope)) == keys
                           and not any(a.get("id") in gone for a in items)),
            "Entra roles of %s at %s" % (self.principal_id, self.scope))

    def desired(self, current):
        p = self.params
        ids = [str(d["id"]).lower() for d in self.wanted]
        if p["state"] == "present" and wellknown.GLOBAL_ADMINISTRATOR_ID in [
                str(d.get("templateId") or d["id"]).lower() for d in self.wanted]:
            self.m.warn("Global Administrator is the most privileged Entra role; Microsoft recommends the least "
                        "privileged role that works. For Exchange Online automation use Exchange Administrator, or "
                        "Exchange Recipient Administrator for recipient tasks only.")
        if p["state"] == "absent" and not ids:  # an empty list removes every role at the scope
            ids = [role_key(a) for a in current]
        return ids

    def plan(self, current, desired):
        p = self.params
        lp = flow.reconcile(current, desired, key=role_key, exclusive=p["exclusive"], absent=p["state"] == "absent")
        if not lp.changed:
            return flow.Plan(lists=lp)
        after = list(lp.keep) + [
            {"id": None, "roleDefinitionId": rid, "principalId": self.principal_id, "directoryScopeId": self.scope}
            for rid in lp.add]
        return flow.Plan(flow.UPDATE, after, lists=lp)

    def apply(self, plan):
        lp, graph, p = plan.details["lists"], self.graph, self.params
        for a in lp.remove:
            remove_directory_role_assignment(graph, a["id"])
        for rid in lp.add:
            try:
                retry_replication(
                    lambda rid=rid: assign_directory_role(graph, self.principal_id, rid, self.scope),
                    p["principal_wait_timeout"], "assigning %s to %s" % (self._name(rid), self.principal_id),
                    option="principal")
            except GraphError as err:
                if not err.is_duplicate():  # assigned meanwhile: the confirmation below shows it
                    raise
        self.expected = (set(role_key(a) for a in lp.keep) | set(lp.add), set(a.get("id") for a in lp.remove))

    def _name(self, rid):
        return (self.by_id.get(rid) or {}).get("displayName") or rid

    def facts(self, obj):
        return [directory_role_assignment_facts(a, self.by_id) for a in obj or []]

    def diffable(self, facts):
        return {"roles": sorted(set(self._name(str(a.get("role_definition_id")).lower()) for a in facts)),
                "directory_scope_id": self.scope}

    def extra(self, plan, after):
        lp = plan.details["lists"]
        return {
            "principal_id": self.principal_id,
            "added": [self._name(rid) for rid in lp.add],
            "removed": list(dict.fromkeys(self._name(role_key(a)) for a in lp.remove)),
            "roles": sorted(set(self._name(role_key(a)) for a in after or [])),
            "exchange_online_accepted": exchange_online_accepts(list(after or []) + self.others),
        }


def run_module(m):
    return flow.run(m, DirectoryRoleAssignments(m))


def main():
    ExoModule(argument_spec=ARGSPEC, supports_check_mode=True).run(run_module)


if __name__ == "__main__":
    main()
