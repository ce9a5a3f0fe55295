# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schedules, job schedules (runbook links), webhooks and variables on top of the Automation fake, with the
Azure behaviour the modules rely on:

- schedule times are kept to the minute; an unset expiry reads as 9999-12-31; a PUT leaves ``isEnabled`` alone and
  is refused with a start time less than 5 minutes after ``fake.now``; deleting a schedule deletes its links;
- a job schedule is immutable: a second link of the same runbook and schedule is a conflict (409);
- a webhook's URI is shown only by ``generate_uri``; reads show ``""``; a PUT over an existing webhook is a
  conflict (as Azure answers a second create), so updates must PATCH;
- variable values are JSON text, hidden when encrypted; the encryption of an existing variable cannot change.

    fake = FakeAssets.install(monkeypatch)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import uuid

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets
from ansible_collections.m365.exo_automation.tests.unit.automation_fake import FakeAutomation
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import account_id

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
NO_EXPIRY = "9999-12-31T23:59:59.9999999+00:00"


def _missing(what):
    raise ResourceNotFoundError("%s was not found" % what)


def _minute(text):
    stamp = assets.parse_time(text)
    return stamp.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class _Store:
    def __init__(self, fake, kind, store):
        self.fake = fake
        self.kind = kind
        self.store = store

    def _aid(self, rg, account):
        aid = account_id(rg, account)
        if aid.lower() not in self.fake.accounts:
            _missing("account %s" % account)
        return aid

    def _key(self, rg, account, name):
        return (self._aid(rg, account).lower(), name.lower())

    def _rid(self, rg, account, name):
        return "%s/%s/%s" % (account_id(rg, account), self.kind, name)

    def _view(self, item):
        return copy.deepcopy(dict((k, v) for k, v in item.items() if not k.startswith("_")))

    def get(self, rg, account, name):
        item = self.store.get(self._key(rg, account, name))
        if item is None:
            _missing("%s %s" % (self.kind, name))
        return self._view(item)

    def list_by_automation_account(self, rg, account, **kwargs):
        aid = self._aid(rg, account).lower()
        return [self._view(v) for k, v in sorted(self.store.items()) if k[0] == aid]

    def delete(self, rg, account, name):
        key = self._key(rg, account, name)
        if key not in self.store:
            _missing("%s %s" % (self.kind, name))
        self.fake.write("DELETE", self._rid(rg, account, name), None)
        return self.store.pop(key)


class _Schedules(_Store):
    def create_or_update(self, rg, account, name, body):
        key = self._key(rg, account, name)
        self.fake.write("PUT", self._rid(rg, account, name), body)
        props = body["properties"]
        if assets.parse_time(props["startTime"]) < self.fake.now + datetime.timedelta(minutes=5):
            raise HttpResponseError("The start time of the schedule must be at least 5 minutes after the time you "
                                    "create the schedule.")
        item = self.store.get(key) or {"id": self._rid(rg, account, name), "name": name,
                                       "properties": {"isEnabled": True, "creationTime": "2030-01-01T12:00:00+00:00"}}
        p = item["properties"]
        for k in ("description", "frequency", "interval", "timeZone", "advancedSchedule"):
            p.pop(k, None)
        p.update(copy.deepcopy(dict((k, v) for k, v in props.items() if k in (
            "description", "frequency", "interval", "timeZone", "advancedSchedule"))))
        p["startTime"] = p["nextRun"] = _minute(props["startTime"])
        p["expiryTime"] = _minute(props["expiryTime"]) if props.get("expiryTime") else NO_EXPIRY
        p["lastModifiedTime"] = "2030-01-01T12:00:00+00:00"
        self.store[key] = item
        return self._view(item)

    def update(self, rg, account, name, body):
        key = self._key(rg, account, name)
        if key not in self.store:
            _missing("schedule %s" % name)
        self.fake.write("PATCH", self._rid(rg, account, name), body)
        p = self.store[key]["properties"]
        for k in ("description", "isEnabled"):
            if body["properties"].get(k) is not None:
                p[k] = body["properties"][k]
        return self._view(self.store[key])

    def delete(self, rg, account, name):
        super(_Schedules, self).delete(rg, account, name)
        aid = account_id(rg, account).lower()
        for key, link in list(self.fake.job_schedules.items()):
            if key[0] == aid and link["properties"]["schedule"]["name"].lower() == name.lower():
                self.fake.job_schedules.pop(key)


