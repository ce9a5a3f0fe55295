# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.modules import runbook, runbook_info
from ansible_collections.m365.exo_automation.tests.unit.automation_fake import FakeAutomation, HttpResponseError
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import account_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module

RG, AA, NAME = "rg-exo", "aa-exo-automation", "Test-Connection"
RB_ID = account_id(RG, AA) + "/runbooks/" + NAME
CLIENT_ID = "bf6dcc76-4331-4942-8d50-87ea41d6e8a1"
HELLO = "Write-Output 'hello'\n"


@pytest.fixture
def fake(monkeypatch):
    fake = FakeAutomation.install(monkeypatch)
    fake.add_group(RG)
    fake.add_account(RG, AA)
    return fake


def run(monkeypatch, check_mode=False, **args):
    args.setdefault("resource_group", RG)
    args.setdefault("account", AA)
    args.setdefault("name", NAME)
    return run_module(monkeypatch, runbook.main, args, check_mode=check_mode, diff=True)


def methods(fake):
    return [(w[0], w[1].split("/runbooks/", 1)[-1]) for w in fake.writes]


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_and_publish(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, content=HELLO, description="hi", tags={"a": "b"})
    assert result["changed"] is True
    assert result["content_changed"] and result["published"]
    assert result["runbook"]["state"] == "Published"
    assert result["runbook"]["description"] == "hi"
    assert result["runbook"]["tags"] == {"a": "b"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["content"] == ["Write-Output 'hello'"]
    if check_mode:
        assert fake.writes == []
        return
    assert methods(fake) == [("PUT", NAME), ("PUT", NAME + "/draft/content"), ("POST", NAME + "/publish")]
    assert fake.writes[0][2] == {"name": NAME, "location": "westeurope", "tags": {"a": "b"}, "properties": {
        "runbookType": "PowerShell", "logProgress": False, "logVerbose": False, "draft": {}, "description": "hi"}}
    assert fake.runbooks[(account_id(RG, AA).lower(), NAME.lower())]["published"] == HELLO


def test_unchanged_content_is_compared_by_value(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, "Write-Output 'hello'\r\n\r\n")
    result = run(monkeypatch, content=HELLO)
    assert result["changed"] is False
    assert fake.writes == []
    assert result["diff"]["before"] == result["diff"]["after"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_changed_content_is_saved_and_published_with_a_line_diff(monkeypatch, fake, check_mode):
    fake.add_runbook(RG, AA, NAME, HELLO)
    result = run(monkeypatch, check_mode, content="Write-Output 'bye'\n")
    assert result["changed"] is True
    assert result["diff"]["before"]["content"] == ["Write-Output 'hello'"]
    assert result["diff"]["after"]["content"] == ["Write-Output 'bye'"]
    assert methods(fake) == ([] if check_mode else [("PUT", NAME + "/draft/content"), ("POST", NAME + "/publish")])


def test_publish_false_compares_with_the_draft(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, HELLO)
    result = run(monkeypatch, content="Write-Output 'draft'\n", publish=False)
    assert result["changed"] is True
    assert result["published"] is False
    assert methods(fake) == [("PUT", NAME + "/draft/content")]
    assert result["runbook"]["state"] == "Edit"
    again = run(monkeypatch, content="Write-Output 'draft'\n", publish=False)
    assert again["changed"] is False
    # publishing the same content afterwards needs no new draft, only the publish
    published = run(monkeypatch, content="Write-Output 'draft'\n")
    assert published["changed"] is True
    assert methods(fake)[-1] == ("POST", NAME + "/publish")
    assert methods(fake).count(("PUT", NAME + "/draft/content")) == 1


def test_a_never_published_runbook_is_published(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, HELLO, state="New")
    result = run(monkeypatch, content=HELLO)
    assert result["changed"] is True
    assert methods(fake) == [("POST", NAME + "/publish")]


@pytest.mark.parametrize("check_mode", [True, False])
def test_properties_and_tags_are_patched(monkeypatch, fake, check_mode):
    fake.add_runbook(RG, AA, NAME, HELLO, description="old")
    result = run(monkeypatch, check_mode, description="new", log_verbose=True, tags={"x": "y"})
    assert result["changed"] is True
    assert result["runbook"]["description"] == "new"
    assert result["runbook"]["log_verbose"] is True
    assert result["runbook"]["tags"] == {"x": "y"}
    expected = [("PATCH", RB_ID, {"properties": {"description": "new", "logVerbose": True}, "tags": {"x": "y"}})]
    assert fake.writes == ([] if check_mode else expected)
    assert run(monkeypatch, description="new", log_verbose=True, tags={"x": "y"})["changed"] is check_mode


@pytest.mark.parametrize("client_id", [None, CLIENT_ID])
def test_exchange_online_template(monkeypatch, fake, client_id):
    result = run(monkeypatch, template="exchange_online", organization="contoso.onmicrosoft.com",
                 managed_identity_client_id=client_id)
    assert result["changed"] is True
    assert result["lint"] == []
    content = fake.runbooks[(account_id(RG, AA).lower(), NAME.lower())]["published"]
    assert "Connect-ExchangeOnline -ManagedIdentity -Organization contoso.onmicrosoft.com" in content
    assert ("-ManagedIdentityAccountId " + CLIENT_ID in content) is bool(client_id)
    again = run(monkeypatch, template="exchange_online", organization="contoso.onmicrosoft.com",
                managed_identity_client_id=client_id)
    assert again["changed"] is False


def test_template_organization_from_the_environment(monkeypatch, fake):
    monkeypatch.setenv("EXO_ORGANIZATION", "fabrikam.onmicrosoft.com")
    run(monkeypatch, template="exchange_online")
    assert "-Organization fabrikam.onmicrosoft.com" in fake.writes[1][2]


@pytest.mark.parametrize("args,option,fragment", [
    ({"template": "exchange_online"}, "organization", "needs organization"),
    ({"template": "exchange_online", "organization": "contoso.onmicrosoft.com", "managed_identity_client_id": "abc"},
     "managed_identity_client_id", "is a GUID"),
    ({"src": "/nonexistent/file.ps1"}, "src", "does not exist"),
    ({"content": HELLO, "type": "Python99"}, "type",
     "is not PowerShell, PowerShell72 or a runtime environment of account aa-exo-automation (its runtime "
     "environments: exo-74)"),
    ({"content": HELLO, "name": "1-bad name"}, "name", "not a valid runbook name"),
    ({}, "content", "one of content, src or template is required"),
])
def test_bad_input_fails_before_any_write(monkeypatch, fake, args, option, fragment):
    monkeypatch.delenv("EXO_ORGANIZATION", raising=False)
    fake.add_environment(RG, AA, "exo-74")
    result = run(monkeypatch, **args)
    assert result["failed"]
    assert result["option"] == option
    assert fragment in result["msg"]
    assert fake.writes == []


def test_content_from_a_file(monkeypatch, fake, tmp_path):
    path = tmp_path / "Hello.ps1"
    path.write_bytes(b"\xef\xbb\xbfWrite-Output 'hello'\r\n")
    result = run(monkeypatch, src=str(path))
    assert result["changed"] is True
    assert run(monkeypatch, content=HELLO)["changed"] is False


def test_runtime_environment_type(monkeypatch, fake):
    fake.add_environment(RG, AA, "exo-74")
    result = run(monkeypatch, content=HELLO, type="EXO-74")
    assert result["runbook"]["type"] == "exo-74"
    assert fake.writes[0][2]["properties"]["runtimeEnvironment"] == "exo-74"
    assert fake.writes[0][2]["properties"]["runbookType"] == "PowerShell"
    assert run(monkeypatch, content=HELLO, type="exo-74")["changed"] is False


def test_the_runtime_environment_a_runbook_runs_on_is_not_read_again(monkeypatch, fake):
    fake.add_environment(RG, AA, "exo-74")
    run(monkeypatch, content=HELLO, type="exo-74")
    reads = []
    environments = fake.automation.runtime_environments
    monkeypatch.setattr(environments, "get", lambda *a: reads.append(a) or type(environments).get(environments, *a))
    assert run(monkeypatch, content=HELLO, type="EXO-74")["changed"] is False
    assert reads == []
    # another environment than the one it runs on is read (and refused: the type cannot change)
    fake.add_environment(RG, AA, "exo-76")
    result = run(monkeypatch, content=HELLO, type="exo-76")
    assert result["failed"] and result["option"] == "type" and len(reads) == 1


@pytest.mark.parametrize("have_type,have_env,wanted,ok", [
    ("PowerShell", None, "PowerShell", True),
    ("PowerShell", "PowerShell-5.1", "PowerShell", True),
    ("PowerShell72", None, "PowerShell72", True),
    ("PowerShell", "PowerShell-7.2", "PowerShell72", True),
    ("PowerShell", None, "PowerShell72", False),
    ("PowerShell", "exo-74", "PowerShell", False),
])
def test_type_cannot_change(monkeypatch, fake, have_type, have_env, wanted, ok):
    fake.add_runbook(RG, AA, NAME, HELLO, runbook_type=have_type, runtime_environment=have_env)
    result = run(monkeypatch, content=HELLO, type=wanted)
    if ok:
        assert result["changed"] is False
    else:
        assert result["failed"]
        assert result["option"] == "type"
        assert "cannot change" in result["msg"]


def test_lint_warns(monkeypatch, fake):
    result = run(monkeypatch, content="Connect-ExchangeOnline -ManagedIdentity -Organization x.onmicrosoft.com\n"
                                      "Write-Host 'x'\n")
    assert len(result["lint"]) == 2
    assert any("Write-Host" in w for w in result["warnings"])
    quiet = run(monkeypatch, name="Other", content="Write-Host 'x'\n", lint=False)
    assert quiet["lint"] == []


BAD = "Connect-ExchangeOnline -ManagedIdentity\nWrite-Host 'x'\n"


@pytest.mark.parametrize("check_mode", [False, True])
@pytest.mark.parametrize("existing", [False, True])
def test_lint_error_refuses_errors_and_writes_nothing(monkeypatch, fake, check_mode, existing):
    if existing:
        fake.add_runbook(RG, AA, NAME, HELLO)
    result = run(monkeypatch, check_mode, content=BAD, lint="error")
    assert result["failed"]
    assert result["option"] == "lint"
    assert "nothing was written" in result["msg"] and "EXO002" in result["msg"]
    assert [f["rule"] for f in result["lint_findings"]] == ["EXO002", "EXO008", "EXO007"]
    assert fake.writes == []
    if existing:
        assert fake.runbooks[(account_id(RG, AA).lower(), NAME.lower())]["published"] == HELLO


def test_lint_error_uploads_a_runbook_with_warnings_only(monkeypatch, fake):
    result = run(monkeypatch, content="Write-Host 'x'\n", lint="error")
    assert result["changed"] is True
    assert [f["rule"] for f in result["lint_findings"]] == ["EXO007"]
    assert any("EXO007" in w for w in result["warnings"])


def test_lint_warn_returns_findings_and_warnings(monkeypatch, fake):
    result = run(monkeypatch, content=BAD)
    assert result["changed"] is True
    assert [f["rule"] for f in result["lint_findings"]] == ["EXO002", "EXO008", "EXO007"]
    assert len(result["lint"]) == 3 and result["lint"][0].startswith("line 1: EXO002 error")
    assert sum("runbook %s: line" % NAME in w for w in result["warnings"]) == 3
    f = result["lint_findings"][0]
    assert f["fix"] and f["link"].startswith("https://learn.microsoft.com/") and f["line"] == 1


def test_lint_notes_are_returned_but_not_warned(monkeypatch, fake):
    text = "Connect-ExchangeOnline -ManagedIdentity -Organization x.onmicrosoft.com\nDisconnect-ExchangeOnline\n"
    result = run(monkeypatch, content=text)
    assert [f["rule"] for f in result["lint_findings"]] == ["EXO009"]
    assert result["lint"] == [] and not result.get("warnings")


@pytest.mark.parametrize("value", ["off", False])
def test_lint_off(monkeypatch, fake, value):
    result = run(monkeypatch, content=BAD, lint=value)
    assert result["changed"] is True
    assert result["lint"] == [] and result["lint_findings"] == []
    assert not result.get("warnings")


def test_template_content_is_lint_clean(monkeypatch, fake):
    result = run(monkeypatch, template="exchange_online", organization="contoso.onmicrosoft.com", lint="error",
                 managed_identity_client_id=CLIENT_ID)
    assert result["changed"] is True and result["lint_findings"] == []


def test_test_before_publish_publishes_when_the_test_completes(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, HELLO)
    fake.job_outcome = lambda rb, content, params: ("Completed", None, [("Output", "ok " + params.get("Name", ""))])
    result = run(monkeypatch, content="param([string]$Name)\nWrite-Output $Name\n", test_before_publish=True,
                 test_parameters={"Name": "Adele"})
    assert result["changed"] is True
    assert result["test_job"]["status"] == "Completed"
    assert result["test_job"]["output"] == ["ok Adele"]
    assert methods(fake) == [("PUT", NAME + "/draft/content"), ("PUT", NAME + "/draft/testJob"),
                             ("POST", NAME + "/publish")]


@pytest.mark.parametrize("outcome", [
    ("Failed", "The term 'Connect-ExchangeOnline' is not recognized as the name of a cmdlet", []),
    ("Completed", None, [("Error", "something went wrong")]),
])
def test_failing_test_job_keeps_the_draft_unpublished(monkeypatch, fake, outcome):
    fake.add_runbook(RG, AA, NAME, HELLO)
    fake.job_outcome = lambda rb, content, params: outcome
    result = run(monkeypatch, content="Write-Output 'new'\n", test_before_publish=True)
    assert result["failed"]
    assert "not published" in result["msg"]
    assert ("POST", NAME + "/publish") not in methods(fake)
    assert result["details"]["test_job"]["status"] == outcome[0]
    if outcome[1]:
        assert "ExchangeOnlineManagement is not imported" in result["msg"]
    assert fake.runbooks[(account_id(RG, AA).lower(), NAME.lower())]["published"] == HELLO


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    fake.add_runbook(RG, AA, NAME, HELLO)
    result = run(monkeypatch, check_mode, state="absent")
    assert result["changed"] is True
    assert result["diff"]["after"] == {}
    assert fake.writes == ([] if check_mode else [("DELETE", RB_ID, None)])
    assert run(monkeypatch, check_mode, state="absent")["changed"] is check_mode


def test_check_mode_on_a_missing_account_warns_and_predicts(monkeypatch, fake):
    result = run(monkeypatch, True, account="aa-not-yet-there", content=HELLO, type="exo-74")
    assert result["changed"] is True
    assert result["runbook"]["runtime_environment"] == "exo-74"
    assert any("does not exist" in w for w in result["warnings"])


def test_info_with_content(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, HELLO, state="Edit", draft="Write-Output 'draft'\n")
    fake.add_runbook(RG, AA, "Another", HELLO)
    args = {"resource_group": RG, "account": AA}
    listed = run_module(monkeypatch, runbook_info.main, args)
    assert [r["name"] for r in listed["runbooks"]] == ["Another", NAME]
    assert "content" not in listed["runbooks"][0]
    one = run_module(monkeypatch, runbook_info.main, dict(args, name=NAME, include_content=True))
    assert one["runbooks"][0]["content"] == HELLO
    assert one["runbooks"][0]["draft_content"] == "Write-Output 'draft'\n"
    assert run_module(monkeypatch, runbook_info.main, dict(args, name="Missing"))["runbooks"] == []


@pytest.mark.parametrize("args", [
    dict(content=HELLO, description="hi", tags={"a": "b"}, log_verbose=True),
    dict(content=HELLO, publish=False),
    dict(content=HELLO, type="exo-74"),
])
def test_check_mode_predicts_what_a_real_run_returns(monkeypatch, fake, args):
    fake.add_environment(RG, AA, "exo-74")
    predicted = run(monkeypatch, True, **args)
    assert fake.writes == []
    done = run(monkeypatch, **args)
    for key in ("changed", "content_changed", "published", "lint"):
        assert predicted[key] == done[key], key
    assert sorted(predicted["runbook"]) == sorted(done["runbook"])
    for key in ("id", "name", "type", "runbook_type", "runtime_environment", "state", "description",
                "log_progress", "log_verbose", "tags", "location", "content_sha256"):
        assert predicted["runbook"][key] == done["runbook"][key], key
    assert predicted["diff"] == done["diff"]


@pytest.mark.parametrize("check_mode", [True, False])
def test_an_update_of_an_existing_runbook_is_predicted(monkeypatch, fake, check_mode):
    fake.add_runbook(RG, AA, NAME, HELLO, description="old")
    result = run(monkeypatch, check_mode, content="Write-Output 'bye'\n", publish=False, description="new")
    assert result["changed"] is True and result["content_changed"] is True and result["published"] is False
    assert result["runbook"]["state"] == "Edit"
    assert result["runbook"]["description"] == "new"
    assert result["diff"]["before"]["content"] == ["Write-Output 'hello'"]
    assert result["diff"]["after"]["content"] == ["Write-Output 'bye'"]
    expected = [("PATCH", NAME), ("PUT", NAME + "/draft/content")]
    assert methods(fake) == ([] if check_mode else expected)


def test_a_property_change_leaves_an_unpublished_draft_alone(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, HELLO, state="Edit", draft="Write-Output 'work in progress'\n")
    result = run(monkeypatch, content=HELLO, description="new")
    assert result["changed"] is True
    assert result["content_changed"] is False and result["published"] is False
    assert methods(fake) == [("PATCH", NAME)]
    assert fake.runbooks[(account_id(RG, AA).lower(), NAME.lower())]["draft"] == "Write-Output 'work in progress'\n"


def test_absent_without_the_runbook(monkeypatch, fake):
    result = run(monkeypatch, state="absent")
    assert result["changed"] is False
    assert result["runbook"] == {}
    assert (result["content_changed"], result["published"], result["lint"]) == (False, False, [])
    assert result["diff"] == {"before": {}, "after": {}}


def test_the_published_content_as_declared_writes_nothing_even_with_another_draft(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, HELLO, state="Edit", draft="Write-Output 'work in progress'\n")
    result = run(monkeypatch, content=HELLO)
    assert result["changed"] is False
    assert fake.writes == []
    assert result["diff"]["before"] == result["diff"]["after"]


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("blank", ["", "   \n\t\r\n"])
def test_an_empty_script_is_refused_before_anything_is_written(monkeypatch, fake, tmp_path, check_mode, blank):
    fake.add_runbook(RG, AA, NAME, HELLO)
    result = run(monkeypatch, check_mode, content=blank)
    assert result["failed"] and result["option"] == "content"
    assert "the script of runbook %s is empty" % NAME in result["msg"]
    assert "allow_empty_content=true" in result["msg"]
    empty = tmp_path / "empty.ps1"
    empty.write_text(blank)
    result = run(monkeypatch, check_mode, src=str(empty))
    assert result["failed"] and result["option"] == "src" and str(empty) in result["msg"]
    assert fake.writes == []


def test_an_empty_script_is_saved_when_allowed(monkeypatch, fake):
    fake.add_runbook(RG, AA, NAME, HELLO)
    result = run(monkeypatch, content="", allow_empty_content=True)
    assert result["changed"] is True and result["content_changed"] is True


def run_many(monkeypatch, runbooks, check_mode=False, **args):
    args.update(resource_group=RG, account=AA, runbooks=runbooks)
    return run_module(monkeypatch, runbook.main, args, check_mode=check_mode, diff=True)


TWO = [{"name": "First-Runbook", "content": HELLO}, {"name": "Second-Runbook", "template": "exchange_online"}]


@pytest.mark.parametrize("check_mode", [True, False])
def test_several_runbooks_in_one_task_with_the_task_options_as_defaults(monkeypatch, fake, check_mode):
    result = run_many(monkeypatch, TWO, check_mode, organization="contoso.onmicrosoft.com", tags={"team": "m"},
                      description="managed")
    assert result["changed"] is True
    assert [(r["name"], r["changed"], r["published"]) for r in result["runbooks"]] == [
        ("First-Runbook", True, True), ("Second-Runbook", True, True)]
    assert [r["runbook"]["tags"] for r in result["runbooks"]] == [{"team": "m"}] * 2
    assert result["runbooks"][1]["runbook"]["description"] == "managed"
    # --diff shows one diff per runbook, headed with its name; the last entry is also the task's result
    assert [d["after_header"] for d in result["diff"]] == ["runbook First-Runbook", "runbook Second-Runbook"]
    assert result["diff"][0]["after"]["content"] == ["Write-Output 'hello'"]
    assert result["runbook"]["name"] == "Second-Runbook"
    if check_mode:
        assert fake.writes == []
        return
    published = fake.runbooks[(account_id(RG, AA).lower(), "second-runbook")]["published"]
    assert "-Organization contoso.onmicrosoft.com" in published
    assert methods(fake) == [("PUT", "First-Runbook"), ("PUT", "First-Runbook/draft/content"),
                             ("POST", "First-Runbook/publish"), ("PUT", "Second-Runbook"),
                             ("PUT", "Second-Runbook/draft/content"), ("POST", "Second-Runbook/publish")]
    again = run_many(monkeypatch, TWO, organization="contoso.onmicrosoft.com", tags={"team": "m"},
                     description="managed")
    assert again["changed"] is False and [r["changed"] for r in again["runbooks"]] == [False, False]
    assert len(fake.writes) == 6


def test_an_entry_overrides_the_task_options(monkeypatch, fake):
    fake.add_runbook(RG, AA, "First-Runbook", HELLO)
    result = run_many(monkeypatch, [{"name": "First-Runbook", "tags": {"x": "y"}, "publish": False},
                                    {"name": "Second-Runbook", "content": HELLO, "state": "absent"}],
                      content="Write-Output 'task'\n", tags={"team": "m"})
    first, second = result["runbooks"]
    assert first["runbook"]["tags"] == {"x": "y"}  # the entry's tags, not merged with the task's
    assert first["published"] is False  # publish=false: the task's content is saved as a draft only
    assert second["changed"] is False and second["runbook"] == {}  # absent, and it did not exist


def test_an_entry_that_is_wrong_fails_before_anything_is_written(monkeypatch, fake):
    # the second entry's lint error is found before the first entry is written
    result = run_many(monkeypatch, [TWO[0], {"name": "Bad-Runbook", "content": BAD, "lint": "error"}])
    assert result["failed"] is True and result["option"] == "lint" and "Bad-Runbook" in result["msg"]
    assert fake.writes == []
    assert result["runbooks"] == [] and result["name"] == "Bad-Runbook"  # the entry that failed
    sources = run_many(monkeypatch, [{"name": "X-Runbook", "content": HELLO, "template": "exchange_online"}])
    assert sources["failed"] is True and sources["option"] == "runbooks" and "only one of" in sources["msg"]
    twice = run_many(monkeypatch, TWO + [{"name": "first-runbook", "content": HELLO}])
    assert twice["failed"] is True and twice["option"] == "runbooks" and "first-runbook" in twice["msg"]
    empty = run_many(monkeypatch, [])
    assert empty["failed"] is True and empty["option"] == "runbooks"
    both = run_module(monkeypatch, runbook.main, {"resource_group": RG, "account": AA, "name": NAME,
                                                  "runbooks": TWO})
    assert both["failed"] is True and "mutually exclusive" in both["msg"]
    neither = run_module(monkeypatch, runbook.main, {"resource_group": RG, "account": AA, "content": HELLO})
    assert neither["failed"] is True and "name" in neither["msg"] and "runbooks" in neither["msg"]
    assert fake.writes == []


def test_a_failed_entry_returns_the_runbooks_done_before_it(monkeypatch, fake):
    runbooks = fake.automation.runbook
    real = runbooks.begin_publish

    def publish(rg, account, name):
        if name == "Second-Runbook":
            raise HttpResponseError("Conflict: runbook Second-Runbook is being edited")
        return real(rg, account, name)

    monkeypatch.setattr(runbooks, "begin_publish", publish)
    result = run_many(monkeypatch, TWO, organization="contoso.onmicrosoft.com")
    assert result["failed"] is True
    assert [r["name"] for r in result["runbooks"]] == ["First-Runbook"]
    assert result["name"] == "Second-Runbook" and "being edited" in result["msg"]


def test_the_account_is_read_once_for_every_new_runbook_of_the_task(monkeypatch, fake):
    accounts = fake.automation.automation_account
    real, reads = accounts.get, []

    def get(rg, name):
        reads.append(name)
        return real(rg, name)

    monkeypatch.setattr(accounts, "get", get)
    result = run_many(monkeypatch, TWO, organization="contoso.onmicrosoft.com")
    assert [r["changed"] for r in result["runbooks"]] == [True, True]
    assert reads == [AA]


def test_check_mode_warns_once_about_a_missing_account(monkeypatch, fake):
    result = run_module(monkeypatch, runbook.main, {"resource_group": RG, "account": "aa-not-yet-created",
                                                    "runbooks": TWO, "organization": "contoso.onmicrosoft.com"},
                        check_mode=True, diff=True)
    assert result["changed"] is True and fake.writes == []
    assert len([w for w in result["warnings"] if "does not exist" in w]) == 1
