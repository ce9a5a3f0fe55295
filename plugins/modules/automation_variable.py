#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_variable
short_description: Manage Azure Automation variables, plain or encrypted
version_added: 0.1.0
description:
  - Creates, updates and deletes a variable of an Automation account, which runbooks read with
    C(Get-AutomationVariable).
  - The value is any JSON value (a string, number, boolean, list or dict). Azure stores it as JSON text (the
    string V(abc) is stored as C("abc") with the quotes); the module converts both ways, so a runbook gets back the
    type it was given, and compares plain values by value.
  - An encrypted value cannot be read back, so it cannot be compared. O(update_encrypted) says when it is written.
    With O(encrypted=true) the value is kept out of the task output and logs (no_log); it is also masked when the
    variable turns out to be encrypted in Azure.
options:
  name:
    description: Name of the variable.
    type: str
    required: true
  value:
    description:
      - The value. Required to create the variable; unset keeps the current value.
      - YAML types are kept (V(5) is a number, V("5") a string). V(null) is not a value a variable can hold.
    type: raw
  encrypted:
    description:
      - Whether Azure encrypts the value. Unset keeps the current setting (V(false) on create).
      - Azure cannot change the encryption of an existing variable; delete it (O(state=absent)) and create it
        again.
    type: bool
  update_encrypted:
    description:
      - When to write the value of an encrypted variable, which cannot be compared.
      - V(on_create) writes it only when the variable is created (the task is C(changed=false) afterwards).
      - V(always) writes it on every run (the task is always C(changed=true)), to rotate a secret.
    type: str
    choices: [always, on_create]
    default: on_create
  description:
    description: Description of the variable. Leave unset to keep the current one.
    type: str
  state:
    description: V(present) creates or updates the variable, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.attributes
notes:
  - In check mode a missing Automation account is reported with a warning.
seealso:
  - module: m365.exo_automation.automation_variable_info
  - module: m365.exo_automation.runbook
  - name: Manage variables in Azure Automation
    description: Microsoft's guide.
    link: https://learn.microsoft.com/azure/automation/shared-resources/variables
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: The organization the runbooks connect to
  m365.exo_automation.automation_variable:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: ExchangeOrganization
    value: contoso.onmicrosoft.com
    description: Initial domain of the tenant

- name: Structured settings (a runbook gets a hashtable back)
  m365.exo_automation.automation_variable:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: ArchiveSettings
    value:
      retention_days: 365
      notify: [it-messaging@contoso.com]

- name: A secret, written when the variable is created
  m365.exo_automation.automation_variable:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: TicketingApiKey
    value: "{{ vault_ticketing_api_key }}"
    encrypted: true

- name: Rotate the secret on every run
  m365.exo_automation.automation_variable:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: TicketingApiKey
    value: "{{ vault_ticketing_api_key }}"
    encrypted: true
    update_encrypted: always

- name: Delete a variable
  m365.exo_automation.automation_variable:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: ArchiveSettings
    state: absent
'''

RETURN = r'''
variable:
  description: The variable after the task (in check mode, as it would be). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: Resource id (not known in check mode before the variable exists).
      returned: when the variable exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/variables/ExchangeOrganization"
    name:
      description: Name.
      returned: when the variable exists
      type: str
      sample: ExchangeOrganization
    value:
      description: The value, decoded from Azure's JSON text; V(null) for an encrypted variable.
      returned: when the variable exists
      type: raw
      sample: contoso.onmicrosoft.com
    encrypted:
      description: Whether the value is encrypted.
      returned: when the variable exists
      type: bool
      sample: false
    description:
      description: Description.
      returned: when the variable exists
      type: str
      sample: Initial domain of the tenant
    creation_time:
      description: When the variable was created.
      returned: when the variable exists
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
    last_modified_time:
      description: When the variable last changed.
      returned: when the variable exists
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
value_changed:
  description: Whether the value was (or would be) written.
  returned: always
  type: bool
  sample: true
diff:
  description: The variable before and after; an encrypted value shows as C((encrypted)), or C((encrypted, replaced))
    when it is written.
  returned: always
  type: dict
  sample: {"before": {}, "after": {"name": "ExchangeOrganization", "value": "contoso.onmicrosoft.com", "encrypted": false}}
