# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  auth_source:
    description:
      - Where the credential comes from.
      - V(auto) tries, in this order and without mixing sources, the module options (O(client_id) with
        O(client_secret), O(certificate_path) or O(federated_token_file)); the environment
        (E(AZURE_CLIENT_ID) with E(AZURE_SECRET) or E(AZURE_CLIENT_SECRET), E(AZURE_CLIENT_CERTIFICATE_PATH) or
        E(AZURE_FEDERATED_TOKEN_FILE)); the C(~/.azure/credentials) profile (O(profile), E(AZURE_PROFILE) or
        C(default)); then the Azure CLI when C(az) is installed.
      - V(env) uses only the environment, as an AWX "Microsoft Azure Resource Manager" credential or
        azure-identity sets it.
      - V(credential_file) uses only the C(~/.azure/credentials) profile (E(AZURE_CONFIG_DIR) moves C(~/.azure)).
      - V(cli) uses the account signed in to the Azure CLI (C(az login)).
      - V(msi) uses the managed identity of the Azure host that runs the module; O(client_id) selects a
        user-assigned one.
      - Settings that are not secrets (O(subscription_id), O(tenant_id), O(cloud) and the endpoints) are read
        one by one from the module option, then the profile when one is in use, then the environment.
      - Falls back to E(ANSIBLE_AZURE_AUTH_SOURCE).
    type: str
    choices: [auto, env, cli, msi, credential_file]
    default: auto
  profile:
    description:
      - Section of C(~/.azure/credentials) to use (INI keys C(subscription_id), C(client_id), C(secret),
        C(tenant), C(cloud_environment), as azure.azcollection reads them; C(certificate_path) instead of
        C(secret) for a certificate).
      - Falls back to E(AZURE_PROFILE). Naming a profile makes it the only source of the credential.
    type: str
  subscription_id:
    description:
      - Azure subscription id. Required by the Azure Resource Manager modules.
      - Falls back to E(AZURE_SUBSCRIPTION_ID), then the profile, then (with the Azure CLI) the CLI's current
        subscription.
    type: str
  tenant_id:
    description:
      - Entra tenant (directory) id, or its domain such as C(contoso.onmicrosoft.com).
      - Falls back to E(AZURE_TENANT) (AWX), then E(AZURE_TENANT_ID) (azure-identity).
    type: str
    aliases: [tenant]
  client_id:
    description:
      - Application (client) id of the service principal, or of the user-assigned managed identity with
        O(auth_source=msi).
      - Falls back to E(AZURE_CLIENT_ID).
    type: str
  client_secret:
    description:
      - Client secret of the service principal. Never shown in output, diffs or logs.
      - Falls back to E(AZURE_SECRET) (AWX), then E(AZURE_CLIENT_SECRET) (azure-identity).
      - Mutually exclusive with O(certificate_path) and O(federated_token_file).
    type: str
    aliases: [secret]
  certificate_path:
    description:
      - PEM or PKCS12 file holding the service principal's certificate and private key.
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  certificate_password:
    description:
      - Password of O(certificate_path), when it is encrypted. Never shown in output, diffs or logs.
      - Falls back to E(AZURE_CLIENT_CERTIFICATE_PASSWORD).
    type: str
  federated_token_file:
    description:
      - File holding a federated token (workload identity federation, for example a Kubernetes projected
        service account token or a CI system's OIDC token), exchanged for an Entra token for O(client_id).
      - Falls back to E(AZURE_FEDERATED_TOKEN_FILE).
    type: path
  cloud:
    description:
      - The Azure cloud; sets the ARM, Graph and login endpoints and the token scopes. One of V(AzureCloud),
        V(AzureUSGovernment), V(AzureUSGovernmentDoD) or V(AzureChinaCloud) (other spellings such as
        V(AzurePublicCloud) are accepted), or a metadata URL.
      - V(AzureCloud) uses C(https://management.azure.com), C(https://graph.microsoft.com) and
        C(https://login.microsoftonline.com).
      - V(AzureUSGovernment) uses C(https://management.usgovcloudapi.net), C(https://graph.microsoft.us) and
        C(https://login.microsoftonline.us).
      - V(AzureUSGovernmentDoD) (US Government L5) uses the Resource Manager and login of V(AzureUSGovernment) and
        C(https://dod-graph.microsoft.us).
      - V(AzureChinaCloud) uses C(https://management.chinacloudapi.cn), C(https://microsoftgraph.chinacloudapi.cn)
        and C(https://login.chinacloudapi.cn).
      - Or the C(https://) metadata discovery URL of a cloud, as C(azure.azcollection) takes it, that is the Resource
        Manager URL of the cloud, such as V(https://management.azure.com) or the one of an Azure Stack Hub. Its
        C(/metadata/endpoints) document is read once per task, without signing in (the CA bundle of
        E(REQUESTS_CA_BUNDLE) is trusted), and gives the Resource Manager URL (C(resourceManager)), the login
        URL (C(authentication.loginEndpoint)), the Resource Manager token scope (the first of
        C(authentication.audiences)), the Microsoft Graph token scope (C(microsoftGraphResourceId)) and the
        Microsoft Graph URL (C(microsoftGraphEndpoint) when the document names one, else
        C(microsoftGraphResourceId)). O(arm_endpoint), O(graph_endpoint) and O(authority_host) still override
        the URLs; the token scopes stay the document's unless such an endpoint is one of the national clouds'
        own hosts (see O(arm_endpoint) and O(graph_endpoint)).
      - An unknown name, or a URL that serves no cloud metadata, fails the task naming this option.
      - Falls back to E(AZURE_CLOUD_ENVIRONMENT), then V(AzureCloud).
    type: str
    aliases: [cloud_environment]
  arm_endpoint:
    description:
      - Azure Resource Manager URL, overriding the one of O(cloud) (for a private endpoint, a proxy or any
        other cloud). Tokens are requested for the scope of that endpoint when it is one of the national clouds'
        Resource Manager hosts, otherwise for the scope of O(cloud).
      - Falls back to E(AZURE_ARM_ENDPOINT).
    type: str
  graph_endpoint:
    description:
      - Microsoft Graph URL, overriding the one of O(cloud). Tokens are requested for the scope of that endpoint
        when it is one of the national clouds' Graph hosts (V(https://dod-graph.microsoft.us) needs
        C(https://dod-graph.microsoft.us/.default)), otherwise for the scope of O(cloud).
      - Falls back to E(AZURE_GRAPH_ENDPOINT).
    type: str
  authority_host:
    description:
      - Entra login URL, overriding the one of O(cloud).
      - A host other than the three clouds' login hosts publishes no Entra instance metadata, so instance
        discovery is turned off for it.
      - Falls back to E(AZURE_AUTHORITY_HOST).
    type: str
requirements:
  - python >= 3.9
  - azure-identity >= 1.19.0
  - azure-core >= 1.32.0
notes:
  - Modules run where the task runs. For C(localhost) listed in an inventory, set
    C(ansible_python_interpreter) to the value of C(ansible_playbook_python) so that the Python with the Azure SDKs
    runs them.
  - Set the options once for all modules of the collection with
    C(module_defaults) and the action group C(group/m365.exo_automation.azure).
  - With an AWX "Microsoft Azure Resource Manager" credential attached to the job template nothing needs to be
    set, as its E(AZURE_SUBSCRIPTION_ID), E(AZURE_CLIENT_ID), E(AZURE_SECRET), E(AZURE_TENANT) and
    E(AZURE_CLOUD_ENVIRONMENT) are read.
  - Throttling (HTTP 429) and server errors are retried by the Azure SDK, honouring C(Retry-After).
'''

    # The Python packages a module imports beside azure-identity, one section per SDK. A module lists the ones it
    # uses after m365.exo_automation.auth, e.g. m365.exo_automation.auth.automation.
    AUTOMATION = r'''
options: {}
requirements:
  - azure-mgmt-automation >= 2.0.0
'''

    MSI = r'''
options: {}
requirements:
  - azure-mgmt-msi >= 7.0.0
'''

    RESOURCE = r'''
options: {}
requirements:
  - azure-mgmt-resource >= 23.2.0
'''

    GRAPH = r'''
options: {}
requirements:
  - msgraph-sdk >= 1.20.0 (with its HTTP stack, msgraph-core and the kiota packages)
'''
