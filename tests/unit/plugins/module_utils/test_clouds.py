# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils.clouds import (
    Cloud,
    CloudMetadataError,
    UnknownCloudError,
    canonical_cloud_name,
    cloud_from_metadata,
    is_metadata_url,
    metadata_request_url,
)


@pytest.mark.parametrize("name,arm,graph,login,arm_scope,graph_scope", [
    ("AzureCloud", "https://management.azure.com", "https://graph.microsoft.com", "https://login.microsoftonline.com",
     "https://management.azure.com/.default", "https://graph.microsoft.com/.default"),
    ("AzureUSGovernment", "https://management.usgovcloudapi.net", "https://graph.microsoft.us",
     "https://login.microsoftonline.us", "https://management.core.usgovcloudapi.net/.default",
     "https://graph.microsoft.us/.default"),
    ("AzureUSGovernmentDoD", "https://management.usgovcloudapi.net", "https://dod-graph.microsoft.us",
     "https://login.microsoftonline.us", "https://management.core.usgovcloudapi.net/.default",
     "https://dod-graph.microsoft.us/.default"),
    ("AzureChinaCloud", "https://management.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn",
     "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default",
     "https://microsoftgraph.chinacloudapi.cn/.default"),
])
def test_real_endpoints(name, arm, graph, login, arm_scope, graph_scope):
    cloud = Cloud(name)
    assert (cloud.arm_endpoint, cloud.graph_endpoint, cloud.authority_host) == (arm, graph, login)
    assert (cloud.arm_scope, cloud.graph_scope) == (arm_scope, graph_scope)
    assert cloud.custom_authority is False


def test_arm_endpoints_agree_with_azure_mgmt_core():
    from azure.core import AzureClouds
    from azure.mgmt.core.tools import get_arm_endpoints

    for ours, theirs in (("AzureCloud", AzureClouds.AZURE_PUBLIC_CLOUD),
                         ("AzureUSGovernment", AzureClouds.AZURE_US_GOVERNMENT),
                         ("AzureChinaCloud", AzureClouds.AZURE_CHINA_CLOUD)):
        expected = get_arm_endpoints(theirs)
        assert Cloud(ours).arm_endpoint + "/" == expected["resource_manager"]
        assert [Cloud(ours).arm_scope] == expected["credential_scopes"]


def test_login_hosts_agree_with_azure_identity():
    from azure.identity import AzureAuthorityHosts

    assert Cloud("AzureCloud").authority_host == "https://" + AzureAuthorityHosts.AZURE_PUBLIC_CLOUD
    assert Cloud("AzureUSGovernment").authority_host == "https://" + AzureAuthorityHosts.AZURE_GOVERNMENT
    assert Cloud("AzureChinaCloud").authority_host == "https://" + AzureAuthorityHosts.AZURE_CHINA


def test_overrides_keep_the_cloud_scopes():
    cloud = Cloud("AzureCloud", "https://127.0.0.1:8443/", "https://127.0.0.1:8443", "https://127.0.0.1:8443/")
    assert cloud.arm_endpoint == cloud.graph_endpoint == cloud.authority_host == "https://127.0.0.1:8443"
    assert cloud.arm_scope == "https://management.azure.com/.default"
    assert cloud.graph_scope == "https://graph.microsoft.com/.default"
    assert cloud.custom_authority is True


@pytest.mark.parametrize("cloud,graph,scope", [
    ("AzureUSGovernment", "https://dod-graph.microsoft.us", "https://dod-graph.microsoft.us/.default"),
    ("AzureUSGovernment", "https://DoD-Graph.microsoft.us/", "https://dod-graph.microsoft.us/.default"),
    ("AzureUSGovernmentDoD", "https://graph.microsoft.us", "https://graph.microsoft.us/.default"),
    ("AzureCloud", "https://graph.microsoft.us", "https://graph.microsoft.us/.default"),
])
def test_the_graph_scope_follows_a_national_graph_endpoint(cloud, graph, scope):
    assert Cloud(cloud, graph_endpoint=graph).graph_scope == scope


def test_the_arm_scope_follows_a_national_arm_endpoint():
    assert Cloud("AzureCloud", arm_endpoint="https://management.usgovcloudapi.net/").arm_scope == \
        "https://management.core.usgovcloudapi.net/.default"


@pytest.mark.parametrize("alias,name", [
    ("AzureUSGovernmentDoD", "AzureUSGovernmentDoD"), ("usgovdod", "AzureUSGovernmentDoD"),
    (None, "AzureCloud"), ("", "AzureCloud"), ("azurecloud", "AzureCloud"), ("AzurePublicCloud", "AzureCloud"),
    ("AZUREUSGOVERNMENT", "AzureUSGovernment"), ("AzureChinaCloud", "AzureChinaCloud"),
])
def test_names(alias, name):
    assert canonical_cloud_name(alias) == name


def test_unknown_cloud_lists_the_allowed_ones():
    with pytest.raises(UnknownCloudError) as err:
        Cloud("AzureGermanCloud")
    assert "AzureCloud, AzureUSGovernment, AzureUSGovernmentDoD, AzureChinaCloud" in str(err.value)
    assert "arm_endpoint" in str(err.value)