'''

import copy

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule, ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets

ARGSPEC = au.account_argspec()
ARGSPEC.update(
    name=dict(type="str", required=True),
    value=dict(type="raw"),
    encrypted=dict(type="bool"),
    update_encrypted=dict(type="str", choices=["always", "on_create"], default="on_create"),
    description=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)

ENCRYPTED = "(encrypted)"
REPLACED = "(encrypted, replaced)"


def diff_view(facts, replaced=False):
    if not facts:
        return {}
    view = dict((k, facts.get(k)) for k in ("name", "value", "encrypted", "description"))
    if facts.get("encrypted"):
        view["value"] = REPLACED if replaced else ENCRYPTED
    return view


def hide(m, value):
    """Mask ``value`` (and every string and number in it, as no_log does) in everything the module returns."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, dict):
        for item in value.values():
            hide(m, item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            hide(m, item)
    else:
        text = str(value)
        if text:
            m.module.no_log_values.add(text)
    if not isinstance(value, str):
        m.module.no_log_values.add(assets.encode_value(value))


def run_module(m):
    p = m.params
    au.check_account_options(p)
    name = assets.check_name(p["name"], "variable")
    rg, account = p["resource_group"], p["account"]
    value_given = p["value"] is not None
    text = assets.encode_value(p["value"]) if value_given else None
    if p["encrypted"]:
        hide(m, p["value"])
    client = m.automation_client()

    current = au.read(client.variable.get, rg, account, name)
    before = assets.variable_facts(current)
    if current is not None and before["encrypted"]:
        hide(m, p["value"])

    if p["state"] == "absent":
        if current is not None and not m.check_mode:
            client.variable.delete(rg, account, name)
        return {"changed": current is not None, "variable": {}, "value_changed": False,
                "diff": {"before": diff_view(before), "after": {}}}

    if current is None:
        if not value_given:
            raise ModuleError("value is required to create variable %s" % name, option="value")
        au.get_account(m, client, rg, account)
        encrypted = bool(p["encrypted"])
        body = {"name": name, "properties": {"value": text, "isEncrypted": encrypted,
                                             "description": p["description"] or ""}}
        if m.check_mode:
            after = {"id": None, "name": name, "encrypted": encrypted, "value": None if encrypted else p["value"],
                     "description": p["description"] or None, "creation_time": None, "last_modified_time": None}
        else:
            created = au.to_dict(client.variable.create_or_update(rg, account, name, body))
            after = assets.variable_facts(au.read(client.variable.get, rg, account, name) or created)
        return {"changed": True, "variable": after, "value_changed": True,
                "diff": {"before": {}, "after": diff_view(after, replaced=True)}}

    encrypted = before["encrypted"]
    if p["encrypted"] is not None and p["encrypted"] != encrypted:
        raise ModuleError("variable %s is %s; Azure cannot change the encryption of an existing variable"
                          % (name, "encrypted" if encrypted else "not encrypted"), option="encrypted",
                          hint="Delete it (state=absent) and create it again, or leave encrypted unset.")
    if encrypted:
        write_value = value_given and p["update_encrypted"] == "always"
    else:
        write_value = value_given and not assets.same_value(p["value"], au.props(current).get("value"))
    description_changed = p["description"] is not None and (p["description"] or None) != before["description"]
    changed = write_value or description_changed

    after = copy.deepcopy(before)
    if description_changed:
        after["description"] = p["description"] or None
    if write_value and not encrypted:
        after["value"] = p["value"]
    if changed and not m.check_mode:
        if write_value:
            body = {"name": name, "properties": {"value": text, "isEncrypted": encrypted,
                                                 "description": (after["description"] or "")}}
            saved = client.variable.create_or_update(rg, account, name, body)
        else:
            body = {"name": name, "properties": {"description": p["description"]}}
            saved = client.variable.update(rg, account, name, body)
        after = assets.variable_facts(au.read(client.variable.get, rg, account, name) or au.to_dict(saved))
    return {"changed": changed, "variable": after, "value_changed": write_value,
            "diff": {"before": diff_view(before), "after": diff_view(after, replaced=write_value)}}


def value_is_secret():
    """``encrypted=true`` in the task's arguments, read before AnsibleModule logs its invocation, so that the value
    is no_log from the start."""
    from ansible.module_utils import basic

    try:
        raw = basic._load_params() or {}  # pylint: disable=protected-access
        return boolean(raw.get("encrypted"), strict=False)
    except Exception:  # noqa: BLE001 - AnsibleModule reports unreadable arguments itself
        return False


def main():
    spec = copy.deepcopy(ARGSPEC)
    spec["value"]["no_log"] = value_is_secret()
    ExoModule(argument_spec=spec, supports_check_mode=True).run(run_module)


if __name__ == "__main__":
    main()
