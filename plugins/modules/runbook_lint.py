#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: runbook_lint
short_description: Check an Exchange Online runbook for the mistakes that make it fail at run time
version_added: 0.1.0
description:
  - Lints a PowerShell runbook given as O(content), as a file (O(src)), or already in an Automation account
    (O(resource_group), O(account) and O(name)), and returns what it finds, each finding with its line, the error
    the job would fail with, the fix and a link to Microsoft's documentation.
  - The text rules read only the script and need no Azure access and no credentials. Comments, strings and
    here-strings are never searched; backtick line continuations, splatted hashtables (C(@params)), variables
    assigned a literal and C(param()) defaults are followed.
  - With the account (O(account_rules)), the account rules check the script against the Automation account and
    the tenant, reading ARM and Microsoft Graph. The runbook's runtime has ExchangeOnlineManagement 3.0.0 or later
    imported and C(Succeeded), and Microsoft.Graph.Authentication when the script calls C(Connect-MgGraph
    -Identity). C(-Organization) is the tenant's initial domain. C(-ManagedIdentityAccountId) is the client id of
    a user-assigned identity attached to the account; without it, the account has a system-assigned identity.
    The identity that connects holds C(Exchange.ManageAsApp) and an Entra role Exchange Online accepts.
  - The task fails when a finding is at least as severe as O(fail_on). It never writes anything.
  - "The rules (id, severity, title; the troubleshooting guide explains each):"
  - "EXO001 (error): Connect-ExchangeOnline without -ManagedIdentity"
  - "EXO002 (error): -ManagedIdentity without -Organization"
  - "EXO003 (error): -Organization is not a *.onmicrosoft.com domain"
  - "EXO004 (error): Remote PowerShell session to Exchange Online"
  - "EXO005 (error): Basic-auth -Credential connection"
  - "EXO006 (error): Secret in the script"
  - "EXO007 (warning): Write-Host where output is read"
  - "EXO008 (warning): Connect-ExchangeOnline without Disconnect-ExchangeOnline"
  - "EXO009 (info): Disconnect-ExchangeOnline outside a finally block"
  - "EXO010 (info): Connect-MgGraph -Identity"
  - "EXO101 (error): ExchangeOnlineManagement not available to the runbook's runtime"
  - "EXO102 (error): ExchangeOnlineManagement older than 3.0.0"
  - "EXO103 (error): Microsoft.Graph.Authentication not available to the runbook's runtime"
  - "EXO104 (error): -Organization is not the tenant's initial domain"
  - "EXO105 (error): -ManagedIdentityAccountId is a principal id, not a client id"
  - "EXO106 (error): -ManagedIdentityAccountId names no identity of the account"
  - "EXO107 (error): No system-assigned identity on the account"
  - "EXO108 (error): The identity lacks Exchange.ManageAsApp"
  - "EXO109 (error): The identity holds no Entra role Exchange Online accepts"
options:
  content:
    description: The PowerShell script.
    type: str
  src:
    description: Path of a file holding the script, read on the host that runs the module.
    type: path
  resource_group:
    description:
      - Resource group of the Automation account. Needed for the account rules and with O(name).
    type: str
  account:
    description:
      - Name of the Automation account. Needed for the account rules and with O(name).
    type: str
    aliases: [automation_account]
  name:
    description:
      - Name of a runbook of the account. Without O(content) and O(src) its content is linted (see O(draft)); its
        type gives the runtime the account rules check.
    type: str
  draft:
    description:
      - Lint the runbook's draft instead of its published content. A runbook that was never published is always
        linted from its draft.
    type: bool
    default: false
  runtime:
    description:
      - The runtime the script runs on, for the account rules. V(5.1) (runbook type PowerShell), V(7.2) (runbook
        type PowerShell72), or the name of a runtime environment of the account.
      - Defaults to the runtime of the runbook O(name), else V(5.1).
    type: str
  account_rules:
    description:
      - V(auto) runs the account rules when O(resource_group) and O(account) are given, V(always) requires them,
        V(never) runs the text rules only (no Azure access).
    type: str
    choices: [auto, always, never]
    default: auto
  fail_on:
    description:
      - Fail the task when a finding is at least this severe. V(never) only returns the findings.
    type: str
    choices: [error, warning, never]
    default: error
  rules_disabled:
    description: Rule ids (such as V(EXO007)) not to run.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.graph
  - m365.exo_automation.attributes.info_module
  - m365.exo_automation.timeout
