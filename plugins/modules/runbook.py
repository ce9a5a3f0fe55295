#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: runbook
short_description: Manage Azure Automation runbooks, their content and publication
version_added: 0.1.0
description:
  - Creates a PowerShell runbook in an Automation account, keeps its content, description, logging and tags as
    declared, publishes it, and deletes it.
  - The content comes from O(content), a file (O(src)), or a built-in template (O(template)). It is compared by
    value with what Azure holds (line ends, a byte-order mark and trailing blank lines do not count), so an
    unchanged runbook is C(changed=false). With --diff the content is shown line by line.
  - With O(test_before_publish=true) the new draft runs as a test job first and is published only when the test
    completes without errors.
  - The content is checked for the pitfalls of Exchange Online runbooks (O(lint)).
options:
  name:
    description:
      - Name of the runbook (letters, digits, hyphens and underscores, starting with a letter).
      - One of O(name) and O(runbooks) is required.
    type: str
  runbooks:
    description:
      - Several runbooks in one task, instead of O(name) (one module process, one client, one sign-in).
      - Each entry takes C(name) (required) and any of the options below; an option the entry leaves out is the
        task's. When an entry gives one of C(content), C(src) and C(template), the task's three do not apply to
        it. C(tags) replace the task's O(tags), they are not merged.
      - Every entry is read and checked first (its name, type, content and lint), so an entry that is wrong fails
        the task before anything is written; then each is written and published in the order listed. O(timeout)
        applies to each entry.
      - The task returns RV(runbooks), one result per entry. RV(runbook), RV(content_changed), RV(published),
        RV(lint) and RV(lint_findings) describe the last entry; RV(diff) is a list, one diff per entry.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the runbook.
        type: str
        required: true
      type:
        description: As O(type).
        type: str
      content:
        description: As O(content).
        type: str
      src:
        description: As O(src).
        type: path
      allow_empty_content:
        description: As O(allow_empty_content).
        type: bool
      template:
        description: As O(template).
        type: str
        choices: [exchange_online]
      organization:
        description: As O(organization).
        type: str
      managed_identity_client_id:
        description: As O(managed_identity_client_id).
        type: str
      description:
        description: As O(description).
        type: str
      log_progress:
        description: As O(log_progress).
        type: bool
      log_verbose:
        description: As O(log_verbose).
        type: bool
      publish:
        description: As O(publish).
        type: bool
      test_before_publish:
        description: As O(test_before_publish).
        type: bool
      test_parameters:
        description: As O(test_parameters).
        type: dict
      tags:
        description: As O(tags).
        type: dict
      purge_tags:
        description: As O(purge_tags).
        type: bool
      lint:
        description: As O(lint).
        type: str
        choices: [error, warn, "off"]
      state:
        description: As O(state).
        type: str
        choices: [present, absent]
  type:
    description:
      - Where the runbook runs. V(PowerShell) is the PowerShell 5.1 runtime (its modules are managed with
        M(m365.exo_automation.automation_module)); V(PowerShell72) is the PowerShell 7.2 runtime; any other value
        is the name of a runtime environment of the account (M(m365.exo_automation.runtime_environment)).
      - The type of an existing runbook cannot change.
    type: str
    default: PowerShell
  content:
    description:
      - The PowerShell script.
      - With O(template), nothing else may be given.
    type: str
  src:
    description:
      - Path of a file holding the script, read on the host that runs the module (usually the Ansible
        controller).
    type: path
  allow_empty_content:
    description:
      - Save an empty (or blank) script from O(content) or O(src). Without it such a script is refused before
        anything is written, so that a mistyped variable cannot replace a working runbook with nothing.
    type: bool
    default: false
  template:
    description:
      - A built-in script. V(exchange_online) connects to Exchange Online with the account's managed identity
        (C(Connect-ExchangeOnline -ManagedIdentity -Organization <organization>), with
        C(-ManagedIdentityAccountId <managed_identity_client_id>) for a user-assigned identity), writes the
        accepted domains (C(Get-AcceptedDomain)) to the output, and disconnects in a C(finally) block.
    type: str
    choices: [exchange_online]
  organization:
    description:
      - The tenant's initial domain for O(template=exchange_online), such as V(contoso.onmicrosoft.com).
      - Defaults to the E(EXO_ORGANIZATION) environment variable.
    type: str
  managed_identity_client_id:
    description:
      - Client id (application id) of the user-assigned identity the template connects with. Leave unset for the
        system-assigned identity.
      - It must be the client id of an identity attached to the Automation account, not its principal (object) id.
    type: str
  description:
    description: Description of the runbook. Leave unset to keep the current one.
    type: str
  log_progress:
    description: Write progress records of jobs. Leave unset to keep the current setting (V(false) on create).
    type: bool
  log_verbose:
    description: Write verbose records of jobs. Leave unset to keep the current setting (V(false) on create).
    type: bool
  publish:
    description:
      - Publish the content, so that jobs, schedules and webhooks run it. With V(false) the content is kept as a
        draft and compared with the draft.
    type: bool
    default: true
  test_before_publish:
    description:
      - Run the new draft as a test job before publishing it, and publish only when the test job completes with
        no error records. A failing test fails the task; the draft stays saved and unpublished.
      - Runs only when the content changes.
    type: bool
    default: false
  test_parameters:
    description: Parameters of the test job, name to value.
    type: dict
  tags:
    description: Tags of the runbook. Leave unset to keep the current tags.
    type: dict
  purge_tags:
    description: Remove tags that are not in O(tags).
    type: bool
    default: true
  lint:
    description:
      - Check the content with the text rules of M(m365.exo_automation.runbook_lint) before anything is written
        (a missing C(-ManagedIdentity) or C(-Organization), Remote PowerShell, basic-auth C(-Credential), secrets in
        the script, C(Write-Host), no C(Disconnect-ExchangeOnline), ...).
      - V(warn) returns the findings (RV(lint_findings), RV(lint)) and shows the errors and warnings among them as
        warnings. V(error) does the same and fails, writing nothing, when a finding has severity error.
        V(off) skips the check.
      - V(false) is read as V(off).
    type: str
    choices: [error, warn, "off"]
    default: warn
  state:
    description: V(present) creates or updates the runbook, V(absent) deletes it.
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
  - O(wait) and O(timeout) apply to saving the draft, publishing, and the test job.
  - In check mode a missing Automation account is reported with a warning, so that a whole setup can be
    audited before its account exists.
