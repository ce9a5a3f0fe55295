"""The emulator's control API (tests/emulator/README.md): start line, health, reset, state, request log,
faults, settings, persistence and a clean stop."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.emulator.client import REPO_ROOT, EmulatorProcess

from .helpers import GRAPH_SCOPE, arm, call, credential, raw, sdk_kwargs

EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
HEALTH_ENV = {
    "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLOUD_ENVIRONMENT",
    "AZURE_ARM_ENDPOINT", "AZURE_GRAPH_ENDPOINT", "AZURE_AUTHORITY_HOST", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE",
}


def test_start_line_and_health(emulator_process):
    assert emulator_process.url.startswith("https://127.0.0.1:")
    assert os.path.isabs(emulator_process.ca_file) and os.path.exists(emulator_process.ca_file)
    health = emulator_process.call("GET", "/_emulator/health")
    assert health["status"] == "ok"
    assert health["organization"].endswith(".onmicrosoft.com")
    assert HEALTH_ENV <= set(health["env"])
    env = health["env"]
    assert env["AZURE_SUBSCRIPTION_ID"] == health["subscription_id"]
    assert env["AZURE_TENANT"] == health["tenant_id"]
    assert env["AZURE_ARM_ENDPOINT"] == env["AZURE_GRAPH_ENDPOINT"] == emulator_process.url
    assert env["REQUESTS_CA_BUNDLE"] == env["SSL_CERT_FILE"] == emulator_process.ca_file


def test_start_line_is_one_json_object_and_sigterm_stops_cleanly(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--port", "0"], cwd=REPO_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        assert set(info) == {"url", "ca_file", "pid"} and info["pid"] == proc.pid
        assert os.path.exists(info["ca_file"])
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert not os.path.exists(os.path.dirname(info["ca_file"]))  # no CA directory left behind
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_reset_clears_state_log_faults_and_applies_options(emulator):
    tenant = emulator.health["tenant_id"]
    arm(emulator, "PUT", f"/subscriptions/{emulator.health['subscription_id']}/resourcegroups/rg-reset",
        {"location": "westeurope"})
    emulator.add_fault(method="GET", path_regex="/never", status=500, times=5)
    assert emulator.requests()
    out = emulator.reset(exchange_online_sp=False, replication_delay_s=3, module_import_s=2, job_run_s=1)
    assert out["settings"]["replication_delay_s"] == 3
    state = emulator.state()
    assert state["arm"] == {}
    assert emulator.requests() == []
    assert emulator.call("GET", "/_emulator/faults") == []
    assert emulator.call("GET", "/_emulator/health")["tenant_id"] == tenant
    status, _h, body = call(emulator, "GET", f"/v1.0/servicePrincipals?$filter=appId%20eq%20'{EXO_APP_ID}'",
                            scope=GRAPH_SCOPE)
    assert status == 200 and body["value"] == []
    emulator.reset()
    status, _h, body = call(emulator, "GET", f"/v1.0/servicePrincipals?$filter=appId%20eq%20'{EXO_APP_ID}'",
                            scope=GRAPH_SCOPE)
    assert [sp["appId"] for sp in body["value"]] == [EXO_APP_ID]


def test_reset_rejects_unknown_options(emulator):
    status, _h, body = raw(emulator, "POST", "/_emulator/reset", json.dumps({"exchange_online": False}).encode(),
                           {"Content-Type": "application/json"})
    assert status == 400 and "exchange_online_sp" in body["error"]["message"]


def test_request_log_records_api_calls_but_not_control_routes(emulator):
    sub = emulator.health["subscription_id"]
    emulator.clear_requests()
    arm(emulator, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-log", {"location": "westeurope"})
    arm(emulator, "GET", f"/subscriptions/{sub}/resourcegroups/rg-missing")
    emulator.state()
    log = [r for r in emulator.requests() if r["api"] != "token"]
    assert [r["api"] for r in log] == ["arm", "arm"]
    put, get = log
    assert set(put) == {"seq", "method", "path", "query", "status", "api", "ms"}
    assert (put["method"], put["status"], put["path"]) == ("PUT", 201, f"/subscriptions/{sub}/resourcegroups/rg-log")
    assert "api-version=2025-04-01" in put["query"]
    assert (get["method"], get["status"]) == ("GET", 404)
    assert put["seq"] < get["seq"]
    assert emulator.writes(api="arm") == [put]
    emulator.clear_requests()
    assert emulator.requests() == []


def test_fault_answers_the_next_matching_requests_then_stops(emulator):
    sub = emulator.health["subscription_id"]
    path = f"/subscriptions/{sub}/resourcegroups/rg-fault"
    arm(emulator, "PUT", path, {"location": "westeurope"})
    fault_id = emulator.add_fault(method="GET", path_regex="rg-fault$", status=429, times=2, retry_after_s=7)
    assert fault_id
    first = arm(emulator, "GET", path)
    second = arm(emulator, "GET", path)
    third = arm(emulator, "GET", path)
    assert [first[0], second[0], third[0]] == [429, 429, 200]
    assert first[1]["Retry-After"] == "7"
    assert first[2]["error"]["code"] == "TooManyRequests"
    # another method does not match
    assert arm(emulator, "PUT", path, {"location": "westeurope"})[0] == 200


def test_fault_with_custom_body_and_delay_only(emulator):
    sub = emulator.health["subscription_id"]
    path = f"/subscriptions/{sub}/resourcegroups/rg-slow"
    arm(emulator, "PUT", path, {"location": "westeurope"})
    emulator.add_fault(path_regex="rg-slow", status=503, body={"error": {"code": "Busy", "message": "busy"}})
    status, _h, body = arm(emulator, "GET", path)
    assert status == 503 and body == {"error": {"code": "Busy", "message": "busy"}}
    emulator.add_fault(path_regex="rg-slow", status=0, delay_ms=300)
    started = time.monotonic()
    status, _h, _b = arm(emulator, "GET", path)
    assert status == 200 and time.monotonic() - started >= 0.3
    emulator.clear_faults()
    assert emulator.call("GET", "/_emulator/faults") == []


def test_throttled_put_is_retried_by_azure_sdk(emulator_env, emulator):
    """A 429 storm on an ARM PUT: azure-core honours Retry-After and the write lands once."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    client = ResourceManagementClient(credential(emulator), emulator.health["subscription_id"], **sdk_kwargs(emulator))
    emulator.add_fault(method="PUT", path_regex="rg-throttled", status=429, times=2, retry_after_s=0)
    group = client.resource_groups.create_or_update("rg-throttled", {"location": "westeurope"})
    assert group.name == "rg-throttled"
    puts = [r["status"] for r in emulator.requests() if r["method"] == "PUT"]
    assert puts == [429, 429, 201]


