# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Automation account content on top of the shared ARM fake: modules, runtime environments and packages,
runbooks (draft, publish, test job) and jobs with their streams.

Imports and jobs are scripted: ``fake.import_states`` is the provisioningState sequence each import goes through
(one step per read); ``fake.failing`` names imports that end ``Failed``; ``fake.job_outcome(runbook, content,
parameters)`` returns ``(status, exception, [(stream type, text), ...])`` and ``fake.job_polls`` is the number of
reads a job stays ``Running``. Waiting uses module_utils.waiting's clock, which ``install`` replaces with a fake
one that records the delays in ``fake.sleeps``.

    fake = FakeAutomation.install(monkeypatch)
    fake.add_group("rg"); fake.add_account("rg", "aa-exo-automation")
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ansible_collections.m365.exo_automation.tests.unit.azure_fake import FakeAzure, _Poller, account_id
from ansible_collections.m365.exo_automation.tests.unit.utils import install_clock

GLOBAL_MODULES = {"PackageManagement": "1.0.0.1", "PowerShellGet": "1.0.0.1"}


def _missing(what):
    raise ResourceNotFoundError("%s was not found" % what)


class _Import:
    """Scripted import progress of one module or package record."""

    def __init__(self, fake, name, link):
        self.states = list(fake.import_states)
        self.failed = name in fake.failing
        self.version = link.get("version") or fake.latest.get(name, "1.0.0")

    def advance(self, props):
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        if state == "Succeeded" and self.failed:
            state = "Failed"
        props["provisioningState"] = state
        if state == "Succeeded":
            props["version"] = self.version
            props["error"] = {"code": None, "message": None}
        elif state == "Failed":
            props["version"] = None
            props["error"] = {"code": "ModuleImportFailed",
                              "message": "Cannot import the module, as the module structure was invalid."}


class _Group:
    def __init__(self, fake):
        self.fake = fake


class _Modules(_Group):
    def _account(self, rg, account):
        if account_id(rg, account).lower() not in self.fake.accounts:
            _missing("account %s" % account)
        return account_id(rg, account)

    def get(self, rg, account, name):
        aid = self._account(rg, account)
        rec = self.fake.modules.get((aid.lower(), name.lower()))
        if rec is None:
            if name in GLOBAL_MODULES:
                return {"id": "%s/modules/%s" % (aid, name), "name": name,
                        "properties": {"isGlobal": True, "version": GLOBAL_MODULES[name], "provisioningState": "Created"}}
            _missing("module %s" % name)
        self.fake.advance(rec)
        return copy.deepcopy(rec["obj"])

    def create_or_update(self, rg, account, name, body):
        aid = self._account(rg, account)
        self.fake.write("PUT", "%s/modules/%s" % (aid, name), body)
        link = body["properties"]["contentLink"]
        rec = {"obj": {"id": "%s/modules/%s" % (aid, name), "name": name, "location": body.get("location"),
                       "properties": {"isGlobal": False, "provisioningState": "Creating", "version": None,
                                      "contentLink": None}},
               "import": _Import(self.fake, name, link)}
        self.fake.modules[(aid.lower(), name.lower())] = rec
        return copy.deepcopy(rec["obj"])

    def delete(self, rg, account, name):
        aid = self._account(rg, account)
        self.fake.write("DELETE", "%s/modules/%s" % (aid, name), None)
        self.fake.modules.pop((aid.lower(), name.lower()), None)

    def list_by_automation_account(self, rg, account):
        aid = self._account(rg, account)
        out = [self.get(rg, account, n) for n in GLOBAL_MODULES if (aid.lower(), n.lower()) not in self.fake.modules]
        for (acc, _n), rec in sorted(self.fake.modules.items()):
            if acc == aid.lower():
                self.fake.advance(rec)
                out.append(copy.deepcopy(rec["obj"]))
        return out


