#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_module
short_description: Import PowerShell 5.1 modules into an Azure Automation account
version_added: 0.1.0
description:
  - Imports a PowerShell module into the PowerShell 5.1 runtime of an Automation account (the account's
    C(modules)), from the PowerShell Gallery, any NuGet v2 feed, or a content link, and waits until Azure has
    finished the import.
  - Imports are asynchronous in Azure. With O(wait=true) the task returns only when the import's provisioning
    state is C(Succeeded); a C(Failed) import fails the task with Azure's error text.
  - Modules depend on each other. Import them in dependency order, for Exchange Online C(PackageManagement),
    then C(PowerShellGet), then C(ExchangeOnlineManagement). O(modules) imports several in one task, one after
    the other in the order listed, each waited for before the next (the
    P(m365.exo_automation.automation_runtime#role) role does so).
  - For PowerShell 7.x use M(m365.exo_automation.runtime_environment) and its packages.
options:
  name:
    description:
      - Module name, as on the feed (for example V(ExchangeOnlineManagement)).
      - One of O(name) and O(modules) is required.
    type: str
  modules:
    description:
      - Several modules in one task, instead of O(name) (one module process, one client, one sign-in). They are
        imported (or with O(state=absent) removed) one after the other in the order listed, each waited for
        before the next, so list them in dependency order to import and in reverse order to remove.
      - Each entry takes C(name) (required), C(version), C(source), C(content_link) and C(force), as the options
        of the same names; O(force) is the default of C(force). O(version), O(source) and O(content_link) apply
        to O(name) only.
      - Every entry is checked before anything is written. O(timeout) applies to each import, so the task may
        take up to O(timeout) for every entry.
      - The task returns RV(modules), one result per entry; RV(module) and RV(reason) describe the last entry,
        RV(diff) is a list, one diff per entry.
    type: list
    elements: dict
    suboptions:
      name:
        description: Module name.
        type: str
        required: true
      version:
        description: As O(version).
        type: str
        default: latest
      source:
        description: As O(source).
        type: str
      content_link:
        description: As O(content_link).
        type: dict
        suboptions:
          uri:
            description: https address of the module content (a query string is kept out of the logs).
            type: str
            required: true
          hash:
            description: Hash of the content, checked by Azure.
            type: str
          hash_algorithm:
            description: Algorithm of the hash.
            type: str
            default: SHA256
      force:
        description: As O(force) (default O(force)).
        type: bool
  version:
    description:
      - V(latest), or a version such as V(3.4.0) (one to four numbers, optionally with a prerelease suffix).
      - With V(latest) a module that is already imported in any version stays as it is (only a missing module, a
        failed import, or the built-in global version is imported). Give a version to pin and update it.
    type: str
    default: latest
  source:
    description:
      - Address of a NuGet v2 feed the module is downloaded from; the module is taken from
        C(<source>/package/<name>/<version>) (without the version for V(latest)).
      - Defaults to the PowerShell Gallery, U(https://www.powershellgallery.com/api/v2).
    type: str
  content_link:
    description:
      - Import from this address (a .zip of the module, or a .nupkg) instead of a feed.
      - Mutually exclusive with O(source).
    type: dict
    suboptions:
      uri:
        description:
          - https address of the module content.
          - A query string (such as a SAS token of a storage blob) is a secret; it is kept out of the logs and
            the results show the address without it.
        type: str
        required: true
      hash:
        description: Hash of the content, checked by Azure.
        type: str
      hash_algorithm:
        description: Algorithm of O(content_link.hash).
        type: str
        default: SHA256
  force:
    description: Import again even when the wanted version is already imported.
    type: bool
    default: false
  state:
    description:
      - V(present) imports the module, V(absent) removes it from the account.
      - Built-in global modules cannot be removed; V(absent) leaves them with a warning.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.wait
  - m365.exo_automation.attributes
notes:
  - Importing C(ExchangeOnlineManagement) takes several minutes in Azure; raise O(timeout) when importing it.
  - In check mode a missing Automation account is reported with a warning, so that a whole setup can be
    audited before its account exists.
seealso:
  - module: m365.exo_automation.automation_module_info
  - module: m365.exo_automation.runtime_environment
  - module: m365.exo_automation.automation_account
  - name: Manage modules in Azure Automation
    description: Microsoft's documentation of module imports.
    link: https://learn.microsoft.com/azure/automation/shared-resources/modules
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Import what Connect-ExchangeOnline needs, in dependency order
  m365.exo_automation.automation_module:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: "{{ item }}"
    timeout: 1800
  loop:
    - PackageManagement
    - PowerShellGet
    - ExchangeOnlineManagement

- name: The same in one task (one module process; each import waited for before the next)
  m365.exo_automation.automation_module:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    modules:
      - name: PackageManagement
      - name: PowerShellGet
      - name: ExchangeOnlineManagement
    timeout: 1800

- name: Pin ExchangeOnlineManagement to a version
  m365.exo_automation.automation_module:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: ExchangeOnlineManagement
    version: 3.4.0
    timeout: 1800

- name: Import from an internal NuGet v2 feed
  m365.exo_automation.automation_module:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Contoso.Messaging
    version: 1.2.0
    source: https://nuget.contoso.com/api/v2

- name: Import from a storage account, checked against its hash
  m365.exo_automation.automation_module:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Contoso.Messaging
    version: 1.2.0
    content_link:
      uri: https://contosostorage.blob.core.windows.net/modules/Contoso.Messaging.zip
      hash: 07E108A962B81DD9C9BAA89BB47C0F6EE52B29E83758B07795E408D258B2B87A

- name: Remove a module
  m365.exo_automation.automation_module:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Contoso.Messaging
    state: absent
'''

RETURN = r'''
module:
  description: The module after the task (in check mode, as it would be). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: Resource id.
      returned: when the module exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/modules/PowerShellGet"
    name:
      description: Module name.
      returned: when the module exists
      type: str
      sample: ExchangeOnlineManagement
    version:
      description: Imported version (empty while an import runs).
      returned: when the module exists
      type: str
      sample: 3.4.0
    provisioning_state:
      description: State of the import (C(Succeeded), C(Failed), or one of the steps in between).
      returned: when the module exists
      type: str
      sample: Succeeded
    error:
      description: Azure's error text of a failed import.
      returned: when the module exists
      type: str
      sample: null
    is_global:
      description: Whether this is a built-in module of the account.
      returned: when the module exists
      type: bool
      sample: false
    size_in_bytes:
      description: Size of the module.
      returned: when the module exists
      type: int
      sample: 3371136
    activity_count:
      description: Number of cmdlets the module provides.
      returned: when the module exists
      type: int
      sample: 168
    content_uri:
      description: Address the module is imported from (when Azure reports it, or when this task imported it).
      returned: when the module exists
      type: str
      sample: https://www.powershellgallery.com/api/v2/package/ExchangeOnlineManagement/3.4.0
modules:
  description: With O(modules), one result per entry, in the order listed. Each has C(name), C(changed),
    C(reason), C(module) and C(diff), as RV(module), RV(reason) and RV(diff) are for one module. When an entry
    fails, the failed task returns those done before it, and C(name), the module it failed on.
  returned: with O(modules)
  type: list
  elements: dict
  sample:
    - name: PackageManagement
      changed: false
      reason: version 1.4.8.1 is imported
      module: {"name": "PackageManagement", "version": "1.4.8.1", "provisioning_state": "Succeeded"}
      diff: {"before": {"name": "PackageManagement"}, "after": {"name": "PackageManagement"}}
reason:
  description: Why the module was (or would be) imported, or why not.
  returned: always
  type: str
  sample: version 3.3.0 is imported, 3.4.0 wanted
diff:
  description:
    - The module before and after.
    - With O(modules), a list of those, one per entry, each with C(before_header) and C(after_header) naming the
      module.
  returned: always
  type: raw
  sample: {"before": {"name": "ExchangeOnlineManagement", "version": "3.3.0"}, "after": {"name": "ExchangeOnlineManagement", "version": "3.4.0"}}
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import base, flow
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import ACCOUNT_TYPE
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import resource_id


def content_link_spec():
    return dict(type="dict", options=dict(
        # no_log: a blob address can carry a SAS token; protect_uri shows an address without a query string
        uri=dict(type="str", required=True, no_log=True),
        hash=dict(type="str"),
        hash_algorithm=dict(type="str", default="SHA256"),
    ))


ARGSPEC = au.account_argspec()
ARGSPEC.update(
    name=dict(type="str"),
    modules=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        version=dict(type="str", default="latest"),
        source=dict(type="str"),
        content_link=content_link_spec(),
        force=dict(type="bool"),
    )),
    version=dict(type="str", default="latest"),
    source=dict(type="str"),
    content_link=content_link_spec(),
    force=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=600),
)


