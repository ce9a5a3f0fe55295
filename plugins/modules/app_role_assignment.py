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
  - M(m365.exo_automation.principal_access) grants app roles and assigns Entra roles to one principal in one task
    (one module process, every grant checked before the first write); the role
    C(m365.exo_automation.managed_identity_access) uses it.
seealso:
  - module: m365.exo_automation.principal_access
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

from ansible_collections.m365.exo_automation.plugins.module_utils import flow, grants

ARGSPEC = flow.link_argspec(**grants.APP_ROLE_OPTIONS)


def main():
    flow.main(ARGSPEC, grants.AppRoleAssignments)


if __name__ == "__main__":
    main()
