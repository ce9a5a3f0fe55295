# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure clouds: the real endpoints and token scopes of the national clouds, plus explicit overrides.

An endpoint overridden with one of the clouds' own service hosts takes that host's token scope (Microsoft's
national-cloud guidance: the scope follows the Graph endpoint in use, so ``https://dod-graph.microsoft.us`` needs
``https://dod-graph.microsoft.us/.default``). Any other endpoint keeps the named cloud's scope: a private endpoint
or a proxy in front of ARM still expects tokens issued for the cloud's audience.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CLOUDS = {
    "AzureCloud": {
        "arm_endpoint": "https://management.azure.com",
        "graph_endpoint": "https://graph.microsoft.com",
        "authority_host": "https://login.microsoftonline.com",
        "arm_scope": "https://management.azure.com/.default",
        "graph_scope": "https://graph.microsoft.com/.default",
    },
    "AzureUSGovernment": {
        "arm_endpoint": "https://management.usgovcloudapi.net",
        "graph_endpoint": "https://graph.microsoft.us",
        "authority_host": "https://login.microsoftonline.us",
        "arm_scope": "https://management.core.usgovcloudapi.net/.default",
        "graph_scope": "https://graph.microsoft.us/.default",
    },
    # US Government L5 (DoD): ARM and sign-in of AzureUSGovernment, Graph on its own host
    "AzureUSGovernmentDoD": {
        "arm_endpoint": "https://management.usgovcloudapi.net",
        "graph_endpoint": "https://dod-graph.microsoft.us",
        "authority_host": "https://login.microsoftonline.us",
        "arm_scope": "https://management.core.usgovcloudapi.net/.default",
        "graph_scope": "https://dod-graph.microsoft.us/.default",
    },
    "AzureChinaCloud": {
        "arm_endpoint": "https://management.chinacloudapi.cn",
        "graph_endpoint": "https://microsoftgraph.chinacloudapi.cn",
        "authority_host": "https://login.chinacloudapi.cn",
        "arm_scope": "https://management.chinacloudapi.cn/.default",
        "graph_scope": "https://microsoftgraph.chinacloudapi.cn/.default",
    },
}

CLOUD_NAMES = tuple(CLOUDS)

# Other spellings seen in the wild (Azure CLI, azure.azcollection, azure-identity constants); matched without
# regard to case.
_ALIASES = {
    "azurecloud": "AzureCloud",
    "azurepubliccloud": "AzureCloud",
    "azure_public_cloud": "AzureCloud",
    "public": "AzureCloud",
    "azureusgovernment": "AzureUSGovernment",
    "azureusgovernmentcloud": "AzureUSGovernment",
    "azure_us_government": "AzureUSGovernment",
    "azureusgovernmentdod": "AzureUSGovernmentDoD",
    "azureusgovdod": "AzureUSGovernmentDoD",
    "usgovdod": "AzureUSGovernmentDoD",
    "azurechinacloud": "AzureChinaCloud",
    "azure_china_cloud": "AzureChinaCloud",
}

KNOWN_AUTHORITY_HOSTS = tuple(sorted(set(c["authority_host"] for c in CLOUDS.values())))


class UnknownCloudError(ValueError):
    pass


def canonical_cloud_name(name):
    """``AzureCloud``/``azurecloud``/``AzurePublicCloud`` -> ``AzureCloud``; raises UnknownCloudError."""
    if name is None or str(name).strip() == "":
        return "AzureCloud"
    key = str(name).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownCloudError(
        "unknown cloud '%s'; allowed: %s (or keep AzureCloud and set arm_endpoint, graph_endpoint and "
        "authority_host for any other cloud)" % (name, ", ".join(CLOUD_NAMES)))


def _strip(url):
    return url.rstrip("/") if url else url


def normalise_host(url):
    """``https://Login.MicrosoftOnline.com/`` -> ``https://login.microsoftonline.com``."""
    if not url:
        return url
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "https://" + url
    scheme, rest = url.split("://", 1)
    return scheme.lower() + "://" + rest.lower()


def _scope_of(endpoint, service):
    """The token scope of ``endpoint`` when it is one of the clouds' own ``service`` hosts, else None."""
    if not endpoint:
        return None
    host = normalise_host(endpoint)
    for cloud in CLOUDS.values():
        if normalise_host(cloud[service + "_endpoint"]) == host:
            return cloud[service + "_scope"]
    return None


class Cloud:
    """One resolved cloud: name, endpoints (overrides applied) and token scopes (always the cloud's)."""

    def __init__(self, name="AzureCloud", arm_endpoint=None, graph_endpoint=None, authority_host=None):
        self.name = canonical_cloud_name(name)
        base = CLOUDS[self.name]
        self.arm_endpoint = _strip(arm_endpoint) or base["arm_endpoint"]
        self.graph_endpoint = _strip(graph_endpoint) or base["graph_endpoint"]
        self.authority_host = _strip(authority_host) or base["authority_host"]
        self.arm_scope = _scope_of(arm_endpoint, "arm") or base["arm_scope"]
        self.graph_scope = _scope_of(graph_endpoint, "graph") or base["graph_scope"]

    @property
    def custom_authority(self):
        """True when the authority host is not one of the known clouds' login hosts. Such hosts (Azure Stack
        AD FS, a test double, a sovereign cloud we do not list) publish no Entra instance metadata, so
        azure-identity must be told not to look for it (``disable_instance_discovery=True``)."""
        return normalise_host(self.authority_host) not in KNOWN_AUTHORITY_HOSTS

    def as_dict(self):
        return {
            "name": self.name,
            "arm_endpoint": self.arm_endpoint,
            "graph_endpoint": self.graph_endpoint,
            "authority_host": self.authority_host,
            "arm_scope": self.arm_scope,
            "graph_scope": self.graph_scope,
        }

    def __repr__(self):
        return "Cloud(%r)" % (self.as_dict(),)
