"""Small helpers for tests that talk to the emulator: tokens, authenticated calls, SDK clients, schema checks.

    token = token_for(emulator)                                  # ARM token (client credentials)
    status, headers, body = arm(emulator, "GET", path)          # api-version added unless given
    status, headers, body = call(emulator, "GET", "/v1.0/servicePrincipals", scope=GRAPH_SCOPE)
"""
import json
import urllib.error
import urllib.parse
import urllib.request

ARM_SCOPE = "https://management.azure.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
API = {"resources": "2025-04-01", "automation": "2024-10-23", "msi": "2024-11-30"}

_TOKENS = {}


def raw(emulator, method, path, data=None, headers=None):
    """One HTTPS request to the emulator; ``(status, headers, parsed body)``, never raises on HTTP errors."""
    req = urllib.request.Request(emulator.url + path, data=data, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(req, context=emulator._ctx, timeout=30) as resp:
            status, rh, payload = resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        status, rh, payload = err.code, dict(err.headers), err.read()
    body = None
    if payload:
        try:
            body = json.loads(payload)
        except ValueError:
            body = payload.decode("utf-8", "replace")
    return status, rh, body


def token_for(emulator, scope=ARM_SCOPE):
    """An access token of the seeded admin for ``scope`` (cached per emulator process and scope)."""
    key = (emulator.url, scope)
    if key not in _TOKENS:
        env = emulator.env
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": env["AZURE_CLIENT_ID"],
            "client_secret": env["AZURE_SECRET"], "scope": scope,
        }).encode()
        status, _h, body = raw(emulator, "POST", f"/{env['AZURE_TENANT']}/oauth2/v2.0/token", form,
                               {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body
        _TOKENS[key] = body["access_token"]
    return _TOKENS[key]


def call(emulator, method, path, body=None, scope=ARM_SCOPE, token=None, headers=None):
    """An authenticated JSON request (``token=""`` sends none); ``(status, headers, body)``."""
    hdrs = dict(headers or {})
    if token is None:
        token = token_for(emulator, scope)
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    return raw(emulator, method, path, data, hdrs)


def arm(emulator, method, path, body=None, api=None, **kw):
    """``call`` with ``api-version`` added: ``api`` is a version or a key of ``API`` (guessed from the path)."""
    if "api-version=" not in path:
        if api is None:
            lower = path.split("?", 1)[0].lower()
            api = "automation" if "microsoft.automation" in lower else "msi" if "microsoft.managedidentity" in lower \
                else "resources"
        version = API.get(api, api)
        path += ("&" if "?" in path else "?") + "api-version=" + version
    return call(emulator, method, path, body, **kw)


def credential(emulator):
    """azure-identity credential of the seeded admin against the emulator's authority."""
    from azure.identity import ClientSecretCredential

    env = emulator.env
    return ClientSecretCredential(env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"],
                                  authority=emulator.url, disable_instance_discovery=True)


def sdk_kwargs(emulator):
    return {"base_url": emulator.url, "credential_scopes": [ARM_SCOPE]}


def assert_schema(body, spec, definition):
    """Validate ``body`` against ``#/definitions/<definition>`` of a swagger file in ``../shared/specs``.
    ``spec``: "automation/account", "msi", "resources"."""
    import pytest

    from tests.contract import specs

    files = {
        "automation/account": "automation/2024-10-23/specification/automation/resource-manager/Microsoft.Automation/"
                              "stable/2024-10-23/account.json",
        "msi": "msi/2026-05-31/specification/msi/resource-manager/Microsoft.ManagedIdentity/ManagedIdentity/stable/"
               "2026-05-31/ManagedIdentity.json",
        "resources": "resources/2025-04-01/specification/resources/resource-manager/Microsoft.Resources/resources/"
                     "stable/2025-04-01/resources.json",
    }
    path = specs.SPECS_DIR / "azure" / files[spec]
    if not path.exists():
        pytest.skip(f"specs not found under {specs.SPECS_DIR}")
    errors = specs.validate(path.resolve().as_uri() + "#/definitions/" + definition, body)
    assert not errors, "\n".join(errors)
