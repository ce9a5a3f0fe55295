"""Automation account content of the emulator through azure-mgmt-automation: modules, runtime environments and
packages, runbooks (draft, publish, test job), jobs and streams, schedules, job schedules, webhooks, variables."""
import re
import uuid

import pytest

from tests.contract import specs

from .helpers import GRAPH_SCOPE, arm, call, credential, sdk_kwargs

RG, ACCOUNT = "rg-content", "aa-content"
GALLERY = "https://www.powershellgallery.com/api/v2/package"
SPEC_DIR = ("automation/2024-10-23/specification/automation/resource-manager/Microsoft.Automation/stable/2024-10-23/")
EXO_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
MANAGE_AS_APP = "dc50a0fb-09a3-484d-be87-e023b12c6440"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
DOMAINS = ["contoso.onmicrosoft.com", "contoso.com"]
VERIFY = """param(
    [Parameter(Mandatory = $true)]
    [string]$Organization
)
$ErrorActionPreference = 'Stop'
try {
    Connect-ExchangeOnline -ManagedIdentity -Organization $Organization -ShowBanner:$false
    Get-AcceptedDomain | Select-Object -ExpandProperty DomainName
}
finally {
    Disconnect-ExchangeOnline -Confirm:$false
}
"""
STREAMS = """param([Parameter(Mandatory)][string]$Name, [string]$Greeting = 'Hello')
Write-Output "$Greeting, $Name"
Write-Warning 'watch out'
Write-Error 'something failed'
Write-Output 'done'
"""


# -- fixtures and helpers ------------------------------------------------------------------------------
@pytest.fixture
def sub(emulator):
    return emulator.health["subscription_id"]


@pytest.fixture
def account(emulator, sub):
    """A resource group and an Automation account with a system-assigned identity, through the real routes."""
    status, _h, body = arm(emulator, "PUT", f"/subscriptions/{sub}/resourceGroups/{RG}", {"location": "westeurope"})
    assert status in (200, 201), body
    status, _h, body = arm(emulator, "PUT", f"{rg_path(sub)}/providers/Microsoft.Automation/automationAccounts/{ACCOUNT}",
                           {"location": "westeurope", "identity": {"type": "SystemAssigned"},
                            "properties": {"sku": {"name": "Basic"}}})
    assert status in (200, 201), body
    return body


@pytest.fixture
def client(emulator_env, emulator, sub, account):
    from azure.mgmt.automation import AutomationClient

    return AutomationClient(credential(emulator), sub, **sdk_kwargs(emulator))


def rg_path(sub):
    return f"/subscriptions/{sub}/resourceGroups/{RG}"


def acct_path(sub):
    return f"{rg_path(sub)}/providers/Microsoft.Automation/automationAccounts/{ACCOUNT}"


def schema_errors(body, spec_file, definition):
    path = specs.SPECS_DIR / "azure" / (SPEC_DIR + spec_file)
    if not path.exists():
        pytest.skip(f"specs not found under {specs.SPECS_DIR}")
    return specs.validate(path.resolve().as_uri() + "#/definitions/" + definition, body)


def assert_schema(body, spec_file, definition):
    errors = schema_errors(body, spec_file, definition)
    assert not errors, "\n".join(errors)


def gallery(name, version=None):
    return {"properties": {"contentLink": {"uri": f"{GALLERY}/{name}" + (f"/{version}" if version else "")}}}


def publish(client, name, content, runbook_type="PowerShell", **props):
    client.runbook.create_or_update(RG, ACCOUNT, name, {
        "location": "westeurope", "properties": dict({"runbookType": runbook_type, "logVerbose": False,
                                                      "logProgress": False}, **props)})
    client.runbook_draft.begin_replace_content(RG, ACCOUNT, name, content).result()
    client.runbook.begin_publish(RG, ACCOUNT, name).result()


def start_job(client, runbook, parameters=None):
    name = str(uuid.uuid4())
    job = client.job.create(RG, ACCOUNT, name, {
        "properties": {"runbook": {"name": runbook}, "parameters": parameters or {}}})
    return name, job


def wait_job(client, name, tries=20):
    for _try in range(tries):
        job = client.job.get(RG, ACCOUNT, name)
        if job.properties.status in ("Completed", "Failed", "Stopped"):
            return job
    raise AssertionError(f"job {name} did not end: {job.properties.status}")


def streams(client, job_name):
    return [(s.properties.stream_type, s.properties.summary) for s in client.job_stream.list_by_job(RG, ACCOUNT, job_name)]


