# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory Microsoft Graph tenant behind an httpx mock transport, for the identity modules' unit tests.

The modules run unchanged with the real GraphClient (msgraph-sdk's middleware, retry handler and kiota's
authentication provider); only the socket is replaced. Sleeps of the replication wait are recorded through a
fake clock, and the SDK retry handler's sleeps through ``retry_sleeps``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import uuid
from urllib.parse import unquote

import httpx

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown as wk
from ansible_collections.m365.exo_automation.tests.unit.utils import install_clock

BASE = "https://graph.example.test"
V1 = "/v1.0"


def new_id():
    return str(uuid.uuid4())


def exo_sp():
    return {"id": new_id(), "appId": wk.EXCHANGE_ONLINE_APP_ID, "displayName": "Office 365 Exchange Online",
            "servicePrincipalType": "Application", "accountEnabled": True,
            "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "alternativeNames": [],
            "appRoles": [
                {"id": wk.MANAGE_AS_APP_ROLE_ID, "value": "Exchange.ManageAsApp", "isEnabled": True,
                 "allowedMemberTypes": ["Application"], "displayName": "Manage Exchange As Application",
                 "description": "Manage Exchange"},
                {"id": wk.EXCHANGE_ONLINE_APP_ROLES["full_access_as_app"], "value": "full_access_as_app",
                 "isEnabled": True, "allowedMemberTypes": ["Application"], "displayName": "EWS full access",
                 "description": "EWS"},
    ]}


def graph_sp():
    return {"id": new_id(), "appId": wk.MICROSOFT_GRAPH_APP_ID, "displayName": "Microsoft Graph",
            "servicePrincipalType": "Application", "accountEnabled": True, "alternativeNames": [],
            "appRoles": [
                {"id": "df021288-bdef-4463-88db-98f22de89214", "value": "User.Read.All", "isEnabled": True,
                 "allowedMemberTypes": ["Application"]},
                {"id": "b633e1c5-b582-4048-a93e-9f11b44c7e96", "value": "Mail.Send", "isEnabled": True,
                 "allowedMemberTypes": ["Application"]},
    ]}


def error(status, code, message, headers=None):
    body = {"error": {"code": code, "message": message,
                      "innerError": {"request-id": "req-%d" % status, "date": "2025-01-01T00:00:00"}}}
    return httpx.Response(status, json=body, headers=headers or {})


