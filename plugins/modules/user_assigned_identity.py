#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: user_assigned_identity
short_description: Create, update and delete user-assigned managed identities
version_added: 0.1.0
description:
  - Manages a user-assigned managed identity (C(Microsoft.ManagedIdentity/userAssignedIdentities)) and returns its
    principal (object) id and client (application) id.
  - The principal id is what Microsoft Graph needs for app-role grants and Entra role assignments; the client id
    is what C(Connect-ExchangeOnline -ManagedIdentityAccountId) takes.
  - Deleting an identity also deletes its service principal in Entra, with every grant made to it.
options:
  resource_group:
    description:
      - Resource group of the identity. It must exist.
    type: str
    required: true
  name:
    description:
      - Name of the identity (3-128 letters, digits, hyphens and underscores, starting with a letter or digit).
    type: str
    required: true
  location:
    description:
      - Azure region. Defaults to the location of O(resource_group) when the identity is created.
      - The location of an existing identity cannot change; a different value is an error.
    type: str
  tags:
    description:
      - Tags of the identity. Leave unset to keep the current tags.
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags).
    type: bool
    default: true
  state:
    description:
      - V(present) creates or updates the identity, V(absent) deletes it (V(changed=false) when it does not exist).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.resource
  - m365.exo_automation.timeout
  - m365.exo_automation.attributes
notes:
  - In check mode a resource group that does not exist yet is a warning and the change is predicted, so that a check-mode
    run of a whole setup (which would create it in an earlier task) reports every step. A real run fails before
    writing anything.
seealso:
  - module: m365.exo_automation.user_assigned_identity_info
  - module: m365.exo_automation.automation_account
  - module: m365.exo_automation.resource_group
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Identity that the runbooks use to connect to Exchange Online
  m365.exo_automation.user_assigned_identity:
    resource_group: rg-exo-automation
    name: id-exo-runbooks
    tags:
      workload: exchange-online-automation
  register: identity

- name: Show the ids Graph and Exchange Online need
  ansible.builtin.debug:
    msg: "principal {{ identity.identity.principal_id }}, client {{ identity.identity.client_id }}"

- name: Remove the identity (and its grants)
  m365.exo_automation.user_assigned_identity:
    resource_group: rg-exo-automation
    name: id-exo-runbooks
    state: absent
'''

RETURN = r'''
identity:
  description:
    - The identity after the task. In check mode a new identity has no ids yet (they are assigned by Azure).
    - Empty when it does not exist.
  returned: always
  type: dict
  sample:
    id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
      /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
    name: id-exo-runbooks
    resource_group: rg-exo-automation
    location: westeurope
    tags:
      workload: exchange-online-automation
    principal_id: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
    client_id: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
    tenant_id: 72f988bf-86f1-41af-91ab-2d7cd011db47
  contains:
    id:
      description: Resource id.
      returned: when the identity exists
      type: str
      sample: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation\
        /providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-exo-runbooks"
    name:
      description: Name.
      returned: when the identity exists
      type: str
      sample: id-exo-runbooks
    resource_group:
      description: Resource group.
      returned: when the identity exists
      type: str
      sample: rg-exo-automation
    location:
      description: Region name.
      returned: when the identity exists
      type: str
      sample: westeurope
    tags:
      description: Tags.
      returned: when the identity exists
      type: dict
      sample: {"workload": "exchange-online-automation"}
    principal_id:
      description: Object id of the identity's service principal in Entra (use it for Graph grants).
      returned: when the identity exists
      type: str
      sample: 25cc7c5b-0a6a-4b32-9d6d-6a0c3f1f0d47
    client_id:
      description: Application (client) id of the identity (use it for C(-ManagedIdentityAccountId)).
      returned: when the identity exists
      type: str
      sample: 6d3c9d9e-1c6b-4f55-93a5-0c52dc8f6bd1
    tenant_id:
      description: Tenant of the identity.
      returned: when the identity exists
      type: str
      sample: 72f988bf-86f1-41af-91ab-2d7cd011db47
diff:
  description: The identity before and after.
  returned: always
  type: dict
  sample: {"before": {}, "after": {"name": "id-exo-runbooks", "location": "westeurope", "tags": {}}}
'''

from ansible_collections.m365.exo_automation.plugins.module_utils import flow
from ansible_collections.m365.exo_automation.plugins.module_utils.diff import tags_update
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import (
    IDENTITY_TYPE,
    identity_diffable,
    identity_facts,
)

ARGSPEC = dict(
    resource_group=dict(type="str", required=True),
    name=dict(type="str", required=True),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


class UserAssignedIdentity(flow.GroupResource):
    result_key = "identity"
    kind = "user_assigned_identity"
    what = "identity"
    arm_type = IDENTITY_TYPE
    sdk = ("msi", "user_assigned_identities")
    facts = staticmethod(identity_facts)
    diffable = staticmethod(identity_diffable)

    def plan_create(self, desired):
        after = {"id": self.resource_id(), "name": self.name, "location": desired["location"],
                 "tags": desired["tags"] or {},
                 "properties": {"principalId": None, "clientId": None, "tenantId": self.m.tenant_id()}}
        return flow.Plan(flow.CREATE, after, {"location": desired["location"], "tags": desired["tags"] or {}})

    def plan_update(self, current, desired):
        changed, new_tags = tags_update(current.get("tags"), desired["tags"], self.params["purge_tags"])
        if not changed:
            return flow.Plan()
        return flow.Plan(flow.UPDATE, dict(current, tags=new_tags), {"tags": new_tags})

    def apply(self, plan):
        from azure.mgmt.msi.models import Identity, IdentityUpdate

        identities = self.operations()
        if plan.action == flow.CREATE:
            identities.create_or_update(self.rg, self.name, Identity(**plan.body))
        elif plan.action == flow.UPDATE:
            identities.update(self.rg, self.name, IdentityUpdate(**plan.body))
        else:
            identities.delete(self.rg, self.name)


def main():
    flow.main(ARGSPEC, UserAssignedIdentity)


if __name__ == "__main__":
    main()
