"""Azure Resource Manager: subscriptions, locations, resource groups, and helpers shared by every ARM handler.

Helpers for the other ARM modules:

* ``require_subscription(emu, sub)``: 404 ``SubscriptionNotFound`` for any subscription but the emulator's.
* ``require_resource_group(emu, sub, rg)``: the stored resource group, or 404 ``ResourceGroupNotFound``.
* ``normalize_location(value, resource_type=None)``: ``"West Europe"`` -> ``"westeurope"``; 400 for unknown regions.
* ``resource_id(sub, rg, provider_type, name)``, ``not_found(type_path, name, rg)``, ``public(item)``,
  ``list_resources(emu, sub, type_name, rg=None)``, ``page(req, items)`` (``value`` + ``nextLink``),
  ``delete_tree(emu, resource_id)`` (a resource and everything below it, releasing managed identities),
  ``validate_tags(tags)``.

Resource providers (``/subscriptions/{s}/providers[/{namespace}]``, ``register``/``unregister``, the tenant-level
``/providers[/{namespace}]``) are answered from :func:`provider_catalogue`, the namespaces and resource types this
emulator implements with the api-versions their routes accept.

Resources live in ``emu.arm()`` under their lower-cased id, holding exactly the JSON a GET returns; keys that start
with ``_`` are private bookkeeping and are stripped by :func:`public`.
"""
import base64
import json
from urllib.parse import quote, urlencode

from .core import arm_error, new_guid, route

# Stable Microsoft.Resources api-versions (resources readme, stable tags).
RESOURCES_API_VERSIONS = (
    "2015-11-01", "2016-02-01", "2016-07-01", "2016-09-01", "2017-05-10", "2018-02-01", "2018-05-01",
    "2019-03-01", "2019-05-01", "2019-05-10", "2019-07-01", "2019-08-01", "2019-10-01", "2020-06-01",
    "2020-08-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01",
    "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01",
)

# Public Azure regions: name -> (display name, geography group).
REGIONS = {
    "australiacentral": ("Australia Central", "Asia Pacific"),
    "australiacentral2": ("Australia Central 2", "Asia Pacific"),
    "australiaeast": ("Australia East", "Asia Pacific"),
    "australiasoutheast": ("Australia Southeast", "Asia Pacific"),
    "brazilsouth": ("Brazil South", "South America"),
    "brazilsoutheast": ("Brazil Southeast", "South America"),
    "canadacentral": ("Canada Central", "Canada"),
    "canadaeast": ("Canada East", "Canada"),
    "centralindia": ("Central India", "Asia Pacific"),
    "centralus": ("Central US", "US"),
    "eastasia": ("East Asia", "Asia Pacific"),
    "eastus": ("East US", "US"),
    "eastus2": ("East US 2", "US"),
    "francecentral": ("France Central", "Europe"),
    "francesouth": ("France South", "Europe"),
    "germanynorth": ("Germany North", "Europe"),
    "germanywestcentral": ("Germany West Central", "Europe"),
    "israelcentral": ("Israel Central", "Middle East"),
    "italynorth": ("Italy North", "Europe"),
    "japaneast": ("Japan East", "Asia Pacific"),
    "japanwest": ("Japan West", "Asia Pacific"),
    "jioindiacentral": ("Jio India Central", "Asia Pacific"),
    "jioindiawest": ("Jio India West", "Asia Pacific"),
    "koreacentral": ("Korea Central", "Asia Pacific"),
    "koreasouth": ("Korea South", "Asia Pacific"),
    "mexicocentral": ("Mexico Central", "Mexico"),
    "newzealandnorth": ("New Zealand North", "Asia Pacific"),
    "northcentralus": ("North Central US", "US"),
    "northeurope": ("North Europe", "Europe"),
    "norwayeast": ("Norway East", "Europe"),
    "norwaywest": ("Norway West", "Europe"),
    "polandcentral": ("Poland Central", "Europe"),
    "qatarcentral": ("Qatar Central", "Middle East"),
    "southafricanorth": ("South Africa North", "Africa"),
    "southafricawest": ("South Africa West", "Africa"),
    "southcentralus": ("South Central US", "US"),
    "southeastasia": ("Southeast Asia", "Asia Pacific"),
    "southindia": ("South India", "Asia Pacific"),
    "spaincentral": ("Spain Central", "Europe"),
    "swedencentral": ("Sweden Central", "Europe"),
    "switzerlandnorth": ("Switzerland North", "Europe"),
    "switzerlandwest": ("Switzerland West", "Europe"),
    "uaecentral": ("UAE Central", "Middle East"),
    "uaenorth": ("UAE North", "Middle East"),
    "uksouth": ("UK South", "Europe"),
    "ukwest": ("UK West", "Europe"),
    "westcentralus": ("West Central US", "US"),
    "westeurope": ("West Europe", "Europe"),
    "westindia": ("West India", "Asia Pacific"),
    "westus": ("West US", "US"),
    "westus2": ("West US 2", "US"),
    "westus3": ("West US 3", "US"),
}

