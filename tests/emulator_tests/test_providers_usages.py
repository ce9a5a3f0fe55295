"""Resource providers (subscription and tenant level, register/unregister) and an Automation account's job
statistics and usages, through raw ARM calls and the unchanged azure-mgmt SDK clients."""
import time
import uuid

import pytest

from tests.contract import specs

from .helpers import API, arm, assert_schema, credential, sdk_kwargs

RG, ACCOUNT = "rg-providers", "aa-providers"
AUTOMATION_SPEC = ("automation/2024-10-23/specification/automation/resource-manager/Microsoft.Automation/stable/"
                   "2024-10-23/account.json")


@pytest.fixture
def sub(emulator):
    return emulator.health["subscription_id"]


@pytest.fixture
def resources(emulator_env, emulator, sub):
    from azure.mgmt.resource.resources import ResourceManagementClient

    return ResourceManagementClient(credential(emulator), sub, **sdk_kwargs(emulator))


def account_path(sub, rg=RG, name=ACCOUNT):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Automation/automationAccounts/{name}"


@pytest.fixture
def account(emulator, sub):
    status, _h, body = arm(emulator, "PUT", f"/subscriptions/{sub}/resourceGroups/{RG}", {"location": "westeurope"})
    assert status in (200, 201), body
    status, _h, body = arm(emulator, "PUT", account_path(sub),
                           {"location": "westeurope", "properties": {"sku": {"name": "Basic"}}})
    assert status in (200, 201), body
    return body


@pytest.fixture
def automation(emulator_env, emulator, sub, account):
    from azure.mgmt.automation import AutomationClient

    return AutomationClient(credential(emulator), sub, **sdk_kwargs(emulator))


def assert_account_schema(body, definition):
    path = specs.SPECS_DIR / "azure" / AUTOMATION_SPEC
    if not path.exists():
        pytest.skip(f"specs not found under {specs.SPECS_DIR}")
    errors = specs.validate(path.resolve().as_uri() + "#/definitions/" + definition, body)
    assert not errors, "\n".join(errors)


# -- providers ------------------------------------------------------------------------------------------------
def test_sdk_provider_get_lists_resource_types_with_api_versions(resources):
    provider = resources.providers.get("Microsoft.Automation")
    assert provider.namespace == "Microsoft.Automation"
    assert provider.registration_state == "Registered"
    types = {t.resource_type: t for t in provider.resource_types}
    assert {"automationAccounts", "automationAccounts/modules", "automationAccounts/runbooks",
            "automationAccounts/jobs", "automationAccounts/runtimeEnvironments",
            "automationAccounts/runtimeEnvironments/packages"} <= set(types)
    accounts = types["automationAccounts"]
    assert accounts.api_versions[0] == "2024-10-23"  # newest first, as ARM lists them
    assert accounts.api_versions == sorted(accounts.api_versions, reverse=True)
    assert "West Europe" in accounts.locations
    assert types["automationAccounts/runtimeEnvironments"].api_versions == ["2024-10-23", "2023-05-15-preview"]


def test_sdk_provider_list_and_tenant_scope(resources):
    names = [p.namespace for p in resources.providers.list()]
    assert names == ["Microsoft.Automation", "Microsoft.ManagedIdentity", "Microsoft.Resources"]
    msi = resources.providers.get_at_tenant_scope("Microsoft.ManagedIdentity")
    assert msi.id == "/providers/Microsoft.ManagedIdentity" and msi.registration_state is None
    assert "userAssignedIdentities" in [t.resource_type for t in msi.resource_types]
    assert [p.namespace for p in resources.providers.list_at_tenant_scope()] == names


def test_provider_namespace_is_case_insensitive(emulator, sub):
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/providers/microsoft.automation", api="resources")
    assert status == 200 and body["namespace"] == "Microsoft.Automation"
    assert body["id"] == f"/subscriptions/{sub}/providers/Microsoft.Automation"
    status, _h, body = arm(emulator, "GET", "/providers/MICROSOFT.RESOURCES")
    assert status == 200 and body["namespace"] == "Microsoft.Resources"


def test_unknown_namespace_answers_like_arm(emulator, sub, resources):
    from azure.core.exceptions import ResourceNotFoundError

    for path in (f"/subscriptions/{sub}/providers/Microsoft.Contoso", "/providers/Microsoft.Contoso"):
        status, _h, body = arm(emulator, "GET", path, api="resources")
        assert status == 404
        assert body == {"error": {"code": "InvalidResourceNamespace",
                                  "message": "The resource namespace 'Microsoft.Contoso' is invalid."}}
    status, _h, body = arm(emulator, "POST", f"/subscriptions/{sub}/providers/Microsoft.Contoso/register",
                           api="resources")
    assert status == 404 and body["error"]["code"] == "InvalidResourceNamespace"
    with pytest.raises(ResourceNotFoundError) as err:
        resources.providers.get("Microsoft.Contoso")
    assert err.value.error.code == "InvalidResourceNamespace"


