"""Replays every ``x-ms-examples`` request of the Azure swaggers in ``../shared/specs`` against the emulator
and checks the status code and the response body against the operation's schema.

Objects an example refers to (its resource group, account, runbook, ...) are created first through the
emulator's own ARM routes, so each example runs on a tenant that holds what the example assumes."""
import json
import os
import re
import urllib.parse

import pytest

from . import specs

EXAMPLES = specs.azure_examples()
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Examples of operations this project does not emulate (not used by the collection): named with the reason.
NOT_EMULATED = {
    "SystemAssignedIdentityGet": "its scope names a resource type the emulator does not serve (a web site)",
}

API = {"resources": "2025-04-01", "automation": "2024-10-23", "msi": "2024-11-30"}
LOCATION = "westeurope"
GALLERY = "https://www.powershellgallery.com/api/v2/package"


def test_specs_present():
    if not EXAMPLES:
        if IN_CI:
            pytest.fail(f"no Azure examples found under {specs.SPECS_DIR}: CI needs ../shared/specs beside the checkout")
        pytest.skip(f"no Azure examples found under {specs.SPECS_DIR} (set EXO_SPECS_DIR to the specs folder)")
    assert len(EXAMPLES) >= 60


class Arm:
    """Minimal ARM caller for the replay: bearer token from the emulator's token endpoint."""

    def __init__(self, emulator):
        self.emu = emulator
        self.sub = emulator.health["subscription_id"]
        env = emulator.env
        form = urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": env["AZURE_CLIENT_ID"],
            "client_secret": env["AZURE_SECRET"], "scope": "https://management.azure.com/.default",
        }).encode()
        status, _h, body = self._raw("POST", f"/{env['AZURE_TENANT']}/oauth2/v2.0/token", form,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body
        self.token = body["access_token"]

    def _raw(self, method, path, data, headers):
        import urllib.error
        import urllib.request

        req = urllib.request.Request(self.emu.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, context=self.emu._ctx, timeout=30) as resp:
                status, rh, payload = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, rh, payload = err.code, dict(err.headers), err.read()
        try:
            body = json.loads(payload) if payload else None
        except ValueError:
            body = payload.decode("utf-8", "replace")
        return status, rh, body

    def call(self, method, path, api, body=None, content_type="application/json", query=None):
        q = {"api-version": api}
        q.update(query or {})
        sep = "&" if "?" in path else "?"
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.token}"}
        if data is not None:
            headers["Content-Type"] = content_type
        return self._raw(method, path + sep + urllib.parse.urlencode(q), data, headers)

    def ok(self, method, path, api, body=None, **kw):
        status, _h, resp = self.call(method, path, api, body, **kw)
        assert status < 300, f"seed {method} {path} -> {status}: {resp}"
        return resp

    # -- seeds ----------------------------------------------------------------------------------
    def rg(self, rg):
        self.ok("PUT", f"/subscriptions/{self.sub}/resourcegroups/{rg}", API["resources"], {"location": LOCATION})
        return f"/subscriptions/{self.sub}/resourceGroups/{rg}"

    def account(self, rg, name):
        base = self.rg(rg) + f"/providers/Microsoft.Automation/automationAccounts/{name}"
        self.ok("PUT", base, API["automation"], {"location": LOCATION, "properties": {"sku": {"name": "Basic"}}})
        return base

    def runbook(self, acct, name, publish=True, runtime_environment=None):
        path = f"{acct}/runbooks/{name}"
        props = {"runbookType": "PowerShell", "logProgress": False, "logVerbose": False}
        if runtime_environment:
            props["runtimeEnvironment"] = runtime_environment
        self.ok("PUT", path, API["automation"], {"location": LOCATION, "properties": props})
        self.ok("PUT", f"{path}/draft/content", API["automation"], 'Write-Output "hello"', content_type="text/powershell")
        if publish:
            self.ok("POST", f"{path}/publish", API["automation"])
        return path

    def runtime_environment(self, acct, name):
        path = f"{acct}/runtimeEnvironments/{name}"
        self.ok("PUT", path, API["automation"], {
            "location": LOCATION, "properties": {"runtime": {"language": "PowerShell", "version": "7.2"}}})
        return path


