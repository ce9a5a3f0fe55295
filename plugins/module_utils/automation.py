# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure Automation content: module and package imports, runbook content, jobs and their streams.

Everything here works on the REST JSON of the objects (``model.as_dict()`` of azure-mgmt-automation 2.x:
camelCase keys such as ``properties.provisioningState``), so the modules and their unit tests deal in plain
dicts. Nothing imports an SDK at import time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.m365.exo_automation.plugins.module_utils.arm import get_or_none, to_dict
from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_name
from ansible_collections.m365.exo_automation.plugins.module_utils.waiting import TimedOut, poll

POWERSHELL_GALLERY = "https://www.powershellgallery.com/api/v2"
LATEST = "latest"

# Import order of the Exchange Online PowerShell module and what it needs for REST connections.
EXCHANGE_ONLINE_MODULES = ("PackageManagement", "PowerShellGet", "ExchangeOnlineManagement")

# PowerShell runtimes of runtime environments (api-version 2024-10-23).
RUNTIME_VERSIONS = {"PowerShell": ("5.1", "7.2", "7.4")}

VERSION_RE = re.compile(r"^\d+(\.\d+){0,3}(-[0-9A-Za-z][0-9A-Za-z.-]*)?$")
ORGANIZATION_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")

IMPORT_SUCCEEDED = ("Succeeded",)
IMPORT_FAILED = ("Failed", "Cancelled", "Canceled")

JOB_DONE = ("Completed",)
JOB_FAILED = ("Failed", "Stopped", "Suspended")
JOB_TERMINAL = JOB_DONE + JOB_FAILED

STREAM_KEYS = {
    "Output": "output",
    "Warning": "warnings",
    "Error": "errors",
    "Verbose": "verbose",
    "Progress": "progress",
    "Debug": "debug",
}
STREAM_CHOICES = ("output", "warning", "error", "verbose", "progress", "debug")
_STREAM_TYPE = {"output": "Output", "warning": "Warning", "error": "Error", "verbose": "Verbose",
                "progress": "Progress", "debug": "Debug"}


# -- plain data ---------------------------------------------------------------------------------------
def props(obj):
    """``obj["properties"]`` of a REST dict, ``{}`` when missing."""
    return (obj or {}).get("properties") or {}


def enum_text(value):
    """An SDK enum value or a string as plain text."""
    if value is None:
        return None
    return getattr(value, "value", value)


# -- the Automation account ---------------------------------------------------------------------------
def account_argspec():
    """Options every Automation content module shares."""
    return dict(
        resource_group=dict(type="str", required=True),
        account=dict(type="str", required=True, aliases=["automation_account"]),
    )


def check_account_options(params, kind=None, option="name"):
    """Check the options ``resource_group`` and ``account`` (and, with ``kind``, the option ``option`` by the
    naming rule of ``kind``) before any request; returns ``(resource_group, account, name)`` (name None without
    ``kind``)."""
    check_name("resource_group", params["resource_group"], "resource_group")
    check_name("automation_account", params["account"], "account")
    name = check_name(kind, params[option], option) if kind else None
    return params["resource_group"], params["account"], name


def get_account(m, client, resource_group, account):
    """The Automation account (REST dict). A missing account fails, except in check mode, where an earlier
    task of the same run may be about to create it: then None is returned after a warning. Read once per module
    run (``m.accounts``), however many entries of the task need it."""
    key = (str(resource_group).lower(), str(account).lower())
    if key in m.accounts:
        return m.accounts[key]
    found = m.accounts[key] = _read_account(m, client, resource_group, account)
    return found


def _read_account(m, client, resource_group, account):
    found = to_dict(get_or_none(client.automation_account.get, resource_group, account))
    if found is None:
        if m.check_mode:
            m.warn("Automation account '%s' does not exist in resource group '%s' (yet): the prediction assumes an "
                   "earlier task creates it" % (account, resource_group))
            return None
        raise ModuleError("Automation account '%s' was not found in resource group '%s'" % (account, resource_group),
                          status=404, option="account",
                          hint="Create it first (m365.exo_automation.automation_account or the automation_account "
                               "role), or check account, resource_group and subscription_id.")
    return found


def read(fn, *args, **kwargs):
    """``fn(*args)`` as a REST dict, or None on 404."""
    return to_dict(get_or_none(fn, *args, **kwargs))


