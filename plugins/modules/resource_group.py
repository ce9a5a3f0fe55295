#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: resource_group
short_description: Create, update and delete Azure resource groups
version_added: 0.1.0
description:
  - Creates a resource group, keeps its tags as declared, and deletes it.
  - The location of an existing group cannot change; a different O(location) is an error.
  - Deleting a group deletes everything in it. Unless O(force_delete_nonempty=true), a group that still holds
    resources is not deleted and the task fails, listing them.
options:
  name:
    description:
      - Name of the resource group (1-90 letters, digits, underscores, hyphens, periods and parentheses,
        not ending with a period).
    type: str
    required: true
  location:
    description:
      - Azure region, as a name (V(westeurope)) or display name (V(West Europe)). Required to create the group.
      - Checked against the regions of the subscription before anything is written.
    type: str
  tags:
    description:
      - Tags of the group. Leave unset to keep the current tags.
    type: dict
  purge_tags:
    description:
      - Remove tags that are not in O(tags). With V(false), O(tags) are added or updated and other tags stay.
    type: bool
    default: true
  force_delete_nonempty:
    description:
      - With O(state=absent), delete the group even when it holds resources (they are deleted with it).
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the group, V(absent) deletes it. A group that does not exist is
        V(changed=false) with V(absent).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.resource
  - m365.exo_automation.wait
  - m365.exo_automation.attributes
notes:
  - O(wait) and O(timeout) apply to deletion, which Azure runs as a long-running operation.
seealso:
  - module: m365.exo_automation.user_assigned_identity
  - module: m365.exo_automation.automation_account
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Resource group for the Exchange Online automation
  m365.exo_automation.resource_group:
    name: rg-exo-automation
    location: westeurope
    tags:
      workload: exchange-online-automation

- name: Add a tag and keep the others
  m365.exo_automation.resource_group:
    name: rg-exo-automation
    tags:
      owner: messaging-team
    purge_tags: false

- name: Delete the group and everything in it
  m365.exo_automation.resource_group:
    name: rg-exo-automation
    state: absent
    force_delete_nonempty: true
'''

RETURN = r'''
resource_group:
  description: The resource group after the task (in check mode, as it would be). Empty when it does not exist.
  returned: always
  type: dict
  sample:
    id: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation
    name: rg-exo-automation
    location: westeurope
    tags:
      workload: exchange-online-automation
    provisioning_state: Succeeded
    managed_by: null
  contains:
    id:
      description: Resource id.
      returned: when the group exists
      type: str
      sample: /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-exo-automation
    name:
      description: Name.
      returned: when the group exists
      type: str
      sample: rg-exo-automation
    location:
      description: Region name.
      returned: when the group exists
      type: str
      sample: westeurope
    tags:
      description: Tags.
      returned: when the group exists
      type: dict
      sample: {"workload": "exchange-online-automation"}
    provisioning_state:
      description: Provisioning state reported by Azure.
      returned: when the group exists
      type: str
      sample: Succeeded
    managed_by:
      description: Id of the resource that manages the group, if any.
      returned: when the group exists
      type: str
      sample: null
diff:
  description: The group before and after (only with --diff it is shown).
  returned: always
  type: dict
  sample: {"before": {}, "after": {"name": "rg-exo-automation", "location": "westeurope", "tags": {}}}
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import arm, flow
from ansible_collections.m365.exo_automation.plugins.module_utils.diff import tags_update
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import resource_group_facts
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import (
    check_location_available,
    check_name,
    check_tags,
    normalise_location,
    resource_group_id,
)

ARGSPEC = dict(
    name=dict(type="str", required=True),
    location=dict(type="str"),
    tags=dict(type="dict"),
    purge_tags=dict(type="bool", default=True),
    force_delete_nonempty=dict(type="bool", default=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    wait=dict(type="bool", default=True),
    timeout=dict(type="int", default=600),
)


class ResourceGroup(flow.Resource):
    result_key = "resource_group"

    def __init__(self, m):
        super(ResourceGroup, self).__init__(m)
        self.name = check_name("resource_group", self.params["name"])
        self.client = m.resource_client()

    def read(self):
        return arm.to_dict(arm.get_or_none(self.client.resource_groups.get, self.name))

    def facts(self, obj):
        return resource_group_facts(obj)

    def desired(self, current):
        p = self.params
        if p["state"] == "absent":
            return None
        location = normalise_location(p["location"])
        tags = check_tags(p["tags"])
        if current is None:
            if not location:
                raise ModuleError("location is required to create resource group '%s'" % self.name,
                                  option="location")
            check_location_available(location, arm.list_locations(self.m))
        elif location and location != current["location"].replace(" ", "").lower():
            raise ModuleError("resource group '%s' exists in %s; its location cannot change to %s"
                              % (self.name, current["location"], location),
                              hint="Use location %s, or create a group with another name." % current["location"],
                              option="location")
        return {"location": location, "tags": tags}

    def plan(self, current, desired):
        if desired is None:
            if current is None:
                return flow.Plan()
            self._check_empty()
            return flow.Plan(flow.DELETE)
        if current is None:
            body = {"location": desired["location"]}
            if desired["tags"] is not None:
                body["tags"] = desired["tags"]
            after = {"id": resource_group_id(self.m.subscription_id(), self.name), "name": self.name,
                     "location": desired["location"], "tags": desired["tags"] or {},
                     "properties": {"provisioningState": "Succeeded"}, "managedBy": None}
            return flow.Plan(flow.CREATE, after, body)
        changed, new_tags = tags_update(current.get("tags"), desired["tags"], self.params["purge_tags"])
        if not changed:
            return flow.Plan()
        return flow.Plan(flow.UPDATE, dict(current, tags=new_tags), {"tags": new_tags})

    def _check_empty(self):
        if self.params["force_delete_nonempty"]:
            return
        inside = [r.get("id") for r in self.client.resources.list_by_resource_group(self.name, top=20)]
        if inside:
            raise ModuleError("resource group '%s' still holds %d or more resources (%s); deleting it would "
                              "delete them too" % (self.name, len(inside), ", ".join(inside[:5])),
                              hint="Delete them first, or set force_delete_nonempty=true.",
                              option="force_delete_nonempty")

    def apply(self, plan):
        groups = self.client.resource_groups
        if plan.action == flow.CREATE:
            groups.create_or_update(self.name, plan.body)
        elif plan.action == flow.UPDATE:
            groups.update(self.name, plan.body)
        else:
            poller = groups.begin_delete(self.name)
            if self.params["wait"]:
                self.m.wait_poller(poller, "deletion of resource group '%s'" % self.name)


def main():
    flow.main(ARGSPEC, ResourceGroup)


if __name__ == "__main__":
    main()
