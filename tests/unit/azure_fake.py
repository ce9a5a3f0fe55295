# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One in-memory fake of the ARM clients the account modules use (resource groups, user-assigned identities,
Automation accounts), with ARM's semantics where the modules rely on them: 404 for missing objects, PATCH
merges, ``userAssignedIdentities: {id: null}`` detaches. Every write is recorded in ``fake.writes``.

    fake = FakeAzure.install(monkeypatch)
    result = run_module(monkeypatch, resource_group.main, {...}, check_mode=True)
    assert fake.writes == []
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import uuid

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ansible_collections.m365.exo_automation.plugins.module_utils import arm
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule

SUB = "00000000-0000-0000-0000-00000000aaaa"
TENANT = "00000000-0000-0000-0000-00000000bbbb"


def _not_found(what):
    raise ResourceNotFoundError("%s was not found" % what)


def rg_id(rg):
    return "/subscriptions/%s/resourceGroups/%s" % (SUB, rg)


def identity_id(rg, name):
    return "%s/providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s" % (rg_id(rg), name)


def account_id(rg, name):
    return "%s/providers/Microsoft.Automation/automationAccounts/%s" % (rg_id(rg), name)


class _Poller:
    def __init__(self, done=True):
        self._done = done

    def result(self, timeout=None):
        return None

    def done(self):
        return self._done

    def status(self):
        return "Succeeded" if self._done else "InProgress"


class _ResourceGroups:
    def __init__(self, fake):
        self.fake = fake

    def get(self, name):
        from azure.mgmt.resource.resources.models import ResourceGroup

        item = self.fake.groups.get(name.lower())
        if item is None:
            _not_found("resource group %s" % name)
        return ResourceGroup(copy.deepcopy(item))

    def create_or_update(self, name, body):
        self.fake.write("PUT", rg_id(name), body)
        item = {"id": rg_id(name), "name": name, "location": body["location"], "tags": dict(body.get("tags") or {}),
                "properties": {"provisioningState": "Succeeded"}}
        self.fake.groups[name.lower()] = item
        return self.get(name)

    def update(self, name, body):
        self.fake.write("PATCH", rg_id(name), body)
        item = self.fake.groups[name.lower()]
        if "tags" in body:
            item["tags"] = dict(body["tags"])
        return self.get(name)

    def begin_delete(self, name):
        self.fake.write("DELETE", rg_id(name), None)
        prefix = rg_id(name).lower() + "/"
        self.fake.groups.pop(name.lower())
        for store in (self.fake.identities, self.fake.accounts):
            for key in [k for k in store if k.startswith(prefix)]:
                store.pop(key)
        return _Poller(done=not self.fake.slow_delete)


class _Resources:
    def __init__(self, fake):
        self.fake = fake

    def list_by_resource_group(self, name, top=None):
        prefix = rg_id(name).lower() + "/"
        items = [{"id": v["id"]} for store in (self.fake.identities, self.fake.accounts)
                 for k, v in sorted(store.items()) if k.startswith(prefix)]
        return items[:top] if top else items


class _Identities:
    def __init__(self, fake):
        self.fake = fake

    def _model(self, item):
        from azure.mgmt.msi.models import Identity

        model = Identity(location=item["location"], tags=dict(item["tags"]))
        model.id = item["id"]
        model.name = item["name"]
        model.principal_id = item["principal_id"]
        model.client_id = item["client_id"]
        model.tenant_id = TENANT
        return model

    def get(self, rg, name):
        if rg.lower() not in self.fake.groups:
            _not_found("resource group %s" % rg)
        item = self.fake.identities.get(identity_id(rg, name).lower())
        if item is None:
            _not_found("identity %s" % name)
        return self._model(item)

    def create_or_update(self, rg, name, identity):
        rid = identity_id(rg, name)
        self.fake.write("PUT", rid, {"location": identity.location, "tags": identity.tags})
        existing = self.fake.identities.get(rid.lower())
        item = existing or {"id": rid, "name": name, "principal_id": str(uuid.uuid4()), "client_id": str(uuid.uuid4())}
        item.update(location=identity.location, tags=dict(identity.tags or {}))
        self.fake.identities[rid.lower()] = item
        return self._model(item)

    def update(self, rg, name, update):
        rid = identity_id(rg, name)
        self.fake.write("PATCH", rid, {"tags": update.tags})
        item = self.fake.identities[rid.lower()]
        if update.tags is not None:
            item["tags"] = dict(update.tags)
        return self._model(item)

    def delete(self, rg, name):
        rid = identity_id(rg, name)
        self.fake.write("DELETE", rid, None)
        self.fake.identities.pop(rid.lower(), None)

    def list_by_resource_group(self, rg):
        if rg.lower() not in self.fake.groups:
            _not_found("resource group %s" % rg)
        prefix = rg_id(rg).lower() + "/"
        return [self._model(v) for k, v in sorted(self.fake.identities.items()) if k.startswith(prefix)]

    def list_by_subscription(self):
        return [self._model(v) for _k, v in sorted(self.fake.identities.items())]