def read_raw(fn, *args, **kwargs):
    """``fn(*args)`` as the SDK returns it (for example runbook content as text), or None on 404."""
    return get_or_none(fn, *args, **kwargs)


def read_list(fn, *args, **kwargs):
    """A paged list as REST dicts; an empty list when the parent does not exist (404)."""
    items = get_or_none(lambda: list(fn(*args, **kwargs)))
    return [to_dict(i) for i in (items or [])]


def read_one_or_all(operations, resource_group, account, name=None):
    """What an ``_info`` module lists: the object called ``name`` (an empty list when it does not exist), or
    every object of the account. ``operations`` is the SDK's operation group (``client.runbook``, ...)."""
    if name:
        found = read(operations.get, resource_group, account, name)
        return [found] if found else []
    return read_list(operations.list_by_automation_account, resource_group, account)


# -- versions and sources -----------------------------------------------------------------------------
def check_version(value, option="version"):
    """``latest`` or a module version such as ``3.4.0`` (up to four numbers, optional prerelease suffix)."""
    text = "" if value is None else str(value).strip()
    if text.lower() == LATEST:
        return LATEST
    if not VERSION_RE.match(text):
        raise ModuleError("%s '%s' is not a version: use latest or a version such as 3.4.0 (one to four numbers "
                          "separated by periods, optionally with a prerelease suffix such as -Preview1)"
                          % (option, value), option=option)
    return text


def version_key(value):
    """A comparable form of a version: numbers padded to four parts, prerelease lower-cased."""
    if not value:
        return None
    text = str(value).strip()
    release, _sep, pre = text.partition("-")
    try:
        numbers = [int(p) for p in release.split(".")]
    except ValueError:
        return (text.lower(),)
    numbers += [0] * (4 - len(numbers))
    return tuple(numbers[:4]) + (pre.lower(),)


def same_version(a, b):
    return a is not None and b is not None and version_key(a) == version_key(b)


def check_https_url(value, option):
    if value is None:
        return None
    if not re.match(r"^https://[^/\s]+(/\S*)?$", value):
        raise ModuleError("%s '%s' is not an https URL: give the address of a NuGet v2 feed, such as %s"
                          % (option, value, POWERSHELL_GALLERY), option=option)
    return value


HIDDEN_QUERY = "(query hidden)"


def public_uri(uri):
    """What may be shown of a content address: everything but its query string, which may carry a SAS token
    (``https://a.blob.core.windows.net/m/x.zip?sv=...&sig=...`` -> ``https://a.blob.core.windows.net/m/x.zip?(query
    hidden)``)."""
    if not uri or "?" not in uri:
        return uri
    return uri.split("?", 1)[0] + "?" + HIDDEN_QUERY


def protect_uri(module, uri):
    """``content_link.uri`` is ``no_log``, so AnsibleModule masks it wherever it appears. An address without a
    query string is no secret and is shown as it is; one with a query string stays masked, and so does the
    query string alone (a SAS token echoed in an error text)."""
    if not uri:
        return
    if "?" in uri:
        module.no_log_values.add(uri)
        module.no_log_values.add(uri.split("?", 1)[1])
    else:
        module.no_log_values.discard(uri)


def package_uri(name, version, feed=None):
    """The NuGet v2 download address of a package: ``<feed>/package/<name>[/<version>]``.

    Without a version (``latest``) the feed serves its newest version."""
    base = (feed or POWERSHELL_GALLERY).rstrip("/")
    uri = "%s/package/%s" % (base, name)
    if version and version != LATEST:
        uri += "/%s" % version
    return uri


def content_link(name, version, source=None, link=None, option="source"):
    """The ``contentLink`` body of a module or package import.

    ``link`` (a dict with ``uri``, optional ``hash`` and ``hash_algorithm``) wins over ``source`` (a NuGet v2
    feed, the PowerShell Gallery by default)."""
    if link:
        uri = check_https_url(link.get("uri"), "%s.uri" % option if option != "source" else "content_link.uri")
        out = {"uri": uri}
        if link.get("hash"):
            out["contentHash"] = {"algorithm": link.get("hash_algorithm") or "SHA256", "value": link["hash"]}
        if version and version != LATEST:
            out["version"] = version
        return out
    check_https_url(source, option)
    out = {"uri": package_uri(name, version, source)}
    if version and version != LATEST:
        out["version"] = version
    return out