class _Environments(_Group):
    def get(self, rg, account, name):
        aid = account_id(rg, account)
        if aid.lower() not in self.fake.accounts:
            _missing("account %s" % account)
        env = self.fake.environments.get((aid.lower(), name.lower()))
        if env is None:
            _missing("runtime environment %s" % name)
        return copy.deepcopy(env)

    def create(self, rg, account, name, body):
        aid = account_id(rg, account)
        rid = "%s/runtimeEnvironments/%s" % (aid, name)
        self.fake.write("PUT", rid, body)
        env = {"id": rid, "name": name, "location": body.get("location"), "tags": body.get("tags") or {},
               "properties": copy.deepcopy(body["properties"])}
        self.fake.environments[(aid.lower(), name.lower())] = env
        return copy.deepcopy(env)

    def update(self, rg, account, name, body):
        aid = account_id(rg, account)
        self.fake.write("PATCH", "%s/runtimeEnvironments/%s" % (aid, name), body)
        env = self.fake.environments[(aid.lower(), name.lower())]
        env["properties"].update(copy.deepcopy(body["properties"]))
        return copy.deepcopy(env)

    def delete(self, rg, account, name):
        aid = account_id(rg, account)
        self.fake.write("DELETE", "%s/runtimeEnvironments/%s" % (aid, name), None)
        self.fake.environments.pop((aid.lower(), name.lower()), None)
        for key in [k for k in self.fake.packages if k[:2] == (aid.lower(), name.lower())]:
            self.fake.packages.pop(key)

    def list_by_automation_account(self, rg, account):
        aid = account_id(rg, account)
        return [copy.deepcopy(v) for k, v in sorted(self.fake.environments.items()) if k[0] == aid.lower()]


class _Packages(_Group):
    def _env(self, rg, account, env):
        self.fake.automation.runtime_environments.get(rg, account, env)
        return account_id(rg, account).lower(), env.lower()

    def get(self, rg, account, env, name):
        key = self._env(rg, account, env) + (name.lower(),)
        rec = self.fake.packages.get(key)
        if rec is None:
            _missing("package %s" % name)
        self.fake.advance(rec)
        return copy.deepcopy(rec["obj"])

    def create_or_update(self, rg, account, env, name, body):
        key = self._env(rg, account, env) + (name.lower(),)
        rid = "%s/runtimeEnvironments/%s/packages/%s" % (account_id(rg, account), env, name)
        self.fake.write("PUT", rid, body)
        rec = {"obj": {"id": rid, "name": name, "properties": {"default": False, "provisioningState": "Creating"}},
               "import": _Import(self.fake, name, body["properties"]["contentLink"])}
        self.fake.packages[key] = rec
        return copy.deepcopy(rec["obj"])

    def delete(self, rg, account, env, name):
        key = self._env(rg, account, env) + (name.lower(),)
        self.fake.write("DELETE", "%s/runtimeEnvironments/%s/packages/%s" % (account_id(rg, account), env, name),
                        None)
        self.fake.packages.pop(key, None)

    def list_by_runtime_environment(self, rg, account, env):
        prefix = self._env(rg, account, env)
        out = []
        for key, rec in sorted(self.fake.packages.items()):
            if key[:2] == prefix:
                self.fake.advance(rec)
                out.append(copy.deepcopy(rec["obj"]))
        return out


class _Runbooks(_Group):
    def _rec(self, rg, account, name):
        aid = account_id(rg, account)
        if aid.lower() not in self.fake.accounts:
            _missing("account %s" % account)
        rec = self.fake.runbooks.get((aid.lower(), name.lower()))
        if rec is None:
            _missing("runbook %s" % name)
        return rec

    def get(self, rg, account, name):
        return copy.deepcopy(self._rec(rg, account, name)["obj"])

    def create_or_update(self, rg, account, name, body):
        aid = account_id(rg, account)
        rid = "%s/runbooks/%s" % (aid, name)
        self.fake.write("PUT", rid, body)
        props = dict((k, v) for k, v in body["properties"].items() if k != "draft")
        props.update(state="New", parameters={})
        rec = {"obj": {"id": rid, "name": name, "location": body.get("location"), "tags": body.get("tags") or {},
                       "properties": props},
               "published": None, "draft": ""}
        self.fake.runbooks[(aid.lower(), name.lower())] = rec
        return copy.deepcopy(rec["obj"])

    def update(self, rg, account, name, body):
        rec = self._rec(rg, account, name)
        self.fake.write("PATCH", rec["obj"]["id"], body)
        rec["obj"]["properties"].update(copy.deepcopy(body.get("properties") or {}))
        if "tags" in body:
            rec["obj"]["tags"] = dict(body["tags"])
        return copy.deepcopy(rec["obj"])

    def delete(self, rg, account, name):
        rec = self._rec(rg, account, name)
        self.fake.write("DELETE", rec["obj"]["id"], None)
        self.fake.runbooks.pop((account_id(rg, account).lower(), name.lower()))

    def list_by_automation_account(self, rg, account):
        aid = account_id(rg, account).lower()
        return [copy.deepcopy(v["obj"]) for k, v in sorted(self.fake.runbooks.items()) if k[0] == aid]

    def get_content(self, rg, account, name):
        rec = self._rec(rg, account, name)
        if rec["published"] is None:
            _missing("published content of %s" % name)
        return rec["published"]

    def begin_publish(self, rg, account, name):
        rec = self._rec(rg, account, name)
        self.fake.write("POST", rec["obj"]["id"] + "/publish", None)
        rec["published"] = rec["draft"]
        rec["obj"]["properties"]["state"] = "Published"
        rec["obj"]["properties"]["parameters"] = self.fake.parameters_of(rec["draft"])
        return _Poller()