def grant_exchange(emulator, principal_id, roles=(EXCHANGE_ADMIN,)):
    """Exchange.ManageAsApp and Entra roles for a principal, through the Graph routes."""
    status, _h, body = call(emulator, "GET", f"/v1.0/servicePrincipals?$filter=appId%20eq%20'{EXO_APP_ID}'",
                            scope=GRAPH_SCOPE)
    assert status == 200, body
    exo_id = body["value"][0]["id"]
    status, _h, body = call(emulator, "POST", f"/v1.0/servicePrincipals/{principal_id}/appRoleAssignments",
                            {"principalId": principal_id, "resourceId": exo_id, "appRoleId": MANAGE_AS_APP},
                            scope=GRAPH_SCOPE)
    assert status == 201, body
    for role in roles:
        status, _h, body = call(emulator, "POST", "/v1.0/roleManagement/directory/roleAssignments",
                                {"principalId": principal_id, "roleDefinitionId": role, "directoryScopeId": "/"},
                                scope=GRAPH_SCOPE)
        assert status == 201, body


# -- modules -------------------------------------------------------------------------------------------
def test_new_account_has_global_modules(client):
    modules = {m.name: m for m in client.module.list_by_automation_account(RG, ACCOUNT)}
    assert {"Microsoft.PowerShell.Core", "Orchestrator.AssetManagement.Cmdlets", "PackageManagement",
            "PowerShellGet"} <= set(modules)
    assert modules["PowerShellGet"].properties.is_global is True
    assert modules["PowerShellGet"].properties.version == "1.0.0.1"
    assert "ExchangeOnlineManagement" not in modules


def test_module_import_reaches_succeeded_with_the_version_of_its_link(emulator, client, sub):
    created = client.module.create_or_update(RG, ACCOUNT, "ExchangeOnlineManagement",
                                             gallery("ExchangeOnlineManagement", "3.5.1"))
    assert created.properties.provisioning_state == "Creating"
    got = client.module.get(RG, ACCOUNT, "ExchangeOnlineManagement")
    assert (got.properties.provisioning_state, got.properties.version) == ("Succeeded", "3.5.1")
    assert got.properties.is_global is False and got.properties.size_in_bytes > 0 and got.properties.error is None
    # a link without a version imports the latest one; a global module can be replaced by the account's own copy
    latest = client.module.create_or_update(RG, ACCOUNT, "PowerShellGet", gallery("PowerShellGet"))
    assert latest.properties.is_global is False
    assert client.module.get(RG, ACCOUNT, "PowerShellGet").properties.version == "2.2.5"
    _s, _h, raw = arm(emulator, "GET", f"{acct_path(sub)}/modules/ExchangeOnlineManagement")
    assert_schema(raw, "module.json", "Module")


def test_module_import_takes_module_import_s(emulator, client):
    emulator.settings(module_import_s=120)
    client.module.create_or_update(RG, ACCOUNT, "ExchangeOnlineManagement", gallery("ExchangeOnlineManagement", "3.7.2"))
    got = client.module.get(RG, ACCOUNT, "ExchangeOnlineManagement")
    assert got.properties.provisioning_state in ("Creating", "ContentDownloaded", "ContentValidated")
    assert got.properties.version is None


def test_failing_modules_setting_and_name_mismatch_fail_like_azure(emulator, client, sub):
    emulator.settings(failing_modules=["PackageManagement"])
    client.module.create_or_update(RG, ACCOUNT, "PackageManagement", gallery("PackageManagement", "1.4.8.1"))
    client.module.create_or_update(RG, ACCOUNT, "Az.Accounts", gallery("Az.Resources", "6.0.0"))
    for name in ("PackageManagement", "Az.Accounts"):
        got = client.module.get(RG, ACCOUNT, name)
        assert got.properties.provisioning_state == "Failed"
        assert got.properties.error.message == (
            "Orchestrator.Shared.AsyncModuleImport.ModuleImportException: Cannot import the module of name "
            f"{name}, as the module structure was invalid.")
        assert got.properties.version is None
    _s, _h, raw = arm(emulator, "GET", f"{acct_path(sub)}/modules/PackageManagement")
    assert_schema(raw, "module.json", "Module")


@pytest.mark.parametrize("uri", [
    "https://www.powershellgallery.com/packages/ExchangeOnlineManagement/3.5.1",  # the gallery's web page
    "https://teststorage.blob.core.windows.net/modules/ExchangeOnlineManagement.zip",
    "http://www.powershellgallery.com/api/v2/package/ExchangeOnlineManagement/3.5.1",
])
def test_content_link_the_emulator_cannot_resolve_fails(client, uri):
    client.module.create_or_update(RG, ACCOUNT, "ExchangeOnlineManagement", {"properties": {"contentLink": {"uri": uri}}})
    got = client.module.get(RG, ACCOUNT, "ExchangeOnlineManagement")
    assert got.properties.provisioning_state == "Failed"
    assert got.properties.error.message.startswith("Orchestrator.Shared.AsyncModuleImport.ModuleImportException: ")
    assert uri in got.properties.error.message


