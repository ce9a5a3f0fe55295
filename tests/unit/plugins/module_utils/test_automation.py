# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import automation as au
from ansible_collections.m365.exo_automation.plugins.module_utils import runbook_lint as rl
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError


from ansible_collections.m365.exo_automation.tests.unit.utils import FakeClock as Clock  # noqa: E402


def reads(*states, **extra):
    """A read() that returns module dicts with the given provisioning states, the last one repeated."""
    items = [{"name": "M", "properties": dict({"provisioningState": s}, **extra)} for s in states]

    def read():
        return items.pop(0) if len(items) > 1 else items[0]

    return read


# -- versions and sources ---------------------------------------------------------------------------
@pytest.mark.parametrize("value,expected", [
    ("latest", "latest"), ("Latest", "latest"), ("3.4.0", "3.4.0"), ("1", "1"), ("1.0.0.1", "1.0.0.1"),
    ("3.5.0-Preview1", "3.5.0-Preview1"), (" 2.2.5 ", "2.2.5"),
])
def test_check_version_accepts(value, expected):
    assert au.check_version(value) == expected


@pytest.mark.parametrize("value", ["v1", "1.2.3.4.5", "", None, "1..2", "newest", "1.0-"])
def test_check_version_rejects_with_option_name(value):
    with pytest.raises(ModuleError) as err:
        au.check_version(value, "packages[1].version")
    assert err.value.option == "packages[1].version"
    assert "is not a version: use latest or a version such as 3.4.0" in err.value.message


@pytest.mark.parametrize("a,b,same", [
    ("3.4.0", "3.4.0.0", True), ("3.4", "3.4.0", True), ("3.4.0", "3.4.1", False),
    ("3.5.0-Preview1", "3.5.0-preview1", True), ("3.5.0-Preview1", "3.5.0", False), (None, "1.0", False),
])
def test_same_version(a, b, same):
    assert au.same_version(a, b) is same


def test_package_uri_gallery_feed_and_latest():
    assert au.package_uri("ExchangeOnlineManagement", "3.4.0") == \
        "https://www.powershellgallery.com/api/v2/package/ExchangeOnlineManagement/3.4.0"
    assert au.package_uri("ExchangeOnlineManagement", "latest") == \
        "https://www.powershellgallery.com/api/v2/package/ExchangeOnlineManagement"
    assert au.package_uri("Contoso.Tools", "1.0", "https://nuget.contoso.com/api/v2/") == \
        "https://nuget.contoso.com/api/v2/package/Contoso.Tools/1.0"


def test_content_link_from_feed_and_from_link():
    assert au.content_link("X", "1.0") == {
        "uri": "https://www.powershellgallery.com/api/v2/package/X/1.0", "version": "1.0"}
    assert au.content_link("X", "latest") == {"uri": "https://www.powershellgallery.com/api/v2/package/X"}
    link = au.content_link("X", "1.0", link={"uri": "https://store.example/x.zip", "hash": "AB",
                                             "hash_algorithm": "SHA256"})
    assert link == {"uri": "https://store.example/x.zip", "contentHash": {"algorithm": "SHA256", "value": "AB"},
                    "version": "1.0"}


@pytest.mark.parametrize("source", ["http://feed.example/api/v2", "feed.example", "ftp://x/y"])
def test_content_link_rejects_non_https_sources(source):
    with pytest.raises(ModuleError) as err:
        au.content_link("X", "1.0", source)
    assert err.value.option == "source"
    assert "not an https URL" in err.value.message


# -- import decisions ---------------------------------------------------------------------------------
def module(state="Succeeded", version="3.4.0", **props):
    return {"name": "ExchangeOnlineManagement",
            "properties": dict({"provisioningState": state, "version": version}, **props)}


@pytest.mark.parametrize("current,version,needed,reason", [
    (None, "latest", True, "not imported"),
    (module(), "latest", False, "version 3.4.0 is imported"),
    (module(), "3.4.0.0", False, "version 3.4.0 is imported"),
    (module(), "3.5.0", True, "version 3.4.0 is imported, 3.5.0 wanted"),
    (module("Failed", None, error={"message": "boom"}), "latest", True, "the last import ended Failed: boom"),
    (module("Creating", None), "latest", False, "an import is in progress (Creating)"),
    (module("Creating", None, contentLink={"version": "3.5.0"}), "3.5.0", False,
     "an import is in progress (Creating)"),
    (module("Creating", None), "3.5.0", True, "an import of another version is in progress (Creating)"),
    (module("Created", "1.0.0.1", isGlobal=True), "latest", True,
     "only the built-in global module (version 1.0.0.1) is present"),
    (module("Created", "1.0.0.1", isGlobal=True), "1.0.0.1", False, "the built-in module has version 1.0.0.1"),
    (module(default=True), "3.5.0", False, "a default package of the runtime environment"),
])
def test_import_needed(current, version, needed, reason):
    assert au.import_needed(current, version) == (needed, reason)


