"""Microsoft.Automation automationAccounts: create/update (PUT), update (PATCH), get, delete, list by resource
group and subscription, and listKeys.

Public helpers for the modules that serve an account's children (modules, runbooks, jobs, ...):

* ``account_id(sub, rg, name)``: the account's ARM id; ``emu.arm()[account_id(...).lower()]`` is the stored account.
* ``get_account(req_or_emu, sub, rg, name)``: the stored account, or ARM's 404 (``SubscriptionNotFound``,
  ``ResourceGroupNotFound``, ``ResourceNotFound``).
* ``API_VERSIONS``, ``ACCOUNT`` (the route regex of one account, groups ``sub``, ``rg``, ``account``).

Identities: ``identity.type`` None / SystemAssigned / UserAssigned / "SystemAssigned, UserAssigned". Turning the
system identity on gives it a new principal id and a Graph service principal named after the account; turning it
off (or deleting the account, or its resource group) removes that service principal. User-assigned identities
are given as ``userAssignedIdentities: {"<identity id>": {}}``; each must exist. A PATCH merges the map, and
``{"<identity id>": null}`` detaches one. A PUT or PATCH without ``identity`` keeps the current identity.
"""
import base64
import os
import re

from . import arm
from .core import arm_error, new_guid, route, utcnow_iso

API_VERSIONS = (
    "2015-10-31", "2020-01-13-preview", "2021-06-22", "2022-08-08", "2023-05-15-preview", "2023-11-01", "2024-10-23",
)
PROVIDER_TYPE = "Microsoft.Automation/automationAccounts"
RESPONSE_TYPE = "Microsoft.Automation/AutomationAccounts"
ACCOUNT = arm.RG + r"/providers/Microsoft\.Automation/automationAccounts/(?P<account>[^/]+)"
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9]$")
SKUS = ("Free", "Basic")
KEY_SOURCES = ("Microsoft.Automation", "Microsoft.Keyvault")
IDENTITY_TYPES = {
    "none": "None",
    "systemassigned": "SystemAssigned",
    "userassigned": "UserAssigned",
    "systemassigned,userassigned": "SystemAssigned, UserAssigned",
}
UAI_ID_RE = re.compile(
    r"^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/Microsoft\.ManagedIdentity/userAssignedIdentities/[^/]+$",
    re.IGNORECASE)


def account_id(sub, rg, name):
    return arm.resource_id(sub, rg, PROVIDER_TYPE, name)


def get_account(req_or_emu, sub, rg, name):
    """The stored account (the JSON its GET returns, plus ``_`` keys); ARM's 404s otherwise."""
    emu = arm.emu_of(req_or_emu)
    arm.require_resource_group(emu, sub, rg)
    item = emu.arm().get(account_id(sub, rg, name).lower())
    if item is None:
        arm.not_found(PROVIDER_TYPE, name, rg)
    return item


def _time(ts):
    """Automation's timestamp style: ``2017-03-26T01:13:43.267+00:00``."""
    return utcnow_iso(ts)[:-1] + "+00:00"


def _new_key():
    return base64.b64encode(os.urandom(64)).decode("ascii")


def _check_name(name):
    if not NAME_RE.match(name):
        arm_error(400, "BadRequest",
                  "The account name is invalid. It must not be empty, and must start with a letter and end with a "
                  "letter or a number. The name can contain only letters, numbers and hyphens(-). The length must "
                  "be from 6 to 50 characters.")


def _sku(value):
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        arm_error(400, "BadRequest", "The sku name is required. Allowed values are 'Free' and 'Basic'.")
    name = next((s for s in SKUS if s.lower() == value["name"].lower()), None)
    if name is None:
        arm_error(400, "BadRequest", f"Invalid sku name '{value['name']}'. Allowed values are 'Free' and 'Basic'.")
    sku = {"name": name}
    for extra in ("family", "capacity"):
        if value.get(extra) is not None:
            sku[extra] = value[extra]
    return sku


def _encryption(value):
    if not isinstance(value, dict):
        arm_error(400, "BadRequest", "The encryption property must be an object.")
    source = value.get("keySource") or "Microsoft.Automation"
    canonical = next((s for s in KEY_SOURCES if s.lower() == str(source).lower()), None)
    if canonical is None:
        arm_error(400, "BadRequest",
                  f"Invalid encryption key source '{source}'. Allowed values are 'Microsoft.Automation' and "
                  "'Microsoft.Keyvault'.")
    enc = {"keySource": canonical, "identity": dict(value.get("identity") or {})}
    if canonical == "Microsoft.Keyvault":
        kv = value.get("keyVaultProperties")
        if not isinstance(kv, dict) or not kv.get("keyvaultUri") or not kv.get("keyName"):
            arm_error(400, "BadRequest",
                      "keyVaultProperties with keyvaultUri and keyName are required when keySource is "
                      "'Microsoft.Keyvault'.")
        enc["keyVaultProperties"] = dict(kv)
    return enc