def test_module_update_and_delete(emulator, client, sub):
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

    client.module.create_or_update(RG, ACCOUNT, "ExchangeOnlineManagement", gallery("ExchangeOnlineManagement", "3.4.0"))
    updated = client.module.update(RG, ACCOUNT, "ExchangeOnlineManagement",
                                   {"properties": {"contentLink": {"uri": f"{GALLERY}/ExchangeOnlineManagement/3.7.2"}},
                                    "tags": {"pinned": "yes"}})
    assert updated.properties.provisioning_state == "Creating" and updated.tags == {"pinned": "yes"}
    assert client.module.get(RG, ACCOUNT, "ExchangeOnlineManagement").properties.version == "3.7.2"
    client.module.delete(RG, ACCOUNT, "ExchangeOnlineManagement")
    with pytest.raises(ResourceNotFoundError):
        client.module.get(RG, ACCOUNT, "ExchangeOnlineManagement")
    with pytest.raises(HttpResponseError) as err:
        client.module.delete(RG, ACCOUNT, "PowerShellGet")
    assert err.value.status_code == 400
    status, _h, body = arm(emulator, "GET", f"{acct_path(sub)}/modules/Nope")
    assert status == 404 and body["code"] == "NotFound"


# -- runtime environments and packages ---------------------------------------------------------------------
def test_runtime_environment_with_packages(emulator, client, sub):
    env = client.runtime_environments.create(RG, ACCOUNT, "exo-7-4", {
        "location": "westeurope", "properties": {"runtime": {"language": "PowerShell", "version": "7.4"},
                                                 "defaultPackages": {"Az": "12.3.0"}, "description": "EXO"}})
    assert (env.properties.runtime.language, env.properties.runtime.version) == ("PowerShell", "7.4")
    names = [e.name for e in client.runtime_environments.list_by_automation_account(RG, ACCOUNT)]
    assert names == ["PowerShell-5.1", "PowerShell-7.2", "exo-7-4"]

    created = client.package.create_or_update(RG, ACCOUNT, "exo-7-4", "ExchangeOnlineManagement",
                                              gallery("ExchangeOnlineManagement", "3.7.2"))
    assert created.properties.provisioning_state == "Creating"
    pkg = client.package.get(RG, ACCOUNT, "exo-7-4", "ExchangeOnlineManagement")
    assert (pkg.properties.provisioning_state, pkg.properties.version) == ("Succeeded", "3.7.2")
    listed = {p.name: p.properties for p in client.package.list_by_runtime_environment(RG, ACCOUNT, "exo-7-4")}
    assert listed["Az"].default is True and listed["Az"].version == "12.3.0"
    assert listed["ExchangeOnlineManagement"].default is False

    emulator.settings(failing_modules=["Broken"])
    client.package.create_or_update(RG, ACCOUNT, "exo-7-4", "Broken", gallery("Broken", "1.0.0"))
    broken = client.package.get(RG, ACCOUNT, "exo-7-4", "Broken")
    assert broken.properties.provisioning_state == "Failed" and "Broken" in broken.properties.error.message

    patched = client.runtime_environments.update(RG, ACCOUNT, "exo-7-4", {"properties": {"defaultPackages": {}}})
    assert patched.properties.default_packages == {}
    for rel, definition in (("/runtimeEnvironments/exo-7-4", "RuntimeEnvironment"),):
        _s, _h, raw = arm(emulator, "GET", acct_path(sub) + rel)
        assert_schema(raw, "runtimeEnvironment.json", definition)
    _s, _h, raw = arm(emulator, "GET", acct_path(sub) + "/runtimeEnvironments/exo-7-4/packages/Broken")
    assert_schema(raw, "package.json", "Package")

    client.package.delete(RG, ACCOUNT, "exo-7-4", "Broken")
    client.runtime_environments.delete(RG, ACCOUNT, "exo-7-4")
    status, _h, _b = arm(emulator, "GET", acct_path(sub) + "/runtimeEnvironments/exo-7-4/packages")
    assert status == 404
    assert not [k for k in emulator.state()["arm"] if "/runtimeenvironments/exo-7-4" in k]


