# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: automation_account
short_description: Azure Automation accounts as inventory hosts
version_added: 0.1.0
description:
  - Lists the Azure Automation accounts of one or more subscriptions as hosts, one host per account, so that
    C(playbooks/audit.yml) and C(playbooks/site.yml) audit or rebuild many accounts in one run, with C(forks).
  - Each host gets the variables the C(m365.exo_automation.exchange_online_automation) role reads for its account
    (V(exchange_online_automation_account), V(exchange_online_automation_resource_group),
    V(exchange_online_automation_location)), the account itself in V(automation_account), and
    C(ansible_connection=local) (an account is not a machine; the tasks run on the controller).
  - The setup's other variables come from O(vars_file) (the same for every account), from the account's tags
    (O(tag_vars)) and from C(compose); inventory C(host_vars) still apply on top.
  - The configuration file's name must end in C(automation_account.yml) or C(automation_account.yaml).
  - Reads with one list call per subscription (or per resource group of O(resource_groups)); the result can be
    cached (O(cache)).
extends_documentation_fragment:
  - constructed
  - inventory_cache
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
options:
  plugin:
    description: The name of this plugin; it must be V(m365.exo_automation.automation_account).
    required: true
    type: str
    choices: [m365.exo_automation.automation_account]
  subscription_ids:
    description:
      - The subscriptions whose accounts are listed. Default the subscription of the credentials
        (O(subscription_id) or E(AZURE_SUBSCRIPTION_ID)).
    type: list
    elements: str
    default: []
  resource_groups:
    description: Only the accounts of these resource groups (names, case-insensitive). Default every group.
    type: list
    elements: str
    default: []
  include_tags:
    description:
      - Only accounts that carry every one of these tags. A value V(null) (or V(~)) matches any value of the tag;
        a list matches any of its values.
    type: dict
    default: {}
  exclude_tags:
    description: Leave out accounts that carry any of these tags (values as in O(include_tags)).
    type: dict
    default: {}
  hostname:
    description:
      - How a host is named. V(name) is the account's name; V(resource_group_name) is
        C(<resource group>_<account name>), for accounts of the same name in several groups or subscriptions.
    type: str
    choices: [name, resource_group_name]
    default: name
  vars_file:
    description:
      - A YAML file of variables given to every host, such as the setup's vars file
        (C(playbooks/vars/demo.yml)). Its account, resource group and location variables are replaced by the
        account's own.
    type: path
  tag_vars:
    description:
      - Host variables read from the account's tags, a mapping of tag names to variable names, for example
        C(exo-organization) to V(exchange_online_automation_organization). A tag the account lacks sets nothing.
    type: dict
    default: {}
notes:
  - Follows the conventions of C(azure.azcollection.azure_rm) and C(amazon.aws.aws_ec2), with C(compose),
    C(groups), C(keyed_groups) and C(strict) of the C(constructed) plugin, and the inventory cache options.
  - Each host is grouped by its resource group (C(rg_<name>)) and subscription (C(subscription_<id>)) besides
    the groups C(keyed_groups) makes.
seealso:
  - module: m365.exo_automation.automation_account_info
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
# inventory/exo.automation_account.yml: every account tagged for the workload, with the setup's vars
plugin: m365.exo_automation.automation_account
include_tags:
  workload: exchange-online-automation
vars_file: playbooks/vars/demo.yml
tag_vars:
  exo-organization: exchange_online_automation_organization
keyed_groups:
  - key: automation_account.location
    prefix: location

