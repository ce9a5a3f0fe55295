"""The m365.exo_automation.automation_account inventory plugin against the emulator: one host per Automation
account, filtered by resource group and tag, with the role's variables, the vars file, tag variables, compose,
keyed groups and the cache, read through ``ansible-inventory`` as AWX reads an inventory source."""
import json
import os
import subprocess
import sys

import pytest

from tests.emulator.client import REPO_ROOT

from .helpers import arm

ACCOUNTS = [
    ("rg-exo-a", "aa-exo-one", {"workload": "exchange-online-automation", "exo-organization": "one.onmicrosoft.com"}),
    ("rg-exo-a", "aa-exo-two", {"workload": "exchange-online-automation", "stage": "test"}),
    ("rg-exo-b", "aa-exo-three", {"workload": "exchange-online-automation"}),
    ("rg-exo-b", "aa-other", {"workload": "something-else"}),
]


@pytest.fixture
def accounts(emulator):
    sub = emulator.env["AZURE_SUBSCRIPTION_ID"]
    for group in sorted(set(a[0] for a in ACCOUNTS)):
        status, _h, body = arm(emulator, "PUT", "/subscriptions/%s/resourcegroups/%s" % (sub, group),
                               {"location": "westeurope"})
        assert status in (200, 201), body
    for group, name, tags in ACCOUNTS:
        path = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Automation/automationAccounts/%s" % (
            sub, group, name)
        status, _h, body = arm(emulator, "PUT", path, {"location": "westeurope", "tags": tags,
                                                       "properties": {"sku": {"name": "Basic"}},
                                                       "identity": {"type": "SystemAssigned"}})
        assert status in (200, 201), body
    return emulator


def inventory(emulator, tmp_path, config, extra_env=None):
    source = tmp_path / "exo.automation_account.yml"
    source.write_text(json.dumps(dict({"plugin": "m365.exo_automation.automation_account"}, **config)))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("AZURE_", "ANSIBLE_")))
    env.update(emulator.env)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_INVENTORY_ENABLED="m365.exo_automation.automation_account",
               ANSIBLE_INVENTORY_UNPARSED_FAILED="1", ANSIBLE_HOME=str(tmp_path / "home"))
    env.update(extra_env or {})
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(source),
                           "--list"], env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
                          check=False)
    return proc


