#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: service_principal
short_description: Ensure the tenant has the service principal of an application (for example Office 365 Exchange Online)
version_added: 0.1.0
description:
  - Finds a service principal by application (client) id, object id, display name or well-known name and, with
    O(state=present), creates it from the application id when the tenant lacks it.
  - This is the fix for tenants where
    C(Get-MgServicePrincipal -Filter "AppId eq '00000002-0000-0ff1-ce00-000000000000'") returns nothing, so
    that B(Exchange.ManageAsApp) cannot be granted.
  - Well-known names are V(Office 365 Exchange Online) (also V(Exchange Online), V(exchange_online); appId
    C(00000002-0000-0ff1-ce00-000000000000)) and V(Microsoft Graph) (also V(microsoft_graph); appId
    C(00000003-0000-0000-c000-000000000000)), compared without regard to case, spaces, C(-) and C(_).
  - Uses Microsoft Graph v1.0 C(servicePrincipals). Creating needs the Graph permission
    C(Application.ReadWrite.All) (or the Cloud Application Administrator role); reading needs
    C(Application.Read.All).
options:
  app_id:
    description:
      - Application (client) id of the application, or a well-known name.
      - Required to create a missing service principal (unless O(display_name) is a well-known name).
      - Mutually exclusive with O(object_id) and O(display_name).
    type: str
  object_id:
    description:
      - Object id of the service principal. Mutually exclusive with O(app_id) and O(display_name).
    type: str
    aliases: [id]
  display_name:
    description:
      - Display name of the service principal, or a well-known name (then looked up by its appId).
      - Fails when several service principals carry the name.
    type: str
    aliases: [name]
  state:
    description:
      - V(present) creates the service principal from the application id when it is missing.
      - V(absent) deletes it. Deleting the service principal of a first-party application (Exchange Online,
        Microsoft Graph) removes every permission granted on it; do so only when you mean it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - m365.exo_automation.auth
  - m365.exo_automation.auth.graph
  - m365.exo_automation.timeout
  - m365.exo_automation.attributes
notes:
  - A service principal is found by application id with
    C(GET /servicePrincipals?$filter=appId eq '<id>'), and created with C(POST /servicePrincipals) and the
    application id in the body.
  - After a change the module reads again until several consecutive reads agree, as Entra ID replicates
    writes asynchronously.
  - The role C(m365.exo_automation.managed_identity_access) ensures the resource service principal, waits for
    the principal, grants the app roles and assigns the Entra roles, in that order.
seealso:
  - module: m365.exo_automation.service_principal_info
  - module: m365.exo_automation.app_role_assignment
author:
  - m365.exo_automation maintainers (@m365)
'''

EXAMPLES = r'''
- name: Make sure the tenant has the Office 365 Exchange Online service principal
  m365.exo_automation.service_principal:
    app_id: Office 365 Exchange Online
  register: exo_sp

- name: Show the app roles Exchange Online offers
  ansible.builtin.debug:
    msg: "{{ exo_sp.service_principal.app_roles | map(attribute='value') | list }}"

- name: The same by application id
  m365.exo_automation.service_principal:
    app_id: 00000002-0000-0ff1-ce00-000000000000
    state: present

- name: Look up a service principal by display name (fails when it is missing)
  m365.exo_automation.service_principal:
    display_name: Contoso Reporting
'''

RETURN = r'''
service_principal:
  description:
    - The service principal after the task. Empty after O(state=absent).
    - In check mode, when it would be created, only RV(service_principal.app_id) and
      RV(service_principal.display_name) (for well-known applications) are known.
  returned: always
  type: dict
  contains:
    id:
      description: Object id of the service principal.
      returned: when it exists
      type: str
      sample: 3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8
    app_id:
      description: Application (client) id.
      returned: when it exists or would be created
      type: str
      sample: 00000002-0000-0ff1-ce00-000000000000
    display_name:
      description: Display name.
      returned: when it exists
      type: str
      sample: Office 365 Exchange Online
    service_principal_type:
      description: C(Application), C(ManagedIdentity), C(Legacy) or C(SocialIdp).
      returned: when it exists
      type: str
      sample: Application
    account_enabled:
      description: Whether the service principal can sign in.
      returned: when it exists
      type: bool
      sample: true
    app_owner_organization_id:
      description: Tenant id of the organization that owns the application.
      returned: when it exists
      type: str
      sample: f8cdef31-a31e-4b4a-93e4-5f571e91255a
    alternative_names:
      description: Alternative names; for a managed identity, its ARM resource id.
      returned: when it exists
      type: list
      elements: str
      sample: []
    app_roles:
      description: App roles (application permissions) the application offers.
      returned: when it exists
      type: list
      elements: dict
      sample:
        - id: dc50a0fb-09a3-484d-be87-e023b12c6440
          value: Exchange.ManageAsApp
          display_name: Manage Exchange As Application
          description: Allows the app to manage the organization's Exchange environment without any user interaction.
          allowed_member_types: [Application]
          is_enabled: true