def test_runtime_environment_validation_and_system_environments(emulator, client, sub):
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError) as err:
        client.runtime_environments.create(RG, ACCOUNT, "bad", {
            "location": "westeurope", "properties": {"runtime": {"language": "PowerShell", "version": "6.0"}}})
    assert err.value.status_code == 400 and "6.0" in err.value.message
    with pytest.raises(HttpResponseError) as err:
        client.runtime_environments.delete(RG, ACCOUNT, "PowerShell-5.1")
    assert err.value.status_code == 400
    system = client.runtime_environments.get(RG, ACCOUNT, "PowerShell-7.2")
    assert system.properties.runtime.version == "7.2"
    # the packages of PowerShell-5.1 are the account's modules
    client.package.create_or_update(RG, ACCOUNT, "PowerShell-5.1", "ExchangeOnlineManagement",
                                    gallery("ExchangeOnlineManagement", "3.7.2"))
    assert client.module.get(RG, ACCOUNT, "ExchangeOnlineManagement").properties.version == "3.7.2"
    names = {p.name for p in client.package.list_by_runtime_environment(RG, ACCOUNT, "PowerShell-5.1")}
    assert {"ExchangeOnlineManagement", "PackageManagement"} <= names
    status, _h, body = arm(emulator, "GET", acct_path(sub) + "/runtimeEnvironments?api-version=2022-08-08")
    assert status == 400 and body["error"]["code"] == "InvalidApiVersionParameter"


# -- runbooks ------------------------------------------------------------------------------------------
def test_runbook_draft_publish_and_content(emulator, client, sub):
    from azure.core.exceptions import ResourceNotFoundError

    created = client.runbook.create_or_update(RG, ACCOUNT, "Verify", {
        "location": "westeurope", "properties": {"runbookType": "PowerShell", "description": "verify"}})
    assert created.properties.state == "New" and created.properties.runbook_type == "PowerShell"
    with pytest.raises(ResourceNotFoundError):
        client.runbook.get_content(RG, ACCOUNT, "Verify")

    client.runbook_draft.begin_replace_content(RG, ACCOUNT, "Verify", VERIFY).result()
    assert client.runbook_draft.get_content(RG, ACCOUNT, "Verify") == VERIFY
    draft = client.runbook_draft.get(RG, ACCOUNT, "Verify")
    assert draft.in_edit is True and draft.parameters["Organization"].is_mandatory is True
    assert client.runbook.get(RG, ACCOUNT, "Verify").properties.state == "New"

    client.runbook.begin_publish(RG, ACCOUNT, "Verify").result()
    published = client.runbook.get(RG, ACCOUNT, "Verify")
    assert published.properties.state == "Published"
    assert published.properties.parameters["Organization"].type == "System.String"
    assert client.runbook.get_content(RG, ACCOUNT, "Verify") == VERIFY
    assert client.runbook_draft.get(RG, ACCOUNT, "Verify").in_edit is False

    client.runbook_draft.begin_replace_content(RG, ACCOUNT, "Verify", "Write-Output 'v2'").result()
    assert client.runbook.get(RG, ACCOUNT, "Verify").properties.state == "Edit"
    assert client.runbook.get_content(RG, ACCOUNT, "Verify") == VERIFY  # still the published one
    client.runbook_draft.undo_edit(RG, ACCOUNT, "Verify")
    assert client.runbook_draft.get_content(RG, ACCOUNT, "Verify") == VERIFY
    assert client.runbook.get(RG, ACCOUNT, "Verify").properties.state == "Published"

    updated = client.runbook.update(RG, ACCOUNT, "Verify", {"properties": {"description": "new", "logVerbose": True}})
    assert (updated.properties.description, updated.properties.log_verbose) == ("new", True)
    assert [r.name for r in client.runbook.list_by_automation_account(RG, ACCOUNT)] == ["Verify"]
    _s, _h, raw = arm(emulator, "GET", f"{acct_path(sub)}/runbooks/Verify")
    assert_schema(raw, "runbook.json", "Runbook")
    client.runbook.delete(RG, ACCOUNT, "Verify")
    with pytest.raises(ResourceNotFoundError):
        client.runbook.get(RG, ACCOUNT, "Verify")


def test_runbook_types_and_errors(emulator, client, sub):
    for rtype in ("PowerShell72", "PowerShell7", "Python3", "Script"):
        assert client.runbook.create_or_update(RG, ACCOUNT, f"rb-{rtype}", {
            "location": "westeurope", "properties": {"runbookType": rtype}}).properties.runbook_type == rtype
    env = client.runbook.create_or_update(RG, ACCOUNT, "rb-env", {
        "location": "westeurope", "properties": {"runbookType": "PowerShell", "runtimeEnvironment": "exo-7-4"}})
    assert env.properties.runtime_environment == "exo-7-4"
    status, _h, body = arm(emulator, "PUT", f"{acct_path(sub)}/runbooks/rb-bad",
                           {"location": "westeurope", "properties": {"runbookType": "Bash"}})
    assert status == 400 and body["code"] == "BadRequest"
    status, _h, body = arm(emulator, "POST", f"{acct_path(sub)}/runbooks/rb-Script/publish")
    assert status == 400 and "no draft content" in body["message"]
    status, _h, body = arm(emulator, "GET", f"{rg_path(sub)}/providers/Microsoft.Automation/automationAccounts/none/runbooks")
    assert status == 404 and body["error"]["code"] == "ResourceNotFound"