def _params(example):
    return dict(example.example["parameters"])


def _seed(arm, ex):
    """Create what the example refers to; returns the parameter values to use for the request."""
    p = _params(ex)
    p["subscriptionId"] = arm.sub
    path = ex.path
    rg = p.get("resourceGroupName")
    is_create = ex.method == "put" and "/draft/" not in path
    last_param = re.findall(r"\{([^}]+)\}", path)[-1] if "{" in path else None
    target_is_last = path.rstrip("/").endswith("{" + str(last_param) + "}")

    if rg and not (ex.method == "put" and path.endswith("{resourceGroupName}")):
        arm.rg(rg)
    if "Microsoft.Resources" in str(ex.swagger) or "/providers/" not in path:
        return p
    if "Microsoft.ManagedIdentity" in path:
        identities = f"/subscriptions/{arm.sub}/resourceGroups/{rg or 'rg-identities'}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"
        if rg is None:
            arm.rg("rg-identities")
        name = p.get("resourceName")
        if name is None:  # a list: have one identity to list
            arm.ok("PUT", f"{identities}/identity-for-list", API["msi"], {"location": LOCATION})
        elif not (is_create and path.endswith("{resourceName}")):
            arm.ok("PUT", f"{identities}/{name}", API["msi"], {"location": LOCATION})
        fic = p.get("federatedIdentityCredentialResourceName")
        if name and "federatedIdentityCredentials" in path and not (is_create and target_is_last):
            arm.ok("PUT", f"{identities}/{name}/federatedIdentityCredentials/{fic or 'fic-for-list'}", API["msi"], {
                "properties": {"issuer": "https://oidc.prod-aks.azure.com/IssuerGUID", "subject": "system:serviceaccount:ns:svcaccount",
                               "audiences": ["api://AzureADTokenExchange"]}})
        return p

    acct_name = p.get("automationAccountName")
    if not acct_name:
        return p
    if ex.path.endswith("{automationAccountName}") and ex.method == "put":
        return p
    acct = arm.account(rg, acct_name)
    seg = path.split("{automationAccountName}", 1)[1]

    def not_target():
        return not (is_create and target_is_last)

    if "/runtimeEnvironments/" in seg:
        if "{packageName}" in seg or not_target():
            arm.runtime_environment(acct, p["runtimeEnvironmentName"])
        if "{packageName}" in seg and not_target():
            arm.ok("PUT", f"{acct}/runtimeEnvironments/{p['runtimeEnvironmentName']}/packages/{p['packageName']}",
                   API["automation"], {"properties": {"contentLink": {"uri": f"{GALLERY}/{p['packageName']}/1.0.0"}}})
    elif "/runbooks/" in seg:
        if "testJob" in seg:
            rt = (p.get("parameters") or {}).get("runtimeEnvironment")
            if rt:
                arm.runtime_environment(acct, rt)
            arm.runbook(acct, p["runbookName"], publish=False)
            if ex.method != "put":
                arm.ok("PUT", f"{acct}/runbooks/{p['runbookName']}/draft/testJob", API["automation"], {"runOn": ""})
                _first_stream(arm, p, f"{acct}/runbooks/{p['runbookName']}/draft/testJob/streams")
        elif not_target():
            arm.runbook(acct, p["runbookName"], publish=ex.method == "get" and seg.endswith("/content"))
    elif "/jobs" in seg:
        runbook = "TestRunbook"
        if ex.method == "put":
            runbook = p["parameters"]["properties"]["runbook"]["name"]
        arm.runbook(acct, runbook)
        job = p.get("jobName")
        if job and not_target():
            arm.ok("PUT", f"{acct}/jobs/{job}", API["automation"], {"properties": {"runbook": {"name": runbook}}})
            _first_stream(arm, p, f"{acct}/jobs/{job}/streams")
        elif not job:
            arm.ok("PUT", f"{acct}/jobs/job-for-list", API["automation"], {"properties": {"runbook": {"name": runbook}}})
    elif "/modules/" in seg and not_target():
        name = p["moduleName"]
        arm.ok("PUT", f"{acct}/modules/{name}", API["automation"],
               {"properties": {"contentLink": {"uri": f"{GALLERY}/{name}/1.0.0"}}})
    elif "/schedules/" in seg and not_target():
        arm.ok("PUT", f"{acct}/schedules/{p['scheduleName']}", API["automation"], specs.future_dates({
            "name": p["scheduleName"], "properties": {"startTime": "2017-03-27T17:28:57.2494819Z", "frequency": "OneTime"}}))
    elif "/variables/" in seg and not_target():
        arm.ok("PUT", f"{acct}/variables/{p['variableName']}", API["automation"],
               {"name": p["variableName"], "properties": {"value": '"ComputerName.domain.com"', "isEncrypted": False}})
    elif "/webhooks" in seg and not seg.endswith("generateUri"):
        arm.runbook(acct, "TestRunbook")
        uri = arm.ok("POST", f"{acct}/webhooks/generateUri", API["automation"])
        if ex.method == "put":
            p["parameters"] = json.loads(json.dumps(p["parameters"]).replace('"<uri>"', json.dumps(uri)))
        else:
            name = p.get("webhookName", "webhook-for-list")
            arm.ok("PUT", f"{acct}/webhooks/{name}", API["automation"], specs.future_dates({
                "name": name, "properties": {"isEnabled": True, "uri": uri, "expiryTime": "2018-03-29T22:18:13.7002872Z",
                                             "runbook": {"name": "TestRunbook"}}}))
    return p