class FakeTenant:
    """Graph state plus a request log. ``hide(principal_id, reads)`` keeps a principal invisible for that many
    requests that reference it (replication delay); ``fault(...)`` scripts answers."""

    def __init__(self, exchange_online=True):
        self.sps = {}
        self.assignments = {}
        self.role_assignments = {}
        self.definitions = [{"id": tid, "templateId": tid, "displayName": name, "isBuiltIn": True,
                             "isEnabled": True, "description": name} for name, tid in wk.ENTRA_ROLES.items()]
        self.hidden = {}
        self.faults = []
        self.log = []
        if exchange_online:
            self.add_sp(exo_sp())
        self.graph_sp = self.add_sp(graph_sp())

    # -- set-up ---------------------------------------------------------------------------------------
    def add_sp(self, sp):
        self.sps[sp["id"]] = sp
        return sp

    def add_identity(self, name="mi-exo", principal_id=None, client_id=None, hidden_reads=0):
        sp = self.add_sp({"id": principal_id or new_id(), "appId": client_id or new_id(), "displayName": name,
                          "servicePrincipalType": "ManagedIdentity", "accountEnabled": True, "appRoles": [],
                          "alternativeNames": []})
        if hidden_reads:
            self.hidden[sp["id"]] = hidden_reads
        return sp

    def grant(self, principal_id, resource, role_id):
        a = {"id": new_id(), "appRoleId": role_id, "principalId": principal_id, "resourceId": resource["id"],
             "principalType": "ServicePrincipal", "principalDisplayName": self.sps[principal_id]["displayName"],
             "resourceDisplayName": resource["displayName"], "createdDateTime": "2025-01-01T00:00:00Z"}
        self.assignments[a["id"]] = a
        return a

    def assign_role(self, principal_id, role_id, scope="/"):
        a = {"id": new_id(), "roleDefinitionId": role_id, "principalId": principal_id, "directoryScopeId": scope}
        self.role_assignments[a["id"]] = a
        return a

    def duplicate(self, assignment):
        """A second copy (new id) of an app role or Entra role assignment: Graph can hold two of one grant."""
        table = self.assignments if assignment["id"] in self.assignments else self.role_assignments
        copy = dict(assignment, id=new_id())
        table[copy["id"]] = copy
        return copy

    def fault(self, method, path_regex, status, body=None, times=1, headers=None):
        self.faults.append({"method": method, "re": re.compile(path_regex), "status": status, "body": body,
                            "times": times, "headers": headers or {}})

    def by_app_id(self, app_id):
        return next((sp for sp in self.sps.values() if sp["appId"] == app_id), None)

    def writes(self):
        return [(m, p) for m, p, _s in self.log if m not in ("GET", "HEAD")]

    # -- transport ------------------------------------------------------------------------------------
    def transport(self):
        return httpx.MockTransport(self)

    def _visible(self, object_id):
        if object_id not in self.sps:
            return False
        if self.hidden.get(object_id, 0) > 0:
            self.hidden[object_id] -= 1
            return False
        return True

    def __call__(self, request):
        path = request.url.path
        assert path.startswith(V1), path
        path = path[len(V1):]
        method = request.method
        response = None
        for f in self.faults:
            if f["times"] > 0 and f["method"] == method and f["re"].search(path):
                f["times"] -= 1
                body = f["body"] or {"error": {"code": "Fault", "message": "scripted fault"}}
                response = httpx.Response(f["status"], json=body, headers=f["headers"])
                break
        if response is None:
            response = self.route(method, path, request)
        self.log.append((method, path, response.status_code))
        return response

    def route(self, method, path, request):
        q = dict((k, v) for k, v in request.url.params.multi_items())
        body = json.loads(request.content) if request.content else None
        m = re.fullmatch(r"/servicePrincipals", path)
        if m and method == "GET":
            flt = q.get("$filter", "")
            fm = re.fullmatch(r"(appId|displayName) eq '(.*)'", flt)
            assert fm, flt
            field, value = fm.group(1), fm.group(2).replace("''", "'")
            items = [sp for sp in self.sps.values() if sp.get(field) == value and self.hidden.get(sp["id"], 0) == 0]
            return httpx.Response(200, json={"value": items})
        if m and method == "POST":
            app_id = body["appId"]
            if self.by_app_id(app_id):
                return error(409, "Request_MultipleObjectsWithSameKeyValue",
                             "The service principal cannot be created, updated, or restored because the service "
                             "principal name %s is already in use." % app_id)
            if app_id == wk.EXCHANGE_ONLINE_APP_ID:
                sp = exo_sp()
            elif app_id == wk.MICROSOFT_GRAPH_APP_ID:
                sp = graph_sp()
            else:
                return error(400, "Request_BadRequest", "The appId '%s' of the service principal does not reference "
                                                        "a valid application object." % app_id)
            self.add_sp(sp)
            return httpx.Response(201, json=sp)
        m = re.fullmatch(r"/servicePrincipals/([^/]+)", path)
        if m:
            oid = unquote(m.group(1))
            if not self._visible(oid):
                return error(404, "Request_ResourceNotFound",
                             "Resource '%s' does not exist or one of its queried reference-property objects are not "
                             "present." % oid)
            if method == "GET":
                return httpx.Response(200, json=self.sps[oid])
            if method == "DELETE":
                del self.sps[oid]
                return httpx.Response(204)
        m = re.fullmatch(r"/servicePrincipals/([^/]+)/(appRoleAssignments|appRoleAssignedTo)(?:/([^/]+))?", path)
        if m:
            oid, side, aid = m.group(1), m.group(2), m.group(3)
            if not self._visible(oid):
                return error(404, "Request_ResourceNotFound", "Resource '%s' does not exist." % oid)
            key = "principalId" if side == "appRoleAssignments" else "resourceId"
            if method == "GET" and not aid:
                return httpx.Response(200, json={"value": [a for a in self.assignments.values() if a[key] == oid]})
            if method == "POST":
                resource = self.sps.get(body["resourceId"])
                if resource is None:
                    return error(400, "Request_BadRequest", "Not a valid reference update.")
                if not any(r["id"] == body["appRoleId"] for r in resource["appRoles"]):
                    return error(400, "Request_BadRequest", "Permission being assigned was not found on application "
                                                            "'%s'." % resource["appId"])
                for a in self.assignments.values():
                    if (a["principalId"], a["resourceId"], a["appRoleId"]) == (
                            body["principalId"], body["resourceId"], body["appRoleId"]):
                        return error(400, "Request_BadRequest",
                                     "Permission being assigned already exists on the object.")
                return httpx.Response(201, json=self.grant(body["principalId"], resource, body["appRoleId"]))
            if method == "DELETE" and aid:
                if aid not in self.assignments:
                    return error(404, "Request_ResourceNotFound", "Resource '%s' does not exist." % aid)
                del self.assignments[aid]
                return httpx.Response(204)
        if path == "/roleManagement/directory/roleDefinitions" and method == "GET":
            return httpx.Response(200, json={"value": self.definitions})
        m = re.fullmatch(r"/roleManagement/directory/roleAssignments(?:/([^/]+))?", path)
        if m:
            rid = m.group(1)
            if method == "GET" and not rid:
                fm = re.fullmatch(r"(principalId|roleDefinitionId) eq '(.*)'", q.get("$filter", ""))
                assert fm, q
                items = [a for a in self.role_assignments.values() if a[fm.group(1)] == fm.group(2)]
                return httpx.Response(200, json={"value": items})
            if method == "POST":
                if not self._visible(body["principalId"]):
                    return error(400, "Request_BadRequest", "Not a valid reference update.")
                for a in self.role_assignments.values():
                    if (a["principalId"], a["roleDefinitionId"], a["directoryScopeId"]) == (
                            body["principalId"], body["roleDefinitionId"], body["directoryScopeId"]):
                        return error(400, "Request_BadRequest", "A conflicting object with one or more of the "
                                                                "specified property values is present in the directory.")
                return httpx.Response(201, json=self.assign_role(body["principalId"], body["roleDefinitionId"],
                                                                 body["directoryScopeId"]))
            if method == "DELETE" and rid:
                if rid not in self.role_assignments:
                    return error(404, "Request_ResourceNotFound", "Resource '%s' does not exist." % rid)
                del self.role_assignments[rid]
                return httpx.Response(204)
        return error(400, "BadRequest", "Resource not found for the segment '%s'." % path)


