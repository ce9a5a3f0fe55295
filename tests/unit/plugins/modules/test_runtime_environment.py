# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.modules import runtime_environment
from ansible_collections.m365.exo_automation.tests.unit.automation_fake import FakeAutomation
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import account_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA, ENV = "rg-exo", "aa-exo-automation", "exo-ps-74"
ENV_ID = account_id(RG, AA) + "/runtimeEnvironments/" + ENV
PACKAGES = [{"name": "PackageManagement"}, {"name": "PowerShellGet", "version": "2.2.5"},
            {"name": "ExchangeOnlineManagement"}]


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAutomation.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    return fake


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("account", AA)
    args.setdefault("name", ENV)
    return run_module(monkeypatch, runtime_environment.main, args, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_with_packages_in_order(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, runtime_version="7.4", description="EXO", default_packages={"Az": "12.3.0"},
                 packages=PACKAGES)
    assert result["changed"] is True
    assert result["packages_imported"] == ["PackageManagement", "PowerShellGet", "ExchangeOnlineManagement"]
    env = result["runtime_environment"]
    assert [p["name"] for p in env["packages"]] == ["PackageManagement", "PowerShellGet", "ExchangeOnlineManagement"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["runtime_version"] == "7.4"
    if check_mode:
        assert fake.writes == []
        return
    assert [(w[0], w[1].rsplit("/", 1)[-1]) for w in fake.writes] == [
        ("PUT", ENV), ("PUT", "PackageManagement"), ("PUT", "PowerShellGet"), ("PUT", "ExchangeOnlineManagement")]
    assert fake.writes[0][2] == {"location": "westeurope", "properties": {
        "runtime": {"language": "PowerShell", "version": "7.4"}, "defaultPackages": {"Az": "12.3.0"},
        "description": "EXO"}}
    assert fake.writes[2][2] == {"properties": {"contentLink": {
        "uri": "https://www.powershellgallery.com/api/v2/package/PowerShellGet/2.2.5", "version": "2.2.5"}}}
    # each package waited for before the next one was imported
    assert [p["provisioning_state"] for p in env["packages"]] == ["Succeeded"] * 3
    assert env["packages"][1]["version"] == "2.2.5"


def test_second_run_changes_nothing(monkeypatch, fake):
    args = dict(runtime_version="7.4", description="EXO", default_packages={"Az": "12.3.0"}, packages=PACKAGES)
    run(monkeypatch, **args)
    writes = len(fake.writes)
    result = run(monkeypatch, **args)
    assert result["changed"] is False
    assert len(fake.writes) == writes
    assert result["diff"]["before"] == result["diff"]["after"]


def test_runtime_version_is_required_to_create(monkeypatch, fake):
    result = run(monkeypatch, packages=PACKAGES)
    assert result["failed"]
    assert result["option"] == "runtime_version"
    assert "5.1, 7.2, 7.4" in result["msg"]
    assert fake.writes == []


def test_unknown_runtime_version_is_refused_by_the_argument_spec(monkeypatch, fake):
    result = run(monkeypatch, runtime_version="7.3")
    assert result["failed"]
    assert "runtime_version must be one of: 5.1, 7.2, 7.4" in result["msg"]


def test_runtime_cannot_change(monkeypatch, fake):
    fake.add_environment(RG, AA, ENV, version="7.2")
    result = run(monkeypatch, runtime_version="7.4")
    assert result["failed"]
    assert result["option"] == "runtime_version"
    assert "cannot change" in result["msg"]
    assert fake.writes == []


@pytest.mark.parametrize("args,option", [
    ({"name": "bad name"}, "name"),
    ({"account": "1-not-an-account"}, "account"),
    ({"resource_group": "ends-with."}, "resource_group"),
])
def test_bad_names_fail_before_any_call(monkeypatch, fake, args, option):
    result = run(monkeypatch, runtime_version="7.4", **args)
    assert result["failed"] and result["option"] == option
    assert fake.writes == [] and fake.environments == {}


@pytest.mark.parametrize("packages,option", [
    ([{"name": "A"}, {"name": "a"}], "packages"),
    ([{"name": "A", "version": "x.y"}], "packages[0].version"),
    ([{"name": "A", "source": "http://feed"}], "packages[0].source"),
])
def test_bad_packages_fail_before_any_call(monkeypatch, fake, packages, option):
    result = run(monkeypatch, runtime_version="7.4", packages=packages)
    assert result["failed"]
    assert result["option"] == option
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_default_packages_update_with_patch(monkeypatch, fake, check_mode):
    fake.add_environment(RG, AA, ENV, default_packages={"Az": "11.0.0"})
    result = run(monkeypatch, check_mode, default_packages={"Az": "12.3.0"})
    assert result["changed"] is True
    assert result["runtime_environment"]["default_packages"] == {"Az": "12.3.0"}
    assert fake.writes == ([] if check_mode else [("PATCH", ENV_ID, {"properties": {"defaultPackages": {"Az": "12.3.0"}}})])


def test_description_update_uses_put_and_keeps_the_runtime(monkeypatch, fake):
    fake.add_environment(RG, AA, ENV, description="old")
    result = run(monkeypatch, description="new")
    assert result["changed"] is True
    method, rid, body = fake.writes[0]
    assert (method, rid) == ("PUT", ENV_ID)
    assert body["properties"]["runtime"] == {"language": "PowerShell", "version": "7.4"}
    assert body["properties"]["description"] == "new"


@pytest.mark.parametrize("check_mode", [True, False])
def test_purge_removes_unlisted_packages_but_not_defaults(monkeypatch, fake, check_mode):
    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "Az", "12.3.0", default=True)
    fake.add_package(RG, AA, ENV, "Old.Module", "1.0")
    fake.add_package(RG, AA, ENV, "ExchangeOnlineManagement", "3.4.0")
    result = run(monkeypatch, check_mode, packages=[{"name": "ExchangeOnlineManagement"}], purge_packages=True)
    assert result["changed"] is True
    assert result["packages_removed"] == ["Old.Module"]
    assert result["packages_imported"] == []
    assert sorted(p["name"] for p in result["runtime_environment"]["packages"]) == ["Az", "ExchangeOnlineManagement"]
    assert "Old.Module" in result["diff"]["before"]["packages"]
    assert "Old.Module" not in result["diff"]["after"]["packages"]
    assert [w[0] for w in fake.writes] == ([] if check_mode else ["DELETE"])


def test_without_purge_other_packages_stay(monkeypatch, fake):
    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "Old.Module", "1.0")
    result = run(monkeypatch, packages=[{"name": "Old.Module"}])
    assert result["changed"] is False