def _apply_properties(props, given):
    """Merge the writable account properties of a request into ``props``."""
    if given is None:
        return
    if not isinstance(given, dict):
        arm_error(400, "InvalidRequestContent",
                  "The request content was invalid and could not be deserialized: 'Path 'properties'.'.")
    if given.get("sku") is not None:
        props["sku"] = _sku(given["sku"])
    if given.get("encryption") is not None:
        props["encryption"] = _encryption(given["encryption"])
    for flag in ("publicNetworkAccess", "disableLocalAuth"):
        if given.get(flag) is not None:
            if not isinstance(given[flag], bool):
                arm_error(400, "InvalidRequestContent",
                          f"The request content was invalid and could not be deserialized: 'Could not convert "
                          f"string to boolean: {given[flag]}. Path 'properties.{flag}'.'.")
            props[flag] = given[flag]
    if isinstance(given.get("description"), str):
        props["description"] = given["description"]


def _identity_failure(rid, message):
    arm_error(400, "FailedIdentityOperation",
              f"Identity operation for resource '{rid}' failed with error 'Failed to perform resource identity "
              f"operation. Status: 'BadRequest'. Response: '{{\"error\":{{\"code\":\"BadRequest\",\"message\":"
              f"\"{message}\"}}}}'.'.")


def _plan_identity(emu, rid, old, given, patch):
    """Validate a requested identity against the current one.

    Returns ``(identity, add_system, remove_system)`` without side effects; ``identity`` is None to keep the
    current one."""
    if given is None:
        return None, False, False
    if not isinstance(given, dict):
        arm_error(400, "InvalidRequestContent",
                  "The request content was invalid and could not be deserialized: 'Path 'identity'.'.")
    old = old or {"type": "None"}
    old_type = old.get("type", "None")
    raw_type = given.get("type")
    if raw_type is None and patch:
        new_type = old_type
    else:
        new_type = IDENTITY_TYPES.get(str(raw_type or "").replace(" ", "").lower())
        if new_type is None:
            arm_error(400, "BadRequest",
                      f"The identity type '{raw_type}' is invalid. Allowed values are 'None', 'SystemAssigned', "
                      "'UserAssigned' and 'SystemAssigned, UserAssigned'.")
    had_system = "SystemAssigned" in old_type
    has_system = "SystemAssigned" in new_type
    has_user = "UserAssigned" in new_type
    ua_given = given.get("userAssignedIdentities")
    if ua_given is not None and not isinstance(ua_given, dict):
        arm_error(400, "InvalidRequestContent",
                  "The request content was invalid and could not be deserialized: "
                  "'Path 'identity.userAssignedIdentities'.'.")
    if not has_user:
        if ua_given and any(v is not None for v in ua_given.values()):
            _identity_failure(rid, "The request format was unexpected, a non-UserAssigned identity type should "
                                   "not contain: userAssignedIdentities")
        user_map = None
    else:
        user_map = dict(old.get("userAssignedIdentities") or {}) if (patch and "UserAssigned" in old_type) else {}
        for key, value in (ua_given or {}).items():
            current = next((k for k in user_map if k.lower() == key.lower()), None)
            if value is None:
                if current is not None:
                    del user_map[current]
                continue
            if not isinstance(value, dict):
                arm_error(400, "InvalidRequestContent",
                          "The request content was invalid and could not be deserialized: "
                          f"'Path 'identity.userAssignedIdentities.{key}'.'.")
            if not UAI_ID_RE.match(key):
                _identity_failure(rid, f"Invalid user assigned identity resource id '{key}'. It must be of the form "
                                       "'/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/"
                                       "Microsoft.ManagedIdentity/userAssignedIdentities/{identityName}'.")
            from .msi import find_identity

            uai = find_identity(emu, key)
            if uai is None:
                _identity_failure(rid, f"Resource '{key}' was not found.")
            user_map[current or key] = {"principalId": uai["properties"]["principalId"],
                                        "clientId": uai["properties"]["clientId"]}
        if not user_map:
            arm_error(400, "MissingIdentityIds",
                      f"The identity ids must not be null or empty for '{new_type}' identity type.")
    identity = {"type": new_type}
    if new_type != "None":
        if has_system:
            identity["principalId"] = old["principalId"] if had_system else new_guid()
        identity["tenantId"] = emu.tenant_id
    if user_map is not None:
        identity["userAssignedIdentities"] = user_map
    return identity, has_system and not had_system, had_system and not has_system


