"""Automation account content, part 2: runbooks (draft, content, publish, test job), jobs and their
streams, schedules, job schedules, webhooks and variables.

Runbooks keep a draft and a published version (private ``_draft`` / ``_published`` keys). ``state`` is
``New`` until the first publish, ``Published`` afterwards, and ``Edit`` while a published runbook has an
unpublished draft (``draft.inEdit``). Replacing the draft content and publishing are long-running
operations answered with 202 and the usual ``Azure-AsyncOperation``/``Location`` headers.

A job snapshots the published content, parameters and runtime when it is created and moves
``New -> Running -> Completed/Failed`` over ``job_run_s`` seconds, evaluated lazily on read. It is run
(see :mod:`jobs`) the first time it is read after it started, with the account's identities, modules and
Graph state of that moment. Test jobs of a draft work the same way.

Webhook URIs exist only in the answer of ``generateUri``: a webhook keeps the URI it was created with
privately and shows ``"uri": ""``. Encrypted variables never show their value. Schedules do not start
jobs on their own.
"""
import base64
import json
import os
import re
import uuid
from urllib.parse import quote

from . import lro
from .automation_modules import (
    ACCOUNT_PATH, AUTOMATION_API_VERSIONS, add_child, automation_error, body_properties, child_or_404, child_routes,
    get_account, get_child, iso, list_children, not_found, param, parse_time, public, runbook_runtime,
)
from .core import ACCEPTED_DOMAINS, route

RUNBOOK_TYPE = "Microsoft.Automation/AutomationAccounts/Runbooks"
JOB_TYPE = "Microsoft.Automation/AutomationAccounts/Jobs"
SCHEDULE_TYPE = "Microsoft.Automation/AutomationAccounts/Schedules"
JOB_SCHEDULE_TYPE = "Microsoft.Automation/AutomationAccounts/JobSchedules"
WEBHOOK_TYPE = "Microsoft.Automation/AutomationAccounts/Webhooks"
VARIABLE_TYPE = "Microsoft.Automation/AutomationAccounts/Variables"

RUNBOOK_TYPES = ("Script", "Graph", "PowerShellWorkflow", "PowerShell", "GraphPowerShellWorkflow", "GraphPowerShell",
                 "Python2", "Python3", "Python", "PowerShell72", "PowerShell7")
SCHEDULE_FREQUENCIES = ("OneTime", "Day", "Hour", "Week", "Month", "Minute")
TERMINAL = ("Completed", "Failed", "Stopped")
NO_EXPIRY = "9999-12-31T23:59:59.9999999+00:00"
TEXT_POWERSHELL = {"Content-Type": "text/powershell; charset=utf-8"}
START_TIME_MESSAGE = "The start time of the schedule must be at least 5 minutes after the time you create the schedule."
REGION_CODES = {
    "westeurope": "we", "northeurope": "ne", "eastus": "eus", "eastus2": "eus2", "westus": "wus", "westus2": "wus2",
    "westus3": "wus3", "centralus": "cus", "southcentralus": "scus", "northcentralus": "ncus", "westcentralus": "wcus",
    "uksouth": "uks", "ukwest": "ukw", "francecentral": "fc", "germanywestcentral": "gwc", "swedencentral": "sec",
    "switzerlandnorth": "stzn", "norwayeast": "noe", "australiaeast": "ae", "southeastasia": "sea",
    "eastasia": "ea", "japaneast": "jpe", "canadacentral": "cc", "centralindia": "cid", "brazilsouth": "brs",
}


def _etag(emu):
    return '"%d"' % int((emu.now() + 62135596800) * 10_000_000)


def _runbook_or_404(emu, acct, name):
    return child_or_404(emu, acct, "runbooks", "Runbook", name)


def _runbook_type(value):
    for known in RUNBOOK_TYPES:
        if str(value or "").lower() == known.lower():
            return known
    allowed = ", ".join(RUNBOOK_TYPES)
    automation_error(400, "BadRequest", f"Runbook type '{value}' is not valid. Valid runbook types: {allowed}.")


# ---------------------------------------------------------------------------------------------------
# runbooks
# ---------------------------------------------------------------------------------------------------
def _set_parameters(rec):
    from . import jobs

    published = rec.get("_published")
    rec["properties"]["parameters"] = jobs.runbook_parameters(published["content"]) if published else {}


child_routes("runbooks", "Runbook", routes=("list", "get"))


