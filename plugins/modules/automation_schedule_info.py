#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_schedule_info
short_description: List the schedules of an Azure Automation account and the runbooks linked to them
version_added: 0.1.0
description:
  - Lists the schedules of an Automation account, or reads one, with the runbooks each one starts and the
    parameters of their jobs. Times are returned in UTC.
options:
  runbook:
    description:
      - List only the schedules linked to this runbook.
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
  - module: m365.exo_automation.automation_schedule
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Read one schedule
  m365.exo_automation.automation_schedule_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: weekdays-0600
  register: sched

- name: Show when it runs next
  ansible.builtin.debug:
    msg: "{{ sched.schedules[0].next_run }}"
  when: sched.schedules | length > 0

- name: Schedules that start a given runbook
  m365.exo_automation.automation_schedule_info:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    runbook: Enable-ArchiveMailbox
  register: archive_schedules
'''

RETURN = r'''
schedules:
  description: The schedules, by name (an empty list when the account or the named schedule does not exist).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Resource id.
      returned: always
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/schedules/weekdays-0600"
    name:
      description: Name.
      returned: always
      type: str
      sample: weekdays-0600
    description:
      description: Description.
      returned: always
      type: str
      sample: Enables archives every weekday morning
    start_time:
      description: Start time, UTC.
      returned: always
      type: str
      sample: "2030-01-07T05:00:00+00:00"
    expiry_time:
      description: Expiry time, UTC; V(null) when the schedule never expires.
      returned: always
      type: str
      sample: null
    next_run:
      description: When the schedule runs next, UTC.
      returned: always
      type: str
      sample: "2030-01-07T05:00:00+00:00"
    frequency:
      description: Frequency.
      returned: always
      type: str
      sample: Week
    interval:
      description: Interval; V(null) for V(OneTime) schedules.
      returned: always
      type: int
      sample: 1
    time_zone:
      description: Time zone of the recurrence.
      returned: always
      type: str
      sample: Europe/Berlin
    week_days:
      description: Days of the week of a V(Week) schedule.
      returned: always
      type: list
      elements: str
      sample: [Monday, Friday]
    month_days:
      description: Days of the month of a V(Month) schedule.
      returned: always
      type: list
      elements: int
      sample: []
    monthly_occurrences:
      description: Weekday occurrences of a V(Month) schedule.
      returned: always
      type: list
      elements: dict
      sample: []
    is_enabled:
      description: Whether the schedule starts jobs.
      returned: always
      type: bool
      sample: true
    creation_time:
      description: When the schedule was created.
      returned: always
      type: str
      sample: "2029-12-20T10:00:00.000+00:00"
    last_modified_time:
      description: When the schedule last changed.
      returned: always
      type: str
      sample: "2029-12-20T10:00:00.000+00:00"
    runbooks:
      description: The runbooks linked to the schedule, by name.
      returned: always
      type: list
      elements: dict
      contains:
        name:
          description: Runbook name.
          returned: always
          type: str
          sample: Enable-ArchiveMailbox
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
        job_schedule_id:
          description: Id of the link (job schedule).
          returned: always
          type: str
          sample: 0fa462ba-3aa2-4138-83ca-9ebc3bc55cdc
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets, base

ARGSPEC = assets.info_argspec(runbook=dict(type="str"))


def run_module(m):
    p = m.params
    client, items = assets.info_read(m, "schedule", "schedule", names={"runbook": "runbook"})
    links = assets.schedule_links(client, p["resource_group"], p["account"]) if items else {}
    schedules = []
    for item in items:
        item_links = links.get((item.get("name") or "").lower(), [])
        if p["runbook"] and not any((link["name"] or "").lower() == p["runbook"].lower() for link in item_links):
            continue
        schedules.append(assets.schedule_facts(item, item_links))
    return assets.info_result("schedules", schedules)


def main():
    base.main(ARGSPEC, run_module)


if __name__ == "__main__":
    main()