class _JobSchedules(_Store):
    def create(self, rg, account, job_schedule_id, body):
        uuid.UUID(job_schedule_id)
        aid = self._aid(rg, account)
        self.fake.write("PUT", self._rid(rg, account, job_schedule_id), body)
        props = body["properties"]
        schedule = self.fake.automation.schedule.get(rg, account, props["schedule"]["name"])
        runbook = self.fake.automation.runbook.get(rg, account, props["runbook"]["name"])
        for (acc, _id), link in self.store.items():
            lp = link["properties"]
            if acc == aid.lower() and lp["schedule"]["name"].lower() == schedule["name"].lower() \
                    and lp["runbook"]["name"].lower() == runbook["name"].lower():
                raise ResourceExistsError("A job schedule for the same runbook and schedule already exists.")
        item = {"id": self._rid(rg, account, job_schedule_id), "name": job_schedule_id,
                "properties": {"jobScheduleId": job_schedule_id, "schedule": {"name": schedule["name"]},
                               "runbook": {"name": runbook["name"]},
                               "parameters": copy.deepcopy(props.get("parameters") or {})}}
        if props.get("runOn"):
            item["properties"]["runOn"] = props["runOn"]
        self.store[(aid.lower(), job_schedule_id)] = item
        return self._view(item)


class _Webhooks(_Store):
    def generate_uri(self, rg, account):
        self._aid(rg, account)
        self.fake.write("POST", account_id(rg, account) + "/webhooks/generateUri", None)
        uri = "https://%s.webhook.we.azure-automation.net/webhooks?token=secret-%d" % (
            uuid.uuid4(), len(self.fake.uris) + 1)
        self.fake.uris.append(uri)
        return uri

    def create_or_update(self, rg, account, name, body):
        key = self._key(rg, account, name)
        self.fake.write("PUT", self._rid(rg, account, name), body)
        if key in self.store:
            raise ResourceExistsError("A webhook with the name %s already exists." % name)
        props = body["properties"]
        if not props.get("uri"):
            raise HttpResponseError("The uri of the webhook is required.")
        runbook = self.fake.automation.runbook.get(rg, account, props["runbook"]["name"])
        item = {"id": self._rid(rg, account, name), "name": name, "_uri": props["uri"], "properties": {
            "isEnabled": bool(props.get("isEnabled")), "uri": "", "expiryTime": props["expiryTime"],
            "runbook": {"name": runbook["name"]}, "parameters": copy.deepcopy(props.get("parameters")) or None,
            "runOn": props.get("runOn") or None, "lastInvokedTime": None,
            "creationTime": "2030-01-01T12:00:00+00:00", "lastModifiedTime": "2030-01-01T12:00:00+00:00"}}
        self.store[key] = item
        return self._view(item)

    def update(self, rg, account, name, body):
        key = self._key(rg, account, name)
        if key not in self.store:
            _missing("webhook %s" % name)
        self.fake.write("PATCH", self._rid(rg, account, name), body)
        p = self.store[key]["properties"]
        for k in ("isEnabled", "parameters", "runOn", "description"):
            if body["properties"].get(k) is not None:
                p[k] = copy.deepcopy(body["properties"][k])
        return self._view(self.store[key])


class _Variables(_Store):
    def _view(self, item):
        view = super(_Variables, self)._view(item)
        if not item["properties"]["isEncrypted"]:
            view["properties"]["value"] = item["_value"]
        return view

    def create_or_update(self, rg, account, name, body):
        key = self._key(rg, account, name)
        self.fake.write("PUT", self._rid(rg, account, name), body)
        props = body["properties"]
        existing = self.store.get(key)
        if existing is not None and props.get("isEncrypted") is not None \
                and bool(props["isEncrypted"]) != existing["properties"]["isEncrypted"]:
            raise HttpResponseError("The encryption of an existing variable cannot be changed.")
        item = existing or {"id": self._rid(rg, account, name), "name": name, "properties": {
            "isEncrypted": bool(props.get("isEncrypted")), "creationTime": "2030-01-01T12:00:00+00:00"}}
        item["_value"] = props["value"]
        if props.get("description") is not None:
            item["properties"]["description"] = props["description"]
        item["properties"]["lastModifiedTime"] = "2030-01-01T12:00:00+00:00"
        self.store[key] = item
        return self._view(item)

    def update(self, rg, account, name, body):
        key = self._key(rg, account, name)
        if key not in self.store:
            _missing("variable %s" % name)
        self.fake.write("PATCH", self._rid(rg, account, name), body)
        props = body["properties"]
        if "value" in props:
            self.store[key]["_value"] = props["value"]
        if props.get("description") is not None:
            self.store[key]["properties"]["description"] = props["description"]
        return self._view(self.store[key])


