#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: audit_report
short_description: Write an audit report to a JSON file on the controller
version_added: 0.1.0
description:
  - Writes O(report) (the report of C(playbooks/audit.yml), or the combined report of several accounts) to
    O(path) as indented JSON with sorted keys, the text C(to_nice_json(indent=2)) gives.
  - Runs on the controller only, as an action, with no module process and no connection. The file is replaced in
    one step, and only when its text or mode differs, so the task reports a change only when the report did.
  - Writes in check mode too. The report is what the audit returns, not part of the setup it checks.
options:
  path:
    description:
      - The file to write, on the controller. Its directory must exist. C(~) is expanded.
    type: path
    required: true
  report:
    description:
      - The report, a dict.
    type: dict
    required: true
  mode:
    description:
      - Permissions of the file.
    type: str
    choices: ["0644", "0640", "0600"]
    default: "0644"
attributes:
  check_mode:
    description: Writes the file in check mode too. The report is output, not part of the setup.
    support: none
  diff_mode:
    description: Returns no diff.
    support: none
  action:
    description: Runs on the controller as an action plugin.
    support: full
notes:
  - The audit playbook writes each account's report with this action instead of M(ansible.builtin.copy), which
    runs two module processes per file.
seealso:
  - module: ansible.builtin.copy
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Write the JSON report
  m365.exo_automation.audit_report:
    path: "{{ audit_report_path }}"
    report: "{{ exchange_online_automation_report }}"
'''

RETURN = r'''
path:
  description: The absolute path of the file.
  returned: always
  type: str
  sample: /srv/awx/projects/exo/exo-audit-report.json
size:
  description: The size of the file, in bytes.
  returned: always
  type: int
  sample: 4816
'''
