#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: automation_account
short_description: Create, update and delete Azure Automation accounts and their managed identities
version_added: 0.1.0
description:
  - Manages an Azure Automation account (C(Microsoft.Automation/automationAccounts)) - its SKU, network access,
    local authentication, tags, and its managed identities.
  - Identities change in place, in any direction (none, system-assigned, user-assigned, both), and user-assigned
    identities are attached and detached without recreating the account.
  - Returns the system-assigned identity's principal id and each user-assigned identity's principal and client
    ids, the values Microsoft Graph grants and C(Connect-ExchangeOnline -ManagedIdentity) need.
options:
  resource_group:
    description:
      - Resource group of the account. It must exist.
    type: str
    required: true
  name:
    description:
      - Name of the account (6-50 letters, digits and hyphens, starting with a letter and ending with a letter or
        digit).
    type: str
    required: true
  location:
    description:
      - Azure region. Defaults to the location of O(resource_group) when the account is created.
      - The location of an existing account cannot change; a different value is an error.
    type: str
  sku:
    description:
      - Pricing tier. V(Basic) when the account is created without one; leave unset to keep the current tier.
    type: str
    choices: [Free, Basic]
  identity:
    description:
      - Managed identities of the account. Leave unset to keep the current ones.
    type: dict
    suboptions:
      type:
        description:
          - V(none) removes all identities, V(system) keeps only the system-assigned identity, V(user) only
            user-assigned identities, V(both) the system-assigned identity and user-assigned identities.
          - Turning the system-assigned identity off deletes its service principal in Entra, with every grant made
            to it; turning it on again creates a new one with a new principal id.
        type: str
        choices: [none, system, user, both]
        required: true
      user_assigned_identities:
        description:
          - User-assigned identities to attach, each as a name (in O(resource_group)), C(<resource group>/<name>)
            or a full resource id. Each must exist.
          - Required with O(identity.type=user) or O(identity.type=both) unless
            O(identity.exclusive=false) and the account already has some.
        type: list
        elements: str
        default: []
      exclusive:
        description:
          - Detach user-assigned identities that are not listed in O(identity.user_assigned_identities).
          - With V(false), listed identities are attached and the others stay. O(identity.type=none) and
            O(identity.type=system) always detach every user-assigned identity.
        type: bool
        default: true
  public_network_access:
    description:
      - Whether the account accepts traffic from public networks. Leave unset to keep the current setting
        (Azure enables it for new accounts).
    type: bool
  disable_local_auth:
    description:
      - Turn off local (key-based) authentication, so that only Entra identities can use the account.
        Leave unset to keep the current setting.
    type: bool
  tags:
    description:
      - Tags of the account. Leave unset to keep the current tags.
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the account, V(absent) deletes it with all its runbooks, modules, jobs and
        schedules (V(changed=false) when it does not exist).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.resource
  - m365.exo_automation.timeout
  - m365.exo_automation.attributes
notes:
  - In check mode a resource group or a user-assigned identity that does not exist yet is a warning and the change is predicted, so that a check-mode
    run of a whole setup (which would create it in an earlier task) reports every step. A real run fails before
    writing anything.
seealso:
  - module: m365.exo_automation.automation_account_info
  - module: m365.exo_automation.user_assigned_identity
  - module: m365.exo_automation.resource_group
  - module: m365.exo_automation.app_role_assignment
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Automation account with a system-assigned identity
  m365.exo_automation.automation_account:
    resource_group: rg-exo-automation
    name: aa-exo-automation
    identity:
      type: system
    disable_local_auth: true
    tags:
      workload: exchange-online-automation
  register: account

- name: Principal id to grant Exchange.ManageAsApp to
  ansible.builtin.debug:
    var: account.automation_account.identity.principal_id

- name: Both identities; the user-assigned one given by name
  m365.exo_automation.automation_account:
    resource_group: rg-exo-automation
    name: aa-exo-automation
    identity:
      type: both
      user_assigned_identities:
        - id-exo-runbooks

- name: Attach one more user-assigned identity from another resource group, keeping the others
  m365.exo_automation.automation_account:
    resource_group: rg-exo-automation
    name: aa-exo-automation
    identity:
      type: both
      user_assigned_identities:
        - rg-shared-identities/id-reporting
      exclusive: false