def test_import_needed_in_progress_with_same_link():
    current = module("ContentDownloaded", None, contentLink={"uri": "https://f/package/X/2.0"})
    assert au.import_needed(current, "2.0.1", uri="https://f/package/X/2.0")[0] is False


def test_force_reimports():
    assert au.import_needed(module(), "latest", force=True) == (True, "force=true")


# -- waiting for imports --------------------------------------------------------------------------------
def test_wait_for_import_polls_until_succeeded():
    clock = Clock()
    result = au.wait_for_import(reads("Creating", "ContentValidated", "Succeeded"), "module M", 60,
                                clock=clock)
    assert result["properties"]["provisioningState"] == "Succeeded"
    assert len(clock.sleeps) == 2 and 1.5 <= sum(clock.sleeps) <= 3.0


def test_wait_for_import_fails_with_azures_text_and_dependency_hint():
    clock = Clock()
    read = reads("Creating", "Failed", error={"code": "ModuleImportFailed",
                                              "message": "Module requires PackageManagement 1.4.8.1"})
    with pytest.raises(ModuleError) as err:
        au.wait_for_import(read, "module ExchangeOnlineManagement", 60, clock=clock)
    assert "ended Failed: Module requires PackageManagement 1.4.8.1" in err.value.message
    assert err.value.code == "ModuleImportFailed"
    assert "PackageManagement, then PowerShellGet, then ExchangeOnlineManagement" in err.value.hint


def test_wait_for_import_times_out():
    clock = Clock()
    with pytest.raises(ModuleError) as err:
        au.wait_for_import(reads("Creating"), "module M", 20, clock=clock)
    assert "still Creating after 20 s" in err.value.message
    assert sum(clock.sleeps) <= 20


# -- runbook content ------------------------------------------------------------------------------------
def test_content_compared_by_value():
    assert au.same_content("\ufeffa\r\nb\r\n\r\n", "a\nb")
    assert not au.same_content("a\nb", "a\nB")
    assert not au.same_content("a", None)
    assert au.content_lines("a\r\nb\n\n") == ["a", "b"]
    assert au.content_sha256("x\r\n") == au.content_sha256("x")


def test_read_text_accepts_sdk_shapes():
    assert au.read_text("x") == "x"
    assert au.read_text(b"\xef\xbb\xbfx") == "x"
    assert au.read_text(iter([b"a", b"b"])) == "ab"
    assert au.read_text(None) is None


@pytest.mark.parametrize("client_id,fragment", [
    (None, "Connect-ExchangeOnline -ManagedIdentity -Organization contoso.onmicrosoft.com\n"),
    ("bf6dcc76-4331-4942-8d50-87ea41d6e8a1",
     "Connect-ExchangeOnline -ManagedIdentity -Organization contoso.onmicrosoft.com "
     "-ManagedIdentityAccountId bf6dcc76-4331-4942-8d50-87ea41d6e8a1\n"),
])
def test_exchange_online_template(client_id, fragment):
    text = au.render_template("exchange_online", "Contoso.onmicrosoft.com", client_id)
    assert fragment in text
    assert "Get-AcceptedDomain" in text
    assert "finally {\n    Disconnect-ExchangeOnline" in text
    assert "Write-Output" in text
    assert rl.lint_text(text) == []


def test_template_needs_an_organization():
    with pytest.raises(ModuleError) as err:
        au.render_template("exchange_online", None)
    assert err.value.option == "organization"
    with pytest.raises(ModuleError) as err:
        au.render_template("exchange_online", "not a domain")
    assert err.value.option == "organization"


# -- jobs ---------------------------------------------------------------------------------------------------
def test_job_parameters_are_strings():
    assert au.job_parameters({"a": "x", "b": 1, "c": True, "d": ["x"], "e": None}) == \
        {"a": "x", "b": "1", "c": "true", "d": '["x"]'}