def import_state(obj):
    return enum_text(props(obj).get("provisioningState"))


def import_error(obj):
    err = props(obj).get("error") or {}
    return err.get("message") or err.get("code")


def import_needed(current, version, uri=None, force=False, kind="module"):
    """Whether a module/package must be (re)imported: ``(needed, reason)``.

    ``version`` is ``latest`` (present in any version) or a version. An import already in progress for the
    same version is not started again: the caller waits for it."""
    if current is None:
        return True, "not imported"
    p = props(current)
    state = import_state(current)
    have = p.get("version")
    link = p.get("contentLink") or {}
    if force:
        return True, "force=true"
    if p.get("isGlobal"):
        if version != LATEST and same_version(have, version):
            return False, "the built-in %s has version %s" % (kind, have)
        return True, "only the built-in global %s (version %s) is present" % (kind, have)
    if p.get("default"):
        return False, "a default package of the runtime environment"
    if state in IMPORT_FAILED:
        return True, "the last import ended %s: %s" % (state, import_error(current) or "no error text")
    if state not in IMPORT_SUCCEEDED:
        if version == LATEST or same_version(have, version) or same_version(link.get("version"), version) \
                or (uri and link.get("uri") == uri):
            return False, "an import is in progress (%s)" % state
        return True, "an import of another version is in progress (%s)" % state
    if version == LATEST or same_version(have, version):
        return False, "version %s is imported" % have
    return True, "version %s is imported, %s wanted" % (have, version)


def import_hint(name, message):
    text = (message or "").lower()
    if any(w in text for w in ("depend", "packagemanagement", "powershellget", "requiredmodules", "required module")):
        return ("Import the modules it depends on first and wait for them (PackageManagement, then PowerShellGet, "
                "then ExchangeOnlineManagement; the automation_runtime role does so in order).")
    if any(w in text for w in ("could not be found", "not found", "404", "download", "content link", "contentlink")):
        return ("Check the module name and version on the feed (for the PowerShell Gallery: "
                "https://www.powershellgallery.com/packages/%s) or the content link." % name)
    return "Fix the cause named by Azure, then re-run: a failed import is retried."


def wait_for_import(read, what, timeout, name=None, clock=None):
    """Poll ``read()`` (a module or package REST dict) until its provisioningState is Succeeded.

    A failed import raises ModuleError with Azure's error text; so does the timeout."""

    def failed(current):
        if current is None:
            return ModuleError("%s disappeared while waiting for its import" % what)
        state = import_state(current)
        if state in IMPORT_FAILED:
            message = import_error(current)
            return ModuleError("import of %s ended %s: %s" % (what, state, message or "Azure gave no error text"),
                               code=(props(current).get("error") or {}).get("code"),
                               hint=import_hint(name or what, message), details={"provisioning_state": state})
        return None

    try:
        return poll(read, lambda current: import_state(current) in IMPORT_SUCCEEDED, timeout, what, failed=failed,
                    clock=clock)
    except TimedOut as err:
        state = import_state(err.state)
        raise ModuleError("import of %s still %s after %d s; the import continues in Azure"
                          % (what, state, int(timeout)),
                          hint="Raise timeout, or re-run the task later: it waits for the running import.",
                          details={"provisioning_state": state})


def import_facts(obj, uri=None):
    """Facts of a module or package import (snake_case, no server noise)."""
    if obj is None:
        return None
    p = props(obj)
    err = p.get("error") or {}
    facts = {
        "id": obj.get("id"),
        "name": obj.get("name"),
        "version": p.get("version"),
        "provisioning_state": enum_text(p.get("provisioningState")),
        "error": err.get("message") or None,
        "size_in_bytes": p.get("sizeInBytes"),
        "content_uri": public_uri((p.get("contentLink") or {}).get("uri") or uri),
    }
    if "isGlobal" in p:
        facts["is_global"] = bool(p.get("isGlobal"))
    if "default" in p:
        facts["default"] = bool(p.get("default"))
    if "activityCount" in p:
        facts["activity_count"] = p.get("activityCount")
    if p.get("creationTime") or p.get("lastModifiedTime"):
        facts["creation_time"] = p.get("creationTime")
        facts["last_modified_time"] = p.get("lastModifiedTime")
    return facts


