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

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule, ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils import arm
from ansible_collections.m365.exo_automation.plugins.module_utils.diff import make_diff, tags_update
from ansible_collections.m365.exo_automation.plugins.module_utils.resources import (
    resource_group_facts as facts,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import (
    check_location_available,
    check_name,
    check_tags,
    normalise_location,
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


def run_module(m):
    p = m.params
    name = check_name("resource_group", p["name"])
    location = normalise_location(p["location"])
    tags = check_tags(p["tags"])
    client = m.resource_client()

    current = facts(arm.get_or_none(client.resource_groups.get, name))

    if p["state"] == "absent":
        if not current:
            return {"changed": False, "resource_group": {}, "diff": make_diff({}, {})}
        if not p["force_delete_nonempty"]:
            inside = [r.get("id") for r in client.resources.list_by_resource_group(name, top=20)]
            if inside:
                raise ModuleError("resource group '%s' still holds %d or more resources (%s); deleting it would "
                                  "delete them too" % (name, len(inside), ", ".join(inside[:5])),
                                  hint="Delete them first, or set force_delete_nonempty=true.",
                                  option="force_delete_nonempty")
        if not m.check_mode:
            poller = client.resource_groups.begin_delete(name)
            if p["wait"]:
                m.wait_poller(poller, "deletion of resource group '%s'" % name)
        return {"changed": True, "resource_group": {}, "diff": make_diff(current, {})}

    if not current:
        if not location:
            raise ModuleError("location is required to create resource group '%s'" % name, option="location")
        check_location_available(location, arm.list_locations(m))
        desired = {
            "id": arm.resource_group_id(m.subscription_id(), name),
            "name": name,
            "location": location,
            "tags": tags or {},
            "provisioning_state": "Succeeded",
            "managed_by": None,
        }
        if not m.check_mode:
            body = {"location": location}
            if tags is not None:
                body["tags"] = tags
            desired = facts(client.resource_groups.create_or_update(name, body))
        return {"changed": True, "resource_group": desired, "diff": make_diff({}, desired)}

    if location and location != current["location"].replace(" ", "").lower():
        raise ModuleError("resource group '%s' exists in %s; its location cannot change to %s"
                          % (name, current["location"], location),
                          hint="Use location %s, or create a group with another name." % current["location"],
                          option="location")
    changed, new_tags = tags_update(current["tags"], tags, p["purge_tags"])
    after = dict(current, tags=new_tags)
    if changed and not m.check_mode:
        after = facts(client.resource_groups.update(name, {"tags": new_tags}))
    return {"changed": changed, "resource_group": after, "diff": make_diff(current, after)}


def main():
    ExoModule(argument_spec=ARGSPEC, supports_check_mode=True).run(run_module)


if __name__ == "__main__":
    main()
