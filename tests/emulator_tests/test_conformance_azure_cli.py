"""Conformance with a client nobody here wrote: the requests the Azure CLI 2.91 sends for ``az cloud register
--endpoint-resource-manager``, ``az login --service-principal``, ``az group create/list``, ``az identity
create/list``, ``az provider show``, ``az resource create/show`` and ``az rest`` to Graph, as raw HTTPS: the
paths, api-versions and token scopes were recorded from the CLI against the emulator (``make try-azure-cli`` runs
the CLI itself), and the answers carry what the CLI reads from them.

Each test replays one step in the CLI's order; nothing here imports the CLI."""
import json
import urllib.parse

import pytest

from .helpers import raw, token_for

EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
# az asks for "<resource>/.default" of the cloud's resource ids, which end in a slash
ARM_SCOPE_CLI = "https://management.core.windows.net//.default"
GRAPH_SCOPE_CLI = "https://graph.microsoft.com//.default"


def token(emulator, scope):
    env = emulator.env
    form = urllib.parse.urlencode({"client_id": env["AZURE_CLIENT_ID"], "grant_type": "client_credentials",
                                   "client_secret": env["AZURE_SECRET"], "scope": scope,
                                   "client_info": "1"}).encode()
    status, _h, body = raw(emulator, "POST", "/%s/oauth2/v2.0/token" % env["AZURE_TENANT"], form,
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    return body["access_token"]


def cli(emulator, method, path, scope=ARM_SCOPE_CLI, body=None):
    # one token per scope, as the CLI caches it (the sign-in test asks for them as the CLI does)
    headers = {"Authorization": "Bearer " + token_for(emulator, scope), "Accept": "application/json",
               "User-Agent": "AZURECLI/2.91.0 (PIP) azsdk-python-core/1.35.0 Python/3.11.7"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    return raw(emulator, method, path, data, headers)


@pytest.fixture
def sub(emulator):
    return emulator.env["AZURE_SUBSCRIPTION_ID"]


def test_cloud_register_reads_one_cloud_anonymously(emulator):
    # az cloud register --endpoint-resource-manager <url>: no token, api-version 2022-09-01, one object
    status, _h, cloud = raw(emulator, "GET", "/metadata/endpoints?api-version=2022-09-01")
    assert status == 200 and isinstance(cloud, dict)
    # what azure.cli.core.cloud._arm_to_cli_mapper reads without a fallback
    assert cloud["name"] and cloud["authentication"]["loginEndpoint"].rstrip("/") == emulator.url
    assert cloud["authentication"]["audiences"][0] == "https://management.core.windows.net/"
    assert isinstance(cloud["suffixes"], dict) and cloud["resourceManager"].rstrip("/") == emulator.url
    assert cloud["microsoftGraphResourceId"] == "https://graph.microsoft.com/"


def test_login_discovers_the_tenant_and_takes_tokens_for_the_cli_scopes(emulator):
    # MSAL (instance discovery off, as for any private cloud) reads the tenant's OpenID configuration
    tenant = emulator.env["AZURE_TENANT"]
    status, _h, oidc = raw(emulator, "GET", "/%s/v2.0/.well-known/openid-configuration" % tenant)
    assert status == 200
    assert oidc["token_endpoint"] == "%s/%s/oauth2/v2.0/token" % (emulator.url, tenant)
    assert token(emulator, ARM_SCOPE_CLI) and token(emulator, GRAPH_SCOPE_CLI)


def test_login_lists_the_subscriptions(emulator, sub):
    status, _h, body = cli(emulator, "GET", "/subscriptions?api-version=2022-12-01")
    assert status == 200
    (only,) = body["value"]
    assert only["subscriptionId"] == sub and only["tenantId"] == emulator.env["AZURE_TENANT"]
    assert only["state"] == "Enabled" and only["displayName"]


def test_group_create_and_list(emulator, sub):
    status, _h, group = cli(emulator, "PUT", "/subscriptions/%s/resourcegroups/rg-cli?api-version=2024-11-01" % sub,
                            body={"location": "westeurope"})
    assert status == 201 and group["properties"]["provisioningState"] == "Succeeded"
    status, _h, groups = cli(emulator, "GET", "/subscriptions/%s/resourcegroups?api-version=2024-11-01" % sub)
    assert status == 200 and "rg-cli" in [g["name"] for g in groups["value"]]


def test_identity_create_and_list_with_the_cli_api_version(emulator, sub):
    cli(emulator, "PUT", "/subscriptions/%s/resourcegroups/rg-cli?api-version=2024-11-01" % sub,
        body={"location": "westeurope"})
    path = ("/subscriptions/%s/resourceGroups/rg-cli/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
            "id-cli?api-version=2025-05-31-preview" % sub)
    status, _h, identity = cli(emulator, "PUT", path, body={"location": "westeurope"})
    assert status == 201, identity
    assert identity["properties"]["principalId"] and identity["properties"]["clientId"]
    status, _h, listed = cli(emulator, "GET", "/subscriptions/%s/providers/Microsoft.ManagedIdentity/"
                             "userAssignedIdentities?api-version=2025-05-31-preview" % sub)
    assert status == 200 and [i["name"] for i in listed["value"]] == ["id-cli"]


def test_provider_show_then_resource_create_with_an_empty_parent_path(emulator, sub):
    cli(emulator, "PUT", "/subscriptions/%s/resourcegroups/rg-cli?api-version=2024-11-01" % sub,
        body={"location": "westeurope"})
    # az resource picks the api-version from the provider: the newest that is not a preview
    status, _h, provider = cli(emulator, "GET", "/subscriptions/%s/providers/Microsoft.Automation"
                               "?api-version=2024-11-01" % sub)
    assert status == 200 and provider["registrationState"] == "Registered"
    (accounts,) = [t for t in provider["resourceTypes"] if t["resourceType"] == "automationAccounts"]
    version = next(v for v in accounts["apiVersions"] if "preview" not in v)
    # .../providers/{namespace}/{parent path, empty}/{type}/{name}
    path = ("/subscriptions/%s/resourcegroups/rg-cli/providers/Microsoft.Automation//automationAccounts/aa-cli"
            "?api-version=%s" % (sub, version))
    status, _h, created = cli(emulator, "PUT", path, body={"location": "westeurope",
                                                           "properties": {"sku": {"name": "Basic"}}})
    assert status in (200, 201), created
    # az resource show --ids reads it back through the same generic route and through the id as given
    for shown_path in (path, "/subscriptions/%s/resourceGroups/rg-cli/providers/Microsoft.Automation/"
                             "automationAccounts/aa-cli?api-version=%s" % (sub, version)):
        status, _h, shown = cli(emulator, "GET", shown_path)
        assert status == 200 and shown["name"] == "aa-cli" and shown["properties"]["sku"]["name"] == "Basic"


def test_az_rest_to_graph_needs_a_graph_token(emulator):
    path = "/v1.0/servicePrincipals?$filter=" + urllib.parse.quote("appId eq '%s'" % EXO_APP_ID)
    status, _h, body = cli(emulator, "GET", path, scope=GRAPH_SCOPE_CLI)
    assert status == 200 and [sp["appId"] for sp in body["value"]] == [EXO_APP_ID]
    # an ARM token (what az rest takes for a URL on the Resource Manager host without --resource) is refused
    status, _h, body = cli(emulator, "GET", path)
    assert status == 401 and body["error"]["code"] == "InvalidAuthenticationToken"
