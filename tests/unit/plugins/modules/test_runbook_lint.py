# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import httpx
import pytest
import yaml

from ansible_collections.m365.exo_automation.plugins.module_utils import runbook_lint as rl
from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphClient
from ansible_collections.m365.exo_automation.plugins.modules import runbook_lint
from ansible_collections.m365.exo_automation.tests.unit.automation_fake import FakeAutomation
from ansible_collections.m365.exo_automation.tests.unit.fake_http import FakeCredential
from ansible_collections.m365.exo_automation.tests.unit.graph_fake import BASE, FakeTenant
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA = "rg-exo", "aa-exo-automation"
ORG = "contoso.onmicrosoft.com"
TENANT_ID = "44444444-4444-4444-4444-444444444444"
GOOD = ("$ErrorActionPreference = 'Stop'\ntry {\n    Connect-ExchangeOnline -ManagedIdentity -Organization %s%s\n"
        "}\nfinally {\n    Disconnect-ExchangeOnline -Confirm:$false\n}\n")


def good(org=ORG, account_id=None):
    return GOOD % (org, " -ManagedIdentityAccountId " + account_id if account_id else "")


class Tenant(FakeTenant):
    """The fake tenant with its organization (verified domains)."""

    def route(self, method, path, request):
        if path == "/organization" and method == "GET":
            return httpx.Response(200, json={"value": [{"id": TENANT_ID, "verifiedDomains": [
                {"name": ORG, "isInitial": True, "isDefault": False, "type": "Managed", "capabilities": "Email"},
                {"name": "contoso.com", "isInitial": False, "isDefault": True, "type": "Managed",
                 "capabilities": "Email"}]}]})
        return super(Tenant, self).route(method, path, request)


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAutomation.install(monkeypatch)
    fake.add_group(RG)
    fake.tenant = tenant = Tenant()

    def graph(self):
        if "graph" not in self._clients:
            client = GraphClient(FakeCredential(), BASE, ["https://graph.microsoft.com/.default"],
                                 transport=tenant.transport())
            self._clients["graph"] = client
            self.add_closer(client.close)
        return self._clients["graph"]

    monkeypatch.setattr(ExoModule, "graph", graph)
    return fake


def account(fake, system=True, users=()):
    """An account with a system-assigned identity (and ``users``, names of user-assigned ones), each with a
    service principal in the tenant; returns {"system": sp, name: (identity, sp)}."""
    out = {}
    given = {}
    for name in users:
        ident = fake.add_identity(RG, name)
        out[name] = (ident, fake.tenant.add_identity(name, ident["principal_id"], ident["client_id"]))
        given[ident["id"]] = {}
    kind = ", ".join(k for k, on in (("SystemAssigned", system), ("UserAssigned", bool(users))) if on) or "None"
    obj = fake.add_account(RG, AA, identity={"type": kind, "userAssignedIdentities": given})
    if system:
        out["system"] = fake.tenant.add_identity(AA, obj["identity"]["principalId"], "66666666-0000-0000-0000-000000000000")
    return out


def allow(fake, sp, grant=True, role="Exchange Recipient Administrator"):
    exo = fake.tenant.by_app_id(wk.EXCHANGE_ONLINE_APP_ID)
    if grant:
        fake.tenant.grant(sp["id"], exo, wk.MANAGE_AS_APP_ROLE_ID)
    if role:
        fake.tenant.assign_role(sp["id"], wk.ENTRA_ROLES[role])


def run(monkeypatch, check_mode=False, **args):
    return run_module(monkeypatch, runbook_lint.main, args, check_mode=check_mode)


def rules(result):
    return [f["rule"] for f in result["findings"]]


# -- documentation ----------------------------------------------------------------------------------------------
def test_documentation_lists_every_rule():
    doc = yaml.safe_load(runbook_lint.DOCUMENTATION)
    listed = [line for line in doc["description"] if line[:3] == "EXO"]
    assert listed == rl.rules_doc()


# -- text only: no Azure at all ---------------------------------------------------------------------------------
def test_text_rules_need_no_azure(monkeypatch):
    def no_azure(self, *args, **kwargs):
        raise AssertionError("no Azure client may be built")

    monkeypatch.setattr(ExoModule, "automation_client", no_azure)
    monkeypatch.setattr(ExoModule, "graph", no_azure)
    monkeypatch.setattr(ExoModule, "credential", no_azure)
    result = run(monkeypatch, content=good())
    assert result["changed"] is False and not result.get("failed")
    assert result["findings"] == [] and result["counts"] == {"error": 0, "warning": 0, "info": 0}
    assert result["rules_run"] == list(rl.TEXT_RULES)
    assert "runtime" not in result


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_error_fails_the_task_with_the_findings(monkeypatch, check_mode):
    result = run(monkeypatch, check_mode, content="Connect-ExchangeOnline -ManagedIdentity\nWrite-Host 'x'\n")
    assert result["failed"]
    assert "1 finding(s) at or above fail_on=error" in result["msg"]
    assert "line 1: EXO002 error" in result["msg"]
    assert rules(result) == ["EXO002", "EXO008", "EXO007"]


