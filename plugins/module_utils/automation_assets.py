# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared resources of an Automation account: schedules and their runbook links (job schedules), webhooks and
variables.

Like ``automation.py`` this works on the REST JSON of the objects (camelCase keys under ``properties``). Times
are parsed from ISO 8601 and compared in UTC; Azure keeps schedule times to the minute and webhook expiry times
to a fraction of a second, so they are compared at those precisions. Nothing imports an SDK at import time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re

from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError, error_from_exception
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_name

UTC = datetime.timezone.utc

FREQUENCIES = ("OneTime", "Day", "Hour", "Week", "Month", "Minute")
WEEK_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NEVER = "never"

# Azure refuses a schedule whose start time is less than five minutes after the request.
MIN_START_DELAY = datetime.timedelta(minutes=5)
MIN_MINUTE_INTERVAL = 15
WEBHOOK_LIFETIME = datetime.timedelta(days=365)

# Names of schedules, webhooks and variables: they are path segments of the resource id.

_TIME_RE = re.compile(
    r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
    r"\s*(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?$")


def utcnow():
    """The current time (aware, UTC). Tests replace it."""
    return datetime.datetime.now(UTC)


# -- times --------------------------------------------------------------------------------------------
def _bad_time(value, option):
    raise ModuleError("%s '%s' is not a date and time: use ISO 8601, such as 2030-06-01T08:00:00Z or "
                      "2030-06-01T10:00:00+02:00 (without an offset the time is UTC)" % (option, value),
                      option=option)


def parse_time(value, option=None):
    """ISO 8601 text -> an aware datetime in UTC; None stays None.

    A time without an offset is UTC (as Azure reads it). With ``option``, text that is not a time raises
    ModuleError naming the option; without it, None is returned for such text (for values Azure sends)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = str(value).strip()
    match = _TIME_RE.match(text)
    if not match:
        if option:
            _bad_time(value, option)
        return None
    g = match.groupdict()
    fraction = (g["fraction"] or "0")[:6].ljust(6, "0")
    try:
        stamp = datetime.datetime(int(g["year"]), int(g["month"]), int(g["day"]), int(g["hour"] or 0),
                                  int(g["minute"] or 0), int(g["second"] or 0), int(fraction), tzinfo=UTC)
    except ValueError:
        if option:
            _bad_time(value, option)
        return None
    tz = g["tz"]
    if tz and tz.upper() != "Z":
        digits = tz[1:].replace(":", "")
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        try:
            stamp = stamp - offset if tz[0] == "+" else stamp + offset
        except OverflowError:
            stamp = datetime.datetime.max.replace(tzinfo=UTC)
    return stamp


def to_minute(stamp):
    return None if stamp is None else stamp.replace(second=0, microsecond=0)


def to_second(stamp):
    return None if stamp is None else stamp.replace(microsecond=0)


def iso(stamp):
    """``2030-06-01T08:00:00+00:00`` (UTC, whole seconds) or None."""
    if stamp is None:
        return None
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def never_expires(stamp):
    """Azure's 'no expiry' is 9999-12-31."""
    return stamp is None or stamp.year >= 9999


# -- _info modules ------------------------------------------------------------------------------------
def info_argspec(**more):
    """The options of an ``_info`` module of an Automation account's objects: the account, ``name`` (documented
    by the doc fragment ``info.account_objects``) and ``more``."""
    spec = au.account_argspec()
    spec.update(name=dict(type="str"), **more)
    return spec


def info_read(m, kind, operations, names=()):
    """What an ``_info`` module of an Automation account's objects reads, after its input is checked.

    The account options and the ``name`` option (an object of ``kind``, see validation.check_name) are
    checked before any request, and so is each option of ``names`` (option -> kind: ``{"runbook": "runbook"}``)
    that is set. Returns ``(client, items)``: the Automation client and the REST dicts of the object ``name``
    (none when it does not exist) or of every such object of the account; ``operations`` names the SDK's operation
    group (``runbook``, ``schedule``, ...)."""
    p = m.params
    au.check_account_options(p)
    checks = dict(names)
    checks.setdefault("name", kind)
    for option in sorted(checks):
        if p.get(option):
            check_name(checks[option], p[option], option)
    client = m.automation_client()
    return client, au.read_one_or_all(getattr(client, operations), p["resource_group"], p["account"], p["name"])


