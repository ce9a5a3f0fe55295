#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: directory_role_assignment_info
short_description: List Entra role assignments of a principal or of roles
version_added: 0.1.0
description:
  - Lists Microsoft Entra role assignments with role names resolved, by principal or by role.
  - For a principal, RV(exchange_online_accepted) tells whether it holds, tenant-wide, an Entra role that
    Exchange Online accepts for app-only access (without one, C(Connect-ExchangeOnline -ManagedIdentity) fails
    with I(The role assigned to application ... isn't supported in this scenario)).
options:
  principal:
    description:
      - Object id of a service principal, or the ARM resource id of a managed identity (Automation account or
        user-assigned identity).
    type: str
  roles:
    description:
      - Only these roles, by display name or template / definition id. Without O(principal), every assignment
        of these roles is listed.
    type: list
    elements: str
  directory_scope_id:
    description: Only assignments at this scope (for example V(/)); all scopes when omitted.
    type: str
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.graph
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.directory_role_assignment
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Which Entra roles does the Automation account's identity hold?
  m365.exo_automation.directory_role_assignment_info:
    principal: /subscriptions/{{ subscription_id }}/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo
  register: roles

- name: Flag an identity that Exchange Online would refuse
  ansible.builtin.assert:
    that: roles.exchange_online_accepted
    fail_msg: "No Entra role that Exchange Online accepts: {{ roles.assignments | map(attribute='role_display_name') | list }}"

- name: Who is Global Administrator?
  m365.exo_automation.directory_role_assignment_info:
    roles: [Global Administrator]
'''

RETURN = r'''
assignments:
  description: The role assignments found.
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
principal_id:
  description: Object id of O(principal); null when its managed identity does not exist.
  returned: when O(principal) is given
  type: str
  sample: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
exchange_online_accepted:
  description: Whether O(principal) holds, tenant-wide, an Entra role that Exchange Online accepts for app-only
    access (all its assignments count, whatever O(roles) and O(directory_scope_id) filter).
  returned: when O(principal) is given
  type: bool
  sample: true
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    directory_role_assignment_facts,
    exchange_online_accepts,
    list_directory_role_assignments,
    list_role_definitions,
    resolve_directory_roles,
    principal_id_or_warn,
)
from ansible_collections.m365.exo_automation.plugins.module_utils import base

ARGSPEC = dict(
    principal=dict(type="str"),
    roles=dict(type="list", elements="str"),
    directory_scope_id=dict(type="str"),
)


def run_module(m):
    p = m.params
    graph = m.graph()
    definitions = list_role_definitions(graph)
    by_id = dict((str(d.get("id")).lower(), d) for d in definitions)
    wanted = resolve_directory_roles(p["roles"], definitions) if p["roles"] else []
    wanted_ids = set(str(d["id"]).lower() for d in wanted)
    result = {"changed": False, "assignments": []}

    if p["principal"]:
        principal_id = result["principal_id"] = principal_id_or_warn(m, p["principal"])
        result["exchange_online_accepted"] = False
        if principal_id is None:
            return result
        items = list_directory_role_assignments(graph, principal_id=principal_id)
        result["exchange_online_accepted"] = exchange_online_accepts(items)
        if wanted_ids:
            items = [a for a in items if str(a.get("roleDefinitionId")).lower() in wanted_ids]
    else:
        items = []
        for rid in sorted(wanted_ids):
            items.extend(list_directory_role_assignments(graph, role_definition_id=rid))
    if p["directory_scope_id"]:
        items = [a for a in items if (a.get("directoryScopeId") or "/") == p["directory_scope_id"]]
    result["assignments"] = [directory_role_assignment_facts(a, by_id) for a in items]
    return result


def main():
    base.main(ARGSPEC, run_module, required_one_of=[("principal", "roles")])


if __name__ == "__main__":
    main()
