#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_schedule
short_description: Manage Azure Automation schedules and the runbooks linked to them
version_added: 0.1.0
description:
  - Creates, updates and deletes a schedule of an Automation account, and links runbooks to it with the parameters
    and hybrid worker group of the jobs it starts (job schedules).
  - The schedule is compared by value with what Azure holds, times in UTC and to the minute (Azure keeps schedule
    times to the minute), so an unchanged schedule is C(changed=false) whatever offset its times are written with.
  - Azure takes the recurrence (O(start_time), O(expiry_time), O(frequency), O(interval), O(time_zone) and the
    advanced schedule) only with a start time at least 5 minutes in the future. This is checked before anything is
    written; O(description) and O(is_enabled) can change at any time.
  - A runbook link cannot change in Azure, so a link whose parameters or O(runbooks[].run_on) differ is deleted and
    created again.
options:
  name:
    description: Name of the schedule.
    type: str
    required: true
  description:
    description: Description of the schedule. Leave unset to keep the current one.
    type: str
  start_time:
    description:
      - When the schedule starts, in ISO 8601 (V(2030-06-01T08:00:00Z), V(2030-06-01T10:00:00+02:00)). Without
        an offset the time is UTC.
      - Required to create the schedule, and then at least 5 minutes in the future. Give a fixed time, not one
        computed from the current time, or every run changes the schedule.
      - On an existing schedule, leave it unset (or give the time it was created with) to keep it. The recurrence
        of an existing schedule can change only together with a new start time at least 5 minutes in the future.
    type: str
  expiry_time:
    description:
      - When the schedule expires, in ISO 8601, or V(never).
      - Unset keeps the current expiry time (V(never) on create).
    type: str
  frequency:
    description:
      - How often the schedule runs. Required to create the schedule; unset keeps the current frequency.
    type: str
    choices: [OneTime, Day, Hour, Week, Month, Minute]
  interval:
    description:
      - Every how many O(frequency) units it runs (V(1) on create). At least 15 for V(Minute). Not allowed with
        V(OneTime).
    type: int
  time_zone:
    description:
      - Time zone the recurrence follows (daylight saving time), such as V(Europe/Berlin) or V(UTC). It does not
        change the meaning of O(start_time), which carries its own offset.
      - Unset keeps the current time zone (V(UTC) on create).
    type: str
  week_days:
    description:
      - Days of the week a V(Week) schedule runs on. An empty list removes them.
    type: list
    elements: str
    choices: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
  month_days:
    description:
      - Days of the month (V(1) to V(31), V(-1) for the last day) a V(Month) schedule runs on. An empty list removes
        them.
    type: list
    elements: int
  monthly_occurrences:
    description:
      - Weekdays of a V(Month) schedule by their occurrence in the month, such as the first Monday.
    type: list
    elements: dict
    suboptions:
      occurrence:
        description: Which occurrence in the month, V(1) to V(5), or V(-1) for the last.
        type: int
        required: true
      day:
        description: The weekday.
        type: str
        required: true
        choices: [Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday]
  is_enabled:
    description: Whether the schedule starts jobs. Unset keeps the current setting (V(true) on create).
    type: bool
  runbooks:
    description:
      - Runbooks the schedule starts, each with the parameters of its jobs. Unset leaves the links alone.
      - The runbooks must exist and be published; the parameters are checked against the ones they declare.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the runbook.
        type: str
        required: true
      parameters:
        description: Parameters of the jobs, name to value. Values that are not strings are passed as JSON.
        type: dict
        default: {}
      run_on:
        description: Name of a hybrid runbook worker group to run on. Unset runs the jobs in Azure.
        type: str
  exclusive:
    description:
      - Remove the links of this schedule to runbooks that are not in O(runbooks).
      - With O(runbooks=[]), every link of the schedule is removed.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the schedule, V(absent) deletes it (Azure deletes its runbook links with it).
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
  - In check mode a missing Automation account or runbook is reported with a warning, so that a whole setup can be
    audited before they exist.