@route("arm", "PUT", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def put_runbook(req):
    acct = get_account(req)
    name = param(req, "name")
    body, props = body_properties(req)
    if not props.get("runbookType"):
        automation_error(400, "BadRequest", "The runbookType property is required.")
    rtype = _runbook_type(props["runbookType"])
    emu = req.emu
    with emu.lock:
        now = iso(emu.now())
        rec = get_child(emu, acct["id"], "runbooks", name)
        status = 200
        if rec is None:
            status = 201
            rec = add_child(
                emu, acct["id"], "runbooks", name, RUNBOOK_TYPE, location=body.get("location") or acct.get("location"), tags={},
                properties={
                    "runbookType": rtype, "state": "New", "logVerbose": False, "logProgress": False,
                    "logActivityTrace": 0, "jobCount": 0, "parameters": {}, "outputTypes": [],
                    "provisioningState": "Succeeded", "creationTime": now, "lastModifiedTime": now,
                },
                _draft={"content": "", "inEdit": False, "creationTime": now, "lastModifiedTime": now},
                _published=None,
            )
        p = rec["properties"]
        p["runbookType"] = rtype
        for key in ("logVerbose", "logProgress"):
            if key in props and props[key] is not None:
                p[key] = bool(props[key])
        if props.get("logActivityTrace") is not None:
            p["logActivityTrace"] = int(props["logActivityTrace"])
        if props.get("description") is not None:
            p["description"] = str(props["description"])
        if props.get("runtimeEnvironment"):
            p["runtimeEnvironment"] = str(props["runtimeEnvironment"])
        else:
            p.pop("runtimeEnvironment", None)
        if body.get("tags") is not None:
            rec["tags"] = dict(body["tags"])
        link = props.get("publishContentLink")
        if isinstance(link, dict) and link.get("uri"):
            # The content behind the link cannot be fetched here: the runbook is published with empty content.
            rec["_published"] = {"content": "", "time": now}
            rec["_draft"] = {"content": "", "inEdit": False, "creationTime": now, "lastModifiedTime": now}
            p["state"] = "Published"
            _set_parameters(rec)
        p["lastModifiedTime"] = now
        rec["etag"] = _etag(emu)
        return status, public(rec)


@route("arm", "PATCH", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def patch_runbook(req):
    acct = get_account(req)
    body, props = body_properties(req)
    emu = req.emu
    with emu.lock:
        rec = _runbook_or_404(emu, acct, param(req, "name"))
        p = rec["properties"]
        for key in ("logVerbose", "logProgress"):
            if props.get(key) is not None:
                p[key] = bool(props[key])
        if props.get("logActivityTrace") is not None:
            p["logActivityTrace"] = int(props["logActivityTrace"])
        if props.get("description") is not None:
            p["description"] = str(props["description"])
        if body.get("tags") is not None:
            rec["tags"] = dict(body["tags"])
        p["lastModifiedTime"] = iso(emu.now())
        rec["etag"] = _etag(emu)
        return 200, public(rec)


@route("arm", "DELETE", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def delete_runbook(req):
    acct = get_account(req)
    name = param(req, "name")
    emu = req.emu
    with emu.lock:
        rec = _runbook_or_404(emu, acct, name)
        del emu.arm()[rec["id"].lower()]
        # links to the runbook go with it; its jobs stay in the history
        for segment in ("jobSchedules", "webhooks"):
            for linked in list_children(emu, acct["id"], segment):
                if linked["properties"].get("runbook", {}).get("name", "").lower() == name.lower():
                    del emu.arm()[linked["id"].lower()]
        return 200, None


@route("arm", "GET", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/content", AUTOMATION_API_VERSIONS)
def get_published_content(req):
    acct = get_account(req)
    name = param(req, "name")
    with req.emu.lock:
        rec = _runbook_or_404(req.emu, acct, name)
        if rec.get("_published") is None:
            automation_error(404, "NotFound", f"The runbook '{name}' has no published content. Publish the runbook first.")
        return 200, rec["_published"]["content"], dict(TEXT_POWERSHELL)


@route("arm", "POST", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/publish", AUTOMATION_API_VERSIONS)
def publish_runbook(req):
    acct = get_account(req)
    name = param(req, "name")
    emu = req.emu
    with emu.lock:
        rec = _runbook_or_404(emu, acct, name)
        draft = rec["_draft"]
        if rec["properties"]["state"] == "New" and not draft["inEdit"]:
            automation_error(400, "BadRequest", f"The runbook '{name}' has no draft content to publish.")
        now = iso(emu.now())
        if draft["inEdit"] or rec.get("_published") is None:
            rec["_published"] = {"content": draft["content"], "time": now}
        draft["inEdit"] = False
        rec["properties"]["state"] = "Published"
        rec["properties"]["lastModifiedTime"] = now
        rec["etag"] = _etag(emu)
        _set_parameters(rec)
    return lro.accepted(req, lro.start(req))


@route("arm", "GET", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft", AUTOMATION_API_VERSIONS)
def get_draft(req):
    from . import jobs

    acct = get_account(req)
    with req.emu.lock:
        rec = _runbook_or_404(req.emu, acct, param(req, "name"))
        draft = rec["_draft"]
        return 200, {
            "inEdit": draft["inEdit"], "creationTime": draft["creationTime"], "lastModifiedTime": draft["lastModifiedTime"],
            "parameters": jobs.runbook_parameters(draft["content"]), "outputTypes": [],
        }


@route("arm", "GET", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/content", AUTOMATION_API_VERSIONS)
def get_draft_content(req):
    acct = get_account(req)
    with req.emu.lock:
        rec = _runbook_or_404(req.emu, acct, param(req, "name"))
        return 200, rec["_draft"]["content"], dict(TEXT_POWERSHELL)


@route("arm", "PUT", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/content", AUTOMATION_API_VERSIONS)
def put_draft_content(req):
    acct = get_account(req)
    content = (req.raw_body or b"").decode("utf-8", "replace")
    emu = req.emu
    with emu.lock:
        rec = _runbook_or_404(emu, acct, param(req, "name"))
        now = iso(emu.now())
        rec["_draft"].update({"content": content, "inEdit": True, "lastModifiedTime": now})
        if rec["properties"]["state"] == "Published":
            rec["properties"]["state"] = "Edit"
        rec["properties"]["lastModifiedTime"] = now
        rec["etag"] = _etag(emu)
    return lro.accepted(req, lro.start(req))


@route("arm", "POST", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/undoEdit", AUTOMATION_API_VERSIONS)
def undo_edit(req):
    acct = get_account(req)
    name = param(req, "name")
    emu = req.emu
    with emu.lock:
        rec = _runbook_or_404(emu, acct, name)
        now = iso(emu.now())
        published = rec.get("_published")
        # without a published version the draft goes back to empty, as a new runbook's
        rec["_draft"].update({"content": published["content"] if published else "", "inEdit": False,
                              "lastModifiedTime": now})
        rec["properties"]["state"] = "Published" if published else "New"
        rec["properties"]["lastModifiedTime"] = now
        return 200, {"statusCode": "OK", "requestId": req.request_id}


# ---------------------------------------------------------------------------------------------------
# job runs (shared by jobs and test jobs)
# ---------------------------------------------------------------------------------------------------
def _new_run(emu, rb, content, parameters, runtime_environment=None):
    now = emu.now()
    span = float(emu.settings.get("job_run_s") or 0)
    props = rb["properties"]
    return {
        "job_id": str(uuid.uuid4()), "created": now, "start_at": now + span / 3.0, "done_at": now + span,
        "suspended_at": None, "stopped_at": None, "evaluated": False, "result": None, "status_changed": now,
        "runbook": rb["name"], "runbook_type": props.get("runbookType"), "content": content,
        "runtime_environment": runtime_environment or props.get("runtimeEnvironment"),
        "log_verbose": bool(props.get("logVerbose")), "parameters": dict(parameters or {}),
    }


def _string_parameters(raw):
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        automation_error(400, "BadRequest", "The job parameters must be an object of parameter name to value.")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}


def job_context(emu, acct, run):
    """What the evaluator needs to know about the account, its identities and the runbook's runtime."""
    from . import graph

    runtime = runbook_runtime(emu, acct, run["runbook_type"], run["runtime_environment"])
    identity = acct.get("identity") or {}
    itype = str(identity.get("type") or "").lower().replace(" ", "")
    users = {}
    for ua in (identity.get("userAssignedIdentities") or {}).values():
        if isinstance(ua, dict) and ua.get("clientId"):
            users[ua["clientId"].lower()] = ua.get("principalId")
    variables = {}
    for var in list_children(emu, acct["id"], "variables"):
        try:
            variables[var["name"].lower()] = json.loads(var["_value"]) if var.get("_value") else None
        except ValueError:
            variables[var["name"].lower()] = var.get("_value")
    return {
        "language": runtime["language"], "runtime_version": runtime["version"], "modules": runtime["modules"],
        "runtime_error": runtime["error"], "runbook_name": run["runbook"],
        "system_principal_id": identity.get("principalId") if "systemassigned" in itype else None,
        "user_identities": users, "organization": emu.organization, "tenant_id": emu.tenant_id,
        "accepted_domains": list(ACCEPTED_DOMAINS), "exo_access": lambda pid: graph.exo_access(emu, pid),
        "variables": variables, "log_verbose": run["log_verbose"],
    }


def _ticks(ts):
    return int((ts + 62135596800) * 10_000_000)


def _evaluate(emu, acct, holder, stream_base_id):
    from . import jobs

    run = holder["_run"]
    result = jobs.evaluate(run["content"], run["parameters"], job_context(emu, acct, run))
    run["evaluated"] = True
    run["result"] = {"status": result["status"], "exception": result["exception"]}
    records = result["streams"]
    start, end = run["start_at"], max(run["done_at"], run["start_at"])
    streams = []
    for n, item in enumerate(records, start=1):
        ts = start + (end - start) * n / (len(records) + 1)
        stream_id = f"{run['job_id']}_{_ticks(ts):020d}_{n:020d}"
        streams.append({
            "id": f"{stream_base_id}/streams/{stream_id}",
            "properties": {"jobStreamId": stream_id, "time": iso(ts), "streamType": item["type"],
                           "streamText": item["text"], "summary": item["text"], "value": {}},
        })
    holder["_streams"] = streams


def _status(run, now):
    if run["stopped_at"] is not None:
        return "Stopped"
    if run["suspended_at"] is not None:
        return "Suspended"
    if now < run["start_at"] and not run["evaluated"]:
        return "New"
    if now < run["done_at"]:
        return "Running"
    return run["result"]["status"] if run["result"] else "Completed"


def refresh_run(emu, acct, holder, props, stream_base_id):
    """Bring a job/test job's ``properties`` up to date with the clock (running it when it starts)."""
    run = holder["_run"]
    now = emu.now()
    if (run["stopped_at"] is None and run["suspended_at"] is None and not run["evaluated"]
            and now >= run["start_at"]):
        _evaluate(emu, acct, holder, stream_base_id)
    status = _status(run, now)
    if status != props.get("status"):
        changed = {"Running": run["start_at"], "New": run["created"]}.get(status)
        if status in ("Completed", "Failed"):
            changed = run["done_at"]
        elif status == "Stopped":
            changed = run["stopped_at"]
        elif status == "Suspended":
            changed = run["suspended_at"]
        props["status"] = status
        props["lastStatusModifiedTime"] = iso(changed)
        props["lastModifiedTime"] = iso(changed)
    if status != "New":
        props["startTime"] = iso(min(run["start_at"], run["stopped_at"] or now, run["suspended_at"] or now, now))
    if status in TERMINAL:
        props["endTime"] = iso(run["stopped_at"] if status == "Stopped" else run["done_at"])
    if status == "Failed" and run["result"] and run["result"]["exception"]:
        props["exception"] = run["result"]["exception"]
    if "provisioningState" in props:
        props["provisioningState"] = {"Completed": "Succeeded", "Stopped": "Succeeded", "Failed": "Failed",
                                      "Suspended": "Suspended"}.get(status, "Processing")
    return props


def _control(emu, holder, props, action):
    """stop / suspend / resume; a job that already ended is left as it is."""
    run = holder["_run"]
    now = emu.now()
    status = props.get("status")
    if status in TERMINAL:
        return
    if action == "stop":
        run["stopped_at"] = now
        run["suspended_at"] = None
    elif action == "suspend" and run["suspended_at"] is None:
        run["suspended_at"] = now
    elif action == "resume" and run["suspended_at"] is not None:
        pause = now - run["suspended_at"]
        if now < run["start_at"] + pause:
            run["start_at"] += pause
        run["done_at"] += pause
        run["suspended_at"] = None


def _streams_of(req, holder):
    streams = holder.get("_streams") or []
    flt = req.q("$filter") or ""
    m = re.search(r"streamType\s+eq\s+'([^']+)'", flt, re.IGNORECASE)
    if m and m.group(1).lower() != "any":
        streams = [s for s in streams if s["properties"]["streamType"].lower() == m.group(1).lower()]
    return streams


def _stream_list_view(stream):
    props = stream["properties"]
    return {"id": stream["id"], "properties": {k: props[k] for k in ("jobStreamId", "time", "streamType", "summary")}}


def _stream_by_id(holder, stream_id):
    for stream in holder.get("_streams") or []:
        if stream["properties"]["jobStreamId"].lower() == stream_id.lower():
            return stream
    not_found("Job stream", stream_id)


# ---------------------------------------------------------------------------------------------------
# test jobs (of a runbook's draft)
# ---------------------------------------------------------------------------------------------------
def _test_job(req, acct):
    rb = _runbook_or_404(req.emu, acct, param(req, "name"))
    holder = rb.get("_testJob")
    if holder is None:
        not_found("Test job of runbook", rb["name"])
    refresh_run(req.emu, acct, holder, holder["properties"], rb["id"] + "/draft/testJob")
    return rb, holder


@route("arm", "PUT", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/testJob", AUTOMATION_API_VERSIONS)
def create_test_job(req):
    acct = get_account(req)
    body = req.json or {}
    emu = req.emu
    with emu.lock:
        rb = _runbook_or_404(emu, acct, param(req, "name"))
        old = rb.get("_testJob")
        if old is not None:
            refresh_run(emu, acct, old, old["properties"], rb["id"] + "/draft/testJob")
            if old["properties"]["status"] not in TERMINAL:
                automation_error(400, "BadRequest", f"A test job of runbook '{rb['name']}' is already running.")
        parameters = _string_parameters(body.get("parameters"))
        run = _new_run(emu, rb, rb["_draft"]["content"], parameters, body.get("runtimeEnvironment"))
        now = iso(run["created"])
        props = {
            "creationTime": now, "status": "New", "statusDetails": "None", "startTime": None, "endTime": None,
            "lastModifiedTime": now, "lastStatusModifiedTime": now, "parameters": parameters, "logActivityTrace": 0,
            "runOn": str(body.get("runOn") or ""), "exception": "",
        }
        rb["_testJob"] = {"properties": props, "_run": run, "_streams": []}
        return 201, public(props)


@route("arm", "GET", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/testJob", AUTOMATION_API_VERSIONS)
def get_test_job(req):
    acct = get_account(req)
    with req.emu.lock:
        _rb, holder = _test_job(req, acct)
        return 200, public(holder["properties"])


@route("arm", "POST", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/testJob/(?P<action>stop|suspend|resume)",
       AUTOMATION_API_VERSIONS)
def control_test_job(req):
    acct = get_account(req)
    with req.emu.lock:
        rb, holder = _test_job(req, acct)
        _control(req.emu, holder, holder["properties"], req.params["action"].lower())
        refresh_run(req.emu, acct, holder, holder["properties"], rb["id"] + "/draft/testJob")
        return 200, None


@route("arm", "GET", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/testJob/streams", AUTOMATION_API_VERSIONS)
def list_test_job_streams(req):
    acct = get_account(req)
    with req.emu.lock:
        _rb, holder = _test_job(req, acct)
        return 200, {"value": [_stream_list_view(s) for s in _streams_of(req, holder)]}


@route("arm", "GET", ACCOUNT_PATH + r"/runbooks/(?P<name>[^/]+)/draft/testJob/streams/(?P<stream>[^/]+)",
       AUTOMATION_API_VERSIONS)
def get_test_job_stream(req):
    acct = get_account(req)
    with req.emu.lock:
        _rb, holder = _test_job(req, acct)
        return 200, public(_stream_by_id(holder, param(req, "stream")))


# ---------------------------------------------------------------------------------------------------
# jobs
# ---------------------------------------------------------------------------------------------------
def _job(req, acct, name=None):
    rec = child_or_404(req.emu, acct, "jobs", "Job", name or param(req, "job"))
    refresh_run(req.emu, acct, rec, rec["properties"], rec["id"])
    return rec


@route("arm", "PUT", ACCOUNT_PATH + r"/jobs/(?P<job>[^/]+)", AUTOMATION_API_VERSIONS)
def create_job(req):
    acct = get_account(req)
    name = param(req, "job")
    _body, props = body_properties(req)
    runbook_name = (props.get("runbook") or {}).get("name") if isinstance(props.get("runbook"), dict) else None
    if not runbook_name:
        automation_error(400, "BadRequest", "The runbook name of the job is required (properties.runbook.name).")
    parameters = _string_parameters(props.get("parameters"))
    emu = req.emu
    with emu.lock:
        if get_child(emu, acct["id"], "jobs", name) is not None:
            automation_error(409, "Conflict", f"A job with the name '{name}' already exists.")
        rb = _runbook_or_404(emu, acct, runbook_name)
        if rb.get("_published") is None:
            automation_error(400, "BadRequest", f"The runbook '{rb['name']}' is not published. Publish the runbook "
                                                "before starting a job.")
        run = _new_run(emu, rb, rb["_published"]["content"], parameters)
        now = iso(run["created"])
        job_props = {
            "jobId": run["job_id"], "runbook": {"name": rb["name"]}, "provisioningState": "Processing",
            "creationTime": now, "startTime": None, "endTime": None, "lastModifiedTime": now,
            "lastStatusModifiedTime": now, "status": "New", "statusDetails": "None", "parameters": parameters,
            "runOn": str(props.get("runOn") or ""), "startedBy": "",
        }
        if run["runtime_environment"]:
            job_props["jobRuntimeEnvironment"] = {"runtimeEnvironmentName": run["runtime_environment"]}
        rec = add_child(emu, acct["id"], "jobs", name, JOB_TYPE, properties=job_props, _run=run, _streams=[])
        return 201, public(rec)


@route("arm", "GET", ACCOUNT_PATH + r"/jobs/(?P<job>[^/]+)", AUTOMATION_API_VERSIONS)
def get_job(req):
    acct = get_account(req)
    with req.emu.lock:
        return 200, public(_job(req, acct))


def _job_filter(flt):
    """Clauses of a jobs ``$filter`` this emulator applies (runbook name, status); others are ignored."""
    checks = []
    for clause in re.split(r"\s+and\s+", flt or "", flags=re.IGNORECASE):
        m = re.match(r"\s*properties/(runbook/name|status)\s+eq\s+'([^']*)'\s*$", clause, re.IGNORECASE)
        if m:
            checks.append((m.group(1).lower(), m.group(2).lower()))
    return checks


@route("arm", "GET", ACCOUNT_PATH + r"/jobs", AUTOMATION_API_VERSIONS)
def list_jobs(req):
    acct = get_account(req)
    checks = _job_filter(req.q("$filter"))
    out = []
    with req.emu.lock:
        for rec in list_children(req.emu, acct["id"], "jobs"):
            props = refresh_run(req.emu, acct, rec, rec["properties"], rec["id"])
            values = {"runbook/name": props["runbook"]["name"].lower(), "status": props["status"].lower()}
            if any(values[key] != wanted for key, wanted in checks):
                continue
            item = {k: props[k] for k in ("jobId", "runbook", "provisioningState", "status", "creationTime",
                                          "startTime", "endTime", "lastModifiedTime", "runOn", "startedBy") if k in props}
            if "jobRuntimeEnvironment" in props:
                item["jobRuntimeEnvironment"] = dict(props["jobRuntimeEnvironment"])
            out.append({"id": rec["id"], "name": rec["name"], "type": JOB_TYPE, "properties": item,
                        "_created": rec["_run"]["created"]})
    out.sort(key=lambda j: j["_created"], reverse=True)
    return 200, {"value": [public(j) for j in out]}


@route("arm", "GET", ACCOUNT_PATH + r"/jobs/(?P<job>[^/]+)/output", AUTOMATION_API_VERSIONS)
def job_output(req):
    acct = get_account(req)
    with req.emu.lock:
        rec = _job(req, acct)
        lines = [s["properties"]["streamText"] for s in rec.get("_streams") or []
                 if s["properties"]["streamType"] == "Output"]
        return 200, "\n".join(lines), {"Content-Type": "text/plain; charset=utf-8"}


@route("arm", "GET", ACCOUNT_PATH + r"/jobs/(?P<job>[^/]+)/runbookContent", AUTOMATION_API_VERSIONS)
def job_runbook_content(req):
    acct = get_account(req)
    with req.emu.lock:
        return 200, _job(req, acct)["_run"]["content"], dict(TEXT_POWERSHELL)


@route("arm", "POST", ACCOUNT_PATH + r"/jobs/(?P<job>[^/]+)/(?P<action>stop|suspend|resume)", AUTOMATION_API_VERSIONS)
def control_job(req):
    acct = get_account(req)
    with req.emu.lock:
        rec = _job(req, acct)
        _control(req.emu, rec, rec["properties"], req.params["action"].lower())
        refresh_run(req.emu, acct, rec, rec["properties"], rec["id"])
        return 200, None


@route("arm", "GET", ACCOUNT_PATH + r"/jobs/(?P<job>[^/]+)/streams", AUTOMATION_API_VERSIONS)
def list_job_streams(req):
    acct = get_account(req)
    with req.emu.lock:
        rec = _job(req, acct)
        return 200, {"value": [_stream_list_view(s) for s in _streams_of(req, rec)]}


@route("arm", "GET", ACCOUNT_PATH + r"/jobs/(?P<job>[^/]+)/streams/(?P<stream>[^/]+)", AUTOMATION_API_VERSIONS)
def get_job_stream(req):
    acct = get_account(req)
    with req.emu.lock:
        rec = _job(req, acct)
        return 200, public(_stream_by_id(rec, param(req, "stream")))


# ---------------------------------------------------------------------------------------------------
# schedules
# ---------------------------------------------------------------------------------------------------
def _minute_iso(ts):
    """Azure keeps schedule times to the minute: ``2024-05-01T10:11:00+00:00``."""
    return iso(ts - (ts % 60))[:17] + "00+00:00"


def _frequency(value):
    for known in SCHEDULE_FREQUENCIES:
        if str(value or "").lower() == known.lower():
            return known
    automation_error(400, "BadRequest", f"The frequency '{value}' is not valid. Valid values: {', '.join(SCHEDULE_FREQUENCIES)}.")


child_routes("schedules", "Schedule", routes=("list", "get"))


@route("arm", "PUT", ACCOUNT_PATH + r"/schedules/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def put_schedule(req):
    acct = get_account(req)
    name = param(req, "name")
    _body, props = body_properties(req)
    emu = req.emu
    start = parse_time(props.get("startTime"))
    if start is None:
        automation_error(400, "BadRequest", "The startTime of the schedule is required and must be a date and time.")
    frequency = _frequency(props.get("frequency"))
    if start < emu.now() + 300 - 10:
        automation_error(400, "BadRequest", START_TIME_MESSAGE)
    interval = props.get("interval")
    if frequency != "OneTime":
        try:
            interval = int(interval if interval is not None else 1)
        except (TypeError, ValueError):
            automation_error(400, "BadRequest", f"The interval '{interval}' of the schedule is not a number.")
        if interval < 1 or (frequency == "Minute" and interval < 15):
            automation_error(400, "BadRequest", "The interval of the schedule is too small. The minimum allowed "
                                                "interval for Minute schedules is 15 minutes.")
    expiry = props.get("expiryTime")
    expiry_ts = parse_time(expiry) if expiry else None
    if expiry and expiry_ts is None:
        automation_error(400, "BadRequest", "The expiryTime of the schedule must be a date and time.")
    if expiry_ts is not None and expiry_ts <= start:
        automation_error(400, "BadRequest", "The expiry time of the schedule must be after its start time.")
    with emu.lock:
        now = iso(emu.now())
        rec = get_child(emu, acct["id"], "schedules", name)
        status = 200
        if rec is None:
            status = 201
            rec = add_child(emu, acct["id"], "schedules", name, SCHEDULE_TYPE, properties={"creationTime": now, "isEnabled": True})
        p = rec["properties"]
        p.update({
            "startTime": _minute_iso(start), "startTimeOffsetMinutes": 0.0,
            "expiryTime": _minute_iso(expiry_ts) if expiry_ts is not None else NO_EXPIRY, "expiryTimeOffsetMinutes": 0.0,
            "nextRun": _minute_iso(start), "nextRunOffsetMinutes": 0.0, "frequency": frequency,
            "timeZone": str(props.get("timeZone") or "UTC"), "lastModifiedTime": now,
        })
        if frequency != "OneTime":
            p["interval"] = interval
        else:
            p.pop("interval", None)
        if props.get("description") is not None:
            p["description"] = str(props["description"])
        advanced = props.get("advancedSchedule")
        if isinstance(advanced, dict) and any(advanced.get(k) for k in ("weekDays", "monthDays", "monthlyOccurrences")):
            p["advancedSchedule"] = {k: v for k, v in advanced.items() if v}
        else:
            p.pop("advancedSchedule", None)
        return status, public(rec)


@route("arm", "PATCH", ACCOUNT_PATH + r"/schedules/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def patch_schedule(req):
    acct = get_account(req)
    name = param(req, "name")
    _body, props = body_properties(req)
    with req.emu.lock:
        rec = child_or_404(req.emu, acct, "schedules", "Schedule", name)
        if props.get("isEnabled") is not None:
            rec["properties"]["isEnabled"] = bool(props["isEnabled"])
        if props.get("description") is not None:
            rec["properties"]["description"] = str(props["description"])
        rec["properties"]["lastModifiedTime"] = iso(req.emu.now())
        return 200, public(rec)


@route("arm", "DELETE", ACCOUNT_PATH + r"/schedules/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def delete_schedule(req):
    acct = get_account(req)
    name = param(req, "name")
    emu = req.emu
    with emu.lock:
        rec = child_or_404(emu, acct, "schedules", "Schedule", name)
        del emu.arm()[rec["id"].lower()]
        for link in list_children(emu, acct["id"], "jobSchedules"):
            if link["properties"]["schedule"]["name"].lower() == name.lower():
                del emu.arm()[link["id"].lower()]
        return 200, None


# ---------------------------------------------------------------------------------------------------
# job schedules (runbook <-> schedule links)
# ---------------------------------------------------------------------------------------------------
@route("arm", "GET", ACCOUNT_PATH + r"/jobSchedules", AUTOMATION_API_VERSIONS)
def list_job_schedules(req):
    acct = get_account(req)
    flt = req.q("$filter") or ""
    checks = re.findall(r"properties/(runbook|schedule)/name\s+eq\s+'([^']*)'", flt, re.IGNORECASE)
    with req.emu.lock:
        out = []
        for link in list_children(req.emu, acct["id"], "jobSchedules"):
            props = link["properties"]
            if all(props[kind.lower()]["name"].lower() == value.lower() for kind, value in checks):
                out.append(public(link))
        return 200, {"value": out}


child_routes("jobSchedules", "Job schedule", key="id", routes=("get", "delete"))


@route("arm", "PUT", ACCOUNT_PATH + r"/jobSchedules/(?P<id>[^/]+)", AUTOMATION_API_VERSIONS)
def put_job_schedule(req):
    acct = get_account(req)
    link_id = param(req, "id")
    try:
        link_id = str(uuid.UUID(link_id))
    except ValueError:
        automation_error(400, "BadRequest", f"The job schedule id '{link_id}' is not a valid GUID.")
    _body, props = body_properties(req)
    schedule_name = (props.get("schedule") or {}).get("name")
    runbook_name = (props.get("runbook") or {}).get("name")
    if not schedule_name or not runbook_name:
        automation_error(400, "BadRequest", "A job schedule needs properties.schedule.name and properties.runbook.name.")
    emu = req.emu
    with emu.lock:
        if get_child(emu, acct["id"], "jobSchedules", link_id) is not None:
            automation_error(409, "Conflict", f"A job schedule with the id '{link_id}' already exists.")
        schedule = child_or_404(emu, acct, "schedules", "Schedule", schedule_name)
        runbook = _runbook_or_404(emu, acct, runbook_name)
        for link in list_children(emu, acct["id"], "jobSchedules"):
            p = link["properties"]
            if (p["schedule"]["name"].lower() == schedule["name"].lower()
                    and p["runbook"]["name"].lower() == runbook["name"].lower()):
                automation_error(409, "Conflict", f"A job schedule for the same runbook '{runbook['name']}' and schedule "
                                                  f"'{schedule['name']}' already exists.")
        link_props = {"jobScheduleId": link_id, "schedule": {"name": schedule["name"]},
                      "runbook": {"name": runbook["name"]}, "parameters": _string_parameters(props.get("parameters"))}
        if props.get("runOn"):
            link_props["runOn"] = str(props["runOn"])
        rec = add_child(emu, acct["id"], "jobSchedules", link_id, JOB_SCHEDULE_TYPE, properties=link_props)
        return 201, public(rec)


# ---------------------------------------------------------------------------------------------------
# webhooks
# ---------------------------------------------------------------------------------------------------
def webhook_uri(location):
    region = REGION_CODES.get(str(location or "").replace(" ", "").lower(), str(location or "").replace(" ", "").lower())
    token = quote(base64.b64encode(os.urandom(32)).decode(), safe="")
    return f"https://{uuid.uuid4()}.webhook.{region}.azure-automation.net/webhooks?token={token}"


@route("arm", "POST", ACCOUNT_PATH + r"/webhooks/generateUri", AUTOMATION_API_VERSIONS)
def generate_webhook_uri(req):
    acct = get_account(req)
    uri = webhook_uri(acct.get("location"))
    accept = (req.headers.get("Accept") or "").lower()
    if "text/plain" in accept and "json" not in accept:  # azure-mgmt-automation 2.x asks for the bare text
        return 200, uri, {"Content-Type": "text/plain; charset=utf-8"}
    return 200, json.dumps(uri).encode(), {"Content-Type": "application/json; charset=utf-8"}


child_routes("webhooks", "Webhook")


@route("arm", "PUT", ACCOUNT_PATH + r"/webhooks/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def put_webhook(req):
    acct = get_account(req)
    name = param(req, "name")
    _body, props = body_properties(req)
    runbook_name = (props.get("runbook") or {}).get("name") if isinstance(props.get("runbook"), dict) else None
    if not runbook_name:
        automation_error(400, "BadRequest", "The runbook of the webhook is required (properties.runbook.name).")
    emu = req.emu
    expiry = props.get("expiryTime")
    expiry_ts = parse_time(expiry) if expiry else emu.now() + 365 * 86400
    if expiry_ts is None:
        automation_error(400, "BadRequest", "The expiryTime of the webhook must be a date and time.")
    with emu.lock:
        runbook = _runbook_or_404(emu, acct, runbook_name)
        now = iso(emu.now())
        rec = get_child(emu, acct["id"], "webhooks", name)
        status = 200
        if rec is None:
            if not props.get("uri"):
                automation_error(400, "BadRequest", "The uri of the webhook is required. Get one from generateUri first.")
            status = 201
            rec = add_child(emu, acct["id"], "webhooks", name, WEBHOOK_TYPE,
                            properties={"creationTime": now, "lastInvokedTime": None, "lastModifiedBy": ""},
                            _uri=str(props["uri"]))
        p = rec["properties"]
        p.update({"isEnabled": bool(props.get("isEnabled", p.get("isEnabled", False))), "uri": "",
                  "expiryTime": iso(expiry_ts), "runbook": {"name": runbook["name"]}, "lastModifiedTime": now})
        for key in ("parameters", "runOn"):
            if props.get(key):
                p[key] = _string_parameters(props[key]) if key == "parameters" else str(props[key])
            else:
                p.pop(key, None)
        return status, public(rec)


@route("arm", "PATCH", ACCOUNT_PATH + r"/webhooks/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def patch_webhook(req):
    acct = get_account(req)
    name = param(req, "name")
    _body, props = body_properties(req)
    with req.emu.lock:
        rec = child_or_404(req.emu, acct, "webhooks", "Webhook", name)
        p = rec["properties"]
        if props.get("isEnabled") is not None:
            p["isEnabled"] = bool(props["isEnabled"])
        if props.get("runOn") is not None:
            p["runOn"] = str(props["runOn"])
        if props.get("parameters") is not None:
            p["parameters"] = _string_parameters(props["parameters"])
        if props.get("description") is not None:
            p["description"] = str(props["description"])
        p["lastModifiedTime"] = iso(req.emu.now())
        return 200, public(rec)


# ---------------------------------------------------------------------------------------------------
# variables
# ---------------------------------------------------------------------------------------------------
def _variable_value(value):
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    try:
        json.loads(text)
    except ValueError:
        automation_error(400, "BadRequest", "The variable value is not valid JSON. String values must be "
                                            "enclosed in double quotes, for example \"\\\"text\\\"\".")
    return text


def _variable_view(rec):
    view = public(rec)
    if not rec["properties"].get("isEncrypted") and rec.get("_value") is not None:
        view["properties"]["value"] = rec["_value"]
    return view


child_routes("variables", "Variable", view=_variable_view)


@route("arm", "PUT", ACCOUNT_PATH + r"/variables/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def put_variable(req):
    acct = get_account(req)
    name = param(req, "name")
    _body, props = body_properties(req)
    value = _variable_value(props.get("value"))
    emu = req.emu
    with emu.lock:
        now = iso(emu.now())
        rec = get_child(emu, acct["id"], "variables", name)
        status = 200
        if rec is None:
            status = 201
            rec = add_child(emu, acct["id"], "variables", name, VARIABLE_TYPE,
                            properties={"creationTime": now, "isEncrypted": bool(props.get("isEncrypted", False))})
        elif props.get("isEncrypted") is not None and bool(props["isEncrypted"]) != rec["properties"]["isEncrypted"]:
            automation_error(400, "BadRequest", "The encryption of an existing variable cannot be changed. Delete the "
                                                "variable and create it again.")
        rec["_value"] = value
        rec["properties"]["lastModifiedTime"] = now
        if props.get("description") is not None:
            rec["properties"]["description"] = str(props["description"])
        return status, _variable_view(rec)


@route("arm", "PATCH", ACCOUNT_PATH + r"/variables/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def patch_variable(req):
    acct = get_account(req)
    name = param(req, "name")
    _body, props = body_properties(req)
    with req.emu.lock:
        rec = child_or_404(req.emu, acct, "variables", "Variable", name)
        if "value" in props:
            rec["_value"] = _variable_value(props["value"])
        if props.get("description") is not None:
            rec["properties"]["description"] = str(props["description"])
        rec["properties"]["lastModifiedTime"] = iso(req.emu.now())
        return 200, _variable_view(rec)
