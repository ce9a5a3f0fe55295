#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: runbook_job
short_description: Start an Azure Automation runbook job and read its output
version_added: 0.1.0
description:
  - Starts a job of a published runbook with parameters, in Azure or on a hybrid worker group, waits for it, and
    returns its status, output, warning and error records and exception.
  - A job that ends C(Failed), C(Stopped) or C(Suspended) fails the task with its error text and, for the errors
    users meet with Exchange Online (missing Entra role, identity not attached, module not imported), what to do.
  - The parameters are checked against the runbook's declared parameters before the job starts.
  - In check mode no job is started; the task reports C(changed=true).
options:
  runbook:
    description: Name of the runbook to run. It must be published.
    type: str
    required: true
  parameters:
    description:
      - Parameters of the job, name to value. Values that are not strings are passed as JSON.
    type: dict
    default: {}
  run_on:
    description: Name of a hybrid runbook worker group to run on. Unset runs the job in Azure.
    type: str
  job_name:
    description:
      - Name (id) of the job; a new GUID by default.
      - When a job with this name exists, no job is started and that job is read (and waited for) instead, so a
        retried task does not run the runbook twice.
    type: str
  streams:
    description: Which streams to read once the job has ended.
    type: list
    elements: str
    choices: [output, warning, error, verbose, progress, debug]
    default: [output, warning, error]
extends_documentation_fragment:
  - m365.exo_automation.account
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.wait
  - m365.exo_automation.attributes
notes:
  - With O(wait=false) the task returns once the job is created; read it later with O(job_name).
  - When O(timeout) is reached the task fails, and the job keeps running in Azure.
seealso:
  - module: m365.exo_automation.runbook
  - module: m365.exo_automation.runbook_info
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Run the connection check and wait for it
  m365.exo_automation.runbook_job:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    runbook: Test-ExchangeOnlineConnection
  register: job

- name: Show what it wrote
  ansible.builtin.debug:
    var: job.output

- name: Enable the archive of a mailbox
  m365.exo_automation.runbook_job:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    runbook: Enable-ArchiveMailbox
    parameters:
      Mailbox: adele.vance@contoso.com
    timeout: 1200

- name: Start on a hybrid worker group without waiting, with a name to read it back later
  m365.exo_automation.runbook_job:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    runbook: Enable-ArchiveMailbox
    parameters:
      Mailbox: adele.vance@contoso.com
    run_on: onprem-workers
    job_name: 6f1c8f52-8c39-4b55-b6a7-2f0d0f5c8a11
    wait: false
'''

RETURN = r'''
job:
  description: The job (empty in check mode).
  returned: always
  type: dict
  contains:
    id:
      description: Resource id.
      returned: when a job exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/jobs/6f1c8f52-8c39-4b55-b6a7-2f0d0f5c8a11"
    name:
      description: Name of the job (the value to give to O(job_name)).
      returned: when a job exists
      type: str
      sample: 6f1c8f52-8c39-4b55-b6a7-2f0d0f5c8a11
    job_id:
      description: Job id Azure assigned.
      returned: when a job exists
      type: str
      sample: 5b8a3960-e8ab-45f6-bec6-567df8467d1a
    runbook:
      description: Runbook name.
      returned: when a job exists
      type: str
      sample: Test-ExchangeOnlineConnection
    status:
      description: Status of the job.
      returned: when a job exists
      type: str
      sample: Completed
    status_details:
      description: Details of the status.
      returned: when a job exists
      type: str
      sample: None
    exception:
      description: Error text of a failed job.
      returned: when a job exists
      type: str
      sample: null
    run_on:
      description: Hybrid worker group, when not run in Azure.
      returned: when a job exists
      type: str
      sample: null
    runtime_environment:
      description: Runtime environment the job ran on.
      returned: when a job exists
      type: str
      sample: null
    parameters:
      description: Parameters of the job.
      returned: when a job exists
      type: dict
      sample: {"Mailbox": "adele.vance@contoso.com"}
    creation_time:
      description: When the job was created.
      returned: when a job exists
      type: str
      sample: "2025-01-01T10:00:00.000Z"
    start_time:
      description: When the job started.
      returned: when a job exists
      type: str
      sample: "2025-01-01T10:00:05.000Z"
    end_time:
      description: When the job ended.
      returned: when a job exists
      type: str
      sample: "2025-01-01T10:00:42.000Z"