def test_draft_test_job(emulator, client, sub):
    client.runbook.create_or_update(RG, ACCOUNT, "Greet", {
        "location": "westeurope", "properties": {"runbookType": "PowerShell"}})
    client.runbook_draft.begin_replace_content(RG, ACCOUNT, "Greet", STREAMS).result()
    test = client.test_job.create(RG, ACCOUNT, "Greet", {"parameters": {"Name": "draft"}})
    assert test.status == "New"
    test = client.test_job.get(RG, ACCOUNT, "Greet")
    assert test.status == "Completed" and test.end_time is not None
    kinds = [s.properties.stream_type for s in client.test_job_streams.list_by_test_job(RG, ACCOUNT, "Greet")]
    assert kinds == ["Output", "Warning", "Error", "Output"]
    first = next(iter(client.test_job_streams.list_by_test_job(RG, ACCOUNT, "Greet")))
    one = client.test_job_streams.get(RG, ACCOUNT, "Greet", first.properties.job_stream_id)
    assert one.properties.stream_text == "Hello, draft"
    client.test_job.stop(RG, ACCOUNT, "Greet")  # already ended: nothing changes
    assert client.test_job.get(RG, ACCOUNT, "Greet").status == "Completed"
    _s, _h, raw = arm(emulator, "GET", f"{acct_path(sub)}/runbooks/Greet/draft/testJob")
    assert_schema(raw, "runbook.json", "TestJob")


# -- jobs ----------------------------------------------------------------------------------------------
def test_job_runs_with_parameters_and_streams(emulator, client, sub):
    publish(client, "Greet", STREAMS)
    name, job = start_job(client, "Greet", {"Name": "World"})
    assert job.properties.status == "New" and job.properties.runbook.name == "Greet"
    job = wait_job(client, name)
    assert job.properties.status == "Completed" and job.properties.exception is None
    assert job.properties.start_time is not None and job.properties.end_time is not None
    assert client.job.get_output(RG, ACCOUNT, name) == "Hello, World\ndone"
    assert streams(client, name) == [("Output", "Hello, World"), ("Warning", "watch out"),
                                     ("Error", "something failed"), ("Output", "done")]
    errors = list(client.job_stream.list_by_job(RG, ACCOUNT, name, filter="properties/streamType eq 'Error'"))
    assert [e.properties.summary for e in errors] == ["something failed"]
    stream = client.job_stream.get(RG, ACCOUNT, name, errors[0].properties.job_stream_id)
    assert stream.properties.stream_text == "something failed" and stream.properties.stream_type == "Error"
    assert client.job.get_runbook_content(RG, ACCOUNT, name) == STREAMS

    other, _job = start_job(client, "Greet", {"Name": "x"})
    publish(client, "Other", "Write-Output 'other'")
    start_job(client, "Other")
    listed = [j.name for j in client.job.list_by_automation_account(RG, ACCOUNT, filter="properties/runbook/name eq 'Greet'")]
    assert sorted(listed) == sorted([name, other])

    for rel, spec_file, definition in ((f"/jobs/{name}", "job.json", "Job"), ("/jobs", "job.json", "JobListResultV2"),
                                       (f"/jobs/{name}/streams", "job.json", "JobStreamListResult"),
                                       (f"/jobs/{name}/streams/{errors[0].properties.job_stream_id}", "job.json", "JobStream")):
        _s, _h, raw = arm(emulator, "GET", acct_path(sub) + rel)
        assert_schema(raw, spec_file, definition)


def test_job_fails_with_exception(emulator, client, sub):
    publish(client, "Greet", STREAMS)
    name, _job = start_job(client, "Greet")
    job = wait_job(client, name)
    assert job.properties.status == "Failed"
    assert job.properties.exception == "Cannot process command because of one or more missing mandatory parameters: Name."
    assert streams(client, name) == [("Error", job.properties.exception)]
    _s, _h, raw = arm(emulator, "GET", f"{acct_path(sub)}/jobs/{name}")
    assert_schema(raw, "job.json", "Job")


def test_job_of_an_unpublished_or_missing_runbook_is_refused(client):
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

    client.runbook.create_or_update(RG, ACCOUNT, "Draft", {
        "location": "westeurope", "properties": {"runbookType": "PowerShell"}})
    client.runbook_draft.begin_replace_content(RG, ACCOUNT, "Draft", "Write-Output 1").result()
    with pytest.raises(HttpResponseError) as err:
        start_job(client, "Draft")
    assert err.value.status_code == 400 and "The runbook 'Draft' is not published" in err.value.message
    with pytest.raises(ResourceNotFoundError):
        start_job(client, "Missing")