# -- runbook content ----------------------------------------------------------------------------------
def read_text(value):
    """Runbook content as text: the SDK answers str, bytes, or an iterator of bytes."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8-sig")
    if isinstance(value, str):
        return value
    chunks = list(value)
    if chunks and isinstance(chunks[0], bytes):
        return b"".join(chunks).decode("utf-8-sig")
    return "".join(chunks)


def normalize_content(text):
    """Content as compared: no byte-order mark, LF line ends, no trailing blank lines, one final newline."""
    if text is None:
        return None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip()
    return text + "\n" if text else ""


def same_content(a, b):
    return normalize_content(a) == normalize_content(b)


def content_sha256(text):
    if text is None:
        return None
    return hashlib.sha256(normalize_content(text).encode("utf-8")).hexdigest()


def content_lines(text):
    """Content as a list of lines, so that --diff shows it line by line."""
    if text is None:
        return None
    return normalize_content(text).splitlines()


def check_organization(value, option="organization"):
    if not value or not ORGANIZATION_RE.match(value):
        raise ModuleError("%s '%s' is not a domain: give the tenant's initial domain, such as "
                          "contoso.onmicrosoft.com" % (option, value), option=option)
    return value.lower()


EXCHANGE_ONLINE_TEMPLATE = """<#
.SYNOPSIS
    Connects to Exchange Online with a managed identity of this Automation account and lists the
    tenant's accepted domains.
.NOTES
    Rendered from the exchange_online template of the m365.exo_automation.runbook module.
#>
param()

