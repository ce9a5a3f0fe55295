"""Module and package imports end by what their content link points to: the built-in PowerShell Gallery catalogue,
the emulator's own NuGet v2 feed, and URLs registered through ``POST /_emulator/packages``."""
import io
import json
import urllib.request
import zipfile

import pytest

from tests.emulator import feed

from .helpers import arm, credential, raw, sdk_kwargs

RG, ACCOUNT = "rg-feed", "aa-feed"
GALLERY = "https://www.powershellgallery.com/api/v2/package"
BLOB = "https://contoso.blob.core.windows.net/m/Contoso.Tools.zip"
MISSING_PREFIX = ("Orchestrator.Shared.AsyncModuleImport.ModuleImportException: Failure processing module import "
                  "runbook while getting module content. Error: The remote server returned an error: (404) Not Found.")
STRUCTURE = ("Orchestrator.Shared.AsyncModuleImport.ModuleImportException: Cannot import the module of name {}, as "
             "the module structure was invalid.")


@pytest.fixture
def sub(emulator):
    return emulator.health["subscription_id"]


@pytest.fixture
def client(emulator_env, emulator, sub):
    from azure.mgmt.automation import AutomationClient

    status, _h, body = arm(emulator, "PUT", f"/subscriptions/{sub}/resourceGroups/{RG}", {"location": "westeurope"})
    assert status in (200, 201), body
    status, _h, body = arm(emulator, "PUT", f"/subscriptions/{sub}/resourceGroups/{RG}/providers/Microsoft.Automation/"
                                            f"automationAccounts/{ACCOUNT}", {"location": "westeurope"})
    assert status in (200, 201), body
    return AutomationClient(credential(emulator), sub, **sdk_kwargs(emulator))


def register(emulator, **body):
    status, _h, out = raw(emulator, "POST", "/_emulator/packages", json.dumps(body).encode(),
                          {"Content-Type": "application/json"})
    return status, out


def import_module(client, name, uri):
    client.module.create_or_update(RG, ACCOUNT, name, {"properties": {"contentLink": {"uri": uri}}})
    return client.module.get(RG, ACCOUNT, name).properties


def newest(name):
    return max(feed.CATALOGUE[name], key=feed.version_key)


# -- the PowerShell Gallery catalogue ------------------------------------------------------------------------------
def test_catalogue_holds_what_the_collection_imports():
    assert newest("ExchangeOnlineManagement").startswith("3.")
    assert {"3.4.0", "3.5.1", "3.7.2"} <= set(feed.CATALOGUE["ExchangeOnlineManagement"])
    assert newest("PackageManagement") == "1.4.8.1"
    assert newest("PowerShellGet") == "2.2.5"
    assert {"Microsoft.Graph.Authentication", "Az.Accounts"} <= set(feed.CATALOGUE)


def test_gallery_link_without_version_imports_the_newest(client):
    props = import_module(client, "ExchangeOnlineManagement", f"{GALLERY}/ExchangeOnlineManagement")
    assert (props.provisioning_state, props.version) == ("Succeeded", newest("ExchangeOnlineManagement"))


def test_gallery_names_are_case_insensitive_and_versions_normalized(client):
    props = import_module(client, "PowerShellGet", f"{GALLERY}/powershellget/2.2.5.0")
    assert (props.provisioning_state, props.version) == ("Succeeded", "2.2.5")


def test_gallery_version_that_does_not_exist_fails_like_azure(client):
    uri = f"{GALLERY}/ExchangeOnlineManagement/9.9.9"
    props = import_module(client, "ExchangeOnlineManagement", uri)
    assert props.provisioning_state == "Failed" and props.version is None
    assert props.error.code == "ModuleImportFailed"
    assert props.error.message.startswith(MISSING_PREFIX) and uri in props.error.message


def test_gallery_package_that_does_not_exist_fails(client):
    props = import_module(client, "Contoso.Nothing", f"{GALLERY}/Contoso.Nothing/1.0.0")
    assert props.provisioning_state == "Failed" and props.error.message.startswith(MISSING_PREFIX)


def test_gallery_cdn_link_resolves(client):
    props = import_module(client, "PackageManagement",
                          "https://psg-prod-eastus.azureedge.net/packages/packagemanagement.1.4.8.1.nupkg")
    assert (props.provisioning_state, props.version) == ("Succeeded", "1.4.8.1")


# -- blobs and other URLs ------------------------------------------------------------------------------------------
def test_unregistered_blob_fails_then_registered_blob_succeeds(emulator, client):
    props = import_module(client, "Contoso.Tools", BLOB)
    assert props.provisioning_state == "Failed" and props.error.message.startswith(MISSING_PREFIX)
    status, out = register(emulator, uri=BLOB, name="Contoso.Tools", version="1.2.0", valid=True)
    assert status == 201 and out["source"] == "uri"
    props = import_module(client, "Contoso.Tools", BLOB + "?sv=2022-11-02&sig=abc")  # a SAS token does not matter
    assert (props.provisioning_state, props.version) == ("Succeeded", "1.2.0")


def test_registered_package_without_manifest_fails_with_azures_text(emulator, client):
    register(emulator, uri=BLOB, version="1.0.0", valid=False)  # name from the file name
    props = import_module(client, "Contoso.Tools", BLOB)
    assert props.provisioning_state == "Failed"
    assert props.error.message == STRUCTURE.format("Contoso.Tools")


def test_package_of_another_name_fails(emulator, client):
    register(emulator, uri=BLOB, name="Contoso.Tools", version="1.0.0")
    props = import_module(client, "Contoso.Other", BLOB)
    assert props.provisioning_state == "Failed" and props.error.message == STRUCTURE.format("Contoso.Other")