# Then audit every account, five at a time:
#   ansible-playbook -i inventory/exo.automation_account.yml playbooks/audit.yml -e audit_hosts=all -f 5
'''

import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.m365.exo_automation.plugins.module_utils import arm
from ansible_collections.m365.exo_automation.plugins.module_utils.auth import AuthError, build_credential, resolve

CONFIG_SUFFIXES = ("automation_account.yml", "automation_account.yaml")
ROLE_VARS = ("exchange_online_automation_account", "exchange_online_automation_resource_group",
             "exchange_online_automation_location")
USER_AGENT = "m365.exo_automation-inventory"
LIST_TIMEOUT = 300


def tag_matches(tags, wanted):
    """Whether ``tags`` (an account's) carry every tag of ``wanted`` (value None: any value; list: any of it)."""
    tags = dict((str(k).lower(), v) for k, v in (tags or {}).items())
    for name, value in (wanted or {}).items():
        key = str(name).lower()
        if key not in tags:
            return False
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if str(tags[key]) not in [str(v) for v in values]:
            return False
    return True


def tag_excluded(tags, unwanted):
    """Whether ``tags`` carry any one tag of ``unwanted``."""
    return any(tag_matches(tags, {name: value}) for name, value in (unwanted or {}).items())


def account_facts(account, subscription_id):
    """The host variable ``automation_account``: an account's REST dict reduced to what a playbook reads."""
    parts = arm_id_parts(account.get("id") or "")
    identity = account.get("identity") or {}
    user = identity.get("userAssignedIdentities") or {}
    return {
        "id": account.get("id"),
        "name": account.get("name"),
        "resource_group": parts.get("resource_group"),
        "subscription_id": parts.get("subscription_id") or subscription_id,
        "location": account.get("location"),
        "tags": dict(account.get("tags") or {}),
        "sku": ((account.get("properties") or {}).get("sku") or {}).get("name"),
        "state": (account.get("properties") or {}).get("state"),
        "identity": {
            "type": identity.get("type") or "None",
            "principal_id": identity.get("principalId"),
            "user_assigned": dict((rid, {"principal_id": (v or {}).get("principalId"),
                                         "client_id": (v or {}).get("clientId")}) for rid, v in user.items()),
        },
    }


def arm_id_parts(resource_id):
    match = re.match(r"(?i)^/subscriptions/([^/]+)/resourceGroups/([^/]+)/", resource_id or "")
    return {"subscription_id": match.group(1), "resource_group": match.group(2)} if match else {}


def safe_group(name):
    return re.sub(r"[^A-Za-z0-9_]", "_", str(name))


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "m365.exo_automation.automation_account"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(CONFIG_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        accounts = None
        if use_cache:
            try:
                accounts = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if accounts is None:
            accounts = self.list_accounts()
        if update_cache:
            self._cache[cache_key] = accounts
        self.populate(accounts)

    # -- reading ------------------------------------------------------------------------------------
    def auth_params(self):
        options = ("auth_source", "profile", "subscription_id", "tenant_id", "client_id", "client_secret",
                   "certificate_path", "certificate_password", "federated_token_file", "cloud", "arm_endpoint",
                   "graph_endpoint", "authority_host")
        return dict((name, self.get_option(name)) for name in options)

    def list_accounts(self):
        """Every account of the configured subscriptions (and groups) as ``automation_account`` facts."""
        try:
            settings = resolve(self.auth_params())
            credential = build_credential(settings)
        except AuthError as err:
            raise AnsibleError("m365.exo_automation.automation_account: %s" % err)
        subscriptions = self.get_option("subscription_ids") or [settings.subscription_id]
        if not subscriptions or not all(subscriptions):
            raise AnsibleError("m365.exo_automation.automation_account: no subscription to list: set "
                               "subscription_ids, subscription_id or AZURE_SUBSCRIPTION_ID")
        try:
            from azure.mgmt.automation import AutomationClient
        except ImportError as err:
            raise AnsibleError("m365.exo_automation.automation_account needs azure-mgmt-automation on the "
                               "controller (pip install -r requirements.txt): %s" % to_native(err))
        import time

        cloud = settings.cloud
        groups = self.get_option("resource_groups")
        found = []
        for subscription in subscriptions:
            client = AutomationClient(credential, subscription, base_url=cloud.arm_endpoint,
                                      credential_scopes=[cloud.arm_scope], user_agent=USER_AGENT,
                                      connection_timeout=arm.CONNECT_TIMEOUT, read_timeout=arm.READ_TIMEOUT,
                                      retry_policy=arm.deadline_retry_policy(time.time() + LIST_TIMEOUT))
            try:
                pages = ([client.automation_account.list_by_resource_group(group) for group in groups] if groups
                         else [client.automation_account.list()])
                for page in pages:
                    found.extend(account_facts(arm.to_dict(a), subscription) for a in page)
            except Exception as err:  # pylint: disable=broad-except  # any SDK error fails the source, named
                raise AnsibleError("m365.exo_automation.automation_account: listing the Automation accounts of "
                                   "subscription %s failed: %s" % (subscription, to_native(err).splitlines()[0]))
            finally:
                client.close()
        return found

    # -- hosts ----------------------------------------------------------------------------------------
    def host_vars_file(self):
        path = self.get_option("vars_file")
        if not path:
            return {}
        try:
            data = self.loader.load_from_file(path)
        except AnsibleParserError as err:
            raise AnsibleError("m365.exo_automation.automation_account: vars_file %s could not be read: %s"
                               % (path, to_native(err)))
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise AnsibleError("m365.exo_automation.automation_account: vars_file %s must hold a mapping of "
                               "variables" % path)
        return data

    def populate(self, accounts):
        include, exclude = self.get_option("include_tags"), self.get_option("exclude_tags")
        common = self.host_vars_file()
        tag_vars = self.get_option("tag_vars") or {}
        strict = self.get_option("strict")
        for account in sorted(accounts, key=lambda a: (a["subscription_id"] or "", a["resource_group"] or "",
                                                       a["name"] or "")):
            if not tag_matches(account["tags"], include) or tag_excluded(account["tags"], exclude):
                continue
            host = account["name"]
            if self.get_option("hostname") == "resource_group_name":
                host = "%s_%s" % (account["resource_group"], account["name"])
            self.inventory.add_host(host)
            values = dict(common)
            tags = dict((str(k).lower(), v) for k, v in account["tags"].items())
            for tag, variable in tag_vars.items():
                if str(tag).lower() in tags:
                    values[variable] = tags[str(tag).lower()]
            values.update({
                "ansible_connection": "local",
                "automation_account": account,
                "exchange_online_automation_account": account["name"],
                "exchange_online_automation_resource_group": account["resource_group"],
                "exchange_online_automation_location": account["location"],
            })
            for name, value in values.items():
                self.inventory.set_variable(host, name, value)
            for group in ("rg_%s" % safe_group(account["resource_group"]),
                          "subscription_%s" % safe_group(account["subscription_id"])):
                self.inventory.add_group(group)
                self.inventory.add_child(group, host)
            self._set_composite_vars(self.get_option("compose"), values, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), values, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), values, host, strict=strict)