seealso:
  - module: m365.exo_automation.automation_schedule_info
  - module: m365.exo_automation.runbook
  - module: m365.exo_automation.automation_webhook
  - name: Manage schedules in Azure Automation
    description: Microsoft's guide.
    link: https://learn.microsoft.com/azure/automation/shared-resources/schedules
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Every weekday at 06:00 Berlin time, run the archive runbook for two mailboxes
  m365.exo_automation.automation_schedule:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: weekdays-0600
    description: Enables archives every weekday morning
    start_time: "2030-01-07T06:00:00+01:00"
    frequency: Week
    week_days: [Monday, Tuesday, Wednesday, Thursday, Friday]
    time_zone: Europe/Berlin
    runbooks:
      - name: Enable-ArchiveMailbox
        parameters:
          Mailbox: adele.vance@contoso.com

- name: First Monday of every month, only the listed runbook stays linked
  m365.exo_automation.automation_schedule:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: monthly-report
    start_time: "2030-02-04T07:00:00Z"
    frequency: Month
    monthly_occurrences:
      - occurrence: 1
        day: Monday
    runbooks:
      - name: Test-ExchangeOnlineConnection
    exclusive: true

- name: Pause a schedule (its start time and recurrence stay as they are)
  m365.exo_automation.automation_schedule:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: weekdays-0600
    is_enabled: false

- name: Delete a schedule and its links
  m365.exo_automation.automation_schedule:
    resource_group: rg-exo-automation
    account: aa-exo-automation
    name: monthly-report
    state: absent
'''

RETURN = r'''
schedule:
  description: The schedule after the task (in check mode, as it would be). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    id:
      description: Resource id (not known in check mode before the schedule exists).
      returned: when the schedule exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo/providers/Microsoft.Automation/\
        automationAccounts/aa-exo/schedules/weekdays-0600"
    name:
      description: Name.
      returned: when the schedule exists
      type: str
      sample: weekdays-0600
    description:
      description: Description.
      returned: when the schedule exists
      type: str
      sample: Enables archives every weekday morning
    start_time:
      description: Start time, UTC, to the minute.
      returned: when the schedule exists
      type: str
      sample: "2030-01-07T05:00:00+00:00"
    expiry_time:
      description: Expiry time, UTC; V(null) when the schedule never expires.
      returned: when the schedule exists
      type: str
      sample: null
    next_run:
      description: When the schedule runs next, UTC, as Azure reports it.
      returned: when the schedule exists
      type: str
      sample: "2030-01-07T05:00:00+00:00"
    frequency:
      description: Frequency.
      returned: when the schedule exists
      type: str
      sample: Week
    interval:
      description: Interval; V(null) for V(OneTime) schedules.
      returned: when the schedule exists
      type: int
      sample: 1
    time_zone:
      description: Time zone of the recurrence.
      returned: when the schedule exists
      type: str
      sample: Europe/Berlin
    week_days:
      description: Days of the week of a V(Week) schedule.
      returned: when the schedule exists
      type: list
      elements: str
      sample: [Monday, Tuesday, Wednesday, Thursday, Friday]
    month_days:
      description: Days of the month of a V(Month) schedule.
      returned: when the schedule exists
      type: list
      elements: int
      sample: []
    monthly_occurrences:
      description: Weekday occurrences of a V(Month) schedule.
      returned: when the schedule exists
      type: list
      elements: dict
      sample: [{"occurrence": 1, "day": "Monday"}]
    is_enabled:
      description: Whether the schedule starts jobs.
      returned: when the schedule exists
      type: bool
      sample: true
    creation_time:
      description: When the schedule was created.
      returned: when the schedule exists
      type: str
      sample: "2029-12-20T10:00:00.000+00:00"
    last_modified_time:
      description: When the schedule last changed.
      returned: when the schedule exists
      type: str
      sample: "2029-12-20T10:00:00.000+00:00"
    runbooks:
      description: The runbooks linked to the schedule, by name.
      returned: when the schedule exists
      type: list
      elements: dict
      contains:
        name:
          description: Runbook name.
          returned: always
          type: str
          sample: Enable-ArchiveMailbox
        parameters:
          description: Parameters of the jobs (strings, as Azure keeps them).
          returned: always
          type: dict
          sample: {"Mailbox": "adele.vance@contoso.com"}
        run_on:
          description: Hybrid worker group, V(null) for Azure.
          returned: always
          type: str
          sample: null
        job_schedule_id:
          description: Id of the link (job schedule); V(null) in check mode for a link not created yet.
          returned: always
          type: str
          sample: 0fa462ba-3aa2-4138-83ca-9ebc3bc55cdc