def _commit_identity(emu, account, plan):
    from . import graph

    identity, add_system, remove_system = plan
    if identity is None:
        return
    old = account.get("identity") or {}
    if remove_system and old.get("principalId"):
        graph.remove_managed_identity(emu, old["principalId"])
        account.pop("_system_client_id", None)
    if add_system:
        client_id = new_guid()
        account["_system_client_id"] = client_id
        graph.register_managed_identity(emu, identity["principalId"], client_id, account["name"], account["id"])
    account["identity"] = identity


def _modified_by(req):
    claims = req.token or {}
    return claims.get("upn") or claims.get("oid") or ""


def _location_conflict(existing, location, rg):
    if existing["location"] != location:
        arm_error(400, "InvalidResourceLocation",
                  f"The resource '{existing['name']}' already exists in location '{existing['location']}' in "
                  f"resource group '{rg}'. A resource with the same name cannot be created in location "
                  f"'{location}'. Please select a new resource name.")


@route("arm", "PUT", ACCOUNT, api_versions=API_VERSIONS)
def put_account(req):
    emu, sub, rg, name = req.emu, req.params["sub"], req.params["rg"], req.params["account"]
    with emu.lock:
        group = arm.require_resource_group(emu, sub, rg)
        body = arm.body_object(req)
        location = arm.normalize_location(body.get("location"), PROVIDER_TYPE)
        _check_name(name)
        tags = arm.validate_tags(body.get("tags"))
        rid = account_id(emu.subscription_id, group["name"], name)
        existing = emu.arm().get(rid.lower())
        now = emu.now()
        if existing is not None:
            _location_conflict(existing, location, group["name"])
            props = dict(existing["properties"])
            _apply_properties(props, body.get("properties"))
            plan = _plan_identity(emu, existing["id"], existing.get("identity"), body.get("identity"), patch=False)
            props["lastModifiedTime"] = _time(now)
            props["lastModifiedBy"] = _modified_by(req)
            existing["properties"] = props
            existing["tags"] = tags
            _commit_identity(emu, existing, plan)
            return 200, arm.public(existing)
        guid = new_guid()
        props = {
            "sku": {"name": "Basic"},
            "state": "Ok",
            "creationTime": _time(now),
            "lastModifiedTime": _time(now),
            "lastModifiedBy": _modified_by(req),
            "publicNetworkAccess": True,
            "disableLocalAuth": False,
            "encryption": {"keySource": "Microsoft.Automation", "identity": {}},
            "automationHybridServiceUrl": (f"https://{guid}.jrds.{location}.azure-automation.net/"
                                           f"automationAccounts/{guid}"),
        }
        _apply_properties(props, body.get("properties"))
        plan = _plan_identity(emu, rid, None, body.get("identity"), patch=False)
        account = {
            "id": rid,
            "name": name,
            "type": RESPONSE_TYPE,
            "location": location,
            "tags": tags,
            "properties": props,
            "_keys": {"Primary": _new_key(), "Secondary": _new_key()},
        }
        _commit_identity(emu, account, plan)
        emu.arm()[rid.lower()] = account
        return 201, arm.public(account)


@route("arm", "PATCH", ACCOUNT, api_versions=API_VERSIONS)
def patch_account(req):
    emu, sub, rg, name = req.emu, req.params["sub"], req.params["rg"], req.params["account"]
    with emu.lock:
        account = get_account(emu, sub, rg, name)
        body = arm.body_object(req)  # ``location`` cannot change; a PATCH that sends it is not rejected
        props = dict(account["properties"])
        _apply_properties(props, body.get("properties"))
        tags = arm.validate_tags(body["tags"]) if "tags" in body else None
        plan = _plan_identity(emu, account["id"], account.get("identity"), body.get("identity"), patch=True)
        props["lastModifiedTime"] = _time(emu.now())
        props["lastModifiedBy"] = _modified_by(req)
        account["properties"] = props
        if tags is not None:
            account["tags"] = tags
        _commit_identity(emu, account, plan)
        return 200, arm.public(account)


@route("arm", "GET", ACCOUNT, api_versions=API_VERSIONS)
def get_account_route(req):
    with req.emu.lock:
        return 200, arm.public(get_account(req, req.params["sub"], req.params["rg"], req.params["account"]))


@route("arm", "DELETE", ACCOUNT, api_versions=API_VERSIONS)
def delete_account(req):
    """200 when the account existed (it goes with everything below it), 204 when there was none."""
    emu, sub, rg, name = req.emu, req.params["sub"], req.params["rg"], req.params["account"]
    with emu.lock:
        arm.require_resource_group(emu, sub, rg)
        rid = account_id(sub, rg, name)
        if rid.lower() not in emu.arm():
            return 204, None
        arm.delete_tree(emu, rid)
    return 200, None


@route("arm", "GET", arm.RG + r"/providers/Microsoft\.Automation/automationAccounts", api_versions=API_VERSIONS)
def list_accounts_in_group(req):
    emu, sub, rg = req.emu, req.params["sub"], req.params["rg"]
    with emu.lock:
        arm.require_resource_group(emu, sub, rg)
        return 200, arm.page(req, arm.list_resources(emu, sub, RESPONSE_TYPE, rg))


