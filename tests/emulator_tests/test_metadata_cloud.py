"""A cloud discovered from a metadata URL: the health env's AZURE_CLOUD_ENVIRONMENT is the emulator's metadata URL,
and a module given nothing but that URL (no AZURE_ARM_ENDPOINT / AZURE_GRAPH_ENDPOINT / AZURE_AUTHORITY_HOST),
the credential and the CA finds Resource Manager, Graph and the login endpoint of the emulator from it."""
import json
import os
import subprocess
import sys

from tests.emulator.client import REPO_ROOT

from .helpers import call

EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
ONLY = ("AZURE_SUBSCRIPTION_ID", "AZURE_TENANT", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLOUD_ENVIRONMENT",
        "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


def _ansible(emulator, module, args, **overrides):
    """``ansible localhost -m <module>`` with only the metadata URL, the credential and the CA of the emulator."""
    env = dict((k, v) for k, v in os.environ.items()
               if not k.startswith("AZURE_") and k not in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"))
    env.update((k, emulator.env[k]) for k in ONLY)
    env.update(overrides)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible")
    proc = subprocess.run([ansible, "localhost", "-m", "m365.exo_automation." + module, "-a", json.dumps(args)],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False)
    # "localhost | SUCCESS => {...}" / "localhost | FAILED! => {...}"
    start = proc.stdout.rfind("localhost | ")
    assert start >= 0, (proc.stdout, proc.stderr)
    head, sep, body = proc.stdout[start:].partition(" => ")
    assert sep, (proc.stdout, proc.stderr)
    result = json.loads(body)
    result["failed"] = head.strip().endswith("FAILED!")
    return result


def test_health_env_names_the_emulator_metadata_url(emulator):
    env = emulator.env
    assert env["AZURE_CLOUD_ENVIRONMENT"] == emulator.url
    # what azure.azcollection (msrestazure) reads: <url>/metadata/endpoints?api-version=2015-01-01, one cloud
    single = emulator.call("GET", "/metadata/endpoints?api-version=2015-01-01")
    assert single["authentication"]["loginEndpoint"].rstrip("/") == emulator.url
    # ... and the scope it signs in for ARM with, <resource manager>/.default, is accepted by ARM
    status, _h, body = call(emulator, "GET", "/subscriptions/%s/resourcegroups?api-version=2025-04-01"
                            % env["AZURE_SUBSCRIPTION_ID"], scope=emulator.url + "/.default")
    assert status == 200, body
    # the newer shape, one cloud, as the collection and the Azure CLI read it: Graph's resource id is Graph's
    # audience
    cloud = emulator.call("GET", "/metadata/endpoints?api-version=2022-09-01")
    assert cloud["resourceManager"].rstrip("/") == emulator.url
    assert cloud["microsoftGraphResourceId"] == "https://graph.microsoft.com/"
    assert cloud["microsoftGraphEndpoint"].rstrip("/") == emulator.url


def test_a_module_discovers_arm_graph_and_login_from_the_metadata_url_alone(emulator):
    emulator.clear_requests()
    result = _ansible(emulator, "resource_group", {"name": "rg-metadata-cloud", "location": "westeurope"})
    assert result.get("failed") is not True, result.get("msg")
    assert result["changed"] is True
    result = _ansible(emulator, "service_principal_info", {"app_id": EXO_APP_ID})
    assert result.get("failed") is not True, result.get("msg")
    assert [sp["app_id"] for sp in result["service_principals"]] == [EXO_APP_ID]

    log = emulator.requests()
    metadata = [r for r in log if r["path"] == "/metadata/endpoints"]
    assert len(metadata) == 2, "one metadata read per module run"
    assert all(r["query"] == "api-version=2022-09-01" and r["status"] == 200 for r in metadata)
    assert any(r["api"] == "arm" and r["method"] == "PUT" and r["status"] in (200, 201) for r in log)
    assert any(r["api"] == "graph" and r["path"] == "/v1.0/servicePrincipals" and r["status"] == 200 for r in log)
    assert any(r["api"] == "token" and r["path"].endswith("/oauth2/v2.0/token") for r in log)


def test_a_url_that_serves_no_metadata_names_cloud(emulator):
    url = emulator.url + "/nothing-here"
    result = _ansible(emulator, "service_principal_info", {"app_id": EXO_APP_ID}, AZURE_CLOUD_ENVIRONMENT=url)
    assert result["failed"] is True
    assert "cloud '%s'" % url in result["msg"]
    assert "404" in result["msg"]