job_id:
  description: Job id Azure assigned.
  returned: when a job exists
  type: str
  sample: 5b8a3960-e8ab-45f6-bec6-567df8467d1a
status:
  description: Status of the job (C(New) with O(wait=false)).
  returned: when a job exists
  type: str
  sample: Completed
exception:
  description:
    - Error text of a failed job.
    - In a failed task Ansible replaces C(exception) with a traceback (or C((traceback unavailable))); read
      RV(job_exception) there.
  returned: when a job exists
  type: str
  sample: null
job_exception:
  description:
    - Error text of the job, when the task failed because the job failed, was stopped or did not end in time.
    - The failed result also carries RV(job), RV(job_id), RV(status) and the stream records, as a successful one
      does.
  returned: when the task failed on the job
  type: str
  sample: "The role assigned to application 1b2c3d4e isn't supported in this scenario."
output:
  description: Output records, one line per element.
  returned: when the job ended and V(output) is in O(streams)
  type: list
  elements: str
  sample: ["Connected to Exchange Online: contoso.onmicrosoft.com", "contoso.onmicrosoft.com", "contoso.com"]
warning_records:
  description: Warning records.
  returned: when the job ended and V(warning) is in O(streams)
  type: list
  elements: str
  sample: []
error_records:
  description: Error records (a job can complete with error records).
  returned: when the job ended and V(error) is in O(streams)
  type: list
  elements: str
  sample: []
verbose_records:
  description: Verbose records.
  returned: when the job ended and V(verbose) is in O(streams)
  type: list
  elements: str
  sample: []
progress_records:
  description: Progress records.
  returned: when the job ended and V(progress) is in O(streams)
  type: list
  elements: str
  sample: []
debug_records:
  description: Debug records.
  returned: when the job ended and V(debug) is in O(streams)
  type: list
  elements: str
  sample: []