def test_job_progress_stop_suspend_and_resume(emulator, client):
    publish(client, "Greet", STREAMS)
    emulator.settings(job_run_s=300)
    name, _job = start_job(client, "Greet", {"Name": "slow"})
    assert client.job.get(RG, ACCOUNT, name).properties.status == "New"
    client.job.suspend(RG, ACCOUNT, name)
    assert client.job.get(RG, ACCOUNT, name).properties.status == "Suspended"
    client.job.resume(RG, ACCOUNT, name)
    assert client.job.get(RG, ACCOUNT, name).properties.status == "New"
    client.job.stop(RG, ACCOUNT, name)
    job = client.job.get(RG, ACCOUNT, name)
    assert job.properties.status == "Stopped" and job.properties.end_time is not None
    assert client.job.get_output(RG, ACCOUNT, name) == ""


def test_exchange_online_job_through_the_accounts_identity(emulator, client, sub, account):
    publish(client, "Verify", VERIFY)
    # without the module the cmdlets are not recognized (the runbook's Stop preference fails the job, and the
    # error of Disconnect-ExchangeOnline in its finally block replaces the one of Connect-ExchangeOnline)
    name, _job = start_job(client, "Verify", {"Organization": "contoso.onmicrosoft.com"})
    job = wait_job(client, name)
    assert job.properties.status == "Failed"
    assert job.properties.exception.startswith("The term 'Disconnect-ExchangeOnline' is not recognized")

    client.module.create_or_update(RG, ACCOUNT, "ExchangeOnlineManagement", gallery("ExchangeOnlineManagement", "3.7.2"))
    assert client.module.get(RG, ACCOUNT, "ExchangeOnlineManagement").properties.provisioning_state == "Succeeded"
    name, _job = start_job(client, "Verify", {"Organization": "contoso.onmicrosoft.com"})
    assert wait_job(client, name).properties.exception == "UnAuthorized"

    principal = account["identity"]["principalId"]
    grant_exchange(emulator, principal, roles=())
    name, _job = start_job(client, "Verify", {"Organization": "contoso.onmicrosoft.com"})
    assert "isn't supported in this scenario" in wait_job(client, name).properties.exception

    status, _h, body = call(emulator, "POST", "/v1.0/roleManagement/directory/roleAssignments",
                            {"principalId": principal, "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": "/"},
                            scope=GRAPH_SCOPE)
    assert status == 201, body
    name, _job = start_job(client, "Verify", {"Organization": "contoso.onmicrosoft.com"})
    job = wait_job(client, name)
    assert job.properties.status == "Completed", job.properties.exception
    assert client.job.get_output(RG, ACCOUNT, name).splitlines() == DOMAINS

    # a PowerShell 7.2 runbook does not see the 5.1 modules, a runtime environment with the package does
    publish(client, "Verify72", VERIFY, runbook_type="PowerShell72")
    name, _job = start_job(client, "Verify72", {"Organization": "contoso.onmicrosoft.com"})
    assert "is not recognized as the name of a cmdlet" in wait_job(client, name).properties.exception
    client.runtime_environments.create(RG, ACCOUNT, "exo-7-4", {
        "location": "westeurope", "properties": {"runtime": {"language": "PowerShell", "version": "7.4"}}})
    client.package.create_or_update(RG, ACCOUNT, "exo-7-4", "ExchangeOnlineManagement",
                                    gallery("ExchangeOnlineManagement", "3.7.2"))
    publish(client, "VerifyEnv", VERIFY, runtimeEnvironment="exo-7-4")
    name, job = start_job(client, "VerifyEnv", {"Organization": "contoso.onmicrosoft.com"})
    assert job.properties.job_runtime_environment.runtime_environment_name == "exo-7-4"
    assert wait_job(client, name).properties.status == "Completed"
    assert client.job.get_output(RG, ACCOUNT, name).splitlines() == DOMAINS


def test_job_with_a_user_assigned_identity(emulator, client, sub):
    status, _h, uai = arm(emulator, "PUT", f"{rg_path(sub)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo",
                          {"location": "westeurope"})
    assert status in (200, 201), uai
    status, _h, acct = arm(emulator, "PATCH", acct_path(sub), {"identity": {
        "type": "UserAssigned", "userAssignedIdentities": {uai["id"]: {}}}})
    assert status == 200, acct
    client.module.create_or_update(RG, ACCOUNT, "ExchangeOnlineManagement", gallery("ExchangeOnlineManagement", "3.7.2"))
    grant_exchange(emulator, uai["properties"]["principalId"])
    script = VERIFY.replace("-ShowBanner:$false", "-ManagedIdentityAccountId $ClientId").replace(
        "[string]$Organization", "[string]$Organization,\n    [string]$ClientId")
    publish(client, "VerifyUser", script)
    ok, _job = start_job(client, "VerifyUser", {"Organization": "contoso.onmicrosoft.com",
                                                "ClientId": uai["properties"]["clientId"]})
    assert wait_job(client, ok).properties.status == "Completed"
    assert client.job.get_output(RG, ACCOUNT, ok).splitlines() == DOMAINS
    wrong, _job = start_job(client, "VerifyUser", {"Organization": "contoso.onmicrosoft.com",
                                                   "ClientId": uai["properties"]["principalId"]})
    assert wait_job(client, wrong).properties.exception == "The requested identity has not been assigned to this resource."
    system, _job = start_job(client, "VerifyUser", {"Organization": "contoso.onmicrosoft.com"})
    assert "system-assigned" in wait_job(client, system).properties.exception