created:
  description: Whether the task created the service principal (or would, in check mode).
  returned: always
  type: bool
  sample: false
'''

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    confirm,
    create_service_principal_of,
    delete_service_principal,
    find_service_principal_by_app_id,
    find_service_principals_by_display_name,
    get_service_principal,
    service_principal_argspec,
    service_principal_facts,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_guid
from ansible_collections.m365.exo_automation.plugins.module_utils import flow, wellknown

ARGSPEC = service_principal_argspec(
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


class ServicePrincipal(flow.Resource):
    """The service principal named by object_id, app_id or display_name (Graph JSON)."""

    result_key = "service_principal"

    def __init__(self, m):
        super(ServicePrincipal, self).__init__(m)
        p = self.params
        self.graph = m.graph()
        self.object_id = self.app_id = self.name = None
        if p["object_id"]:
            self.object_id = check_guid(p["object_id"], "object_id")
        elif p["app_id"]:
            self.app_id = wellknown.app_id_for(p["app_id"]) or check_guid(p["app_id"], "app_id")
        else:  # a well-known display name is looked up (and created) by its appId
            self.name = p["display_name"]
            self.app_id = wellknown.app_id_for(self.name)
        self.creating = False  # set by apply() after the POST: read() then confirms

    def read(self):
        if self.creating:  # after the POST: read until Graph shows it consistently
            return confirm(lambda: find_service_principal_by_app_id(self.graph, self.app_id),
                           lambda s: s is not None, "creating the service principal of appId %s" % self.app_id)
        if self.object_id:
            return get_service_principal(self.graph, self.object_id)
        if self.app_id:
            return find_service_principal_by_app_id(self.graph, self.app_id)
        found = find_service_principals_by_display_name(self.graph, self.name)
        if len(found) > 1:
            raise ModuleError("option 'display_name': %d service principals are named '%s'; use app_id or object_id "
                              "(%s)" % (len(found), self.name, ", ".join(sp.get("id") for sp in found)),
                              option="display_name")
        return found[0] if found else None

    def desired(self, current):
        if self.params["state"] == "absent":
            return None
        if current is not None:
            return current
        if not self.app_id:
            option, what = (("object_id", "object id %s" % self.object_id) if self.object_id
                            else ("display_name", "display name '%s'" % self.name))
            raise ModuleError("option '%s': no service principal has the %s. To create one, give app_id (the "
                              "application's client id or a well-known name: %s)."
                              % (option, what, ", ".join(wellknown.well_known_names())), option=option)
        if self.params["app_id"] and self.app_id not in wellknown.FIRST_PARTY_APPS:
            other = get_service_principal(self.graph, self.app_id, select="id,appId,displayName")
            if other is not None:
                raise ModuleError(
                    "option 'app_id': %s is the object id of the service principal '%s', not an application id; use "
                    "object_id: %s, or app_id: %s" % (self.app_id, other.get("displayName"), self.app_id,
                                                      other.get("appId")),
                    option="app_id")
        # before Graph assigns an object id, only the application id (and a first-party name) is known
        return {"appId": self.app_id, "displayName": wellknown.FIRST_PARTY_APPS.get(self.app_id)}

    def plan(self, current, desired):
        if desired is None:
            return flow.Plan(flow.DELETE, id=current["id"]) if current is not None else flow.Plan()
        if current is not None:
            return flow.Plan()
        return flow.Plan(flow.CREATE, desired, {"appId": desired["appId"]}, created=True)

    def apply(self, plan):
        graph = self.graph
        if plan.action == flow.DELETE:
            oid = plan.details["id"]
            delete_service_principal(graph, oid)
            confirm(lambda: get_service_principal(graph, oid, select="id"), lambda s: s is None,
                    "deleting service principal %s" % oid)
            return
        # created meanwhile by someone else: not this task's change
        plan.details["created"] = create_service_principal_of(graph, plan.body["appId"])
        self.creating = True

    def facts(self, obj):
        if not obj:
            return {}
        facts = service_principal_facts(obj)
        if obj.get("id") is None:  # the check-mode prediction of a creation
            return {"app_id": facts["app_id"], "display_name": facts["display_name"]}
        return facts

    def diffable(self, facts):
        out = dict((k, facts[k]) for k in ("id", "app_id", "display_name") if k in facts)
        if "app_roles" in facts:
            out["app_roles"] = sorted(r["value"] for r in facts["app_roles"] if r.get("value"))
        return out

    def extra(self, plan, after):
        created = plan.details.get("created", False)
        if plan.action == flow.CREATE and not created:  # the POST found it created meanwhile: no change
            return {"created": False, "changed": False}
        return {"created": created}


def main():
    names = ("app_id", "object_id", "display_name")
    flow.main(ARGSPEC, ServicePrincipal, mutually_exclusive=[names], required_one_of=[names])


if __name__ == "__main__":
    main()