- name: Audit in check mode (reports what would change, changes nothing)
  m365.exo_automation.automation_account:
    resource_group: rg-exo-automation
    name: aa-exo-automation
    identity:
      type: system
  check_mode: true
  diff: true

- name: Delete the account
  m365.exo_automation.automation_account:
    resource_group: rg-exo-automation
    name: aa-exo-automation
    state: absent
'''

RETURN = r'''
automation_account:
  description:
    - The account after the task (in check mode, as it would be). Empty when it does not exist.
    - In check mode, ids Azure has not assigned yet (a new system-assigned identity's principal id) are null.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation/providers/Microsoft.Automation/automationAccounts/aa-exo-automation
    name: aa-exo-automation
    resource_group: rg-exo-automation
    location: westeurope
    tags:
      workload: exchange-online-automation
    sku: Basic
    state: Ok
    public_network_access: true
    disable_local_auth: true
    creation_time: '2025-01-20T10:42:13.123+00:00'
    last_modified_time: '2025-01-20T10:42:13.123+00:00'
    identity:
      type: both
      principal_id: 4e1a0c4f-7a1f-4f44-8b7e-2a3a6c3c9f10
      tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
      user_assigned_identities:
      - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
        /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
        name: id-exo-runbooks
        resource_group: rg-exo-automation
        principal_id: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
        client_id: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
  contains:
    id:
      description: Resource id.
      returned: when the account exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
        /providers/Microsoft.Automation/automationAccounts/aa-exo-automation"
    name:
      description: Name.
      returned: when the account exists
      type: str
      sample: aa-exo-automation
    resource_group:
      description: Resource group.
      returned: when the account exists
      type: str
      sample: rg-exo-automation
    location:
      description: Region name.
      returned: when the account exists
      type: str
      sample: westeurope
    tags:
      description: Tags.
      returned: when the account exists
      type: dict
      sample: {"workload": "exchange-online-automation"}
    sku:
      description: Pricing tier.
      returned: when the account exists
      type: str
      sample: Basic
    state:
      description: State of the account reported by Azure.
      returned: when the account exists
      type: str
      sample: Ok
    public_network_access:
      description: Whether public network access is enabled.
      returned: when the account exists
      type: bool
      sample: true
    disable_local_auth:
      description: Whether local (key-based) authentication is turned off.
      returned: when the account exists
      type: bool
      sample: true
    creation_time:
      description: When the account was created.
      returned: when the account exists
      type: str
      sample: "2025-01-20T10:42:13.123+00:00"
    last_modified_time:
      description: When the account was last changed.
      returned: when the account exists
      type: str
      sample: "2025-01-20T10:42:13.123+00:00"
    identity:
      description: Managed identities of the account.
      returned: when the account exists
      type: dict
      sample:
        type: both
        principal_id: 4e1a0c4f-7a1f-4f44-8b7e-2a3a6c3c9f10
        tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
        user_assigned_identities:
        - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
          /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
          name: id-exo-runbooks
          resource_group: rg-exo-automation
          principal_id: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
          client_id: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
      contains:
        type:
          description: V(none), V(system), V(user) or V(both).
          returned: always
          type: str
          sample: both
        principal_id:
          description: Object id of the system-assigned identity's service principal; null without one.
          returned: always
          type: str
          sample: 4e1a0c4f-7a1f-4f44-8b7e-2a3a6c3c9f10
        tenant_id:
          description: Tenant of the identities.
          returned: always
          type: str
          sample: 72f988bf-86f1-41af-91ab-2d7cd011db47
        user_assigned_identities:
          description: Attached user-assigned identities, sorted by resource id.
          returned: always
          type: list
          elements: dict
          sample:
            - id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
              /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
              name: id-exo-runbooks
              resource_group: rg-exo-automation
              principal_id: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
              client_id: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
          contains:
            id:
              description: Resource id of the identity.
              returned: always
              type: str
              sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
                /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
            name:
              description: Name of the identity.
              returned: always
              type: str
              sample: id-exo-runbooks
            resource_group:
              description: Resource group of the identity.
              returned: always
              type: str
              sample: rg-exo-automation
            principal_id:
              description: Object id of the identity's service principal.
              returned: always
              type: str
              sample: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
            client_id:
              description: Client id of the identity (C(-ManagedIdentityAccountId)).
              returned: always
              type: str
              sample: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
diff:
  description: The account before and after (server-managed fields and Azure-assigned ids left out).
  returned: always
  type: dict
  sample: {"before": {"identity": {"type": "none", "user_assigned_identities": []}},
           "after": {"identity": {"type": "system", "user_assigned_identities": []}}}
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import arm, flow
from ansible_collections.m365.exo_automation.plugins.module_utils.diff import tags_update
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import (
    ACCOUNT_TYPE,
    ARM_TYPES,
    account_diffable,
    account_facts,
    user_identity_facts,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import (
    parse_resource_id,
    same_id,
    user_identity_id,
)

ARGSPEC = dict(
    resource_group=dict(type="str", required=True),
    name=dict(type="str", required=True),
    location=dict(type="str"),
    sku=dict(type="str", choices=["Free", "Basic"]),
    identity=dict(type="dict", options=dict(
        type=dict(type="str", choices=list(ARM_TYPES), required=True),
        user_assigned_identities=dict(type="list", elements="str", default=[]),
        exclusive=dict(type="bool", default=True),
    )),
    public_network_access=dict(type="bool"),
    disable_local_auth=dict(type="bool"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


class IdentityPlan:
    """The identity change a task asks for, worked out before anything is written."""

    def __init__(self, m, rg, current):
        self.m = m
        self.rg = rg
        self.current = (current or {}).get("identity") or {"type": "none", "user_assigned_identities": []}
        self.changed = False
        self.final = self.current
        self.body = None

    def resolve(self, spec):
        if spec is None:
            return self
        want_type = spec["type"]
        option = "identity.user_assigned_identities"
        refs = spec.get("user_assigned_identities") or []
        wanted = []
        for ref in refs:
            rid = user_identity_id(ref, self.m.subscription_id(), self.rg, option)
            if not any(same_id(rid, w) for w in wanted):
                wanted.append(rid)
        has_user = want_type in ("user", "both")
        if refs and not has_user:
            raise ModuleError("%s lists user-assigned identities, but identity.type is %s; use type user or both "
                              "to attach them" % (option, want_type), option=option)
        current_users = dict((u["id"].lower(), u) for u in self.current.get("user_assigned_identities") or [])
        final_ids = []
        if has_user:
            final_ids = list(wanted)
            if not spec.get("exclusive", True):
                final_ids += [u["id"] for u in self.current.get("user_assigned_identities") or []
                              if not any(same_id(u["id"], w) for w in wanted)]
            if not final_ids:
                raise ModuleError("%s is required with identity.type %s: list the user-assigned identities to "
                                  "attach (names, <resource group>/<name>, or resource ids)" % (option, want_type),
                                  option=option)
        added = [rid for rid in final_ids if rid.lower() not in current_users]
        removed = [u["id"] for key, u in current_users.items()
                   if not any(same_id(key, rid) for rid in final_ids)]
        new_users = []
        for rid in final_ids:
            if rid.lower() in current_users:
                new_users.append(current_users[rid.lower()])
            else:
                new_users.append(self._existing_user_identity(rid, option))
        self.changed = want_type != self.current.get("type") or bool(added) or bool(removed)
        principal = self.current.get("principal_id") if want_type in ("system", "both") else None
        self.final = {
            "type": want_type,
            "principal_id": principal,
            "tenant_id": (self.current.get("tenant_id") or self.m.tenant_id()) if want_type != "none" else None,
            "user_assigned_identities": sorted(new_users, key=lambda u: u["id"].lower()),
        }
        body = {"type": ARM_TYPES[want_type]}
        if has_user:
            users = dict((rid, {}) for rid in final_ids)
            for rid in removed:
                users[rid] = None  # ARM: a null entry detaches the identity
            body["userAssignedIdentities"] = users
        self.body = body
        return self

    def rest(self):
        """The identity as ARM returns it after the change (the prediction of check mode)."""
        final = self.final
        if final.get("type", "none") == "none":
            return {"type": "None"}
        out = {"type": ARM_TYPES[final["type"]], "principalId": final.get("principal_id"),
               "tenantId": final.get("tenant_id")}
        users = final.get("user_assigned_identities") or []
        if users:
            out["userAssignedIdentities"] = dict(
                (u["id"], {"principalId": u.get("principal_id"), "clientId": u.get("client_id")}) for u in users)
        return out

    def _existing_user_identity(self, rid, option):
        """Facts of a user-assigned identity about to be attached; ModuleError when it does not exist."""
        parts = parse_resource_id(rid)
        if parts["subscription"].lower() != self.m.subscription_id().lower():
            # another subscription: the msi client is bound to ours; Azure checks it on write
            return user_identity_facts(rid, {})
        found = arm.get_or_none(self.m.msi_client().user_assigned_identities.get, parts["resource_group"],
                                parts["name"])
        if found is None and self.m.check_mode:
            self.m.warn("%s: user-assigned identity '%s' does not exist (yet); in check mode the change is predicted, "
                        "but a real run fails unless it is created first" % (option, rid))
            return user_identity_facts(rid, {})
        if found is None:
            raise ModuleError("%s: user-assigned identity '%s' does not exist (looked for %s)"
                              % (option, parts["name"], rid),
                              hint="Create it first with m365.exo_automation.user_assigned_identity, or fix the "
                                   "name or resource group.", option=option)
        return user_identity_facts(rid, {"principalId": found.principal_id, "clientId": found.client_id})


class AutomationAccount(flow.GroupResource):
    result_key = "automation_account"
    kind = "automation_account"
    what = "automation account"
    arm_type = ACCOUNT_TYPE
    sdk = ("automation", "automation_account")
    facts = staticmethod(account_facts)
    diffable = staticmethod(account_diffable)

    def desired(self, current):
        desired = super(AutomationAccount, self).desired(current)
        if desired is not None:
            have = account_facts(current) if current else None
            desired["identity"] = IdentityPlan(self.m, self.rg, have).resolve(self.params["identity"])
        return desired

    def plan_create(self, desired):
        p = self.params
        identity = desired["identity"]
        properties = {"sku": {"name": p["sku"] or "Basic"}}
        if p["public_network_access"] is not None:
            properties["publicNetworkAccess"] = p["public_network_access"]
        if p["disable_local_auth"] is not None:
            properties["disableLocalAuth"] = p["disable_local_auth"]
        body = {"location": desired["location"], "tags": desired["tags"] or {}, "properties": properties}
        if identity.body is not None and identity.final["type"] != "none":
            body["identity"] = dict(identity.body)
            if "userAssignedIdentities" in body["identity"]:
                body["identity"]["userAssignedIdentities"] = dict(
                    (k, v) for k, v in body["identity"]["userAssignedIdentities"].items() if v is not None)
        after = {
            "id": self.resource_id(),
            "name": self.name,
            "location": desired["location"],
            "tags": desired["tags"] or {},
            "properties": dict(properties, state="Ok",
                               publicNetworkAccess=properties.get("publicNetworkAccess", True),
                               disableLocalAuth=properties.get("disableLocalAuth", False)),
            "identity": identity.rest(),
        }
        return flow.Plan(flow.CREATE, after, body)

    def plan_update(self, current, desired):
        p = self.params
        identity = desired["identity"]
        have = account_facts(current)
        patch = {}
        properties = {}
        for option, key in (("public_network_access", "publicNetworkAccess"), ("disable_local_auth", "disableLocalAuth")):
            if p[option] is not None and p[option] != have[option]:
                properties[key] = p[option]
        if p["sku"] is not None and p["sku"].lower() != (have["sku"] or "").lower():
            properties["sku"] = {"name": p["sku"]}
        if properties:
            patch["properties"] = properties
        tags_changed, new_tags = tags_update(have["tags"], desired["tags"], p["purge_tags"])
        if tags_changed:
            patch["tags"] = new_tags
        if identity.changed:
            patch["identity"] = identity.body
        if not patch:
            return flow.Plan()
        after = dict(current, properties=dict(current.get("properties") or {}, **properties))
        if tags_changed:
            after["tags"] = new_tags
        if identity.changed:
            after["identity"] = identity.rest()
        return flow.Plan(flow.UPDATE, after, patch)

    def apply(self, plan):
        accounts = self.operations()
        if plan.action == flow.CREATE:
            accounts.create_or_update(self.rg, self.name, plan.body)
        elif plan.action == flow.UPDATE:
            accounts.update(self.rg, self.name, plan.body)
        else:
            accounts.delete(self.rg, self.name)


def main():
    flow.main(ARGSPEC, AutomationAccount)


if __name__ == "__main__":
    main()
