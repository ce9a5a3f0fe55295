#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: runbook_info
short_description: List the runbooks of an Azure Automation account
version_added: 0.1.0
description:
  - Lists the runbooks of an Automation account, or reads one, optionally with their published and draft
    content.
options:
  include_content:
    description: Also read the published content and the draft content of each runbook (one or two requests per
      runbook).
    type: bool
    default: false
extends_documentation_fragment:
  - m365.exo_automation.info.account_objects
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.runbook
  - module: m365.exo_automation.runbook_job
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Read a runbook with its content
  m365.exo_automation.runbook_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Test-ExchangeOnlineConnection
    include_content: true
  register: rb

- name: Show the published script
  ansible.builtin.debug:
    msg: "{{ rb.runbooks[0].content }}"
  when: rb.runbooks | length > 0

- name: List every runbook of the account
  m365.exo_automation.runbook_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
  register: all_runbooks
'''

RETURN = r'''
runbooks:
  description: The runbooks (an empty list when the account or the named runbook does not exist).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id.
      returned: always
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/runbooks/Test-Connection"
    name:
      description: Name.
      returned: always
      type: str
      sample: Test-ExchangeOnlineConnection
    type:
      description: The runtime environment of the runbook, or its runbook type when it has none.
      returned: always
      type: str
      sample: PowerShell
    runbook_type:
      description: Runbook type as Azure reports it.
      returned: always
      type: str
      sample: PowerShell
    runtime_environment:
      description: Runtime environment, when the runbook runs on one.
      returned: always
      type: str
      sample: null
    state:
      description: C(New), C(Edit) or C(Published).
      returned: always
      type: str
      sample: Published
    description:
      description: Description.
      returned: always
      type: str
      sample: Connects with the managed identity and lists the accepted domains
    log_progress:
      description: Whether jobs write progress records.
      returned: always
      type: bool
      sample: false
    log_verbose:
      description: Whether jobs write verbose records.
      returned: always
      type: bool
      sample: false
    tags:
      description: Tags.
      returned: always
      type: dict
      sample: {}
    parameters:
      description: Parameters the runbook declares.
      returned: always
      type: dict
      sample: {}
    location:
      description: Region.
      returned: always
      type: str
      sample: westeurope
    last_modified_time:
      description: When Azure last changed the runbook.
      returned: always
      type: str
      sample: "2025-01-01T10:00:00.000Z"
    content_sha256:
      description: SHA-256 of the normalised published content (with O(include_content=true)).
      returned: always
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    content:
      description: Published content.
      returned: with O(include_content=true)
      type: str
      sample: "param()\nWrite-Output 'hello'\n"
    draft_content:
      description: Draft content (the published content when there is no draft).
      returned: with O(include_content=true)
      type: str
      sample: "param()\nWrite-Output 'hello'\n"
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au, base
from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets

ARGSPEC = assets.info_argspec(include_content=dict(type="bool", default=False))


def run_module(m):
    p = m.params
    client, items = assets.info_read(m, "runbook", "runbook")
    runbooks = []
    for item in items:
        if p["include_content"]:
            published, draft = au.runbook_contents(client, p["resource_group"], p["account"], item.get("name"), item)
            runbooks.append(au.runbook_facts(item, content=published, draft=draft, include_content=True))
        else:
            runbooks.append(au.runbook_facts(item))
    return assets.info_result("runbooks", runbooks)


def main():
    base.main(ARGSPEC, run_module)


if __name__ == "__main__":
    main()
