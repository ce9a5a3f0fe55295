"""Microsoft Graph v1.0: servicePrincipals, appRoleAssignments / appRoleAssignedTo, roleManagement.

Hook API used by the ARM side (keep these signatures):

* ``register_managed_identity(emu, principal_id, client_id, name, resource_id)``: the service principal of a
  managed identity; visible to Graph ``replication_delay_s`` after this call.
* ``remove_managed_identity(emu, principal_id)``: removes it with every assignment it holds.
* ``exo_access(emu, principal_id)``: what Exchange Online sees of a principal:
  ``{"visible": bool, "app_id": str|None, "manage_as_app": bool, "role_template_ids": [..]}``.
"""
from .core import new_guid, on_reset, utcnow_iso  # noqa: F401

EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
MANAGE_AS_APP_ROLE_ID = "dc50a0fb-09a3-484d-be87-e023b12c6440"


def register_managed_identity(emu, principal_id, client_id, name, resource_id):
    with emu.lock:
        emu.graph("servicePrincipals")[principal_id] = {
            "id": principal_id,
            "appId": client_id,
            "displayName": name,
            "servicePrincipalType": "ManagedIdentity",
            "alternativeNames": ["isExplicit=" + ("True" if "/userassignedidentities/" in resource_id.lower() else "False"), resource_id],
            "servicePrincipalNames": [client_id, f"https://identity.azure.net/{new_guid()}"],
            "accountEnabled": True,
            "appRoles": [],
            "tags": [],
            "_visible_at": emu.now() + float(emu.settings.get("replication_delay_s") or 0),
        }


def remove_managed_identity(emu, principal_id):
    with emu.lock:
        emu.graph("servicePrincipals").pop(principal_id, None)
        for coll in ("appRoleAssignments", "roleAssignments"):
            items = emu.graph(coll)
            for key in [k for k, v in items.items() if principal_id in (v.get("principalId"), v.get("resourceId"))]:
                del items[key]


def exo_access(emu, principal_id):
    sp = emu.graph("servicePrincipals").get(principal_id)
    visible = bool(sp) and emu.now() >= sp.get("_visible_at", 0)
    manage = any(
        a.get("principalId") == principal_id and a.get("appRoleId") == MANAGE_AS_APP_ROLE_ID
        for a in emu.graph("appRoleAssignments").values()
    )
    roles = sorted(
        a.get("roleDefinitionId") for a in emu.graph("roleAssignments").values() if a.get("principalId") == principal_id
    )
    return {"visible": visible, "app_id": sp["appId"] if sp else None, "manage_as_app": manage, "role_template_ids": roles}
