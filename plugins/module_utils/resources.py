# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Facts of the ARM resources the account modules manage (resource groups, user-assigned identities,
Automation accounts), shared by the modules and their _info counterparts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.m365.exo_automation.plugins.module_utils import arm
from ansible_collections.m365.exo_automation.plugins.module_utils.errors import ModuleError
from ansible_collections.m365.exo_automation.plugins.module_utils.validation import (
    check_location_available,
    check_name,
    normalise_location,
    parse_resource_id,
)

IDENTITY_TYPE = "Microsoft.ManagedIdentity/userAssignedIdentities"
ACCOUNT_TYPE = "Microsoft.Automation/automationAccounts"

# module value -> ARM identity type, and back (compared without spaces or case)
ARM_TYPES = {
    "none": "None",
    "system": "SystemAssigned",
    "user": "UserAssigned",
    "both": "SystemAssigned, UserAssigned",
}
FROM_ARM = dict((v.replace(" ", "").lower(), k) for k, v in ARM_TYPES.items())


def resource_group_facts(group):
    """ARM JSON of a resource group -> the returned facts."""
    if not group:
        return {}
    group = arm.to_dict(group)
    return {
        "id": group.get("id"),
        "name": group.get("name"),
        "location": group.get("location"),
        "tags": dict(group.get("tags") or {}),
        "provisioning_state": (group.get("properties") or {}).get("provisioningState"),
        "managed_by": group.get("managedBy"),
    }


def _resource_facts(d, **more):
    """The facts every top-level resource of a resource group returns (id, name, resource group, location, tags),
    then ``more``."""
    parts = parse_resource_id(d.get("id")) or {}
    facts = {
        "id": d.get("id"),
        "name": d.get("name"),
        "resource_group": parts.get("resource_group"),
        "location": d.get("location"),
        "tags": dict(d.get("tags") or {}),
    }
    facts.update(more)
    return facts


def identity_facts(identity):
    """An SDK Identity (or its dict) -> the returned facts."""
    if not identity:
        return {}
    d = arm.to_dict(identity)
    props = d.get("properties") or {}
    return _resource_facts(
        d,
        principal_id=props.get("principalId"),
        client_id=props.get("clientId"),
        tenant_id=props.get("tenantId"),
    )


def identity_diffable(f):
    """Ids Azure assigns are not something the user changes; keep them out of the diff."""
    return dict((k, v) for k, v in f.items() if k not in ("principal_id", "client_id", "tenant_id"))


def resource_group_location(m, resource_group, option="resource_group"):
    """The location of an existing resource group; ModuleError naming the option when it does not exist.

    In check mode a missing group is a warning and None is returned: an earlier task of the same play may be about
    to create it (a check-mode run of a whole setup predicts every step)."""
    group = arm.get_or_none(m.resource_client().resource_groups.get, resource_group)
    if group is None and m.check_mode:
        m.warn("%s '%s' does not exist (yet); in check mode the change is predicted, but a real run fails unless "
               "the group is created first" % (option, resource_group))
        return None
    if group is None:
        raise ModuleError("%s '%s' does not exist in subscription %s" % (option, resource_group, m.subscription_id()),
                          hint="Create it first with m365.exo_automation.resource_group.", option=option)
    return group.get("location")


def desired_location(m, resource_group, current, value, what, name, option="location"):
    """The region of a resource in ``resource_group``: for a new one, ``value`` (normalised and checked against
    the subscription's regions) or else the group's; for an existing one, its own, and a different ``value`` is an
    error naming ``option`` (Azure cannot move it)."""
    location = normalise_location(value, option)
    if current is None:
        rg_location = resource_group_location(m, resource_group)
        if location:
            return check_location_available(location, arm.list_locations(m), option)
        return rg_location
    have = current.get("location") or ""
    if location and location != have.replace(" ", "").lower():
        raise ModuleError("%s '%s' exists in %s; its location cannot change to %s" % (what, name, have, location),
                          hint="Use location %s, or create %s with another name." % (have, "one"), option=option)
    return location


def identity_type(arm_type):
    """ARM identity type (any spacing/case, or None) -> none/system/user/both."""
    return FROM_ARM.get(str(arm_type or "None").replace(" ", "").lower(), "none")


def user_identity_facts(rid, props):
    parts = parse_resource_id(rid) or {}
    props = props or {}
    return {
        "id": rid,
        "name": parts.get("name"),
        "resource_group": parts.get("resource_group"),
        "principal_id": props.get("principalId"),
        "client_id": props.get("clientId"),
    }


def account_facts(account):
    """ARM JSON of an account -> the returned facts."""
    if not account:
        return {}
    d = arm.to_dict(account)
    props = d.get("properties") or {}
    ident = d.get("identity") or {}
    users = ident.get("userAssignedIdentities") or {}
    return _resource_facts(
        d,
        sku=(props.get("sku") or {}).get("name"),
        state=props.get("state"),
        public_network_access=props.get("publicNetworkAccess"),
        disable_local_auth=props.get("disableLocalAuth"),
        creation_time=props.get("creationTime"),
        last_modified_time=props.get("lastModifiedTime"),
        identity={
            "type": identity_type(ident.get("type")),
            "principal_id": ident.get("principalId"),
            "tenant_id": ident.get("tenantId"),
            "user_assigned_identities": sorted(
                (user_identity_facts(rid, p) for rid, p in users.items()), key=lambda u: u["id"].lower()),
        },
    )


def account_diffable(f):
    """What the user declares: no server timestamps, state, or Azure-assigned ids."""
    if not f:
        return {}
    out = dict((k, v) for k, v in f.items()
               if k not in ("creation_time", "last_modified_time", "state", "identity"))
    ident = f.get("identity") or {}
    out["identity"] = {
        "type": ident.get("type", "none"),
        "user_assigned_identities": [u["id"] for u in ident.get("user_assigned_identities") or []],
    }
    return out


def tags_match(item_tags, wanted):
    if not wanted:
        return True
    item_tags = item_tags or {}
    return all(str(item_tags.get(k)) == str(v) for k, v in wanted.items() if k in item_tags) \
        and all(k in item_tags for k in wanted)


def info_argspec():
    """The options of an ``_info`` module of a top-level ARM resource: ``resource_group``, ``name`` and ``tags``
    (``name`` goes with ``resource_group``: pass ``required_by=INFO_REQUIRED_BY``)."""
    return dict(
        resource_group=dict(type="str"),
        name=dict(type="str"),
        tags=dict(type="dict"),
    )


INFO_REQUIRED_BY = {"name": "resource_group"}


def list_resources(m, client, operations, list_all, kind, facts):
    """What the ``_info`` module of a top-level ARM resource returns: the facts of the resource ``name`` of
    ``resource_group``, of every one of the group, or of every one of the subscription, that carry all ``tags``,
    sorted by resource id. ``resource_group`` and ``name`` (the naming rule ``kind`` of validation.NAME_RULES) are
    checked before any request. ``client`` names the SDK client (``automation``: ``m.automation_client()``,
    ``msi``), ``operations`` its operation group and ``list_all`` the group's subscription-wide list operation
    (see arm.read_scope)."""
    p = m.params
    if p["resource_group"]:
        check_name("resource_group", p["resource_group"], "resource_group")
    if p["name"]:
        check_name(kind, p["name"])
    group = getattr(getattr(m, client + "_client")(), operations)
    found = [facts(item) for item in arm.read_scope(group, list_all, p["resource_group"], p["name"])]
    found = [f for f in found if tags_match(f["tags"], p.get("tags"))]
    found.sort(key=lambda f: (f["id"] or "").lower())
    return found