def test_failing_modules_setting_still_fails_a_valid_package(emulator, client):
    emulator.settings(failing_modules=["ExchangeOnlineManagement"])
    props = import_module(client, "ExchangeOnlineManagement", f"{GALLERY}/ExchangeOnlineManagement/3.7.2")
    assert props.provisioning_state == "Failed"
    assert props.error.message == STRUCTURE.format("ExchangeOnlineManagement")


def test_runtime_environment_packages_resolve_the_same_way(emulator, client):
    client.runtime_environments.create(RG, ACCOUNT, "exo-7-4", {
        "location": "westeurope", "properties": {"runtime": {"language": "PowerShell", "version": "7.4"}}})
    client.package.create_or_update(RG, ACCOUNT, "exo-7-4", "ExchangeOnlineManagement",
                                    {"properties": {"contentLink": {"uri": f"{GALLERY}/ExchangeOnlineManagement"}}})
    client.package.create_or_update(RG, ACCOUNT, "exo-7-4", "Contoso.Tools",
                                    {"properties": {"contentLink": {"uri": BLOB}}})
    got = {p.name: p.properties for p in client.package.list_by_runtime_environment(RG, ACCOUNT, "exo-7-4")}
    assert got["ExchangeOnlineManagement"].version == newest("ExchangeOnlineManagement")
    assert got["Contoso.Tools"].provisioning_state == "Failed"


# -- the emulator's feed -------------------------------------------------------------------------------------------
def test_emulator_feed_serves_registered_packages(emulator, client):
    status, out = register(emulator, name="Contoso.Tools", version="2.0.0")
    assert status == 201 and out["uri"] == f"{emulator.url}/_emulator/feed/api/v2/package/Contoso.Tools/2.0.0"
    register(emulator, name="Contoso.Tools", version="2.1.0")
    props = import_module(client, "Contoso.Tools", f"{emulator.url}/_emulator/feed/api/v2/package/contoso.tools")
    assert (props.provisioning_state, props.version) == ("Succeeded", "2.1.0")
    props = import_module(client, "Contoso.Tools", out["uri"])
    assert props.version == "2.0.0"
    # the feed mirrors the gallery catalogue too
    props = import_module(client, "PowerShellGet", f"{emulator.url}/_emulator/feed/api/v2/package/PowerShellGet/2.2.5")
    assert props.version == "2.2.5"
    # a package only on the feed is not in the PowerShell Gallery
    props = import_module(client, "Contoso.Tools", f"{GALLERY}/Contoso.Tools/2.0.0")
    assert props.provisioning_state == "Failed"


def test_feed_download_is_a_nupkg(emulator):
    register(emulator, name="Contoso.Tools", version="1.0.0")
    register(emulator, name="Contoso.Empty", version="1.0.0", valid=False)
    with urllib.request.urlopen(emulator.url + "/_emulator/feed/api/v2/package/Contoso.Tools/1.0.0",
                                context=emulator._ctx) as resp:
        assert resp.headers["Content-Type"] == "application/zip"
        assert "contoso.tools.1.0.0.nupkg" in resp.headers["Content-Disposition"]
        files = zipfile.ZipFile(io.BytesIO(resp.read())).namelist()
    assert {"Contoso.Tools.nuspec", "Contoso.Tools.psd1"} <= set(files)
    with urllib.request.urlopen(emulator.url + "/_emulator/feed/api/v2/package/Contoso.Empty",
                                context=emulator._ctx) as resp:
        files = zipfile.ZipFile(io.BytesIO(resp.read())).namelist()
    assert files == ["Contoso.Empty.nuspec"]
    status, _h, body = emulator.call("GET", "/_emulator/feed/api/v2/package/Contoso.Tools/9.0.0", raw=True)
    assert status == 404 and body["error"]["code"] == "NotFound"


# -- the control route ---------------------------------------------------------------------------------------------
def test_packages_are_listed_and_cleared_by_reset(emulator):
    register(emulator, name="Contoso.Tools", version="1.0.0")
    register(emulator, uri=BLOB, name="Contoso.Tools", version="1.0.0")
    listed = emulator.call("GET", "/_emulator/packages")
    assert listed["feed"] == f"{emulator.url}/_emulator/feed/api/v2"
    sources = {(p["name"], p["source"]) for p in listed["value"]}
    assert {("ExchangeOnlineManagement", "gallery"), ("Contoso.Tools", "feed"), ("Contoso.Tools", "uri")} <= sources
    assert len(emulator.state()["packages"]) == 2
    emulator.reset()
    listed = emulator.call("GET", "/_emulator/packages")
    assert all(p["source"] == "gallery" for p in listed["value"])


def test_registering_again_replaces_and_delete_clears(emulator):
    register(emulator, uri=BLOB, version="1.0.0")
    register(emulator, uri=BLOB, version="1.1.0")
    mine = [p for p in emulator.call("GET", "/_emulator/packages")["value"] if p["source"] != "gallery"]
    assert [(p["name"], p["version"]) for p in mine] == [("Contoso.Tools", "1.1.0")]
    emulator.call("DELETE", "/_emulator/packages")
    assert emulator.state()["packages"] == []


@pytest.mark.parametrize("body", [
    {"name": "Contoso.Tools"},  # no version for a feed package
    {"uri": "http://contoso.example/x.zip"},
    {"name": "Contoso Tools", "version": "1.0.0"},
    {"name": "Contoso.Tools", "version": "one"},
    {"name": "Contoso.Tools", "version": "1.0.0", "valid": "yes"},
    {"name": "Contoso.Tools", "version": "1.0.0", "colour": "blue"},
])
def test_bad_registrations_are_400(emulator, body):
    status, out = register(emulator, **body)
    assert status == 400 and out["error"]["code"] == "BadRequest"
