#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_account_info
short_description: List Azure Automation accounts and their managed identities
version_added: 0.1.0
description:
  - Returns one Automation account, those of a resource group, or those of the subscription, with their
    identities (system-assigned principal id, user-assigned principal and client ids).
  - With O(objects), also lists the runbooks, modules, schedules, webhooks or variables of the one account
    O(resource_group) and O(name) name, in the same task (one list call each), as their C(_info) modules return
    them. The audit of C(playbooks/audit.yml) finds the objects the vars file does not declare that way.
options:
  objects:
    description:
      - The kinds of objects of the account to list as RV(objects). Needs O(resource_group) and O(name).
      - Modules that Azure provides to every account (V(is_global)) are left out.
    type: list
    elements: str
    choices: [runbooks, modules, schedules, webhooks, variables]
    default: []
extends_documentation_fragment:
  - m365.exo_automation.info
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.automation_account
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: One account
  m365.exo_automation.automation_account_info:
    resource_group: rg-exo-automation
    name: aa-exo-automation
  register: found

- name: Fail when the account has no system-assigned identity
  ansible.builtin.assert:
    that:
      - found.automation_accounts | length == 1
      - found.automation_accounts[0].identity.type in ['system', 'both']

- name: Every account of the subscription
  m365.exo_automation.automation_account_info:

- name: One account and every runbook and schedule in it
  m365.exo_automation.automation_account_info:
    resource_group: rg-exo-automation
    name: aa-exo-automation
    objects: [runbooks, schedules]
  register: found

- name: The names of its runbooks
  ansible.builtin.debug:
    msg: "{{ found.objects.runbooks.runbooks | map(attribute='name') | list }}"
'''

RETURN = r'''
objects:
  description:
    - With O(objects), each kind asked for, as its C(_info) module returns it, sorted by name. C(runbooks) holds
      what M(m365.exo_automation.runbook_info) returns (C(runbooks) with a list), and so on for
      M(m365.exo_automation.automation_module_info), M(m365.exo_automation.automation_schedule_info),
      M(m365.exo_automation.automation_webhook_info) and M(m365.exo_automation.automation_variable_info).
    - A kind whose list failed holds C(failed) (true) and C(msg) instead; the other kinds are still listed.
  returned: when O(objects) is given
  type: dict
  sample:
    runbooks:
      runbooks:
        - name: Test-ExchangeOnlineConnection
          state: Published
    schedules:
      failed: true
      msg: "listing the account's schedules: Forbidden (HTTP 403)"
automation_accounts:
  description: The accounts found, sorted by resource id. Each has the keys the automation_account module returns.
  returned: always
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
      /providers/Microsoft.Automation/automationAccounts/aa-exo-automation"
      name: aa-exo-automation
      resource_group: rg-exo-automation
      location: westeurope
      tags:
        workload: exchange-online-automation
      sku: Basic
      state: Ok
      public_network_access: true
      disable_local_auth: false
      creation_time: '2025-01-20T10:42:13.123+00:00'
      last_modified_time: '2025-01-20T10:42:13.123+00:00'
      identity:
        type: both
        principal_id: 4e1a0c4f-7a1f-4f44-8b7e-2a3a6c3c9f10
        tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
        user_assigned_identities:
        - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
          /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
          name: id-exo-runbooks
          resource_group: rg-exo-automation
          principal_id: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
          client_id: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
  contains:
    id:
      description: Resource id.
      returned: always
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
        /providers/Microsoft.Automation/automationAccounts/aa-exo-automation"
    name:
      description: Name.
      returned: always
      type: str
      sample: aa-exo-automation
    resource_group:
      description: Resource group.
      returned: always
      type: str
      sample: rg-exo-automation
    location:
      description: Region name.
      returned: always
      type: str
      sample: westeurope
    tags:
      description: Tags.
      returned: always
      type: dict
      sample: {"workload": "exchange-online-automation"}
    sku:
      description: Pricing tier.
      returned: always
      type: str
      sample: Basic
    state:
      description: State of the account.
      returned: always
      type: str
      sample: Ok
    public_network_access:
      description: Whether public network access is enabled.
      returned: always
      type: bool
      sample: true
    disable_local_auth:
      description: Whether local (key-based) authentication is turned off.
      returned: always
      type: bool
      sample: false
    creation_time:
      description: When the account was created.
      returned: always
      type: str
      sample: "2025-01-20T10:42:13.123+00:00"
    last_modified_time:
      description: When the account was last changed.
      returned: always
      type: str
      sample: "2025-01-20T10:42:13.123+00:00"
    identity:
      description: Managed identities (V(type) none/system/user/both, V(principal_id), V(tenant_id), V(user_assigned_identities)).
      returned: always
      type: dict
      sample:
        type: both
        principal_id: 4e1a0c4f-7a1f-4f44-8b7e-2a3a6c3c9f10
        tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
        user_assigned_identities:
          - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
            /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
            name: id-exo-runbooks
            resource_group: rg-exo-automation
            principal_id: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
            client_id: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets, base, resources
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError

ARGSPEC = dict(resources.info_argspec(),
               objects=dict(type="list", elements="str", choices=sorted(assets.ACCOUNT_OBJECTS), default=[]))


def run_module(m):
    p = m.params
    kinds = list(dict.fromkeys(p["objects"]))
    if kinds and not (p["resource_group"] and p["name"]):
        raise ModuleError("option 'objects' lists the objects of one account: give resource_group and name",
                          option="objects")
    accounts = resources.list_resources(m, "automation", "automation_account", "list", "automation_account",
                                        resources.account_facts)
    result = {"changed": False, "automation_accounts": accounts}
    if kinds and accounts:
        result["objects"] = assets.account_objects(m.automation_client(), p["resource_group"], p["name"], kinds)
    elif kinds:  # an account that does not exist holds nothing
        result["objects"] = dict((kind, {kind: []}) for kind in kinds)
    return result


def main():
    base.main(ARGSPEC, run_module, required_by=resources.INFO_REQUIRED_BY)


if __name__ == "__main__":
    main()