notes:
  - Without the account only the text rules run, and no authentication option is needed.
  - The account rules only read. ARM - the Automation account, its runbook, modules and runtime environments
    (Reader on the account is enough). Microsoft Graph, when the script connects to Exchange Online - the
    organization, the app role and Entra role assignments of the identity that connects (Graph application
    permissions C(Organization.Read.All), C(Application.Read.All) and C(RoleManagement.Read.Directory), or
    C(Directory.Read.All)).
  - In check mode it runs the same; it never writes.
seealso:
  - module: m365.exo_automation.runbook
  - name: Connect to Exchange Online PowerShell with managed identity
    description: Microsoft's guide.
    link: https://learn.microsoft.com/powershell/exchange/connect-exo-powershell-managed-identity
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Lint a runbook file before it is uploaded (no Azure access)
  m365.exo_automation.runbook_lint:
    src: files/Enable-ArchiveMailbox.ps1

- name: Lint a runbook of the account against the account and the tenant, failing on warnings too
  m365.exo_automation.runbook_lint:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Enable-ArchiveMailbox
    fail_on: warning

- name: Lint content for a PowerShell 7.4 runtime environment, only reporting
  m365.exo_automation.runbook_lint:
    content: "{{ lookup('ansible.builtin.file', 'Report.ps1') }}"
    resource_group: rg-exo-automation
    account: aa-exo-automation
    runtime: exo-powershell-74
    fail_on: never
    rules_disabled: [EXO007]
  register: lint

- name: Show the findings
  ansible.builtin.debug:
    msg: "{{ lint.findings | map(attribute='message') | list }}"