@pytest.mark.parametrize("fail_on,fails", [("error", False), ("warning", True), ("never", False)])
def test_fail_on(monkeypatch, fail_on, fails):
    result = run(monkeypatch, content="Write-Host 'x'\n", fail_on=fail_on)
    assert bool(result.get("failed")) is fails
    assert rules(result) == ["EXO007"]


def test_rules_disabled(monkeypatch):
    result = run(monkeypatch, content="Write-Host 'x'\n", fail_on="warning", rules_disabled=["exo007"])
    assert not result.get("failed") and result["findings"] == []
    assert "EXO007" not in result["rules_run"]
    bad = run(monkeypatch, content="Write-Host 'x'\n", rules_disabled=["EXO999"])
    assert bad["failed"] and bad["option"] == "rules_disabled" and "'EXO999' is not a rule" in bad["msg"]


def test_src(monkeypatch, tmp_path):
    path = tmp_path / "Bad.ps1"
    path.write_bytes(b"\xef\xbb\xbfConnect-ExchangeOnline -Credential $c\r\n")
    result = run(monkeypatch, src=str(path), fail_on="never")
    assert rules(result) == ["EXO008", "EXO005"]
    missing = run(monkeypatch, src=str(tmp_path / "nope.ps1"))
    assert missing["failed"] and missing["option"] == "src" and "does not exist" in missing["msg"]


@pytest.mark.parametrize("args,option,words", [
    ({}, "content", "one of content, src or name"),
    ({"content": "x", "account": AA}, "resource_group", "resource_group is required with account"),
    ({"content": "x", "resource_group": RG}, "account", "account is required with resource_group"),
    ({"name": "Test-Connection"}, "name", "name needs resource_group and account"),
    ({"content": "x", "account_rules": "always"}, "account_rules", "account_rules=always needs"),
    ({"content": "x", "resource_group": RG, "account": "a b"}, "account", None),
])
def test_bad_options(monkeypatch, args, option, words):
    result = run(monkeypatch, **args)
    assert result["failed"] and result.get("option") == option
    if words:
        assert words in result["msg"]


# -- account rules ----------------------------------------------------------------------------------------------
def test_a_fitting_account_passes(monkeypatch, fake):
    ids = account(fake)
    allow(fake, ids["system"])
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    result = run(monkeypatch, content=good(), resource_group=RG, account=AA)
    assert result["findings"] == [], result["findings"]
    assert result["rules_run"] == list(rl.TEXT_RULES) + list(rl.ACCOUNT_RULES)
    assert result["runtime"] == "PowerShell 5.1"
    assert fake.writes == [] and fake.tenant.writes() == []


def test_account_rules_never_reads_nothing(monkeypatch, fake):
    result = run(monkeypatch, content=good(), resource_group=RG, account=AA, account_rules="never")
    assert result["rules_run"] == list(rl.TEXT_RULES)
    assert fake.tenant.log == []


