#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_webhook
short_description: Manage webhooks that start Azure Automation runbooks
version_added: 0.1.0
description:
  - Creates a webhook for a runbook of an Automation account, keeps whether it is enabled, the parameters of its
    jobs and the hybrid worker group they run on as declared, and deletes it.
  - B(The webhook's URI is a secret that exists only once.) Azure shows it only when the webhook is created; later
    reads return an empty URI. The module returns it in RV(webhook.uri) of the task that created the webhook, and
    never again. Store it at once (O(uri_file), a vault, or an encrypted Automation variable with
    M(m365.exo_automation.automation_variable)). It is never part of the diff.
  - Azure cannot change the runbook or the expiry time of an existing webhook. The module then fails, unless
    O(recreate=true), which deletes the webhook and creates it again with a new URI (returned like at creation;
    the old URI stops working).
  - B(The URI is kept out of every log.) The task that creates a webhook marks its own result C(no_log) (its output
    reads "the output has been hidden"), so neither C(-vvv) output nor AWX job events show the URI, while the
    registered result holds it. Give O(uri_file) to have it written, on the controller, to a file only you can read.
options:
  name:
    description: Name of the webhook.
    type: str
    required: true
  runbook:
    description:
      - Name of the runbook the webhook starts. Required with O(state=present). It must exist; the parameters are
        checked against the ones it declares (C(WebhookData) is filled by Azure).
    type: str
  expiry_time:
    description:
      - When the webhook stops working, in ISO 8601 (V(2031-01-01T00:00:00Z)). Without an offset the time is UTC.
      - Unset keeps the current expiry time; a new webhook then expires one year after it is created.
      - Changing it on an existing webhook needs O(recreate=true).
    type: str
  is_enabled:
    description: Whether calls of the webhook start jobs. Unset keeps the current setting (V(true) on create).
    type: bool
  parameters:
    description:
      - Parameters of the jobs the webhook starts, name to value. Values that are not strings are passed as JSON.
      - Unset keeps the current parameters; V({}) removes them.
    type: dict
  run_on:
    description:
      - Name of a hybrid runbook worker group to run the jobs on. An empty string runs them in Azure.
      - Unset keeps the current setting (Azure on create).
    type: str
  recreate:
    description:
      - When the runbook or the expiry time of an existing webhook differs, delete the webhook and create it again
        with a new URI, instead of failing.
      - With O(uri_file), also create again a webhook whose URI was never written to that file (a run interrupted
        right after the creation, so nobody holds its URI).
    type: bool
    default: false
  renew_uri:
    description:
      - Delete the webhook and create it again with a new URI even when nothing else differs, for a URI that leaked
        or was lost. The old URI stops working.
    type: bool
    default: false
  uri_file:
    description:
      - Path of a file on the Ansible controller. When the task creates (or re-creates) the webhook, the URI is
        written there (mode 0600, replacing the file) as JSON with the webhook's C(id), C(name), C(creation_time)
        and C(uri), before the task ends.
      - When the webhook exists but the file holds no record of it (missing, or the record of an earlier webhook of
        that name), its URI was never handed out; the task says so in RV(uri_handed_out) and warns, and
        O(recreate=true) creates it again with a new URI.
      - Give each webhook a file of its own. Nothing is written in check mode.
    type: path
  state:
    description: V(present) creates or updates the webhook, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.timeout
  - m365.exo_automation.attributes
attributes:
  action:
    description: An action plugin runs the module, hides the result that carries a new URI, and handles
      O(uri_file) on the controller.
    support: full
notes:
  - In check mode no URI is generated; RV(webhook.uri) is returned only by a real run that creates the webhook.
  - In check mode a missing Automation account or runbook is reported with a warning.
seealso:
  - module: m365.exo_automation.automation_webhook_info
  - module: m365.exo_automation.runbook
  - module: m365.exo_automation.automation_variable
  - name: Start a runbook from a webhook
    description: Microsoft's guide.
    link: https://learn.microsoft.com/azure/automation/automation-webhooks
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Webhook that enables an archive mailbox; the task that creates it hides its output, the URI included
  m365.exo_automation.automation_webhook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: enable-archive
    runbook: Enable-ArchiveMailbox
    expiry_time: "2031-01-01T00:00:00Z"
    parameters:
      Mailbox: adele.vance@contoso.com
  register: hook

- name: Keep the URI, which Azure never shows again, in an encrypted Automation variable
  m365.exo_automation.automation_variable:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: enable-archive-webhook-uri
    value: "{{ hook.webhook.uri }}"
    encrypted: true
  when: hook.webhook.uri is defined
  no_log: true

- name: Disable the webhook
  m365.exo_automation.automation_webhook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: enable-archive
    runbook: Enable-ArchiveMailbox
    is_enabled: false

- name: Webhook whose URI goes to a file only the controller's user can read
  m365.exo_automation.automation_webhook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: enable-archive
    runbook: Enable-ArchiveMailbox
    uri_file: "{{ lookup('ansible.builtin.env', 'HOME') }}/.exo-automation/enable-archive.webhook.json"
    recreate: true   # also re-creates a webhook whose URI an interrupted run never wrote to the file

- name: Give the webhook a new URI (the old one leaked)
  m365.exo_automation.automation_webhook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: enable-archive
    runbook: Enable-ArchiveMailbox
    renew_uri: true
  register: hook

- name: Point the webhook at another runbook (new URI)
  m365.exo_automation.automation_webhook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: enable-archive
    runbook: Enable-ArchiveMailbox-V2
    recreate: true
  register: hook

- name: Delete the webhook
  m365.exo_automation.automation_webhook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: enable-archive
    state: absent
'''

RETURN = r'''
webhook:
  description: The webhook after the task (in check mode, as it would be). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: Resource id (not known in check mode before the webhook exists).
      returned: when the webhook exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/webhooks/enable-archive"
    name:
      description: Name.
      returned: when the webhook exists
      type: str
      sample: enable-archive
    uri:
      description:
        - The secret URI to call. Returned only by the task that created (or re-created) the webhook, never in check
          mode and never again afterwards. Store it at once.
      returned: when the webhook was created by this task
      type: str
      sample: "https://0b8f2d2e-0000-4000-8000-000000000000.webhook.we.azure-automation.net/webhooks?token=..."
    runbook:
      description: Runbook the webhook starts.
      returned: when the webhook exists
      type: str
      sample: Enable-ArchiveMailbox
    is_enabled:
      description: Whether calls start jobs.
      returned: when the webhook exists
      type: bool
      sample: true
    expiry_time:
      description: When the webhook stops working, UTC.
      returned: when the webhook exists
      type: str
      sample: "2031-01-01T00:00:00+00:00"
    expired:
      description: Whether the expiry time has passed.
      returned: when the webhook exists
      type: bool
      sample: false
    parameters:
      description: Parameters of the jobs (strings, as Azure keeps them).
      returned: when the webhook exists
      type: dict
      sample: {"Mailbox": "adele.vance@contoso.com"}
    run_on:
      description: Hybrid worker group, V(null) for Azure.
      returned: when the webhook exists
      type: str
      sample: null
    description:
      description: Description, as set in the portal.
      returned: when the webhook exists
      type: str
      sample: null
    last_invoked_time:
      description: When the webhook was last called.
      returned: when the webhook exists
      type: str
      sample: null
    creation_time:
      description: When the webhook was created.
      returned: when the webhook exists
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
    last_modified_time:
      description: When the webhook last changed.
      returned: when the webhook exists
      type: str
      sample: "2030-01-01T10:00:00.000+00:00"
recreated:
  description: Whether the webhook was (or would be) deleted and created again with a new URI.
  returned: always
  type: bool
  sample: false
uri_handed_out:
  description:
    - Whether the URI of the webhook is on record in O(uri_file) (written by this task or an earlier one). V(false)
      means nobody holds its URI; re-run with O(recreate=true) for a new one.
  returned: when O(uri_file) is given and the webhook exists (or would)
  type: bool
  sample: true
uri_file:
  description: The file the URI was written to by this task.
  returned: when this task wrote the URI to O(uri_file)
  type: str
  sample: /home/admin/.exo-automation/enable-archive.webhook.json
diff:
  description: The webhook before and after, without its URI.
  returned: always
  type: dict
  sample: {"before": {}, "after": {"name": "enable-archive", "runbook": "Enable-ArchiveMailbox", "is_enabled": true}}
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets
from ansible_collections.m365.exo_automation.plugins.module_utils import flow
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_name

ARGSPEC = au.account_argspec()
ARGSPEC.update(
    name=dict(type="str", required=True),
    runbook=dict(type="str"),
    expiry_time=dict(type="str"),
    is_enabled=dict(type="bool"),
    parameters=dict(type="dict"),
    run_on=dict(type="str"),
    recreate=dict(type="bool", default=False),
    renew_uri=dict(type="bool", default=False),
    # read and written by the action plugin, on the controller; the module only validates it
    uri_file=dict(type="path"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)

# Azure fills this parameter of a runbook started by a webhook with the request.
WEBHOOK_DATA = ("WebhookData",)


class Webhook(flow.Resource):
    """A webhook of an Automation account (``Microsoft.Automation/automationAccounts/webhooks``).

    Its URI exists once: ``generate_uri`` makes it in apply() (never in check mode), it is sent with the PUT that
    creates the webhook, and facts() returns it only for the object read right after that creation. Reads never
    show it, it is no part of the plan, the diff or a warning, so a re-run cannot return it."""

    result_key = "webhook"
    secret_keys = ("uri",)

    def __init__(self, m):
        super(Webhook, self).__init__(m)
        p = self.params
        self.rg, self.account, self.name = au.check_account_options(p, "webhook")
        self.now = assets.utcnow()
        self.expiry = assets.parse_time(p["expiry_time"], "expiry_time")
        self.parameters = assets.string_parameters(p["parameters"]) if p["parameters"] is not None else None
        if p["run_on"] is not None and p["run_on"] != p["run_on"].strip():
            raise ModuleError("run_on '%s' has leading or trailing spaces" % p["run_on"], option="run_on")
        if p["runbook"] is not None:
            check_name("runbook", p["runbook"], "runbook")
        self.client = m.automation_client()
        self.saved = None       # what the write returned, when a read right after it does not find it yet
        self.uri = None         # the URI of the webhook this task created
        self.created = None     # the object read after that creation: the one whose facts carry the URI

    # -- reading ------------------------------------------------------------------------------------
    def read(self):
        found = au.read(self.client.webhook.get, self.rg, self.account, self.name)
        if self.saved is not None:
            found = found or self.saved
            if self.uri is not None:
                self.created = found
        return found

    def facts(self, obj):
        return assets.webhook_facts(obj, self.now, uri=self.uri if obj is not None and obj is self.created
                                    else None)

    def diffable(self, facts):
        return assets.webhook_diff_view(facts)

    def _check_runbook(self, runbook, parameters):
        """The runbook's name as Azure spells it; fails when it is missing or unpublished or the parameters do
        not fit."""
        found = assets.runbook_for_link(self.m, self.client, self.rg, self.account, runbook, parameters or {},
                                        "runbook", parameters_option="parameters", skip_mandatory=WEBHOOK_DATA)
        return (found or {}).get("name") or runbook

    # -- what the task declares ---------------------------------------------------------------------
    def desired(self, current):
        """The webhook as it should be (REST-shaped), with ``recreate`` (the reasons it must be created again) or
        None for ``state: absent``. Every check, the runbook's included, happens here."""
        p = self.params
        if p["state"] == "absent":
            return None
        if not p["runbook"]:
            raise ModuleError("runbook is required with state=present: name the runbook the webhook starts",
                              option="runbook")
        before = self.facts(current)
        reasons = []
        if current is not None:
            if (before["runbook"] or "").lower() != p["runbook"].lower():
                reasons.append(("runbook", "its runbook (%s, not %s)" % (before["runbook"], p["runbook"])))
            have_expiry = assets.parse_time(before["expiry_time"])
            if self.expiry is not None and assets.to_second(self.expiry) != assets.to_second(have_expiry):
                reasons.append(("expiry_time", "its expiry time (%s, not %s)"
                                % (before["expiry_time"], assets.iso(self.expiry))))
            if p["renew_uri"]:
                reasons.append(("renew_uri", "its URI"))
            if reasons and not p["recreate"] and not p["renew_uri"]:
                raise ModuleError("Azure cannot change %s of existing webhook %s"
                                  % (" or ".join(r[1] for r in reasons), self.name), option=reasons[0][0],
                                  hint="Set recreate=true to delete the webhook and create it again; it then gets a "
                                       "new URI, which is returned once and must be given to its callers.")
            if before["expired"] and not reasons:
                self.m.warn("webhook %s expired on %s: calls no longer start jobs. Set a later expiry_time with "
                            "recreate=true for a new webhook" % (self.name, before["expiry_time"]))
        if current is None or reasons:
            return self._desired_new(current, before, reasons)
        return self._desired_update(current, before)

    def _desired_new(self, current, before, reasons):
        p = self.params
        target_expiry = self.expiry
        if target_expiry is None and current is not None and not before["expired"]:
            target_expiry = assets.parse_time(before["expiry_time"])
        if target_expiry is None:
            target_expiry = self.now + assets.WEBHOOK_LIFETIME
        if target_expiry <= self.now:
            raise ModuleError("expiry_time %s has passed: a webhook needs an expiry time in the future"
                              % assets.iso(target_expiry), option="expiry_time")
        if current is None:
            au.get_account(self.m, self.client, self.rg, self.account)
        keep = before if current is not None else {}
        parameters = self.parameters if self.parameters is not None else dict(keep.get("parameters") or {})
        properties = {
            "isEnabled": p["is_enabled"] if p["is_enabled"] is not None else keep.get("is_enabled", True),
            "expiryTime": assets.iso(target_expiry),
            "runbook": {"name": self._check_runbook(p["runbook"], parameters)},
            "parameters": parameters,
        }
        run_on = (p["run_on"] if p["run_on"] is not None else keep.get("run_on")) or None
        if run_on:
            properties["runOn"] = run_on
        return {"name": self.name, "properties": properties, "recreate": bool(reasons)}

    def _desired_update(self, current, before):
        """What Azure can change in place: ``patch`` holds the changed properties."""
        p = self.params
        patch = {}
        if p["is_enabled"] is not None and p["is_enabled"] != before["is_enabled"]:
            patch["isEnabled"] = p["is_enabled"]
        if self.parameters is not None and not assets.same_parameters(self.parameters, before["parameters"]):
            self._check_runbook(before["runbook"], self.parameters)
            patch["parameters"] = self.parameters
        if p["run_on"] is not None and (p["run_on"] or None) != before["run_on"]:
            patch["runOn"] = p["run_on"]
        return {"name": self.name, "patch": patch, "recreate": False}

    # -- the plan -----------------------------------------------------------------------------------
    def plan(self, current, desired):
        if desired is None:
            return flow.Plan(flow.DELETE if current is not None else None, recreated=False)
        if "patch" in desired:
            patch = desired["patch"]
            if not patch:
                return flow.Plan(recreated=False)
            after = dict(current, properties=dict(au.props(current), **patch))
            return flow.Plan(flow.UPDATE, after, {"name": self.name, "properties": patch}, recreated=False)
        body = {"name": self.name, "properties": desired["properties"]}
        # Azure fills the rest when it creates the webhook; a re-created one keeps its id
        after = {"id": (current or {}).get("id"), "name": self.name,
                 "properties": dict(desired["properties"], description=None, lastInvokedTime=None,
                                    creationTime=None, lastModifiedTime=None)}
        return flow.Plan(flow.CREATE, after, body, recreated=desired["recreate"])

    # -- the writes ---------------------------------------------------------------------------------
    def apply(self, plan):
        hooks = self.client.webhook
        rg, account, name = self.rg, self.account, self.name
        if plan.action == flow.DELETE:
            hooks.delete(rg, account, name)
            return
        if plan.action == flow.UPDATE:
            self.saved = au.to_dict(hooks.update(rg, account, name, plan.body))
            return
        if plan.details["recreated"]:
            hooks.delete(rg, account, name)
        uri = hooks.generate_uri(rg, account)
        body = dict(plan.body, properties=dict(plan.body["properties"], uri=uri))
        self.saved = au.to_dict(hooks.create_or_update(rg, account, name, body))
        self.uri = uri
        if plan.details["recreated"]:
            self.m.warn("webhook %s was created again: its old URI no longer works; the new one is in webhook.uri "
                        "of this task's result" % name)

    def extra(self, plan, after):
        return {"recreated": plan.details["recreated"]}


def main():
    flow.main(ARGSPEC, Webhook)


if __name__ == "__main__":
    main()