# -- clouds discovered from a metadata URL ------------------------------------------------------------------
PUBLIC_METADATA = {
    "authentication": {"loginEndpoint": "https://login.microsoftonline.com",
                       "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                       "tenant": "common", "identityProvider": "AAD"},
    "graph": "https://graph.windows.net/",
    "name": "AzureCloud",
    "resourceManager": "https://management.azure.com/",
    "microsoftGraphResourceId": "https://graph.microsoft.com/",
}
STACK_METADATA = {
    "authentication": {"loginEndpoint": "https://adfs.local.azurestack.external/adfs/",
                       "audiences": ["https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155"]},
    "graph": "https://graph.local.azurestack.external/",
    "name": "AzureStack-User-4de154de",
    "resourceManager": "https://management.local.azurestack.external/",
}


def test_public_cloud_from_its_metadata():
    cloud = cloud_from_metadata("https://management.azure.com", [PUBLIC_METADATA])
    assert cloud.name == cloud.metadata_url == "https://management.azure.com"
    assert (cloud.arm_endpoint, cloud.graph_endpoint, cloud.authority_host) == (
        "https://management.azure.com", "https://graph.microsoft.com", "https://login.microsoftonline.com")
    assert (cloud.arm_scope, cloud.graph_scope) == ("https://management.core.windows.net/.default",
                                                    "https://graph.microsoft.com/.default")
    assert cloud.custom_authority is False


def test_a_list_picks_the_cloud_of_the_url_else_the_first():
    other = dict(STACK_METADATA)
    document = [other, PUBLIC_METADATA]
    assert cloud_from_metadata("https://Management.Azure.com/", document).arm_endpoint == \
        "https://management.azure.com"
    assert cloud_from_metadata("https://management.example.test", document).arm_endpoint == \
        "https://management.local.azurestack.external"


def test_an_older_single_object_without_resource_manager_or_microsoft_graph():
    single = dict(STACK_METADATA)
    del single["resourceManager"]
    cloud = cloud_from_metadata(
        "https://management.local.azurestack.external/metadata/endpoints?api-version=2015-01-01", single)
    assert cloud.arm_endpoint == "https://management.local.azurestack.external"
    assert cloud.authority_host == "https://adfs.local.azurestack.external/adfs"
    assert cloud.custom_authority is True
    assert cloud.arm_scope == "https://management.adfs.azurestack.local/4de154de-f8a8-4017-af41-df619da68155/.default"
    assert cloud.graph_endpoint == "https://graph.local.azurestack.external"
    assert cloud.graph_scope == "https://graph.local.azurestack.external/.default"


def test_microsoft_graph_endpoint_of_the_document_is_the_graph_endpoint_and_its_resource_id_the_scope():
    doc = dict(PUBLIC_METADATA, microsoftGraphEndpoint="https://127.0.0.1:8443",
               resourceManager="https://127.0.0.1:8443/")
    cloud = cloud_from_metadata("https://127.0.0.1:8443", [doc])
    assert cloud.graph_endpoint == "https://127.0.0.1:8443"
    assert cloud.graph_scope == "https://graph.microsoft.com/.default"


def test_explicit_endpoints_win_and_the_scopes_stay_the_documents():
    cloud = cloud_from_metadata("https://management.azure.com", [PUBLIC_METADATA], "https://127.0.0.1:9/",
                                "https://127.0.0.1:9", "https://127.0.0.1:9")
    assert cloud.arm_endpoint == cloud.graph_endpoint == cloud.authority_host == "https://127.0.0.1:9"
    assert (cloud.arm_scope, cloud.graph_scope) == ("https://management.core.windows.net/.default",
                                                    "https://graph.microsoft.com/.default")
    assert cloud.custom_authority is True


@pytest.mark.parametrize("document,fragment", [
    ([], "lists no cloud"),
    ("text", "JSON str"),
    ({"resourceManager": "https://m.test/"}, "authentication.audiences"),
    ({"authentication": {"audiences": ["https://m.test/"]}}, "authentication.loginEndpoint"),
    ({"authentication": {"audiences": ["https://m.test/"], "loginEndpoint": "http://login.test"}}, "not an https"),
    ({"authentication": {"audiences": ["https://m.test/"], "loginEndpoint": "https://login.test"}},
     "microsoftGraphResourceId"),
])
def test_documents_without_a_usable_cloud(document, fragment):
    with pytest.raises(CloudMetadataError) as err:
        cloud_from_metadata("https://m.test", document)
    assert fragment in str(err.value)


@pytest.mark.parametrize("value,expected", [
    ("https://management.azure.com", "https://management.azure.com/metadata/endpoints?api-version=2022-09-01"),
    ("https://management.azure.com/", "https://management.azure.com/metadata/endpoints?api-version=2022-09-01"),
    ("https://h.test/metadata/endpoints?api-version=2015-01-01",
     "https://h.test/metadata/endpoints?api-version=2022-09-01"),
])
def test_metadata_request_url(value, expected):
    assert is_metadata_url(value)
    assert metadata_request_url(value) == expected


@pytest.mark.parametrize("value", ["http://management.azure.com", "https://", "https:///x"])
def test_a_metadata_url_must_be_https(value):
    with pytest.raises(CloudMetadataError) as err:
        metadata_request_url(value)
    assert "https://" in str(err.value)


def test_names_are_no_metadata_urls():
    assert not any(is_metadata_url(name) for name in (None, "", "AzureCloud", "usgovdod"))


def test_clouds_imports_no_sdk():
    import subprocess
    import sys

    code = ("import sys; import ansible_collections.m365.exo_automation.plugins.module_utils.clouds; "
            "print(sorted(m for m in sys.modules if m.startswith('azure')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(__import__("os").environ, PYTHONPATH=":".join(sys.path)))
    assert out.stdout.strip() == "[]"