def info_result(key, facts):
    """The result of an ``_info`` module: ``facts`` under ``key``, sorted by name without regard to case."""
    return {"changed": False, key: sorted(facts, key=lambda f: (f.get("name") or "").lower())}


# -- job parameters -----------------------------------------------------------------------------------
def string_parameters(params):
    """Parameters as Azure keeps them for schedules and webhooks: a string per parameter."""
    return au.job_parameters(params)


def same_parameters(a, b):
    """Parameter names compare without regard to case (PowerShell's rule); values exactly."""
    def norm(params):
        return dict((str(k).lower(), v) for k, v in (params or {}).items())
    return norm(a) == norm(b)


def runbook_for_link(m, client, resource_group, account, runbook, parameters, option, parameters_option=None,
                     skip_mandatory=()):
    """Check that ``runbook`` exists and is published and that ``parameters`` fit what it declares, before
    anything is written; errors name ``option`` (the runbook) or ``parameters_option``. In check mode a missing or
    unpublished runbook is a warning (an earlier task may be about to create it). ``skip_mandatory`` names
    parameters Azure fills itself (WebhookData)."""
    found = au.read(client.runbook.get, resource_group, account, runbook)
    if found is None:
        if m.check_mode:
            m.warn("runbook %s does not exist in account %s (yet): the prediction assumes an earlier task creates "
                   "it" % (runbook, account))
            return None
        raise ModuleError("%s: runbook %s was not found in Automation account %s (resource group %s)"
                          % (option, runbook, account, resource_group), status=404, option=option,
                          hint="Create and publish it first (m365.exo_automation.runbook).")
    state = au.enum_text(au.props(found).get("state"))
    if state == "New":
        if m.check_mode:
            m.warn("runbook %s has never been published: the prediction assumes an earlier task publishes it"
                   % runbook)
            return found
        raise ModuleError("%s: runbook %s has never been published, so no job can run it" % (option, runbook),
                          option=option, hint="Publish it (m365.exo_automation.runbook with publish=true).")
    skip = set(s.lower() for s in skip_mandatory)
    reported = au.props(found).get("parameters")
    declared = None if reported is None else {}
    for key, spec in (reported or {}).items():
        spec = dict(spec or {})
        if key.lower() in skip:
            spec["isMandatory"] = False
        declared[key] = spec
    au.check_job_parameters(declared, parameters, runbook, option=parameters_option or option)
    return found


# -- schedules ----------------------------------------------------------------------------------------
def _int_or_none(value):
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _day(value):
    for day in WEEK_DAYS:
        if str(value).lower() == day.lower():
            return day
    return str(value)


def sort_week_days(days):
    order = dict((d, i) for i, d in enumerate(WEEK_DAYS))
    return sorted(set(_day(d) for d in days or []), key=lambda d: order.get(d, 99))


def sort_occurrences(items):
    order = dict((d, i) for i, d in enumerate(WEEK_DAYS))
    out = []
    for item in items or []:
        entry = {"occurrence": _int_or_none(item.get("occurrence")), "day": _day(item.get("day"))}
        if entry not in out:
            out.append(entry)
    return sorted(out, key=lambda o: (o["occurrence"] if o["occurrence"] is not None else 0, order.get(o["day"], 99)))


