"""Automation account content, part 1: PowerShell 5.1 modules, runtime environments and their packages.

Also holds the helpers the other Automation content routes share (account lookup, child ids, error
shape, views without private keys) and :func:`delete_children`, which the account DELETE calls.

Storage: every child is an entry of ``emu.arm()`` keyed by its lower-cased resource id, under the
account's id, so removing the account's prefix removes all of it. Keys starting with ``_`` are private
(import timing, errors to come) and never leave the emulator.

Module and package imports are lazy: a PUT records when the import started, when it ends
(``module_import_s`` later) and how it ends; every read moves ``provisioningState`` along
``Creating -> ContentDownloaded -> ContentValidated -> ModuleDataStored -> ActivitiesStored`` and then
to ``Succeeded`` or ``Failed`` with ``properties.error`` like Azure's.

An import succeeds or fails by what its content link points to (see ``feed.py``): a PowerShell Gallery link
to a package of the built-in catalogue, a link to the emulator's own feed, or a URL registered with
``POST /_emulator/packages``. A link that points to nothing fails with Azure's download error; a package
without a module manifest (registered with ``"valid": false``), a package of another name than the module,
or a module named in the ``failing_modules`` setting fails with Azure's "module structure was invalid". The
version reported after the import is the package's (the newest one for a link without a version).

Runtime environments: besides the ones users create, every account shows the system-generated
``PowerShell-5.1`` and ``PowerShell-7.2`` environments. The packages of ``PowerShell-5.1`` are the
account's modules (the same objects seen through the packages API); ``PowerShell-7.2`` holds the
packages of runbooks of type ``PowerShell72`` that name no runtime environment.
"""
import copy
import datetime
import hashlib
import time
from urllib.parse import unquote

from . import feed
from .core import ApiError, route

# Every api-version of Microsoft.Automation; runtime environments and packages exist only in the last two.
AUTOMATION_API_VERSIONS = {
    "2015-10-31", "2015-01-01-preview", "2017-05-15-preview", "2018-01-15", "2018-06-30", "2019-06-01",
    "2020-01-13-preview", "2021-06-22", "2022-01-31", "2022-02-22", "2022-08-08", "2023-05-15-preview",
    "2023-11-01", "2024-10-23",
}
RUNTIME_API_VERSIONS = {"2023-05-15-preview", "2024-10-23"}

ACCOUNT_PATH = (r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Automation"
                r"/automationAccounts/(?P<account>[^/]+)")

PACKAGE_PATH = r"/runtimeEnvironments/(?P<env>[^/]+)/packages/(?P<name>[^/]+)"

MODULE_TYPE = "Microsoft.Automation/AutomationAccounts/Modules"
RUNTIME_TYPE = "Microsoft.Automation/automationAccounts/runtimeEnvironments"
PACKAGE_TYPE = "Microsoft.Automation/automationAccounts/runtimeEnvironments/packages"

IMPORT_STEPS = ("Creating", "ContentDownloaded", "ContentValidated", "ModuleDataStored", "ActivitiesStored")

SUPPORTED_RUNTIMES = {"powershell": ("PowerShell", ("5.1", "7.1", "7.2", "7.4")), "python": ("Python", ("3.8", "3.10"))}

# System-generated runtime environments every account shows (lower-cased name -> (name, language, version)).
SYSTEM_ENVIRONMENTS = {
    "powershell-5.1": ("PowerShell-5.1", "PowerShell", "5.1"),
    "powershell-7.2": ("PowerShell-7.2", "PowerShell", "7.2"),
}
ACCOUNT_MODULES_ENVIRONMENT = "powershell-5.1"

# Modules a new account already has (global, not removable): name -> (version or None, activityCount).
BUILTIN_MODULES = {
    "Microsoft.PowerShell.Core": (None, 0),
    "Microsoft.PowerShell.Diagnostics": (None, 5),
    "Microsoft.PowerShell.Management": (None, 82),
    "Microsoft.PowerShell.Security": (None, 13),
    "Microsoft.PowerShell.Utility": (None, 105),
    "Microsoft.WSMan.Management": (None, 13),
    "Orchestrator.AssetManagement.Cmdlets": ("1.0", 5),
    "PackageManagement": ("1.0.0.1", 14),
    "PowerShellGet": ("1.0.0.1", 28),
}
BUILTIN_CREATED = "2015-11-24T20:23:34.723+00:00"


