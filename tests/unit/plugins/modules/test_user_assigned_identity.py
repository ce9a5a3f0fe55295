# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.modules import user_assigned_identity, user_assigned_identity_info
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import TENANT, FakeAzure, identity_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module


@pytest.fixture
def fake(monkeypatch):
    f = FakeAzure.install(monkeypatch)
    f.add_group("rg-one", location="northeurope")
    return f


def run(monkeypatch, check_mode=False, **args):
    return run_module(monkeypatch, user_assigned_identity.main, args, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("check_mode", [True, False])
def test_create_defaults_to_the_group_location(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, resource_group="rg-one", name="id-one", tags={"a": "b"})
    assert result["changed"] is True
    ident = result["identity"]
    assert ident["id"] == identity_id("rg-one", "id-one")
    assert ident["location"] == "northeurope"
    assert ident["resource_group"] == "rg-one"
    assert ident["tenant_id"] == TENANT
    assert result["diff"] == {"before": {}, "after": {"id": ident["id"], "name": "id-one", "resource_group": "rg-one",
                                                      "location": "northeurope", "tags": {"a": "b"}}}
    if check_mode:
        assert fake.writes == []
        assert ident["principal_id"] is None and ident["client_id"] is None
    else:
        assert [w[0] for w in fake.writes] == ["PUT"]
        stored = fake.identities[ident["id"].lower()]
        assert ident["principal_id"] == stored["principal_id"]
        assert ident["client_id"] == stored["client_id"]


def test_idempotent(monkeypatch, fake):
    fake.add_identity("rg-one", "id-one", tags={"a": "b"})
    result = run(monkeypatch, resource_group="rg-one", name="id-one", tags={"a": "b"}, location="westeurope")
    assert result["changed"] is False
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_tags(monkeypatch, fake, check_mode):
    stored = fake.add_identity("rg-one", "id-one", tags={"a": "b"})
    result = run(monkeypatch, check_mode, resource_group="rg-one", name="id-one", tags={"c": "d"}, purge_tags=False)
    assert result["changed"] is True
    assert result["identity"]["tags"] == {"a": "b", "c": "d"}
    assert result["identity"]["principal_id"] == stored["principal_id"]
    assert "principal_id" not in result["diff"]["after"]
    assert fake.writes == ([] if check_mode else [("PATCH", stored["id"], {"tags": {"a": "b", "c": "d"}})])


def test_missing_resource_group_in_check_mode_is_predicted_with_a_warning(monkeypatch, fake):
    result = run(monkeypatch, True, resource_group="rg-none", name="id-one")
    assert result["changed"] is True
    assert result["identity"]["location"] is None
    assert "rg-none" in result["warnings"][0] and "real run fails" in result["warnings"][0]
    assert fake.writes == []


def test_missing_resource_group(monkeypatch, fake):
    result = run(monkeypatch, resource_group="rg-none", name="id-one")
    assert result["failed"] and result["option"] == "resource_group"
    assert "does not exist" in result["msg"] and "m365.exo_automation.resource_group" in result["msg"]
    assert fake.writes == []


@pytest.mark.parametrize("name", ["ab", "-leading", "has.dot", "x" * 129])
def test_bad_name(monkeypatch, fake, name):
    result = run(monkeypatch, resource_group="rg-one", name=name)
    assert result["failed"] and result["option"] == "name"
    assert "3-128 characters" in result["msg"]


def test_location_cannot_change(monkeypatch, fake):
    fake.add_identity("rg-one", "id-one", location="westeurope")
    result = run(monkeypatch, resource_group="rg-one", name="id-one", location="eastus")
    assert result["failed"] and result["option"] == "location"


def test_unknown_location(monkeypatch, fake):
    result = run(monkeypatch, resource_group="rg-one", name="id-one", location="marsnorth")
    assert result["failed"] and result["option"] == "location"
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    stored = fake.add_identity("rg-one", "id-one")
    result = run(monkeypatch, check_mode, resource_group="rg-one", name="id-one", state="absent")
    assert result["changed"] is True and result["identity"] == {}
    assert fake.writes == ([] if check_mode else [("DELETE", stored["id"], None)])


def test_absent_when_missing(monkeypatch, fake):
    result = run(monkeypatch, resource_group="rg-one", name="id-one", state="absent")
    assert result["changed"] is False and fake.writes == []


def test_info(monkeypatch, fake):
    fake.add_group("rg-two")
    fake.add_identity("rg-one", "id-b", tags={"team": "mail"})
    fake.add_identity("rg-one", "id-a")
    fake.add_identity("rg-two", "id-c", tags={"team": "mail", "x": "y"})

    def info(**args):
        return run_module(monkeypatch, user_assigned_identity_info.main, args)

    assert [i["name"] for i in info()["identities"]] == ["id-a", "id-b", "id-c"]
    assert [i["name"] for i in info(resource_group="rg-one")["identities"]] == ["id-a", "id-b"]
    one = info(resource_group="rg-one", name="id-b")["identities"]
    assert len(one) == 1 and one[0]["client_id"] == fake.identities[one[0]["id"].lower()]["client_id"]
    assert info(resource_group="rg-one", name="id-z")["identities"] == []
    assert info(resource_group="rg-none")["identities"] == []
    assert [i["name"] for i in info(tags={"team": "mail"})["identities"]] == ["id-b", "id-c"]
    assert [i["name"] for i in info(tags={"team": "mail", "x": "y"})["identities"]] == ["id-c"]
    failed = info(name="id-a")
    assert failed["failed"] and "resource_group" in failed["msg"]