def schedule_view(obj):
    """The user-declared part of a schedule (REST dict) in the module's terms, times in UTC."""
    if obj is None:
        return None
    p = au.props(obj)
    advanced = p.get("advancedSchedule") or {}
    expiry = parse_time(p.get("expiryTime"))
    frequency = au.enum_text(p.get("frequency"))
    return {
        "name": obj.get("name"),
        "description": p.get("description") or None,
        "start_time": iso(to_minute(parse_time(p.get("startTime")))),
        "expiry_time": None if never_expires(expiry) else iso(to_minute(expiry)),
        "frequency": frequency,
        "interval": None if frequency == "OneTime" else _int_or_none(p.get("interval")),
        "time_zone": p.get("timeZone") or "UTC",
        "week_days": sort_week_days(advanced.get("weekDays")),
        "month_days": sorted(set(int(d) for d in advanced.get("monthDays") or [])),
        "monthly_occurrences": sort_occurrences(advanced.get("monthlyOccurrences")),
        "is_enabled": bool(p.get("isEnabled")),
    }


def link_facts(obj):
    """A job schedule (runbook link) as facts."""
    p = au.props(obj)
    return {
        "name": (p.get("runbook") or {}).get("name"),
        "parameters": dict(p.get("parameters") or {}),
        "run_on": p.get("runOn") or None,
        "job_schedule_id": p.get("jobScheduleId") or obj.get("name"),
    }


def schedule_links(client, resource_group, account, schedule=None):
    """The runbook links of ``schedule`` (of every schedule when None), keyed by lower-cased schedule name."""
    out = {}
    for item in au.read_list(client.job_schedule.list_by_automation_account, resource_group, account):
        name = ((au.props(item).get("schedule") or {}).get("name") or "")
        if schedule is not None and name.lower() != schedule.lower():
            continue
        out.setdefault(name.lower(), []).append(link_facts(item))
    for links in out.values():
        links.sort(key=lambda f: (f["name"] or "").lower())
    return out


def schedule_facts(obj, links=None):
    if obj is None:
        return {}
    p = au.props(obj)
    facts = schedule_view(obj)
    facts.update({
        "id": obj.get("id"),
        "next_run": iso(parse_time(p.get("nextRun"))),
        "creation_time": p.get("creationTime"),
        "last_modified_time": p.get("lastModifiedTime"),
        "runbooks": list(links or []),
    })
    return facts


def schedule_diff_view(facts):
    if not facts:
        return {}
    view = dict((k, v) for k, v in facts.items()
                if k not in ("id", "next_run", "creation_time", "last_modified_time", "runbooks"))
    view["runbooks"] = [dict((k, v) for k, v in link.items() if k != "job_schedule_id")
                        for link in facts.get("runbooks") or []]
    return view


# -- webhooks -----------------------------------------------------------------------------------------
def webhook_facts(obj, now=None, uri=None):
    if obj is None:
        return {}
    p = au.props(obj)
    expiry = parse_time(p.get("expiryTime"))
    now = now or utcnow()
    facts = {
        "id": obj.get("id"),
        "name": obj.get("name"),
        "runbook": (p.get("runbook") or {}).get("name"),
        "is_enabled": bool(p.get("isEnabled")),
        "expiry_time": iso(expiry),
        "expired": bool(expiry is not None and expiry <= now),
        "parameters": dict(p.get("parameters") or {}),
        "run_on": p.get("runOn") or None,
        "description": p.get("description") or None,
        "last_invoked_time": p.get("lastInvokedTime"),
        "creation_time": p.get("creationTime"),
        "last_modified_time": p.get("lastModifiedTime"),
    }
    if uri is not None:
        facts["uri"] = uri
    return facts


def webhook_diff_view(facts):
    """What --diff shows of a webhook; never the URI."""
    if not facts:
        return {}
    return dict((k, facts.get(k)) for k in ("name", "runbook", "is_enabled", "expiry_time", "parameters", "run_on"))


# -- variables ----------------------------------------------------------------------------------------
def encode_value(value, option="value"):
    """A value as Azure stores it: JSON text (the string ``abc`` is stored as ``"abc"`` with the quotes)."""
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ModuleError("%s cannot be stored: a variable holds a JSON value (a string, number, boolean, list "
                          "or dict), and this is a %s (%s)" % (option, type(value).__name__, exc), option=option)


