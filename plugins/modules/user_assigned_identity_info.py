#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: user_assigned_identity_info
short_description: List user-assigned managed identities
version_added: 0.1.0
description:
  - Returns one user-assigned managed identity, those of a resource group, or those of the subscription, with
    their principal and client ids.
extends_documentation_fragment:
  - m365.exo_automation.info
  - m365.exo_automation.auth
  - m365.exo_automation.auth.msi
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.user_assigned_identity
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: One identity
  m365.exo_automation.user_assigned_identity_info:
    resource_group: rg-exo-automation
    name: id-exo-runbooks
  register: found

- name: Its client id, for Connect-ExchangeOnline -ManagedIdentityAccountId
  ansible.builtin.debug:
    msg: "{{ found.identities[0].client_id }}"
  when: found.identities | length > 0

- name: Every identity of the workload in the subscription
  m365.exo_automation.user_assigned_identity_info:
    tags:
      workload: exchange-online-automation
'''

RETURN = r'''
identities:
  description: The identities found, sorted by resource id.
  returned: always
  type: list
  elements: dict
  sample:
    - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
      /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
      name: id-exo-runbooks
      resource_group: rg-exo-automation
      location: westeurope
      tags:
        workload: exchange-online-automation
      principal_id: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
      client_id: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
      tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
  contains:
    id:
      description: Resource id.
      returned: always
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
        /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
    name:
      description: Name.
      returned: always
      type: str
      sample: id-exo-runbooks
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
    principal_id:
      description: Object id of the identity's service principal.
      returned: always
      type: str
      sample: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
    client_id:
      description: Application (client) id of the identity.
      returned: always
      type: str
      sample: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
    tenant_id:
      description: Tenant of the identity.
      returned: always
      type: str
      sample: 72f988bf-86f1-41af-91ab-2d7cd011db47
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import base, resources

ARGSPEC = resources.info_argspec()


def run_module(m):
    identities = resources.list_resources(m, "msi", "user_assigned_identities", "list_by_subscription",
                                          "user_assigned_identity", resources.identity_facts)
    return {"changed": False, "identities": identities}


def main():
    base.main(ARGSPEC, run_module, required_by=resources.INFO_REQUIRED_BY)


if __name__ == "__main__":
    main()