def test_settings_change_timing_on_a_live_emulator(emulator):
    out = emulator.settings(replication_delay_s=2, module_import_s=1, job_run_s=0, failing_modules=["Broken"])
    assert out["replication_delay_s"] == 2 and out["failing_modules"] == ["Broken"]
    status, _h, body = raw(emulator, "PUT", "/_emulator/settings", json.dumps({"speed": 1}).encode(),
                           {"Content-Type": "application/json"})
    assert status == 400 and "replication_delay_s" in body["error"]["message"]
    # the new replication delay applies to an identity created now
    sub = emulator.health["subscription_id"]
    arm(emulator, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-set", {"location": "westeurope"})
    status, _h, ident = arm(emulator, "PUT", f"/subscriptions/{sub}/resourceGroups/rg-set/providers/"
                            "Microsoft.ManagedIdentity/userAssignedIdentities/id-settings", {"location": "westeurope"})
    assert status == 201
    principal = ident["properties"]["principalId"]
    assert call(emulator, "GET", f"/v1.0/servicePrincipals/{principal}", scope=GRAPH_SCOPE)[0] == 404


def test_state_survives_a_restart_with_state_file(tmp_path):
    state_file = str(tmp_path / "state.json")
    with EmulatorProcess(state_file=state_file) as first:
        sub = first.health["subscription_id"]
        tenant = first.health["tenant_id"]
        assert arm(first, "PUT", f"/subscriptions/{sub}/resourcegroups/rg-kept", {"location": "westeurope"})[0] == 201
        ca = open(first.ca_file).read()
    with EmulatorProcess(state_file=state_file) as second:
        assert second.health["tenant_id"] == tenant
        assert open(second.ca_file).read() == ca
        status, _h, body = arm(second, "GET", f"/subscriptions/{sub}/resourcegroups/rg-kept")
        assert status == 200 and body["name"] == "rg-kept"


def test_token_endpoint_serves_azure_identity_and_rejects_a_wrong_secret(emulator_env, emulator):
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import ClientSecretCredential

    env = emulator.env
    good = ClientSecretCredential(env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], env["AZURE_SECRET"],
                                  authority=emulator.url, disable_instance_discovery=True)
    assert good.get_token("https://graph.microsoft.com/.default").token.count(".") == 2
    bad = ClientSecretCredential(env["AZURE_TENANT"], env["AZURE_CLIENT_ID"], "not-the-secret",
                                 authority=emulator.url, disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError) as caught:
        bad.get_token("https://management.azure.com/.default")
    assert "AADSTS7000215" in str(caught.value)


