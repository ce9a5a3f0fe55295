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
    variable turns out to be encrypted in Azure. The log of the module's invocation never shows O(value); a plain
    value is returned as it is.
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
  - m365.exo_automation.timeout
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
      description: Resource id.
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

from ansible_collections.m365.exo_automation.plugins.module_utils.base import SHORT_SECRET, ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets
from ansible_collections.m365.exo_automation.plugins.module_utils import flow
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import ACCOUNT_TYPE
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import resource_id

ARGSPEC = au.account_argspec()
ARGSPEC.update(
    name=dict(type="str", required=True),
    # no_log from the start: the invocation log never shows a value; Variable() unmasks a plain one
    value=dict(type="raw", no_log=True),
    encrypted=dict(type="bool"),
    update_encrypted=dict(type="str", choices=["always", "on_create"], default="on_create"),
    description=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)

ENCRYPTED = "(encrypted)"
REPLACED = "(encrypted, replaced)"


def value_strings(value):
    """The strings AnsibleModule masks for a no_log ``value``: every string and number in it (not booleans)."""
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, dict):
        return set().union(*[value_strings(v) for v in value.values()])
    if isinstance(value, (list, tuple)):
        return set().union(*[value_strings(v) for v in value])
    text = str(value)
    return {text} if text else set()


def hide(m, value):
    """Mask ``value`` (every string and number in it, as no_log does, and its JSON text) in everything the module
    returns; a short one as a whole word only."""
    strings = value_strings(value)
    if value is not None and not isinstance(value, (str, bool)):
        strings.add(assets.encode_value(value))
    short = set(s for s in strings if len(s) < SHORT_SECRET)
    m.module.no_log_values.update(strings - short)
    m.hide_words(short)


def unmask(m, value):
    """Return a plain ``value`` as it is: take its strings out of the masked values, except strings another
    secret (a no_log option or a credential) also has."""
    others = set()
    for option, spec in m.module.argument_spec.items():
        if option != "value" and spec.get("no_log"):
            others |= value_strings(m.params.get(option))
    try:
        others |= set(m.auth_settings().secrets)
    except ModuleError:
        pass  # no credentials resolved, so none is masked
    m.module.no_log_values.difference_update(value_strings(value) - others)


class Variable(flow.Resource):
    """A variable of an Automation account (``Microsoft.Automation/automationAccounts/variables``)."""

    result_key = "variable"

    def __init__(self, m):
        super(Variable, self).__init__(m)
        # a value the task does not call encrypted is returned as it is (and error texts stay readable);
        # desired() masks it again when the variable turns out to be encrypted in Azure
        if self.params["encrypted"]:
            hide(m, self.params["value"])
        else:
            unmask(m, self.params["value"])
        self.rg, self.account, self.name = au.check_account_options(self.params, "variable")
        self.client = m.automation_client()
        self.saved = None

    def read(self):
        found = au.read(self.client.variable.get, self.rg, self.account, self.name)
        # just written and not listed yet: the answer to the write
        return found if found is not None else self.saved

    def facts(self, obj):
        return assets.variable_facts(obj)

    def diffable(self, facts):
        if not facts:
            return {}
        view = dict((k, facts.get(k)) for k in ("name", "value", "encrypted", "description"))
        if facts.get("encrypted"):
            view["value"] = ENCRYPTED
        return view

    def desired(self, current):
        p = self.params
        in_azure = bool(au.props(current).get("isEncrypted"))
        if in_azure:
            hide(self.m, p["value"])
        if p["state"] == "absent":
            return None
        value_given = p["value"] is not None
        text = assets.encode_value(p["value"]) if value_given else None
        if current is None:
            if not value_given:
                raise ModuleError("value is required to create variable %s" % self.name, option="value")
            encrypted = bool(p["encrypted"])
        else:
            encrypted = in_azure
            if p["encrypted"] is not None and p["encrypted"] != encrypted:
                raise ModuleError("variable %s is %s; Azure cannot change the encryption of an existing variable"
                                  % (self.name, "encrypted" if encrypted else "not encrypted"), option="encrypted",
                                  hint="Delete it (state=absent) and create it again, or leave encrypted unset.")
        return {"value": p["value"], "text": text, "encrypted": encrypted, "description": p["description"]}

    def plan(self, current, desired):
        if desired is None:
            return flow.Plan(flow.DELETE if current is not None else None, value_changed=False)
        plan = self._plan_create(desired) if current is None else self._plan_update(current, desired)
        plan.details["current"] = current
        return plan

    def _plan_create(self, desired):
        au.get_account(self.m, self.client, self.rg, self.account)
        properties = {"value": desired["text"], "isEncrypted": desired["encrypted"],
                      "description": desired["description"] or ""}
        after = {"id": "%s/variables/%s" % (resource_id(self.m.subscription_id(), self.rg, ACCOUNT_TYPE,
                                                        self.account), self.name),
                 "name": self.name, "properties": dict(properties)}
        return flow.Plan(flow.CREATE, after, {"name": self.name, "properties": properties}, value_changed=True,
                         method="put")

    def _plan_update(self, current, desired):
        p = self.params
        have = au.props(current)
        encrypted = desired["encrypted"]
        given = desired["value"] is not None
        if encrypted:
            write_value = given and p["update_encrypted"] == "always"
        else:
            write_value = given and not assets.same_value(desired["value"], have.get("value"))
        description = have.get("description") or None
        description_changed = p["description"] is not None and (p["description"] or None) != description
        if description_changed:
            description = p["description"] or None
        if not (write_value or description_changed):
            return flow.Plan(value_changed=False)
        properties = dict(have, description=description)
        if write_value:
            properties["value"] = desired["text"]
            body = {"name": self.name, "properties": {"value": desired["text"], "isEncrypted": encrypted,
                                                      "description": description or ""}}
            method = "put"
        else:
            body = {"name": self.name, "properties": {"description": p["description"]}}
            method = "patch"
        return flow.Plan(flow.UPDATE, dict(current, properties=properties), body, value_changed=write_value,
                         method=method)

    def apply(self, plan):
        variables = self.client.variable
        if plan.action == flow.DELETE:
            variables.delete(self.rg, self.account, self.name)
        elif plan.details["method"] == "put":
            self.saved = au.to_dict(variables.create_or_update(self.rg, self.account, self.name, plan.body))
        else:
            self.saved = au.to_dict(variables.update(self.rg, self.account, self.name, plan.body))

    def extra(self, plan, after):
        out = {"value_changed": plan.details["value_changed"]}
        facts = self.facts(after)
        if plan.details["value_changed"] and facts.get("encrypted"):
            # a written encrypted value cannot be compared: the diff says it was replaced
            out["diff"] = {"before": self.diffable(self.facts(plan.details.get("current"))),
                           "after": dict(self.diffable(facts), value=REPLACED)}
        return out


def main():
    flow.main(ARGSPEC, Variable)


if __name__ == "__main__":
    main()