def test_check_job_parameters():
    declared = {"Mailbox": {"isMandatory": True}, "Archive": {"isMandatory": False}}
    au.check_job_parameters(declared, {"mailbox": "x"}, "rb")
    with pytest.raises(ModuleError) as err:
        au.check_job_parameters(declared, {"Archive": "x"}, "rb")
    assert "needs the mandatory parameter Mailbox" in err.value.message
    assert err.value.option == "parameters"
    with pytest.raises(ModuleError) as err:
        au.check_job_parameters(declared, {"Mailbox": "x", "Other": "y"}, "rb")
    assert "has no parameter Other; it takes Archive, Mailbox" in err.value.message
    # parameters not reported: names are left to Azure
    au.check_job_parameters(None, {"Other": "y"}, "rb")
    # a runbook that declares no parameter takes none: a job, schedule link or webhook with one would always fail
    with pytest.raises(ModuleError) as err:
        au.check_job_parameters({}, {"Other": "y"}, "rb")
    assert "runbook rb has no parameter Other; it takes no parameters" in err.value.message


def test_wait_for_job_returns_terminal_or_times_out():
    clock = Clock()
    states = [{"properties": {"status": s}} for s in ("New", "Running", "Completed")]
    job, timed_out = au.wait_for_job(lambda: states.pop(0), 60, clock=clock)
    assert (au.job_status(job), timed_out) == ("Completed", False)
    clock = Clock()
    job, timed_out = au.wait_for_job(lambda: {"properties": {"status": "Running"}}, 5, clock=clock)
    assert timed_out is True
    assert au.job_status({"status": "Failed"}) == "Failed"


def test_read_streams_reads_full_text_only_for_wanted_kinds():
    items = [
        {"id": "/x/streams/1", "properties": {"streamType": "Output", "summary": "sum"}},
        {"id": "/x/streams/2", "properties": {"jobStreamId": "2", "streamType": "Warning", "summary": "w"}},
        {"id": "/x/streams/3", "properties": {"jobStreamId": "3", "streamType": "Verbose", "summary": "v"}},
        {"properties": {"streamType": "Error", "streamText": "err\r\nline 2"}},
    ]
    texts = {"1": "a\nb\n", "2": None}
    asked = []

    def get(sid):
        asked.append(sid)
        return {"properties": {"streamText": texts.get(sid)}}

    out = au.read_streams(items, get, ["output", "warning", "error"])
    assert out == {"output": ["a", "b"], "warnings": ["w"], "errors": ["err", "line 2"]}
    assert asked == ["1", "2"]


@pytest.mark.parametrize("text,fragment", [
    ("The role assigned to application 1234 isn't supported in this scenario.", "no Entra role"),
    ("The requested identity has not been assigned to this resource.", "not attached to the Automation account"),
    ("Failed to acquire a token for the managed identity: the Automation account has no system-assigned managed "
     "identity. The requested identity has not been assigned to this resource.", "has no system-assigned identity"),
    ("The term 'Connect-ExchangeOnline' is not recognized as the name of a cmdlet", "ExchangeOnlineManagement is not"),
    ("The term 'Get-Foo' is not recognized as the name of a cmdlet", "A command the runbook uses"),
    ("UnAuthorized. AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found.", "-Organization value"),
    ("UnAuthorized", "Exchange.ManageAsApp app role"),
    ("AADSTS700016: Application with identifier 'x' was not found in the directory", "replicated"),
    ("Cannot process command because of one or more missing mandatory parameters: Mailbox.", "parameters option"),
    ("Cannot bind argument to parameter 'ServicePrincipalId' because it is an empty string.", "lookup returned"),
])
def test_job_hints_for_field_errors(text, fragment):
    assert fragment in au.job_hint(text)


def test_no_hint_for_unknown_text():
    assert au.job_hint("something else", None) is None
    assert au.job_hint(None) is None


def test_facts_shapes():
    job = {"id": "/j/1", "name": "1",
           "properties": {"jobId": "g", "runbook": {"name": "rb"}, "status": "Completed", "runOn": "",
                          "jobRuntimeEnvironment": {"runtimeEnvironmentName": "e"}}}
    facts = au.job_facts(job)
    assert facts["runbook"] == "rb" and facts["run_on"] is None and facts["runtime_environment"] == "e"
    rb = {"name": "rb", "properties": {"runbookType": "PowerShell", "runtimeEnvironment": "exo-74", "state": "Edit"}}
    assert au.runbook_facts(rb, content="x")["type"] == "exo-74"
    assert au.runbook_facts(rb, content="x")["content_sha256"] == au.content_sha256("x")
    assert au.import_facts(None) is None