def test_graph_rejects_a_missing_token_and_an_arm_token(emulator):
    status, headers, body = call(emulator, "GET", "/v1.0/servicePrincipals", token="")
    assert status == 401 and body["error"]["code"] == "InvalidAuthenticationToken"
    assert body["error"]["innerError"]["request-id"] == headers["request-id"]
    status, _h, body = call(emulator, "GET", "/v1.0/servicePrincipals")  # an ARM-audience token
    assert status == 401 and "audience" in body["error"]["message"].lower()


def test_cloud_metadata_is_served_without_a_token_in_both_shapes(emulator):
    """ARM's /metadata/endpoints needs no token (clients read it before signing in, e.g. `az cloud register
    --endpoint-resource-manager`); the shape follows the api-version as ARM's does."""
    # 2022-09-01 and later: the one cloud, with its suffixes an object (azure-cli's _arm_to_cli_mapper reads
    # metadata["suffixes"][name], go-azure-sdk unmarshals one struct)
    status, _headers, cloud = emulator.call("GET", "/metadata/endpoints?api-version=2022-09-01", raw=True)
    assert status == 200
    assert isinstance(cloud, dict) and cloud["resourceManager"] == emulator.url + "/"
    assert isinstance(cloud["suffixes"], dict) and cloud["name"] and cloud["authentication"]["audiences"]
    # 2019-05-01 up to 2022-09-01: a list of clouds (ARM_CLOUD_METADATA_URL of the Azure CLI)
    clouds = emulator.call("GET", "/metadata/endpoints?api-version=2019-05-01")
    assert isinstance(clouds, list) and clouds[0]["resourceManager"] == emulator.url + "/"
    # older: the original single object that msrestazure reads
    single = emulator.call("GET", "/metadata/endpoints?api-version=2015-01-01")
    assert single["authentication"]["loginEndpoint"] == emulator.url
    assert single["galleryEndpoint"] and single["graphEndpoint"] and single["portalEndpoint"] == emulator.url
    assert emulator.call("GET", "/metadata/endpoints")["resourceManager"] == emulator.url + "/"


def test_duplicate_copies_an_assignment_and_refuses_other_objects(emulator):
    status, _headers, body = emulator.call("POST", "/_emulator/graph/servicePrincipals/x/duplicate", raw=True)
    assert status == 400 and "appRoleAssignments" in body["error"]["message"]
    status, _headers, _body = emulator.call("POST", "/_emulator/graph/roleAssignments/missing/duplicate", raw=True)
    assert status == 404
    graph = emulator.state()["graph"]
    graph_sp = next(sp for sp in graph["servicePrincipals"].values() if sp["appDisplayName"] == "Microsoft Graph")
    admin = next(sp for sp in graph["servicePrincipals"].values() if sp["appDisplayName"] == "exo-automation-admin")
    path = "/v1.0/servicePrincipals/%s/appRoleAssignments" % admin["id"]
    grant = {"principalId": admin["id"], "resourceId": graph_sp["id"], "appRoleId": graph_sp["appRoles"][0]["id"]}
    status, _headers, created = call(emulator, "POST", path, grant, scope=GRAPH_SCOPE)
    assert status == 201, created
    twin = emulator.call("POST", "/_emulator/graph/appRoleAssignments/%s/duplicate" % created["id"])
    stored = emulator.state()["graph"]["appRoleAssignments"]
    assert twin["id"] != created["id"]
    assert dict(stored[twin["id"]], id=None) == dict(stored[created["id"]], id=None)
    status, _headers, listed = call(emulator, "GET", path, scope=GRAPH_SCOPE)
    assert sorted(a["id"] for a in listed["value"]) == sorted([created["id"], twin["id"]])