seealso:
  - module: m365.exo_automation.runbook_info
  - module: m365.exo_automation.runbook_job
  - module: m365.exo_automation.runtime_environment
  - name: Connect to Exchange Online PowerShell with managed identity
    description: Microsoft's guide.
    link: https://learn.microsoft.com/powershell/exchange/connect-exo-powershell-managed-identity
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Runbook that checks the Exchange Online connection (system-assigned identity)
  m365.exo_automation.runbook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Test-ExchangeOnlineConnection
    template: exchange_online
    organization: contoso.onmicrosoft.com
    description: Connects with the managed identity and lists the accepted domains

- name: The same with a user-assigned identity, tested before it is published
  m365.exo_automation.runbook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Test-ExchangeOnlineConnection
    template: exchange_online
    organization: contoso.onmicrosoft.com
    managed_identity_client_id: "{{ identity.user_assigned_identity.client_id }}"
    test_before_publish: true

- name: Runbook from a file, on a PowerShell 7.4 runtime environment
  m365.exo_automation.runbook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Enable-ArchiveMailbox
    type: exo-powershell-74
    src: files/Enable-ArchiveMailbox.ps1
    log_verbose: true
    tags:
      owner: messaging-team

- name: Keep a change as a draft only
  m365.exo_automation.runbook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Enable-ArchiveMailbox
    content: "{{ lookup('ansible.builtin.file', 'Enable-ArchiveMailbox.ps1') }}"
    publish: false

- name: Two runbooks in one task (one module process); each entry may override the task's options
  m365.exo_automation.runbook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    organization: contoso.onmicrosoft.com
    runbooks:
      - name: Test-ExchangeOnlineConnection
        template: exchange_online
      - name: Enable-ArchiveMailbox
        type: exo-powershell-74
        src: files/Enable-ArchiveMailbox.ps1
        lint: error

- name: Delete a runbook
  m365.exo_automation.runbook:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: Enable-ArchiveMailbox
    state: absent