class _Drafts(_Group):
    def get_content(self, rg, account, name):
        rec = self.fake.automation.runbook._rec(rg, account, name)
        return rec["draft"]

    def begin_replace_content(self, rg, account, name, content):
        rec = self.fake.automation.runbook._rec(rg, account, name)
        self.fake.write("PUT", rec["obj"]["id"] + "/draft/content", content)
        rec["draft"] = content
        if rec["obj"]["properties"]["state"] == "Published":
            rec["obj"]["properties"]["state"] = "Edit"
        return _Poller()


class _Jobs(_Group):
    """Jobs, and test jobs (one per runbook, keyed ``test:<runbook>``)."""

    def _start(self, key, runbook, content, parameters, rid, body):
        self.fake.write("PUT", rid, body)
        status, exception, streams = self.fake.job_outcome(runbook, content, parameters)
        self.fake.jobs[key] = {"polls": self.fake.job_polls, "status": status, "exception": exception,
                               "streams": streams, "runbook": runbook, "parameters": parameters, "id": rid}

    def _view(self, key):
        job = self.fake.jobs.get(key)
        if job is None:
            _missing("job %s" % key)
        if job["polls"] > 0:
            job["polls"] -= 1
            return "Running", None
        return job["status"], job["exception"]

    def create(self, rg, account, name, body):  # name: the job's name (the runbook's for test jobs)
        runbook = body["properties"]["runbook"]["name"]
        rec = self.fake.automation.runbook._rec(rg, account, runbook)
        rid = "%s/jobs/%s" % (account_id(rg, account), name)
        self._start(name, runbook, rec["published"], body["properties"].get("parameters") or {}, rid, body)
        return self.get(rg, account, name)

    def get(self, rg, account, name):
        status, exception = self._view(name)
        job = self.fake.jobs[name]
        return {"id": job["id"], "name": name,
                "properties": {"jobId": "job-" + name, "runbook": {"name": job["runbook"]}, "status": status,
                               "exception": exception, "parameters": job["parameters"], "runOn": ""}}


class _TestJobs(_Jobs):
    def create(self, rg, account, name, body):
        rec = self.fake.automation.runbook._rec(rg, account, name)
        self._start("test:" + name, name, rec["draft"], body.get("parameters") or {},
                    rec["obj"]["id"] + "/draft/testJob", body)
        return self.get(rg, account, name)

    def get(self, rg, account, name):
        status, exception = self._view("test:" + name)
        return {"status": status, "exception": exception}


class _Streams(_Group):
    def __init__(self, fake, prefix=""):
        super(_Streams, self).__init__(fake)
        self.prefix = prefix

    def _job(self, name):
        return self.fake.jobs[self.prefix + name]

    def list_by_job(self, rg, account, name, **kwargs):
        job = self._job(name)
        # summaries only, as Azure lists them; the text comes with get()
        return [{"id": "%s/streams/%d" % (job["id"], i),
                 "properties": {"jobStreamId": str(i), "streamType": kind, "summary": None}}
                for i, (kind, _text) in enumerate(job["streams"])]

    list_by_test_job = list_by_job

    def get(self, rg, account, name, stream_id):
        self.fake.stream_reads += 1
        kind, text = self._job(name)["streams"][int(stream_id)]
        return {"properties": {"jobStreamId": stream_id, "streamType": kind, "streamText": text}}


