"""Control API under /_emulator/ (see docs/emulator.md) and ARM's cloud metadata route."""
from . import tokens
from .core import DEFAULT_SETTINGS, ApiError, route


def _bad(message):
    raise ApiError(400, {"error": {"code": "BadRequest", "message": message}})


@route("control", "GET", r"/_emulator/health")
def health(req):
    emu = req.emu
    return 200, {
        "status": "ok",
        "tenant_id": emu.tenant_id,
        "subscription_id": emu.subscription_id,
        "organization": emu.organization,
        "url": emu.base_url,
        "ca_file": emu.ca_file,
        "env": emu.health_env(),
        **tokens.health_credentials(emu),
    }


@route("control", "POST", r"/_emulator/reset")
def reset(req):
    body = req.json or {}
    if not isinstance(body, dict):
        _bad("reset takes a JSON object")
    unknown = sorted(set(body) - set(DEFAULT_SETTINGS))
    if unknown:
        _bad(f"unknown reset option(s) {unknown}; allowed: {sorted(DEFAULT_SETTINGS)}")
    req.emu.reset(body)
    return 200, {"status": "ok", "settings": req.emu.settings}


@route("control", "GET", r"/_emulator/state")
def state(req):
    with req.emu.lock:
        return 200, req.emu.state


@route("control", "GET", r"/_emulator/requests")
def requests_log(req):
    with req.emu.lock:
        return 200, list(req.emu.requests)


@route("control", "DELETE", r"/_emulator/requests")
def clear_requests(req):
    with req.emu.lock:
        req.emu.requests.clear()
    return 204, None


@route("control", "POST", r"/_emulator/faults")
def add_fault(req):
    body = req.json
    if not isinstance(body, dict):
        _bad("a fault is a JSON object: {method, path_regex, status, times, retry_after_s, body, delay_ms}")
    allowed = {"method", "path_regex", "status", "times", "retry_after_s", "body", "delay_ms"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        _bad(f"unknown fault field(s) {unknown}; allowed: {sorted(allowed)}")
    import re

    try:
        re.compile(body.get("path_regex", ".*"))
    except re.error as err:
        _bad(f"path_regex does not compile: {err}")
    return 201, {"id": req.emu.add_fault(body)}


@route("control", "GET", r"/_emulator/faults")
def list_faults(req):
    return 200, req.emu.faults_view()


@route("control", "DELETE", r"/_emulator/faults")
def clear_faults(req):
    with req.emu.lock:
        req.emu.faults.clear()
    return 204, None


@route("control", "PUT", r"/_emulator/settings")
def put_settings(req):
    body = req.json
    allowed = {"replication_delay_s", "module_import_s", "job_run_s", "failing_modules"}
    if not isinstance(body, dict):
        _bad(f"settings take a JSON object with any of {sorted(allowed)}")
    unknown = sorted(set(body) - allowed)
    if unknown:
        _bad(f"unknown setting(s) {unknown}; allowed: {sorted(allowed)}")
    with req.emu.lock:
        req.emu.settings.update(body)
        req.emu.save()
    return 200, req.emu.settings


@route("control", "GET", r"/_emulator/settings")
def get_settings(req):
    return 200, req.emu.settings


@route("arm", "GET", r"/metadata/endpoints")
def metadata_endpoints(req):
    """Cloud metadata like ``GET https://management.azure.com/metadata/endpoints?api-version=...``, with every
    endpoint pointing at this emulator. Served without a token, like ARM. The shape follows the api-version as
    ARM's does: 2022-09-01 and later one object, the cloud the endpoint belongs to (what ``az cloud register
    --endpoint-resource-manager`` and Terraform's go-azure-sdk read); 2019-05-01 up to 2022-09-01 a list of
    clouds (what ``ARM_CLOUD_METADATA_URL`` of the Azure CLI names); older or none the original single object
    with ``galleryEndpoint``, ``graphEndpoint`` and ``portalEndpoint`` (msrestazure, azure.azcollection)."""
    cloud = _cloud_metadata(req.base_url)
    version = (req.q("api-version") or "").strip()
    if version >= "2022-09-01":
        return 200, cloud
    if version >= "2019-05-01":
        return 200, [cloud]
    legacy = dict(cloud, galleryEndpoint=cloud["portal"], graphEndpoint=cloud["graphAudience"],
                  portalEndpoint=cloud["portal"])
    return 200, legacy


def _cloud_metadata(base):
    # As in Azure's own documents, microsoftGraphResourceId is Graph's resource id (the audience its tokens are
    # asked for) and the audiences are ARM's; the emulator's sign-in and APIs accept them. The URLs, Graph's
    # (microsoftGraphEndpoint, graph) among them, are the emulator's.
    return {
        "portal": base,
        "authentication": {
            "loginEndpoint": base,
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": base,
        "graphAudience": "https://graph.windows.net/",
        "graph": base,
        "name": "AzureCloud",
        "suffixes": {
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "acrLoginServer": "azurecr.io",
            "sqlServerHostname": "database.windows.net",
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
        },
        "batch": "https://batch.core.windows.net/",
        "resourceManager": base + "/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "microsoftGraphEndpoint": base,
        "logAnalyticsResourceId": "https://api.loganalytics.io",
    }


DUPLICABLE = ("appRoleAssignments", "roleAssignments")


@route("control", "POST", r"/_emulator/graph/(?P<collection>[A-Za-z]+)/(?P<object_id>[^/]+)/duplicate")
def duplicate_graph_object(req):
    """A second copy of an app-role assignment or an Entra role assignment under a new id, as replica races and
    other tools leave behind (Graph itself refuses to create a duplicate). Returns the copy."""
    import base64
    import copy
    import uuid

    collection, object_id = req.params["collection"], req.params["object_id"]
    if collection not in DUPLICABLE:
        _bad(f"only {', '.join(DUPLICABLE)} can be duplicated, not {collection}")
    with req.emu.lock:
        items = req.emu.graph(collection)
        if object_id not in items:
            raise ApiError(404, {"error": {"code": "NotFound", "message": f"{collection}/{object_id} does not exist"}})
        twin = copy.deepcopy(items[object_id])
        if collection == "appRoleAssignments":
            raw = uuid.UUID(twin["principalId"]).bytes_le + uuid.uuid4().bytes
            twin["id"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        else:
            twin["id"] = f"{uuid.uuid4()}-1"
        items[twin["id"]] = twin
        req.emu.save()
    return 201, twin