@pytest.mark.parametrize("runtime,seed,rule", [
    (None, lambda f: None, "EXO101"),
    (None, lambda f: f.add_module(RG, AA, "ExchangeOnlineManagement", "2.0.5"), "EXO102"),
    (None, lambda f: f.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2", state="Failed"), "EXO101"),
    # imported for 5.1 while the runbook runs on 7.2
    ("7.2", lambda f: f.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2"), "EXO101"),
    ("exo-74", lambda f: (f.add_environment(RG, AA, "exo-74"),
                          f.add_package(RG, AA, "exo-74", "ExchangeOnlineManagement", "3.7.2")), None),
    ("exo-74", lambda f: (f.add_environment(RG, AA, "exo-74"),
                          f.add_package(RG, AA, "exo-74", "ExchangeOnlineManagement", "2.0.5")), "EXO102"),
])
def test_module_rules(monkeypatch, fake, runtime, seed, rule):
    ids = account(fake)
    allow(fake, ids["system"])
    seed(fake)
    args = dict(content=good(), resource_group=RG, account=AA, fail_on="never")
    if runtime:
        args["runtime"] = runtime
    result = run(monkeypatch, **args)
    assert rules(result) == ([rule] if rule else [])


def test_unknown_runtime_environment(monkeypatch, fake):
    account(fake)
    result = run(monkeypatch, content=good(), resource_group=RG, account=AA, runtime="nope")
    assert result["failed"] and result["option"] == "runtime" and "not 5.1, 7.2 or a runtime environment" in result["msg"]


def test_graph_authentication_module(monkeypatch, fake):
    ids = account(fake)
    allow(fake, ids["system"])
    fake.add_environment(RG, AA, "exo-74")
    fake.add_package(RG, AA, "exo-74", "ExchangeOnlineManagement", "3.7.2")
    text = good().replace("try {\n", "try {\n    Connect-MgGraph -Identity\n")
    result = run(monkeypatch, content=text, resource_group=RG, account=AA, runtime="exo-74", fail_on="never")
    assert rules(result) == ["EXO010", "EXO103"]
    fake.add_package(RG, AA, "exo-74", "Microsoft.Graph.Authentication", "2.25.0")
    assert rules(run(monkeypatch, content=text, resource_group=RG, account=AA, runtime="exo-74")) == ["EXO010"]


def test_wrong_organization(monkeypatch, fake):
    ids = account(fake)
    allow(fake, ids["system"])
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    result = run(monkeypatch, content=good("fabrikam.onmicrosoft.com"), resource_group=RG, account=AA)
    assert result["failed"] and rules(result) == ["EXO104"]
    assert "its initial domain is contoso.onmicrosoft.com" in result["findings"][0]["message"]


def test_user_assigned_identity_rules(monkeypatch, fake):
    ids = account(fake, system=False, users=["mi-exo"])
    ident, sp = ids["mi-exo"]
    allow(fake, sp)
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    base = dict(resource_group=RG, account=AA, fail_on="never")
    assert rules(run(monkeypatch, content=good(account_id=ident["client_id"]), **base)) == []
    assert rules(run(monkeypatch, content=good(account_id=ident["principal_id"]), **base)) == ["EXO105"]
    assert rules(run(monkeypatch, content=good(account_id="77777777-7777-7777-7777-777777777777"), **base)) == \
        ["EXO106"]
    assert rules(run(monkeypatch, content=good(), **base)) == ["EXO107"]


@pytest.mark.parametrize("grant,role,found", [
    (False, "Exchange Administrator", ["EXO108"]),
    (True, None, ["EXO109"]),
    (True, "Directory Readers", ["EXO109"]),
    (False, None, ["EXO108", "EXO109"]),
])
def test_access_rules(monkeypatch, fake, grant, role, found):
    ids = account(fake)
    allow(fake, ids["system"], grant=grant, role=role)
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    result = run(monkeypatch, content=good(), resource_group=RG, account=AA, fail_on="never")
    assert rules(result) == found


def test_principal_not_replicated_yet_skips_the_access_rules(monkeypatch, fake):
    ids = account(fake)
    fake.tenant.sps.pop(ids["system"]["id"])
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    result = run(monkeypatch, content=good(), resource_group=RG, account=AA)
    assert result["findings"] == []


def test_graph_error_fails(monkeypatch, fake):
    ids = account(fake)
    allow(fake, ids["system"])
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    denied = {"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges"}}
    fake.tenant.fault("GET", r"/appRoleAssignments$", 403, denied)
    result = run(monkeypatch, content=good(), resource_group=RG, account=AA)
    assert result["failed"] and "Insufficient privileges" in result["msg"]


def test_missing_account(monkeypatch, fake):
    result = run(monkeypatch, content=good(), resource_group=RG, account=AA)
    assert result["failed"] and result["option"] == "account" and "was not found" in result["msg"]


def test_no_connection_reads_no_graph(monkeypatch, fake):
    account(fake)
    result = run(monkeypatch, content="Write-Output 'x'\n", resource_group=RG, account=AA)
    assert result["findings"] == [] and fake.tenant.log == []


# -- a runbook of the account -----------------------------------------------------------------------------------
def test_runbook_of_the_account(monkeypatch, fake):
    ids = account(fake)
    allow(fake, ids["system"])
    fake.add_environment(RG, AA, "exo-74")
    fake.add_package(RG, AA, "exo-74", "ExchangeOnlineManagement", "3.7.2")
    fake.add_runbook(RG, AA, "Archive", good(), state="Edit", runtime_environment="exo-74",
                     draft=good("contoso.com"))
    published = run(monkeypatch, resource_group=RG, automation_account=AA, name="Archive")
    assert published["findings"] == [] and published["runtime"] == "runtime environment exo-74"
    draft = run(monkeypatch, resource_group=RG, account=AA, name="Archive", draft=True, fail_on="never")
    assert rules(draft) == ["EXO003", "EXO104"]
    fake.add_runbook(RG, AA, "New", "", state="New", draft="Write-Host 'x'\n")
    assert rules(run(monkeypatch, resource_group=RG, account=AA, name="New", account_rules="never")) == ["EXO007"]
    missing = run(monkeypatch, resource_group=RG, account=AA, name="Nope")
    assert missing["failed"] and missing["option"] == "name" and "was not found" in missing["msg"]
    assert fake.writes == []


def test_runbook_type_gives_the_runtime(monkeypatch, fake):
    ids = account(fake)
    allow(fake, ids["system"])
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.7.2")
    fake.add_runbook(RG, AA, "On72", good(), runbook_type="PowerShell72")
    result = run(monkeypatch, resource_group=RG, account=AA, name="On72", content=good(), fail_on="never")
    assert result["runtime"] == "PowerShell 7.2" and rules(result) == ["EXO101"]