def _first_stream(arm, p, streams_path):
    """Examples that read one stream name a recorded stream id: use the id of the seeded job's first stream."""
    if "jobStreamId" in p:
        streams = arm.ok("GET", streams_path, API["automation"])["value"]
        assert streams, f"the seeded job wrote no stream ({streams_path})"
        p["jobStreamId"] = streams[0]["properties"]["jobStreamId"]


def _request(ex, p):
    path = ex.path
    for name in re.findall(r"\{([^}]+)\}", path):
        value = p[name]
        path = path.replace("{" + name + "}", value if name == "scope" else urllib.parse.quote(str(value), safe=""))
    body, content_type, query = None, "application/json", {}
    for param in ex.parameter_defs():
        name = param.get("name")
        if param.get("in") == "body" and name in p:
            body = specs.future_dates(p[name])
            if isinstance(body, str):
                content_type = "text/powershell"
        elif param.get("in") == "query" and name in p and name != "api-version":
            query[name] = p[name] if isinstance(p[name], str) else json.dumps(p[name])
    return path, body, content_type, query


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example(emulator, ex):
    if ex.example_file.stem in NOT_EMULATED:
        pytest.skip(NOT_EMULATED[ex.example_file.stem])
    arm = Arm(emulator)
    params = _seed(arm, ex)
    path, body, content_type, query = _request(ex, params)
    status, _headers, resp = arm.call(ex.method.upper(), path, params["api-version"], body, content_type, query)
    expected = sorted(int(code) for code in ex.example["responses"] if code.isdigit())
    assert status in expected, f"{ex.method.upper()} {path} -> {status} (example: {expected}): {resp}"
    ref = ex.response_schema_ref(status)
    if ref and resp is not None and not isinstance(resp, str):
        errors = specs.validate(ref, resp)
        assert not errors, f"response does not match the schema of {status}:\n" + "\n".join(errors[:20])
    example_body = ex.example["responses"].get(str(status), {}).get("body")
    if isinstance(example_body, dict) and isinstance(resp, dict):
        missing = sorted(k for k in example_body if k not in resp and k not in ("etag", "systemData", "nextLink"))
        assert not missing, f"response lacks keys the example shows: {missing}"