# -- schedules and job schedules -----------------------------------------------------------------------------
def test_schedule_validation_and_lifecycle(emulator, client, sub):
    import datetime

    from azure.core.exceptions import HttpResponseError, ResourceExistsError

    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=2)
    with pytest.raises(HttpResponseError) as err:
        client.schedule.create_or_update(RG, ACCOUNT, "nightly", {
            "name": "nightly", "properties": {"startTime": soon.isoformat(), "frequency": "Day", "interval": 1}})
    assert err.value.status_code == 400
    assert err.value.message.endswith(
        "The start time of the schedule must be at least 5 minutes after the time you create the schedule.")

    start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    created = client.schedule.create_or_update(RG, ACCOUNT, "nightly", {
        "name": "nightly", "properties": {"startTime": start.isoformat(), "frequency": "Day", "interval": 1,
                                          "description": "every night"}})
    assert created.properties.frequency == "Day" and created.properties.is_enabled is True
    assert created.properties.start_time.second == 0 and created.properties.time_zone == "UTC"
    one = client.schedule.create_or_update(RG, ACCOUNT, "once", {
        "name": "once", "properties": {"startTime": start.isoformat(), "frequency": "OneTime"}})
    assert one.properties.frequency == "OneTime"
    disabled = client.schedule.update(RG, ACCOUNT, "nightly", {"properties": {"isEnabled": False}})
    assert disabled.properties.is_enabled is False
    assert sorted(s.name for s in client.schedule.list_by_automation_account(RG, ACCOUNT)) == ["nightly", "once"]
    _s, _h, raw = arm(emulator, "GET", f"{acct_path(sub)}/schedules/nightly")
    assert_schema(raw, "schedule.json", "Schedule")

    publish(client, "Greet", STREAMS)
    link_id = str(uuid.uuid4())
    link = client.job_schedule.create(RG, ACCOUNT, link_id, {"properties": {
        "schedule": {"name": "nightly"}, "runbook": {"name": "Greet"}, "parameters": {"Name": "night"}}})
    assert link.properties.job_schedule_id == link_id and link.properties.parameters == {"Name": "night"}
    assert client.job_schedule.get(RG, ACCOUNT, link_id).properties.schedule.name == "nightly"
    with pytest.raises(ResourceExistsError):
        client.job_schedule.create(RG, ACCOUNT, str(uuid.uuid4()), {"properties": {
            "schedule": {"name": "nightly"}, "runbook": {"name": "Greet"}}})
    listed = list(client.job_schedule.list_by_automation_account(RG, ACCOUNT, filter="properties/runbook/name eq 'Greet'"))
    assert [j.name for j in listed] == [link_id]
    client.job_schedule.delete(RG, ACCOUNT, link_id)
    assert list(client.job_schedule.list_by_automation_account(RG, ACCOUNT)) == []
    client.schedule.delete(RG, ACCOUNT, "once")
    assert [s.name for s in client.schedule.list_by_automation_account(RG, ACCOUNT)] == ["nightly"]


# -- webhooks ------------------------------------------------------------------------------------------
def test_webhook_uri_exists_only_in_generate_uri(emulator, client, sub):
    import datetime

    publish(client, "Greet", STREAMS)
    uri = client.webhook.generate_uri(RG, ACCOUNT)
    assert re.match(r"^https://[0-9a-f-]{36}\.webhook\.we\.azure-automation\.net/webhooks\?token=\S+$", uri), uri
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)
    created = client.webhook.create_or_update(RG, ACCOUNT, "wipe", {"name": "wipe", "properties": {
        "isEnabled": True, "uri": uri, "expiryTime": expiry.isoformat(), "runbook": {"name": "Greet"},
        "parameters": {"Name": "hook"}}})
    assert created.properties.uri == "" and created.properties.is_enabled is True
    assert created.properties.parameters == {"Name": "hook"}
    updated = client.webhook.update(RG, ACCOUNT, "wipe", {"name": "wipe", "properties": {"isEnabled": False}})
    assert updated.properties.is_enabled is False and updated.properties.uri == ""
    assert client.webhook.get(RG, ACCOUNT, "wipe").properties.uri == ""
    assert [w.properties.uri for w in client.webhook.list_by_automation_account(RG, ACCOUNT)] == [""]
    token = uri.split("token=")[1]
    for rel in ("/webhooks", "/webhooks/wipe"):
        status, _h, raw = arm(emulator, "GET", acct_path(sub) + rel)
        assert status == 200 and token not in str(raw)
    assert_schema(raw, "webhook.json", "Webhook")
    assert uri != client.webhook.generate_uri(RG, ACCOUNT)

    status, _h, body = arm(emulator, "PUT", f"{acct_path(sub)}/webhooks/no-uri",
                           {"name": "no-uri", "properties": {"runbook": {"name": "Greet"}}})
    assert status == 400
    client.webhook.delete(RG, ACCOUNT, "wipe")
    assert list(client.webhook.list_by_automation_account(RG, ACCOUNT)) == []