def test_default_package_cannot_be_listed_as_a_package(monkeypatch, fake):
    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "Az", "12.3.0", default=True)
    result = run(monkeypatch, packages=[{"name": "Az", "version": "13.0.0"}])
    assert result["failed"]
    assert "default_packages" in result["msg"]


def test_failed_package_import_fails_with_azures_text(monkeypatch, fake):
    fake.failing.add("PowerShellGet")
    result = run(monkeypatch, runtime_version="7.4", packages=PACKAGES)
    assert result["failed"]
    assert "package PowerShellGet" in result["msg"]
    assert "ended Failed" in result["msg"]
    # the import after the failing one was not started
    assert not any(w[1].endswith("/ExchangeOnlineManagement") for w in fake.writes)


def test_no_wait_imports_without_waiting(monkeypatch, fake):
    result = run(monkeypatch, runtime_version="7.4", packages=PACKAGES, wait=False)
    assert result["changed"] is True
    assert fake.sleeps == []
    assert len(fake.writes) == 4


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "ExchangeOnlineManagement", "3.4.0")
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is True
    assert result["packages_removed"] == ["ExchangeOnlineManagement"]
    assert result["diff"]["after"] == {}
    assert fake.writes == ([] if check_mode else [("DELETE", ENV_ID, None)])
    again = run(monkeypatch, check_mode, state="absent")
    assert again["changed"] is check_mode


