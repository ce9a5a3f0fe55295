# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Azure clouds: the real endpoints and token scopes of the national clouds, plus explicit overrides.

An endpoint overridden with one of the clouds' own service hosts takes that host's token scope (Microsoft's
national-cloud guidance: the scope follows the Graph endpoint in use, so ``https://dod-graph.microsoft.us`` needs
``https://dod-graph.microsoft.us/.default``). Any other endpoint keeps the named cloud's scope: a private endpoint
or a proxy in front of ARM still expects tokens issued for the cloud's audience.

A cloud can also be given as a metadata discovery URL (as azure.azcollection and the Azure CLI accept): the
Resource Manager URL of the cloud (``https://management.azure.com``, an Azure Stack Hub's ``https://management.
<region>.<fqdn>``), whose ``/metadata/endpoints`` document names its endpoints and token audiences. The document
is read by :func:`fetch_cloud_metadata` (azure-core, imported there) and turned into a :class:`Cloud` by
:func:`cloud_from_metadata`; nothing here imports an SDK.
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


# The api-version the metadata document is read with (as the Azure CLI and Terraform's go-azure-sdk read it). ARM
# answers one cloud object for 2022-09-01, a list of clouds for 2019-05-01 up to it, and the original single
# object for older versions (Azure Stack Hub); each is understood.
METADATA_API_VERSION = "2022-09-01"
METADATA_PATH = "/metadata/endpoints"


class UnknownCloudError(ValueError):
    pass


class CloudMetadataError(ValueError):
    """The metadata URL given as the cloud could not be read or holds no usable cloud."""


def canonical_cloud_name(name):
    """``AzureCloud``/``azurecloud``/``AzurePublicCloud`` -> ``AzureCloud``; raises UnknownCloudError."""
    if name is None or str(name).strip() == "":
        return "AzureCloud"
    key = str(name).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    raise UnknownCloudError(
        "unknown cloud '%s'; allowed: %s, or the https:// metadata URL of the cloud (its Resource Manager URL, "
        "such as https://management.azure.com), or keep AzureCloud and set arm_endpoint, graph_endpoint and "
        "authority_host" % (name, ", ".join(CLOUD_NAMES)))


def is_metadata_url(value):
    """True when a ``cloud`` value is a URL (``http...``) rather than a cloud name."""
    return value is not None and str(value).strip().lower().startswith("http")


def metadata_base(url):
    """The Resource Manager URL a metadata URL stands for: ``https://management.azure.com/`` and
    ``https://management.azure.com/metadata/endpoints?api-version=2015-01-01`` -> ``https://management.azure.com``.
    Raises CloudMetadataError for anything but an https:// URL with a host."""
    text = str(url).strip()
    lowered = text.lower()
    if not lowered.startswith("https://") or len(text) <= len("https://") or text[len("https://")] in "/?#":
        raise CloudMetadataError("the metadata URL must be an https:// URL with a host, such as "
                                 "https://management.azure.com: the document it serves says where to sign in")
    base = text.split("#", 1)[0].split("?", 1)[0].rstrip("/")
    if base.lower().endswith(METADATA_PATH):
        base = base[:-len(METADATA_PATH)].rstrip("/")
    return base


def metadata_request_url(url):
    """``https://management.azure.com`` -> ``https://management.azure.com/metadata/endpoints?api-version=...``."""
    return "%s%s?api-version=%s" % (metadata_base(url), METADATA_PATH, METADATA_API_VERSION)


def pick_cloud_metadata(document, url):
    """The cloud of a metadata document: of a list (api-version 2019-05-01 up to 2022-09-01), the cloud whose
    ``resourceManager`` is ``url``'s Resource Manager, else the first; a single object (older api-versions) as
    it is. Raises CloudMetadataError when there is none."""
    if isinstance(document, list):
        clouds = [c for c in document if isinstance(c, dict)]
        if not clouds:
            raise CloudMetadataError("the metadata document lists no cloud")
        wanted = normalise_host(metadata_base(url))
        for cloud in clouds:
            if normalise_host(str(cloud.get("resourceManager") or "")) == wanted:
                return cloud
        return clouds[0]
    if isinstance(document, dict):
        return document
    raise CloudMetadataError("the metadata document is a JSON %s, not a cloud (an object) or a list of clouds"
                             % type(document).__name__)


def _resource_scope(resource):
    """``https://management.core.windows.net/`` -> ``https://management.core.windows.net/.default``."""
    return str(resource).strip().rstrip("/") + "/.default"


def _doc_url(cloud, key, required=True):
    """An https:// URL of the metadata cloud (``key`` may be ``authentication.loginEndpoint``), or None."""
    value = cloud
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value in (None, ""):
        if required:
            raise CloudMetadataError("the metadata document has no %s" % key)
        return None
    if not isinstance(value, str) or not value.strip().lower().startswith("https://"):
        raise CloudMetadataError("the metadata document's %s '%s' is not an https:// URL" % (key, value))
    return value.strip()


def cloud_from_metadata(url, document, arm_endpoint=None, graph_endpoint=None, authority_host=None):
    """A :class:`Cloud` from the metadata ``document`` served at ``url``; explicit endpoints win over the
    document's. Raises CloudMetadataError naming what the document lacks.

    * ``arm_endpoint``: ``resourceManager`` (older documents have none: the URL itself);
    * ``authority_host``: ``authentication.loginEndpoint``;
    * ``arm_scope``: the first of ``authentication.audiences`` + ``/.default``;
    * ``graph_scope``: ``microsoftGraphResourceId`` + ``/.default`` (the Microsoft Graph resource, its token
      audience);
    * ``graph_endpoint``: ``microsoftGraphEndpoint`` when the document names one, else
      ``microsoftGraphResourceId`` (the same URL in Azure's own clouds), else ``graph``.
    """
    cloud = pick_cloud_metadata(document, url)
    base = metadata_base(url)
    authentication = cloud.get("authentication")
    audiences = authentication.get("audiences") if isinstance(authentication, dict) else None
    if isinstance(audiences, str):
        audiences = [audiences]
    if not audiences or not isinstance(audiences, list) or not isinstance(audiences[0], str) or not audiences[0]:
        raise CloudMetadataError("the metadata document has no authentication.audiences (the token audience of "
                                 "its Resource Manager)")
    login = _doc_url(cloud, "authentication.loginEndpoint")
    manager = _doc_url(cloud, "resourceManager", required=False) or base
    graph_resource = _doc_url(cloud, "microsoftGraphResourceId", required=False)
    graph = (_doc_url(cloud, "microsoftGraphEndpoint", required=False) or graph_resource
             or _doc_url(cloud, "graph", required=False))
    if graph_resource is None:
        graph_resource = graph or graph_endpoint
    if graph_resource is None:
        raise CloudMetadataError("the metadata document names no Microsoft Graph (microsoftGraphResourceId); set "
                                 "graph_endpoint")
    metadata = {
        "arm_endpoint": _strip(manager),
        "graph_endpoint": _strip(graph or graph_resource),
        "authority_host": _strip(login),
        "arm_scope": _resource_scope(audiences[0]),
        "graph_scope": _resource_scope(graph_resource),
    }
    return Cloud(base, arm_endpoint, graph_endpoint, authority_host, metadata=metadata)


def fetch_cloud_metadata(url, transport=None, environ=None):
    """GET ``<url>/metadata/endpoints?api-version=2022-09-01`` anonymously through an azure-core pipeline (the
    CA bundle of REQUESTS_CA_BUNDLE is trusted, as by the ARM clients) and return the parsed JSON. Raises
    CloudMetadataError saying what failed. ``transport`` (an azure-core transport) exists for tests."""
    import json
    import os

    from azure.core import PipelineClient
    from azure.core.exceptions import AzureError
    from azure.core.pipeline.policies import (
        HeadersPolicy,
        ProxyPolicy,
        RetryPolicy,
        UserAgentPolicy,
    )
    from azure.core.rest import HttpRequest

    environ = os.environ if environ is None else environ
    request_url = metadata_request_url(url)
    policies = [
        HeadersPolicy({"Accept": "application/json"}),
        UserAgentPolicy(base_user_agent="m365.exo_automation"),
        ProxyPolicy(),
        # no redirect policy: the document says where the credential goes, so only the URL given is read
        RetryPolicy(retry_total=2, retry_backoff_factor=0.5, retry_backoff_max=5),
    ]
    kwargs = {}
    if transport is not None:
        kwargs["transport"] = transport
    options = {"connection_timeout": 10, "read_timeout": 30}
    if environ.get("REQUESTS_CA_BUNDLE"):
        options["connection_verify"] = environ["REQUESTS_CA_BUNDLE"]
    client = PipelineClient(metadata_base(url), policies=policies, **kwargs)
    try:
        with client:
            response = client.send_request(HttpRequest("GET", request_url), **options)
            status = response.status_code
            body = response.read().decode("utf-8", "replace") if status < 300 else ""
    except (AzureError, OSError) as err:  # OSError: requests refusing a CA bundle path that does not exist
        raise CloudMetadataError("%s could not be reached (%s); check the URL, the network, a proxy "
                                 "(HTTPS_PROXY) and that REQUESTS_CA_BUNDLE trusts its certificate"
                                 % (request_url, str(err).splitlines()[0] if str(err) else type(err).__name__))
    if status == 404:
        raise CloudMetadataError("%s answered 404 Not Found: it serves no cloud metadata; give the Resource "
                                 "Manager URL of the cloud (such as https://management.azure.com)" % request_url)
    if status >= 300:
        raise CloudMetadataError("%s answered HTTP %d; check the URL (the Resource Manager URL of the cloud) or "
                                 "try again later" % (request_url, status))
    try:
        return json.loads(body)
    except ValueError:
        raise CloudMetadataError("%s answered something that is not JSON (%s); give the Resource Manager URL of "
                                 "the cloud (such as https://management.azure.com), not a portal or login page"
                                 % (request_url, (body.strip()[:60] or "an empty body")))


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

    def __init__(self, name="AzureCloud", arm_endpoint=None, graph_endpoint=None, authority_host=None,
                 metadata=None):
        """``metadata``: the endpoints and scopes of a cloud read from a metadata URL (``name`` is then that
        URL); see :func:`cloud_from_metadata`."""
        self.metadata_url = None
        if metadata is not None:
            self.name = self.metadata_url = str(name).strip()
            base = metadata
        else:
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
            "metadata_url": self.metadata_url,
        }

    def __repr__(self):
        return "Cloud(%r)" % (self.as_dict(),)
