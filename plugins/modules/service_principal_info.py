#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: service_principal_info
short_description: Look up service principals, including the one of a managed identity, waiting out Graph replication
version_added: 0.1.0
description:
  - Finds service principals by application (client) id, object id, display name or well-known name
    (V(Office 365 Exchange Online), V(Microsoft Graph)), or the service principal of a managed identity named by
    its ARM resource id.
  - With O(wait_timeout), waits until Microsoft Graph knows the principal. Right after a managed identity is
    created Graph may answer 404 C(Request_ResourceNotFound) for minutes (replication delay); the module retries
    with jittered exponential backoff and fails with a message saying replication did not finish when the time
    is up.
options:
  app_id:
    description: Application (client) id, or a well-known name.
    type: str
  object_id:
    description: Object id of the service principal.
    type: str
    aliases: [id]
  display_name:
    description: Display name (all service principals with that name are returned), or a well-known name.
    type: str
    aliases: [name]
  principal:
    description:
      - A principal as the identity modules take it, the object id of a service principal or the ARM
        resource id of a managed identity, either an Automation account
        (C(/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Automation/automationAccounts/<name>),
        its system-assigned identity) or a user-assigned identity
        (C(.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>)).
      - The managed identity's principal id is read from Azure Resource Manager, so the task needs read access
        to that resource too.
    type: str
  wait_timeout:
    description:
      - Seconds to wait for Graph to know the service principal named by O(object_id) or O(principal).
      - V(0) does not wait; a missing service principal gives an empty list.
      - With a value above V(0) a service principal that is still unknown when the time is up fails the task.
      - No longer than O(timeout), the time the whole task may take.
    type: int
    default: 0
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.graph
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.service_principal
  - module: m365.exo_automation.app_role_assignment
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Wait until Graph knows the system-assigned identity of an Automation account
  m365.exo_automation.service_principal_info:
    principal: /subscriptions/{{ subscription_id }}/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo
    wait_timeout: 600
  register: mi

- name: Show its object id, the id Graph grants use
  ansible.builtin.debug:
    msg: "{{ mi.service_principals[0].id }}"

- name: Does the tenant have the Office 365 Exchange Online service principal?
  m365.exo_automation.service_principal_info:
    app_id: Office 365 Exchange Online
  register: exo

- name: Report it
  ansible.builtin.debug:
    msg: "{{ 'present' if exo.service_principals else 'missing: run m365.exo_automation.service_principal' }}"
'''

RETURN = r'''
service_principals:
  description: The service principals found (empty when none matches).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Object id.
      returned: always
      type: str
      sample: 3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8
    app_id:
      description: Application (client) id.
      returned: always
      type: str
      sample: 00000002-0000-0ff1-ce00-000000000000
    display_name:
      description: Display name.
      returned: always
      type: str
      sample: Office 365 Exchange Online
    service_principal_type:
      description: C(Application), C(ManagedIdentity), C(Legacy) or C(SocialIdp).
      returned: always
      type: str
      sample: ManagedIdentity
    account_enabled:
      description: Whether the service principal can sign in.
      returned: always
      type: bool
      sample: true
    app_owner_organization_id:
      description: Tenant id of the organization that owns the application.
      returned: always
      type: str
      sample: f8cdef31-a31e-4b4a-93e4-5f571e91255a
    alternative_names:
      description: Alternative names; for a managed identity, its ARM resource id.
      returned: always
      type: list
      elements: str
      sample: ["isExplicit=False", "/subscriptions/0000/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo"]
    app_roles:
      description: App roles the application offers (C(id), C(value), C(display_name), C(description),
        C(allowed_member_types), C(is_enabled)).
      returned: always
      type: list
      elements: dict
      sample: [{"id": "dc50a0fb-09a3-484d-be87-e023b12c6440", "value": "Exchange.ManageAsApp",
                "display_name": "Manage Exchange As Application", "description": "",
                "allowed_member_types": ["Application"], "is_enabled": true}]
principal:
  description: How O(principal) was resolved.
  returned: when O(principal) is given
  type: dict
  contains:
    id:
      description: Object (principal) id; null when the managed identity does not exist (yet).
      returned: always
      type: str
      sample: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
    source:
      description: C(object_id), C(automation_account) or C(user_assigned_identity).
      returned: always
      type: str
      sample: automation_account
    resource_id:
      description: The ARM resource id given.
      returned: always
      type: str
      sample: /subscriptions/0000/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo
    client_id:
      description: Client id of a user-assigned identity (what C(Connect-ExchangeOnline -ManagedIdentityAccountId) takes).
      returned: always
      type: str
      sample: 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    find_service_principal_by_app_id,
    find_service_principals_by_display_name,
    get_service_principal,
    resolve_principal,
    service_principal_argspec,
    service_principal_facts,
    wait_for_principal,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_guid, check_seconds
from ansible_collections.m365.exo_automation.plugins.module_utils import base, wellknown

ARGSPEC = service_principal_argspec(
    principal=dict(type="str"),
    wait_timeout=dict(type="int", default=0),
)


def by_object_id(m, graph, object_id, option):
    timeout = m.params["wait_timeout"]
    if timeout and timeout > 0:
        return [wait_for_principal(graph, object_id, timeout, option=option)]
    sp = get_service_principal(graph, object_id)
    return [sp] if sp else []


def run_module(m):
    p = m.params
    check_seconds(p["wait_timeout"], "wait_timeout", p["timeout"])
    graph = m.graph()
    result = {"changed": False}
    if p["principal"]:
        principal = resolve_principal(m, p["principal"])
        result["principal"] = {k: principal.get(k) for k in ("id", "source", "resource_id", "client_id")}
        if principal["id"] is None:
            if p["wait_timeout"] and not m.check_mode:
                raise ModuleError("option 'principal': %s" % principal["missing"], option="principal")
            m.warn("option 'principal': %s" % principal["missing"])
            found = []
        else:
            found = by_object_id(m, graph, principal["id"], "principal")
    elif p["object_id"]:
        found = by_object_id(m, graph, check_guid(p["object_id"], "object_id"), "object_id")
    elif p["app_id"]:
        app_id = wellknown.app_id_for(p["app_id"]) or check_guid(p["app_id"], "app_id")
        sp = find_service_principal_by_app_id(graph, app_id)
        found = [sp] if sp else []
    else:
        app_id = wellknown.app_id_for(p["display_name"])
        if app_id:
            sp = find_service_principal_by_app_id(graph, app_id)
            found = [sp] if sp else []
        else:
            found = find_service_principals_by_display_name(graph, p["display_name"])
    result["service_principals"] = [service_principal_facts(sp) for sp in found]
    return result


def main():
    names = ("app_id", "object_id", "display_name", "principal")
    base.main(ARGSPEC, run_module, mutually_exclusive=[names], required_one_of=[names])


if __name__ == "__main__":
    main()