'''

RETURN = r'''
runbook:
  description: The runbook after the task (in check mode, as it would be). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: Resource id.
      returned: when the runbook exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/runbooks/Test-Connection"
    name:
      description: Name.
      returned: when the runbook exists
      type: str
      sample: Test-ExchangeOnlineConnection
    type:
      description: The runtime environment of the runbook, or its runbook type when it has none.
      returned: when the runbook exists
      type: str
      sample: PowerShell
    runbook_type:
      description: Runbook type as Azure reports it.
      returned: when the runbook exists
      type: str
      sample: PowerShell
    runtime_environment:
      description: Runtime environment, when the runbook runs on one.
      returned: when the runbook exists
      type: str
      sample: null
    state:
      description: C(New) (never published), C(Edit) (a draft differs from the published content) or C(Published).
      returned: when the runbook exists
      type: str
      sample: Published
    description:
      description: Description.
      returned: when the runbook exists
      type: str
      sample: Connects with the managed identity and lists the accepted domains
    log_progress:
      description: Whether jobs write progress records.
      returned: when the runbook exists
      type: bool
      sample: false
    log_verbose:
      description: Whether jobs write verbose records.
      returned: when the runbook exists
      type: bool
      sample: false
    tags:
      description: Tags.
      returned: when the runbook exists
      type: dict
      sample: {}
    parameters:
      description: Parameters the published runbook declares, as Azure reports them.
      returned: when the runbook exists
      type: dict
      sample: {"Mailbox": {"type": "System.String", "isMandatory": true, "position": 0}}
    location:
      description: Region.
      returned: when the runbook exists
      type: str
      sample: westeurope
    last_modified_time:
      description: When Azure last changed the runbook.
      returned: when the runbook exists
      type: str
      sample: "2025-01-01T10:00:00.000Z"
    content_sha256:
      description: SHA-256 of the normalised content (published, or the draft with O(publish=false)).
      returned: when the runbook exists
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
content_changed:
  description: Whether the content was (or would be) saved.
  returned: always
  type: bool
  sample: true
published:
  description: Whether the content was (or would be) published by this task.
  returned: always
  type: bool
  sample: true