def test_provider_routes_check_subscription_and_api_version(emulator, sub):
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{uuid.uuid4()}/providers/Microsoft.Automation",
                           api="resources")
    assert status == 404 and body["error"]["code"] == "SubscriptionNotFound"
    status, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/providers", api="2099-01-01")
    assert status == 400 and body["error"]["code"] == "InvalidApiVersionParameter"


def test_sdk_register_and_unregister(resources):
    gone = resources.providers.unregister("Microsoft.Automation")
    assert gone.registration_state == "Unregistering"
    assert resources.providers.get("Microsoft.Automation").registration_state == "Unregistered"
    again = resources.providers.unregister("Microsoft.Automation")
    assert again.registration_state == "Unregistered"
    back = resources.providers.register("microsoft.automation")
    assert back.namespace == "Microsoft.Automation" and back.registration_state == "Registering"
    assert resources.providers.get("Microsoft.Automation").registration_state == "Registered"
    assert resources.providers.register("Microsoft.Automation").registration_state == "Registered"


def test_registrations_are_state_cleared_by_reset(emulator, resources):
    resources.providers.unregister("Microsoft.ManagedIdentity")
    emulator.reset()
    assert resources.providers.get("Microsoft.ManagedIdentity").registration_state == "Registered"


def test_provider_answers_match_the_spec(emulator, sub):
    _s, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/providers")
    assert_schema(body, "resources", "ProviderListResult")
    _s, _h, body = arm(emulator, "GET", f"/subscriptions/{sub}/providers/Microsoft.Automation/resourceTypes",
                       api="resources")
    assert_schema(body, "resources", "ProviderResourceTypeListResult")
    _s, _h, body = arm(emulator, "GET", "/providers/Microsoft.Resources")
    assert_schema(body, "resources", "Provider")


def test_every_listed_api_version_is_accepted(emulator, sub, account):
    """Clients pick an api-version from the provider (az resource: the newest stable one; azure_rm_resource: the
    first). Each version listed for a type must be one its routes accept."""
    acct = account_path(sub)
    list_paths = {
        ("Microsoft.Automation", "automationAccounts"): f"/subscriptions/{sub}/providers/Microsoft.Automation/"
                                                        "automationAccounts",
        ("Microsoft.Automation", "automationAccounts/modules"): f"{acct}/modules",
        ("Microsoft.Automation", "automationAccounts/runbooks"): f"{acct}/runbooks",
        ("Microsoft.Automation", "automationAccounts/jobs"): f"{acct}/jobs",
        ("Microsoft.Automation", "automationAccounts/schedules"): f"{acct}/schedules",
        ("Microsoft.Automation", "automationAccounts/jobSchedules"): f"{acct}/jobSchedules",
        ("Microsoft.Automation", "automationAccounts/webhooks"): f"{acct}/webhooks",
        ("Microsoft.Automation", "automationAccounts/variables"): f"{acct}/variables",
        ("Microsoft.Automation", "automationAccounts/runtimeEnvironments"): f"{acct}/runtimeEnvironments",
        ("Microsoft.Automation", "automationAccounts/runtimeEnvironments/packages"):
            f"{acct}/runtimeEnvironments/PowerShell-7.2/packages",
        ("Microsoft.ManagedIdentity", "userAssignedIdentities"):
            f"/subscriptions/{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
        ("Microsoft.Resources", "resourceGroups"): f"/subscriptions/{sub}/resourcegroups",
        ("Microsoft.Resources", "providers"): "/providers",
        ("Microsoft.Resources", "subscriptions/providers"): f"/subscriptions/{sub}/providers",
    }
    checked = 0
    for (namespace, rtype), path in list_paths.items():
        _s, _h, provider = arm(emulator, "GET", f"/subscriptions/{sub}/providers/{namespace}", api="resources")
        versions = next(t["apiVersions"] for t in provider["resourceTypes"] if t["resourceType"] == rtype)
        assert versions, rtype
        for version in versions:
            status, _h, body = arm(emulator, "GET", path, api=version)
            assert status == 200, (rtype, version, body)
            checked += 1
    assert checked > 50


def test_api_version_picked_like_azure_rm_resource(emulator, sub, account):
    """azure.azcollection's azure_rm_resource without api_version reads the provider with api-version 2015-01-01
    and uses the first version of the resource type named after the namespace."""
    status, _h, provider = arm(emulator, "GET", f"/subscriptions/{sub}/providers/Microsoft.Automation",
                               api="2015-01-01")
    assert status == 200
    version = next(t["apiVersions"][0] for t in provider["resourceTypes"]
                   if t["resourceType"].lower() == "automationaccounts")
    status, _h, body = arm(emulator, "GET", account_path(sub) + "/modules/PowerShellGet", api=version)
    assert status == 200 and body["name"] == "PowerShellGet"


# -- statistics and usages ---------------------------------------------------------------------------------------
def publish(automation, name, content):
    automation.runbook.create_or_update(RG, ACCOUNT, name, {
        "location": "westeurope", "properties": {"runbookType": "PowerShell", "logVerbose": False,
                                                 "logProgress": False}})
    automation.runbook_draft.begin_replace_content(RG, ACCOUNT, name, content).result()
    automation.runbook.begin_publish(RG, ACCOUNT, name).result()