class FakeAutomation(FakeAzure):
    def __init__(self):
        super(FakeAutomation, self).__init__()
        self.modules = {}
        self.environments = {}
        self.packages = {}
        self.runbooks = {}
        self.jobs = {}
        self.import_states = ["Creating", "ContentDownloaded", "Succeeded"]
        self.failing = set()
        self.latest = {"ExchangeOnlineManagement": "3.7.2"}
        self.job_polls = 1
        self.stream_reads = 0
        self.sleeps = []
        self.job_outcome = lambda runbook, content, parameters: ("Completed", None, [("Output", "done")])
        a = self.automation
        a.module = _Modules(self)
        a.runtime_environments = _Environments(self)
        a.package = _Packages(self)
        a.runbook = _Runbooks(self)
        a.runbook_draft = _Drafts(self)
        a.job = _Jobs(self)
        a.job_stream = _Streams(self)
        a.test_job = _TestJobs(self)
        a.test_job_streams = _Streams(self, prefix="test:")

    def advance(self, rec):
        imp = rec.get("import")
        if imp is not None:
            imp.advance(rec["obj"]["properties"])
            if rec["obj"]["properties"]["provisioningState"] in ("Succeeded", "Failed"):
                rec["import"] = None

    @staticmethod
    def parameters_of(content):
        """The declared parameters of ``param([Parameter(Mandatory)][string]$X, $Y)`` scripts, enough for tests."""
        import re

        match = re.search(r"(?is)\bparam\s*\((.*?)\)\s*\n", content or "")
        out = {}
        if not match:
            return out
        for part in match.group(1).split(","):
            names = [n for n in re.findall(r"\$(\w+)", part) if n.lower() not in ("true", "false", "null")]
            if names:
                out[names[-1]] = {"type": "System.String", "isMandatory": "Mandatory" in part}
        return out

    # -- seeding (not recorded as writes) ---------------------------------------------------------
    def add_module(self, rg, account, name, version, state="Succeeded"):
        aid = account_id(rg, account)
        self.modules[(aid.lower(), name.lower())] = {
            "obj": {"id": "%s/modules/%s" % (aid, name), "name": name,
                    "properties": {"isGlobal": False, "version": version, "provisioningState": state,
                                   "error": {"code": None, "message": "boom" if state == "Failed" else None}}},
            "import": None}

    def add_environment(self, rg, account, name, version="7.4", description=None, default_packages=None):
        aid = account_id(rg, account)
        props = {"runtime": {"language": "PowerShell", "version": version},
                 "defaultPackages": dict(default_packages or {})}
        if description:
            props["description"] = description
        self.environments[(aid.lower(), name.lower())] = {"id": "%s/runtimeEnvironments/%s" % (aid, name),
                                                          "name": name, "location": "westeurope", "properties": props}

    def add_package(self, rg, account, env, name, version, state="Succeeded", default=False):
        aid = account_id(rg, account)
        self.packages[(aid.lower(), env.lower(), name.lower())] = {
            "obj": {"id": "%s/runtimeEnvironments/%s/packages/%s" % (aid, env, name), "name": name,
                    "properties": {"default": default, "version": version, "provisioningState": state}},
            "import": None}

    def add_runbook(self, rg, account, name, content, state="Published", runbook_type="PowerShell",
                    runtime_environment=None, draft=None, **props):
        aid = account_id(rg, account)
        properties = {"runbookType": runbook_type, "state": state, "logProgress": False, "logVerbose": False,
                      "parameters": self.parameters_of(content)}
        if runtime_environment:
            properties["runtimeEnvironment"] = runtime_environment
        properties.update(props)
        self.runbooks[(aid.lower(), name.lower())] = {
            "obj": {"id": "%s/runbooks/%s" % (aid, name), "name": name, "location": "westeurope", "tags": {},
                    "properties": properties},
            "published": content if state != "New" else None,
            "draft": draft if draft is not None else content,
        }

    @classmethod
    def install(cls, monkeypatch):
        fake = super(FakeAutomation, cls).install(monkeypatch)
        clock = install_clock(monkeypatch)
        clock.sleeps = fake.sleeps
        return fake


__all__ = ["FakeAutomation", "HttpResponseError"]
