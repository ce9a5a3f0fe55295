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

from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule, ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphError
from ansible_collections.m365.exo_automation.plugins.module_utils.lookups import (
    confirm,
    create_service_principal,
    delete_service_principal,
    find_service_principal_by_app_id,
    find_service_principals_by_display_name,
    get_service_principal,
    service_principal_facts,
)
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import check_guid
from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown

ARGSPEC = dict(
    app_id=dict(type="str"),
    object_id=dict(type="str", aliases=["id"]),
    display_name=dict(type="str", aliases=["name"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def find(m, graph):
    """``(sp or None, app_id that could create it or None, what)``."""
    p = m.params
    if p["object_id"]:
        oid = check_guid(p["object_id"], "object_id")
        sp = get_service_principal(graph, oid)
        return sp, None, "object id %s" % oid
    if p["app_id"]:
        app_id = wellknown.app_id_for(p["app_id"]) or check_guid(p["app_id"], "app_id")
        sp = find_service_principal_by_app_id(graph, app_id)
        if sp is None and p["state"] == "present" and app_id not in wellknown.FIRST_PARTY_APPS:
            other = get_service_principal(graph, app_id, select="id,appId,displayName")
            if other is not None:
                raise ModuleError(
                    "option 'app_id': %s is the object id of the service principal '%s', not an application id; use "
                    "object_id: %s, or app_id: %s" % (app_id, other.get("displayName"), app_id, other.get("appId")),
                    option="app_id")
        return sp, app_id, "appId %s" % app_id
    name = p["display_name"]
    app_id = wellknown.app_id_for(name)
    if app_id:
        return find_service_principal_by_app_id(graph, app_id), app_id, "'%s' (appId %s)" % (name, app_id)
    found = find_service_principals_by_display_name(graph, name)
    if len(found) > 1:
        raise ModuleError("option 'display_name': %d service principals are named '%s'; use app_id or object_id "
                          "(%s)" % (len(found), name, ", ".join(sp.get("id") for sp in found)),
                          option="display_name")
    return (found[0] if found else None), None, "display name '%s'" % name


def summary(sp):
    """What --diff shows."""
    if not sp:
        return {}
    return {"id": sp.get("id"), "app_id": sp.get("appId"), "display_name": sp.get("displayName"),
            "app_roles": sorted(r.get("value") for r in sp.get("appRoles") or [] if r.get("value"))}


def run_module(m):
    graph = m.graph()
    state = m.params["state"]
    sp, app_id, what = find(m, graph)
    result = {"changed": False, "created": False}

    if state == "absent":
        if sp is None:
            result["service_principal"] = {}
            result["diff"] = {"before": {}, "after": {}}
            return result
        result.update(changed=True, service_principal={}, diff={"before": summary(sp), "after": {}})
        if m.check_mode:
            return result
        delete_service_principal(graph, sp["id"])
        confirm(lambda: get_service_principal(graph, sp["id"], select="id"), lambda s: s is None,
                "deleting service principal %s" % sp["id"])
        return result

    if sp is not None:
        result["service_principal"] = service_principal_facts(sp)
        result["diff"] = {"before": summary(sp), "after": summary(sp)}
        return result

    if not app_id:
        option = "object_id" if m.params["object_id"] else "display_name"
        raise ModuleError("option '%s': no service principal has the %s. To create one, give app_id (the "
                          "application's client id or a well-known name: %s)."
                          % (option, what, ", ".join(wellknown.well_known_names())), option=option)

    predicted = {"appId": app_id, "displayName": wellknown.FIRST_PARTY_APPS.get(app_id)}
    result.update(changed=True, created=True)
    if m.check_mode:
        result["service_principal"] = {"app_id": app_id, "display_name": predicted["displayName"]}
        result["diff"] = {"before": {}, "after": {"app_id": app_id, "display_name": predicted["displayName"]}}
        return result

    try:
        create_service_principal(graph, app_id)
    except GraphError as err:
        if err.is_duplicate():
            result.update(changed=False, created=False)
        elif err.status in (400, 404):
            raise ModuleError(
                "option 'app_id': Graph cannot create a service principal for appId %s: %s" % (
                    app_id, err.graph_message),
                status=err.status, code=err.code, request_id=err.request_id, option="app_id",
                hint="The application id must belong to an application registration of this tenant or to a "
                     "multi-tenant / first-party application.")
        else:
            raise
    sp = confirm(lambda: find_service_principal_by_app_id(graph, app_id), lambda s: s is not None,
                 "creating the service principal of appId %s" % app_id)
    result["service_principal"] = service_principal_facts(sp)
    result["diff"] = {"before": {}, "after": summary(sp)}
    return result


def main():
    ExoModule(argument_spec=ARGSPEC, supports_check_mode=True,
              mutually_exclusive=[("app_id", "object_id", "display_name")],
              required_one_of=[("app_id", "object_id", "display_name")]).run(run_module)


if __name__ == "__main__":
    main()
