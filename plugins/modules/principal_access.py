#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: principal_access
short_description: App roles and Entra roles of one managed identity or service principal, in one task
version_added: 0.1.0
description:
  - Grants the app roles of O(app_roles) (on one or more resource applications, for example
    B(Exchange.ManageAsApp) of I(Office 365 Exchange Online)) and assigns the Entra roles of O(directory_roles)
    to one principal, or removes them; what M(m365.exo_automation.app_role_assignment) and
    M(m365.exo_automation.directory_role_assignment) do, in one module process, with one sign-in.
  - Every grant is read, resolved and planned before anything is written, so an unknown app role, resource or
    Entra role in any entry fails the task with nothing written, and before a new principal is waited for. The
    principal is listed once per kind and waited for (replication of a new managed identity) at most once.
  - With O(state=present) the app roles are granted first (a missing resource service principal is created
    where the entry says O(app_roles[].create_resource=true)), then the Entra roles. With O(state=absent) the
    Entra roles are removed first, then the app roles.
  - Returns, under RV(app_roles) and RV(directory_roles), what the two modules return, so their C(extra) lists
    hold the privilege the principal holds and the task does not declare (an audit in check mode reports it).
    O(exclusive) alone decides what is removed.
  - Needs the Graph permissions C(AppRoleAssignment.ReadWrite.All), C(Application.Read.All) and
    C(RoleManagement.ReadWrite.Directory) (or the Privileged Role Administrator role).