# -- variables -----------------------------------------------------------------------------------------
def test_variables_plain_and_encrypted(emulator, client, sub):
    plain = client.variable.create_or_update(RG, ACCOUNT, "Organization", {
        "name": "Organization", "properties": {"value": '"contoso.onmicrosoft.com"', "description": "tenant"}})
    assert plain.properties.value == '"contoso.onmicrosoft.com"' and plain.properties.is_encrypted is False
    secret = client.variable.create_or_update(RG, ACCOUNT, "Secret", {
        "name": "Secret", "properties": {"value": '"s3cr3t"', "isEncrypted": True}})
    assert secret.properties.is_encrypted is True and secret.properties.value is None
    assert client.variable.get(RG, ACCOUNT, "Secret").properties.value is None
    listed = {v.name: v.properties.value for v in client.variable.list_by_automation_account(RG, ACCOUNT)}
    assert listed == {"Organization": '"contoso.onmicrosoft.com"', "Secret": None}
    status, _h, raw = arm(emulator, "GET", f"{acct_path(sub)}/variables")
    assert "s3cr3t" not in str(raw)
    assert_schema(raw, "variable.json", "VariableListResult")

    patched = client.variable.update(RG, ACCOUNT, "Organization", {
        "name": "Organization", "properties": {"value": '"fabrikam.onmicrosoft.com"'}})
    assert patched.properties.value == '"fabrikam.onmicrosoft.com"'
    status, _h, body = arm(emulator, "PUT", f"{acct_path(sub)}/variables/Bad",
                           {"name": "Bad", "properties": {"value": "not json"}})
    assert status == 400 and body["code"] == "BadRequest"

    # runbooks read variables, encrypted ones included
    publish(client, "ReadVars", "Write-Output (Get-AutomationVariable -Name Organization)\n"
                                "Write-Output (Get-AutomationVariable -Name Secret)")
    name, _job = start_job(client, "ReadVars")
    wait_job(client, name)
    assert client.job.get_output(RG, ACCOUNT, name) == "fabrikam.onmicrosoft.com\ns3cr3t"
    client.variable.delete(RG, ACCOUNT, "Secret")
    assert [v.name for v in client.variable.list_by_automation_account(RG, ACCOUNT)] == ["Organization"]


# -- the account's deletion ---------------------------------------------------------------------------------
def test_deleting_the_account_drops_its_content(emulator, client, sub):
    client.module.create_or_update(RG, ACCOUNT, "ExchangeOnlineManagement", gallery("ExchangeOnlineManagement", "3.7.2"))
    publish(client, "Greet", STREAMS)
    start_job(client, "Greet", {"Name": "x"})
    client.variable.create_or_update(RG, ACCOUNT, "v", {"name": "v", "properties": {"value": "1"}})
    status, _h, _b = arm(emulator, "DELETE", acct_path(sub))
    assert status == 200
    assert not [k for k in emulator.state()["arm"] if k.startswith(acct_path(sub).lower() + "/")]
    status, _h, _b = arm(emulator, "PUT", acct_path(sub), {"location": "westeurope", "properties": {"sku": {"name": "Basic"}}})
    assert status == 201
    assert [r.name for r in client.runbook.list_by_automation_account(RG, ACCOUNT)] == []
    assert "ExchangeOnlineManagement" not in {m.name for m in client.module.list_by_automation_account(RG, ACCOUNT)}


def test_delete_children_removes_everything_below_an_account():
    from tests.emulator.automation_modules import delete_children

    class Emu:
        import threading

        lock = threading.RLock()
        store = {"/a/x": 1, "/a/x/modules/m": 2, "/a/x/jobs/j": 3, "/a/xy/modules/m": 4}

        def arm(self):
            return self.store

    emu = Emu()
    delete_children(emu, "/A/X")
    assert emu.store == {"/a/x": 1, "/a/xy/modules/m": 4}