def plain(value):
    """ansible-inventory's JSON without its trust markers ({"__ansible_unsafe": "text"} -> "text")."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def listed(proc):
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = plain(json.loads(proc.stdout))
    return data, data["_meta"]["hostvars"]


def test_one_host_per_account_of_the_workload_with_the_role_variables(accounts, tmp_path):
    vars_file = tmp_path / "setup.yml"
    vars_file.write_text("exchange_online_automation_organization: contoso.onmicrosoft.com\n"
                         "exchange_online_automation_account: replaced-by-the-account\n"
                         "exchange_online_automation_identity: system\n")
    data, hostvars = listed(inventory(accounts, tmp_path, {
        "include_tags": {"workload": "exchange-online-automation"},
        "vars_file": str(vars_file),
        "tag_vars": {"exo-organization": "exchange_online_automation_organization"},
        "compose": {"exo_stage": "automation_account.tags.stage | default('production')"},
        "keyed_groups": [{"key": "exo_stage", "prefix": "stage"}],
    }))
    assert sorted(hostvars) == ["aa-exo-one", "aa-exo-three", "aa-exo-two"]
    one = hostvars["aa-exo-one"]
    assert one["exchange_online_automation_account"] == "aa-exo-one"
    assert one["exchange_online_automation_resource_group"] == "rg-exo-a"
    assert one["exchange_online_automation_location"] == "westeurope"
    assert one["exchange_online_automation_identity"] == "system"
    assert one["ansible_connection"] == "local"
    # the tag wins over the vars file, for its account only
    assert one["exchange_online_automation_organization"] == "one.onmicrosoft.com"
    assert hostvars["aa-exo-three"]["exchange_online_automation_organization"] == "contoso.onmicrosoft.com"
    assert one["automation_account"]["identity"]["type"] == "SystemAssigned"
    assert one["automation_account"]["identity"]["principal_id"]
    assert sorted(data["rg_rg_exo_a"]["hosts"]) == ["aa-exo-one", "aa-exo-two"]
    assert data["stage_test"]["hosts"] == ["aa-exo-two"]
    assert sorted(data["stage_production"]["hosts"]) == ["aa-exo-one", "aa-exo-three"]


def test_resource_groups_exclude_tags_and_hostnames(accounts, tmp_path):
    _data, hostvars = listed(inventory(accounts, tmp_path, {
        "resource_groups": ["RG-EXO-B"], "exclude_tags": {"workload": "something-else"},
        "hostname": "resource_group_name"}))
    assert sorted(hostvars) == ["rg-exo-b_aa-exo-three"]


def test_the_cache_serves_the_second_read(accounts, tmp_path):
    config = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile",
              "cache_connection": str(tmp_path / "cache"), "include_tags": {"workload": None}}
    _data, first = listed(inventory(accounts, tmp_path, config))
    accounts.clear_requests()
    _data, second = listed(inventory(accounts, tmp_path, config))
    assert sorted(first) == sorted(second) and len(first) == 4
    assert [r for r in accounts.requests() if r["api"] == "arm"] == []


def test_a_wrong_secret_fails_the_source_naming_the_cause(accounts, tmp_path):
    proc = inventory(accounts, tmp_path, {}, {"AZURE_SECRET": "wrong"})
    assert proc.returncode != 0
    assert "m365.exo_automation.automation_account" in proc.stderr


def test_audit_of_three_accounts_with_forks_reports_each_and_one_combined(emulator, tmp_path):
    """Three accounts as inventory hosts audited with forks 3; the Automation API refuses one of them (403):
    that account's report says error, the other two report their drift, the combined report's status is error,
    and nothing is written."""
    sub = emulator.env["AZURE_SUBSCRIPTION_ID"]
    arm(emulator, "PUT", "/subscriptions/%s/resourcegroups/rg-exo-many" % sub, {"location": "westeurope"})
    for name in ("aa-exo-one", "aa-exo-two", "aa-exo-broken"):
        path = "/subscriptions/%s/resourceGroups/rg-exo-many/providers/Microsoft.Automation/automationAccounts/%s" % (
            sub, name)
        status, _h, body = arm(emulator, "PUT", path, {"location": "westeurope", "identity": {"type": "SystemAssigned"},
                                                       "properties": {"sku": {"name": "Basic"}},
                                                       "tags": {"workload": "exchange-online-automation"}})
        assert status in (200, 201), body
    emulator.add_fault(method="GET", path_regex=r"(?i)/automationAccounts/aa-exo-broken", status=403, times=10000,
                       body={"error": {"code": "AuthorizationFailed", "message": "The client does not have "
                                       "authorization to perform action 'Microsoft.Automation/automationAccounts/read'"}})
    vars_file = tmp_path / "setup.yml"
    vars_file.write_text("exchange_online_automation_organization: contoso.onmicrosoft.com\n"
                         "exchange_online_automation_identity: system\n"
                         "exchange_online_automation_directory_roles: [Exchange Recipient Administrator]\n")
    source = tmp_path / "exo.automation_account.yml"
    source.write_text(json.dumps({"plugin": "m365.exo_automation.automation_account", "vars_file": str(vars_file),
                                  "include_tags": {"workload": "exchange-online-automation"}}))
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("AZURE_", "ANSIBLE_")))
    env.update(emulator.env)
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO_ROOT, ".collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_INVENTORY_ENABLED="m365.exo_automation.automation_account", ANSIBLE_HOME=str(tmp_path / "home"),
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, PWD=str(tmp_path))
    emulator.clear_requests()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(source),
                           os.path.join(REPO_ROOT, "playbooks", "audit.yml"), "-e", "audit_hosts=all", "-f", "3"],
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=900, check=False)
    emulator.clear_faults()
    assert proc.returncode != 0, proc.stdout[-3000:]   # the broken account fails its host, not the others
    reports = dict((name, json.loads((tmp_path / ("exo-audit-%s.json" % name)).read_text()))
                   for name in ("aa-exo-one", "aa-exo-two", "aa-exo-broken"))
    assert reports["aa-exo-one"]["status"] == reports["aa-exo-two"]["status"] == "drift", proc.stdout[-3000:]
    assert reports["aa-exo-broken"]["status"] == "error"
    assert "authorization" in json.dumps(reports["aa-exo-broken"]).lower()
    combined = json.loads((tmp_path / "exo-audit-combined.json").read_text())
    assert combined["status"] == "error" and combined["counts"] == {"in_sync": 0, "drift": 2, "error": 1}
    assert sorted(combined["accounts"]) == ["aa-exo-broken", "aa-exo-one", "aa-exo-two"]
    assert "AUDIT FAILED, not drift" in proc.stdout
    assert ".." not in proc.stdout.split("AUDIT FAILED, not drift")[1].split("object(s)")[0]
    assert [r for r in emulator.writes() if r["api"] in ("arm", "graph")] == []