# ---------------------------------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------------------------------
def automation_error(status, code, message):
    """Raise the Automation resource provider's error shape (``ErrorResponse``: top-level code/message)."""
    raise ApiError(status, {"code": code, "message": message})


def not_found(kind, name):
    automation_error(404, "NotFound", f"{kind} '{name}' was not found.")


def iso(ts=None):
    """Azure Automation's timestamp format, e.g. ``2024-05-01T10:11:12.1234567+00:00``."""
    ts = time.time() if ts is None else ts
    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0+00:00"


def parse_time(value):
    """Parse an ISO 8601 timestamp (with Z, an offset or none = UTC) to epoch seconds, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python 3.11 accepts at most 6 fractional digits: cut longer fractions (Azure sends 7).
    if "." in text:
        head, rest = text.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = head + "." + (digits[:6] or "0") + rest
    try:
        dt = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def public(obj):
    """A deep copy without private (``_``-prefixed) keys."""
    if isinstance(obj, dict):
        return {k: public(v) for k, v in obj.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(obj, list):
        return [public(v) for v in obj]
    return copy.deepcopy(obj)


def param(req, name):
    return unquote(req.params[name])


def get_account(req):
    """The stored account of the request's path (ARM's 404 when it or its resource group does not exist)."""
    from . import automation

    return automation.get_account(req, req.params["sub"], param(req, "rg"), param(req, "account"))


def child_id(parent_id, segment, name):
    return f"{parent_id}/{segment}/{name}"


def get_child(emu, parent_id, segment, name):
    return emu.arm().get(child_id(parent_id, segment, name).lower())


def list_children(emu, parent_id, segment):
    prefix = f"{parent_id}/{segment}/".lower()
    out = []
    for key, value in list(emu.arm().items()):
        if key.startswith(prefix) and "/" not in key[len(prefix):]:
            out.append(value)
    return sorted(out, key=lambda r: r.get("name", "").lower())


def child_or_404(emu, acct, segment, kind, name):
    """The stored child ``segment/name`` of the account, or the Automation 404 that calls it a ``kind``."""
    rec = get_child(emu, acct["id"], segment, name)
    if rec is None:
        not_found(kind, name)
    return rec


def add_child(emu, parent_id, segment, name, rtype, **fields):
    """Store and return a new child record ``{"id", "name", "type", **fields}`` under ``parent_id``."""
    rec = {"id": child_id(parent_id, segment, name), "name": name, "type": rtype, **fields}
    emu.arm()[rec["id"].lower()] = rec
    return rec


def child_routes(segment, kind, view=public, key="name", find=None, list_all=None, routes=("list", "get", "delete"),
                 api_versions=None):
    """Register the plain ``routes`` of one kind of account child under ``ACCOUNT_PATH/{segment}``
    (``api_versions``: the accepted api-versions, by default ``AUTOMATION_API_VERSIONS``):

    - ``list``: ``GET .../{segment}`` answers ``{"value": [view(rec), ...]}`` for ``list_all(emu, acct)``
      (default: the stored children, sorted by name);
    - ``get``: ``GET .../{segment}/{key}`` answers ``view(rec)`` for ``find(emu, acct, name)`` (default: the
      stored child), or a 404 that calls it a ``kind``;
    - ``delete``: ``DELETE .../{segment}/{key}`` removes the stored child, or answers the same 404.
    """
    unknown = set(routes) - {"list", "get", "delete"}
    if unknown:
        raise ValueError(f"child_routes({segment!r}): unknown routes {sorted(unknown)}")
    item_path = ACCOUNT_PATH + f"/{segment}/(?P<{key}>[^/]+)"
    api_versions = AUTOMATION_API_VERSIONS if api_versions is None else api_versions

    def stored_child(emu, acct, name):
        return get_child(emu, acct["id"], segment, name)

    def stored_children(emu, acct):
        return list_children(emu, acct["id"], segment)

    find = find or stored_child
    list_all = list_all or stored_children

    if "list" in routes:
        @route("arm", "GET", ACCOUNT_PATH + f"/{segment}", api_versions)
        def list_route(req):
            acct = get_account(req)
            with req.emu.lock:
                return 200, {"value": [view(rec) for rec in list_all(req.emu, acct)]}

    if "get" in routes:
        @route("arm", "GET", item_path, api_versions)
        def get_route(req):
            acct = get_account(req)
            name = param(req, key)
            with req.emu.lock:
                rec = find(req.emu, acct, name)
                if rec is None:
                    not_found(kind, name)
                return 200, view(rec)

    if "delete" in routes:
        @route("arm", "DELETE", item_path, api_versions)
        def delete_route(req):
            acct = get_account(req)
            with req.emu.lock:
                rec = child_or_404(req.emu, acct, segment, kind, param(req, key))
                del req.emu.arm()[rec["id"].lower()]
                return 200, None


def delete_children(emu, account_id):
    """Drop everything stored under an Automation account (modules, runtime environments, packages,
    runbooks, jobs, schedules, job schedules, webhooks, variables). The account DELETE calls this."""
    prefix = account_id.lower().rstrip("/") + "/"
    with emu.lock:
        for key in [k for k in emu.arm() if k.startswith(prefix)]:
            del emu.arm()[key]


def body_properties(req):
    body = req.json
    if body is None:
        body = {}
    if not isinstance(body, dict):
        automation_error(400, "BadRequest", "The request body is not a valid JSON object.")
    props = body.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        automation_error(400, "BadRequest", "The 'properties' of the request body must be an object.")
    return body, props


def _stable_number(text, low, high):
    digest = int(hashlib.sha256(text.lower().encode()).hexdigest()[:8], 16)
    return low + digest % (high - low)


# ---------------------------------------------------------------------------------------------------
# content links and the import state machine
# ---------------------------------------------------------------------------------------------------
def _structure_error(name):
    return {
        "code": "ModuleImportFailed",
        "message": ("Orchestrator.Shared.AsyncModuleImport.ModuleImportException: Cannot import the module of name "
                    f"{name}, as the module structure was invalid."),
    }


def _download_error(name, uri):
    """A link that points to nothing: Azure's error for module content it could not download (the HTTP 404 of the
    download), followed by the link."""
    return {
        "code": "ModuleImportFailed",
        "message": ("Orchestrator.Shared.AsyncModuleImport.ModuleImportException: Failure processing module import "
                    "runbook while getting module content. Error: The remote server returned an error: (404) Not "
                    f"Found.. Content link: '{uri}'."),
    }


def resolve_content_link(emu, name, link):
    """What importing ``name`` from ``link`` ends with: ``(version, None)`` or ``(None, error)``."""
    uri = (link or {}).get("uri") if isinstance(link, dict) else None
    failing = {str(n).lower() for n in (emu.settings.get("failing_modules") or [])}
    if name.lower() in failing:
        return None, _structure_error(name)
    pkg = feed.resolve(emu, uri)
    if pkg is None:
        return None, _download_error(name, uri or "")
    if not pkg.get("valid", True) or pkg["name"].lower() != name.lower():
        return None, _structure_error(name)
    return pkg["version"], None


def _touch(rec, ts):
    """Set the last-modified time where the resource keeps it (properties or systemData)."""
    if "systemData" in rec:
        rec["systemData"]["lastModifiedAt"] = iso(ts)
    else:
        rec["properties"]["lastModifiedTime"] = iso(ts)


def start_import(emu, rec, name, link):
    """Record a new import of ``rec`` (a module or package record) from ``link``."""
    version, error = resolve_content_link(emu, name, link)
    now = emu.now()
    rec["_import"] = {
        "started": now,
        "done_at": now + float(emu.settings.get("module_import_s") or 0),
        "version": version,
        "error": error,
    }
    props = rec["properties"]
    props["provisioningState"] = "Creating"
    props["sizeInBytes"] = 0
    props.pop("version", None)
    props.pop("error", None)
    if "activityCount" in props:
        props["activityCount"] = 0
    _touch(rec, now)


def refresh_import(emu, rec):
    """Move a module/package record along its import according to the clock."""
    imp = rec.get("_import")
    if not imp:
        return rec
    props = rec["properties"]
    now = emu.now()
    if now >= imp["done_at"]:
        if imp["error"]:
            props["provisioningState"] = "Failed"
            props["error"] = dict(imp["error"])
        else:
            props["provisioningState"] = "Succeeded"
            props["version"] = imp["version"]
            props["sizeInBytes"] = _stable_number(rec["name"] + imp["version"], 40_000, 9_000_000)
            if "activityCount" in props:
                props["activityCount"] = _stable_number(rec["name"], 3, 120)
        _touch(rec, imp["done_at"])
        rec.pop("_import", None)
    else:
        span = max(imp["done_at"] - imp["started"], 1e-9)
        step = min(int((now - imp["started"]) / span * len(IMPORT_STEPS)), len(IMPORT_STEPS) - 1)
        props["provisioningState"] = IMPORT_STEPS[step]
    return rec


# ---------------------------------------------------------------------------------------------------
# modules (PowerShell 5.1)
# ---------------------------------------------------------------------------------------------------
def _builtin_module(acct, name):
    version, activities = BUILTIN_MODULES[name]
    props = {
        "isGlobal": True, "sizeInBytes": 0, "activityCount": activities, "provisioningState": "Created",
        "creationTime": BUILTIN_CREATED, "lastModifiedTime": BUILTIN_CREATED, "isComposite": False,
    }
    if version:
        props["version"] = version
    return {
        "id": child_id(acct["id"], "modules", name), "name": name, "type": MODULE_TYPE,
        "location": acct.get("location"), "tags": {}, "properties": props,
    }


def _builtin_name(name):
    for builtin in BUILTIN_MODULES:
        if builtin.lower() == name.lower():
            return builtin
    return None


def find_module(emu, acct, name):
    """The module record (user-imported first, else the built-in one), refreshed, or None."""
    rec = get_child(emu, acct["id"], "modules", name)
    if rec is not None:
        return refresh_import(emu, rec)
    builtin = _builtin_name(name)
    return _builtin_module(acct, builtin) if builtin else None


def all_modules(emu, acct):
    users = {r["name"].lower(): refresh_import(emu, r) for r in list_children(emu, acct["id"], "modules")}
    out = list(users.values())
    out += [_builtin_module(acct, b) for b in BUILTIN_MODULES if b.lower() not in users]
    return sorted(out, key=lambda r: r["name"].lower())


def put_module(req, acct, name, link, tags, created_status=201):
    emu = req.emu
    with emu.lock:
        rec = get_child(emu, acct["id"], "modules", name)
        status = 200
        if rec is None:
            status = created_status
            now = iso(emu.now())
            rec = add_child(emu, acct["id"], "modules", name, MODULE_TYPE, location=acct.get("location"), tags={}, properties={
                "isGlobal": False, "sizeInBytes": 0, "activityCount": 0, "provisioningState": "Creating",
                "creationTime": now, "lastModifiedTime": now, "isComposite": False,
            })
        if tags is not None:
            rec["tags"] = dict(tags)
        start_import(emu, rec, name, link)
        return status, rec


def _content_link(props, required=True):
    link = props.get("contentLink")
    if link is None and not required:
        return None
    if not isinstance(link, dict) or not link.get("uri"):
        automation_error(400, "BadRequest", "The contentLink of the module is required and must have a uri.")
    return link


child_routes("modules", "Module", find=find_module, list_all=all_modules, routes=("list", "get"))


@route("arm", "PUT", ACCOUNT_PATH + r"/modules/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def put_module_route(req):
    acct = get_account(req)
    name = param(req, "name")
    body, props = body_properties(req)
    link = _content_link(props)
    status, rec = put_module(req, acct, name, link, body.get("tags"))
    return status, public(rec)


@route("arm", "PATCH", ACCOUNT_PATH + r"/modules/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def patch_module(req):
    acct = get_account(req)
    name = param(req, "name")
    body, props = body_properties(req)
    emu = req.emu
    with emu.lock:
        rec = get_child(emu, acct["id"], "modules", name)
        if rec is None:
            if _builtin_name(name) is None:
                not_found("Module", name)
            link = _content_link(props)  # updating a global module imports the account's own copy
            _status, rec = put_module(req, acct, _builtin_name(name), link, body.get("tags"))
            return 200, public(rec)
        link = _content_link(props, required=False)
        if "tags" in body and body["tags"] is not None:
            rec["tags"] = dict(body["tags"])
        if link is not None:
            start_import(emu, rec, rec["name"], link)
        else:
            refresh_import(emu, rec)
        return 200, public(rec)


@route("arm", "DELETE", ACCOUNT_PATH + r"/modules/(?P<name>[^/]+)", AUTOMATION_API_VERSIONS)
def delete_module(req):
    acct = get_account(req)
    name = param(req, "name")
    emu = req.emu
    with emu.lock:
        key = child_id(acct["id"], "modules", name).lower()
        if key in emu.arm():
            del emu.arm()[key]
            return 200, None
        if _builtin_name(name):
            automation_error(400, "BadRequest", f"The module '{name}' is a global module and cannot be deleted.")
        not_found("Module", name)


# ---------------------------------------------------------------------------------------------------
# runtime environments
# ---------------------------------------------------------------------------------------------------
def _runtime(props):
    runtime = props.get("runtime")
    if not isinstance(runtime, dict):
        automation_error(400, "BadRequest", "The runtime of the runtime environment is required.")
    language = str(runtime.get("language") or "")
    version = str(runtime.get("version") or "")
    known = SUPPORTED_RUNTIMES.get(language.lower())
    if known is None:
        automation_error(400, "BadRequest",
                         f"Runtime language '{language}' is not supported. Supported languages: PowerShell, Python.")
    if version not in known[1]:
        automation_error(400, "BadRequest", f"Runtime version '{version}' is not supported for language '{known[0]}'. "
                                            f"Supported versions: {', '.join(known[1])}.")
    return {"language": known[0], "version": version}


def _system_environment(acct, key):
    name, language, version = SYSTEM_ENVIRONMENTS[key]
    return {
        "id": child_id(acct["id"], "runtimeEnvironments", name), "name": name, "type": RUNTIME_TYPE,
        "location": acct.get("location"), "tags": {},
        "systemData": {"createdAt": BUILTIN_CREATED, "lastModifiedAt": BUILTIN_CREATED},
        "properties": {
            "runtime": {"language": language, "version": version},
            "defaultPackages": {},
            "description": (f"System-generated Runtime Environment for your Automation account with Runtime language: "
                            f"{language} and Runtime version: {version}"),
        },
        "_system": True,
    }


def find_environment(emu, acct, name):
    """A runtime environment record (user-created or system-generated) or None."""
    rec = get_child(emu, acct["id"], "runtimeEnvironments", name)
    if rec is not None:
        return rec
    if name.lower() in SYSTEM_ENVIRONMENTS:
        return _system_environment(acct, name.lower())
    return None


def _reject_system(name):
    if name.lower() in SYSTEM_ENVIRONMENTS:
        automation_error(400, "BadRequest",
                         f"The runtime environment '{name}' is system-generated and cannot be created, updated or deleted.")


def all_environments(emu, acct):
    """The system-generated runtime environments (unless a user one took the name), then the user ones."""
    users = list_children(emu, acct["id"], "runtimeEnvironments")
    taken = {r["name"].lower() for r in users}
    return [_system_environment(acct, k) for k in SYSTEM_ENVIRONMENTS if k not in taken] + users


child_routes("runtimeEnvironments", "Runtime environment", key="env", find=find_environment, list_all=all_environments,
             routes=("list", "get"), api_versions=RUNTIME_API_VERSIONS)


@route("arm", "PUT", ACCOUNT_PATH + r"/runtimeEnvironments/(?P<env>[^/]+)", RUNTIME_API_VERSIONS)
def put_environment(req):
    acct = get_account(req)
    name = param(req, "env")
    _reject_system(name)
    body, props = body_properties(req)
    runtime = _runtime(props)
    defaults = props.get("defaultPackages") or {}
    if not isinstance(defaults, dict):
        automation_error(400, "BadRequest", "defaultPackages must be an object of package name to version.")
    emu = req.emu
    with emu.lock:
        now = iso(emu.now())
        rec = get_child(emu, acct["id"], "runtimeEnvironments", name)
        status = 200
        if rec is None:
            status = 201
            rec = add_child(emu, acct["id"], "runtimeEnvironments", name, RUNTIME_TYPE,
                            location=body.get("location") or acct.get("location"), tags={},
                            systemData={"createdAt": now, "lastModifiedAt": now}, properties={})
        rec["tags"] = dict(body.get("tags") or rec.get("tags") or {})
        rec["systemData"]["lastModifiedAt"] = now
        rec["properties"] = {"runtime": runtime, "defaultPackages": {str(k): str(v) for k, v in defaults.items()}}
        if props.get("description"):
            rec["properties"]["description"] = str(props["description"])
        return status, public(rec)


@route("arm", "PATCH", ACCOUNT_PATH + r"/runtimeEnvironments/(?P<env>[^/]+)", RUNTIME_API_VERSIONS)
def patch_environment(req):
    acct = get_account(req)
    name = param(req, "env")
    _reject_system(name)
    body, props = body_properties(req)
    emu = req.emu
    with emu.lock:
        rec = child_or_404(emu, acct, "runtimeEnvironments", "Runtime environment", name)
        if "defaultPackages" in props and props["defaultPackages"] is not None:
            if not isinstance(props["defaultPackages"], dict):
                automation_error(400, "BadRequest", "defaultPackages must be an object of package name to version.")
            rec["properties"]["defaultPackages"] = {str(k): str(v) for k, v in props["defaultPackages"].items()}
        if props.get("description") is not None:
            rec["properties"]["description"] = str(props["description"])
        if body.get("tags") is not None:
            rec["tags"] = dict(body["tags"])
        rec["systemData"]["lastModifiedAt"] = iso(emu.now())
        return 200, public(rec)


@route("arm", "DELETE", ACCOUNT_PATH + r"/runtimeEnvironments/(?P<env>[^/]+)", RUNTIME_API_VERSIONS)
def delete_environment(req):
    acct = get_account(req)
    name = param(req, "env")
    _reject_system(name)
    emu = req.emu
    with emu.lock:
        key = child_id(acct["id"], "runtimeEnvironments", name).lower()
        if key not in emu.arm():
            not_found("Runtime environment", name)
        for k in [k for k in emu.arm() if k == key or k.startswith(key + "/")]:
            del emu.arm()[k]
        return 200, None


# ---------------------------------------------------------------------------------------------------
# packages of a runtime environment
# ---------------------------------------------------------------------------------------------------
def _package_view(env, rec):
    """A package record, or a module record seen as a package of the PowerShell-5.1 environment."""
    props = rec["properties"]
    state = props.get("provisioningState")
    view_props = {"default": bool(props.get("default", props.get("isGlobal", False))),
                  "sizeInBytes": props.get("sizeInBytes", 0),
                  "provisioningState": "Succeeded" if state == "Created" else state}
    for key in ("version", "error"):
        if key in props:
            view_props[key] = copy.deepcopy(props[key])
    created = props.get("creationTime") or (rec.get("systemData") or {}).get("createdAt") or BUILTIN_CREATED
    modified = props.get("lastModifiedTime") or (rec.get("systemData") or {}).get("lastModifiedAt") or created
    return {
        "id": child_id(env["id"], "packages", rec["name"]), "name": rec["name"], "type": PACKAGE_TYPE,
        "location": env.get("location"), "tags": dict(rec.get("tags") or {}), "properties": view_props,
        "systemData": {"createdAt": created, "lastModifiedAt": modified},
    }


def _default_package(env, name, version):
    return {
        "id": child_id(env["id"], "packages", name), "name": name, "type": PACKAGE_TYPE,
        "location": env.get("location"), "tags": {},
        "properties": {"default": True, "version": version, "sizeInBytes": 0, "provisioningState": "Succeeded"},
        "systemData": dict(env.get("systemData") or {}),
    }


def _environment_or_404(req, acct):
    name = param(req, "env")
    env = find_environment(req.emu, acct, name)
    if env is None:
        not_found("Runtime environment", name)
    return env


def _mirrors_modules(env):
    return env.get("_system") and env["name"].lower() == ACCOUNT_MODULES_ENVIRONMENT


def environment_packages(emu, acct, env):
    """Every package of an environment as package views (default packages included), refreshed."""
    if _mirrors_modules(env):
        return [_package_view(env, m) for m in all_modules(emu, acct)]
    out = [_package_view(env, refresh_import(emu, r)) for r in list_children(emu, env["id"], "packages")]
    names = {p["name"].lower() for p in out}
    for name, version in (env["properties"].get("defaultPackages") or {}).items():
        if name.lower() not in names:
            out.append(_default_package(env, name, version))
    return out


@route("arm", "GET", ACCOUNT_PATH + r"/runtimeEnvironments/(?P<env>[^/]+)/packages", RUNTIME_API_VERSIONS)
def list_packages(req):
    acct = get_account(req)
    with req.emu.lock:
        env = _environment_or_404(req, acct)
        return 200, {"value": [public(p) for p in environment_packages(req.emu, acct, env)]}


@route("arm", "GET", ACCOUNT_PATH + PACKAGE_PATH, RUNTIME_API_VERSIONS)
def get_package(req):
    acct = get_account(req)
    name = param(req, "name")
    with req.emu.lock:
        env = _environment_or_404(req, acct)
        for pkg in environment_packages(req.emu, acct, env):
            if pkg["name"].lower() == name.lower():
                return 200, public(pkg)
        not_found("Package", name)


def _put_package(req, acct, env, name, link, tags):
    emu = req.emu
    if _mirrors_modules(env):
        status, rec = put_module(req, acct, _builtin_name(name) or name, link, tags)
        return status, _package_view(env, rec)
    rec = get_child(emu, env["id"], "packages", name)
    status = 200
    if rec is None:
        status = 201
        now = iso(emu.now())
        rec = add_child(emu, env["id"], "packages", name, PACKAGE_TYPE, location=env.get("location"), tags={},
                        properties={"default": False, "sizeInBytes": 0, "provisioningState": "Creating"},
                        systemData={"createdAt": now, "lastModifiedAt": now})
    if tags is not None:
        rec["tags"] = dict(tags)
    start_import(emu, rec, name, link)
    return status, _package_view(env, rec)


@route("arm", "PUT", ACCOUNT_PATH + PACKAGE_PATH, RUNTIME_API_VERSIONS)
def put_package(req):
    acct = get_account(req)
    name = param(req, "name")
    body, props = body_properties(req)
    link = _content_link(props)
    with req.emu.lock:
        env = _environment_or_404(req, acct)
        status, view = _put_package(req, acct, env, name, link, body.get("tags"))
        return status, public(view)


@route("arm", "PATCH", ACCOUNT_PATH + PACKAGE_PATH, RUNTIME_API_VERSIONS)
def patch_package(req):
    acct = get_account(req)
    name = param(req, "name")
    body, props = body_properties(req)
    link = _content_link(props, required=False)
    emu = req.emu
    with emu.lock:
        env = _environment_or_404(req, acct)
        if _mirrors_modules(env):
            existing = find_module(emu, acct, name)
        else:
            existing = get_child(emu, env["id"], "packages", name)
        if existing is None:
            not_found("Package", name)
        if link is not None:
            _status, view = _put_package(req, acct, env, existing["name"], link, body.get("tags"))
            return 200, public(view)
        if body.get("tags") is not None and not existing.get("properties", {}).get("isGlobal"):
            existing["tags"] = dict(body["tags"])
        return 200, public(_package_view(env, refresh_import(emu, existing)))


@route("arm", "DELETE", ACCOUNT_PATH + PACKAGE_PATH, RUNTIME_API_VERSIONS)
def delete_package(req):
    acct = get_account(req)
    name = param(req, "name")
    emu = req.emu
    with emu.lock:
        env = _environment_or_404(req, acct)
        parent = acct["id"] if _mirrors_modules(env) else env["id"]
        segment = "modules" if _mirrors_modules(env) else "packages"
        key = child_id(parent, segment, name).lower()
        if key not in emu.arm():
            not_found("Package", name)
        del emu.arm()[key]
        return 200, None


# ---------------------------------------------------------------------------------------------------
# what a runbook's job can use
# ---------------------------------------------------------------------------------------------------
def runbook_runtime(emu, acct, runbook_type, runtime_environment=None):
    """The runtime a runbook runs on and the modules it can load there.

    Returns ``{"language", "version", "environment", "modules": {lower-cased name: version}, "error"}``;
    ``error`` is set when the runbook names a runtime environment that does not exist."""
    rtype = (runbook_type or "").lower()
    if runtime_environment:
        env = find_environment(emu, acct, runtime_environment)
        if env is None:
            return {"language": None, "version": None, "environment": runtime_environment, "modules": {},
                    "error": f"The runtime environment '{runtime_environment}' was not found."}
    elif rtype.startswith("python"):
        return {"language": "Python", "version": "2.7" if rtype == "python2" else "3.8", "environment": None,
                "modules": {}, "error": None}
    elif rtype in ("powershell72", "powershell7"):
        env = find_environment(emu, acct, "PowerShell-7.2")
    else:
        env = find_environment(emu, acct, "PowerShell-5.1")
    runtime = env["properties"]["runtime"]
    modules = {}
    for pkg in environment_packages(emu, acct, env):
        if pkg["properties"].get("provisioningState") == "Succeeded":
            modules[pkg["name"].lower()] = pkg["properties"].get("version") or ""
    return {"language": runtime["language"], "version": runtime["version"],
            "environment": env["name"] if runtime_environment else None, "modules": modules, "error": None}