'''

RETURN = r'''
findings:
  description: What the rules found, by line.
  returned: always
  type: list
  elements: dict
  contains:
    rule:
      description: Rule id.
      type: str
      sample: EXO002
    severity:
      description: C(error), C(warning) or C(info).
      type: str
      sample: error
    title:
      description: Title of the rule.
      type: str
      sample: -ManagedIdentity without -Organization
    line:
      description: Line of the script (1-based).
      type: int
      sample: 12
    column:
      description: Column of the line (1-based).
      type: int
      sample: 5
    message:
      description: What was found.
      type: str
      sample: Connect-ExchangeOnline -ManagedIdentity has no -Organization
    error:
      description: The error the job then fails with (or what goes wrong when nothing fails).
      type: str
      sample: >-
        Value cannot be null. Parameter name: Organization cannot be null for Managed Identity based connections.
    fix:
      description: How to fix it.
      type: str
      sample: Add -Organization <tenant>.onmicrosoft.com (the tenant's initial domain).
    link:
      description: Microsoft's documentation.
      type: str
      sample: https://learn.microsoft.com/powershell/exchange/connect-exo-powershell-managed-identity
counts:
  description: Number of findings per severity.
  returned: always
  type: dict
  sample: {"error": 1, "warning": 0, "info": 0}
rules_run:
  description: The rules that ran (account rules only when their facts could be read).
  returned: always
  type: list
  elements: str
  sample: [EXO001, EXO002, EXO003]
runtime:
  description: The runtime the account rules checked the modules of.
  returned: when the account rules ran
  type: str
  sample: PowerShell 5.1
'''

import os

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au, base
from ansible_collections.m365.exo_automation.plugins.module_utils import lookups
from ansible_collections.m365.exo_automation.plugins.module_utils import runbook_lint as rl
from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphError
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_name

ARGSPEC = dict(
    content=dict(type="str"),
    src=dict(type="path"),
    resource_group=dict(type="str"),
    account=dict(type="str", aliases=["automation_account"]),
    name=dict(type="str"),
    draft=dict(type="bool", default=False),
    runtime=dict(type="str"),
    account_rules=dict(type="str", choices=["auto", "always", "never"], default="auto"),
    fail_on=dict(type="str", choices=["error", "warning", "never"], default="error"),
    rules_disabled=dict(type="list", elements="str", default=[]),
)

RUNTIMES = {"5.1": "PowerShell 5.1", "powershell": "PowerShell 5.1", "powershell-5.1": "PowerShell 5.1",
            "7.2": "PowerShell 7.2", "powershell72": "PowerShell 7.2", "powershell-7.2": "PowerShell 7.2"}
ROLE_NAMES = dict((v, k) for k, v in wellknown.ENTRA_ROLES.items())


def read_src(path):
    if not os.path.isfile(path):
        raise ModuleError("src: file '%s' does not exist (it is read on the host that runs the module)" % path,
                          option="src", hint="Give an existing file, or pass the script with content.")
    with open(path, "rb") as f:
        return au.read_text(f.read())


class Linter:
    def __init__(self, m):
        self.m = m
        p = self.p = m.params
        try:
            self.disabled = rl.check_rule_ids(p["rules_disabled"])
        except ValueError as err:
            raise ModuleError(str(err), option="rules_disabled")
        has_account = bool(p["resource_group"] or p["account"])
        if has_account and not (p["resource_group"] and p["account"]):
            missing = "account" if p["resource_group"] else "resource_group"
            raise ModuleError("%s is required with %s" % (missing, "account" if p["account"] else "resource_group"),
                              option=missing, hint="Give both resource_group and account, or neither.")
        if p["name"] and not has_account:
            raise ModuleError("name needs resource_group and account: the runbook is read from its Automation "
                              "account", option="name")
        if p["account_rules"] == "always" and not has_account:
            raise ModuleError("account_rules=always needs resource_group and account", option="account_rules",
                              hint="Give the Automation account, or use account_rules=auto.")
        if p["content"] is None and p["src"] is None and not p["name"]:
            raise ModuleError("one of content, src or name (a runbook of the account) is required",
                              option="content")
        if has_account:
            check_name("resource_group", p["resource_group"], "resource_group")
            check_name("automation_account", p["account"], "account")
        if p["name"]:
            check_name("runbook", p["name"], "name")
        self.account_rules = has_account and p["account_rules"] != "never"
        self.client = None
        self.runbook = None

    def text(self):
        p = self.p
        if p["content"] is not None:
            return p["content"]
        if p["src"] is not None:
            return read_src(p["src"])
        self.runbook = self.read_runbook()
        state = au.enum_text(au.props(self.runbook).get("state"))
        published, draft = au.runbook_contents(self.automation(), p["resource_group"], p["account"], p["name"],
                                               self.runbook)
        if p["draft"] or state == "New":
            return draft or ""
        return published or ""

    def automation(self):
        if self.client is None:
            self.client = self.m.automation_client()
        return self.client

    def read_runbook(self):
        p = self.p
        found = au.read(self.automation().runbook.get, p["resource_group"], p["account"], p["name"])
        if found is None:
            raise ModuleError("runbook '%s' was not found in Automation account '%s'" % (p["name"], p["account"]),
                              status=404, option="name", hint="Check name, account and resource_group.")
        return found

    # -- facts for the account rules
    def runtime(self):
        """(display name, runtime environment name or None for the 5.1 modules)."""
        p = self.p
        wanted = p["runtime"]
        if wanted is None and p["name"]:
            if self.runbook is None:
                self.runbook = self.read_runbook()
            wanted = au.runbook_type_of(self.runbook)
        wanted = wanted or "5.1"
        known = RUNTIMES.get(wanted.lower())
        if known == "PowerShell 5.1":
            return known, None
        if known == "PowerShell 7.2":
            return known, "PowerShell-7.2"
        env = au.read(self.automation().runtime_environments.get, p["resource_group"], p["account"], wanted)
        if env is None:
            raise ModuleError("runtime '%s' is not 5.1, 7.2 or a runtime environment of account %s"
                              % (wanted, p["account"]), option="runtime",
                              hint="Create the runtime environment first (m365.exo_automation.runtime_environment).")
        return "runtime environment %s" % env.get("name"), env.get("name")

    def modules(self, environment):
        p = self.p
        client = self.automation()
        if environment is None:
            items = au.read_list(client.module.list_by_automation_account, p["resource_group"], p["account"])
        else:
            items = au.read_list(client.package.list_by_runtime_environment, p["resource_group"], p["account"],
                                 environment)
        out = {}
        for item in items:
            props = au.props(item)
            out[str(item.get("name")).lower()] = {
                "name": item.get("name"), "version": props.get("version"),
                "state": au.enum_text(props.get("provisioningState"))}
        return out

    def identities(self, account):
        ident = account.get("identity") or {}
        kind = str(au.enum_text(ident.get("type")) or "").lower()
        system = {"principal_id": ident.get("principalId")} if "systemassigned" in kind and \
            ident.get("principalId") else None
        users = []
        for rid, props in sorted((ident.get("userAssignedIdentities") or {}).items()):
            props = props or {}
            users.append({"id": rid, "name": rid.rstrip("/").rsplit("/", 1)[-1],
                          "client_id": props.get("clientId"), "principal_id": props.get("principalId")})
        return {"system": system, "user_assigned": users}

    def organization(self, graph):
        orgs = graph.list(graph.organization(), select="id,verifiedDomains")
        if not orgs:
            return None
        domains = orgs[0].get("verifiedDomains") or []
        initial = [d.get("name") for d in domains if d.get("isInitial")]
        return {"initial": initial[0] if initial else None, "tenant_id": orgs[0].get("id"),
                "domains": [d.get("name") for d in domains]}

    def access(self, graph, principal_ids):
        exo = lookups.find_service_principal_by_app_id(graph, wellknown.EXCHANGE_ONLINE_APP_ID)
        out = {}
        for pid in principal_ids:
            try:
                grants = lookups.list_app_role_assignments(graph, pid, exo.get("id") if exo else None)
                roles = lookups.list_directory_role_assignments(graph, principal_id=pid)
            except GraphError as err:
                if err.status == 404:  # not replicated yet, or gone: nothing to say about it
                    continue
                raise
            out[pid.lower()] = {
                "manage_as_app": exo is not None and any(
                    str(g.get("appRoleId")).lower() == wellknown.MANAGE_AS_APP_ROLE_ID for g in grants),
                "accepted_role": lookups.exchange_online_accepts(roles),
                "roles": sorted(ROLE_NAMES.get(str(r.get("roleDefinitionId")).lower(), str(r.get("roleDefinitionId")))
                                for r in roles),
            }
        return out

    def facts(self, text):
        p = self.p
        client = self.automation()
        account = au.read(client.automation_account.get, p["resource_group"], p["account"])
        if account is None:
            raise ModuleError("Automation account '%s' was not found in resource group '%s'"
                              % (p["account"], p["resource_group"]), status=404, option="account",
                              hint="Check account, resource_group and subscription_id, or lint without the account "
                                   "(account_rules=never).")
        name, environment = self.runtime()
        facts = {"runtime": {"name": name, "modules": self.modules(environment)}}
        facts["identities"] = self.identities(account)
        script = rl.Script(text)
        connections = script.exo_connections()
        if not connections:
            return facts
        graph = self.m.graph()
        facts["organization"] = self.organization(graph)
        principals = []
        for conn in connections:
            _kind, ident, _problem = rl.identity_for(conn, facts["identities"])
            if ident and ident.get("principal_id") and ident["principal_id"] not in principals:
                principals.append(ident["principal_id"])
        facts["access"] = self.access(graph, principals)
        return facts

    def run(self):
        text = self.text()
        facts = self.facts(text) if self.account_rules else None
        result = rl.lint(text, facts, self.disabled)
        out = dict(changed=False, **result)
        if facts is not None:
            out["runtime"] = facts["runtime"]["name"]
        failing = rl.failing(result["findings"], self.p["fail_on"])
        if failing:
            raise ModuleError("the runbook has %d finding(s) at or above fail_on=%s: %s"
                              % (len(failing), self.p["fail_on"], "; ".join(rl.describe(f) for f in failing)),
                              result=out)
        return out


def run_module(m):
    return Linter(m).run()


def main():
    base.main(ARGSPEC, run_module, mutually_exclusive=[("content", "src")])


if __name__ == "__main__":
    main()