class _Accounts:
    def __init__(self, fake):
        self.fake = fake

    def _model(self, item):
        from azure.mgmt.automation.models import AutomationAccount

        return AutomationAccount(copy.deepcopy(item))

    def get(self, rg, name):
        if rg.lower() not in self.fake.groups:
            _not_found("resource group %s" % rg)
        item = self.fake.accounts.get(account_id(rg, name).lower())
        if item is None:
            _not_found("account %s" % name)
        return self._model(item)

    def _identity(self, old, given, patch):
        old = old or {"type": "None"}
        new_type = given.get("type", old.get("type"))
        users = dict(old.get("userAssignedIdentities") or {}) if patch and "UserAssigned" in old.get("type", "") else {}
        for rid, value in (given.get("userAssignedIdentities") or {}).items():
            key = next((k for k in users if k.lower() == rid.lower()), rid)
            if value is None:
                users.pop(key, None)
                continue
            found = self.fake.identities.get(rid.lower())
            if found is None:
                raise HttpResponseError("Resource '%s' was not found." % rid)
            users[key] = {"principalId": found["principal_id"], "clientId": found["client_id"]}
        ident = {"type": new_type}
        if new_type != "None":
            ident["tenantId"] = TENANT
        if "SystemAssigned" in new_type:
            ident["principalId"] = old.get("principalId") if "SystemAssigned" in old.get("type", "") \
                else str(uuid.uuid4())
        if "UserAssigned" in new_type:
            ident["userAssignedIdentities"] = users
        return ident

    def create_or_update(self, rg, name, body):
        rid = account_id(rg, name)
        self.fake.write("PUT", rid, body)
        props = {"sku": {"name": "Basic"}, "state": "Ok", "publicNetworkAccess": True, "disableLocalAuth": False,
                 "creationTime": "2025-01-01T00:00:00.000+00:00", "lastModifiedTime": "2025-01-01T00:00:00.000+00:00"}
        props.update(copy.deepcopy(body.get("properties") or {}))
        item = {"id": rid, "name": name, "type": "Microsoft.Automation/AutomationAccounts",
                "location": body["location"], "tags": dict(body.get("tags") or {}), "properties": props}
        if body.get("identity"):
            item["identity"] = self._identity(None, body["identity"], patch=False)
        self.fake.accounts[rid.lower()] = item
        return self._model(item)

    def update(self, rg, name, patch):
        rid = account_id(rg, name)
        self.fake.write("PATCH", rid, patch)
        item = self.fake.accounts[rid.lower()]
        item["properties"].update(copy.deepcopy(patch.get("properties") or {}))
        item["properties"]["lastModifiedTime"] = "2025-01-02T00:00:00.000+00:00"
        if "tags" in patch:
            item["tags"] = dict(patch["tags"])
        if "identity" in patch:
            item["identity"] = self._identity(item.get("identity"), patch["identity"], patch=True)
        return self._model(item)

    def delete(self, rg, name):
        rid = account_id(rg, name)
        self.fake.write("DELETE", rid, None)
        self.fake.accounts.pop(rid.lower(), None)

    def list_by_resource_group(self, rg):
        if rg.lower() not in self.fake.groups:
            _not_found("resource group %s" % rg)
        prefix = rg_id(rg).lower() + "/"
        return [self._model(v) for k, v in sorted(self.fake.accounts.items()) if k.startswith(prefix)]

    def list(self):
        return [self._model(v) for _k, v in sorted(self.fake.accounts.items())]


class _Client:
    pass


class FakeAzure:
    def __init__(self):
        self.groups = {}
        self.identities = {}
        self.accounts = {}
        self.writes = []
        self.locations = {"westeurope", "northeurope", "eastus"}
        self.slow_delete = False
        self.resource = _Client()
        self.resource.resource_groups = _ResourceGroups(self)
        self.resource.resources = _Resources(self)
        self.msi = _Client()
        self.msi.user_assigned_identities = _Identities(self)
        self.automation = _Client()
        self.automation.automation_account = _Accounts(self)

    def write(self, method, rid, body):
        self.writes.append((method, rid, copy.deepcopy(body)))

    # -- seeding (not recorded as writes) -------------------------------------------------------
    def add_group(self, name, location="westeurope", tags=None):
        self.groups[name.lower()] = {"id": rg_id(name), "name": name, "location": location, "tags": dict(tags or {}),
                                     "properties": {"provisioningState": "Succeeded"}}

    def add_identity(self, rg, name, location="westeurope", tags=None):
        rid = identity_id(rg, name)
        self.identities[rid.lower()] = {"id": rid, "name": name, "location": location, "tags": dict(tags or {}),
                                        "principal_id": str(uuid.uuid4()), "client_id": str(uuid.uuid4())}
        return self.identities[rid.lower()]

    def add_account(self, rg, name, identity=None, **properties):
        self.automation.automation_account.create_or_update(
            rg, name, {"location": "westeurope", "properties": properties, "identity": identity})
        self.writes.pop()
        return self.accounts[account_id(rg, name).lower()]

    @classmethod
    def install(cls, monkeypatch):
        fake = cls()
        monkeypatch.setattr(ExoModule, "resource_client", lambda self: fake.resource)
        monkeypatch.setattr(ExoModule, "msi_client", lambda self: fake.msi)
        monkeypatch.setattr(ExoModule, "automation_client", lambda self: fake.automation)
        monkeypatch.setattr(ExoModule, "subscription_id", lambda self: SUB)
        monkeypatch.setattr(ExoModule, "tenant_id", lambda self: TENANT)
        monkeypatch.setattr(arm, "list_locations", lambda m: set(fake.locations))
        return fake
