# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils.clouds import (
    Cloud,
    UnknownCloudError,
    canonical_cloud_name,
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