def test_check_mode_predicts_what_a_real_run_returns(monkeypatch, fake):
    args = dict(runtime_version="7.4", description="EXO", default_packages={"Az": "12.3.0"}, packages=PACKAGES)
    predicted = run(monkeypatch, True, **args)
    assert fake.writes == []
    done = run(monkeypatch, **args)
    for key in ("changed", "packages_imported", "packages_removed"):
        assert predicted[key] == done[key], key
    env, real = predicted["runtime_environment"], done["runtime_environment"]
    assert env["id"] == real["id"] == ENV_ID
    assert sorted(env) == sorted(real)
    for key in ("name", "language", "runtime_version", "description", "default_packages"):
        assert env[key] == real[key], key
    assert [(p["id"], p["name"]) for p in env["packages"]] == [(p["id"], p["name"]) for p in real["packages"]]
    assert [p["provisioning_state"] for p in env["packages"]] == ["Creating"] * 3
    assert env["packages"][1]["version"] == real["packages"][1]["version"] == "2.2.5"


def test_a_default_package_in_the_list_fails_before_any_write(monkeypatch, fake):
    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "Az", "12.3.0", default=True)
    result = run(monkeypatch, description="new", packages=[{"name": "PackageManagement"}, {"name": "az"}])
    assert result["failed"] and result["option"] == "packages"
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_an_outdated_package_is_imported_again(monkeypatch, fake, check_mode):
    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "PowerShellGet", "2.2.4")
    fake.add_package(RG, AA, ENV, "Other.Module", "1.0")
    result = run(monkeypatch, check_mode, packages=[{"name": "PowerShellGet", "version": "2.2.5"}])
    assert result["changed"] is True
    assert result["packages_imported"] == ["PowerShellGet"] and result["packages_removed"] == []
    assert [p["name"] for p in result["runtime_environment"]["packages"]] == ["PowerShellGet", "Other.Module"]
    assert result["diff"]["before"]["packages"] == {"PowerShellGet": "2.2.4", "Other.Module": "1.0"}
    assert result["diff"]["after"]["packages"]["PowerShellGet"] == "2.2.5"
    assert [(w[0], w[1].rsplit("/", 1)[-1]) for w in fake.writes] == ([] if check_mode else [("PUT", "PowerShellGet")])


def test_an_import_in_progress_is_waited_for_not_restarted(monkeypatch, fake):
    from ansible_collections.m365.exo_automation.tests.unit.automation_fake import _Import

    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "ExchangeOnlineManagement", None, state="ContentDownloaded")
    key = (account_id(RG, AA).lower(), ENV.lower(), "exchangeonlinemanagement")
    fake.packages[key]["import"] = _Import(fake, "ExchangeOnlineManagement", {})
    result = run(monkeypatch, packages=[{"name": "ExchangeOnlineManagement"}])
    assert result["changed"] is False
    assert result["runtime_environment"]["packages"][0]["provisioning_state"] == "Succeeded"
    assert fake.writes == [] and fake.sleeps


def test_purge_with_nothing_to_remove_changes_nothing(monkeypatch, fake):
    fake.add_environment(RG, AA, ENV)
    fake.add_package(RG, AA, ENV, "Az", "12.3.0", default=True)
    fake.add_package(RG, AA, ENV, "ExchangeOnlineManagement", "3.4.0")
    result = run(monkeypatch, packages=[{"name": "exchangeonlinemanagement"}], purge_packages=True)
    assert result["changed"] is False
    assert result["packages_imported"] == [] and result["packages_removed"] == []
    assert fake.writes == []


def test_absent_without_the_environment(monkeypatch, fake):
    result = run(monkeypatch, state="absent")
    assert result["changed"] is False
    assert result["runtime_environment"] == {}
    assert result["packages_imported"] == [] and result["packages_removed"] == []


def test_a_sas_token_in_a_package_content_link_is_never_returned_or_logged(monkeypatch, fake):
    from ansible.module_utils import basic

    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    sas = "sv=2022-11-02&sp=r&sig=c2VjcmV0LXNhcy1zaWduYXR1cmU%3D"
    blob = "https://contosostorage.blob.core.windows.net/modules/Contoso.Tools.zip"
    plain = "https://contosostorage.blob.core.windows.net/modules/Contoso.Other.zip"
    result = run(monkeypatch, runtime_version="7.4", packages=[
        {"name": "Contoso.Tools", "content_link": {"uri": blob + "?" + sas}},
        {"name": "Contoso.Other", "content_link": {"uri": plain}}])
    assert result["changed"] is True
    assert fake.writes[1][2]["properties"]["contentLink"]["uri"] == blob + "?" + sas
    assert "c2VjcmV0" not in str(result)
    assert logged and "c2VjcmV0" not in " ".join(logged)
