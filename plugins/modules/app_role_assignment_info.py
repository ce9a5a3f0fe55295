#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: app_role_assignment_info
short_description: List the app roles granted to a principal, or granted on a resource application
version_added: 0.1.0
description:
  - Lists app role assignments (application permissions) with the app role values resolved, for example to
    check that a managed identity holds B(Exchange.ManageAsApp).
  - With O(principal), the roles that principal holds (optionally only on O(resource)); with only O(resource),
    every grant on that resource.
options:
  principal:
    description:
      - Object id of a service principal, or the ARM resource id of a managed identity (Automation account or
        user-assigned identity), as in M(m365.exo_automation.app_role_assignment).
    type: str
  resource:
    description: The resource application by well-known name, application (client) id or object id.
    type: str
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.graph
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.app_role_assignment
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Does the Automation account's identity hold Exchange.ManageAsApp?
  m365.exo_automation.app_role_assignment_info:
    principal: /subscriptions/{{ subscription_id }}/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo
    resource: Office 365 Exchange Online
  register: grants

- name: Fail the audit when it does not
  ansible.builtin.assert:
    that: "'Exchange.ManageAsApp' in grants.assignments | map(attribute='app_role_value')"

- name: Everyone who holds an Exchange Online app role
  m365.exo_automation.app_role_assignment_info:
    resource: Office 365 Exchange Online
'''

RETURN = r'''
assignments:
  description: The app role assignments found.
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
principal_id:
  description: Object id of O(principal); null when its managed identity does not exist.
  returned: when O(principal) is given
  type: str
  sample: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
principal_exists:
  description: Whether Microsoft Graph knows O(principal).
  returned: when O(principal) is given
  type: bool
  sample: true
resource:
  description: The resource service principal (C(id), C(app_id), C(display_name)); C(id) is null when the tenant
    lacks it.
  returned: when O(resource) is given
  type: dict
  sample: {"id": "3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8", "app_id": "00000002-0000-0ff1-ce00-000000000000",
           "display_name": "Office 365 Exchange Online"}
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    app_role_assignment_facts,
    find_service_principal_by_app_id,
    get_service_principal,
    list_app_role_assigned_to,
    list_app_role_assignments,
    principal_id_or_warn,
    resolve_resource,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import base, wellknown

ARGSPEC = dict(
    principal=dict(type="str"),
    resource=dict(type="str"),
)


class RoleNames:
    """App role id -> value, reading each resource service principal once."""

    def __init__(self, graph):
        self.graph = graph
        self.values = {}
        self.seen = set()

    def add(self, sp):
        if sp and sp.get("id") not in self.seen:
            self.seen.add(sp.get("id"))
            for role in sp.get("appRoles") or []:
                self.values[str(role.get("id")).lower()] = role.get("value")

    def load(self, resource_ids):
        for rid in resource_ids:
            if rid and rid not in self.seen:
                self.add(get_service_principal(self.graph, rid, select="id,appRoles") or {"id": rid})


def run_module(m):
    p = m.params
    graph = m.graph()
    result = {"changed": False, "assignments": []}
    names = RoleNames(graph)
    resource_sp = None
    if p["resource"]:
        resource_sp, app_id = resolve_resource(graph, p["resource"])
        result["resource"] = {
            "id": resource_sp.get("id") if resource_sp else None,
            "app_id": resource_sp.get("appId") if resource_sp else app_id,
            "display_name": (resource_sp or {}).get("displayName") or wellknown.FIRST_PARTY_APPS.get(app_id or ""),
        }
        names.add(resource_sp)

    if p["principal"]:
        principal_id = result["principal_id"] = principal_id_or_warn(m, p["principal"])
        result["principal_exists"] = False
        if principal_id is None:
            return result
        sp = get_service_principal(graph, principal_id, select="id,appId,displayName")
        if sp is None:
            other = find_service_principal_by_app_id(graph, principal_id)
            if other:
                raise ModuleError(
                    "option 'principal': %s is the application (client) id of '%s', not its object id; use %s"
                    % (principal_id, other.get("displayName"), other.get("id")), option="principal")
            return result
        result["principal_exists"] = True
        wanted = (resource_sp or {}).get("id")
        items = list_app_role_assignments(graph, principal_id, wanted) if wanted or not p["resource"] else []
    elif resource_sp is not None:
        items = list_app_role_assigned_to(graph, resource_sp["id"])
    else:
        items = []
    names.load(sorted(set(a.get("resourceId") for a in items)))
    result["assignments"] = [app_role_assignment_facts(a, names.values) for a in items]
    return result


def main():
    base.main(ARGSPEC, run_module, required_one_of=[("principal", "resource")])


if __name__ == "__main__":
    main()