'''

import uuid

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import flow

ARGSPEC = au.account_argspec()
ARGSPEC.update(
    runbook=dict(type="str", required=True),
    parameters=dict(type="dict", default={}),
    run_on=dict(type="str"),
    job_name=dict(type="str"),
    streams=dict(type="list", elements="str", choices=list(au.STREAM_CHOICES),
                 default=["output", "warning", "error"]),
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=600),
)

RESULT_KEYS = {"output": "output", "warnings": "warning_records", "errors": "error_records",
               "verbose": "verbose_records", "progress": "progress_records", "debug": "debug_records"}


def job_runbook(job):
    return (au.props(job).get("runbook") or {}).get("name")


class RunbookJob(flow.Resource):
    """A job of a runbook (``Microsoft.Automation/automationAccounts/jobs``). A job is created, never updated:
    read() is the job called ``job_name`` (None before it is started), and a plan either starts it (CREATE) or
    does nothing. In check mode no job is started and none is predicted (``job`` is empty)."""

    result_key = "job"
    has_diff = False  # a job has no before and after

    def __init__(self, m):
        super(RunbookJob, self).__init__(m)
        p = self.params
        self.rg, self.account, self.runbook = au.check_account_options(p, "runbook", "runbook")
        if p["timeout"] is not None and p["timeout"] < 0:
            raise ModuleError("timeout must be 0 or more seconds", option="timeout")
        self.parameters = au.job_parameters(p["parameters"])
        self.name = p["job_name"] or str(uuid.uuid4())
        self.client = m.automation_client()
        self.applied = False
        self.job = None         # the job as apply() last saw it
        self.timed_out = False

    def _get(self):
        return au.read(self.client.job.get, self.rg, self.account, self.name)

    def _wait(self, job):
        """Wait for ``job`` to end (with ``wait``); remembers whether the wait timed out."""
        if self.params["wait"] and au.job_status(job) not in au.JOB_TERMINAL:
            job, self.timed_out = au.wait_for_job(self._get, self.params["timeout"])
        return job

    def _runs_other_runbook(self, job):
        other = job_runbook(job)
        return bool(other) and other.lower() != self.runbook.lower()

    def read(self):
        """The job called ``job_name``, or None (always None before this task starts one without a name). An
        existing job of this runbook is waited for here with ``wait`` (a read: nothing is started), so a retried
        task returns the job as it ends.

        After apply() the job is the one Azure last answered with: the create's answer with ``wait=false`` (the
        job goes on by itself, so a later read could already show it further on), the last poll with ``wait``
        (so a timed-out wait reports the status it timed out on)."""
        if self.applied:
            return self.job
        if not self.params["job_name"]:
            return None
        job = self._get()
        if job is not None and not self.m.check_mode and not self._runs_other_runbook(job):
            job = self._wait(job)
        return job

    def facts(self, obj):
        return au.job_facts(obj, self.name) or {}

    def diffable(self, facts):
        # a job is an event, not declared state: --diff shows nothing
        return {}

    def desired(self, current):
        if current is not None:
            if self._runs_other_runbook(current):
                raise ModuleError("job %s exists but runs runbook %s, not %s"
                                  % (self.name, job_runbook(current), self.runbook), option="job_name")
            return None
        runbook = au.read(self.client.runbook.get, self.rg, self.account, self.runbook)
        if runbook is None:
            if self.m.check_mode:
                self.m.warn("runbook %s does not exist in account %s (yet): the prediction assumes an earlier task "
                            "creates it" % (self.runbook, self.account))
                return {}
            raise ModuleError("runbook %s was not found in Automation account %s (resource group %s)"
                              % (self.runbook, self.account, self.rg), status=404, option="runbook",
                              hint="Create and publish it first (m365.exo_automation.runbook).")
        if au.enum_text(au.props(runbook).get("state")) == "New":
            if self.m.check_mode:
                self.m.warn("runbook %s has never been published: the prediction assumes an earlier task publishes it"
                            % self.runbook)
                return {}
            raise ModuleError("runbook %s has never been published, so no job can run it" % self.runbook,
                              option="runbook", hint="Publish it (m365.exo_automation.runbook with publish=true).")
        au.check_job_parameters(au.props(runbook).get("parameters"), self.parameters, self.runbook)
        return {"properties": {"runbook": {"name": self.runbook}, "parameters": self.parameters,
                               "runOn": self.params["run_on"] or ""}}

    def plan(self, current, desired):
        if desired is None:  # the job exists: it is read, not started again
            return flow.Plan()
        # the job's id, status and output exist only once it runs: check mode predicts no job
        return flow.Plan(flow.CREATE, None, {"properties": desired.get("properties") or {}})

    def apply(self, plan):
        self.applied = True
        job = au.to_dict(self.client.job.create(self.rg, self.account, self.name, plan.body))
        self.job = self._wait(job)

    def extra(self, plan, after):
        if after is None:  # check mode: nothing started
            return {}
        facts = self.facts(after)
        result = {"job_id": facts["job_id"], "status": facts["status"], "exception": facts["exception"]}
        ended = au.job_status(after) in au.JOB_TERMINAL
        if ended:
            c, rg, account, name = self.client, self.rg, self.account, self.name
            items = au.read_list(c.job_stream.list_by_job, rg, account, name)
            streams = au.read_streams(items, lambda sid: au.read(c.job_stream.get, rg, account, name, sid),
                                      self.params["streams"])
            for key, values in streams.items():
                result[RESULT_KEYS[key]] = values
        if self.m.check_mode:
            return result
        # a failed task returns what a successful one does, at the top level; the job's exception text also
        # under job_exception, since Ansible puts a traceback in the 'exception' of a failed result
        failed = dict(result, job=facts, changed=plan.changed, job_exception=result["exception"])
        if self.timed_out:
            raise ModuleError("job %s of runbook %s is still %s after %d s; it keeps running in Azure"
                              % (self.name, self.runbook, result["status"], self.params["timeout"]),
                              result=failed, hint="Raise timeout, or read the job later with job_name=%s." % self.name)
        if ended and result["status"] not in au.JOB_DONE:
            errors = result.get("error_records") or []
            reason = result["exception"] or "; ".join(errors) or "Azure gave no error text"
            raise ModuleError("job %s of runbook %s ended %s: %s" % (self.name, self.runbook, result["status"], reason),
                              result=failed, hint=au.job_hint(result["exception"], *errors))
        return result


def main():
    flow.main(ARGSPEC, RunbookJob)


if __name__ == "__main__":
    main()
