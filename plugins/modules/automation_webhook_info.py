#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_webhook_info
short_description: List the webhooks of an Azure Automation account
version_added: 0.1.0
description:
  - Lists the webhooks of an Automation account, or reads one, with their runbook, expiry time and parameters.
  - Azure never shows a webhook's URI after its creation, so none is returned.
options:
  runbook:
    description:
      - List only the webhooks of this runbook.
      - A name that breaks the naming rules for runbooks is an error, before any request.
    type: str
extends_documentation_fragment:
  - m365.exo_automation.info.account_objects
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
seealso:
  - module: m365.exo_automation.automation_webhook
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: List the webhooks of the account
  m365.exo_automation.automation_webhook_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
  register: hooks

- name: Report the webhooks that expire within 30 days
  ansible.builtin.debug:
    msg: "{{ item.name }} expires {{ item.expiry_time }}"
  loop: "{{ hooks.webhooks }}"
  loop_control:
    label: "{{ item.name }}"
  when: (item.expiry_time | to_datetime('%Y-%m-%dT%H:%M:%S+00:00') - now(utc=true)).days < 30
'''

RETURN = r'''
webhooks:
  description: The webhooks, by name (an empty list when the account or the named webhook does not exist).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id.
      returned: always
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/webhooks/enable-archive"
    name:
      description: Name.
      returned: always
      type: str
      sample: enable-archive
    runbook:
      description: Runbook the webhook starts.
      returned: always
      type: str
      sample: Enable-ArchiveMailbox
    is_enabled:
      description: Whether calls start jobs.
      returned: always
      type: bool
      sample: true
    expiry_time:
      description: When the webhook stops working, UTC.
      returned: always
      type: str
      sample: "2031-01-01T00:00:00+00:00"
    expired:
      description: Whether the expiry time has passed.
      returned: always
      type: bool
      sample: false
    parameters:
      description: Parameters of the jobs.
      returned: always
      type: dict
      sample: {"Mailbox": "adele.vance@contoso.com"}
    run_on:
      description: Hybrid worker group, V(null) for Azure.
      returned: always
      type: str
      sample: null
    description:
      description: Description.
      returned: always
      type: str
      sample: null
    last_invoked_time:
      description: When the webhook was last called.
      returned: always
      type: str
      sample: null
    creation_time:
      description: When the webhook was created.
      returned: always
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
    last_modified_time:
      description: When the webhook last changed.
      returned: always
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets, base

ARGSPEC = assets.info_argspec(runbook=dict(type="str"))


def run_module(m):
    p = m.params
    _client, items = assets.info_read(m, "webhook", "webhook", names={"runbook": "runbook"})
    now = assets.utcnow()
    webhooks = [assets.webhook_facts(item, now) for item in items]
    if p["runbook"]:
        webhooks = [w for w in webhooks if (w["runbook"] or "").lower() == p["runbook"].lower()]
    return assets.info_result("webhooks", webhooks)


def main():
    base.main(ARGSPEC, run_module)


if __name__ == "__main__":
    main()