SUB = r"/subscriptions/(?P<sub>[^/]+)"
RG = SUB + r"/resourcegroups/(?P<rg>[^/]+)"
RG_TYPE = "Microsoft.Resources/resourceGroups"
PAGE_SIZE = 100
NOT_FOUND_FIX = "For more details please go to https://aka.ms/ARMResourceNotFoundFix"


# -- helpers for every ARM module ----------------------------------------------------------------
def emu_of(req_or_emu):
    return getattr(req_or_emu, "emu", req_or_emu)


def require_subscription(emu, sub):
    emu = emu_of(emu)
    if (sub or "").lower() != emu.subscription_id.lower():
        arm_error(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")


def rg_id(sub, rg):
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def get_resource_group(emu, sub, rg):
    """The stored resource group or None (no errors)."""
    return emu_of(emu).arm().get(rg_id(sub, rg).lower())


def require_resource_group(emu, sub, rg):
    """The stored resource group; 404 ``SubscriptionNotFound`` / ``ResourceGroupNotFound`` otherwise."""
    emu = emu_of(emu)
    require_subscription(emu, sub)
    group = get_resource_group(emu, sub, rg)
    if group is None:
        arm_error(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
    return group


def resource_id(sub, rg, provider_type, name):
    """``/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_type}/{name}``."""
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider_type}/{name}"


def not_found(type_path, name, rg):
    """Raise ARM's 404 for a missing resource, e.g. ``not_found("Microsoft.Automation/automationAccounts", n, rg)``."""
    arm_error(404, "ResourceNotFound",
              f"The Resource '{type_path}/{name}' under resource group '{rg}' was not found. {NOT_FOUND_FIX}")


def _available(resource_type=None):
    return ",".join(sorted(REGIONS))


def normalize_location(value, resource_type=None):
    """ARM's canonical region name for a name or display name; 400 like ARM when missing or unknown.

    ``resource_type`` (e.g. ``Microsoft.Automation/automationAccounts``) selects the resource-type message;
    without it the resource-group message is used."""
    if value is None or (isinstance(value, str) and not value.strip()):
        arm_error(400, "LocationRequired", "The location property is required for this definition.")
    if not isinstance(value, str):
        arm_error(400, "InvalidRequestContent",
                  "The request content was invalid and could not be deserialized: 'Error converting value to "
                  "type 'System.String'. Path 'location'.'.")
    key = "".join(value.split()).lower()
    if key in REGIONS:
        return key
    if resource_type is None:
        arm_error(400, "LocationNotAvailableForResourceGroup",
                  f"The provided location '{value}' is not available for resource group. List of available "
                  f"regions is '{_available()}'.")
    arm_error(400, "LocationNotAvailableForResourceType",
              f"The provided location '{value}' is not available for resource type '{resource_type}'. List of "
              f"available regions for the resource type is '{_available(resource_type)}'.")


def validate_tags(tags):
    """ARM's checks of a ``tags`` object; returns a plain dict (None -> {})."""
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        arm_error(400, "InvalidRequestContent",
                  "The request content was invalid and could not be deserialized: 'Error converting value to "
                  "type 'System.Collections.Generic.Dictionary`2[System.String,System.String]'. Path 'tags'.'.")
    if len(tags) > 50:
        arm_error(400, "TooManyTags",
                  f"The tags count '{len(tags)}' exceeds the maximum limit of '50'.")
    out = {}
    for name, value in tags.items():
        if value is None:
            value = ""
        if not isinstance(value, str):
            value = json.dumps(value) if not isinstance(value, (int, float)) else str(value)
        if len(name) > 512:
            arm_error(400, "InvalidTagNameLength",
                      f"The tag name '{name}' exceeds the maximum length of '512' characters.")
        if any(ch in name for ch in "<>%&\\?/"):
            arm_error(400, "InvalidTagNameCharacters",
                      f"The tag names '{name}' have reserved characters '<,>,%,&,\\,?,/' or control characters.")
        if len(value) > 256:
            arm_error(400, "InvalidTagValueLength",
                      f"The tag value '{value}' exceeds the maximum length of '256' characters.")
        out[name] = value
    return out


def public(item):
    """A stored resource without its private (``_``-prefixed) keys, at any depth."""
    if isinstance(item, dict):
        return {k: public(v) for k, v in item.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(item, list):
        return [public(v) for v in item]
    return item


def list_resources(emu, sub, type_name, rg=None):
    """Stored resources of one type (compared without case), in a subscription or one resource group,
    ordered by id."""
    emu = emu_of(emu)
    prefix = f"/subscriptions/{sub}/".lower() if rg is None else (rg_id(sub, rg) + "/").lower()
    tname = type_name.lower()
    with emu.lock:
        found = [v for k, v in emu.arm().items()
                 if k.startswith(prefix) and str(v.get("type", "")).lower() == tname]
    return sorted(found, key=lambda v: v["id"].lower())


def page(req, items, page_size=None):
    """``{"value": [...]}`` with ARM paging: ``$top`` (when the route allows it) sets the page size and
    ``$skipToken`` continues; a ``nextLink`` is added while items remain."""
    size = page_size or PAGE_SIZE
    start = 0
    token = req.q("$skiptoken")
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["offset"])
        except (ValueError, KeyError, TypeError):
            arm_error(400, "InvalidSkipToken", f"The skip token '{token}' is invalid.")
    chunk = [public(v) for v in items[start:start + size]]
    body = {"value": chunk}
    if start + size < len(items):
        nxt = base64.urlsafe_b64encode(json.dumps({"offset": start + size}).encode()).decode().rstrip("=")
        query = {k: v for k, v in req.query.items() if k.lower() != "$skiptoken"}
        query["$skiptoken"] = nxt
        body["nextLink"] = f"{req.base_url}{req.path}?{urlencode(query, safe='$', quote_via=quote)}"
    return body


def _release_identities(emu, item):
    """Remove the Graph service principals of the managed identities a deleted resource owned."""
    from . import graph

    ident = item.get("identity") or {}
    if "systemassigned" in str(ident.get("type", "")).lower().replace(" ", "") and ident.get("principalId"):
        graph.remove_managed_identity(emu, ident["principalId"])
    if str(item.get("type", "")).lower() == "microsoft.managedidentity/userassignedidentities":
        pid = (item.get("properties") or {}).get("principalId")
        if pid:
            graph.remove_managed_identity(emu, pid)


def delete_tree(emu, rid):
    """Delete a resource (any id) and every resource below it; returns the deleted items."""
    emu = emu_of(emu)
    key = rid.lower().rstrip("/")
    with emu.lock:
        store = emu.arm()
        doomed = [k for k in store if k == key or k.startswith(key + "/")]
        removed = [store.pop(k) for k in doomed]
        for item in removed:
            _release_identities(emu, item)
    return removed


def body_object(req, required=True):
    """The JSON body as an object; ARM's 400 when it is missing or not an object."""
    body = req.json
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        arm_error(400, "InvalidRequestContent",
                  "The request content was invalid and could not be deserialized: 'Unexpected end when "
                  "deserializing object.'." if body is None else
                  "The request content was invalid and could not be deserialized: 'Cannot deserialize the current "
                  "JSON value into type 'ResourceDefinition'.'.")
    return body


# -- subscriptions and locations -------------------------------------------------------------------
def _subscription(emu):
    sub = emu.subscription_id
    return {
        "id": f"/subscriptions/{sub}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub,
        "tenantId": emu.tenant_id,
        "displayName": "Exchange Online automation (emulated)",
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


@route("arm", "GET", r"/subscriptions")
def list_subscriptions(req):
    return 200, {"value": [_subscription(req.emu)], "count": {"type": "Total", "value": 1}}


@route("arm", "GET", SUB)
def get_subscription(req):
    require_subscription(req.emu, req.params["sub"])
    return 200, _subscription(req.emu)


@route("arm", "GET", SUB + r"/locations")
def list_locations(req):
    sub = req.params["sub"]
    require_subscription(req.emu, sub)
    value = []
    for name, (display, group) in sorted(REGIONS.items()):
        value.append({
            "id": f"/subscriptions/{req.emu.subscription_id}/locations/{name}",
            "name": name,
            "type": "Region",
            "displayName": display,
            "regionalDisplayName": f"({group}) {display}",
            "metadata": {"regionType": "Physical", "regionCategory": "Recommended", "geographyGroup": group},
        })
    return 200, {"value": value}


# -- resource groups -------------------------------------------------------------------------------
def _check_rg_name(name):
    bad = "".join(sorted({ch for ch in name if not (ch.isalnum() or ch in "-_.()")}, key=name.index))
    if bad:
        arm_error(400, "InvalidResourceGroup",
                  f"The provided resource group name '{name}' has these invalid characters: '{bad}'. The name can "
                  "only be a letter, digit, '-', '.', '(', ')' or '_'.")
    if len(name) > 90 or name.endswith("."):
        arm_error(400, "InvalidResourceGroup",
                  f"The provided resource group name '{name}' is invalid. The name can be at most 90 characters "
                  "long and cannot end with '.'.")


def _rg_view(group):
    return public(group)


@route("arm", "PUT", RG, api_versions=RESOURCES_API_VERSIONS)
def put_resource_group(req):
    emu, sub, name = req.emu, req.params["sub"], req.params["rg"]
    require_subscription(emu, sub)
    _check_rg_name(name)
    body = body_object(req)
    location = normalize_location(body.get("location"))
    tags = validate_tags(body.get("tags"))
    with emu.lock:
        existing = get_resource_group(emu, sub, name)
        if existing is not None:
            if existing["location"] != location:
                arm_error(409, "InvalidResourceGroupLocation",
                          f"Invalid resource group location '{body.get('location')}'. The Resource group already "
                          f"exists in location '{existing['location']}'.")
            if "tags" in body:
                existing["tags"] = tags
            else:
                existing.pop("tags", None)
            if body.get("managedBy"):
                existing["managedBy"] = body["managedBy"]
            return 200, _rg_view(existing)
        group = {
            "id": rg_id(emu.subscription_id, name),
            "name": name,
            "type": RG_TYPE,
            "location": location,
            "properties": {"provisioningState": "Succeeded"},
        }
        if "tags" in body:
            group["tags"] = tags
        if body.get("managedBy"):
            group["managedBy"] = body["managedBy"]
        emu.arm()[group["id"].lower()] = group
    return 201, _rg_view(group)


@route("arm", "GET", RG, api_versions=RESOURCES_API_VERSIONS)
def get_resource_group_route(req):
    return 200, _rg_view(require_resource_group(req.emu, req.params["sub"], req.params["rg"]))


@route("arm", "HEAD", RG, api_versions=RESOURCES_API_VERSIONS)
def head_resource_group(req):
    require_subscription(req.emu, req.params["sub"])
    found = get_resource_group(req.emu, req.params["sub"], req.params["rg"]) is not None
    return (204 if found else 404), None


@route("arm", "PATCH", RG, api_versions=RESOURCES_API_VERSIONS)
def patch_resource_group(req):
    emu = req.emu
    body = body_object(req)
    with emu.lock:
        group = require_resource_group(emu, req.params["sub"], req.params["rg"])
        if "tags" in body:
            group["tags"] = validate_tags(body["tags"])
        if body.get("managedBy"):
            group["managedBy"] = body["managedBy"]
        return 200, _rg_view(group)


@route("arm", "DELETE", RG, api_versions=RESOURCES_API_VERSIONS)
def delete_resource_group(req):
    """ARM deletes a resource group asynchronously: 202 + Location; polling it gives 202 until done, then 200.
    Everything inside the group goes with it (managed identities lose their service principals)."""
    emu, sub = req.emu, req.params["sub"]
    with emu.lock:
        group = require_resource_group(emu, sub, req.params["rg"])
        delete_tree(emu, group["id"])
        job = {"jobId": f"RESOURCEGROUPDELETIONJOB-{group['name'].upper()}-{group['location'].upper()}",
               "jobLocation": group["location"]}
        token = base64.urlsafe_b64encode(json.dumps(job, separators=(",", ":")).encode()).decode().rstrip("=")
        emu.state.setdefault("arm_operations", {})[token] = {"done_at": emu.now(), "kind": "resourceGroupDelete",
                                                             "nonce": new_guid()}
    location = (f"{req.base_url}/subscriptions/{emu.subscription_id}/operationresults/{token}"
                f"?api-version={req.q('api-version')}")
    return 202, None, {"Location": location, "Retry-After": "0"}


@route("arm", "GET", SUB + r"/operationresults/(?P<op>[^/]+)")
def get_operation_result(req):
    require_subscription(req.emu, req.params["sub"])
    op = req.emu.state.get("arm_operations", {}).get(req.params["op"])
    if op is None:
        arm_error(404, "OperationNotFound", f"The operation '{req.params['op']}' could not be found.")
    if req.emu.now() < op["done_at"]:
        return 202, None, {"Location": f"{req.base_url}{req.path}?{req.query_string}", "Retry-After": "0"}
    return 200, None


def _rg_matches_filter(group, flt):
    """``$filter`` of the resource group list: ``tagName eq 'n'`` [``and tagValue eq 'v'``]."""
    if not flt:
        return True
    import re

    name = re.search(r"tagname\s+eq\s+'([^']*)'", flt, re.IGNORECASE)
    value = re.search(r"tagvalue\s+eq\s+'([^']*)'", flt, re.IGNORECASE)
    if not name:
        arm_error(400, "InvalidFilterInQueryString",
                  f"The $filter '{flt}' is invalid. Only 'tagName eq' and 'tagValue eq' are supported.")
    tags = {k.lower(): v for k, v in (group.get("tags") or {}).items()}
    if name.group(1).lower() not in tags:
        return False
    return value is None or tags[name.group(1).lower()] == value.group(1)


def _top(req):
    top = req.q("$top")
    if top is None:
        return None
    try:
        value = int(top)
    except ValueError:
        value = 0
    if value < 1:
        arm_error(400, "InvalidTopInQueryString", f"The value '{top}' of query parameter '$top' is invalid.")
    return value


@route("arm", "GET", SUB + r"/resourcegroups", api_versions=RESOURCES_API_VERSIONS)
def list_resource_groups(req):
    emu, sub = req.emu, req.params["sub"]
    require_subscription(emu, sub)
    flt = req.q("$filter")
    groups = [g for g in list_resources(emu, sub, RG_TYPE) if _rg_matches_filter(g, flt)]
    return 200, page(req, groups, _top(req))


# -- generic resource listing ----------------------------------------------------------------------
def _is_top_level(item):
    """``/subscriptions/s/resourceGroups/g/providers/Ns/type/name`` (nothing below)."""
    parts = item["id"].strip("/").split("/")
    return len(parts) == 8 and parts[4].lower() == "providers"


def _generic(item):
    view = {k: item[k] for k in ("id", "name", "type", "location", "kind", "managedBy") if k in item}
    if item.get("tags"):
        view["tags"] = item["tags"]
    if item.get("identity"):
        view["identity"] = public(item["identity"])
    sku = item.get("sku") or (item.get("properties") or {}).get("sku")
    if sku:
        view["sku"] = sku
    return view


def _resources(req, rg=None):
    emu, sub = req.emu, req.params["sub"]
    if rg is None:
        require_subscription(emu, sub)
        prefix = f"/subscriptions/{sub}/".lower()
    else:
        prefix = (require_resource_group(emu, sub, rg)["id"] + "/").lower()
    flt = req.q("$filter") or ""
    import re

    wanted = re.search(r"resourcetype\s+eq\s+'([^']*)'", flt, re.IGNORECASE)
    with emu.lock:
        items = [v for k, v in emu.arm().items() if k.startswith(prefix) and _is_top_level(v)]
    if wanted:
        items = [v for v in items if v["type"].lower() == wanted.group(1).lower()]
    items.sort(key=lambda v: v["id"].lower())
    body = page(req, [_generic(v) for v in items], _top(req))
    return 200, body


@route("arm", "GET", RG + r"/resources", api_versions=RESOURCES_API_VERSIONS)
def list_resources_in_group(req):
    return _resources(req, req.params["rg"])


@route("arm", "GET", SUB + r"/resources", api_versions=RESOURCES_API_VERSIONS)
def list_resources_in_subscription(req):
    return _resources(req)


# -- resource providers ----------------------------------------------------------------------------------
# The providers routes also take the oldest Microsoft.Resources versions: azure.azcollection's azure_rm_resource
# reads a provider with api-version 2015-01-01 to pick the api-version of a resource.
PROVIDERS_API_VERSIONS = RESOURCES_API_VERSIONS + ("2014-04-01-preview", "2015-01-01")

# Microsoft.ManagedIdentity api-versions (the emulator's identity routes accept any).
MSI_API_VERSIONS = ("2015-08-31-preview", "2018-11-30", "2021-09-30-preview", "2022-01-31-preview", "2023-01-31",
                    "2023-07-31-preview", "2024-11-30", "2026-05-31")
MSI_FIC_API_VERSIONS = ("2022-01-31-preview", "2023-01-31", "2023-07-31-preview", "2024-11-30", "2026-05-31")
TRACKED = "SupportsTags, SupportsLocation"


def _newest_first(versions):
    return sorted(set(versions), reverse=True)


def provider_catalogue():
    """The namespaces this emulator serves: canonical namespace -> [(resource type, api-versions, capabilities,
    regional)]. The api-versions are exactly those the emulator's routes accept."""
    from . import automation, automation_modules

    account = automation.API_VERSIONS
    content = automation_modules.AUTOMATION_API_VERSIONS
    runtime = automation_modules.RUNTIME_API_VERSIONS
    return {
        "Microsoft.Automation": [
            ("automationAccounts", account, TRACKED, True),
            ("automationAccounts/modules", content, "None", True),
            ("automationAccounts/runbooks", content, TRACKED, True),
            ("automationAccounts/jobs", content, "None", True),
            ("automationAccounts/schedules", content, "None", True),
            ("automationAccounts/jobSchedules", content, "None", True),
            ("automationAccounts/webhooks", content, "None", True),
            ("automationAccounts/variables", content, "None", True),
            ("automationAccounts/runtimeEnvironments", runtime, TRACKED, True),
            ("automationAccounts/runtimeEnvironments/packages", runtime, "None", True),
        ],
        "Microsoft.ManagedIdentity": [
            ("userAssignedIdentities", MSI_API_VERSIONS, TRACKED, True),
            ("userAssignedIdentities/federatedIdentityCredentials", MSI_FIC_API_VERSIONS, "None", True),
            ("Identities", MSI_API_VERSIONS, "None", False),
            ("operations", MSI_API_VERSIONS, "None", False),
        ],
        "Microsoft.Resources": [
            ("resourceGroups", RESOURCES_API_VERSIONS, "SupportsLocation", True),
            ("subscriptions", RESOURCES_API_VERSIONS, "None", False),
            ("subscriptions/resourceGroups", RESOURCES_API_VERSIONS, "SupportsLocation", True),
            ("subscriptions/resources", RESOURCES_API_VERSIONS, "None", False),
            ("subscriptions/resourcegroups/resources", RESOURCES_API_VERSIONS, "None", False),
            ("subscriptions/locations", RESOURCES_API_VERSIONS, "None", False),
            ("subscriptions/providers", PROVIDERS_API_VERSIONS, "None", False),
            ("subscriptions/operationresults", RESOURCES_API_VERSIONS, "None", False),
            ("providers", PROVIDERS_API_VERSIONS, "None", False),
        ],
    }


def _canonical_namespace(namespace):
    """The served namespace spelled as ARM spells it, or ARM's 404 ``InvalidResourceNamespace``."""
    for name in provider_catalogue():
        if name.lower() == (namespace or "").lower():
            return name
    arm_error(404, "InvalidResourceNamespace", f"The resource namespace '{namespace}' is invalid.")


def _registration_state(emu, namespace):
    """``Registered`` (every namespace starts registered) or ``Unregistered`` after an unregister call."""
    states = emu.state.setdefault("provider_registrations", {})
    return states.get(namespace.lower(), "Registered")


def _provider(emu, namespace, subscription=True):
    locations = [REGIONS[r][0] for r in sorted(REGIONS)]
    types = []
    for rtype, versions, capabilities, regional in provider_catalogue()[namespace]:
        types.append({
            "resourceType": rtype,
            "locations": list(locations) if regional else [],
            "apiVersions": _newest_first(versions),
            "capabilities": capabilities,
        })
    body = {"id": f"/subscriptions/{emu.subscription_id}/providers/{namespace}" if subscription
            else f"/providers/{namespace}",
            "namespace": namespace}
    if subscription:
        body["registrationState"] = _registration_state(emu, namespace)
        body["registrationPolicy"] = "RegistrationRequired"
    body["resourceTypes"] = types
    return body


@route("arm", "GET", SUB + r"/providers", api_versions=PROVIDERS_API_VERSIONS)
def list_providers(req):
    require_subscription(req.emu, req.params["sub"])
    return 200, {"value": [_provider(req.emu, ns) for ns in sorted(provider_catalogue())]}


@route("arm", "GET", SUB + r"/providers/(?P<ns>[^/]+)", api_versions=PROVIDERS_API_VERSIONS)
def get_provider(req):
    require_subscription(req.emu, req.params["sub"])
    return 200, _provider(req.emu, _canonical_namespace(req.params["ns"]))


@route("arm", "GET", SUB + r"/providers/(?P<ns>[^/]+)/resourceTypes", api_versions=PROVIDERS_API_VERSIONS)
def list_provider_resource_types(req):
    require_subscription(req.emu, req.params["sub"])
    return 200, {"value": _provider(req.emu, _canonical_namespace(req.params["ns"]))["resourceTypes"]}


def _change_registration(req, state, transitional):
    """Register or unregister a namespace. A change answers its transitional state (``Registering`` /
    ``Unregistering``) as ARM does; the next read shows the final one."""
    emu = req.emu
    require_subscription(emu, req.params["sub"])
    namespace = _canonical_namespace(req.params["ns"])
    with emu.lock:
        before = _registration_state(emu, namespace)
        emu.state.setdefault("provider_registrations", {})[namespace.lower()] = state
        body = _provider(emu, namespace)
    if before != state:
        body["registrationState"] = transitional
    return 200, body


@route("arm", "POST", SUB + r"/providers/(?P<ns>[^/]+)/register", api_versions=PROVIDERS_API_VERSIONS)
def register_provider(req):
    return _change_registration(req, "Registered", "Registering")


@route("arm", "POST", SUB + r"/providers/(?P<ns>[^/]+)/unregister", api_versions=PROVIDERS_API_VERSIONS)
def unregister_provider(req):
    return _change_registration(req, "Unregistered", "Unregistering")


@route("arm", "GET", r"/providers", api_versions=PROVIDERS_API_VERSIONS)
def list_providers_at_tenant(req):
    return 200, {"value": [_provider(req.emu, ns, subscription=False) for ns in sorted(provider_catalogue())]}


@route("arm", "GET", r"/providers/(?P<ns>[^/]+)", api_versions=PROVIDERS_API_VERSIONS)
def get_provider_at_tenant(req):
    return 200, _provider(req.emu, _canonical_namespace(req.params["ns"]), subscription=False)