$ErrorActionPreference = 'Stop'
try {
    Connect-ExchangeOnline -ManagedIdentity -Organization %(organization)s%(account_id)s
    Write-Output "Connected to Exchange Online: %(organization)s"
    Get-AcceptedDomain
}
finally {
    Disconnect-ExchangeOnline -Confirm:$false
}
"""

TEMPLATES = ("exchange_online",)


def render_template(name, organization=None, managed_identity_client_id=None):
    """The content of a built-in runbook template."""
    if name != "exchange_online":
        raise ModuleError("template '%s' does not exist: use one of %s" % (name, ", ".join(TEMPLATES)),
                          option="template")
    if not organization:
        raise ModuleError("template exchange_online needs organization: the tenant's initial domain, such as "
                          "contoso.onmicrosoft.com", option="organization")
    organization = check_organization(organization)
    account_id = ""
    if managed_identity_client_id:
        account_id = " -ManagedIdentityAccountId %s" % managed_identity_client_id
    return EXCHANGE_ONLINE_TEMPLATE % {"organization": organization, "account_id": account_id}


# -- runbook properties -------------------------------------------------------------------------------
RUNBOOK_TYPES = ("PowerShell", "PowerShell72")


def runbook_type_of(obj):
    """The ``type`` option value that describes a runbook: its runtime environment, else its runbook type."""
    p = props(obj)
    return p.get("runtimeEnvironment") or enum_text(p.get("runbookType"))


def runbook_contents(client, resource_group, account, name, current):
    """``(published, draft)`` content of an existing runbook (the draft is the published content when the
    runbook is not being edited)."""
    state = enum_text(props(current).get("state"))
    published = draft = None
    if state in ("Published", "Edit"):
        published = read_text(read_raw(client.runbook.get_content, resource_group, account, name))
    if state in ("New", "Edit"):
        draft = read_text(read_raw(client.runbook_draft.get_content, resource_group, account, name))
    else:
        draft = published
    return published, draft


def runbook_facts(obj, content=None, draft=None, include_content=False):
    if obj is None:
        return None
    p = props(obj)
    facts = {
        "id": obj.get("id"),
        "name": obj.get("name"),
        "type": runbook_type_of(obj),
        "runbook_type": enum_text(p.get("runbookType")),
        "runtime_environment": p.get("runtimeEnvironment"),
        "state": enum_text(p.get("state")),
        "description": p.get("description"),
        "log_progress": p.get("logProgress"),
        "log_verbose": p.get("logVerbose"),
        "tags": obj.get("tags") or {},
        "parameters": p.get("parameters") or {},
        "location": obj.get("location"),
        "last_modified_time": p.get("lastModifiedTime"),
        "content_sha256": content_sha256(content),
    }
    if include_content:
        facts["content"] = content
        facts["draft_content"] = draft
    return facts


# -- jobs ---------------------------------------------------------------------------------------------
def job_parameters(params):
    """Job parameters as Azure takes them: a string per parameter (others JSON-encoded)."""
    out = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, str):
            out[str(key)] = value
        elif isinstance(value, bool):
            out[str(key)] = "true" if value else "false"
        else:
            out[str(key)] = json.dumps(value, sort_keys=True)
    return out


def check_job_parameters(declared, given, runbook, option="parameters"):
    """Missing mandatory and unknown parameters, against the runbook's declared ``parameters`` (None: Azure did not
    report them, so names are left to Azure; ``{}``: the runbook takes none, so any parameter is refused)."""
    reported = declared is not None
    declared = declared or {}
    lookup = dict((k.lower(), k) for k in declared)
    unknown = [k for k in (given or {}) if k.lower() not in lookup]
    if unknown and reported:
        raise ModuleError("%s: runbook %s has no parameter %s; it takes %s"
                          % (option, runbook, ", ".join(sorted(unknown)),
                             ", ".join(sorted(declared)) if declared else "no parameters"), option=option)
    given_lower = set(k.lower() for k in (given or {}))
    missing = [k for k, spec in declared.items()
               if (spec or {}).get("isMandatory") and k.lower() not in given_lower]
    if missing:
        raise ModuleError("%s: runbook %s needs the mandatory parameter%s %s"
                          % (option, runbook, "s" if len(missing) > 1 else "", ", ".join(sorted(missing))),
                          option=option)


def job_status(obj):
    p = props(obj) if "properties" in (obj or {}) else (obj or {})
    return enum_text(p.get("status"))


def wait_for_job(read, timeout, clock=None):
    """Poll ``read()`` (a job or test job REST dict) until it reaches a terminal status; returns
    ``(job, timed_out)``."""
    try:
        return poll(read, lambda job: job_status(job) in JOB_TERMINAL, timeout, "job", clock=clock), False
    except TimedOut as err:
        return err.state, True


def stream_id(item):
    p = props(item)
    sid = p.get("jobStreamId")
    if not sid and item.get("id"):
        sid = item["id"].rstrip("/").rsplit("/", 1)[-1]
    return sid


def stream_text(item):
    p = props(item)
    text = p.get("streamText")
    if text is None or text == "":
        value = p.get("value")
        if value:
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if text is None or text == "":
        text = p.get("summary")
    return text


def read_streams(items, get, wanted):
    """Stream records by kind: ``{"output": [...], "warnings": [...], "errors": [...], ...}``.

    ``items`` is the stream list (summaries); ``get(stream_id)`` reads one record with its full text, and is
    called only for the kinds in ``wanted`` (names of STREAM_CHOICES) whose list entry lacks the text."""
    wanted_types = set(_STREAM_TYPE[w] for w in wanted)
    out = dict((STREAM_KEYS[_STREAM_TYPE[w]], []) for w in wanted)
    for item in items or []:
        p = props(item)
        kind = enum_text(p.get("streamType"))
        if kind not in wanted_types:
            continue
        text = p.get("streamText")
        if text is None:
            sid = stream_id(item)
            full = get(sid) if sid else None
            text = stream_text(full) if full else None
            if text is None:
                text = stream_text(item)
        if text is None:
            continue
        out[STREAM_KEYS[kind]].extend(str(text).replace("\r\n", "\n").rstrip("\n").split("\n"))
    return out


# Texts users meet in the field (pitfalls) and what to do about them; the first match wins.
JOB_HINTS = (
    (re.compile(r"isn't supported in this scenario", re.I),
     "The managed identity holds Exchange.ManageAsApp but no Entra role that Exchange Online accepts: assign one "
     "(for example Exchange Administrator or Exchange Recipient Administrator) with "
     "m365.exo_automation.directory_role_assignment or the managed_identity_access role."),
    (re.compile(r"has no system-assigned managed identity", re.I),
     "The Automation account has no system-assigned identity: turn it on (automation_account identity type "
     "system or both), or connect with a user-assigned identity by giving its client id "
     "(-ManagedIdentityAccountId, the runbook module's managed_identity_client_id)."),
    (re.compile(r"requested identity has not been assigned to this resource", re.I),
     "-ManagedIdentityAccountId names a user-assigned identity that is not attached to the Automation account, or "
     "the client id of another identity: attach the identity to the account (automation_account identity) and pass "
     "its client id (not its principal id) as managed_identity_client_id."),
    (re.compile(r"Connect-ExchangeOnline' is not recognized", re.I),
     "ExchangeOnlineManagement is not imported for the runtime this runbook runs on: import it with "
     "m365.exo_automation.automation_module (PowerShell 5.1) or add it to the runtime environment's packages "
     "(m365.exo_automation.runtime_environment, PowerShell 7.x), and wait until the import Succeeded."),
    (re.compile(r"is not recognized as the name of a cmdlet", re.I),
     "A command the runbook uses is not available: import its module for the runbook's runtime "
     "(automation_module for PowerShell 5.1, runtime_environment packages for 7.x), or connect first "
     "(Exchange Online cmdlets exist only after Connect-ExchangeOnline)."),
    (re.compile(r"AADSTS90002|Tenant '[^']*' not found", re.I),
     "Check the -Organization value (the runbook module's organization): it must be the tenant's initial domain, "
     "<name>.onmicrosoft.com."),
    (re.compile(r"AADSTS700016|Not a valid reference update|Request_ResourceNotFound", re.I),
     "Entra ID has not replicated the new identity yet (seen 15 s to over 5 min): wait and run the job again."),
    (re.compile(r"Cannot bind argument to parameter 'ServicePrincipalId'", re.I),
     "The service principal lookup returned nothing (wrong name, or Graph replication not finished): resolve the "
     "principal from the ARM resource id, as m365.exo_automation.app_role_assignment does."),
    (re.compile(r"missing mandatory parameters|cannot be found that matches parameter name", re.I),
     "Pass the runbook's parameters with the parameters option, by the names its param() block declares."),
    (re.compile(r"\bUnAuthorized\b", re.I),
     "The managed identity lacks the Exchange.ManageAsApp app role on Office 365 Exchange Online: grant it with "
     "m365.exo_automation.app_role_assignment or the managed_identity_access role."),
    (re.compile(r"concurrent", re.I),
     "Exchange Online allows about three concurrent connections per identity from Automation: make runbooks call "
     "Disconnect-ExchangeOnline in a finally block and avoid overlapping jobs."),
)


def job_hint(*texts):
    """The hint for the first known field error in ``texts``, or None."""
    joined = "\n".join(t for t in texts if t)
    if not joined:
        return None
    for regex, hint in JOB_HINTS:
        if regex.search(joined):
            return hint
    return None


def job_facts(job, name=None):
    if job is None:
        return None
    p = props(job)
    runbook = p.get("runbook") or {}
    runtime = p.get("jobRuntimeEnvironment") or {}
    return {
        "id": job.get("id"),
        "name": job.get("name") or name,
        "job_id": p.get("jobId"),
        "runbook": runbook.get("name"),
        "status": enum_text(p.get("status")),
        "status_details": p.get("statusDetails"),
        "exception": p.get("exception"),
        "run_on": p.get("runOn") or None,
        "runtime_environment": runtime.get("runtimeEnvironmentName"),
        "parameters": p.get("parameters") or {},
        "creation_time": p.get("creationTime"),
        "start_time": p.get("startTime"),
        "end_time": p.get("endTime"),
    }


def draft_job_facts(job):
    if job is None:
        return None
    return {
        "status": enum_text(job.get("status")),
        "status_details": job.get("statusDetails"),
        "exception": job.get("exception"),
        "start_time": job.get("startTime"),
        "end_time": job.get("endTime"),
    }


__all__ = [
    "EXCHANGE_ONLINE_MODULES", "LATEST", "POWERSHELL_GALLERY", "RUNBOOK_TYPES", "RUNTIME_VERSIONS", "STREAM_CHOICES",
    "TEMPLATES", "check_job_parameters", "check_organization", "check_version",
    "content_lines", "content_link", "content_sha256", "import_facts", "import_needed", "job_facts", "job_hint",
    "job_parameters", "normalize_content", "package_uri", "props", "read_streams", "read_text",
    "render_template", "runbook_facts", "same_content", "same_version", "wait_for_import", "wait_for_job",
]