options:
  app_roles:
    description:
      - One entry per resource application whose app roles the principal is granted.
      - A resource may appear only once.
    type: list
    elements: dict
    default: []
    suboptions:
      resource:
        description:
          - The application, by well-known name (V(Office 365 Exchange Online), V(Microsoft Graph)), application
            (client) id or service principal object id, as O(m365.exo_automation.app_role_assignment#module:resource).
        type: str
        required: true
      app_roles:
        description:
          - App roles by value (V(Exchange.ManageAsApp)) or id.
          - Required with O(state=present). With O(state=absent) an empty list removes every app role of
            O(principal) on the resource.
        type: list
        elements: str
        default: []
      create_resource:
        description:
          - With O(state=present), create the resource's service principal when the tenant has none, as
            O(m365.exo_automation.app_role_assignment#module:create_resource) does.
        type: bool
        default: false
      exclusive:
        description: O(exclusive) for this resource only. Defaults to the task's O(exclusive).
        type: bool
  directory_roles:
    description:
      - Entra roles by display name (V(Exchange Administrator)) or by template or role definition id, assigned at
        O(directory_scope_id).
      - With O(state=present) and an empty list, the principal's Entra roles are read and returned
        (RV(directory_roles)) and none is changed, unless O(exclusive=true), which removes every role at
        O(directory_scope_id). With O(state=absent) an empty list removes every role at O(directory_scope_id).
    type: list
    elements: str
    default: []
  directory_scope_id:
    description:
      - Scope of the Entra role assignments. V(/) is the whole tenant, which is what Exchange Online needs.
    type: str
    default: /
  exclusive:
    description:
      - With V(true), the app roles on each listed resource and the Entra roles at O(directory_scope_id) that the
        task does not declare are removed. Roles on other resources or at other scopes are never touched.
      - Either way, what the task does not declare is returned in the C(extra) lists of RV(app_roles) and
        RV(directory_roles).
    type: bool
    default: false
extends_documentation_fragment:
  - m365.exo_automation.assignment
  - m365.exo_automation.auth
  - m365.exo_automation.auth.automation
  - m365.exo_automation.auth.msi
  - m365.exo_automation.auth.graph
  - m365.exo_automation.timeout
  - m365.exo_automation.attributes
notes:
  - In check mode nothing is written; when the managed identity does not exist yet the grants are reported as
    changes with a warning.
  - O(timeout) covers the whole task, every grant and the wait for the principal included.
  - The role C(m365.exo_automation.managed_identity_access) runs this module in one task.
seealso:
  - module: m365.exo_automation.app_role_assignment
  - module: m365.exo_automation.directory_role_assignment
  - module: m365.exo_automation.service_principal
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Let the Automation account's managed identity run Exchange Online cmdlets (app role and Entra role)
  m365.exo_automation.principal_access:
    principal: /subscriptions/{{ subscription_id }}/resourceGroups/rg-exo/providers/Microsoft.Automation/automationAccounts/aa-exo
    app_roles:
      - resource: Office 365 Exchange Online
        app_roles: [Exchange.ManageAsApp]
        create_resource: true  # tenants that lack the service principal of Office 365 Exchange Online
    directory_roles:
      - Exchange Recipient Administrator

- name: Keep exactly these grants (undeclared ones on these resources and at / are removed)
  m365.exo_automation.principal_access:
    principal: "{{ identity_principal_id }}"
    app_roles:
      - resource: Office 365 Exchange Online
        app_roles: [Exchange.ManageAsApp]
      - resource: Microsoft Graph
        app_roles: [User.Read.All]
    directory_roles: [Exchange Administrator]
    exclusive: true

- name: Remove the grants again (Entra roles first)
  m365.exo_automation.principal_access:
    principal: "{{ identity_principal_id }}"
    app_roles:
      - resource: Office 365 Exchange Online
        app_roles: [Exchange.ManageAsApp]
    directory_roles: [Exchange Administrator]
    state: absent
'''

RETURN = r'''
principal_id:
  description: Object id of the principal; null in check mode when its managed identity does not exist yet.
  returned: always
  type: str
  sample: 5b4c3d2e-1f0a-4b9c-8d7e-6f5a4b3c2d1e
app_roles:
  description:
    - One result per entry of O(app_roles), in its order, each with the keys
      M(m365.exo_automation.app_role_assignment) returns (C(resource), C(resource_created), C(app_roles),
      C(added), C(removed), C(assignments), C(extra)) and C(changed) and C(name) (the entry's resource as
      given).
    - C(extra) of each holds the grants of the principal, on any resource, that its entry does not declare, so a
      grant on another listed resource is in the C(extra) of the other entries too.
    - When the task fails, the entries done before the failure.
  returned: always
  type: list
  elements: dict
  sample:
    - name: Office 365 Exchange Online
      changed: true
      resource: {"id": "3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8", "app_id": "00000002-0000-0ff1-ce00-000000000000",
                 "display_name": "Office 365 Exchange Online"}
      resource_created: false
      app_roles: [Exchange.ManageAsApp]
      added: [Exchange.ManageAsApp]
      removed: []
      assignments: []
      extra: []
directory_roles:
  description:
    - What M(m365.exo_automation.directory_role_assignment) returns (C(roles), C(added), C(removed),
      C(assignments), C(exchange_online_accepted), C(extra)) and C(changed) for the Entra roles at
      O(directory_scope_id).
    - Without O(directory_roles) (and without O(exclusive)), the roles the principal holds, all in C(extra).
  returned: unless the task failed before the Entra roles were done
  type: dict
  sample:
    changed: false
    roles: [Exchange Recipient Administrator]
    added: []
    removed: []
    assignments: []
    exchange_online_accepted: true
    extra: []
exchange_online_accepted:
  description: Whether the principal holds, tenant-wide, an Entra role that Exchange Online accepts for app-only
    access after the task (predicted in check mode).
  returned: unless the task failed before the Entra roles were done
  type: bool
  sample: true
name:
  description: When the task fails, the entry it failed on (the resource as given, or C(Entra roles)).
  returned: on failure
  type: str
  sample: Office 365 Exchange Online
'''

import copy

from ansible_collections.m365.exo_automation.plugins.module_utils import base, flow, grants
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError

ENTRA = "Entra roles"


def _app_role_entry_spec():
    spec = copy.deepcopy(grants.APP_ROLE_OPTIONS)
    spec["exclusive"] = dict(type="bool")
    return spec


ARGSPEC = flow.link_argspec(
    app_roles=dict(type="list", elements="dict", default=[], options=_app_role_entry_spec()),
    directory_roles=dict(type="list", elements="str", default=[]),
    directory_scope_id=dict(type="str", default="/"),
)


class AppRoles(grants.AppRoleAssignments):
    """The app roles of one entry of ``app_roles``."""

    option_names = {"resource": "app_roles", "app_roles": "app_roles"}

    @property
    def entry_label(self):
        return "app roles on %s" % self.params["resource"]


class _EntraLabel(object):
    entry_label = "Entra roles"


class EntraRoles(_EntraLabel, grants.DirectoryRoleAssignments):
    option_names = {"roles": "directory_roles", "directory_scope_id": "directory_scope_id"}


class HeldEntraRoles(_EntraLabel, grants.HeldDirectoryRoles):
    option_names = EntraRoles.option_names


def app_role_params(m, entry):
    p = m.params
    if p["state"] == "present" and not entry["app_roles"]:
        raise ModuleError("option 'app_roles': the entry of resource '%s' lists no app roles; with state=present "
                          "list at least one" % entry["resource"], option="app_roles")
    exclusive = p["exclusive"] if entry.get("exclusive") is None else entry["exclusive"]
    return dict(p, resource=entry["resource"], app_roles=entry["app_roles"],
                create_resource=entry["create_resource"], exclusive=exclusive)


def entra_roles(m):
    """The Entra roles' flow object: the declared roles, every role at the scope (removed: state=absent or
    exclusive without roles), or the roles held, read only."""
    p = m.params
    params = dict(p, roles=p["directory_roles"])
    if p["state"] == "present" and not p["directory_roles"]:
        if p["exclusive"]:
            return EntraRoles(flow.Entry(m, dict(params, state="absent")))
        return HeldEntraRoles(flow.Entry(m, params))
    return EntraRoles(flow.Entry(m, params))


def run_module(m):
    p = m.params
    apps = []
    if p["app_roles"]:
        apps = [AppRoles(e) for e in flow.entries(m, "app_roles", lambda e: app_role_params(m, e), key="resource")]
    entra = entra_roles(m)
    # on teardown the Entra roles go first
    resources = [entra] + apps if p["state"] == "absent" else apps + [entra]
    try:
        result = flow.run_entries(m, "grants", resources,
                                  name_of=lambda r: ENTRA if r is entra else r.params["resource"])
    except ModuleError as err:
        if err.result and "grants" in err.result:  # the entries done before the failure
            err.result = dict(err.result)
            err.result.update(shape(resources, entra, err.result.pop("grants")))
        raise
    out = shape(resources, entra, result["grants"])
    out.update(changed=result["changed"], principal_id=entra.principal_id)
    if "diff" in result:
        out["diff"] = result["diff"]
    return out


def shape(resources, entra, done):
    """``app_roles`` (one result per entry done, in order) and ``directory_roles`` (with ``exchange_online_accepted``
    beside it) from the results of the entries done, which are those of the first ``resources``."""
    out = {"app_roles": []}
    for resource, r in zip(resources, done):
        r = dict((k, v) for k, v in r.items() if k != "diff")
        if resource is entra:
            r.pop("name")
            out["directory_roles"] = r
            out["exchange_online_accepted"] = r.get("exchange_online_accepted", False)
        else:
            out["app_roles"].append(r)
    return out


def main():
    base.main(ARGSPEC, run_module)


if __name__ == "__main__":
    main()
