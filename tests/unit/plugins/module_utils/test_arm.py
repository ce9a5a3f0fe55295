# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from ansible_collections.m365.exo_automation.plugins.module_utils import arm
from ansible_collections.m365.exo_automation.plugins.module_utils.base import ExoModule
from ansible_collections.m365.exo_automation.tests.unit.fake_http import FakeCredential, ScriptedTransport, response
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module


class Status(HttpResponseError):
    def __init__(self, status, message="x", code=None):
        super(Status, self).__init__(message)
        self.status_code = status
        if code:
            self.error = type("E", (), {"code": code, "message": message})()


def test_get_or_none():
    def missing():
        raise ResourceNotFoundError("nope")

    def also_missing():
        raise Status(404)

    def forbidden():
        raise Status(403)

    assert arm.get_or_none(missing) is None
    assert arm.get_or_none(also_missing) is None
    assert arm.get_or_none(lambda a, b=0: a + b, 1, b=2) == 3
    with pytest.raises(Status):
        arm.get_or_none(forbidden)


LOCATIONS = {"value": [{"name": "westeurope", "displayName": "West Europe"}, {"name": "eastus"}]}


@pytest.mark.parametrize("answer,expected", [
    (response(200, LOCATIONS), {"westeurope", "eastus"}),
    (response(403, {"error": {"code": "AuthorizationFailed", "message": "no"}}), None),
    (response(200, {"value": []}), None),
])
def test_list_locations(monkeypatch, answer, expected):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "11111111-1111-1111-1111-111111111111")
    monkeypatch.setenv("AZURE_ARM_ENDPOINT", "https://arm.example.test")
    transport = ScriptedTransport([answer])
    seen = {}

    def main():
        def fn(m):
            from azure.mgmt.resource.resources import ResourceManagementClient

            m._clients[("resource", m.subscription_id().lower())] = ResourceManagementClient(
                FakeCredential(), m.subscription_id(), transport=transport, **m.arm_client_kwargs())
            seen["locations"] = arm.list_locations(m)
            return {"changed": False}
        ExoModule(argument_spec={}).run(fn)

    run_module(monkeypatch, main, {"auth_source": "cli"})
    assert seen["locations"] == expected
    assert transport.requests[0][1] == ("https://arm.example.test/subscriptions/11111111-1111-1111-1111-111111111111/"
                                        "locations?api-version=2022-12-01")


class _Operations(object):
    """An SDK operation group with one object, ``a`` in resource group ``rg``."""

    def __init__(self):
        self.calls = []

    def get(self, resource_group, name):
        self.calls.append(("get", resource_group, name))
        if (resource_group, name) != ("rg", "a"):
            raise ResourceNotFoundError("nope")
        return "a"

    def list_by_resource_group(self, resource_group):
        self.calls.append(("list_by_resource_group", resource_group))
        if resource_group != "rg":
            raise ResourceNotFoundError("no such group")
        return iter(["a"])

    def list_by_subscription(self):
        self.calls.append(("list_by_subscription",))
        return iter(["a", "b"])


@pytest.mark.parametrize("resource_group, name, expected, call", [
    ("rg", "a", ["a"], "get"),
    ("rg", "missing", [], "get"),
    ("rg", None, ["a"], "list_by_resource_group"),
    ("no-such-group", None, [], "list_by_resource_group"),
    (None, None, ["a", "b"], "list_by_subscription"),
])
def test_read_scope(resource_group, name, expected, call):
    ops = _Operations()
    assert arm.read_scope(ops, "list_by_subscription", resource_group, name) == expected
    assert [c[0] for c in ops.calls] == [call]


def test_one_arm_client_per_kind_and_subscription(monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "11111111-1111-1111-1111-111111111111")
    built = []

    class Client:
        def __init__(self, credential, subscription, **kwargs):
            built.append(subscription)

        def close(self):
            pass

    def main():
        def fn(m):
            monkeypatch.setattr(m, "require", lambda name: type("M", (), {"ManagedServiceIdentityClient": Client}))
            monkeypatch.setattr(m, "credential", lambda: "cred")
            first = m.arm_client("msi")
            assert m.arm_client("msi", "11111111-1111-1111-1111-111111111111".upper()) is first
            other = m.arm_client("msi", "22222222-2222-2222-2222-222222222222")
            assert other is not first
            return {"changed": False}
        ExoModule(argument_spec={}).run(fn)

    assert run_module(monkeypatch, main, {"auth_source": "cli"}).get("failed") is not True
    assert built == ["11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"]