class FakeAssets(FakeAutomation):
    def __init__(self):
        super(FakeAssets, self).__init__()
        self.now = NOW
        self.schedules = {}
        self.job_schedules = {}
        self.webhooks = {}
        self.variables = {}
        self.uris = []
        a = self.automation
        a.schedule = _Schedules(self, "schedules", self.schedules)
        a.job_schedule = _JobSchedules(self, "jobSchedules", self.job_schedules)
        a.webhook = _Webhooks(self, "webhooks", self.webhooks)
        a.variable = _Variables(self, "variables", self.variables)

    # -- seeding (not recorded as writes) ---------------------------------------------------------
    def add_schedule(self, rg, account, name, start, frequency="Day", interval=1, expiry=None, time_zone="UTC",
                     enabled=True, **properties):
        aid = account_id(rg, account)
        props = {"startTime": start, "nextRun": start, "expiryTime": expiry or NO_EXPIRY, "frequency": frequency,
                 "timeZone": time_zone, "isEnabled": enabled, "creationTime": "2029-12-01T00:00:00+00:00"}
        if frequency != "OneTime":
            props["interval"] = interval
        props.update(properties)
        self.schedules[(aid.lower(), name.lower())] = {"id": "%s/schedules/%s" % (aid, name), "name": name,
                                                       "properties": props}

    def add_link(self, rg, account, schedule, runbook, parameters=None, run_on=None):
        aid = account_id(rg, account)
        link_id = str(uuid.uuid4())
        props = {"jobScheduleId": link_id, "schedule": {"name": schedule}, "runbook": {"name": runbook},
                 "parameters": dict(parameters or {})}
        if run_on:
            props["runOn"] = run_on
        self.job_schedules[(aid.lower(), link_id)] = {"id": "%s/jobSchedules/%s" % (aid, link_id), "name": link_id,
                                                      "properties": props}
        return link_id

    def add_webhook(self, rg, account, name, runbook, expiry="2031-01-01T00:00:00.1234567+00:00", enabled=True,
                    parameters=None, run_on=None):
        aid = account_id(rg, account)
        self.webhooks[(aid.lower(), name.lower())] = {
            "id": "%s/webhooks/%s" % (aid, name), "name": name, "_uri": "https://old.example/webhooks?token=old",
            "properties": {"isEnabled": enabled, "uri": "", "expiryTime": expiry, "runbook": {"name": runbook},
                           "parameters": dict(parameters) if parameters else None, "runOn": run_on,
                           "lastInvokedTime": None, "creationTime": "2029-06-01T00:00:00+00:00",
                           "lastModifiedTime": "2029-06-01T00:00:00+00:00"}}

    def add_variable(self, rg, account, name, text, encrypted=False, description=None):
        aid = account_id(rg, account)
        props = {"isEncrypted": encrypted, "creationTime": "2029-06-01T00:00:00+00:00"}
        if description:
            props["description"] = description
        self.variables[(aid.lower(), name.lower())] = {"id": "%s/variables/%s" % (aid, name), "name": name,
                                                       "_value": text, "properties": props}

    def links(self, schedule=None):
        out = [copy.deepcopy(v["properties"]) for v in self.job_schedules.values()]
        if schedule:
            out = [p for p in out if p["schedule"]["name"].lower() == schedule.lower()]
        return sorted(out, key=lambda p: p["runbook"]["name"].lower())

    @classmethod
    def install(cls, monkeypatch):
        fake = super(FakeAssets, cls).install(monkeypatch)
        monkeypatch.setattr(assets, "utcnow", lambda: fake.now)
        return fake


__all__ = ["FakeAssets", "NO_EXPIRY", "NOW"]
