# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.modules import resource_group
from ansible_collections.m365.exo_automation.tests.unit.azure_fake import FakeAzure, rg_id
from ansible_collections.m365.exo_automation.tests.unit.utils import run_module


@pytest.fixture
def fake(monkeypatch):
    return FakeAzure.install(monkeypatch)


def run(monkeypatch, check_mode=False, **args):
    return run_module(monkeypatch, resource_group.main, args, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("check_mode", [True, False])
def test_create(monkeypatch, fake, check_mode):
    result = run(monkeypatch, check_mode, name="rg-one", location="West Europe", tags={"a": "b"})
    assert result["changed"] is True
    assert result["resource_group"]["id"] == rg_id("rg-one")
    assert result["resource_group"]["location"] == "westeurope"
    assert result["resource_group"]["tags"] == {"a": "b"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["tags"] == {"a": "b"}
    assert "provisioning_state" not in result["diff"]["after"]
    if check_mode:
        assert fake.writes == []
    else:
        assert fake.writes == [("PUT", rg_id("rg-one"), {"location": "westeurope", "tags": {"a": "b"}})]


def test_unchanged_group_is_not_changed(monkeypatch, fake):
    fake.add_group("rg-one", tags={"a": "b"})
    result = run(monkeypatch, name="rg-one", location="westeurope", tags={"a": "b"})
    assert result["changed"] is False
    assert fake.writes == []


def test_tags_left_alone_when_not_given(monkeypatch, fake):
    fake.add_group("rg-one", tags={"a": "b"})
    result = run(monkeypatch, name="rg-one")
    assert result["changed"] is False
    assert result["resource_group"]["tags"] == {"a": "b"}


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("purge,expected", [(True, {"c": "d"}), (False, {"a": "b", "c": "d"})])
def test_tags_update(monkeypatch, fake, check_mode, purge, expected):
    fake.add_group("rg-one", tags={"a": "b"})
    result = run(monkeypatch, check_mode, name="rg-one", tags={"c": "d"}, purge_tags=purge)
    assert result["changed"] is True
    assert result["resource_group"]["tags"] == expected
    assert result["diff"] == {"before": dict(result["diff"]["before"], tags={"a": "b"}),
                              "after": dict(result["diff"]["before"], tags=expected)}
    assert fake.writes == ([] if check_mode else [("PATCH", rg_id("rg-one"), {"tags": expected})])


def test_location_cannot_change(monkeypatch, fake):
    fake.add_group("rg-one", location="westeurope")
    result = run(monkeypatch, name="rg-one", location="eastus")
    assert result["failed"]
    assert result["option"] == "location"
    assert "cannot change" in result["msg"]
    assert fake.writes == []


@pytest.mark.parametrize("location,fragment", [
    ("westeruope", "Did you mean westeurope"),
    ("west-europe!", "not a valid Azure region name"),
])
def test_bad_location_fails_before_any_write(monkeypatch, fake, location, fragment):
    result = run(monkeypatch, name="rg-one", location=location)
    assert result["failed"] and result["option"] == "location"
    assert fragment in result["msg"]
    assert fake.writes == []


def test_location_required_to_create(monkeypatch, fake):
    result = run(monkeypatch, name="rg-one")
    assert result["failed"] and result["option"] == "location"


@pytest.mark.parametrize("name", ["bad/name", "ends-with.", "x" * 91, "sp ace"])
def test_bad_name(monkeypatch, fake, name):
    result = run(monkeypatch, name=name, location="westeurope")
    assert result["failed"] and result["option"] == "name"
    assert "1-90 characters" in result["msg"]
    assert fake.writes == []


def test_absent_when_missing_is_not_changed(monkeypatch, fake):
    result = run(monkeypatch, name="rg-none", state="absent")
    assert result["changed"] is False
    assert fake.writes == []


@pytest.mark.parametrize("check_mode", [True, False])
def test_delete(monkeypatch, fake, check_mode):
    fake.add_group("rg-one")
    result = run(monkeypatch, check_mode, name="rg-one", state="absent")
    assert result["changed"] is True
    assert result["resource_group"] == {}
    assert result["diff"]["before"]["name"] == "rg-one" and result["diff"]["after"] == {}
    assert fake.writes == ([] if check_mode else [("DELETE", rg_id("rg-one"), None)])


def test_nonempty_group_is_kept_unless_forced(monkeypatch, fake):
    fake.add_group("rg-one")
    fake.add_identity("rg-one", "id-one")
    result = run(monkeypatch, name="rg-one", state="absent")
    assert result["failed"] and result["option"] == "force_delete_nonempty"
    assert "id-one" in result["msg"]
    assert fake.writes == []
    result = run(monkeypatch, name="rg-one", state="absent", force_delete_nonempty=True)
    assert result["changed"] is True
    assert fake.identities == {}


def test_delete_timeout(monkeypatch, fake):
    fake.add_group("rg-one")
    fake.slow_delete = True
    result = run(monkeypatch, name="rg-one", state="absent", timeout=1)
    assert result["failed"]
    assert "timed out" in result["msg"] and "deletion of resource group 'rg-one'" in result["msg"]


def test_delete_without_wait_does_not_wait(monkeypatch, fake):
    fake.add_group("rg-one")
    fake.slow_delete = True
    result = run(monkeypatch, name="rg-one", state="absent", wait=False)
    assert result["changed"] is True