def decode_value(text):
    """JSON text from Azure -> the value; text that is not JSON (stored by other tools) is returned as it is."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def same_value(desired, stored_text):
    """Compare a value with Azure's JSON text by value (so ``{"a":1}`` equals ``{ "a": 1 }``); ``1`` and ``true``
    and ``"1"`` all differ."""
    if stored_text is None:
        return False
    try:
        stored = json.loads(stored_text)
    except (TypeError, ValueError):
        return isinstance(desired, str) and desired == stored_text
    return encode_value(desired) == encode_value(stored)


def variable_facts(obj):
    if obj is None:
        return {}
    p = au.props(obj)
    encrypted = bool(p.get("isEncrypted"))
    return {
        "id": obj.get("id"),
        "name": obj.get("name"),
        "encrypted": encrypted,
        "value": None if encrypted else decode_value(p.get("value")),
        "description": p.get("description") or None,
        "creation_time": p.get("creationTime"),
        "last_modified_time": p.get("lastModifiedTime"),
    }


# -- every object of an account, for automation_account_info's objects option -----------------------------------
def _runbooks(client, rg, account):
    return [au.runbook_facts(i) for i in au.read_list(client.runbook.list_by_automation_account, rg, account)]


def _modules(client, rg, account):
    found = [au.import_facts(i) for i in au.read_list(client.module.list_by_automation_account, rg, account)]
    return [f for f in found if not f.get("is_global")]  # those Azure provides to every account are left out


def _schedules(client, rg, account):
    items = au.read_list(client.schedule.list_by_automation_account, rg, account)
    links = schedule_links(client, rg, account) if items else {}
    return [schedule_facts(i, links.get((i.get("name") or "").lower(), [])) for i in items]


def _webhooks(client, rg, account):
    now = utcnow()
    return [webhook_facts(i, now) for i in au.read_list(client.webhook.list_by_automation_account, rg, account)]


def _variables(client, rg, account):
    return [variable_facts(i) for i in au.read_list(client.variable.list_by_automation_account, rg, account)]


# kind -> how it is listed; each kind's result is what its _info module returns under the same key
ACCOUNT_OBJECTS = {"runbooks": _runbooks, "modules": _modules, "schedules": _schedules, "webhooks": _webhooks,
                   "variables": _variables}


def account_objects(client, resource_group, account, kinds):
    """The objects of ``kinds`` (keys of :data:`ACCOUNT_OBJECTS`) of one account, one list call each (schedules:
    two, with their runbook links). Each kind maps to ``{kind: [facts sorted by name]}``, as the kind's ``_info``
    module returns it, or to ``{"failed": True, "msg": ...}`` when its list failed (the others are still listed:
    an audit reports what it could check)."""
    out = {}
    for kind in kinds:
        try:
            facts = ACCOUNT_OBJECTS[kind](client, resource_group, account)
        except Exception as exc:  # noqa: BLE001 - an SDK error is reported for this kind; anything else raises
            err = error_from_exception(exc, "listing the account's %s" % kind)
            if err is None:
                raise
            out[kind] = {"failed": True, "msg": err.format()}
            continue
        out[kind] = {kind: sorted(facts, key=lambda f: (f.get("name") or "").lower())}
    return out


__all__ = [
    "ACCOUNT_OBJECTS", "FREQUENCIES", "NEVER", "WEEK_DAYS", "account_objects", "decode_value",
    "encode_value", "info_argspec", "info_read", "info_result", "iso", "link_facts", "never_expires", "parse_time",
    "runbook_for_link", "same_parameters", "same_value", "schedule_diff_view", "schedule_facts", "schedule_links",
    "schedule_view", "sort_occurrences", "sort_week_days", "string_parameters", "to_minute", "to_second", "utcnow",
    "variable_facts", "webhook_diff_view", "webhook_facts",
]
