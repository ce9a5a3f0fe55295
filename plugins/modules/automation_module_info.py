#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_module_info
short_description: List the PowerShell 5.1 modules of an Azure Automation account
version_added: 0.1.0
description:
  - Lists the modules of the PowerShell 5.1 runtime of an Automation account, or reads one, with the state of
    their import.
options:
  include_global:
    description: Include the built-in global modules of the account.
    type: bool
    default: true
extends_documentation_fragment:
  - m365.exo_automation.info.account_objects
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.automation_module
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Read the ExchangeOnlineManagement import
  m365.exo_automation.automation_module_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: ExchangeOnlineManagement
  register: eom

- name: Show the modules imported into the account (not the built-in ones)
  m365.exo_automation.automation_module_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    include_global: false
  register: modules

- name: Print name and version
  ansible.builtin.debug:
    msg: "{{ modules.modules | items2dict(key_name='name', value_name='version') }}"
'''

RETURN = r'''
modules:
  description: The modules (an empty list when the account or the named module does not exist).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id.
      returned: always
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/modules/PowerShellGet"
    name:
      description: Module name.
      returned: always
      type: str
      sample: ExchangeOnlineManagement
    version:
      description: Imported version (empty while an import runs).
      returned: always
      type: str
      sample: 3.4.0
    provisioning_state:
      description: State of the import.
      returned: always
      type: str
      sample: Succeeded
    error:
      description: Azure's error text of a failed import.
      returned: always
      type: str
      sample: null
    is_global:
      description: Whether this is a built-in module of the account.
      returned: always
      type: bool
      sample: false
    size_in_bytes:
      description: Size of the module.
      returned: always
      type: int
      sample: 3371136
    activity_count:
      description: Number of cmdlets the module provides.
      returned: when Azure reports it
      type: int
      sample: 168
    content_uri:
      description: Address the module was imported from, when Azure reports it.
      returned: always
      type: str
      sample: null
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au, base
from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets

ARGSPEC = assets.info_argspec(include_global=dict(type="bool", default=True))


def run_module(m):
    _client, items = assets.info_read(m, "module", "module")
    modules = [au.import_facts(i) for i in items]
    if not m.params["include_global"]:
        modules = [f for f in modules if not f.get("is_global")]
    return assets.info_result("modules", modules)


def main():
    base.main(ARGSPEC, run_module)


if __name__ == "__main__":
    main()