def run_job(automation, runbook):
    name = str(uuid.uuid4())
    automation.job.create(RG, ACCOUNT, name, {"properties": {"runbook": {"name": runbook}}})
    return name


def counters(automation):
    return {s.counter_property: s.counter_value for s in automation.statistics.list_by_automation_account(RG, ACCOUNT)}


def test_sdk_statistics_count_jobs_by_status(emulator, automation, sub):
    assert counters(automation) == {"New": 0, "Activating": 0, "Running": 0, "Completed": 0, "Failed": 0}
    publish(automation, "Ok", "Write-Output 'fine'")
    publish(automation, "Broken", "Write-Output 'about to fail'\nthrow 'broken'")
    for runbook in ("Ok", "Ok", "Broken"):
        run_job(automation, runbook)
    emulator.settings(job_run_s=300)
    run_job(automation, "Ok")  # starts after a third of job_run_s
    got = counters(automation)
    assert got == {"New": 1, "Activating": 0, "Running": 0, "Completed": 2, "Failed": 1}
    stats = list(automation.statistics.list_by_automation_account(RG, ACCOUNT))
    assert stats[0].id == f"{account_path(sub)}/statistics/New"
    assert (stats[0].end_time - stats[0].start_time).days == 7
    _s, _h, raw = arm(emulator, "GET", account_path(sub) + "/statistics")
    assert_account_schema(raw, "StatisticsListResult")


def test_sdk_usages_report_job_minutes(emulator, automation, sub):
    before = {u.name.value: u for u in automation.usages.list_by_automation_account(RG, ACCOUNT)}
    assert set(before) == {"AccountUsage", "SubscriptionUsage", "DscAccountUsage"}
    assert before["AccountUsage"].current_value == 0 and before["AccountUsage"].unit == "Minute"
    assert before["AccountUsage"].limit == -1 and before["AccountUsage"].throttle_status == "NotThrottled"
    assert before["DscAccountUsage"].unit == "Count"
    publish(automation, "Long", "Write-Output 'working'")
    emulator.settings(job_run_s=3)
    run_job(automation, "Long")  # runs from 1 s to 3 s after its creation
    time.sleep(1.8)
    after = {u.name.value: u for u in automation.usages.list_by_automation_account(RG, ACCOUNT)}
    assert after["AccountUsage"].current_value > 0
    assert after["SubscriptionUsage"].current_value >= after["AccountUsage"].current_value
    _s, _h, raw = arm(emulator, "GET", account_path(sub) + "/usages")
    assert_account_schema(raw, "UsageListResult")


def test_free_account_has_500_minutes(emulator, automation, sub):
    status, _h, _b = arm(emulator, "PATCH", account_path(sub), {"properties": {"sku": {"name": "Free"}}})
    assert status == 200
    usage = {u.name.value: u for u in automation.usages.list_by_automation_account(RG, ACCOUNT)}
    assert usage["AccountUsage"].limit == 500


def test_statistics_and_usages_of_a_missing_account_are_404(emulator, sub, account):
    for child in ("statistics", "usages"):
        status, _h, body = arm(emulator, "GET", account_path(sub, name="aa-missing") + "/" + child)
        assert status == 404 and body["error"]["code"] == "ResourceNotFound", body
        status, _h, body = arm(emulator, "GET", account_path(sub, rg="rg-missing") + "/" + child)
        assert status == 404 and body["error"]["code"] == "ResourceGroupNotFound", body
        status, _h, body = arm(emulator, "GET", account_path(sub) + "/" + child, api="2019-06-01")
        assert status == 400 and body["error"]["code"] == "InvalidApiVersionParameter", body
    assert API["automation"] == "2024-10-23"


def test_generic_resource_routes_with_an_empty_parent_path(resources, emulator, sub):
    """azure-mgmt-resource's generic routes (``az resource create``, azure_rm_resource) put an empty parent path
    into ``/providers/{namespace}/{parent}/{type}/{name}``: ARM reads the repeated slash as one."""
    resources.resource_groups.create_or_update(RG, {"location": "westeurope"})
    poller = resources.resources.begin_create_or_update(
        RG, "Microsoft.Automation", "", "automationAccounts", ACCOUNT,
        {"location": "westeurope", "properties": {"sku": {"name": "Basic"}}}, api_version="2024-10-23")
    created = poller.result()
    assert created.id.lower() == account_path(sub).lower()
    assert [r["path"] for r in emulator.requests() if r["method"] == "PUT"][-1].endswith(
        "/providers/Microsoft.Automation/automationAccounts/" + ACCOUNT)
    got = resources.resources.get(RG, "Microsoft.Automation", "", "automationAccounts", ACCOUNT,
                                  api_version="2024-10-23")
    assert got.properties["sku"]["name"] == "Basic"
    assert resources.resources.get_by_id(account_path(sub), api_version="2024-10-23").name == ACCOUNT
