"""The Azure CLI, a client nobody here wrote, against the emulator unchanged: with only the emulator's ``env``
exported it registers the emulator as a cloud from its metadata URL, signs in with the emulator's service
principal, and manages resource groups, identities and an Automation account, reads a resource provider and
calls Graph through ``az rest``.

``make try-azure-cli`` installs the CLI (a pinned release, in ``.build/venv-azcli``; about 700 MB, so not part of
``make test``, where ``tests/emulator_tests/test_conformance_azure_cli.py`` replays the requests it sends) and runs
this file. The CLI is found through ``EXO_AZURE_CLI`` or ``.build/venv-azcli/bin/az``; without it the tests fail
when ``EXO_REQUIRE_AZURE_CLI=1`` (as ``make try-azure-cli`` sets it) and are skipped otherwise."""
import json
import os
import subprocess

import pytest

from tests.emulator.client import REPO_ROOT

EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"


def _az_path():
    path = os.environ.get("EXO_AZURE_CLI") or os.path.join(REPO_ROOT, ".build", "venv-azcli", "bin", "az")
    if os.access(path, os.X_OK):
        return path
    if os.environ.get("EXO_REQUIRE_AZURE_CLI") == "1":
        pytest.fail("the Azure CLI is not installed at %s: run make venv-azcli" % path)
    pytest.skip("the Azure CLI is not installed (make venv-azcli, or set EXO_AZURE_CLI)")
    return None


@pytest.fixture
def az(emulator, tmp_path):
    """``az(*args)``: the CLI with nothing but the emulator's env and a configuration directory of its own;
    returns the parsed JSON output (or the process, with ``raw=True``)."""
    path = _az_path()
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith(("AZURE_", "ARM_")) and k not in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"))
    env.update(emulator.env)
    env.update(AZURE_CONFIG_DIR=str(tmp_path / "azure"), AZURE_CORE_COLLECT_TELEMETRY="false",
               AZURE_CORE_NO_COLOR="true", AZURE_CORE_ONLY_SHOW_ERRORS="true")

    def run(*args, raw=False):
        proc = subprocess.run([path] + list(args) + (["-o", "json"] if not raw else []), env=env,
                              capture_output=True, text=True, timeout=180, check=False)
        if raw:
            return proc
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    return run


def sign_in(az, emulator):
    env = emulator.env
    cloud = az("cloud", "register", "--name", "Emulator", "--endpoint-resource-manager", emulator.url, raw=True)
    assert cloud.returncode == 0, cloud.stderr
    az("cloud", "set", "--name", "Emulator", raw=True)
    # MSAL checks an authority it does not know with login.microsoftonline.com unless told not to, as for any
    # private cloud (Azure Stack Hub)
    az("config", "set", "core.instance_discovery=false", raw=True)
    return az("login", "--service-principal", "--username", env["AZURE_CLIENT_ID"], "--password",
              env["AZURE_SECRET"], "--tenant", env["AZURE_TENANT"])


def test_the_cli_registers_the_emulator_from_its_metadata_and_signs_in(az, emulator):
    accounts = sign_in(az, emulator)
    assert [a["id"] for a in accounts] == [emulator.env["AZURE_SUBSCRIPTION_ID"]]
    assert accounts[0]["tenantId"] == emulator.env["AZURE_TENANT"] and accounts[0]["cloudName"] == "Emulator"
    cloud = az("cloud", "show", "--name", "Emulator")
    assert cloud["endpoints"]["resourceManager"].rstrip("/") == emulator.url
    assert cloud["endpoints"]["activeDirectory"].rstrip("/") == emulator.url
    assert cloud["endpoints"]["microsoftGraphResourceId"] == "https://graph.microsoft.com/"
    metadata = [r for r in emulator.requests() if r["path"] == "/metadata/endpoints"]
    assert metadata and all(r["status"] == 200 for r in metadata)


def test_groups_identities_providers_and_resources_through_the_cli(az, emulator):
    sign_in(az, emulator)
    sub = emulator.env["AZURE_SUBSCRIPTION_ID"]
    group = az("group", "create", "--name", "rg-cli", "--location", "westeurope")
    assert group["properties"]["provisioningState"] == "Succeeded"
    assert "rg-cli" in [g["name"] for g in az("group", "list")]

    identity = az("identity", "create", "--resource-group", "rg-cli", "--name", "id-cli")
    assert identity["principalId"] and identity["clientId"] and identity["tenantId"] == emulator.env["AZURE_TENANT"]
    assert [i["name"] for i in az("identity", "list", "--resource-group", "rg-cli")] == ["id-cli"]

    provider = az("provider", "show", "--namespace", "Microsoft.Automation")
    assert provider["registrationState"] == "Registered"
    assert "automationAccounts" in [t["resourceType"] for t in provider["resourceTypes"]]

    # the generic resource commands find the api-version from the provider, and send an empty parent path
    # (/providers/Microsoft.Automation//automationAccounts/...)
    created = az("resource", "create", "--resource-group", "rg-cli", "--name", "aa-cli", "--resource-type",
                 "Microsoft.Automation/automationAccounts", "--location", "westeurope",
                 "--properties", json.dumps({"sku": {"name": "Basic"}}))
    account_id = "/subscriptions/%s/resourceGroups/rg-cli/providers/Microsoft.Automation/automationAccounts/aa-cli" % sub
    assert created["id"].lower() == account_id.lower()
    shown = az("resource", "show", "--ids", account_id)
    assert shown["name"] == "aa-cli" and shown["properties"]["sku"]["name"] == "Basic"
    puts = [r for r in emulator.requests() if r["method"] == "PUT" and r["path"].endswith("/automationAccounts/aa-cli")]
    assert [r["status"] for r in puts] in ([200], [201])


def test_az_rest_reads_graph_with_the_graph_resource(az, emulator):
    sign_in(az, emulator)
    url = "%s/v1.0/servicePrincipals?$filter=appId eq '%s'" % (emulator.url, EXO_APP_ID)
    # az rest asks for a token of the resource it is given: https://graph.microsoft.com// (two slashes), as Entra
    # accepts it
    body = az("rest", "--method", "get", "--resource", "https://graph.microsoft.com/", "--url", url)
    assert [sp["displayName"] for sp in body["value"]] == ["Office 365 Exchange Online"]
    # without --resource the CLI takes an ARM token for a URL on the Resource Manager host, which Graph refuses
    # as it refuses any token of another audience
    refused = az("rest", "--method", "get", "--url", url, raw=True)
    assert refused.returncode != 0 and "InvalidAuthenticationToken" in refused.stderr