@route("arm", "GET", arm.SUB + r"/providers/Microsoft\.Automation/automationAccounts", api_versions=API_VERSIONS)
def list_accounts_in_subscription(req):
    emu, sub = req.emu, req.params["sub"]
    with emu.lock:
        arm.require_subscription(emu, sub)
        return 200, arm.page(req, arm.list_resources(emu, sub, RESPONSE_TYPE))


@route("arm", "POST", ACCOUNT + r"/listKeys", api_versions=API_VERSIONS)
def list_keys(req):
    with req.emu.lock:
        account = get_account(req, req.params["sub"], req.params["rg"], req.params["account"])
        keys = account.setdefault("_keys", {"Primary": _new_key(), "Secondary": _new_key()})
        return 200, {"keys": [{"KeyName": k, "Permissions": "Full", "Value": keys[k]} for k in ("Primary", "Secondary")]}


# -- statistics and usages ---------------------------------------------------------------------------------
# The job counters Azure reports for an account, over the last seven days.
STATISTICS_COUNTERS = ("New", "Activating", "Running", "Completed", "Failed")
STATISTICS_DAYS = 7
FREE_MINUTES = 500  # job run time included in the Free SKU each month


def _jobs_refreshed(emu, account):
    """Every job of the account with its status brought up to date: ``[(job record, properties)]``."""
    from .automation_modules import list_children
    from .runbooks import refresh_run

    out = []
    for rec in list_children(emu, account["id"], "jobs"):
        out.append((rec, refresh_run(emu, account, rec, rec["properties"], rec["id"])))
    return out


def _run_minutes(emu, jobs, since):
    """Minutes of job run time since ``since`` (a running job counts up to now)."""
    from .automation_modules import parse_time

    now = emu.now()
    total = 0.0
    for _rec, props in jobs:
        start = parse_time(props.get("startTime"))
        if start is None:
            continue
        end = parse_time(props.get("endTime")) or now
        start = max(start, since)
        if end > start:
            total += (end - start) / 60.0
    return round(total, 4)


def _month_start(ts):
    import datetime

    dt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return dt.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


@route("arm", "GET", ACCOUNT + r"/statistics", api_versions=API_VERSIONS)
def list_statistics(req):
    """``StatisticsListResult``: the account's jobs by status (counters ``New``, ``Activating``, ``Running``,
    ``Completed``, ``Failed``), counted over the jobs created in the last seven days."""
    emu = req.emu
    with emu.lock:
        account = get_account(req, req.params["sub"], req.params["rg"], req.params["account"])
        now = emu.now()
        since = now - STATISTICS_DAYS * 86400
        counts = dict.fromkeys(STATISTICS_COUNTERS, 0)
        for rec, props in _jobs_refreshed(emu, account):
            if rec["_run"]["created"] >= since and props.get("status") in counts:
                counts[props["status"]] += 1
        return 200, {"value": [{
            "id": f"{account['id']}/statistics/{name}",
            "counterProperty": name,
            "counterValue": counts[name],
            "startTime": _time(since),
            "endTime": _time(now),
        } for name in STATISTICS_COUNTERS]}


@route("arm", "GET", ACCOUNT + r"/usages", api_versions=API_VERSIONS)
def list_usages(req):
    """``UsageListResult``: job run-time minutes this month of the account (``AccountUsage``) and of every account
    of the subscription (``SubscriptionUsage``), and the DSC nodes (``DscAccountUsage``; always 0). A Free account
    has 500 included minutes; Basic has no limit (-1)."""
    emu, sub = req.emu, req.params["sub"]
    with emu.lock:
        account = get_account(req, sub, req.params["rg"], req.params["account"])
        since = _month_start(emu.now())
        mine = _run_minutes(emu, _jobs_refreshed(emu, account), since)
        everyone = 0.0
        for other in arm.list_resources(emu, sub, RESPONSE_TYPE):
            everyone += _run_minutes(emu, _jobs_refreshed(emu, other), since)
        free = (account["properties"].get("sku") or {}).get("name") == "Free"
        limit = FREE_MINUTES if free else -1

        def usage(name, unit, value, limit_value):
            # the emulator never holds jobs back, so nothing is throttled
            return {"name": {"value": name, "localizedValue": name}, "unit": unit, "currentValue": float(value),
                    "limit": limit_value, "throttleStatus": "NotThrottled"}

        return 200, {"value": [
            usage("AccountUsage", "Minute", mine, limit),
            usage("SubscriptionUsage", "Minute", round(everyone, 4), limit),
            usage("DscAccountUsage", "Count", 0, -1),
        ]}