lint:
  description: The errors and warnings the content check found, one line each (also shown as warnings).
  returned: always
  type: list
  elements: str
  sample: ["line 4: EXO007 warning: Write-Host writes to the host, not to the job's output. Fix: Use Write-Output
    for results (Write-Verbose / Write-Warning for messages)."]
lint_findings:
  description: Every finding of the content check (errors, warnings and notes), as M(m365.exo_automation.runbook_lint)
    returns them.
  returned: always
  type: list
  elements: dict
  sample: [{"rule": "EXO007", "severity": "warning", "title": "Write-Host where output is read", "line": 4,
            "column": 5, "message": "Write-Host writes to the host, not to the job's output",
            "error": "(no error: the job's Output stream lacks the text)", "fix": "Use Write-Output for results.",
            "link": "https://learn.microsoft.com/azure/automation/automation-runbook-output-and-messages"}]
test_job:
  description: The test job of the draft, when O(test_before_publish=true) ran one.
  returned: when a test job ran
  type: dict
  contains:
    status:
      description: Final status of the test job.
      returned: always
      type: str
      sample: Completed
    exception:
      description: Error text of a failed test job.
      returned: always
      type: str
      sample: null
    output:
      description: Output lines.
      returned: always
      type: list
      elements: str
      sample: ["contoso.onmicrosoft.com"]
    warnings:
      description: Warning records.
      returned: always
      type: list
      elements: str
      sample: []
    errors:
      description: Error records.
      returned: always
      type: list
      elements: str
      sample: []
  sample: {"status": "Completed", "exception": null, "output": ["contoso.onmicrosoft.com"], "warnings": [], "errors": []}
diff:
  description:
    - The runbook before and after, the content as a list of lines.
    - With O(runbooks), a list of those, one per entry, each with C(before_header) and C(after_header) naming
      the runbook.
  returned: always
  type: raw
  sample: {"before": {}, "after": {"name": "Test-ExchangeOnlineConnection", "content": ["param()", "..."]}}
runbooks:
  description:
    - With O(runbooks), one result per entry, in the order listed. Each has C(name), C(changed), C(runbook),
      C(content_changed), C(published), C(lint), C(lint_findings) and C(diff) (and C(test_job) when one ran), as
      the return values of the same names are for one runbook.
    - When an entry fails, the failed task returns those done before it, and C(name), the runbook it failed on.
  returned: with O(runbooks)
  type: list
  elements: dict
  sample:
    - name: Test-ExchangeOnlineConnection
      changed: false
      runbook: {"name": "Test-ExchangeOnlineConnection", "state": "Published", "type": "PowerShell"}
      content_changed: false
      published: false
      lint: []
      lint_findings: []
      diff: {"before": {"name": "Test-ExchangeOnlineConnection"}, "after": {"name": "Test-ExchangeOnlineConnection"}}
'''

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import base, flow
from ansible_collections.m365.exo_automation.plugins.module_utils import runbook_lint as rl
from ansible_collections.m365.exo_automation.plugins.module_utils.diff import tags_update
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import ACCOUNT_TYPE
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import (
    check_guid,
    check_tags,
    resource_id,
)

ARGSPEC = au.account_argspec()
ARGSPEC.update(
    name=dict(type="str"),
    type=dict(type="str", default="PowerShell"),
    content=dict(type="str"),
    src=dict(type="path"),
    allow_empty_content=dict(type="bool", default=False),
    template=dict(type="str", choices=list(au.TEMPLATES)),
    organization=dict(type="str", fallback=(env_fallback, ["EXO_ORGANIZATION"])),
    managed_identity_client_id=dict(type="str"),
    description=dict(type="str"),
    log_progress=dict(type="bool"),
    log_verbose=dict(type="bool"),
    publish=dict(type="bool", default=True),
    test_before_publish=dict(type="bool", default=False),
    test_parameters=dict(type="dict"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    lint=dict(type="str", choices=["error", "warn", "off"], default="warn"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=600),
)

# the options an entry of runbooks may give (the others are the task's only)
ENTRY_OPTIONS = ("type", "content", "src", "allow_empty_content", "template", "organization",
                 "managed_identity_client_id", "description", "log_progress", "log_verbose", "publish",
                 "test_before_publish", "test_parameters", "tags", "purge_tags", "lint", "state")
SOURCES = ("content", "src", "template")


def entry_spec():
    """The suboptions of ``runbooks``: ``name`` and the options of ENTRY_OPTIONS without their defaults (an
    option an entry leaves out is the task's)."""
    spec = {"name": dict(type="str", required=True)}
    for option in ENTRY_OPTIONS:
        spec[option] = dict((k, v) for k, v in ARGSPEC[option].items() if k not in ("default", "fallback"))
    return spec


ARGSPEC.update(runbooks=dict(type="list", elements="dict", options=entry_spec()))

STREAMS = ("output", "warning", "error")


def desired_content(p):
    if p["template"]:
        if p["managed_identity_client_id"]:
            check_guid(p["managed_identity_client_id"], "managed_identity_client_id",
                       "the client id of a user-assigned identity")
        return au.render_template(p["template"], p["organization"], p["managed_identity_client_id"])
    if p["src"] is not None:
        path = p["src"]
        if not os.path.isfile(path):
            raise ModuleError("src: file '%s' does not exist (it is read on the host that runs the module)" % path,
                              option="src", hint="Give an existing file, or pass the script with content.")
        with open(path, "rb") as f:
            return check_not_empty(au.read_text(f.read()), p, "src")
    return check_not_empty(p["content"], p, "content")


def check_not_empty(text, p, option):
    """An empty or blank script saved (and published) over a runbook leaves jobs, schedules and webhooks running
    nothing: refused unless ``allow_empty_content``."""
    if text is not None and not text.strip() and not p["allow_empty_content"]:
        raise ModuleError("%s: the script of runbook %s is empty%s" % (
            option, p["name"], "" if option == "content" else " (file '%s')" % p["src"]), option=option,
            hint="Give the script, or set allow_empty_content=true to save an empty runbook on purpose.")
    return text


def runbook_kind(m, client, p, account_obj, current=None):
    """``(runbookType, runtimeEnvironment)`` for the type option; unknown types fail before any write. A
    runtime environment the runbook (``current``) already runs on is not read again."""
    wanted = p["type"]
    for known in au.RUNBOOK_TYPES:
        if wanted.lower() == known.lower():
            return known, None
    have = au.props(current) if current is not None else {}
    have_env = have.get("runtimeEnvironment") or ""
    if have_env.lower() == wanted.lower() and au.enum_text(have.get("runbookType")) == "PowerShell":
        return "PowerShell", have_env
    if account_obj is None:
        # check mode against an account that does not exist yet: nothing to check the name against
        return "PowerShell", wanted
    env = au.read(client.runtime_environments.get, p["resource_group"], p["account"], wanted)
    if env is None:
        names = sorted(e.get("name") for e in au.read_list(client.runtime_environments.list_by_automation_account,
                                                           p["resource_group"], p["account"]))
        raise ModuleError("type '%s' is not PowerShell, PowerShell72 or a runtime environment of account %s "
                          "(its runtime environments: %s)" % (wanted, p["account"], ", ".join(names) or "none"),
                          option="type",
                          hint="Create the runtime environment first (m365.exo_automation.runtime_environment).")
    language = ((au.props(env).get("runtime") or {}).get("language") or "PowerShell")
    if language.lower() != "powershell":
        raise ModuleError("type '%s' is a %s runtime environment; this module manages PowerShell runbooks"
                          % (wanted, language), option="type")
    return "PowerShell", env.get("name") or wanted


def type_matches(current, runbook_type, runtime_environment):
    p = au.props(current)
    have_type = au.enum_text(p.get("runbookType"))
    have_env = p.get("runtimeEnvironment") or ""
    if runtime_environment:
        return have_env.lower() == runtime_environment.lower()
    if runbook_type == "PowerShell72":
        return have_type == "PowerShell72" or (have_type == "PowerShell" and have_env.lower() == "powershell-7.2")
    return have_type == "PowerShell" and have_env.lower() in ("", "powershell-5.1")


def run_test_job(m, client, rg, account, name, runtime_environment):
    p = m.params
    body = {"parameters": au.job_parameters(p["test_parameters"])}
    if runtime_environment:
        body["runtimeEnvironment"] = runtime_environment
    client.test_job.create(rg, account, name, body)
    job, timed_out = au.wait_for_job(lambda: au.to_dict(client.test_job.get(rg, account, name)), p["timeout"])
    items = au.read_list(client.test_job_streams.list_by_test_job, rg, account, name)
    streams = au.read_streams(items, lambda sid: au.read(client.test_job_streams.get, rg, account, name, sid),
                              STREAMS)
    facts = au.draft_job_facts(job)
    facts.update(output=streams["output"], warnings=streams["warnings"], errors=streams["errors"])
    if timed_out:
        raise ModuleError("the test job of runbook %s is still %s after %d s; the draft is saved but not published"
                          % (name, facts["status"], p["timeout"]), details={"test_job": facts},
                          hint="Raise timeout, or set test_before_publish=false.")
    if facts["status"] not in au.JOB_DONE or facts["errors"]:
        reason = facts["exception"] or "; ".join(facts["errors"]) or facts["status"]
        raise ModuleError("the test job of runbook %s ended %s: %s. The draft is saved but not published"
                          % (name, facts["status"], reason), details={"test_job": facts},
                          hint=au.job_hint(facts["exception"], *facts["errors"]))
    return facts


class Runbook(flow.Resource):
    """A PowerShell runbook of an Automation account. The object read and predicted is the runbook's REST dict
    with one more key, ``content``: ``{"published": text, "draft": text}`` (None where there is none)."""

    result_key = "runbook"

    def __init__(self, m):
        super(Runbook, self).__init__(m)
        p = self.params
        self.rg, self.account, self.name = au.check_account_options(p, "runbook")
        self.tags = check_tags(p["tags"])
        self.client = m.automation_client()
        self.written = None
        self.saved = None
        self.test_job = None
        self.texts = {}  # content by its SHA-256: diffable() shows the content of the facts line by line

    def read(self):
        found = au.read(self.client.runbook.get, self.rg, self.account, self.name)
        if found is None and self.written is not None:
            found = self.saved  # just written and not listed yet: the answer to the write
        if found is None:
            return None
        if self.written is not None:
            # after the writes: the content is what this task saved and published
            return dict(found, content=self.written)
        published = draft = None
        if self.params["state"] == "present":
            published, draft = au.runbook_contents(self.client, self.rg, self.account, self.name, found)
        return dict(found, content={"published": published, "draft": draft})

    def _compared(self, obj):
        """The content the task compares with: the published one, or the draft with publish=false."""
        content = (obj or {}).get("content") or {}
        return content.get("published" if self.params["publish"] else "draft")

    def facts(self, obj):
        if obj is None:
            return {}
        text = self._compared(obj)
        facts = au.runbook_facts(dict((k, v) for k, v in obj.items() if k != "content"), content=text)
        if facts["content_sha256"]:
            self.texts[facts["content_sha256"]] = text
        return facts

    def diffable(self, facts):
        if not facts:
            return {}
        view = dict((k, facts.get(k)) for k in ("name", "type", "state", "description", "log_progress",
                                                "log_verbose", "tags"))
        view["content"] = au.content_lines(self.texts.get(facts.get("content_sha256")))
        return view

    def lint(self, content):
        """The findings of the text rules, before anything is written: warned about, and with lint=error a
        failure when one is an error."""
        mode = self.params["lint"]
        if content is None or mode == "off":
            return []
        findings = rl.lint_text(content)
        for f in findings:
            if f["severity"] in ("error", "warning"):
                self.m.warn("runbook %s: %s" % (self.name, rl.describe(f)))
        errors = [f for f in findings if f["severity"] == "error"]
        if mode == "error" and errors:
            raise ModuleError("runbook %s: the content has %d lint error(s), nothing was written: %s"
                              % (self.name, len(errors), "; ".join(rl.describe(f) for f in errors)), option="lint",
                              hint="Fix the script, or set lint=warn to upload it anyway.",
                              result={"lint_findings": findings, "lint": [rl.describe(f) for f in findings
                                                                          if f["severity"] in ("error", "warning")]})
        return findings

    def desired(self, current):
        p = self.params
        if p["state"] == "absent":
            return None
        content = desired_content(p)
        findings = self.lint(content)
        lint = [rl.describe(f) for f in findings if f["severity"] in ("error", "warning")]
        if current is None:
            account = au.get_account(self.m, self.client, self.rg, self.account)
        else:
            account = current  # the runbook exists, so does its account
        runbook_type, runtime_environment = runbook_kind(self.m, self.client, p, account, current)
        if current is not None:
            if not type_matches(current, runbook_type, runtime_environment):
                raise ModuleError("runbook %s runs on %s; its type cannot change to %s"
                                  % (self.name, au.runbook_type_of(current), p["type"]), option="type",
                                  hint="Delete the runbook first (state=absent), or create one with another name.")
        elif content is None:
            raise ModuleError("one of content, src or template is required to create runbook %s" % self.name,
                              option="content")
        return {"content": content, "lint": lint, "lint_findings": findings, "runbook_type": runbook_type,
                "runtime_environment": runtime_environment, "location": (account or {}).get("location")}

    def plan(self, current, desired):
        if desired is None:
            return flow.Plan(flow.DELETE if current is not None else None, content_changed=False, published=False,
                             lint=[], lint_findings=[])
        p = self.params
        content = desired["content"]
        have = (current or {}).get("content") or {"published": None, "draft": None}
        compared = self._compared(current)
        content_changed = content is not None and not au.same_content(content, compared)
        # a new draft only for new content (publishing the current draft needs none)
        save = content is not None and (current is None or (content_changed and
                                                            not au.same_content(content, have["draft"])))
        state = au.enum_text(au.props(current).get("state")) if current else None
        publish = p["publish"] and (content_changed or state == "New")

        cp = au.props(current)
        new_props = {}
        for option, key in (("description", "description"), ("log_progress", "logProgress"),
                            ("log_verbose", "logVerbose")):
            if p[option] is not None and (current is None or p[option] != cp.get(key)):
                new_props[key] = p[option]
        tags_changed, new_tags = tags_update((current or {}).get("tags"), self.tags, p["purge_tags"])
        patch = None
        if current is not None and (new_props or tags_changed):
            patch = {"properties": new_props}
            if tags_changed:
                patch["tags"] = new_tags
        details = dict(content_changed=bool(content_changed or current is None), published=bool(publish),
                       lint=desired["lint"], lint_findings=desired["lint_findings"], save=save, publish=publish,
                       patch=patch,
                       text=au.normalize_content(content) if save else None,
                       runtime_environment=desired["runtime_environment"])
        if current is not None and not (content_changed or publish or patch):
            return flow.Plan(**details)

        # the runbook as it will be
        after_props = dict(cp)
        body = None
        if current is None:
            after = {"id": "%s/runbooks/%s" % (resource_id(self.m.subscription_id(), self.rg, ACCOUNT_TYPE,
                                                           self.account), self.name),
                     "name": self.name, "location": desired["location"]}
            after_props.update(runbookType=desired["runbook_type"], logProgress=False, logVerbose=False,
                               state="New")
            if desired["runtime_environment"]:
                after_props["runtimeEnvironment"] = desired["runtime_environment"]
            body = {"name": self.name, "location": desired["location"], "tags": new_tags,
                    "properties": {"runbookType": desired["runbook_type"], "logProgress": bool(p["log_progress"]),
                                   "logVerbose": bool(p["log_verbose"]), "draft": {}}}
            if desired["runtime_environment"]:
                body["properties"]["runtimeEnvironment"] = desired["runtime_environment"]
            if p["description"] is not None:
                body["properties"]["description"] = p["description"]
        else:
            after = dict((k, v) for k, v in current.items() if k != "content")
        after_props.update(new_props)
        if publish:
            after_props["state"] = "Published"
        elif save and after_props.get("state") == "Published":
            after_props["state"] = "Edit"
        after["properties"] = after_props
        after["tags"] = new_tags
        draft = content if save else have["draft"]
        after["content"] = {"published": content if publish else have["published"], "draft": draft}
        return flow.Plan(flow.CREATE if current is None else flow.UPDATE, after, body, **details)

    def apply(self, plan):
        p, d = self.params, plan.details
        client, rg, account, name = self.client, self.rg, self.account, self.name
        if plan.action == flow.DELETE:
            client.runbook.delete(rg, account, name)
            return
        self.written = plan.after["content"]
        if plan.action == flow.CREATE:
            self.saved = au.to_dict(client.runbook.create_or_update(rg, account, name, plan.body))
        elif d["patch"]:
            self.saved = au.to_dict(client.runbook.update(rg, account, name, d["patch"]))
        if d["save"]:
            poller = client.runbook_draft.begin_replace_content(rg, account, name, d["text"])
            if p["wait"] or d["publish"]:
                self.m.wait_poller(poller, "saving the draft of runbook %s" % name, timeout=p["timeout"])
        if d["publish"] and p["test_before_publish"]:
            self.test_job = run_test_job(self.m, client, rg, account, name, d["runtime_environment"])
        if d["publish"]:
            poller = client.runbook.begin_publish(rg, account, name)
            if p["wait"]:
                self.m.wait_poller(poller, "publishing runbook %s" % name, timeout=p["timeout"])

    def extra(self, plan, after):
        out = dict((k, plan.details[k]) for k in ("content_changed", "published", "lint", "lint_findings"))
        if self.test_job is not None:
            out["test_job"] = self.test_job
        return out


def entry_params(m, entry):
    """The task's options for one entry of ``runbooks``: the task's, with those the entry gives in their place
    (its content, src or template replaces all three of the task's)."""
    given = [k for k in SOURCES if entry.get(k) is not None]
    if len(given) > 1:
        raise ModuleError("option 'runbooks': the entry of runbook %s gives %s; give only one of content, src and "
                          "template" % (entry["name"], " and ".join(given)), option="runbooks")
    params = dict(m.params, name=entry["name"])
    if given:
        params.update((k, entry.get(k)) for k in SOURCES)
    params.update((k, v) for k, v in entry.items() if v is not None and k not in SOURCES)
    return params


def run_module(m):
    if m.params["runbooks"] is None:
        return flow.run(m, Runbook(m))
    tasks = flow.entries(m, "runbooks", lambda e: entry_params(m, e))
    # every entry may take the whole timeout (saving, a test job, publishing): the task's deadline covers them all
    m.deadline = m.started + m.params["timeout"] * len(tasks)
    return flow.run_entries(m, "runbooks", [Runbook(t) for t in tasks])


def main():
    base.main(ARGSPEC, run_module, mutually_exclusive=[("content", "src", "template"), ("name", "runbooks")],
              required_one_of=[("name", "runbooks")])


if __name__ == "__main__":
    main()
