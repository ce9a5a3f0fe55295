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
  - Returns, as RV(extra), the principal's Entra role assignments at any directory scope that the task does not
    declare, privileged roles (Global Administrator, Privileged Role Administrator, Application Administrator,
    ... and Exchange Administrator when a narrower role is declared) flagged as such. This is what an audit (check
    mode) reports as extra privilege; O(exclusive) still alone decides what is removed.
  - Needs the Graph permission C(RoleManagement.ReadWrite.Directory) (or the Privileged Role Administrator role).
options:
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
extends_documentation_fragment:
  - m365.exo_automation.assignment
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.graph
  - m365.exo_automation.timeout
  - m365.exo_automation.attributes
notes:
  - Assignments are written with C(POST /roleManagement/directory/roleAssignments) and removed with
    C(DELETE /roleManagement/directory/roleAssignments/{id}).
  - In check mode nothing is written; when the managed identity does not exist yet the assignments are reported
    as changes with a warning.
  - M(m365.exo_automation.principal_access) grants app roles and assigns Entra roles to one principal in one task
    (one module process, every grant checked before the first write); the role
    C(m365.exo_automation.managed_identity_access) uses it.
seealso:
  - module: m365.exo_automation.principal_access
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
extra:
  description:
    - The Entra role assignments O(principal) held before the task, at any directory scope, that the task does
      not declare (those at O(directory_scope_id) that are not in O(roles), and all at other scopes).
    - C(privileged) is true for the roles Microsoft labels privileged (Global Administrator, Privileged Role
      Administrator, Privileged Authentication Administrator, Security Administrator, Application
      Administrator, Cloud Application Administrator, ...; the table is C(PRIVILEGED_ENTRA_ROLES) in
      C(plugins/module_utils/wellknown.py)) and for Exchange Administrator when O(roles) holds a narrower role
      (such as Exchange Recipient Administrator). C(removed) is true when the task removes the assignment (or
      would, in check mode), which only O(exclusive=true) does, at O(directory_scope_id).
  returned: always
  type: list
  elements: dict
  sample:
    - id: lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-2
      role_id: 62e90394-69f5-4237-9190-012177145e10
      role_name: Global Administrator
      role_template_id: 62e90394-69f5-4237-9190-012177145e10
      directory_scope_id: /
      privileged: true
      removed: false
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import flow, grants

ARGSPEC = flow.link_argspec(**grants.DIRECTORY_ROLE_OPTIONS)


def main():
    flow.main(ARGSPEC, grants.DirectoryRoleAssignments)


if __name__ == "__main__":
    main()