class AutomationModule(flow.Resource):
    """A PowerShell 5.1 module of an Automation account (``Microsoft.Automation/automationAccounts/modules``)."""

    result_key = "module"

    def __init__(self, m):
        super(AutomationModule, self).__init__(m)
        p = self.params
        self.rg, self.account, self.name = au.check_account_options(p, "module")
        self.version = au.check_version(p["version"])
        au.protect_uri(m.module, (p["content_link"] or {}).get("uri"))
        self.link = au.content_link(self.name, self.version, p["source"], p["content_link"])
        self.what = "module %s in account %s" % (self.name, self.account)
        self.client = m.automation_client()
        self.imported = False
        self.applied = False

    def _get(self):
        return au.read(self.client.module.get, self.rg, self.account, self.name)

    def _wait(self):
        return au.wait_for_import(self._get, self.what, self.params["timeout"], name=self.name)

    def read(self):
        """The module as it is. Before any write, an import that is already running for the wanted version is
        not started again: with ``wait`` it is waited for here (a read, no change), so the task returns the
        module as the import leaves it."""
        current = self._get()
        p = self.params
        if (not self.applied and current is not None and p["state"] == "present" and p["wait"]
                and not self.m.check_mode and au.import_state(current) not in au.IMPORT_SUCCEEDED
                and not au.import_needed(current, self.version, self.link["uri"], p["force"])[0]):
            current = self._wait()
        return current

    def facts(self, obj):
        # the address this task imported from, when Azure does not report it
        return au.import_facts(obj, uri=self.link["uri"] if self.imported else None) or {}

    def diffable(self, facts):
        return dict((k, facts.get(k)) for k in ("name", "version", "provisioning_state") if k in facts)

    def desired(self, current):
        if self.params["state"] == "absent":
            return None
        return {"version": self.version, "contentLink": self.link}

    def plan(self, current, desired):
        if desired is None:
            if current is None:
                return flow.Plan(reason="not imported")
            if au.props(current).get("isGlobal"):
                self.m.warn("%s is a built-in global module; it cannot be removed" % self.what)
                return flow.Plan(reason="built-in global module")
            return flow.Plan(flow.DELETE, reason="removed")
        needed, reason = au.import_needed(current, self.version, self.link["uri"], self.params["force"])
        if not needed:
            return flow.Plan(reason=reason)
        self.imported = True
        account = au.get_account(self.m, self.client, self.rg, self.account)
        body = {"properties": {"contentLink": desired["contentLink"]}}
        if account and account.get("location"):
            body["location"] = account["location"]
        mid = (current or {}).get("id") or "%s/modules/%s" % (
            resource_id(self.m.subscription_id(), self.rg, ACCOUNT_TYPE, self.account), self.name)
        # Azure accepts the import and runs it: the module is Creating, in the wanted version once it is done
        after = {"id": mid, "name": self.name, "location": body.get("location"),
                 "properties": {"isGlobal": False, "provisioningState": "Creating", "error": None,
                                "version": None if self.version == au.LATEST else self.version,
                                "contentLink": desired["contentLink"]}}
        return flow.Plan(flow.UPDATE if current is not None else flow.CREATE, after, body, reason=reason)

    def apply(self, plan):
        self.applied = True
        modules = self.client.module
        if plan.action == flow.DELETE:
            modules.delete(self.rg, self.account, self.name)
            return
        modules.create_or_update(self.rg, self.account, self.name, plan.body)
        if self.params["wait"]:
            self._wait()

    def extra(self, plan, after):
        return {"reason": plan.details["reason"]}


def entry_params(m, entry):
    """The task's options for one entry of ``modules``: its name, version and source; its force, else the
    task's."""
    return dict(m.params, name=entry["name"], version=entry["version"], source=entry["source"],
                content_link=entry["content_link"],
                force=m.params["force"] if entry["force"] is None else entry["force"])


def run_modules(m):
    """``modules``: every entry read and checked first (a name, version or source Azure would refuse is an error
    before anything is written), then each imported or removed in the order listed, waited for before the next."""
    tasks = flow.entries(m, "modules", lambda e: entry_params(m, e))
    # every import may take the whole timeout: the task's deadline (ARM retries) covers them all
    m.deadline = m.started + m.params["timeout"] * len(tasks)
    return flow.run_entries(m, "modules", [AutomationModule(t) for t in tasks])


def run_module(m):
    if m.params["modules"] is not None:
        return run_modules(m)
    return flow.run(m, AutomationModule(m))


def main():
    base.main(ARGSPEC, run_module, mutually_exclusive=[("source", "content_link"), ("name", "modules")],
              required_one_of=[("name", "modules")])


if __name__ == "__main__":
    main()