links_created:
  description: Runbooks that were (or would be) linked, including links created again with other parameters.
  returned: always
  type: list
  elements: str
  sample: [Enable-ArchiveMailbox]
links_deleted:
  description: Runbooks whose link was (or would be) deleted, including links created again with other parameters.
  returned: always
  type: list
  elements: str
  sample: []
diff:
  description: The schedule before and after, with its links.
  returned: always
  type: dict
  sample: {"before": {}, "after": {"name": "weekdays-0600", "frequency": "Week", "runbooks": []}}
'''

import uuid

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import automation_assets as assets
from ansible_collections.m365.exo_automation.plugins.module_utils import flow
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_name

ARGSPEC = au.account_argspec()
ARGSPEC.update(
    name=dict(type="str", required=True),
    description=dict(type="str"),
    start_time=dict(type="str"),
    expiry_time=dict(type="str"),
    frequency=dict(type="str", choices=list(assets.FREQUENCIES)),
    interval=dict(type="int"),
    time_zone=dict(type="str"),
    week_days=dict(type="list", elements="str", choices=list(assets.WEEK_DAYS)),
    month_days=dict(type="list", elements="int"),
    monthly_occurrences=dict(type="list", elements="dict", options=dict(
        occurrence=dict(type="int", required=True),
        day=dict(type="str", required=True, choices=list(assets.WEEK_DAYS)),
    )),
    is_enabled=dict(type="bool"),
    runbooks=dict(type="list", elements="dict", options=dict(
        name=dict(type="str", required=True),
        parameters=dict(type="dict", default={}),
        run_on=dict(type="str"),
    )),
    exclusive=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)

RECURRENCE_KEYS = ("start_time", "expiry_time", "frequency", "interval", "time_zone", "week_days", "month_days",
                   "monthly_occurrences")


def check_options(p):
    """Checks that need no current state; ModuleError naming the option."""
    if p["interval"] is not None and p["interval"] < 1:
        raise ModuleError("interval must be 1 or more", option="interval")
    for day in p["month_days"] or []:
        if day != -1 and not 1 <= day <= 31:
            raise ModuleError("month_days: %d is not a day of the month: use 1 to 31, or -1 for the last day" % day,
                              option="month_days")
    for item in p["monthly_occurrences"] or []:
        if item["occurrence"] != -1 and not 1 <= item["occurrence"] <= 5:
            raise ModuleError("monthly_occurrences: occurrence %d is not valid: use 1 to 5, or -1 for the last "
                              "%s of the month" % (item["occurrence"], item["day"]), option="monthly_occurrences")
    if p["time_zone"] is not None and not p["time_zone"].strip():
        raise ModuleError("time_zone must not be empty: leave it unset to keep the current one", option="time_zone")
    names = [link["name"].lower() for link in p["runbooks"] or []]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    if duplicates:
        raise ModuleError("runbooks: %s is listed more than once; Azure links a runbook to a schedule only once"
                          % ", ".join(duplicates), option="runbooks")
    for link in p["runbooks"] or []:
        check_name("runbook", link["name"], "runbooks")
    return {
        "start": assets.parse_time(p["start_time"], "start_time"),
        "expiry": None if (p["expiry_time"] or "").strip().lower() == assets.NEVER
        else assets.parse_time(p["expiry_time"], "expiry_time"),
    }


def target_view(p, name, current, times):
    """The schedule as it should be: the current one (or Azure's defaults) with the options that are set."""
    t = dict(current) if current else {
        "name": name, "description": None, "start_time": None, "expiry_time": None, "frequency": None,
        "interval": None, "time_zone": "UTC", "week_days": [], "month_days": [], "monthly_occurrences": [],
        "is_enabled": True,
    }
    if p["description"] is not None:
        t["description"] = p["description"] or None
    if times["start"] is not None:
        t["start_time"] = assets.iso(assets.to_minute(times["start"]))
    if p["expiry_time"] is not None:
        t["expiry_time"] = assets.iso(assets.to_minute(times["expiry"]))
    if p["frequency"] is not None:
        t["frequency"] = p["frequency"]
    if p["interval"] is not None:
        if t["frequency"] == "OneTime":
            raise ModuleError("interval does not apply to a OneTime schedule: leave it unset", option="interval")
        t["interval"] = p["interval"]
    if t["frequency"] == "Minute" and (t["interval"] or 1) < assets.MIN_MINUTE_INTERVAL:
        raise ModuleError("interval %d is too small for a Minute schedule: Azure allows %d minutes or more"
                          % (t["interval"] or 1, assets.MIN_MINUTE_INTERVAL), option="interval")
    if t["frequency"] == "OneTime":
        t["interval"] = None
    elif t["interval"] is None:
        t["interval"] = 1
    if p["time_zone"] is not None and (t["time_zone"] or "").lower() != p["time_zone"].lower():
        t["time_zone"] = p["time_zone"]
    if any(p[k] is not None for k in ("week_days", "month_days", "monthly_occurrences")):
        t["week_days"] = assets.sort_week_days(p["week_days"])
        t["month_days"] = sorted(set(p["month_days"] or []))
        t["monthly_occurrences"] = assets.sort_occurrences(p["monthly_occurrences"])
    if p["week_days"] and t["frequency"] != "Week":
        raise ModuleError("week_days apply only to a Week schedule; this one is %s" % t["frequency"],
                          option="week_days")
    for key in ("month_days", "monthly_occurrences"):
        if p[key] and t["frequency"] != "Month":
            raise ModuleError("%s apply only to a Month schedule; this one is %s" % (key, t["frequency"]), option=key)
    if t["month_days"] and t["monthly_occurrences"]:
        raise ModuleError("a Month schedule runs on month_days or on monthly_occurrences, not both: give the other "
                          "one as an empty list", option="monthly_occurrences" if p["monthly_occurrences"]
                          else "month_days")
    # a schedule that changes frequency drops the advanced schedule of the old one
    if t["frequency"] != "Week":
        t["week_days"] = []
    if t["frequency"] != "Month":
        t["month_days"], t["monthly_occurrences"] = [], []
    if p["is_enabled"] is not None:
        t["is_enabled"] = p["is_enabled"]
    return t


def check_recurrence(t, current, name, now):
    """Azure's rules for a create or a recurrence change, checked before anything is written."""
    if current is None:
        for option in ("start_time", "frequency"):
            if t[option] is None:
                raise ModuleError("%s is required to create schedule %s" % (option, name), option=option)
    start = assets.parse_time(t["start_time"])
    if start < now + assets.MIN_START_DELAY:
        if current is None or t["start_time"] != current["start_time"]:
            raise ModuleError("start_time %s is less than 5 minutes in the future (now: %s); Azure refuses such a "
                              "schedule" % (t["start_time"], assets.iso(now)), option="start_time",
                              hint="Give a start time at least 5 minutes after the task runs; Azure keeps schedule "
                                   "times to the minute.")
        changed = [k for k in RECURRENCE_KEYS if t[k] != current[k]]
        raise ModuleError("changing %s of schedule %s needs a new start_time at least 5 minutes in the future: Azure "
                          "re-creates the recurrence from it, and the current start time %s has passed"
                          % (", ".join(changed), name, current["start_time"]), option="start_time",
                          hint="Set start_time to the next run you want, in ISO 8601.")
    if t["expiry_time"] is not None and assets.parse_time(t["expiry_time"]) <= start:
        raise ModuleError("expiry_time %s is not after the start time %s" % (t["expiry_time"], t["start_time"]),
                          option="expiry_time")


def put_body(t):
    props = {"description": t["description"] or "", "startTime": t["start_time"], "frequency": t["frequency"],
             "timeZone": t["time_zone"]}
    if t["expiry_time"] is not None:
        props["expiryTime"] = t["expiry_time"]
    if t["frequency"] != "OneTime":
        props["interval"] = t["interval"]
    advanced = {}
    if t["week_days"]:
        advanced["weekDays"] = list(t["week_days"])
    if t["month_days"]:
        advanced["monthDays"] = list(t["month_days"])
    if t["monthly_occurrences"]:
        advanced["monthlyOccurrences"] = [dict(o) for o in t["monthly_occurrences"]]
    if advanced:
        props["advancedSchedule"] = advanced
    return {"name": t["name"], "properties": props}


def link_key(link):
    """Runbook links are keyed by the runbook's name, without regard to case (one link per runbook)."""
    return ((au.props(link).get("runbook") or {}).get("name") or "").lower()


def link_body(schedule, link):
    """The PUT body of a job schedule from its (predicted) REST dict."""
    p = au.props(link)
    body = {"properties": {"schedule": {"name": schedule}, "runbook": {"name": p["runbook"]["name"]},
                           "parameters": p["parameters"]}}
    if p.get("runOn"):
        body["properties"]["runOn"] = p["runOn"]
    return body


def predicted_schedule(t, current):
    """The schedule as Azure will hold it (REST dict) from the target view ``t``; Azure-assigned values are kept
    from ``current`` (the next run of a new schedule is its start time)."""
    cp = au.props(current)
    advanced = {"weekDays": list(t["week_days"]), "monthDays": list(t["month_days"]),
                "monthlyOccurrences": [dict(o) for o in t["monthly_occurrences"]]}
    properties = {"description": t["description"], "startTime": t["start_time"], "expiryTime": t["expiry_time"],
                  "frequency": t["frequency"], "interval": t["interval"], "timeZone": t["time_zone"],
                  "advancedSchedule": advanced, "isEnabled": t["is_enabled"],
                  "nextRun": cp.get("nextRun") if current is not None else t["start_time"],
                  "creationTime": cp.get("creationTime"), "lastModifiedTime": cp.get("lastModifiedTime")}
    return {"id": (current or {}).get("id"), "name": t["name"], "properties": properties}


class Schedule(flow.Resource):
    """A schedule of an Automation account with its runbook links. The object read and predicted is the
    schedule's REST dict with one more key, ``links``: the REST dicts of its job schedules."""

    result_key = "schedule"

    def __init__(self, m):
        super(Schedule, self).__init__(m)
        p = self.params
        self.rg, self.account, self.name = au.check_account_options(p, "schedule")
        self.times = check_options(p)
        self.client = m.automation_client()

    # -- reading ------------------------------------------------------------------------------------
    def _links(self):
        items = au.read_list(self.client.job_schedule.list_by_automation_account, self.rg, self.account)
        return [item for item in items
                if ((au.props(item).get("schedule") or {}).get("name") or "").lower() == self.name.lower()]

    def read(self):
        found = au.read(self.client.schedule.get, self.rg, self.account, self.name)
        if found is None:
            return None
        return dict(found, links=self._links())

    def facts(self, obj):
        if obj is None:
            return {}
        links = sorted((assets.link_facts(link) for link in obj.get("links") or []),
                       key=lambda f: (f["name"] or "").lower())
        return assets.schedule_facts(dict((k, v) for k, v in obj.items() if k != "links"), links)

    def diffable(self, facts):
        return assets.schedule_diff_view(facts)

    # -- what the task declares ---------------------------------------------------------------------
    def desired(self, current):
        """The target view of the schedule and the declared links, validated: Azure's rules for the recurrence,
        and the runbooks of the links to create (they exist, are published and take the parameters)."""
        p = self.params
        if p["state"] == "absent":
            return None
        # in check mode the account may not exist yet (a warning): the runbooks are not checked then
        account_exists = current is not None or \
            au.get_account(self.m, self.client, self.rg, self.account) is not None
        view = assets.schedule_view(current)
        t = target_view(p, self.name, view, self.times)
        put = view is None or any(t[k] != view[k] for k in RECURRENCE_KEYS)
        if put:
            check_recurrence(t, view, self.name, assets.utcnow())
        links = None
        if p["runbooks"] is not None:
            links = []
            for item in p["runbooks"]:
                # a job schedule is named by its id, which Azure knows once it is created
                links.append({"name": None, "properties": {
                    "jobScheduleId": None, "runbook": {"name": item["name"]}, "schedule": {"name": self.name},
                    "parameters": assets.string_parameters(item["parameters"]), "runOn": item["run_on"] or None}})
        plan = self._plan_links(current, links)
        if account_exists:
            for link in plan["create"]:
                lp = au.props(link)
                found = assets.runbook_for_link(self.m, self.client, self.rg, self.account, lp["runbook"]["name"],
                                                lp["parameters"], "runbooks")
                if found is not None and found.get("name"):
                    lp["runbook"]["name"] = found["name"]
        return {"view": view, "target": t, "put": put, "links": plan}

    def _plan_links(self, current, declared):
        """``{"create": [...], "delete": [...], "after": [...]}`` (REST dicts) with flow.reconcile: declared
        runbooks that are not linked are linked; with ``exclusive`` links to other runbooks are deleted. A link
        cannot change in Azure, so a kept link whose parameters or run_on differ is deleted and created again."""
        have = list((current or {}).get("links") or [])
        if declared is None:
            return {"create": [], "delete": [], "after": have}
        listed = flow.reconcile(have, [link_key(link) for link in declared], link_key,
                                exclusive=self.params["exclusive"])
        kept = dict((link_key(link), link) for link in listed.keep)  # the others are in listed.add
        create, replaced = [], []
        for link in declared:
            key = link_key(link)
            old = kept.get(key)
            if old is not None:
                op, np = au.props(old), au.props(link)
                if assets.same_parameters(op.get("parameters"), np["parameters"]) \
                        and (op.get("runOn") or None) == np["runOn"]:
                    continue
                replaced.append(old)
            create.append(link)
        delete = replaced + list(listed.remove)
        gone = set(id(link) for link in delete)
        return {"create": create, "delete": delete, "after": [link for link in have if id(link) not in gone] + create}

    # -- the plan -----------------------------------------------------------------------------------
    def plan(self, current, desired):
        if desired is None:
            if current is None:
                return flow.Plan(links_created=[], links_deleted=[])
            deleted = [link["name"] for link in self.facts(current)["runbooks"]]
            return flow.Plan(flow.DELETE, links_created=[], links_deleted=deleted)
        view, t, links = desired["view"], desired["target"], desired["links"]
        description_changed = view is not None and t["description"] != view["description"]
        enabled_changed = view is not None and t["is_enabled"] != view["is_enabled"]
        created = [au.props(link)["runbook"]["name"] for link in links["create"]]
        deleted = [assets.link_facts(link)["name"] for link in links["delete"]]
        if not (desired["put"] or description_changed or enabled_changed or links["create"] or links["delete"]):
            return flow.Plan(links_created=[], links_deleted=[])
        after = dict(predicted_schedule(t, current), links=links["after"])
        patch = {}
        if description_changed and not desired["put"]:
            patch["description"] = t["description"] or ""
        return flow.Plan(flow.CREATE if current is None else flow.UPDATE, after,
                         put_body(t) if desired["put"] else None, patch=patch, is_enabled=t["is_enabled"],
                         deletes=[assets.link_facts(link)["job_schedule_id"] for link in links["delete"]],
                         creates=[link_body(self.name, link) for link in links["create"]],
                         links_created=created, links_deleted=deleted)

    # -- the writes ---------------------------------------------------------------------------------
    def apply(self, plan):
        schedules, job_schedules = self.client.schedule, self.client.job_schedule
        rg, account, name = self.rg, self.account, self.name
        if plan.action == flow.DELETE:  # Azure deletes the links with the schedule
            schedules.delete(rg, account, name)
            return
        if plan.body is not None:
            saved = au.to_dict(schedules.create_or_update(rg, account, name, plan.body))
        else:
            saved = au.read(schedules.get, rg, account, name)
        patch = dict(plan.details["patch"])
        # a PUT leaves isEnabled as it is (true for a new schedule): set it afterwards
        if bool(au.props(saved).get("isEnabled", True)) != plan.details["is_enabled"]:
            patch["isEnabled"] = plan.details["is_enabled"]
        if patch:
            schedules.update(rg, account, name, {"name": name, "properties": patch})
        for job_schedule_id in plan.details["deletes"]:
            job_schedules.delete(rg, account, job_schedule_id)
        for body in plan.details["creates"]:
            job_schedules.create(rg, account, str(uuid.uuid4()), body)

    def extra(self, plan, after):
        return {"links_created": plan.details["links_created"], "links_deleted": plan.details["links_deleted"]}


def main():
    flow.main(ARGSPEC, Schedule)


if __name__ == "__main__":
    main()
