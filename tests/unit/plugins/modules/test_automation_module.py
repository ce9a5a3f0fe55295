# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.modules import automation_module, automation_module_info
from ansible_collections.m365.exo_automation.tests.unit.automation_fake import FakeAutomation, _Import
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import account_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA = "rg-exo", "aa-exo-automation"
MOD_ID = account_id(RG, AA) + "/modules/ExchangeOnlineManagement"
GALLERY = "https://www.powershellgallery.com/api/v2/package/ExchangeOnlineManagement"


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAutomation.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    return fake


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("account", AA)
    args.setdefault("name", "ExchangeOnlineManagement")
    return run_module(monkeypatch, automation_module.main, args, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("version,uri", [("latest", GALLERY), ("3.4.0", GALLERY + "/3.4.0")])
def test_import_from_the_gallery(monkeypatch, fake, check_mode, version, uri):
    result = run(monkeypatch, check_mode, version=version)
    assert result["changed"] is True
    assert result["reason"] == "not imported"
    assert result["diff"]["before"] == {}
    if check_mode:
        assert fake.writes == []
        assert result["module"]["provisioning_state"] == "Creating"
        assert result["module"]["content_uri"] == uri
        return
    body = {"properties": {"contentLink": dict({"uri": uri}, **({"version": version} if version != "latest" else {}))},
            "location": "westeurope"}
    assert fake.writes == [("PUT", MOD_ID, body)]
    # waited through the provisioning states until Succeeded
    assert result["module"]["provisioning_state"] == "Succeeded"
    assert result["module"]["version"] == ("3.7.2" if version == "latest" else "3.4.0")
    assert fake.sleeps == [1.0, 2.0]


def test_no_wait_returns_the_accepted_import(monkeypatch, fake):
    result = run(monkeypatch, wait=False)
    assert result["changed"] is True
    assert result["module"]["provisioning_state"] == "Creating"
    assert fake.sleeps == []


def test_same_version_is_not_imported_again(monkeypatch, fake):
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.4.0")
    for version in ("3.4.0", "3.4.0.0", "latest"):
        result = run(monkeypatch, version=version)
        assert result["changed"] is False, version
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_other_version_is_imported(monkeypatch, fake, check_mode):
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.3.0")
    result = run(monkeypatch, check_mode, version="3.4.0")
    assert result["changed"] is True
    assert result["reason"] == "version 3.3.0 is imported, 3.4.0 wanted"
    assert result["diff"]["before"]["version"] == "3.3.0"
    assert result["diff"]["after"]["version"] == "3.4.0"
    assert len(fake.writes) == (0 if check_mode else 1)


def test_failed_import_is_retried_and_its_error_reported(monkeypatch, fake):
    fake.add_module(RG, AA, "ExchangeOnlineManagement", None, state="Failed")
    fake.failing.add("ExchangeOnlineManagement")
    result = run(monkeypatch)
    assert result["failed"]
    assert "ended Failed: Cannot import the module, as the module structure was invalid" in result["msg"]
    assert result["error_code"] == "ModuleImportFailed"
    assert [w[0] for w in fake.writes] == ["PUT"]


def test_global_module_is_replaced_by_an_import(monkeypatch, fake):
    result = run(monkeypatch, name="PowerShellGet")
    assert result["changed"] is True
    assert "built-in global module" in result["reason"]


def test_timeout_fails_and_says_the_import_continues(monkeypatch, fake):
    fake.import_states = ["Creating"]
    result = run(monkeypatch, timeout=5)
    assert result["failed"]
    assert "still Creating after 5 s; the import continues in Azure" in result["msg"]


def test_import_in_progress_is_waited_for_not_restarted(monkeypatch, fake):
    fake.add_module(RG, AA, "ExchangeOnlineManagement", None, state="ContentDownloaded")
    fake.modules[(account_id(RG, AA).lower(), "exchangeonlinemanagement")]["import"] = \
        _Import(fake, "ExchangeOnlineManagement", {"version": "3.4.0"})
    result = run(monkeypatch)
    assert result["changed"] is False
    assert result["module"]["provisioning_state"] == "Succeeded"
    assert fake.writes == []


@pytest.mark.parametrize("args,option,fragment", [
    ({"version": "three"}, "version", "is not a version"),
    ({"name": "Exchange Online"}, "name", "not a valid PowerShell module name"),
    ({"source": "http://feed.example/api/v2"}, "source", "not an https URL"),
    ({"account": "aa"}, "account", "not a valid automation account name"),
])
def test_bad_input_fails_before_any_call(monkeypatch, fake, args, option, fragment):
    result = run(monkeypatch, **args)
    assert result["failed"]
    assert result["option"] == option
    assert fragment in result["msg"]
    assert fake.writes == []


def test_source_and_content_link_are_exclusive(monkeypatch, fake):
    result = run(monkeypatch, source="https://feed.example/api/v2", content_link={"uri": "https://x.example/m.zip"})
    assert result["failed"]
    assert "mutually exclusive" in result["msg"]


def test_content_link_with_hash(monkeypatch, fake):
    run(monkeypatch, name="Contoso.Tools", version="1.2.0",
        content_link={"uri": "https://store.example/tools.zip", "hash": "ABCD"})
    assert fake.writes[0][2]["properties"]["contentLink"] == {
        "uri": "https://store.example/tools.zip", "contentHash": {"algorithm": "SHA256", "value": "ABCD"},
        "version": "1.2.0"}


def test_missing_account_fails_with_a_hint_but_not_in_check_mode(monkeypatch, fake):
    result = run(monkeypatch, account="aa-does-not-exist")
    assert result["failed"]
    assert result["option"] == "account"
    assert "was not found" in result["msg"]
    result = run(monkeypatch, True, account="aa-does-not-exist")
    assert result["changed"] is True
    assert any("does not exist" in w for w in result.get("warnings", []))


@pytest.mark.parametrize("check_mode", [True, False])
def test_remove(monkeypatch, fake, check_mode):
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.4.0")
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is True
    assert result["diff"]["after"] == {}
    assert fake.writes == ([] if check_mode else [("DELETE", MOD_ID, None)])
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is check_mode


def test_global_module_is_not_removed(monkeypatch, fake):
    result = run(monkeypatch, name="PackageManagement", state="absent")
    assert result["changed"] is False
    assert fake.writes == []
    assert any("built-in global module" in w for w in result["warnings"])


def test_info_lists_and_filters(monkeypatch, fake):
    fake.add_module(RG, AA, "ExchangeOnlineManagement", "3.4.0")
    args = {"resource_group": RG, "account": AA}
    result = run_module(monkeypatch, automation_module_info.main, args)
    assert [m["name"] for m in result["modules"]] == ["ExchangeOnlineManagement", "PackageManagement", "PowerShellGet"]
    result = run_module(monkeypatch, automation_module_info.main, dict(args, include_global=False))
    assert [m["name"] for m in result["modules"]] == ["ExchangeOnlineManagement"]
    result = run_module(monkeypatch, automation_module_info.main, dict(args, name="Missing.Module"))
    assert result["modules"] == []
    result = run_module(monkeypatch, automation_module_info.main, dict(args, account="aa-not-there"))
    assert result["modules"] == []


@pytest.mark.parametrize("existing", [None, "3.3.0"])
def test_check_mode_predicts_what_a_real_run_returns(monkeypatch, fake, existing):
    if existing:
        fake.add_module(RG, AA, "ExchangeOnlineManagement", existing)
    predicted = run(monkeypatch, True, version="3.4.0")
    assert fake.writes == []
    done = run(monkeypatch, version="3.4.0")
    assert predicted["changed"] is done["changed"] is True
    assert predicted["reason"] == done["reason"]
    assert sorted(predicted["module"]) == sorted(done["module"])
    for key in ("id", "name", "version", "error", "is_global", "content_uri"):
        assert predicted["module"][key] == done["module"][key], key
    # the prediction is the accepted import; the real run waited for it
    assert (predicted["module"]["provisioning_state"], done["module"]["provisioning_state"]) == ("Creating", "Succeeded")
    assert predicted["diff"] == done["diff"]


def test_replacing_a_global_module_predicts_an_imported_one(monkeypatch, fake):
    result = run(monkeypatch, True, name="PowerShellGet", version="2.2.5")
    assert result["changed"] is True
    assert result["module"]["is_global"] is False
    assert result["module"]["version"] == "2.2.5"
    assert result["module"]["id"] == account_id(RG, AA) + "/modules/PowerShellGet"


def test_absent_without_the_module_is_not_imported(monkeypatch, fake):
    result = run(monkeypatch, state="absent")
    assert result["changed"] is False
    assert result["module"] == {} and result["reason"] == "not imported"
    assert result["diff"] == {"before": {}, "after": {}}


SAS = "sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=Zm9vYmFyc2VjcmV0c2lnbmF0dXJl"
BLOB = "https://contosostorage.blob.core.windows.net/modules/Contoso.Tools.zip"


def test_a_sas_token_in_the_content_link_is_never_returned_or_logged(monkeypatch, fake):
    from ansible.module_utils import basic

    logged = []
    monkeypatch.setattr(basic.AnsibleModule, "log", lambda self, msg, log_args=None: logged.append(msg))
    result = run(monkeypatch, name="Contoso.Tools", version="1.2.0", content_link={"uri": BLOB + "?" + SAS})
    assert result["changed"] is True
    # Azure gets the whole address
    assert fake.writes[0][2]["properties"]["contentLink"]["uri"] == BLOB + "?" + SAS
    assert result["module"]["content_uri"] == BLOB + "?(query hidden)"
    assert "sig=" not in str(result) and "Zm9vYmFy" not in str(result)
    assert logged and "Zm9vYmFy" not in " ".join(logged)


def test_a_content_link_without_a_query_string_is_shown_as_it_is(monkeypatch, fake):
    result = run(monkeypatch, name="Contoso.Tools", version="1.2.0", content_link={"uri": BLOB})
    assert result["module"]["content_uri"] == BLOB
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" not in str(result["module"])


THREE = [{"name": "PackageManagement"}, {"name": "PowerShellGet"}, {"name": "ExchangeOnlineManagement"}]


def run_many(monkeypatch, modules, check_mode=False, **args):
    args.update(resource_group=RG, account=AA, modules=modules)
    return run_module(monkeypatch, automation_module.main, args, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("check_mode", [True, False])
def test_modules_are_imported_in_one_task_in_order(monkeypatch, fake, check_mode):
    result = run_many(monkeypatch, THREE, check_mode)
    assert result["changed"] is True
    assert [(r["name"], r["changed"]) for r in result["modules"]] == [(e["name"], True) for e in THREE]
    assert result["modules"][2]["reason"] == "not imported"  # the first two are built-in global modules
    # --diff shows one diff per module, each headed with its name
    assert [d["before_header"] for d in result["diff"]] == ["module %s" % e["name"] for e in THREE]
    assert result["diff"][2]["after"]["name"] == "ExchangeOnlineManagement"
    if check_mode:
        assert fake.writes == []
        return
    # one after the other, each waited for (Succeeded) before the next is written
    assert [w[1].rsplit("/", 1)[1] for w in fake.writes] == [e["name"] for e in THREE]
    assert [r["module"]["provisioning_state"] for r in result["modules"]] == ["Succeeded"] * 3
    assert fake.sleeps == [1.0, 2.0] * 3
    again = run_many(monkeypatch, THREE)
    assert again["changed"] is False and len(fake.writes) == 3
    assert [r["changed"] for r in again["modules"]] == [False] * 3


def test_every_entry_is_checked_before_anything_is_written(monkeypatch, fake):
    result = run_many(monkeypatch, THREE[:2] + [{"name": "ExchangeOnlineManagement", "version": "three"}])
    assert result["failed"] is True and result["option"] == "version" and fake.writes == []
    twice = run_many(monkeypatch, THREE + [{"name": "powershellget"}])
    assert twice["failed"] is True and twice["option"] == "modules" and "powershellget" in twice["msg"]
    both = run_module(monkeypatch, automation_module.main,
                      {"resource_group": RG, "account": AA, "name": "X", "modules": THREE})
    assert both["failed"] is True and "mutually exclusive" in both["msg"]
    assert fake.writes == []


def test_a_failed_import_stops_the_list_and_returns_what_was_done(monkeypatch, fake):
    fake.failing.add("PowerShellGet")
    result = run_many(monkeypatch, THREE)
    assert result["failed"] is True
    assert [r["name"] for r in result["modules"]] == ["PackageManagement"]
    assert result["name"] == "PowerShellGet"  # the module the task failed on
    assert [w[1].rsplit("/", 1)[1] for w in fake.writes if w[0] == "PUT"][-1] == "PowerShellGet"
    assert not any(w[1].endswith("/ExchangeOnlineManagement") for w in fake.writes)


def test_an_entry_force_overrides_the_task_force(monkeypatch, fake):
    run_many(monkeypatch, THREE)
    result = run_many(monkeypatch, [{"name": "PackageManagement", "force": False}, {"name": "PowerShellGet"}],
                      force=True)
    assert [r["changed"] for r in result["modules"]] == [False, True]
