#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_variable_info
short_description: List the variables of an Azure Automation account
version_added: 0.1.0
description:
  - Lists the variables of an Automation account, or reads one. Plain values are decoded from Azure's JSON text;
    encrypted values cannot be read and are returned as V(null).
extends_documentation_fragment:
  - m365.exo_automation.info.account_objects
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.automation_variable
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Read one variable
  m365.exo_automation.automation_variable_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: ExchangeOrganization
  register: org

- name: Use its value
  ansible.builtin.debug:
    msg: "{{ org.variables[0].value }}"
  when: org.variables | length > 0

- name: List every variable of the account
  m365.exo_automation.automation_variable_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
  register: all_variables
'''

RETURN = r'''
variables:
  description: The variables, by name (an empty list when the account or the named variable does not exist).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id.
      returned: always
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/variables/ExchangeOrganization"
    name:
      description: Name.
      returned: always
      type: str
      sample: ExchangeOrganization
    value:
      description: The value, decoded from Azure's JSON text; V(null) for an encrypted variable.
      returned: always
      type: raw
      sample: contoso.onmicrosoft.com
    encrypted:
      description: Whether the value is encrypted.
      returned: always
      type: bool
      sample: false
    description:
      description: Description.
      returned: always
      type: str
      sample: Initial domain of the tenant
    creation_time:
      description: When the variable was created.
      returned: always
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
    last_modified_time:
      description: When the variable last changed.
      returned: always
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets, base

ARGSPEC = assets.info_argspec()


def run_module(m):
    _client, items = assets.info_read(m, "variable", "variable")
    return assets.info_result("variables", [assets.variable_facts(item) for item in items])


def main():
    base.main(ARGSPEC, run_module)


if __name__ == "__main__":
    main()