# -- wiring into ExoModule ----------------------------------------------------------------------------------
SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"


class Obj:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class FakeArm:
    """Automation accounts and user-assigned identities as azure-mgmt clients return them."""

    def __init__(self):
        self.accounts = {}
        self.identities = {}
        self.calls = []

    def account(self, name, principal_id, rg="rg-exo"):
        self.accounts[(rg, name)] = Obj(identity=Obj(principal_id=principal_id, type="SystemAssigned"))
        return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Automation/automationAccounts/%s"
                % (SUBSCRIPTION, rg, name))

    def identity(self, name, principal_id, client_id, rg="rg-exo"):
        self.identities[(rg, name)] = Obj(principal_id=principal_id, client_id=client_id)
        return ("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s"
                % (SUBSCRIPTION, rg, name))

    def _get(self, table, kind):
        def get(rg, name):
            self.calls.append((kind, rg, name))
            if (rg, name) not in table:
                from azure.core.exceptions import ResourceNotFoundError

                raise ResourceNotFoundError("The Resource '%s' under resource group '%s' was not found." % (name, rg))
            return table[(rg, name)]
        return get

    def automation_client(self):
        return Obj(automation_account=Obj(get=self._get(self.accounts, "account")))

    def msi_client(self):
        return Obj(user_assigned_identities=Obj(get=self._get(self.identities, "identity")))


def wire(monkeypatch, tenant, arm=None):
    """Make ExoModule use ``tenant`` (and ``arm``); returns the fake clock of the replication waits. The SDK
    retry handler's sleeps are recorded in ``clock.retry_sleeps``, the module's warnings in ``clock.warnings``."""
    from kiota_http.middleware import retry_handler

    from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule
    from ansible_collections.m365.exo_automation.plugins.module_utils.graph import GraphClient
    from ansible_collections.m365.exo_automation.tests.unit.fake_http import FakeCredential

    clock = install_clock(monkeypatch)
    clock.retry_sleeps = []
    clock.warnings = []
    arm = arm or FakeArm()

    async def fake_sleep(seconds):
        clock.retry_sleeps.append(seconds)

    monkeypatch.setattr(retry_handler.asyncio, "sleep", fake_sleep)

    def graph(self):
        if "graph" not in self._clients:
            client = GraphClient(FakeCredential(), BASE, ["https://graph.microsoft.com/.default"],
                                 transport=tenant.transport())
            self._clients["graph"] = client
            self.add_closer(client.close)
        return self._clients["graph"]

    monkeypatch.setattr(ExoModule, "graph", graph)
    monkeypatch.setattr(ExoModule, "warn", lambda self, msg: clock.warnings.append(msg))
    monkeypatch.setattr(ExoModule, "subscription_id", lambda self: SUBSCRIPTION)
    monkeypatch.setattr(ExoModule, "automation_client", lambda self: arm.automation_client())
    monkeypatch.setattr(ExoModule, "msi_client", lambda self: arm.msi_client())
    monkeypatch.setattr(ExoModule, "arm_client", lambda self, kind, subscription_id=None:
                        arm.automation_client() if kind == "automation" else arm.msi_client())
    return clock
